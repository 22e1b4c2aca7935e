/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* The outcome of verifying a quote or a certification. Anything but
 * ATTEST_VALID names the first check that failed. */
typedef enum AttestVerdict {
        ATTEST_VALID = 0,
        ATTEST_HASH_ALG_DISALLOWED,     /* signature hash not in the allowed set */
        ATTEST_SIG_ALG_DISALLOWED,      /* signature scheme not in the allowed set */
        ATTEST_KEY_MISMATCH,            /* scheme does not fit the key type (RSA vs ECC) */
        ATTEST_BAD_SIGNATURE,           /* not signed by this key over these bytes */
        ATTEST_NOT_TPM_GENERATED,       /* magic is not TPM_GENERATED_VALUE */
        ATTEST_WRONG_TYPE,              /* not a quote (resp. not a certification) */
        ATTEST_NONCE_MISMATCH,          /* extraData differs from the expected nonce */
        ATTEST_PCR_SELECTION_MISMATCH,  /* quoted selection differs from the supplied values' */
        ATTEST_PCR_DIGEST_MISMATCH,     /* digest of the supplied values differs from the quoted one */
        ATTEST_NAME_MISMATCH,           /* certified object is not the expected one */
        _ATTEST_VERDICT_MAX,
} AttestVerdict;

/* Stable identifier, e.g. "bad_signature", used in JSON and logs. */
const char *attest_verdict_to_string(AttestVerdict v);
/* A sentence for humans. */
const char *attest_verdict_to_message(AttestVerdict v);

/* Sets of allowed algorithms: bit (1 << TPM_ALG_ID); all ids in use are < 32. */
#define TPM2_ALG_BIT(id) (UINT32_C(1) << (id))
/* Default hash set: SHA-256, SHA-384, SHA-512 (SHA-1 only when asked for). */
uint32_t attest_default_hash_mask(void);
/* Default scheme set: RSASSA, RSAPSS, ECDSA. */
uint32_t attest_default_sig_mask(void);
