/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "memory-util.h"
#include "secret-wrap.h"
#include "tpm2-public.h"
#include "tpm2-test-attest.h"

/* A software key standing in for a TPM-resident decryption key. */
typedef struct Key {
        EVP_PKEY *priv;
        Tpm2Public *pub;
} Key;

static void make_key(Key *k, EVP_PKEY *priv, TPMA_OBJECT attributes) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;

        k->priv = priv;
        test_tpmt_from_key(priv, false, TPM2_ALG_NULL, 0, &t);
        t.objectAttributes = attributes;
        assert_int_equal(tpm2_public_parse(buf, test_marshal_tpm2b_public(&t, buf), &k->pub), 0);
}

#define DECRYPT_KEY (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
                     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT)

static void free_key(Key *k) {
        EVP_PKEY_free(k->priv);
        tpm2_public_free(k->pub);
}

static const uint8_t secret[] = "correct horse battery staple";
static const uint8_t aad[16] = "node-1\0root-disk";   /* secret_aad("node-1", "root-disk") */

/* What the TPM does with TPM2_RSA_Decrypt, done with the software key. */
static int kem_rsa(EVP_PKEY *priv, const SecretWrapped *w, uint8_t key[SECRET_WRAP_KEY_SIZE]) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
        char *label = strdup(SECRET_WRAP_OAEP_LABEL);
        uint8_t out[512];
        size_t n = sizeof(out);
        int ok;

        assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, w->hash->ossl_name, NULL), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, w->hash->ossl_name, NULL), 1);
        assert_int_equal(EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int) sizeof(SECRET_WRAP_OAEP_LABEL)), 1);
        ok = EVP_PKEY_decrypt(ctx, out, &n, w->encapsulated, w->encapsulated_size) == 1 && n == SECRET_WRAP_KEY_SIZE;
        EVP_PKEY_CTX_free(ctx);
        if (ok)
                memcpy(key, out, SECRET_WRAP_KEY_SIZE);
        return ok ? 0 : -EBADMSG;
}

/* What the TPM does with TPM2_ECDH_ZGen, then the HKDF. */
static int kem_ecdh(EVP_PKEY *priv, const SecretWrapped *w, uint8_t key[SECRET_WRAP_KEY_SIZE]) {
        char group[64];
        OSSL_PARAM params[3];
        EVP_PKEY_CTX *fctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *dctx;
        EVP_PKEY *eph = NULL;
        uint8_t z[66];
        size_t zn = sizeof(z);

        assert_int_equal(EVP_PKEY_get_utf8_string_param(priv, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL), 1);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, w->encapsulated, w->encapsulated_size);
        params[2] = OSSL_PARAM_construct_end();
        assert_int_equal(EVP_PKEY_fromdata_init(fctx), 1);
        assert_int_equal(EVP_PKEY_fromdata(fctx, &eph, EVP_PKEY_PUBLIC_KEY, params), 1);
        dctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
        assert_int_equal(EVP_PKEY_derive_init(dctx), 1);
        assert_int_equal(EVP_PKEY_derive_set_peer(dctx, eph), 1);
        assert_int_equal(EVP_PKEY_derive(dctx, z, &zn), 1);
        EVP_PKEY_CTX_free(dctx);
        EVP_PKEY_CTX_free(fctx);
        EVP_PKEY_free(eph);
        return secret_wrap_ecdh_key(w->hash, z, zn, w->encapsulated, w->encapsulated_size, key);
}

static int unwrap(EVP_PKEY *priv, const SecretWrapped *w, const uint8_t *a, size_t an, uint8_t **ret, size_t *ret_size) {
        uint8_t key[SECRET_WRAP_KEY_SIZE];
        int r;

        r = w->kem == SECRET_KEM_RSA_OAEP ? kem_rsa(priv, w, key) : kem_ecdh(priv, w, key);
        if (r < 0)
                return r;
        return secret_unwrap_aead(key, w, a, an, ret, ret_size);
}

static void round_trip(EVP_PKEY *priv, SecretKem kem) {
        SecretWrapped w = {};
        uint8_t *out = NULL;
        size_t n;
        Key k;

        make_key(&k, priv, DECRYPT_KEY);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), secret, sizeof(secret), &w), 0);
        assert_int_equal(w.kem, kem);
        assert_int_equal(w.hash->tpm_alg_id, TPM2_ALG_SHA256);
        assert_int_equal(w.ciphertext_size, sizeof(secret));
        assert_memory_not_equal(w.ciphertext, secret, sizeof(secret));
        assert_int_equal(unwrap(k.priv, &w, aad, sizeof(aad), &out, &n), 0);
        assert_int_equal(n, sizeof(secret));
        assert_memory_equal(out, secret, n);
        erase_and_free_size(out, n);

        /* Bound to its node and name. */
        assert_int_equal(unwrap(k.priv, &w, (const uint8_t *) "node-2\0root-disk", 16, &out, &n), -EBADMSG);
        /* Tampering shows. */
        w.ciphertext[0] ^= 1;
        assert_int_equal(unwrap(k.priv, &w, aad, sizeof(aad), &out, &n), -EBADMSG);
        w.ciphertext[0] ^= 1;
        w.tag[3] ^= 0x80;
        assert_int_equal(unwrap(k.priv, &w, aad, sizeof(aad), &out, &n), -EBADMSG);
        secret_wrapped_done(&w);
        free_key(&k);
}

static void test_rsa_round_trip(void **state) {
        round_trip(test_key_rsa(2048), SECRET_KEM_RSA_OAEP);
}

static void test_ecc_p256_round_trip(void **state) {
        round_trip(test_key_ec("prime256v1"), SECRET_KEM_ECDH);
}

static void test_ecc_p384_round_trip(void **state) {
        round_trip(test_key_ec("secp384r1"), SECRET_KEM_ECDH);
}

/* Only the holder of the private key unwraps. */
static void test_other_key_cannot_unwrap(void **state) {
        EVP_PKEY *other_rsa = test_key_rsa(2048), *other_ec = test_key_ec("prime256v1");
        SecretWrapped w = {};
        uint8_t *out;
        size_t n;
        Key k;

        make_key(&k, test_key_rsa(2048), DECRYPT_KEY);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), secret, sizeof(secret), &w), 0);
        assert_int_equal(unwrap(other_rsa, &w, aad, sizeof(aad), &out, &n), -EBADMSG);
        secret_wrapped_done(&w);
        free_key(&k);

        make_key(&k, test_key_ec("prime256v1"), DECRYPT_KEY);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), secret, sizeof(secret), &w), 0);
        assert_int_equal(unwrap(other_ec, &w, aad, sizeof(aad), &out, &n), -EBADMSG);
        secret_wrapped_done(&w);
        free_key(&k);
        EVP_PKEY_free(other_rsa);
        EVP_PKEY_free(other_ec);
}

static void expect_rejected(TPMA_OBJECT attributes) {
        SecretWrapped w = {};
        Key k;

        make_key(&k, test_key_ec("prime256v1"), attributes);
        assert_int_equal(secret_wrap_key_check(k.pub), -EKEYREJECTED);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), secret, sizeof(secret), &w), -EKEYREJECTED);
        assert_null(w.ciphertext);
        free_key(&k);
}

static void test_key_not_tpm_bound(void **state) {
        expect_rejected(DECRYPT_KEY & ~TPMA_OBJECT_FIXEDTPM);          /* duplicable to another TPM */
        expect_rejected(DECRYPT_KEY & ~TPMA_OBJECT_FIXEDPARENT);
        expect_rejected(DECRYPT_KEY & ~TPMA_OBJECT_SENSITIVEDATAORIGIN); /* imported private part */
        expect_rejected(DECRYPT_KEY & ~TPMA_OBJECT_DECRYPT);
        expect_rejected(DECRYPT_KEY | TPMA_OBJECT_SIGN_ENCRYPT);       /* a signing key */
        expect_rejected(DECRYPT_KEY | TPMA_OBJECT_RESTRICTED);         /* a storage key (EK-like) */
}

static void test_rsa_scheme(void **state) {
        uint8_t buf[1200];
        Tpm2Public *pub = NULL;
        EVP_PKEY *priv = test_key_rsa(2048);
        TPMT_PUBLIC t;

        test_tpmt_from_key(priv, false, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &t);
        t.objectAttributes = DECRYPT_KEY;
        assert_int_equal(tpm2_public_parse(buf, test_marshal_tpm2b_public(&t, buf), &pub), 0);
        assert_int_equal(secret_wrap_key_check(pub), -EKEYREJECTED);
        tpm2_public_free(pub);
        EVP_PKEY_free(priv);
}

static void test_sizes(void **state) {
        uint8_t big[SECRET_SIZE_MAX + 1] = {};
        SecretWrapped w = {};
        Key k;

        make_key(&k, test_key_ec("prime256v1"), DECRYPT_KEY);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), secret, 0, &w), -EINVAL);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), big, sizeof(big), &w), -EINVAL);
        assert_int_equal(secret_wrap(k.pub, aad, sizeof(aad), big, SECRET_SIZE_MAX, &w), 0);
        secret_wrapped_done(&w);
        free_key(&k);
}

static void test_seal(void **state) {
        uint8_t master[SECRET_WRAP_KEY_SIZE], other[SECRET_WRAP_KEY_SIZE];
        uint8_t *sealed, *plain, *aad2;
        size_t n, m, an;

        memset(master, 0x11, sizeof(master));
        memset(other, 0x22, sizeof(other));
        assert_int_equal(secret_aad("node-1", "root-disk", &aad2, &an), 0);
        assert_int_equal(an, sizeof(aad));
        assert_memory_equal(aad2, aad, an);
        assert_int_equal(secret_seal(master, aad2, an, secret, sizeof(secret), &sealed, &n), 0);
        assert_int_equal(n, sizeof(secret) + SECRET_SEAL_OVERHEAD);
        assert_int_equal(secret_unseal(master, aad2, an, sealed, n, &plain, &m), 0);
        assert_memory_equal(plain, secret, m);
        erase_and_free_size(plain, m);

        assert_int_equal(secret_unseal(other, aad2, an, sealed, n, &plain, &m), -EBADMSG);
        assert_int_equal(secret_unseal(master, (const uint8_t *) "node-1\0other", 12, sealed, n, &plain, &m), -EBADMSG);
        assert_int_equal(secret_unseal(master, aad2, an, sealed, n - 1, &plain, &m), -EBADMSG);
        assert_int_equal(secret_unseal(master, aad2, an, sealed, SECRET_SEAL_OVERHEAD, &plain, &m), -EBADMSG);
        sealed[SECRET_WRAP_IV_SIZE] ^= 1;
        assert_int_equal(secret_unseal(master, aad2, an, sealed, n, &plain, &m), -EBADMSG);
        assert_int_equal(secret_seal(master, aad2, an, secret, 0, &plain, &m), -EINVAL);
        free(sealed);
        free(aad2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rsa_round_trip),
                cmocka_unit_test(test_ecc_p256_round_trip),
                cmocka_unit_test(test_ecc_p384_round_trip),
                cmocka_unit_test(test_other_key_cannot_unwrap),
                cmocka_unit_test(test_key_not_tpm_bound),
                cmocka_unit_test(test_rsa_scheme),
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_seal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
