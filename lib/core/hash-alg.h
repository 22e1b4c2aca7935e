/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* TPM_ALG_ID values of the hash algorithms hostattest knows. */
#define TPM2_ALG_ID_SHA1    0x0004
#define TPM2_ALG_ID_SHA256  0x000B
#define TPM2_ALG_ID_SHA384  0x000C
#define TPM2_ALG_ID_SHA512  0x000D
#define TPM2_ALG_ID_SM3_256 0x0012

#define HASH_ALG_MAX_DIGEST_SIZE 64

/* One hash algorithm as the TPM, the wire formats and OpenSSL name it. */
typedef struct HashAlg {
        uint16_t tpm_alg_id;   /* TPM_ALG_ID */
        const char *name;      /* lowercase, as in Keylime JSON and IMA logs: "sha256" */
        const char *ossl_name; /* OpenSSL fetch name */
        size_t size;           /* digest size in bytes */
} HashAlg;

const HashAlg *hash_alg_from_tpm_id(uint16_t id);
const HashAlg *hash_alg_from_name(const char *name);   /* case-insensitive; "sm3_256" and "sm3" alike */
const HashAlg *hash_alg_from_name_len(const char *name, size_t len);   /* the same, not NUL-terminated */
const HashAlg *hash_alg_from_size(size_t size);        /* first algorithm with that size (SHA before SM3) */

/* The OpenSSL digest for alg, fetched once per process; NULL when the
 * provider in use does not offer it (SM3 in a FIPS build, say). */
const EVP_MD *hash_alg_md(const HashAlg *alg);

/* Hashes data into out, which must hold alg->size bytes. */
int hash_alg_digest(const HashAlg *alg, const void *data, size_t len, uint8_t *out);

/* A hash iterated over several buffers. */
typedef struct HashCtx {
        EVP_MD_CTX *ctx;
        const HashAlg *alg;
} HashCtx;

int hash_ctx_init(HashCtx *h, const HashAlg *alg);
int hash_ctx_update(HashCtx *h, const void *data, size_t len);
int hash_ctx_final(HashCtx *h, uint8_t *out);   /* out holds alg->size; the context may be reused after init */
void hash_ctx_done(HashCtx *h);
