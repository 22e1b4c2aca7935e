/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/pem.h>

#include "attestctl-keyfile.h"
#include "fileio.h"
#include "log.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);

int attestctl_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_size) {
        int r = read_full_file(path, max, ret, ret_size);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        return 0;
}

static int load_pem(const uint8_t *buf, size_t n, EVP_PKEY **ret) {
        _cleanup_(BIO_freep) BIO *bio = NULL;
        EVP_PKEY *k;

        bio = BIO_new_mem_buf(buf, (int) n);
        if (!bio)
                return -ENOMEM;
        k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        if (!k)
                return -EBADMSG;
        *ret = k;
        return 0;
}

int attestctl_load_public_key(const char *path, Tpm2Public **ret_public, EVP_PKEY **ret_pkey) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        EVP_PKEY *k = NULL;
        size_t n;
        int r;

        r = attestctl_read_file(path, ATTESTCTL_KEY_FILE_MAX, &buf, &n);
        if (r < 0)
                return r;

        if (n > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
                r = load_pem(buf, n, &k);
                if (r < 0)
                        return log_error_errno(r, "%s: not a PEM public key.", path);
        } else {
                if (tpm2_public_parse(buf, n, &p) < 0 && tpm2_public_parse_tpmt(buf, n, &p) < 0)
                        return log_error_errno(-EBADMSG,
                                               "%s: not a TPM2B_PUBLIC or TPMT_PUBLIC of a supported RSA or ECC key.", path);
                r = tpm2_public_to_evp_pkey(p, &k);
                if (r < 0)
                        return log_error_errno(r, "%s: public key is not valid: %m", path);
        }

        if (ret_public)
                *ret_public = TAKE_PTR(p);
        if (ret_pkey)
                *ret_pkey = k;
        else
                EVP_PKEY_free(k);
        return 0;
}
