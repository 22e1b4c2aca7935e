/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cc-cert.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE *, X509_STORE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);

/* DER starts with a SEQUENCE; anything else is taken for PEM text, which may
 * carry comment lines before its blocks and NULs after them. DER is taken
 * byte for byte: its last byte may well be zero. */
static bool looks_like_pem(const uint8_t *buf, size_t size) {
        return size > 0 && buf[0] != 0x30;
}

static size_t count_pem_blocks(const uint8_t *buf, size_t size) {
        static const char marker[] = "-----BEGIN ";
        size_t n = 0;

        for (const uint8_t *p = buf, *end = buf + size;
             (p = memmem(p, (size_t) (end - p), marker, STRLEN(marker)));
             p += STRLEN(marker))
                n++;
        return n;
}

static size_t strip_nuls(const uint8_t *buf, size_t size) {
        while (size > 0 && buf[size - 1] == 0)
                size--;
        return size;
}

static int parse_der(const uint8_t *buf, size_t size, X509 **ret) {
        const uint8_t *p = buf;
        X509 *x;

        if (size > INT_MAX)
                return -E2BIG;
        x = d2i_X509(NULL, &p, (long) size);
        if (!x)
                return -EBADMSG;
        if ((size_t) (p - buf) != size) {
                X509_free(x);
                return -EBADMSG;
        }
        *ret = x;
        return 0;
}

int cc_cert_parse_bundle(const uint8_t *buf, size_t size, size_t max, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *s = NULL;
        _cleanup_(BIO_freep) BIO *bio = NULL;
        X509 *x;
        int r;

        assert_return(buf && ret && max > 0, -EINVAL);
        s = sk_X509_new_null();
        if (!s)
                return -ENOMEM;

        if (looks_like_pem(buf, size))
                size = strip_nuls(buf, size);
        if (size == 0 || size > INT_MAX)
                return -EBADMSG;
        if (!looks_like_pem(buf, size)) {
                r = parse_der(buf, size, &x);
                if (r < 0)
                        return r;
                if (!sk_X509_push(s, x)) {
                        X509_free(x);
                        return -ENOMEM;
                }
                *ret = TAKE_PTR(s);
                return 0;
        }

        bio = BIO_new_mem_buf(buf, (int) size);
        if (!bio)
                return -ENOMEM;
        for (;;) {
                x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
                if (!x)
                        break;
                if ((size_t) sk_X509_num(s) >= max) {
                        X509_free(x);
                        return -E2BIG;
                }
                if (!sk_X509_push(s, x)) {
                        X509_free(x);
                        return -ENOMEM;
                }
        }
        ERR_clear_error();
        /* PEM_read_bio_X509() also stops at a damaged block, silently: every
         * block that was announced must have been read. */
        if (sk_X509_num(s) == 0 || count_pem_blocks(buf, size) != (size_t) sk_X509_num(s))
                return -EBADMSG;
        *ret = TAKE_PTR(s);
        return 0;
}

int cc_cert_parse(const uint8_t *buf, size_t size, X509 **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *s = NULL;
        int r;

        r = cc_cert_parse_bundle(buf, size, 1, &s);
        if (r == -E2BIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        *ret = sk_X509_shift(s);
        return 0;
}

int cc_crl_parse(const uint8_t *buf, size_t size, X509_CRL **ret) {
        X509_CRL *crl;

        assert_return(buf && ret, -EINVAL);
        if (looks_like_pem(buf, size))
                size = strip_nuls(buf, size);
        if (size == 0 || size > INT_MAX)
                return -EBADMSG;
        if (looks_like_pem(buf, size)) {
                _cleanup_(BIO_freep) BIO *bio = BIO_new_mem_buf(buf, (int) size);
                if (!bio)
                        return -ENOMEM;
                crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
                ERR_clear_error();
                if (!crl || count_pem_blocks(buf, size) != 1) {
                        X509_CRL_free(crl);
                        return -EBADMSG;
                }
        } else {
                const uint8_t *p = buf;
                crl = d2i_X509_CRL(NULL, &p, (long) size);
                if (!crl || (size_t) (p - buf) != size) {
                        X509_CRL_free(crl);
                        ERR_clear_error();
                        return -EBADMSG;
                }
        }
        *ret = crl;
        return 0;
}

bool cc_cert_is_self_signed(X509 *x) {
        return X509_check_issued(x, x) == X509_V_OK;
}

int cc_cert_verify_chain(X509 *leaf, STACK_OF(X509) *pool, time_t at,
                         STACK_OF(X509) **ret_chain, const char **ret_reason) {
        _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *untrusted = NULL;
        X509_VERIFY_PARAM *param;
        unsigned anchors = 0;

        assert_return(leaf && pool && ret_reason, -EINVAL);
        store = X509_STORE_new();
        untrusted = sk_X509_new_null();
        ctx = X509_STORE_CTX_new();
        if (!store || !untrusted || !ctx)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(pool); i++) {
                X509 *x = sk_X509_value(pool, i);
                if (cc_cert_is_self_signed(x)) {
                        if (!X509_STORE_add_cert(store, x))
                                return -ENOMEM;
                        anchors++;
                } else {
                        if (!X509_up_ref(x))
                                return -ENOMEM;
                        if (!sk_X509_push(untrusted, x)) {
                                X509_free(x);
                                return -ENOMEM;
                        }
                }
        }
        ERR_clear_error();
        if (anchors == 0) {
                *ret_reason = "no self-signed root among the trust anchors";
                return -EPERM;
        }
        if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
                return -ENOMEM;
        param = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(param, at);
        /* Roots are vendor keys named by the operator; their self-signature is
         * checked anyway so that a damaged bundle is noticed. */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CHECK_SS_SIGNATURE);
        if (X509_verify_cert(ctx) != 1) {
                *ret_reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
                ERR_clear_error();
                return -EPERM;
        }
        if (ret_chain) {
                STACK_OF(X509) *chain = X509_STORE_CTX_get1_chain(ctx);
                if (!chain)
                        return -ENOMEM;
                *ret_chain = chain;
        }
        return 0;
}

bool cc_cert_signature_is(X509 *x, int pk_nid, int md_nid) {
        int md = NID_undef, pk = NID_undef;

        if (!X509_get_signature_info(x, &md, &pk, NULL, NULL))
                return false;
        return md == md_nid && pk == pk_nid;
}

int cc_cert_subject_cn(X509 *x, char *buf, size_t size) {
        X509_NAME *name = X509_get_subject_name(x);
        int n;

        if (!name || size > INT_MAX)
                return -EBADMSG;
        n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, (int) size);
        if (n <= 0 || (size_t) n >= size - 1 || strlen(buf) != (size_t) n)
                return -EBADMSG;
        return 0;
}

CcCrlResult cc_crl_check(X509_CRL *crl, X509 *issuer, X509 *subject, time_t at) {
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
        X509_REVOKED *rev = NULL;
        EVP_PKEY *key = X509_get0_pubkey(issuer);
        CcCrlResult res = CC_CRL_OK;

        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
                res = CC_CRL_FOREIGN;
        else if (!key || X509_CRL_verify(crl, key) != 1)
                res = CC_CRL_BAD_SIGNATURE;
        else if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &at) >= 0 ||
                 (next && X509_cmp_time(next, &at) <= 0))
                res = CC_CRL_NOT_CURRENT;
        else if (subject && X509_CRL_get0_by_cert(crl, &rev, subject) == 1)
                res = CC_CRL_REVOKED;
        ERR_clear_error();
        return res;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ECDSA_SIG *, ECDSA_SIG_free);

int cc_ecdsa_verify_raw(EVP_PKEY *key, const EVP_MD *md, const uint8_t *rs, size_t component_size,
                        const void *data, size_t size) {
        _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        _cleanup_free_ uint8_t *der = NULL;
        BIGNUM *r, *s;
        int n, ok;

        assert_return(key && md && rs && component_size > 0 && component_size <= INT_MAX, -EINVAL);
        if (!sig || !ctx)
                return -ENOMEM;
        r = BN_bin2bn(rs, (int) component_size, NULL);
        s = BN_bin2bn(rs + component_size, (int) component_size, NULL);
        if (!r || !s || !ECDSA_SIG_set0(sig, r, s)) {
                BN_free(r);
                BN_free(s);
                return -ENOMEM;
        }
        n = i2d_ECDSA_SIG(sig, &der);
        if (n <= 0)
                return -ENOMEM;
        if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1) {
                ERR_clear_error();
                return 0;      /* not an EC key: it cannot have made this signature */
        }
        ok = EVP_DigestVerify(ctx, der, (size_t) n, data, size) == 1;
        ERR_clear_error();
        return ok;
}
