/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Builders for TPMS_ATTEST and TPMT_SIGNATURE bytes signed by software keys, so
 * that every verification branch can be reached with a valid signature. */

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "tpm2-test-keys.h"

typedef struct TestBuf {
        uint8_t data[2048];
        size_t size;
} TestBuf;

static inline void tb_u8(TestBuf *b, uint8_t v) {
        assert_true(b->size < sizeof(b->data));
        b->data[b->size++] = v;
}
static inline void tb_be16(TestBuf *b, uint16_t v) {
        tb_u8(b, (uint8_t) (v >> 8));
        tb_u8(b, (uint8_t) v);
}
static inline void tb_be32(TestBuf *b, uint32_t v) {
        tb_be16(b, (uint16_t) (v >> 16));
        tb_be16(b, (uint16_t) v);
}
static inline void tb_be64(TestBuf *b, uint64_t v) {
        tb_be32(b, (uint32_t) (v >> 32));
        tb_be32(b, (uint32_t) v);
}
static inline void tb_bytes(TestBuf *b, const void *p, size_t n) {
        assert_true(n <= sizeof(b->data) - b->size);
        if (n > 0)
                memcpy(b->data + b->size, p, n);
        b->size += n;
}
static inline void tb_tpm2b(TestBuf *b, const void *p, size_t n) {
        tb_be16(b, (uint16_t) n);
        tb_bytes(b, p, n);
}

/* Header common to all attestation types. */
static inline void test_attest_header(TestBuf *b, uint32_t magic, uint16_t type, const uint8_t *extra, size_t extra_size) {
        static const uint8_t signer[34] = { 0x00, 0x0b, 0x42 };
        tb_be32(b, magic);
        tb_be16(b, type);
        tb_tpm2b(b, signer, sizeof(signer));
        tb_tpm2b(b, extra, extra_size);
        tb_be64(b, 123456);     /* clock */
        tb_be32(b, 7);          /* resetCount */
        tb_be32(b, 3);          /* restartCount */
        tb_u8(b, 1);            /* safe */
        tb_be64(b, UINT64_C(0x2016051100162800));
}

/* A quote of one bank with the given mask and PCR digest. */
static inline void test_attest_quote(TestBuf *b, uint32_t magic, uint16_t type, const uint8_t *nonce, size_t nonce_size,
                                     uint16_t bank, uint32_t mask, const uint8_t *digest, size_t digest_size) {
        test_attest_header(b, magic, type, nonce, nonce_size);
        tb_be32(b, 1);
        tb_be16(b, bank);
        tb_u8(b, 3);
        tb_u8(b, (uint8_t) mask);
        tb_u8(b, (uint8_t) (mask >> 8));
        tb_u8(b, (uint8_t) (mask >> 16));
        tb_tpm2b(b, digest, digest_size);
}

static inline void test_attest_certify(TestBuf *b, uint32_t magic, uint16_t type, const uint8_t *extra, size_t extra_size,
                                       const uint8_t *name, size_t name_size) {
        test_attest_header(b, magic, type, extra, extra_size);
        tb_tpm2b(b, name, name_size);
        tb_tpm2b(b, name, name_size);
}

/* Signs msg with key as a TPM would and writes the TPMT_SIGNATURE into sig. */
static inline void test_sign(EVP_PKEY *key, uint16_t scheme, uint16_t hash, const uint8_t *msg, size_t len, TestBuf *sig) {
        const char *md = hash == TPM2_ALG_SHA1 ? "SHA1" : hash == TPM2_ALG_SHA256 ? "SHA256" :
                         hash == TPM2_ALG_SHA384 ? "SHA384" : "SHA512";
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        uint8_t der[1024];
        size_t n = sizeof(der);

        assert_int_equal(EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL), 1);
        if (scheme == TPM2_ALG_RSAPSS) {
                assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
        }
        assert_int_equal(EVP_DigestSign(ctx, der, &n, msg, len), 1);
        EVP_MD_CTX_free(ctx);

        sig->size = 0;
        tb_be16(sig, scheme);
        tb_be16(sig, hash);
        if (scheme != TPM2_ALG_ECDSA) {
                tb_tpm2b(sig, der, n);
                return;
        }
        const uint8_t *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long) n);
        uint8_t r[66], s[66];
        int coord = (EVP_PKEY_get_bits(key) + 7) / 8;
        assert_non_null(es);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), r, coord), coord);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), s, coord), coord);
        ECDSA_SIG_free(es);
        tb_tpm2b(sig, r, (size_t) coord);
        tb_tpm2b(sig, s, (size_t) coord);
}
