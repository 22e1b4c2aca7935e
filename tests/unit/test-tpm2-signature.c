/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/pem.h>

#include "test-data.h"
#include "tpm2-signature.h"
#include "tpm2-test-attest.h"

static EVP_PKEY *keylime_ak(void) {
        _cleanup_free_ uint8_t *pem = NULL;
        size_t n;
        BIO *bio;
        EVP_PKEY *k;

        test_data_read("tpm/keylime/files/akpub.pem", &pem, &n);
        bio = BIO_new_mem_buf(pem, (int) n);
        k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        assert_non_null(k);
        return k;
}

static void test_keylime_signature(void **state) {
        _cleanup_free_ uint8_t *sig = NULL, *msg = NULL;
        EVP_PKEY *ak = keylime_ak();
        Tpm2Signature s;
        size_t n, m;

        test_data_read("tpm/keylime/files/quotesig.out", &sig, &n);
        test_data_read("tpm/keylime/files/quote.out", &msg, &m);
        assert_int_equal(tpm2_signature_parse(sig, n, &s), 0);
        assert_int_equal(s.sig_alg, TPM2_ALG_RSASSA);
        assert_int_equal(s.hash->tpm_alg_id, TPM2_ALG_SHA256);
        assert_int_equal(s.sig_size, 256);
        assert_int_equal(tpm2_signature_verify(&s, ak, msg, m), 0);
        msg[m - 1] ^= 1;
        assert_int_equal(tpm2_signature_verify(&s, ak, msg, m), -EBADMSG);
        EVP_PKEY_free(ak);
}

/* Signs with a fresh key under each scheme and hash, then parses and verifies. */
static void sign_verify(EVP_PKEY *key, uint16_t scheme, uint16_t hash) {
        static const uint8_t msg[] = "attested bytes";
        TestBuf sig = {};
        Tpm2Signature s;

        test_sign(key, scheme, hash, msg, sizeof(msg), &sig);
        assert_int_equal(tpm2_signature_parse(sig.data, sig.size, &s), 0);
        assert_int_equal(s.sig_alg, scheme);
        assert_int_equal(s.hash->tpm_alg_id, hash);
        assert_int_equal(tpm2_signature_verify(&s, key, msg, sizeof(msg)), 0);
        assert_int_equal(tpm2_signature_verify(&s, key, msg, sizeof(msg) - 1), -EBADMSG);
}

static void test_rsa_schemes(void **state) {
        EVP_PKEY *k = test_key_rsa(2048);
        static const uint16_t hashes[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256, TPM2_ALG_SHA384, TPM2_ALG_SHA512 };
        for (size_t i = 0; i < ELEMENTSOF(hashes); i++) {
                sign_verify(k, TPM2_ALG_RSASSA, hashes[i]);
                sign_verify(k, TPM2_ALG_RSAPSS, hashes[i]);
        }
        EVP_PKEY_free(k);
}

static void test_ecdsa_curves(void **state) {
        static const char *groups[] = { "prime256v1", "secp384r1", "secp521r1" };
        for (size_t i = 0; i < ELEMENTSOF(groups); i++) {
                EVP_PKEY *k = test_key_ec(groups[i]);
                sign_verify(k, TPM2_ALG_ECDSA, TPM2_ALG_SHA256);
                sign_verify(k, TPM2_ALG_ECDSA, TPM2_ALG_SHA1);
                sign_verify(k, TPM2_ALG_ECDSA, TPM2_ALG_SHA512);
                EVP_PKEY_free(k);
        }
}

static void test_key_type_mismatch(void **state) {
        EVP_PKEY *rsa = test_key_rsa(2048), *ec = test_key_ec("prime256v1");
        TestBuf sig = {};
        Tpm2Signature s;

        test_sign(rsa, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, (const uint8_t *) "x", 1, &sig);
        assert_int_equal(tpm2_signature_parse(sig.data, sig.size, &s), 0);
        assert_int_equal(tpm2_signature_verify(&s, ec, (const uint8_t *) "x", 1), -EKEYREJECTED);
        test_sign(ec, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, (const uint8_t *) "x", 1, &sig);
        assert_int_equal(tpm2_signature_parse(sig.data, sig.size, &s), 0);
        assert_int_equal(tpm2_signature_verify(&s, rsa, (const uint8_t *) "x", 1), -EKEYREJECTED);
        EVP_PKEY_free(rsa);
        EVP_PKEY_free(ec);
}

static void test_reject_truncated(void **state) {
        _cleanup_free_ uint8_t *sig = NULL;
        EVP_PKEY *ec = test_key_ec("prime256v1");
        TestBuf b = {};
        Tpm2Signature s;
        size_t n;

        test_data_read("tpm/keylime/files/quotesig.out", &sig, &n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(tpm2_signature_parse(sig, i, &s), -EBADMSG);
        test_sign(ec, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, (const uint8_t *) "x", 1, &b);
        for (size_t i = 0; i < b.size; i++)
                assert_int_equal(tpm2_signature_parse(b.data, i, &s), -EBADMSG);
        EVP_PKEY_free(ec);
}

static void test_reject_trailing(void **state) {
        _cleanup_free_ uint8_t *sig = NULL;
        uint8_t buf[300];
        Tpm2Signature s;
        size_t n;

        test_data_read("tpm/keylime/files/quotesig.out", &sig, &n);
        memcpy(buf, sig, n);
        buf[n] = 0;
        assert_int_equal(tpm2_signature_parse(buf, n + 1, &s), -EBADMSG);
}

static void header_case(uint16_t alg, uint16_t hash) {
        TestBuf b = {};
        Tpm2Signature s;
        uint8_t z[32] = { 1 };

        tb_be16(&b, alg);
        tb_be16(&b, hash);
        tb_tpm2b(&b, z, sizeof(z));
        tb_tpm2b(&b, z, sizeof(z));
        assert_int_equal(tpm2_signature_parse(b.data, b.size, &s), -EBADMSG);
}

static void test_reject_unknown_scheme(void **state) {
        header_case(TPM2_ALG_HMAC, TPM2_ALG_SHA256);
        header_case(TPM2_ALG_SM2, TPM2_ALG_SHA256);
        header_case(TPM2_ALG_NULL, TPM2_ALG_SHA256);
}

static void test_reject_unknown_hash(void **state) {
        header_case(TPM2_ALG_ECDSA, TPM2_ALG_NULL);
        header_case(TPM2_ALG_ECDSA, TPM2_ALG_SM3_256);
}

/* A signature of scheme alg whose parts are first (and second, for ECDSA) bytes long. */
static int parse_sized(uint16_t alg, size_t first, size_t second) {
        static const uint8_t z[TPM2_RSA_SIGNATURE_SIZE_MAX + 1] = { 1 };
        TestBuf b = {};
        Tpm2Signature s;

        tb_be16(&b, alg);
        tb_be16(&b, TPM2_ALG_SHA256);
        tb_tpm2b(&b, z, first);
        if (alg == TPM2_ALG_ECDSA)
                tb_tpm2b(&b, z, second);
        return tpm2_signature_parse(b.data, b.size, &s);
}

static void test_limit_rsa_signature(void **state) {
        assert_int_equal(parse_sized(TPM2_ALG_RSASSA, TPM2_RSA_SIGNATURE_SIZE_MAX, 0), 0);
        assert_int_equal(parse_sized(TPM2_ALG_RSASSA, TPM2_RSA_SIGNATURE_SIZE_MAX + 1, 0), -EBADMSG);
}

static void test_reject_empty_rsa_signature(void **state) {
        static const uint8_t b[] = { 0x00, 0x14, 0x00, 0x0b, 0x00, 0x00 };
        Tpm2Signature s;
        assert_int_equal(tpm2_signature_parse(b, sizeof(b), &s), -EBADMSG);
}

static void test_limit_ecc_parameter(void **state) {
        assert_int_equal(parse_sized(TPM2_ALG_ECDSA, TPM2_ECC_PARAMETER_SIZE_MAX, TPM2_ECC_PARAMETER_SIZE_MAX), 0);
        assert_int_equal(parse_sized(TPM2_ALG_ECDSA, TPM2_ECC_PARAMETER_SIZE_MAX + 1, 1), -EBADMSG);
        assert_int_equal(parse_sized(TPM2_ALG_ECDSA, TPM2_ECC_PARAMETER_SIZE_MAX, TPM2_ECC_PARAMETER_SIZE_MAX + 1), -EBADMSG);
}

static void test_reject_empty_ecc_parameter(void **state) {
        static const uint8_t b[] = { 0x00, 0x18, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x01, 0x01 };
        Tpm2Signature s;
        assert_int_equal(tpm2_signature_parse(b, sizeof(b), &s), -EBADMSG);
}

static void test_limit_signature_size(void **state) {
        uint8_t big[TPM2_SIGNATURE_SIZE_MAX + 1] = { 0x00, 0x14, 0x00, 0x0b };
        Tpm2Signature s;
        assert_int_equal(tpm2_signature_parse(big, sizeof(big), &s), -EBADMSG);
}

static void test_sig_alg_names(void **state) {
        uint16_t a;
        assert_string_equal(tpm2_sig_alg_to_string(TPM2_ALG_RSAPSS), "rsapss");
        assert_null(tpm2_sig_alg_to_string(TPM2_ALG_HMAC));
        assert_int_equal(tpm2_sig_alg_from_string("ECDSA", &a), 0);
        assert_int_equal(a, TPM2_ALG_ECDSA);
        assert_int_equal(tpm2_sig_alg_from_string("rsa", &a), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_signature),
                cmocka_unit_test(test_rsa_schemes),
                cmocka_unit_test(test_ecdsa_curves),
                cmocka_unit_test(test_key_type_mismatch),
                cmocka_unit_test(test_reject_truncated),
                cmocka_unit_test(test_reject_trailing),
                cmocka_unit_test(test_reject_unknown_scheme),
                cmocka_unit_test(test_reject_unknown_hash),
                cmocka_unit_test(test_limit_rsa_signature),
                cmocka_unit_test(test_reject_empty_rsa_signature),
                cmocka_unit_test(test_limit_ecc_parameter),
                cmocka_unit_test(test_reject_empty_ecc_parameter),
                cmocka_unit_test(test_limit_signature_size),
                cmocka_unit_test(test_sig_alg_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
