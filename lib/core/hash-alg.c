/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "hash-alg.h"
#include "macro.h"

static const HashAlg hash_algs[] = {
        { TPM2_ALG_ID_SHA1,    "sha1",    "SHA1",   20 },
        { TPM2_ALG_ID_SHA256,  "sha256",  "SHA256", 32 },
        { TPM2_ALG_ID_SHA384,  "sha384",  "SHA384", 48 },
        { TPM2_ALG_ID_SHA512,  "sha512",  "SHA512", 64 },
        { TPM2_ALG_ID_SM3_256, "sm3_256", "SM3",    32 },
};

static EVP_MD *hash_mds[ELEMENTSOF(hash_algs)];
static pthread_once_t hash_mds_once = PTHREAD_ONCE_INIT;

static void hash_mds_fetch(void) {
        for (size_t i = 0; i < ELEMENTSOF(hash_algs); i++)
                hash_mds[i] = EVP_MD_fetch(NULL, hash_algs[i].ossl_name, NULL);
}

const HashAlg *hash_alg_from_tpm_id(uint16_t id) {
        for (size_t i = 0; i < ELEMENTSOF(hash_algs); i++)
                if (hash_algs[i].tpm_alg_id == id)
                        return hash_algs + i;
        return NULL;
}

/* Whether name[0..len) is the table name t, ASCII case-insensitively: the
 * names are ASCII, and the locale's case rules must not apply. */
static bool name_equal(const char *t, const char *name, size_t len) {
        for (size_t i = 0; i < len; i++) {
                char c = name[i];
                if (c >= 'A' && c <= 'Z')
                        c = (char) (c - 'A' + 'a');
                if (t[i] == 0 || t[i] != c)
                        return false;
        }
        return t[len] == 0;
}

const HashAlg *hash_alg_from_name_len(const char *name, size_t len) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(hash_algs); i++)
                if (name_equal(hash_algs[i].name, name, len))
                        return hash_algs + i;
        return name_equal("sm3", name, len) ? hash_alg_from_tpm_id(TPM2_ALG_ID_SM3_256) : NULL;
}

const HashAlg *hash_alg_from_name(const char *name) {
        return name ? hash_alg_from_name_len(name, strlen(name)) : NULL;
}

const HashAlg *hash_alg_from_size(size_t size) {
        for (size_t i = 0; i < ELEMENTSOF(hash_algs); i++)
                if (hash_algs[i].size == size)
                        return hash_algs + i;
        return NULL;
}

const EVP_MD *hash_alg_md(const HashAlg *alg) {
        if (!alg)
                return NULL;
        assert(alg >= hash_algs && alg < hash_algs + ELEMENTSOF(hash_algs));
        (void) pthread_once(&hash_mds_once, hash_mds_fetch);
        return hash_mds[alg - hash_algs];
}

int hash_alg_digest(const HashAlg *alg, const void *data, size_t len, uint8_t *out) {
        const EVP_MD *md = hash_alg_md(alg);
        if (!md)
                return -EOPNOTSUPP;
        if (EVP_Digest(data, len, out, NULL, md, NULL) != 1)
                return -EIO;
        return 0;
}

int hash_ctx_init(HashCtx *h, const HashAlg *alg) {
        const EVP_MD *md = hash_alg_md(alg);

        assert(h);
        if (!md)
                return -EOPNOTSUPP;
        if (!h->ctx) {
                h->ctx = EVP_MD_CTX_new();
                if (!h->ctx)
                        return -ENOMEM;
        }
        if (EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
                return -EIO;
        h->alg = alg;
        return 0;
}

int hash_ctx_update(HashCtx *h, const void *data, size_t len) {
        assert(h && h->ctx);
        return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -EIO;
}

int hash_ctx_final(HashCtx *h, uint8_t *out) {
        assert(h && h->ctx);
        return EVP_DigestFinal_ex(h->ctx, out, NULL) == 1 ? 0 : -EIO;
}

void hash_ctx_done(HashCtx *h) {
        if (!h)
                return;
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
        h->alg = NULL;
}
