/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Software keys wrapped as TPM public areas, for unit tests that need keys
 * whose private half they hold (signing quotes, activating credentials). */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

static inline EVP_PKEY *test_key_rsa(unsigned bits) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) bits);
        assert_non_null(k);
        return k;
}

static inline EVP_PKEY *test_key_ec(const char *group) {
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
        assert_non_null(k);
        return k;
}

static inline uint16_t test_curve_id(const char *group) {
        if (strcmp(group, "prime256v1") == 0)
                return TPM2_ECC_NIST_P256;
        if (strcmp(group, "secp384r1") == 0)
                return TPM2_ECC_NIST_P384;
        return TPM2_ECC_NIST_P521;
}

/* EK: AES-128-CFB and no scheme; AK: no symmetric and the signing scheme. */
static inline void test_set_params(TPMT_SYM_DEF_OBJECT *sym, TPM2_ALG_ID *scheme_alg, TPMI_ALG_HASH *scheme_hash,
                                   bool ek, uint16_t scheme, uint16_t hash) {
        sym->algorithm = ek ? TPM2_ALG_AES : TPM2_ALG_NULL;
        sym->keyBits.aes = ek ? 128 : 0;
        sym->mode.aes = ek ? TPM2_ALG_CFB : 0;
        *scheme_alg = ek ? TPM2_ALG_NULL : scheme;
        *scheme_hash = ek ? 0 : hash;
}

/* The TPMT_PUBLIC of key: an EK-like restricted decryption key (AES-128-CFB)
 * when ek, else an AK-like restricted signing key with the given scheme. */
static inline void test_tpmt_from_key(EVP_PKEY *key, bool ek, uint16_t scheme, uint16_t hash, TPMT_PUBLIC *t) {
        memset(t, 0, sizeof(*t));
        t->nameAlg = TPM2_ALG_SHA256;
        t->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                TPMA_OBJECT_RESTRICTED | (ek ? TPMA_OBJECT_DECRYPT | TPMA_OBJECT_ADMINWITHPOLICY
                                             : TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH);
        if (EVP_PKEY_is_a(key, "RSA")) {
                BIGNUM *n = NULL;
                t->type = TPM2_ALG_RSA;
                assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
                t->parameters.rsaDetail.keyBits = (uint16_t) EVP_PKEY_get_bits(key);
                t->unique.rsa.size = (uint16_t) BN_num_bytes(n);
                BN_bn2bin(n, t->unique.rsa.buffer);
                BN_free(n);
                test_set_params(&t->parameters.rsaDetail.symmetric, &t->parameters.rsaDetail.scheme.scheme,
                                &t->parameters.rsaDetail.scheme.details.anySig.hashAlg, ek, scheme, hash);
        } else {
                char group[64];
                uint8_t point[1 + 2 * 66];
                size_t n, coord;
                t->type = TPM2_ALG_ECC;
                assert_int_equal(EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL), 1);
                assert_int_equal(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &n), 1);
                coord = (n - 1) / 2;
                t->parameters.eccDetail.curveID = test_curve_id(group);
                t->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
                t->unique.ecc.x.size = (uint16_t) coord;
                memcpy(t->unique.ecc.x.buffer, point + 1, coord);
                t->unique.ecc.y.size = (uint16_t) coord;
                memcpy(t->unique.ecc.y.buffer, point + 1 + coord, coord);
                test_set_params(&t->parameters.eccDetail.symmetric, &t->parameters.eccDetail.scheme.scheme,
                                &t->parameters.eccDetail.scheme.details.anySig.hashAlg, ek, scheme, hash);
        }
}

/* Marshals t as a TPM2B_PUBLIC into buf (at least 1200 bytes). */
static inline size_t test_marshal_tpm2b_public(const TPMT_PUBLIC *t, uint8_t *buf) {
        size_t off = 2;
        assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(t, buf, 1200, &off), TSS2_RC_SUCCESS);
        buf[0] = (uint8_t) ((off - 2) >> 8);
        buf[1] = (uint8_t) (off - 2);
        return off;
}
