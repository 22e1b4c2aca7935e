/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The AEAD half of secret wrapping and sealing at rest: AES-256-GCM. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "attest-limits.h"
#include "memory-util.h"
#include "secret-wrap.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER *, EVP_CIPHER_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_free);

void secret_wrapped_done(SecretWrapped *w) {
        if (!w)
                return;
        w->encapsulated = mfree(w->encapsulated);
        w->ciphertext = mfree(w->ciphertext);
        *w = (SecretWrapped) {};
}

const char *secret_kem_to_string(SecretKem k) {
        return k == SECRET_KEM_RSA_OAEP ? "rsa-oaep" : k == SECRET_KEM_ECDH ? "ecdh-hkdf" : NULL;
}

/* One AES-256-GCM pass; out has n bytes. On decryption a bad tag is -EBADMSG. */
static int aes_gcm(bool encrypt, const uint8_t key[SECRET_WRAP_KEY_SIZE], const uint8_t iv[SECRET_WRAP_IV_SIZE],
                   const uint8_t *aad, size_t aad_size, const uint8_t *in, size_t n, uint8_t *out,
                   uint8_t tag[SECRET_WRAP_TAG_SIZE]) {
        _cleanup_(EVP_CIPHER_freep) EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        int len;

        if (!cipher || !ctx)
                return -ENOMEM;
        if (n > INT32_MAX || aad_size > INT32_MAX)
                return -E2BIG;
        if (EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1)
                return -EIO;
        if (aad_size > 0 && EVP_CipherUpdate(ctx, NULL, &len, aad, (int) aad_size) != 1)
                return -EIO;
        if (n > 0 && EVP_CipherUpdate(ctx, out, &len, in, (int) n) != 1)
                return -EIO;
        if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SECRET_WRAP_TAG_SIZE, tag) != 1)
                return -EIO;
        if (EVP_CipherFinal_ex(ctx, out + n, &len) != 1)
                return encrypt ? -EIO : -EBADMSG;
        if (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SECRET_WRAP_TAG_SIZE, tag) != 1)
                return -EIO;
        return 0;
}

/* Encrypts under key with a random IV into w's iv, ciphertext and tag. */
int secret_wrap_aead(const uint8_t key[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                     const uint8_t *secret, size_t size, SecretWrapped *w) {
        _cleanup_free_ uint8_t *ct = NULL;
        int r;

        if (RAND_bytes(w->iv, sizeof(w->iv)) != 1)
                return -EIO;
        ct = malloc(size);
        if (!ct)
                return -ENOMEM;
        r = aes_gcm(true, key, w->iv, aad, aad_size, secret, size, ct, w->tag);
        if (r < 0)
                return r;
        w->ciphertext = TAKE_PTR(ct);
        w->ciphertext_size = size;
        return 0;
}

int secret_unwrap_aead(const uint8_t key[SECRET_WRAP_KEY_SIZE], const SecretWrapped *w,
                       const uint8_t *aad, size_t aad_size, uint8_t **ret, size_t *ret_size) {
        uint8_t *plain;
        int r;

        assert_return(key && w && ret && ret_size, -EINVAL);
        assert_return(aad || aad_size == 0, -EINVAL);
        if (w->ciphertext_size == 0 || w->ciphertext_size > SECRET_SIZE_MAX)
                return -EBADMSG;
        plain = malloc(w->ciphertext_size);
        if (!plain)
                return -ENOMEM;
        r = aes_gcm(false, key, w->iv, aad, aad_size, w->ciphertext, w->ciphertext_size, plain,
                    (uint8_t *) w->tag);
        if (r < 0) {
                erase_and_free_size(plain, w->ciphertext_size);
                return r;
        }
        *ret = plain;
        *ret_size = w->ciphertext_size;
        return 0;
}

int secret_seal(const uint8_t master[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                const uint8_t *plain, size_t size, uint8_t **ret, size_t *ret_size) {
        uint8_t *out;
        int r;

        assert_return(master && plain && ret && ret_size, -EINVAL);
        assert_return(size > 0 && size <= SECRET_SIZE_MAX, -EINVAL);

        out = malloc(size + SECRET_SEAL_OVERHEAD);
        if (!out)
                return -ENOMEM;
        if (RAND_bytes(out, SECRET_WRAP_IV_SIZE) != 1) {
                free(out);
                return -EIO;
        }
        r = aes_gcm(true, master, out, aad, aad_size, plain, size, out + SECRET_WRAP_IV_SIZE,
                    out + SECRET_WRAP_IV_SIZE + size);
        if (r < 0) {
                free(out);
                return r;
        }
        *ret = out;
        *ret_size = size + SECRET_SEAL_OVERHEAD;
        return 0;
}

int secret_unseal(const uint8_t master[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                  const uint8_t *sealed, size_t size, uint8_t **ret, size_t *ret_size) {
        size_t n;
        uint8_t *plain, tag[SECRET_WRAP_TAG_SIZE];
        int r;

        assert_return(master && sealed && ret && ret_size, -EINVAL);
        if (size <= SECRET_SEAL_OVERHEAD || size - SECRET_SEAL_OVERHEAD > SECRET_SIZE_MAX)
                return -EBADMSG;
        n = size - SECRET_SEAL_OVERHEAD;
        plain = malloc(n);
        if (!plain)
                return -ENOMEM;
        memcpy(tag, sealed + SECRET_WRAP_IV_SIZE + n, sizeof(tag));
        r = aes_gcm(false, master, sealed, aad, aad_size, sealed + SECRET_WRAP_IV_SIZE, n, plain, tag);
        if (r < 0) {
                erase_and_free_size(plain, n);
                return r;
        }
        *ret = plain;
        *ret_size = n;
        return 0;
}

int secret_aad(const char *node_id, const char *name, uint8_t **ret, size_t *ret_size) {
        size_t a, b;
        uint8_t *p;

        assert_return(node_id && name && ret && ret_size, -EINVAL);
        a = strlen(node_id);
        b = strlen(name);
        p = malloc(a + 1 + b);
        if (!p)
                return -ENOMEM;
        memcpy(p, node_id, a);
        p[a] = 0;
        memcpy(p + a + 1, name, b);
        *ret = p;
        *ret_size = a + 1 + b;
        return 0;
}
