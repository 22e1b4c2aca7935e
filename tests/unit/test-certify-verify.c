/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "certify-verify.h"
#include "test-data.h"
#include "tpm2-public.h"
#include "tpm2-test-attest.h"

/* The session proof of possession: the AK certifies itself over a challenge. */
typedef struct Case {
        EVP_PKEY *ak;
        Tpm2Public *pub;
        uint8_t challenge[16];
        TestBuf attest, sig;
} Case;

static Case *make_case(uint32_t magic, uint16_t type) {
        Case *c = calloc(1, sizeof(*c));
        uint8_t buf[1200];
        TPMT_PUBLIC t;

        c->ak = test_key_ec("prime256v1");
        test_tpmt_from_key(c->ak, false, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &t);
        assert_int_equal(tpm2_public_parse(buf, test_marshal_tpm2b_public(&t, buf), &c->pub), 0);
        memset(c->challenge, 0x5a, sizeof(c->challenge));
        test_attest_certify(&c->attest, magic, type, c->challenge, sizeof(c->challenge), c->pub->name, c->pub->name_size);
        test_sign(c->ak, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, c->attest.data, c->attest.size, &c->sig);
        return c;
}

static void free_case(Case *c) {
        EVP_PKEY_free(c->ak);
        tpm2_public_free(c->pub);
        free(c);
}

static AttestVerdict run(Case *c, const uint8_t *name, size_t name_size, const uint8_t *extra, size_t extra_size) {
        CertifyVerifyParams p = {
                .signer = c->ak,
                .name = name,
                .name_size = name_size,
                .extra_data = extra,
                .extra_data_size = extra_size,
        };
        AttestVerdict v;
        Tpm2Attest a;

        assert_int_equal(certify_verify(&p, c->attest.data, c->attest.size, c->sig.data, c->sig.size, &v, &a), 0);
        if (v == ATTEST_VALID)
                assert_int_equal(a.clock_info.clock, 123456);
        return v;
}

static void test_valid(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        assert_int_equal(run(c, c->pub->name, c->pub->name_size, c->challenge, 16), ATTEST_VALID);
        free_case(c);
}

static void test_name_mismatch(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        uint8_t other[TPM2_NAME_SIZE_MAX];
        memcpy(other, c->pub->name, c->pub->name_size);
        other[10] ^= 1;
        assert_int_equal(run(c, other, c->pub->name_size, c->challenge, 16), ATTEST_NAME_MISMATCH);
        assert_int_equal(run(c, other, c->pub->name_size - 1, c->challenge, 16), ATTEST_NAME_MISMATCH);
        free_case(c);
}

static void test_extra_data_mismatch(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        uint8_t other[16];
        memcpy(other, c->challenge, 16);
        other[0] ^= 1;
        assert_int_equal(run(c, c->pub->name, c->pub->name_size, other, 16), ATTEST_NONCE_MISMATCH);
        free_case(c);
}

static void test_not_tpm_generated(void **state) {
        Case *c = make_case(0, TPM2_ST_ATTEST_CERTIFY);
        assert_int_equal(run(c, c->pub->name, c->pub->name_size, c->challenge, 16), ATTEST_NOT_TPM_GENERATED);
        free_case(c);
}

static void test_wrong_type(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        uint8_t d[32] = {};
        c->attest.size = 0;
        test_attest_quote(&c->attest, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, c->challenge, 16, TPM2_ALG_SHA256, 1, d, 32);
        test_sign(c->ak, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, c->attest.data, c->attest.size, &c->sig);
        assert_int_equal(run(c, c->pub->name, c->pub->name_size, c->challenge, 16), ATTEST_WRONG_TYPE);
        free_case(c);
}

static void test_bad_signature(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        c->attest.data[c->attest.size - 1] ^= 1;
        assert_int_equal(run(c, c->pub->name, c->pub->name_size, c->challenge, 16), ATTEST_BAD_SIGNATURE);
        free_case(c);
}

/* A self-certification by a P-256 AK on swtpm (tests/data/tpm/swtpm/generate.sh);
 * tpm2_certify puts its fixed qualifying data 00ff55aa. */
static void test_swtpm_certify(void **state) {
        _cleanup_free_ uint8_t *akbuf = NULL, *msg = NULL, *sig = NULL, *name = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *pub = NULL;
        size_t a, m, s, n;
        AttestVerdict v;
        EVP_PKEY *ak;

        test_data_read("tpm/swtpm/ak-p256.pub", &akbuf, &a);
        test_data_read("tpm/swtpm/ak-p256.name", &name, &n);
        test_data_read("tpm/swtpm/certify-p256.msg", &msg, &m);
        test_data_read("tpm/swtpm/certify-p256.sig", &sig, &s);
        assert_int_equal(tpm2_public_parse(akbuf, a, &pub), 0);
        assert_int_equal(pub->name_size, n);
        assert_memory_equal(pub->name, name, n);
        assert_int_equal(tpm2_public_to_evp_pkey(pub, &ak), 0);

        CertifyVerifyParams p = { .signer = ak, .name = pub->name, .name_size = pub->name_size,
                                  .extra_data = (const uint8_t *) "\x00\xff\x55\xaa", .extra_data_size = 4 };
        assert_int_equal(certify_verify(&p, msg, m, sig, s, &v, NULL), 0);
        assert_int_equal(v, ATTEST_VALID);
        p.extra_data = (const uint8_t *) "x";
        p.extra_data_size = 1;
        assert_int_equal(certify_verify(&p, msg, m, sig, s, &v, NULL), 0);
        assert_int_equal(v, ATTEST_NONCE_MISMATCH);
        EVP_PKEY_free(ak);
}

static void test_unusable(void **state) {
        Case *c = make_case(TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY);
        CertifyVerifyParams p = { .signer = c->ak, .name = c->pub->name, .name_size = c->pub->name_size };
        AttestVerdict v;
        assert_int_equal(certify_verify(&p, c->attest.data, c->attest.size - 1, c->sig.data, c->sig.size, &v, NULL), -EBADMSG);
        assert_int_equal(certify_verify(&p, c->attest.data, c->attest.size, c->sig.data, 3, &v, NULL), -EBADMSG);
        p.signer = NULL;
        assert_int_equal(certify_verify(&p, c->attest.data, c->attest.size, c->sig.data, c->sig.size, &v, NULL), -EINVAL);
        free_case(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_name_mismatch),
                cmocka_unit_test(test_extra_data_mismatch),
                cmocka_unit_test(test_not_tpm_generated),
                cmocka_unit_test(test_wrong_type),
                cmocka_unit_test(test_bad_signature),
                cmocka_unit_test(test_swtpm_certify),
                cmocka_unit_test(test_unusable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
