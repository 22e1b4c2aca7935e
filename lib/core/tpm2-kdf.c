/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/hmac.h>

#include "memory-util.h"
#include "tpm2-kdf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MAC *, EVP_MAC_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MAC_CTX *, EVP_MAC_CTX_free);

typedef struct Chunk {
        const void *data;
        size_t size;
} Chunk;

static int hmac_chunks(const HashAlg *hash, const uint8_t *key, size_t key_size,
                       const Chunk *chunks, size_t n, uint8_t *out) {
        _cleanup_(EVP_MAC_freep) EVP_MAC *mac = NULL;
        _cleanup_(EVP_MAC_CTX_freep) EVP_MAC_CTX *ctx = NULL;
        OSSL_PARAM params[2];
        size_t outl;

        if (!hash_alg_md(hash))
                return -EOPNOTSUPP;
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (!mac)
                return -EOPNOTSUPP;
        ctx = EVP_MAC_CTX_new(mac);
        if (!ctx)
                return -ENOMEM;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *) hash->ossl_name, 0);
        params[1] = OSSL_PARAM_construct_end();
        /* An empty key is legal in KDFa (TPM2B with size 0); give OpenSSL a non-NULL pointer. */
        if (EVP_MAC_init(ctx, key_size ? key : (const uint8_t *) "", key_size, params) != 1)
                return -EIO;
        for (size_t i = 0; i < n; i++)
                if (chunks[i].size > 0 && EVP_MAC_update(ctx, chunks[i].data, chunks[i].size) != 1)
                        return -EIO;
        if (EVP_MAC_final(ctx, out, &outl, hash->size) != 1 || outl != hash->size)
                return -EIO;
        return 0;
}

int tpm2_hmac(const HashAlg *hash, const uint8_t *key, size_t key_size,
              const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out) {
        Chunk c[] = { { data1, size1 }, { data2, size2 } };
        return hmac_chunks(hash, key, key_size, c, ELEMENTSOF(c), out);
}

static void be32(uint8_t b[4], uint32_t v) {
        b[0] = v >> 24;
        b[1] = v >> 16;
        b[2] = v >> 8;
        b[3] = v;
}

int tpm2_kdfa(const HashAlg *hash, const uint8_t *key, size_t key_size, const char *label,
              const uint8_t *context_u, size_t context_u_size,
              const uint8_t *context_v, size_t context_v_size,
              size_t bits, uint8_t *out) {
        uint8_t block[HASH_ALG_MAX_DIGEST_SIZE], counter[4], bits_be[4];
        size_t want = bits / 8, done = 0;
        int r;

        assert(hash && out && label);
        if (bits % 8 != 0 || bits > UINT32_MAX)
                return -EINVAL;
        be32(bits_be, (uint32_t) bits);
        for (uint32_t i = 1; done < want; i++) {
                Chunk c[] = {
                        { counter, 4 },
                        { label, strlen(label) + 1 },
                        { context_u, context_u_size },
                        { context_v, context_v_size },
                        { bits_be, 4 },
                };
                be32(counter, i);
                r = hmac_chunks(hash, key, key_size, c, ELEMENTSOF(c), block);
                if (r < 0)
                        return r;
                size_t n = MIN(hash->size, want - done);
                memcpy(out + done, block, n);
                done += n;
        }
        erase_memory(block, sizeof(block));
        return 0;
}

int tpm2_kdfe(const HashAlg *hash, const uint8_t *z, size_t z_size, const char *label,
              const uint8_t *party_u, size_t party_u_size,
              const uint8_t *party_v, size_t party_v_size,
              size_t bits, uint8_t *out) {
        uint8_t block[HASH_ALG_MAX_DIGEST_SIZE], counter[4];
        size_t want = bits / 8, done = 0;
        HashCtx h = {};
        int r = 0;

        assert(hash && out && label);
        if (bits % 8 != 0)
                return -EINVAL;
        for (uint32_t i = 1; done < want; i++) {
                be32(counter, i);
                if ((r = hash_ctx_init(&h, hash)) < 0 ||
                    (r = hash_ctx_update(&h, counter, 4)) < 0 ||
                    (r = hash_ctx_update(&h, z, z_size)) < 0 ||
                    (r = hash_ctx_update(&h, label, strlen(label) + 1)) < 0 ||
                    (r = hash_ctx_update(&h, party_u, party_u_size)) < 0 ||
                    (r = hash_ctx_update(&h, party_v, party_v_size)) < 0 ||
                    (r = hash_ctx_final(&h, block)) < 0)
                        break;
                size_t n = MIN(hash->size, want - done);
                memcpy(out + done, block, n);
                done += n;
        }
        hash_ctx_done(&h);
        erase_memory(block, sizeof(block));
        return r;
}
