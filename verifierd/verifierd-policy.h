/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage.h"

/* Policy kinds the verifier stores: "tpm", "boot" (measured boot), "runtime" (IMA). */
bool policy_kind_is_valid(const char *kind);
/* Names: 1–64 characters of [A-Za-z0-9._-], not starting with '.' or '/'. */
bool policy_name_is_valid(const char *name);
/* Checks that content is a JSON object of the kind's shape (a TPM policy maps PCR
 * numbers to hex digests). -EBADMSG when it is not. */
int policy_validate(const char *kind, const uint8_t *data, size_t size);

/* Sets state ENROLLED with the given limits, verdict PENDING. */
void node_mark_enrolled(Node *n, uint64_t attest_count, uint64_t interval_sec);
