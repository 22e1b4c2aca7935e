/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/rsa.h>

#include "auth-tag.h"
#include "cursor.h"
#include "makecredential.h"
#include "test-data.h"
#include "tpm2-kdf.h"
#include "tpm2-test-keys.h"

/* TPM2_ActivateCredential done in software with the EK's private key: the
 * independent check that what makecredential() wrote is recoverable. */
static int seed_from_rsa(EVP_PKEY *ek, const CredentialBlob *b, uint8_t *seed, size_t *seed_size) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL);
        uint8_t *label = OPENSSL_memdup("IDENTITY", 9);
        int ok = ctx && label &&
                EVP_PKEY_decrypt_init(ctx) == 1 &&
                EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", NULL) == 1 &&
                EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9) == 1;
        if (!ok)
                OPENSSL_free(label);
        *seed_size = 512;
        ok = ok && EVP_PKEY_decrypt(ctx, seed, seed_size, b->encrypted_secret, b->encrypted_secret_size) == 1;
        EVP_PKEY_CTX_free(ctx);
        return ok ? 0 : -1;
}

static int seed_from_ecc(EVP_PKEY *ek, const CredentialBlob *b, uint8_t *seed, size_t *seed_size) {
        const uint8_t *p = b->encrypted_secret;
        size_t coord = (size_t) (p[0] << 8 | p[1]), zn = 66, ekn;
        uint8_t point[1 + 2 * 66], ekpoint[1 + 2 * 66], z[66];
        char group[64];
        EVP_PKEY *peer = NULL;
        EVP_PKEY_CTX *ctx;
        OSSL_PARAM params[3];

        assert_int_equal(b->encrypted_secret_size, 4 + 2 * coord);
        point[0] = 4;
        memcpy(point + 1, p + 2, coord);
        memcpy(point + 1 + coord, p + 4 + coord, coord);
        assert_int_equal(EVP_PKEY_get_utf8_string_param(ek, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL), 1);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
        params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * coord);
        params[2] = OSSL_PARAM_construct_end();
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
        assert_int_equal(EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params), 1);
        EVP_PKEY_CTX_free(ctx);

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL);
        assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
        assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
        assert_int_equal(EVP_PKEY_derive(ctx, z, &zn), 1);
        EVP_PKEY_CTX_free(ctx);
        EVP_PKEY_free(peer);

        assert_int_equal(EVP_PKEY_get_octet_string_param(ek, OSSL_PKEY_PARAM_PUB_KEY, ekpoint, sizeof(ekpoint), &ekn), 1);
        *seed_size = 32;
        return tpm2_kdfe(hash_alg_from_tpm_id(TPM2_ALG_SHA256), z, zn, "IDENTITY",
                         point + 1, coord, ekpoint + 1, (ekn - 1) / 2, 256, seed);
}

static int activate(EVP_PKEY *ek, const uint8_t *name, size_t name_size, const CredentialBlob *b,
                    uint8_t *out, size_t *out_size) {
        const HashAlg *h = hash_alg_from_tpm_id(TPM2_ALG_SHA256);
        uint8_t seed[512], key[16], hkey[32], hmac[32], plain[128];
        const uint8_t *enc = b->id_object + 2 + 32;
        size_t seed_size, enc_size = b->id_object_size - 34;
        EVP_CIPHER_CTX *ctx;
        int l;

        if ((EVP_PKEY_is_a(ek, "RSA") ? seed_from_rsa(ek, b, seed, &seed_size) : seed_from_ecc(ek, b, seed, &seed_size)) < 0)
                return -1;
        assert_int_equal(seed_size, 32);
        assert_int_equal(tpm2_kdfa(h, seed, 32, "INTEGRITY", NULL, 0, NULL, 0, 256, hkey), 0);
        assert_int_equal(tpm2_hmac(h, hkey, 32, enc, enc_size, name, name_size, hmac), 0);
        if (b->id_object[0] != 0 || b->id_object[1] != 32 || memcmp(hmac, b->id_object + 2, 32) != 0)
                return -2;
        assert_int_equal(tpm2_kdfa(h, seed, 32, "STORAGE", name, name_size, NULL, 0, 128, key), 0);
        ctx = EVP_CIPHER_CTX_new();
        assert_int_equal(EVP_DecryptInit_ex2(ctx, EVP_aes_128_cfb128(), key, (const uint8_t[16]) {}, NULL), 1);
        assert_int_equal(EVP_DecryptUpdate(ctx, plain, &l, enc, (int) enc_size), 1);
        EVP_CIPHER_CTX_free(ctx);
        assert_int_equal((size_t) (plain[0] << 8 | plain[1]), enc_size - 2);
        memcpy(out, plain + 2, enc_size - 2);
        *out_size = enc_size - 2;
        return 0;
}

static Tpm2Public *ek_public(EVP_PKEY *key) {
        Tpm2Public *p = NULL;
        uint8_t buf[1200];
        TPMT_PUBLIC t;

        test_tpmt_from_key(key, true, TPM2_ALG_NULL, TPM2_ALG_NULL, &t);
        assert_int_equal(tpm2_public_parse(buf, test_marshal_tpm2b_public(&t, buf), &p), 0);
        return p;
}

static const uint8_t ak_name[34] = { 0x00, 0x0b, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static void roundtrip(EVP_PKEY *key) {
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = ek_public(key);
        _cleanup_free_ uint8_t *file = NULL;
        uint8_t secret[CREDENTIAL_KEYLIME_SECRET_SIZE], out[64], other[34];
        CredentialBlob b, parsed;
        size_t n, out_size;

        assert_int_equal(credential_random_secret(secret, sizeof(secret)), 0);
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, sizeof(secret), &b), 0);
        assert_int_equal(activate(key, ak_name, sizeof(ak_name), &b, out, &out_size), 0);
        assert_int_equal(out_size, sizeof(secret));
        assert_memory_equal(out, secret, sizeof(secret));

        /* Bound to the name: another object's name fails the integrity check. */
        memcpy(other, ak_name, sizeof(other));
        other[33] ^= 1;
        assert_int_equal(activate(key, other, sizeof(other), &b, out, &out_size), -2);

        assert_int_equal(credential_blob_serialize(&b, &file, &n), 0);
        assert_int_equal(credential_blob_parse(file, n, &parsed), 0);
        assert_int_equal(parsed.id_object_size, b.id_object_size);
        assert_memory_equal(parsed.encrypted_secret, b.encrypted_secret, b.encrypted_secret_size);
        EVP_PKEY_free(key);
}

static void test_rsa_ek(void **state) {
        roundtrip(test_key_rsa(2048));
}

static void test_ecc_p256_ek(void **state) {
        roundtrip(test_key_ec("prime256v1"));
}

static void test_ecc_p384_ek(void **state) {
        roundtrip(test_key_ec("secp384r1"));
}

/* The Keylime fixture: a tpm2_makecredential file for ek.pub and ak.name. */
static void test_keylime_mkcred_structure(void **state) {
        _cleanup_free_ uint8_t *buf = NULL, *ekbuf = NULL, *name = NULL, *secret = NULL, *ours = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = NULL;
        size_t n, ekn, name_size, secret_size, ours_size;
        CredentialBlob fixture, b;

        test_data_read("tpm/keylime/files/mkcred.out", &buf, &n);
        assert_int_equal(credential_blob_parse(buf, n, &fixture), 0);
        test_data_read("tpm/keylime/files/secret.data", &secret, &secret_size);
        /* HMAC (2 + 32) then TPM2B(secret) encrypted in place. */
        assert_int_equal(fixture.id_object_size, 2 + 32 + 2 + secret_size);
        assert_int_equal(fixture.encrypted_secret_size, 256);

        test_data_read("tpm/keylime/files/ek.pub", &ekbuf, &ekn);
        test_data_read("tpm/keylime/files/ak.name", &name, &name_size);
        assert_int_equal(tpm2_public_parse(ekbuf, ekn, &ek), 0);
        assert_int_equal(makecredential(ek, name, name_size, secret, secret_size, &b), 0);
        assert_int_equal(credential_blob_serialize(&b, &ours, &ours_size), 0);
        /* Same layout byte for byte except the random parts. */
        assert_int_equal(ours_size, n);
        assert_memory_equal(ours, buf, 8 + 2 + 2);
        assert_memory_equal(ours + 8 + 2 + fixture.id_object_size, buf + 8 + 2 + fixture.id_object_size, 2);
}

static void test_reject_bad_arguments(void **state) {
        EVP_PKEY *key = test_key_rsa(2048);
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = ek_public(key);
        uint8_t secret[65] = {};
        CredentialBlob b;

        /* Credential longer than the nameAlg digest. */
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, 33, &b), -EINVAL);
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, 0, &b), -EINVAL);
        assert_int_equal(makecredential(ek, ak_name, 3, secret, 32, &b), -EINVAL);
        assert_int_equal(makecredential(ek, ak_name, TPM2_NAME_SIZE_MAX + 1, secret, 32, &b), -EINVAL);
        /* A signing key is no EK. */
        ek->area.objectAttributes ^= TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT;
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, 32, &b), -EINVAL);
        ek->area.objectAttributes ^= TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT;
        ek->area.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CBC;
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, 32, &b), -EOPNOTSUPP);
        EVP_PKEY_free(key);
}

static void test_reject_p521_ek(void **state) {
        EVP_PKEY *key = test_key_ec("secp521r1");
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = ek_public(key);
        uint8_t secret[32] = {};
        CredentialBlob b;
        assert_int_equal(makecredential(ek, ak_name, sizeof(ak_name), secret, 32, &b), -EOPNOTSUPP);
        EVP_PKEY_free(key);
}

static void test_blob_reject(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t copy[CREDENTIAL_BLOB_SIZE_MAX + 1] = {};
        CredentialBlob b;
        size_t n;

        test_data_read("tpm/keylime/files/mkcred.out", &buf, &n);
        /* Every truncation. */
        for (size_t i = 0; i < n; i++)
                assert_int_equal(credential_blob_parse(buf, i, &b), -EBADMSG);
        memcpy(copy, buf, n);
        /* Trailing byte. */
        assert_int_equal(credential_blob_parse(copy, n + 1, &b), -EBADMSG);
        /* Magic, version. */
        copy[0] ^= 1;
        assert_int_equal(credential_blob_parse(copy, n, &b), -EBADMSG);
        copy[0] ^= 1;
        copy[7] = 2;
        assert_int_equal(credential_blob_parse(copy, n, &b), -EBADMSG);
        copy[7] = 1;
        /* Integrity HMAC size that is no digest size. */
        copy[11] = 0x1f;
        assert_int_equal(credential_blob_parse(copy, n, &b), -EBADMSG);
        copy[11] = 0x20;
        assert_int_equal(credential_blob_parse(copy, n, &b), 0);
        /* Limit: a whole file larger than CREDENTIAL_BLOB_SIZE_MAX. */
        assert_int_equal(credential_blob_parse(copy, sizeof(copy), &b), -EBADMSG);
}

static void test_blob_limit_id_object(void **state) {
        uint8_t buf[16 + CREDENTIAL_ID_OBJECT_SIZE_MAX + 1] = { 0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1 };
        CredentialBlob b;
        buf[8] = (CREDENTIAL_ID_OBJECT_SIZE_MAX + 1) >> 8;
        buf[9] = (CREDENTIAL_ID_OBJECT_SIZE_MAX + 1) & 0xff;
        assert_int_equal(credential_blob_parse(buf, sizeof(buf), &b), -EBADMSG);
}

static void test_blob_limit_encrypted_secret(void **state) {
        uint8_t buf[8 + 2 + 40 + 2 + CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX + 1] = { 0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1, 0, 40, 0, 32 };
        CredentialBlob b;
        buf[50] = (CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX + 1) >> 8;
        buf[51] = (CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX + 1) & 0xff;
        assert_int_equal(credential_blob_parse(buf, sizeof(buf), &b), -EBADMSG);
        buf[50] = 0;
        buf[51] = 1;
        assert_int_equal(credential_blob_parse(buf, 53, &b), 0);
}

static void test_random_secret(void **state) {
        uint8_t a[CREDENTIAL_KEYLIME_SECRET_SIZE], b[CREDENTIAL_KEYLIME_SECRET_SIZE];
        assert_int_equal(credential_random_secret(a, sizeof(a)), 0);
        assert_int_equal(credential_random_secret(b, sizeof(b)), 0);
        assert_memory_not_equal(a, b, sizeof(a));
        for (size_t i = 0; i < sizeof(a); i++)
                assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'z') || (a[i] >= 'A' && a[i] <= 'Z'));
}

/* Keylime: auth_tag = HMAC-SHA384(key = b64(credential), msg = agent id). Reference
 * value from `printf … | openssl dgst -sha384 -hmac "$(printf 12345678 | base64)"`. */
#define AUTH_TAG_REFERENCE "24e0a23f81702e47de526cbe1fa02787a7e3e4dbc4925156f88cb3f80c2f123f52c77dc1fd8cba85eabc1e177ea7a0ba"

static void test_auth_tag(void **state) {
        _cleanup_free_ char *tag = NULL;
        const char *id = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

        assert_int_equal(auth_tag_compute((const uint8_t *) "12345678", 8, id, &tag), 0);
        assert_int_equal(strlen(tag), AUTH_TAG_HEX_SIZE);
        assert_string_equal(tag, AUTH_TAG_REFERENCE);
        assert_int_equal(auth_tag_verify((const uint8_t *) "12345678", 8, id, tag), 0);
        tag[0] = tag[0] == '0' ? '1' : '0';
        assert_int_equal(auth_tag_verify((const uint8_t *) "12345678", 8, id, tag), -EPERM);
        assert_int_equal(auth_tag_verify((const uint8_t *) "12345678", 8, id, "abcd"), -EINVAL);
        tag[0] = 'x';
        assert_int_equal(auth_tag_verify((const uint8_t *) "12345678", 8, id, tag), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rsa_ek),
                cmocka_unit_test(test_ecc_p256_ek),
                cmocka_unit_test(test_ecc_p384_ek),
                cmocka_unit_test(test_keylime_mkcred_structure),
                cmocka_unit_test(test_reject_bad_arguments),
                cmocka_unit_test(test_reject_p521_ek),
                cmocka_unit_test(test_blob_reject),
                cmocka_unit_test(test_blob_limit_id_object),
                cmocka_unit_test(test_blob_limit_encrypted_secret),
                cmocka_unit_test(test_random_secret),
                cmocka_unit_test(test_auth_tag),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
