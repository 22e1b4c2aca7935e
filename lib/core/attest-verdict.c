/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tss2/tss2_tpm2_types.h>

#include "attest-verdict.h"
#include "hash-alg.h"
#include "macro.h"

static const struct {
        const char *id;
        const char *message;
} verdicts[_ATTEST_VERDICT_MAX] = {
        [ATTEST_VALID]                  = { "valid",                  "Valid." },
        [ATTEST_HASH_ALG_DISALLOWED]    = { "hash_alg_disallowed",    "Signature hash algorithm is not allowed." },
        [ATTEST_SIG_ALG_DISALLOWED]     = { "sig_alg_disallowed",     "Signature scheme is not allowed." },
        [ATTEST_KEY_MISMATCH]           = { "key_mismatch",           "Signature scheme does not fit the key type." },
        [ATTEST_BAD_SIGNATURE]          = { "bad_signature",          "Signature does not verify with the given key." },
        [ATTEST_NOT_TPM_GENERATED]      = { "not_tpm_generated",      "Attestation magic is not TPM_GENERATED_VALUE." },
        [ATTEST_WRONG_TYPE]             = { "wrong_type",             "Attestation is of the wrong type." },
        [ATTEST_NONCE_MISMATCH]         = { "nonce_mismatch",         "Qualifying data does not match the nonce." },
        [ATTEST_PCR_SELECTION_MISMATCH] = { "pcr_selection_mismatch", "Quoted PCR selection differs from the PCR values supplied." },
        [ATTEST_PCR_DIGEST_MISMATCH]    = { "pcr_digest_mismatch",    "Quoted PCR digest does not match the PCR values supplied." },
        [ATTEST_NAME_MISMATCH]          = { "name_mismatch",          "Certified object is not the expected one." },
};

const char *attest_verdict_to_string(AttestVerdict v) {
        return (unsigned) v < ELEMENTSOF(verdicts) ? verdicts[v].id : NULL;
}

const char *attest_verdict_to_message(AttestVerdict v) {
        return (unsigned) v < ELEMENTSOF(verdicts) ? verdicts[v].message : NULL;
}

uint32_t attest_default_hash_mask(void) {
        return TPM2_ALG_BIT(TPM2_ALG_ID_SHA256) | TPM2_ALG_BIT(TPM2_ALG_ID_SHA384) | TPM2_ALG_BIT(TPM2_ALG_ID_SHA512);
}

uint32_t attest_default_sig_mask(void) {
        return TPM2_ALG_BIT(TPM2_ALG_RSASSA) | TPM2_ALG_BIT(TPM2_ALG_RSAPSS) | TPM2_ALG_BIT(TPM2_ALG_ECDSA);
}
