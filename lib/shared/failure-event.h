/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The event failure actions get (attest-failure-actions(7)). */

#include <stddef.h>
#include <stdint.h>

#include "plugin-loader.h"

#define FAILURE_KIND_POLICY_VIOLATION "policy_violation"
#define FAILURE_KIND_BROKEN_CHAIN     "broken_evidence_chain"
#define FAILURE_KIND_TIMEOUT          "timeout"        /* no attestation for 5 intervals */

/* {"event": "attestation_failed", "node_id", "time" (RFC 3339, UTC, from
 * time_usec), "verdict": "FAIL" ("TIMEOUT" for that kind), "kind",
 * "failures": [{id, severity, context}]}
 * as a malloc'ed string. A context that is not a JSON object is passed as a
 * string. */
int failure_event_build(const char *node_id, const char *kind, uint64_t time_usec,
                        const PolicyFailure *failures, size_t n_failures, char **ret);

/* "info", "warning", "error", "critical"; "error" for anything else. */
const char *attest_severity_to_string(AttestSeverity s);
