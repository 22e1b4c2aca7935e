/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/pem.h>

#include "hexdecode.h"
#include "test-data.h"
#include "tpm2-public.h"
#include "tpm2-test-keys.h"

static EVP_PKEY *read_pem(const char *rel) {
        _cleanup_free_ uint8_t *pem = NULL;
        size_t n;
        BIO *bio;
        EVP_PKEY *k;

        test_data_read(rel, &pem, &n);
        bio = BIO_new_mem_buf(pem, (int) n);
        k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        assert_non_null(k);
        return k;
}

static void check_fixture(const char *pub, const char *pem, bool signing) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        EVP_PKEY *k, *ref;
        size_t n;

        test_data_read(pub, &buf, &n);
        assert_int_equal(tpm2_public_parse(buf, n, &p), 0);
        assert_int_equal(p->area.type, TPM2_ALG_RSA);
        assert_int_equal(p->key_bits, 2048);
        assert_int_equal(p->tpmt_size, n - 2);
        assert_true(signing ? tpm2_public_is_restricted_signing(p) : tpm2_public_is_restricted_decryption(p));
        assert_int_equal(tpm2_public_to_evp_pkey(p, &k), 0);
        ref = read_pem(pem);
        assert_int_equal(EVP_PKEY_eq(k, ref), 1);
        EVP_PKEY_free(k);
        EVP_PKEY_free(ref);
}

static void test_keylime_ak(void **state) {
        _cleanup_free_ uint8_t *buf = NULL, *name = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        size_t n, name_size;

        check_fixture("tpm/keylime/files/ak.pub", "tpm/keylime/files/akpub.pem", true);

        test_data_read("tpm/keylime/files/ak.pub", &buf, &n);
        test_data_read("tpm/keylime/files/ak.name", &name, &name_size);
        assert_int_equal(tpm2_public_parse(buf, n, &p), 0);
        assert_int_equal(p->name_size, name_size);
        assert_memory_equal(p->name, name, name_size);
}

static void test_keylime_ek(void **state) {
        check_fixture("tpm/keylime/files/ek.pub", "tpm/keylime/files/ekpub.pem", false);
}

static void test_tpm2_tools_ek_template(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        EVP_PKEY *k = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        size_t n;

        /* A bare TPMT_PUBLIC template: parses, but its all-zero modulus is no key. */
        test_data_read("tpm/tpm2-tools/ek-template-default.bin", &buf, &n);
        assert_int_equal(tpm2_public_parse(buf, n, &p), -EBADMSG);
        assert_int_equal(tpm2_public_parse_tpmt(buf, n, &p), 0);
        assert_true(tpm2_public_is_restricted_decryption(p));
        assert_int_equal(p->area.parameters.rsaDetail.symmetric.algorithm, TPM2_ALG_AES);
        assert_int_equal(p->area.parameters.rsaDetail.symmetric.mode.aes, TPM2_ALG_CFB);
        assert_int_equal(tpm2_public_to_evp_pkey(p, &k), -EBADMSG);
}

static void roundtrip(EVP_PKEY *key, unsigned bits) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL, *q = NULL;
        uint8_t buf[1200], name[TPM2_NAME_SIZE_MAX];
        size_t n, name_size;
        TPMT_PUBLIC t;
        EVP_PKEY *k;

        test_tpmt_from_key(key, false, EVP_PKEY_is_a(key, "RSA") ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &t);
        n = test_marshal_tpm2b_public(&t, buf);
        assert_int_equal(tpm2_public_parse(buf, n, &p), 0);
        assert_int_equal(p->key_bits, bits);
        assert_int_equal(tpm2_public_to_evp_pkey(p, &k), 0);
        assert_int_equal(EVP_PKEY_eq(k, key), 1);
        EVP_PKEY_free(k);

        /* The bare TPMT_PUBLIC gives the same key and name. */
        assert_int_equal(tpm2_public_parse_tpmt(buf + 2, n - 2, &q), 0);
        assert_memory_equal(p->name, q->name, p->name_size);
        assert_int_equal(tpm2_name_compute(TPM2_ALG_SHA256, buf + 2, n - 2, name, &name_size), 0);
        assert_int_equal(name_size, 34);
        assert_memory_equal(name, p->name, name_size);
        EVP_PKEY_free(key);
}

static void test_rsa_sizes(void **state) {
        roundtrip(test_key_rsa(2048), 2048);
        roundtrip(test_key_rsa(3072), 3072);
        roundtrip(test_key_rsa(4096), 4096);
}

static void test_ecc_curves(void **state) {
        roundtrip(test_key_ec("prime256v1"), 256);
        roundtrip(test_key_ec("secp384r1"), 384);
        roundtrip(test_key_ec("secp521r1"), 521);
}

static size_t ecc_area(TPMT_PUBLIC *t, uint8_t *buf) {
        EVP_PKEY *k = test_key_ec("prime256v1");
        test_tpmt_from_key(k, false, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, t);
        EVP_PKEY_free(k);
        return test_marshal_tpm2b_public(t, buf);
}

static int parse(const uint8_t *buf, size_t n) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        return tpm2_public_parse(buf, n, &p);
}

static void test_reject_empty(void **state) {
        assert_int_equal(parse((const uint8_t *) "", 0), -EBADMSG);
        assert_int_equal(parse((const uint8_t *) "\0\0", 2), -EBADMSG);
}

static void test_reject_truncated(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        size_t n = ecc_area(&t, buf);

        for (size_t i = 0; i < n; i++)
                assert_int_equal(parse(buf, i), -EBADMSG);
        assert_int_equal(parse(buf, n), 0);
}

static void test_reject_trailing(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        size_t n = ecc_area(&t, buf);

        buf[n] = 0;
        assert_int_equal(parse(buf, n + 1), -EBADMSG);
        /* Trailing bytes inside the TPM2B are refused too. */
        buf[1]++;
        assert_int_equal(parse(buf, n + 1), -EBADMSG);
}

static void test_limit_public_size(void **state) {
        uint8_t buf[TPM2_PUBLIC_SIZE_MAX + 3] = {};
        buf[0] = (TPM2_PUBLIC_SIZE_MAX + 1) >> 8;
        buf[1] = (TPM2_PUBLIC_SIZE_MAX + 1) & 0xff;
        assert_int_equal(parse(buf, TPM2_PUBLIC_SIZE_MAX + 3), -EBADMSG);
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        assert_int_equal(tpm2_public_parse_tpmt(buf, TPM2_PUBLIC_SIZE_MAX + 1, &p), -EBADMSG);
}

static void test_reject_unknown_name_alg(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        ecc_area(&t, buf);
        t.nameAlg = 0x0010; /* TPM_ALG_NULL */
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_keyedhash(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t = {
                .type = TPM2_ALG_KEYEDHASH,
                .nameAlg = TPM2_ALG_SHA256,
                .parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
        };
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_rsa_1024(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        EVP_PKEY *k = test_key_rsa(1024);
        test_tpmt_from_key(k, false, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &t);
        EVP_PKEY_free(k);
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_rsa_modulus_size(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        EVP_PKEY *k = test_key_rsa(2048);
        test_tpmt_from_key(k, false, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &t);
        EVP_PKEY_free(k);
        t.unique.rsa.size = 255;
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
        t.unique.rsa.size = 256;
        t.parameters.rsaDetail.exponent = 4;
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_unknown_curve(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        ecc_area(&t, buf);
        t.parameters.eccDetail.curveID = TPM2_ECC_BN_P256;
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_ecc_coordinate_size(void **state) {
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        ecc_area(&t, buf);
        t.unique.ecc.x.size = 33;
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
        t.unique.ecc.x.size = 32;
        t.unique.ecc.y.size = 0;
        assert_int_equal(parse(buf, test_marshal_tpm2b_public(&t, buf)), -EBADMSG);
}

static void test_reject_point_off_curve(void **state) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        uint8_t buf[1200];
        TPMT_PUBLIC t;
        EVP_PKEY *k = NULL;
        size_t n;

        ecc_area(&t, buf);
        t.unique.ecc.y.buffer[31] ^= 1;
        n = test_marshal_tpm2b_public(&t, buf);
        assert_int_equal(tpm2_public_parse(buf, n, &p), 0);
        assert_int_equal(tpm2_public_to_evp_pkey(p, &k), -EBADMSG);
        assert_null(k);
}

static void test_name_unknown_alg(void **state) {
        uint8_t name[TPM2_NAME_SIZE_MAX];
        size_t n;
        assert_int_equal(tpm2_name_compute(0x0010, (const uint8_t *) "x", 1, name, &n), -EOPNOTSUPP);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_ak),
                cmocka_unit_test(test_keylime_ek),
                cmocka_unit_test(test_tpm2_tools_ek_template),
                cmocka_unit_test(test_rsa_sizes),
                cmocka_unit_test(test_ecc_curves),
                cmocka_unit_test(test_reject_empty),
                cmocka_unit_test(test_reject_truncated),
                cmocka_unit_test(test_reject_trailing),
                cmocka_unit_test(test_limit_public_size),
                cmocka_unit_test(test_reject_unknown_name_alg),
                cmocka_unit_test(test_reject_keyedhash),
                cmocka_unit_test(test_reject_rsa_1024),
                cmocka_unit_test(test_reject_rsa_modulus_size),
                cmocka_unit_test(test_reject_unknown_curve),
                cmocka_unit_test(test_reject_ecc_coordinate_size),
                cmocka_unit_test(test_reject_point_off_curve),
                cmocka_unit_test(test_name_unknown_alg),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
