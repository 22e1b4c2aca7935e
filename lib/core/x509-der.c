/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest-limits.h"
#include "macro.h"
#include "x509-der.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);

static bool is_padding(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0x00 && p[i] != 0xff)
                        return false;
        return true;
}

static int copy_out(const uint8_t *der, size_t n, uint8_t **ret, size_t *ret_size) {
        uint8_t *copy = malloc(n);

        if (!copy)
                return -ENOMEM;
        memcpy(copy, der, n);
        *ret = copy;
        *ret_size = n;
        return 0;
}

/* The original bytes, not a re-encoding: the signature covers them. */
static int from_der(const uint8_t *buf, size_t size, uint8_t **ret, size_t *ret_size) {
        _cleanup_(X509_freep) X509 *x = NULL;
        const uint8_t *p = buf;
        size_t n;

        x = d2i_X509(NULL, &p, (long) size);
        if (!x)
                return -EBADMSG;
        n = (size_t) (p - buf);
        if (n > X509_DER_SIZE_MAX || !is_padding(p, size - n))
                return -EBADMSG;
        return copy_out(buf, n, ret, ret_size);
}

static int from_pem(const uint8_t *buf, size_t size, uint8_t **ret, size_t *ret_size) {
        _cleanup_(X509_freep) X509 *x = NULL, *second = NULL;
        _cleanup_(BIO_freep) BIO *bio = NULL;
        uint8_t *der = NULL;
        int n, r;

        bio = BIO_new_mem_buf(buf, (int) size);
        if (!bio)
                return -ENOMEM;
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (!x)
                return -EBADMSG;
        second = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (second)
                return -EBADMSG;   /* a bundle: which one is meant is not for us to guess */

        n = i2d_X509(x, &der);
        if (n <= 0)
                return -EBADMSG;
        r = (size_t) n > X509_DER_SIZE_MAX ? -EBADMSG : copy_out(der, (size_t) n, ret, ret_size);
        OPENSSL_free(der);
        return r;
}

int x509_der_normalize(const uint8_t *buf, size_t size, uint8_t **ret, size_t *ret_size) {
        if (!buf || !ret || !ret_size || size == 0 || size > X509_PEM_SIZE_MAX)
                return -EBADMSG;
        if (buf[0] == 0x30)
                return from_der(buf, size, ret, ret_size);
        return from_pem(buf, size, ret, ret_size);
}
