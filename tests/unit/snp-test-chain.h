/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A stand-in for AMD's key hierarchy, made at test time with OpenSSL: an ARK,
 * an ASK or ASVK and a VCEK or VLEK with AMD's extensions, named and signed
 * as AMD does (RSA-PSS/SHA-384, P-384 endorsement key), a CRL of the ARK, and
 * reports signed by the endorsement key. Small RSA keys keep the tests fast. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "snp-report.h"

#define TEST_NOT_BEFORE ((time_t) 1700000000)   /* 2023-11-14 */
#define TEST_NOT_AFTER  ((time_t) 1900000000)   /* 2030-03-17 */

typedef enum TestSigAlg {
        TEST_SIG_PSS,          /* as AMD signs */
        TEST_SIG_PKCS1,        /* RSA PKCS#1 v1.5 with SHA-384: not AMD's */
} TestSigAlg;

static inline void test_sign_cert(X509 *x, EVP_PKEY *key, TestSigAlg alg) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;

        assert_non_null(ctx);
        assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, key), 1);
        if (alg == TEST_SIG_PSS) {
                assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()), 1);
        }
        assert_true(X509_sign_ctx(x, ctx) > 0);
        EVP_MD_CTX_free(ctx);
}

static inline void test_add_ext_der(X509 *x, const char *oid, const uint8_t *der, size_t n) {
        ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        X509_EXTENSION *e;

        assert_non_null(obj);
        assert_non_null(os);
        assert_int_equal(ASN1_OCTET_STRING_set(os, der, (int) n), 1);
        e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
        assert_non_null(e);
        assert_int_equal(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
}

static inline void test_add_spl(X509 *x, const char *oid, uint8_t v) {
        uint8_t der[4] = { 0x02, 0x01, v };
        if (v >= 0x80) {
                der[1] = 2;
                der[2] = 0;
                der[3] = v;
        }
        test_add_ext_der(x, oid, der, v >= 0x80 ? 4 : 3);
}

/* A certificate for key named cn, issued by issuer_cn with issuer_key. */
static inline X509 *test_make_cert(EVP_PKEY *key, const char *cn, const char *issuer_cn, long serial, bool ca) {
        X509 *x = X509_new();
        X509_NAME *subject = X509_NAME_new(), *issuer = X509_NAME_new();
        X509_EXTENSION *e;

        assert_non_null(x);
        assert_int_equal(X509_set_version(x, 2), 1);
        assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, (const unsigned char *) "Advanced Micro Devices", -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "O", MBSTRING_ASC, (const unsigned char *) "Advanced Micro Devices", -1, -1, 0), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC, (const unsigned char *) issuer_cn, -1, -1, 0), 1);
        assert_int_equal(X509_set_subject_name(x, subject), 1);
        assert_int_equal(X509_set_issuer_name(x, issuer), 1);
        assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t) { TEST_NOT_BEFORE }));
        assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &(time_t) { TEST_NOT_AFTER }));
        assert_int_equal(X509_set_pubkey(x, key), 1);
        if (ca) {
                e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
                assert_non_null(e);
                assert_int_equal(X509_add_ext(x, e, -1), 1);
                X509_EXTENSION_free(e);
        }
        X509_NAME_free(subject);
        X509_NAME_free(issuer);
        return x;
}

typedef struct TestSnpChain {
        EVP_PKEY *ark_key, *ask_key, *leaf_key;
        X509 *ark, *ask, *leaf;
        STACK_OF(X509) *ca;          /* ASK/ASVK and ARK, as --ca would hold them */
} TestSnpChain;

typedef struct TestSnpChainSpec {
        const char *product;         /* "Milan", "Genoa", "Turin" */
        bool vlek;
        TestSigAlg ask_alg;          /* how the ARK signs the ASK */
        bool leaf_p256;              /* a wrong curve for the endorsement key */
        const char *ask_cn;          /* overrides "SEV-<product>" */
        uint8_t hwid[64];
        SnpTcb tcb;
} TestSnpChainSpec;

static inline void test_snp_chain_make(const TestSnpChainSpec *s, TestSnpChain *ret) {
        char ark_cn[32], ask_cn[32];
        TestSnpChain c = {};

        (void) snprintf(ark_cn, sizeof ark_cn, "ARK-%s", s->product);
        (void) snprintf(ask_cn, sizeof ask_cn, s->vlek ? "SEV-VLEK-%s" : "SEV-%s", s->product);
        c.ark_key = EVP_RSA_gen(2048);
        c.ask_key = EVP_RSA_gen(2048);
        c.leaf_key = EVP_EC_gen(s->leaf_p256 ? "prime256v1" : "secp384r1");
        assert_non_null(c.ark_key);
        assert_non_null(c.ask_key);
        assert_non_null(c.leaf_key);

        c.ark = test_make_cert(c.ark_key, ark_cn, ark_cn, 1, true);
        test_sign_cert(c.ark, c.ark_key, TEST_SIG_PSS);
        c.ask = test_make_cert(c.ask_key, s->ask_cn ?: ask_cn, ark_cn, 2, true);
        test_sign_cert(c.ask, c.ark_key, s->ask_alg);
        c.leaf = test_make_cert(c.leaf_key, s->vlek ? "SEV-VLEK" : "SEV-VCEK", s->ask_cn ?: ask_cn, 3, false);
        test_add_spl(c.leaf, "1.3.6.1.4.1.3704.1.3.1", s->tcb.bootloader);
        test_add_spl(c.leaf, "1.3.6.1.4.1.3704.1.3.2", s->tcb.tee);
        test_add_spl(c.leaf, "1.3.6.1.4.1.3704.1.3.3", s->tcb.snp);
        test_add_spl(c.leaf, "1.3.6.1.4.1.3704.1.3.8", s->tcb.microcode);
        if (strcmp(s->product, "Turin") == 0)
                test_add_spl(c.leaf, "1.3.6.1.4.1.3704.1.3.9", s->tcb.fmc);
        if (!s->vlek) {
                size_t n = strcmp(s->product, "Turin") == 0 ? 8 : 64;
                uint8_t der[66] = { 0x04, (uint8_t) n };
                memcpy(der + 2, s->hwid, n);
                test_add_ext_der(c.leaf, "1.3.6.1.4.1.3704.1.4", der, n + 2);
        }
        test_sign_cert(c.leaf, c.ask_key, TEST_SIG_PSS);

        c.ca = sk_X509_new_null();
        assert_non_null(c.ca);
        assert_true(X509_up_ref(c.ask) && sk_X509_push(c.ca, c.ask));
        assert_true(X509_up_ref(c.ark) && sk_X509_push(c.ca, c.ark));
        *ret = c;
}

static inline void test_snp_chain_done(TestSnpChain *c) {
        sk_X509_pop_free(c->ca, X509_free);
        X509_free(c->ark);
        X509_free(c->ask);
        X509_free(c->leaf);
        EVP_PKEY_free(c->ark_key);
        EVP_PKEY_free(c->ask_key);
        EVP_PKEY_free(c->leaf_key);
}

/* A CRL of the chain's ARK, current between the given times, revoking serial (0: none). */
static inline X509_CRL *test_snp_crl(const TestSnpChain *c, EVP_PKEY *signer, time_t last, time_t next, long serial) {
        X509_CRL *crl = X509_CRL_new();
        ASN1_TIME *t = ASN1_TIME_new();
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;

        assert_non_null(crl);
        assert_non_null(t);
        assert_int_equal(X509_CRL_set_version(crl, 1), 1);
        assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(c->ark)), 1);
        assert_non_null(ASN1_TIME_set(t, last));
        assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
        assert_non_null(ASN1_TIME_set(t, next));
        assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
        if (serial > 0) {
                X509_REVOKED *rev = X509_REVOKED_new();
                ASN1_INTEGER *sn = ASN1_INTEGER_new();
                assert_int_equal(ASN1_INTEGER_set(sn, serial), 1);
                assert_int_equal(X509_REVOKED_set_serialNumber(rev, sn), 1);
                assert_int_equal(X509_REVOKED_set_revocationDate(rev, t), 1);
                assert_int_equal(X509_CRL_add0_revoked(crl, rev), 1);
                ASN1_INTEGER_free(sn);
        }
        assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha384(), NULL, signer), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
        assert_true(X509_CRL_sign_ctx(crl, ctx) > 0);
        EVP_MD_CTX_free(ctx);
        ASN1_TIME_free(t);
        return crl;
}

/* Signs report (SNP_REPORT_SIZE bytes) in place with the chain's endorsement key. */
static inline void test_snp_sign(const TestSnpChain *c, uint8_t *report) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t der[128], *p;
        const uint8_t *q = der;
        size_t n = sizeof der;
        ECDSA_SIG *sig;
        const BIGNUM *r, *s;

        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha384(), NULL, c->leaf_key), 1);
        assert_int_equal(EVP_DigestSign(ctx, der, &n, report, SNP_REPORT_SIGNED_SIZE), 1);
        EVP_MD_CTX_free(ctx);
        sig = d2i_ECDSA_SIG(NULL, &q, (long) n);
        assert_non_null(sig);
        ECDSA_SIG_get0(sig, &r, &s);
        p = report + SNP_REPORT_SIGNED_SIZE;
        memset(p, 0, 2 * SNP_ECDSA_COMPONENT_SIZE);
        assert_true(BN_bn2lebinpad(r, p, 48) == 48);
        assert_true(BN_bn2lebinpad(s, p + SNP_ECDSA_COMPONENT_SIZE, 48) == 48);
        ECDSA_SIG_free(sig);
}
