/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "attest-verdict.h"
#include "pcr-selection.h"
#include "tpm2-attest.h"
#include "tpm2-signature.h"

typedef struct QuoteVerifyParams {
        EVP_PKEY *ak;                   /* the attestation key */
        const uint8_t *nonce;           /* expected extraData */
        size_t nonce_size;
        uint32_t allowed_hash_mask;     /* 0: attest_default_hash_mask() */
        uint32_t allowed_sig_mask;      /* 0: attest_default_sig_mask() */
} QuoteVerifyParams;

/* What a valid quote vouches for. */
typedef struct QuoteResult {
        Tpm2ClockInfo clock_info;
        uint64_t firmware_version;
        uint16_t hash_alg;              /* of signature and pcrDigest */
        uint16_t sig_alg;
        PcrValues pcrs;                 /* the supplied values, now known to be quoted */
} QuoteResult;

/* Verifies a quote: attest/sig are the TPMS_ATTEST and TPMT_SIGNATURE bytes,
 * pcrs the values the host reports. Returns a negative errno when an input
 * cannot be parsed (unusable), else 0 with *ret_verdict set; *ret_result
 * (optional) is written only when the verdict is ATTEST_VALID. */
int quote_verify(const QuoteVerifyParams *params,
                 const uint8_t *attest, size_t attest_size,
                 const uint8_t *sig, size_t sig_size,
                 const PcrValues *pcrs,
                 AttestVerdict *ret_verdict, QuoteResult *ret_result);

/* As above over the already parsed parts, with a caller-kept digest context
 * (or NULL); the hot path of the verifier and the benchmark. */
int quote_verify_parsed(const QuoteVerifyParams *params, EVP_MD_CTX *ctx,
                        const uint8_t *attest, size_t attest_size, const Tpm2Attest *a,
                        const Tpm2Signature *sig, const PcrValues *pcrs,
                        AttestVerdict *ret_verdict);
