/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The runtime engine: each IMA entry checked against a compiled policy.
 *   violation (zero template hash)       counted, not checked (no digest exists)
 *   ima-buf                              ignored keyring → pass; keyrings, then ima-buf maps
 *   path matching an exclude             skipped
 *   sig field present                    malformed → ima.bad_signature; key known → verified,
 *                                        valid passes, invalid → ima.bad_signature;
 *                                        no key for its id → the digest decides
 *   modsig field present (ima-modsig)    the same for the appended CMS signature over
 *                                        d-modsig; unparseable → ima.bad_signature;
 *                                        no key known to have made it → the digest decides
 *   path not in digests                  ima.not_in_policy
 *   digest not listed for the path       ima.digest_mismatch */

#include <stdint.h>

#include "ima-entry.h"
#include "runtime-policy.h"

#define RUNTIME_FAILURE_NOT_IN_POLICY   "ima.not_in_policy"
#define RUNTIME_FAILURE_DIGEST_MISMATCH "ima.digest_mismatch"
#define RUNTIME_FAILURE_BAD_SIGNATURE   "ima.bad_signature"
#define RUNTIME_FAILURE_PCR_MISMATCH    "ima.pcr_mismatch"

typedef struct RuntimeFailure {
        const char *id;          /* one of RUNTIME_FAILURE_* */
        uint64_t entry;          /* entry number in the log, from 0 */
        char *path;
        char *detail;
} RuntimeFailure;

typedef struct RuntimeEvaluation {
        const RuntimePolicy *policy;
        const ImaKeyring *extra_keys;   /* the tenant's keys besides the policy's; may be NULL */
        pcre2_match_data *match_data;

        RuntimeFailure *failures;       /* the first RUNTIME_POLICY_FAILURES_MAX */
        size_t n_failures;
        uint64_t n_failed, n_passed, n_excluded, n_violations, n_signed;
} RuntimeEvaluation;

int runtime_evaluation_new(const RuntimePolicy *p, const ImaKeyring *extra_keys, RuntimeEvaluation **ret);
RuntimeEvaluation *runtime_evaluation_free(RuntimeEvaluation *ev);
DEFINE_POINTER_CLEANUP_FUNC(RuntimeEvaluation, runtime_evaluation_free);

/* Checks one entry: 1 when it passes, 0 when a failure was recorded,
 * negative on allocation failure. */
int runtime_evaluation_check(RuntimeEvaluation *ev, uint64_t entry_no, const ImaEntry *e);

/* Records a failure found elsewhere (ima.pcr_mismatch from the replay). */
int runtime_evaluation_fail(RuntimeEvaluation *ev, const char *id, uint64_t entry_no, const char *path,
                            const char *detail);
