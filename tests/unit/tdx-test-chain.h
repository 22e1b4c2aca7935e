/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A stand-in for Intel's PCK and collateral hierarchy, made at test time with
 * OpenSSL: root, PCK CA, PCK (with the SGX extension), TCB signing key, CRLs
 * and an attestation key. A real quote is re-signed with it, and collateral
 * made from real TCB Info and QE Identity documents (edited at will) is signed
 * with it, so every TCB rule can be reached with valid signatures. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hexdecode.h"
#include "tdx-pck.h"
#include "tdx-quote.h"
#include "test-buf.h"

#define TDX_TEST_NOT_BEFORE ((time_t) 1700000000)   /* 2023-11-14 */
#define TDX_TEST_NOT_AFTER  ((time_t) 1900000000)   /* 2030-03-17 */

typedef struct TdxTestChain {
        EVP_PKEY *root_key, *ca_key, *pck_key, *signing_key, *ak;
        X509 *root, *ca, *pck, *signing;
} TdxTestChain;

static inline X509 *tdx_test_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial,
                                  bool ca, const TdxPckInfo *pck) {
        X509 *x = X509_new();
        X509_NAME *name = X509_NAME_new();
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        assert_non_null(x);
        assert_int_equal(X509_set_version(x, 2), 1);
        assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1, -1, 0), 1);
        assert_int_equal(X509_set_subject_name(x, name), 1);
        assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
        assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &(time_t) { TDX_TEST_NOT_BEFORE }));
        assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &(time_t) { TDX_TEST_NOT_AFTER }));
        assert_int_equal(X509_set_pubkey(x, key), 1);
        if (ca) {
                X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
                assert_non_null(e);
                assert_int_equal(X509_add_ext(x, e, -1), 1);
                X509_EXTENSION_free(e);
        }
        if (pck) {
                /* SEQUENCE { {.2, TCB {.2.1..16, .2.17 pcesvn}}, {.3 pceid}, {.4 fmspc} } */
                static const uint8_t oid[] = { 0x06, 0x0a, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };
                Buf tcb = {}, body = {}, ext = {};
                for (unsigned k = 1; k <= 17; k++) {
                        unsigned v = k <= 16 ? pck->cpusvn_components[k - 1] : pck->pcesvn;
                        uint8_t item[] = { 0x30, 0x12, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01, 0x02,
                                           (uint8_t) k, 0x02, 0x03, 0x00, (uint8_t) (v >> 8), (uint8_t) v };
                        put(&tcb, item, sizeof item);
                }
                put(&body, (uint8_t[]) { 0x30, 0x82, (uint8_t) ((tcb.n + 16) >> 8), (uint8_t) (tcb.n + 16) }, 4);
                put(&body, oid, sizeof oid);
                put(&body, (uint8_t[]) { 0x02, 0x30, 0x82, (uint8_t) (tcb.n >> 8), (uint8_t) tcb.n }, 5);
                put(&body, tcb.p, tcb.n);
                put(&body, (uint8_t[]) { 0x30, 0x10 }, 2);
                put(&body, oid, sizeof oid);
                put(&body, (uint8_t[]) { 0x03, 0x04, 0x02 }, 3);
                put(&body, pck->pce_id, 2);
                put(&body, (uint8_t[]) { 0x30, 0x14 }, 2);
                put(&body, oid, sizeof oid);
                put(&body, (uint8_t[]) { 0x04, 0x04, 0x06 }, 3);
                put(&body, pck->fmspc, 6);
                put(&ext, (uint8_t[]) { 0x30, 0x82, (uint8_t) (body.n >> 8), (uint8_t) body.n }, 4);
                put(&ext, body.p, body.n);

                ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
                ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
                assert_int_equal(ASN1_OCTET_STRING_set(os, ext.p, (int) ext.n), 1);
                X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
                assert_int_equal(X509_add_ext(x, e, -1), 1);
                X509_EXTENSION_free(e);
                ASN1_OCTET_STRING_free(os);
                ASN1_OBJECT_free(obj);
                reset(&tcb);
                reset(&body);
                reset(&ext);
        }
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, issuer_key), 1);
        assert_true(X509_sign_ctx(x, ctx) > 0);
        EVP_MD_CTX_free(ctx);
        X509_NAME_free(name);
        return x;
}

static inline void tdx_test_chain_make(const TdxPckInfo *pck, TdxTestChain *ret) {
        TdxTestChain c = {};

        c.root_key = EVP_EC_gen("prime256v1");
        c.ca_key = EVP_EC_gen("prime256v1");
        c.pck_key = EVP_EC_gen("prime256v1");
        c.signing_key = EVP_EC_gen("prime256v1");
        c.ak = EVP_EC_gen("prime256v1");
        assert_true(c.root_key && c.ca_key && c.pck_key && c.signing_key && c.ak);
        c.root = tdx_test_cert(c.root_key, "Test SGX Root CA", NULL, c.root_key, 1, true, NULL);
        c.ca = tdx_test_cert(c.ca_key, "Test SGX PCK Platform CA", c.root, c.root_key, 2, true, NULL);
        c.pck = tdx_test_cert(c.pck_key, "Test SGX PCK Certificate", c.ca, c.ca_key, 3, false, pck);
        c.signing = tdx_test_cert(c.signing_key, "Test SGX TCB Signing", c.root, c.root_key, 4, false, NULL);
        *ret = c;
}

static inline void tdx_test_chain_done(TdxTestChain *c) {
        EVP_PKEY_free(c->root_key);
        EVP_PKEY_free(c->ca_key);
        EVP_PKEY_free(c->pck_key);
        EVP_PKEY_free(c->signing_key);
        EVP_PKEY_free(c->ak);
        X509_free(c->root);
        X509_free(c->ca);
        X509_free(c->pck);
        X509_free(c->signing);
}

/* ECDSA P-256/SHA-256 as r ‖ s, 32 bytes each. */
static inline void tdx_test_sign(EVP_PKEY *key, const void *data, size_t size, uint8_t out[static 64]) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t der[80];
        const uint8_t *p = der;
        size_t n = sizeof der;
        const BIGNUM *r, *s;
        ECDSA_SIG *sig;

        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
        assert_int_equal(EVP_DigestSign(ctx, der, &n, data, size), 1);
        EVP_MD_CTX_free(ctx);
        sig = d2i_ECDSA_SIG(NULL, &p, (long) n);
        assert_non_null(sig);
        ECDSA_SIG_get0(sig, &r, &s);
        assert_int_equal(BN_bn2binpad(r, out, 32), 32);
        assert_int_equal(BN_bn2binpad(s, out + 32, 32), 32);
        ECDSA_SIG_free(sig);
}

static inline void tdx_test_put_pem(Buf *b, X509 *x) {
        BIO *bio = BIO_new(BIO_s_mem());
        char *p;
        long n;

        assert_int_equal(PEM_write_bio_X509(bio, x), 1);
        n = BIO_get_mem_data(bio, &p);
        put(b, p, (size_t) n);
        BIO_free(bio);
}

/* q re-signed: body as given (edited by the caller), the chain's AK, a QE
 * report that vouches for it signed by the chain's PCK, the chain's PCK chain. */
static inline void tdx_test_quote(const TdxTestChain *c, const TdxQuote *q, const uint8_t *signed_data, Buf *out) {
        uint8_t point[65], qe[TDX_SGX_REPORT_SIZE], sig[64], digest[32];
        size_t n = sizeof point;
        Buf chain = {}, bound = {};
        unsigned len;

        assert_int_equal(EVP_PKEY_get_octet_string_param(c->ak, "encoded-pub-key", point, sizeof point, &n), 1);
        assert_int_equal(n, 65);
        memcpy(qe, q->qe_report_raw, sizeof qe);
        put(&bound, point + 1, 64);
        put(&bound, q->qe_auth_data, q->qe_auth_data_size);
        assert_int_equal(EVP_Digest(bound.p, bound.n, digest, &len, EVP_sha256(), NULL), 1);
        memset(qe + 320, 0, 64);
        memcpy(qe + 320, digest, 32);
        tdx_test_put_pem(&chain, c->pck);
        tdx_test_put_pem(&chain, c->ca);
        tdx_test_put_pem(&chain, c->root);

        size_t cert_size = TDX_SGX_REPORT_SIZE + 64 + 2 + q->qe_auth_data_size + 6 + chain.n;
        put(out, signed_data, q->signed_size);
        put_le(out, 128 + 6 + cert_size, 4);
        tdx_test_sign(c->ak, signed_data, q->signed_size, sig);
        put(out, sig, 64);
        put(out, point + 1, 64);
        put_le(out, TDX_CERT_TYPE_QE_REPORT, 2);
        put_le(out, cert_size, 4);
        put(out, qe, sizeof qe);
        tdx_test_sign(c->pck_key, qe, sizeof qe, sig);
        put(out, sig, 64);
        put_le(out, q->qe_auth_data_size, 2);
        put(out, q->qe_auth_data, q->qe_auth_data_size);
        put_le(out, TDX_CERT_TYPE_PCK_CHAIN, 2);
        put_le(out, chain.n, 4);
        put(out, chain.p, chain.n);
        reset(&chain);
        reset(&bound);
}

static inline char *tdx_test_crl_hex(X509 *issuer, EVP_PKEY *key, time_t last, time_t next, long revoked) {
        X509_CRL *crl = X509_CRL_new();
        ASN1_TIME *t = ASN1_TIME_new();
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t *der = NULL;
        char *hex;
        int n;

        assert_int_equal(X509_CRL_set_version(crl, 1), 1);
        assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)), 1);
        assert_non_null(ASN1_TIME_set(t, last));
        assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
        assert_non_null(ASN1_TIME_set(t, next));
        assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
        if (revoked > 0) {
                X509_REVOKED *rev = X509_REVOKED_new();
                ASN1_INTEGER *sn = ASN1_INTEGER_new();
                assert_int_equal(ASN1_INTEGER_set(sn, revoked), 1);
                assert_int_equal(X509_REVOKED_set_serialNumber(rev, sn), 1);
                assert_int_equal(X509_REVOKED_set_revocationDate(rev, t), 1);
                assert_int_equal(X509_CRL_add0_revoked(crl, rev), 1);
                ASN1_INTEGER_free(sn);
        }
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key), 1);
        assert_true(X509_CRL_sign_ctx(crl, ctx) > 0);
        n = i2d_X509_CRL(crl, &der);
        assert_true(n > 0);
        hex = hex_encode(der, (size_t) n);
        OPENSSL_free(der);
        EVP_MD_CTX_free(ctx);
        ASN1_TIME_free(t);
        X509_CRL_free(crl);
        return hex;
}

static inline char *tdx_test_pem_text(X509 *a, X509 *b) {
        Buf buf = {};
        char *s;

        tdx_test_put_pem(&buf, a);
        tdx_test_put_pem(&buf, b);
        put(&buf, "", 1);
        s = strdup((char *) buf.p);
        reset(&buf);
        return s;
}

/* Collateral JSON text signed by the chain; tcb_info and qe_identity are the documents' text. */
typedef struct TdxTestRevocations {
        long root_crl;               /* serial revoked by the root CRL, 0: none */
        long pck_crl;
} TdxTestRevocations;

static inline char *tdx_test_collateral(const TdxTestChain *c, const char *tcb_info, const char *qe_identity,
                                        time_t at, TdxTestRevocations rev) {
        json_object *o = json_object_new_object();
        uint8_t sig[64];
        char *s, *hex;

        s = tdx_test_pem_text(c->ca, c->root);
        json_object_object_add(o, "pck_crl_issuer_chain", json_object_new_string(s));
        free(s);
        hex = tdx_test_crl_hex(c->root, c->root_key, at - 86400, at + 86400, rev.root_crl);
        json_object_object_add(o, "root_ca_crl", json_object_new_string(hex));
        free(hex);
        hex = tdx_test_crl_hex(c->ca, c->ca_key, at - 86400, at + 86400, rev.pck_crl);
        json_object_object_add(o, "pck_crl", json_object_new_string(hex));
        free(hex);
        s = tdx_test_pem_text(c->signing, c->root);
        json_object_object_add(o, "tcb_info_issuer_chain", json_object_new_string(s));
        json_object_object_add(o, "qe_identity_issuer_chain", json_object_new_string(s));
        free(s);
        json_object_object_add(o, "tcb_info", json_object_new_string(tcb_info));
        tdx_test_sign(c->signing_key, tcb_info, strlen(tcb_info), sig);
        hex = hex_encode(sig, 64);
        json_object_object_add(o, "tcb_info_signature", json_object_new_string(hex));
        free(hex);
        json_object_object_add(o, "qe_identity", json_object_new_string(qe_identity));
        tdx_test_sign(c->signing_key, qe_identity, strlen(qe_identity), sig);
        hex = hex_encode(sig, 64);
        json_object_object_add(o, "qe_identity_signature", json_object_new_string(hex));
        free(hex);
        s = strdup(json_object_to_json_string(o));
        json_object_put(o);
        return s;
}
