/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The "tpm" engine's policy: allowed values per PCR in Keylime's tpm_policy
 * form, plus clock rules (see attest-tpm-policy(5)):
 *   {"15": ["<hex>", …], "23": […], "mask": "0x808000",
 *    "max_reboots_since_enrolment": 3, "require_clock_safe": true}
 * A value's length selects its bank (40 hex: sha1, 64: sha256, …). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "hash-alg.h"
#include "macro.h"


typedef struct TpmPolicyValue {
        const HashAlg *alg;
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
} TpmPolicyValue;

typedef struct TpmPolicyPcr {
        TpmPolicyValue *values;         /* alternatives */
        size_t n_values;
} TpmPolicyPcr;

typedef struct TpmPolicy {
        uint32_t pcr_mask;              /* PCRs with allowed values */
        uint32_t quote_mask;            /* "mask" | pcr_mask: PCRs to quote */
        TpmPolicyPcr pcrs[TPM_POLICY_PCR_MAX + 1];
        bool has_max_reboots;
        uint32_t max_reboots;           /* resetCount - resetCount at enrolment */
        bool require_clock_safe;
} TpmPolicy;

/* -EBADMSG with a short reason (static string) for a malformed policy, -E2BIG past a limit. */
int tpm_policy_parse(const char *text, size_t len, TpmPolicy **ret, const char **ret_error);
TpmPolicy *tpm_policy_free(TpmPolicy *p);
DEFINE_POINTER_CLEANUP_FUNC(TpmPolicy, tpm_policy_free);

/* Whether value (alg->size bytes, of bank alg) is allowed for pcr. 1 allowed,
 * 0 not allowed, -ENOENT when the policy lists no value of that bank for pcr. */
int tpm_policy_check(const TpmPolicy *p, unsigned pcr, const HashAlg *alg, const uint8_t *value);
