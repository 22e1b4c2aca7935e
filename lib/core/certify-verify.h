/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "attest-verdict.h"
#include "tpm2-attest.h"

typedef struct CertifyVerifyParams {
        EVP_PKEY *signer;               /* key that signed (the AK for proof of possession, the IAK for IAK→AK) */
        const uint8_t *name;            /* expected certified object's TPM name */
        size_t name_size;
        const uint8_t *extra_data;      /* expected qualifying data (challenge, H(agent id), …) */
        size_t extra_data_size;
        uint32_t allowed_hash_mask;     /* 0: attest_default_hash_mask() */
        uint32_t allowed_sig_mask;      /* 0: attest_default_sig_mask() */
} CertifyVerifyParams;

/* Verifies a TPM2_Certify result. Negative errno when attest or sig cannot be
 * parsed, else 0 with *ret_verdict; *ret_attest (optional) gets the parsed
 * attestation on ATTEST_VALID (clock info, firmware version). */
int certify_verify(const CertifyVerifyParams *params,
                   const uint8_t *attest, size_t attest_size,
                   const uint8_t *sig, size_t sig_size,
                   AttestVerdict *ret_verdict, Tpm2Attest *ret_attest);
