/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The KEM half of secret wrapping: how a fresh AES key reaches the TPM. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "attest-limits.h"
#include "memory-util.h"
#include "secret-wrap.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_KDF *, EVP_KDF_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_KDF_CTX *, EVP_KDF_CTX_free);

#define ECC_POINT_MAX (1 + 2 * 66)

int secret_wrap_key_check(const Tpm2Public *pub) {
        const TPMA_OBJECT need = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                 TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_DECRYPT;
        const TPMA_OBJECT refuse = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
        TPMA_OBJECT a;

        assert_return(pub, -EINVAL);
        a = pub->area.objectAttributes;
        if ((a & need) != need || (a & refuse) != 0)
                return -EKEYREJECTED;
        if (pub->area.type == TPM2_ALG_RSA) {
                TPM2_ALG_ID s = pub->area.parameters.rsaDetail.scheme.scheme;
                return s == TPM2_ALG_NULL || s == TPM2_ALG_OAEP ? 0 : -EKEYREJECTED;
        }
        if (pub->area.type == TPM2_ALG_ECC) {
                TPM2_ALG_ID s = pub->area.parameters.eccDetail.scheme.scheme;
                return s == TPM2_ALG_NULL || s == TPM2_ALG_ECDH ? 0 : -EKEYREJECTED;
        }
        return -EKEYREJECTED;
}

/* OAEP uses the key's own OAEP hash when it has one, else its nameAlg. */
static const HashAlg *kem_hash(const Tpm2Public *pub) {
        if (pub->area.type == TPM2_ALG_RSA && pub->area.parameters.rsaDetail.scheme.scheme == TPM2_ALG_OAEP)
                return hash_alg_from_tpm_id(pub->area.parameters.rsaDetail.scheme.details.oaep.hashAlg);
        return pub->name_alg;
}

static int wrap_rsa(const Tpm2Public *pub, const HashAlg *hash, const uint8_t key[SECRET_WRAP_KEY_SIZE],
                    SecretWrapped *w) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        _cleanup_free_ uint8_t *out = NULL;
        char *label;
        size_t n;
        int r;

        r = tpm2_public_to_evp_pkey(pub, &pkey);
        if (r < 0)
                return r;
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        label = strdup(SECRET_WRAP_OAEP_LABEL);
        if (!ctx || !label) {
                free(label);
                return -ENOMEM;
        }
        if (EVP_PKEY_encrypt_init(ctx) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, hash->ossl_name, NULL) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, hash->ossl_name, NULL) != 1) {
                free(label);
                return -EIO;
        }
        /* The TPM takes labels with their terminating NUL. */
        if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int) sizeof(SECRET_WRAP_OAEP_LABEL)) != 1) {
                free(label);
                return -EIO;
        }
        if (EVP_PKEY_encrypt(ctx, NULL, &n, key, SECRET_WRAP_KEY_SIZE) != 1)
                return -EIO;
        out = malloc(n);
        if (!out)
                return -ENOMEM;
        if (EVP_PKEY_encrypt(ctx, out, &n, key, SECRET_WRAP_KEY_SIZE) != 1)
                return -EIO;
        w->encapsulated = TAKE_PTR(out);
        w->encapsulated_size = n;
        return 0;
}

int secret_wrap_ecdh_key(const HashAlg *hash, const uint8_t *z, size_t z_size,
                         const uint8_t *ephemeral, size_t ephemeral_size,
                         uint8_t ret_key[SECRET_WRAP_KEY_SIZE]) {
        _cleanup_(EVP_KDF_freep) EVP_KDF *kdf = NULL;
        _cleanup_(EVP_KDF_CTX_freep) EVP_KDF_CTX *ctx = NULL;
        OSSL_PARAM params[5];

        assert_return(hash && z && z_size > 0 && ephemeral && ephemeral_size > 0 && ret_key, -EINVAL);
        kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        if (!kdf)
                return -EOPNOTSUPP;
        ctx = EVP_KDF_CTX_new(kdf);
        if (!ctx)
                return -ENOMEM;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) hash->ossl_name, 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *) z, z_size);
        params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) ephemeral, ephemeral_size);
        params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *) SECRET_WRAP_HKDF_INFO,
                                                      STRLEN(SECRET_WRAP_HKDF_INFO));
        params[4] = OSSL_PARAM_construct_end();
        if (EVP_KDF_derive(ctx, ret_key, SECRET_WRAP_KEY_SIZE, params) != 1)
                return -EIO;
        return 0;
}

static int ecdh_z(EVP_PKEY *own, EVP_PKEY *peer, uint8_t *z, size_t *z_size) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);

        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
            EVP_PKEY_derive(ctx, z, z_size) != 1)
                return -EIO;
        return 0;
}

static int wrap_ecdh(const Tpm2Public *pub, const HashAlg *hash, uint8_t key[SECRET_WRAP_KEY_SIZE],
                     SecretWrapped *w) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *peer = NULL, *eph = NULL;
        uint8_t point[ECC_POINT_MAX], z[66];
        size_t point_size, z_size = sizeof(z);
        const char *group;
        int r;

        group = tpm2_curve_to_group(pub->area.parameters.eccDetail.curveID);
        if (!group)
                return -EOPNOTSUPP;
        r = tpm2_public_to_evp_pkey(pub, &peer);
        if (r < 0)
                return r;
        eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
        if (!eph)
                return -EIO;
        if (EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &point_size) != 1 ||
            point_size < 3 || point[0] != 0x04)
                return -EIO;
        r = ecdh_z(eph, peer, z, &z_size);
        if (r >= 0)
                r = secret_wrap_ecdh_key(hash, z, z_size, point, point_size, key);
        erase_memory(z, sizeof(z));
        if (r < 0)
                return r;
        w->encapsulated = malloc(point_size);
        if (!w->encapsulated)
                return -ENOMEM;
        memcpy(w->encapsulated, point, point_size);
        w->encapsulated_size = point_size;
        return 0;
}

int secret_wrap(const Tpm2Public *pub, const uint8_t *aad, size_t aad_size,
                const uint8_t *secret, size_t secret_size, SecretWrapped *ret) {
        _cleanup_(secret_wrapped_done) SecretWrapped w = {};
        uint8_t key[SECRET_WRAP_KEY_SIZE];
        int r;

        assert_return(pub && secret && ret, -EINVAL);
        assert_return(aad || aad_size == 0, -EINVAL);
        assert_return(secret_size > 0 && secret_size <= SECRET_SIZE_MAX, -EINVAL);

        r = secret_wrap_key_check(pub);
        if (r < 0)
                return r;
        w.hash = kem_hash(pub);
        if (!w.hash || !hash_alg_md(w.hash))
                return -EOPNOTSUPP;
        if (pub->area.type == TPM2_ALG_RSA) {
                w.kem = SECRET_KEM_RSA_OAEP;
                if (RAND_bytes(key, sizeof(key)) != 1)
                        return -EIO;
                r = wrap_rsa(pub, w.hash, key, &w);
        } else {
                w.kem = SECRET_KEM_ECDH;
                r = wrap_ecdh(pub, w.hash, key, &w);
        }
        if (r >= 0)
                r = secret_wrap_aead(key, aad, aad_size, secret, secret_size, &w);
        erase_memory(key, sizeof(key));
        if (r < 0)
                return r;
        *ret = w;
        w = (SecretWrapped) {};
        return 0;
}
