/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest-limits.h"
#include "fileio.h"
#include "log.h"
#include "verifierd.h"

#define TRUST_FILE_MAX (1024u * 1024u)
#define TRUST_FILES_MAX 4096u

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);

/* Adds every certificate of one file (PEM, possibly several, or one DER). */
static int add_file(X509_STORE *store, const char *path) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_(BIO_freep) BIO *bio = NULL;
        size_t size;
        unsigned n = 0;
        X509 *x;
        int r;

        r = read_full_file(path, TRUST_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        bio = BIO_new_mem_buf(buf, (int) size);
        if (!bio)
                return -ENOMEM;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
                r = X509_STORE_add_cert(store, x) ? 0 : -EINVAL;
                X509_free(x);
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0) {
                const uint8_t *p = buf;
                x = d2i_X509(NULL, &p, (long) size);
                if (!x)
                        return -EBADMSG;
                r = X509_STORE_add_cert(store, x) ? 0 : -EINVAL;
                X509_free(x);
                return r;
        }
        return 0;
}

int trust_store_load(const char *dir, X509_STORE **ret) {
        X509_STORE *store = X509_STORE_new();
        struct dirent *de;
        unsigned n = 0;
        DIR *d;
        int r = 0;

        if (!store)
                return -ENOMEM;
        d = opendir(dir);
        if (!d) {
                X509_STORE_free(store);
                return -errno;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                if (de->d_name[0] == '.')
                        continue;
                if (++n > TRUST_FILES_MAX) {
                        r = -E2BIG;
                        break;
                }
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = add_file(store, p);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring %s, not a certificate: %m", p);
                        r = 0;
                }
        }
        closedir(d);
        if (r < 0) {
                X509_STORE_free(store);
                return r;
        }
        *ret = store;
        return 0;
}

/* Critical extensions that real EK certificates carry and OpenSSL does not process:
 * they add attributes about the TPM, not constraints on the chain, so ignoring them
 * does not widen what the certificate may be used for. */
static bool tolerated_critical(const ASN1_OBJECT *obj) {
        char oid[80];

        if (OBJ_obj2txt(oid, sizeof oid, obj, 1) <= 0)
                return false;
        return strcmp(oid, "2.5.29.9") == 0 ||           /* subjectDirectoryAttributes (TPM spec, family) */
               strcmp(oid, "2.5.29.17") == 0 ||          /* subjectAltName with a TPM directoryName */
               strncmp(oid, "2.23.133.", 9) == 0;        /* TCG */
}

static bool only_tolerated_unhandled(X509 *x) {
        for (int i = 0; i < X509_get_ext_count(x); i++) {
                X509_EXTENSION *e = X509_get_ext(x, i);
                if (!X509_EXTENSION_get_critical(e) || X509_supported_extension(e))
                        continue;
                if (!tolerated_critical(X509_EXTENSION_get_object(e)))
                        return false;
        }
        return true;
}

static int verify_cb(int ok, X509_STORE_CTX *ctx) {
        if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION &&
            X509_STORE_CTX_get_error_depth(ctx) == 0 &&
            only_tolerated_unhandled(X509_STORE_CTX_get_current_cert(ctx)))
                return 1;
        return ok;
}

static bool is_padding(const uint8_t *p, const uint8_t *end) {
        for (; p < end; p++)
                if (*p != 0 && *p != 0xff)
                        return false;
        return true;
}

/* The certificate first, then either the chain a node sent with it (PEM blocks
 * stored as concatenated DER) or, for EK certificates read from NV, padding to
 * the index size: zero or 0xff bytes, nothing else. */
static int parse_with_chain(const uint8_t *der, size_t size, X509 **ret, STACK_OF(X509) **ret_chain) {
        _cleanup_(X509_freep) X509 *x = NULL;
        STACK_OF(X509) *chain = NULL;
        const uint8_t *p = der, *end = der + size;

        x = d2i_X509(NULL, &p, (long) size);
        if (!x)
                return -EBADMSG;
        if (!is_padding(p, end)) {
                chain = sk_X509_new_null();
                if (!chain)
                        return -ENOMEM;
                while (p < end) {
                        X509 *c = NULL;
                        if ((unsigned) sk_X509_num(chain) + 1 < REG_EKCERT_CHAIN_MAX)
                                c = d2i_X509(NULL, &p, (long) (end - p));
                        if (!c || !sk_X509_push(chain, c)) {
                                X509_free(c);
                                sk_X509_pop_free(chain, X509_free);
                                return -EBADMSG;
                        }
                }
        }
        *ret = TAKE_PTR(x);
        *ret_chain = chain;
        return 0;
}

static void x509_chain_freep(STACK_OF(X509) **chain) {
        if (*chain)
                sk_X509_pop_free(*chain, X509_free);
}

int certificate_check(X509_STORE *store, const uint8_t *der, size_t size, EVP_PKEY *pkey, char **ret_reason) {
        _cleanup_(X509_freep) X509 *x = NULL;
        _cleanup_(x509_chain_freep) STACK_OF(X509) *chain = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        EVP_PKEY *cert_key;
        int r;

        r = parse_with_chain(der, size, &x, &chain);
        if (r < 0)
                return r;
        cert_key = X509_get0_pubkey(x);
        if (!cert_key || EVP_PKEY_eq(cert_key, pkey) != 1)
                return -EKEYREJECTED;
        if (!store)
                return 0;

        /* The chain only helps to find a path: trust comes from the store alone. */
        ctx = X509_STORE_CTX_new();
        if (!ctx || !X509_STORE_CTX_init(ctx, store, x, chain))
                return -ENOMEM;
        X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
        if (X509_verify_cert(ctx) != 1) {
                if (ret_reason)
                        *ret_reason = strdup(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
                return -EPERM;
        }
        return 0;
}
