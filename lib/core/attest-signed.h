/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest-verdict.h"
#include "tpm2-attest.h"
#include "tpm2-signature.h"

/* What quotes and certifications have in common: a TPMS_ATTEST signed by a key. */

/* Parses both parts; -EBADMSG when either is malformed. */
int signed_attest_parse(const uint8_t *attest, size_t attest_size, const uint8_t *sig, size_t sig_size,
                        Tpm2Attest *ret_attest, Tpm2Signature *ret_sig);

/* Allowed hash and scheme (0 = defaults), the signature by key over msg, the
 * TPM_GENERATED magic, then the attestation type. *ret is ATTEST_VALID or the
 * first failure. ctx may be NULL (one is made for the call). */
int signed_attest_check(EVP_MD_CTX *ctx, EVP_PKEY *key, uint32_t hash_mask, uint32_t sig_mask, uint16_t type,
                        const uint8_t *msg, size_t msg_size, const Tpm2Attest *a, const Tpm2Signature *sig,
                        AttestVerdict *ret);

/* Equal length and bytes; either pointer may be NULL when its size is 0. */
static inline bool attest_bytes_equal(const void *a, size_t a_size, const void *b, size_t b_size) {
        return a_size == b_size && (a_size == 0 || memcmp(a, b, a_size) == 0);
}
