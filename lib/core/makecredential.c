/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "cursor.h"
#include "tpm2b.h"
#include "makecredential.h"
#include "memory-util.h"
#include "tpm2-kdf.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER *, EVP_CIPHER_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_free);

/* The seed travels RSA-OAEP encrypted with this label, NUL included. */
static const char identity_label[] = "IDENTITY";

static int seed_rsa(const HashAlg *hash, EVP_PKEY *ek, uint8_t *seed, CredentialBlob *blob) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        size_t outl = sizeof(blob->encrypted_secret);
        uint8_t *label;

        if (RAND_bytes(seed, (int) hash->size) != 1)
                return -EIO;
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_encrypt_init(ctx) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, hash->ossl_name, NULL) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, hash->ossl_name, NULL) != 1)
                return -EIO;
        label = OPENSSL_memdup(identity_label, sizeof(identity_label));
        if (!label)
                return -ENOMEM;
        if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, sizeof(identity_label)) != 1) {
                OPENSSL_free(label);
                return -EIO;
        }
        if (EVP_PKEY_encrypt(ctx, blob->encrypted_secret, &outl, seed, hash->size) != 1)
                return -EIO;
        blob->encrypted_secret_size = outl;
        return 0;
}

/* Appends a TPM2B_ECC_PARAMETER (u16 BE size ‖ bytes). */
static size_t put_tpm2b(uint8_t *out, const uint8_t *data, size_t size) {
        out[0] = size >> 8;
        out[1] = size & 0xff;
        memcpy(out + 2, data, size);
        return 2 + size;
}

static int seed_ecc(const Tpm2Public *ekpub, const HashAlg *hash, EVP_PKEY *ek, uint8_t *seed, CredentialBlob *blob) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *eph = NULL;
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = NULL;
        uint8_t point[1 + 2 * TPM2_ECC_PARAMETER_SIZE_MAX], z[TPM2_ECC_PARAMETER_SIZE_MAX];
        const char *group = tpm2_curve_to_group(ekpub->area.parameters.eccDetail.curveID);
        size_t point_size, z_size = sizeof(z), coord;
        int r;

        if (!group)
                return -EOPNOTSUPP;
        eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
        if (!eph)
                return -EIO;
        if (EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &point_size) != 1 ||
            point_size % 2 != 1 || point[0] != 0x04)
                return -EIO;
        coord = (point_size - 1) / 2;

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, ek) != 1 ||
            EVP_PKEY_derive(ctx, z, &z_size) != 1)
                return -EIO;

        r = tpm2_kdfe(hash, z, z_size, identity_label, point + 1, coord,
                      ekpub->area.unique.ecc.x.buffer, ekpub->area.unique.ecc.x.size,
                      hash->size * 8, seed);
        erase_memory(z, sizeof(z));
        if (r < 0)
                return r;

        /* The encrypted secret is the ephemeral public point as a TPMS_ECC_POINT. */
        size_t n = put_tpm2b(blob->encrypted_secret, point + 1, coord);
        n += put_tpm2b(blob->encrypted_secret + n, point + 1 + coord, coord);
        blob->encrypted_secret_size = n;
        return 0;
}

static int aes_cfb_encrypt(unsigned key_bits, const uint8_t *key, const uint8_t *in, size_t n, uint8_t *out) {
        _cleanup_(EVP_CIPHER_freep) EVP_CIPHER *cipher = NULL;
        _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = NULL;
        static const uint8_t iv[16] = {};
        const char *name = key_bits == 128 ? "AES-128-CFB" : key_bits == 192 ? "AES-192-CFB" : "AES-256-CFB";
        int l1, l2;

        cipher = EVP_CIPHER_fetch(NULL, name, NULL);
        ctx = EVP_CIPHER_CTX_new();
        if (!cipher || !ctx)
                return -ENOMEM;
        if (EVP_EncryptInit_ex2(ctx, cipher, key, iv, NULL) != 1 ||
            EVP_EncryptUpdate(ctx, out, &l1, in, (int) n) != 1 ||
            EVP_EncryptFinal_ex(ctx, out + l1, &l2) != 1 || (size_t) (l1 + l2) != n)
                return -EIO;
        return 0;
}

static int check_ek(const Tpm2Public *ek) {
        const TPMT_SYM_DEF_OBJECT *sym = ek->area.type == TPM2_ALG_RSA ?
                &ek->area.parameters.rsaDetail.symmetric : &ek->area.parameters.eccDetail.symmetric;

        if (!tpm2_public_is_restricted_decryption(ek))
                return -EINVAL;
        if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB)
                return -EOPNOTSUPP;
        if (sym->keyBits.aes != 128 && sym->keyBits.aes != 192 && sym->keyBits.aes != 256)
                return -EOPNOTSUPP;
        if (ek->area.type == TPM2_ALG_ECC && ek->area.parameters.eccDetail.curveID != TPM2_ECC_NIST_P256 &&
            ek->area.parameters.eccDetail.curveID != TPM2_ECC_NIST_P384)
                return -EOPNOTSUPP;
        return sym->keyBits.aes;
}

/* Encrypts TPM2B_DIGEST(secret) under the seed's storage key and prepends the integrity HMAC. */
static int make_id_object(const HashAlg *hash, unsigned key_bits, const uint8_t *seed,
                          const uint8_t *name, size_t name_size,
                          const uint8_t *secret, size_t secret_size, CredentialBlob *blob) {
        uint8_t sym_key[32], hmac_key[HASH_ALG_MAX_DIGEST_SIZE], plain[2 + CREDENTIAL_SECRET_SIZE_MAX];
        uint8_t *enc = blob->id_object + 2 + hash->size;
        size_t enc_size = 2 + secret_size;
        int r;

        plain[0] = secret_size >> 8;
        plain[1] = secret_size & 0xff;
        memcpy(plain + 2, secret, secret_size);

        r = tpm2_kdfa(hash, seed, hash->size, "STORAGE", name, name_size, NULL, 0, key_bits, sym_key);
        if (r >= 0)
                r = aes_cfb_encrypt(key_bits, sym_key, plain, enc_size, enc);
        if (r >= 0)
                r = tpm2_kdfa(hash, seed, hash->size, "INTEGRITY", NULL, 0, NULL, 0, hash->size * 8, hmac_key);
        if (r >= 0)
                r = tpm2_hmac(hash, hmac_key, hash->size, enc, enc_size, name, name_size, blob->id_object + 2);
        erase_memory(sym_key, sizeof(sym_key));
        erase_memory(hmac_key, sizeof(hmac_key));
        erase_memory(plain, sizeof(plain));
        if (r < 0)
                return r;

        blob->id_object[0] = hash->size >> 8;
        blob->id_object[1] = hash->size & 0xff;
        blob->id_object_size = 2 + hash->size + enc_size;
        return 0;
}

int makecredential(const Tpm2Public *ek, const uint8_t *name, size_t name_size,
                   const uint8_t *secret, size_t secret_size, CredentialBlob *ret) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
        uint8_t seed[HASH_ALG_MAX_DIGEST_SIZE];
        CredentialBlob blob = {};
        const HashAlg *hash;
        int key_bits, r;

        assert_return(ek && name && secret && ret, -EINVAL);
        /* A name is nameAlg ‖ digest; the TPM refuses a credential longer than the EK's nameAlg digest. */
        hash = ek->name_alg;
        if (name_size < 2 + 20 || name_size > TPM2_NAME_SIZE_MAX)
                return -EINVAL;
        if (secret_size == 0 || secret_size > hash->size)
                return -EINVAL;
        key_bits = check_ek(ek);
        if (key_bits < 0)
                return key_bits;

        r = tpm2_public_to_evp_pkey(ek, &pkey);
        if (r < 0)
                return r;
        r = ek->area.type == TPM2_ALG_RSA ? seed_rsa(hash, pkey, seed, &blob)
                                          : seed_ecc(ek, hash, pkey, seed, &blob);
        if (r >= 0)
                r = make_id_object(hash, (unsigned) key_bits, seed, name, name_size, secret, secret_size, &blob);
        erase_memory(seed, sizeof(seed));
        if (r < 0)
                return r;

        *ret = blob;
        return 0;
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

int credential_blob_serialize(const CredentialBlob *blob, uint8_t **ret, size_t *ret_size) {
        size_t n = 8 + 2 + blob->id_object_size + 2 + blob->encrypted_secret_size, off;
        uint8_t *buf;

        assert(blob && ret && ret_size);
        if (blob->id_object_size > CREDENTIAL_ID_OBJECT_SIZE_MAX ||
            blob->encrypted_secret_size > CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX)
                return -EINVAL;
        buf = malloc(n);
        if (!buf)
                return -ENOMEM;
        put_be32(buf, CREDENTIAL_FILE_MAGIC);
        put_be32(buf + 4, CREDENTIAL_FILE_VERSION);
        off = 8 + put_tpm2b(buf + 8, blob->id_object, blob->id_object_size);
        off += put_tpm2b(buf + off, blob->encrypted_secret, blob->encrypted_secret_size);
        assert(off == n);
        *ret = buf;
        *ret_size = n;
        return 0;
}

int credential_blob_parse(const uint8_t *buf, size_t len, CredentialBlob *ret) {
        CredentialBlob blob = {};
        size_t off = 0, hoff = 0;
        uint32_t magic, version;
        uint16_t hmac_size;

        assert(buf || len == 0);
        assert(ret);
        if (len > CREDENTIAL_BLOB_SIZE_MAX)
                return -EBADMSG;
        if (cursor_read_be32(buf, len, &off, &magic) < 0 || magic != CREDENTIAL_FILE_MAGIC)
                return -EBADMSG;
        if (cursor_read_be32(buf, len, &off, &version) < 0 || version != CREDENTIAL_FILE_VERSION)
                return -EBADMSG;
        if (tpm2b_read_into(buf, len, &off, CREDENTIAL_ID_OBJECT_SIZE_MAX, false, blob.id_object, &blob.id_object_size) < 0)
                return -EBADMSG;
        if (tpm2b_read_into(buf, len, &off, CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX, false,
                            blob.encrypted_secret, &blob.encrypted_secret_size) < 0)
                return -EBADMSG;
        if (off != len)
                return -EBADMSG;

        /* The ID object: integrity HMAC (a digest) then at least a TPM2B size of encrypted credential. */
        if (cursor_read_be16(blob.id_object, blob.id_object_size, &hoff, &hmac_size) < 0 ||
            !hash_alg_from_size(hmac_size) ||
            cursor_skip(blob.id_object_size, &hoff, hmac_size) < 0 ||
            blob.id_object_size - hoff < 3)
                return -EBADMSG;

        *ret = blob;
        return 0;
}

int credential_random_secret(uint8_t *buf, size_t n) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        size_t done = 0;

        assert(buf || n == 0);
        while (done < n) {
                uint8_t b[64];
                if (RAND_bytes(b, sizeof(b)) != 1)
                        return -EIO;
                /* Rejection sampling keeps the characters uniform: 248 = 4 × 62. */
                for (size_t i = 0; i < sizeof(b) && done < n; i++)
                        if (b[i] < 248)
                                buf[done++] = (uint8_t) alphabet[b[i] % 62];
                erase_memory(b, sizeof(b));
        }
        return 0;
}
