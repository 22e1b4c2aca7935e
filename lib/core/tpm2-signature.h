/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "attest-verdict.h"
#include "hash-alg.h"
#include "limits.h"

/* A parsed TPMT_SIGNATURE: RSASSA, RSAPSS or ECDSA over SHA-1/256/384/512. */
typedef struct Tpm2Signature {
        uint16_t sig_alg;               /* TPM2_ALG_RSASSA, TPM2_ALG_RSAPSS, TPM2_ALG_ECDSA */
        const HashAlg *hash;
        /* The signature as EVP_DigestVerify wants it: the RSA signature bytes, or
         * the DER ECDSA-Sig-Value built from (r, s). */
        uint8_t sig[TPM2_RSA_SIGNATURE_SIZE_MAX];
        size_t sig_size;
} Tpm2Signature;

/* Parses a TPMT_SIGNATURE; trailing bytes and unsupported algorithms are -EBADMSG. */
int tpm2_signature_parse(const uint8_t *buf, size_t len, Tpm2Signature *ret);

/* Verifies sig over msg with key. 0 on a good signature, -EBADMSG on a bad one,
 * -EKEYREJECTED when the scheme does not fit the key type, -EOPNOTSUPP when the
 * provider lacks the hash. */
int tpm2_signature_verify(const Tpm2Signature *sig, EVP_PKEY *key, const uint8_t *msg, size_t len);

/* As above with a caller-kept context, reused across calls (saves allocations in hot loops). */
int tpm2_signature_verify_ctx(EVP_MD_CTX *ctx, const Tpm2Signature *sig, EVP_PKEY *key,
                              const uint8_t *msg, size_t len);

const char *tpm2_sig_alg_to_string(uint16_t sig_alg);      /* "rsassa", "rsapss", "ecdsa" or NULL */
int tpm2_sig_alg_from_string(const char *s, uint16_t *ret);

/* The checks every signed attestation shares: the signature's hash and scheme
 * are in the allowed sets (0 = defaults), then the signature over msg by key.
 * *ret is ATTEST_VALID or the first failure; a negative errno only when
 * verification could not run at all. */
int attest_check_signature(EVP_MD_CTX *ctx, EVP_PKEY *key, uint32_t hash_mask, uint32_t sig_mask,
                           const Tpm2Signature *sig, const uint8_t *msg, size_t len, AttestVerdict *ret);
