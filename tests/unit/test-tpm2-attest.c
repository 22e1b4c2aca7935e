/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "hexdecode.h"
#include "test-data.h"
#include "tpm2-attest.h"
#include "tpm2-test-attest.h"

static void test_keylime_quote(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t nonce[20];
        Tpm2Attest a;
        size_t n;

        test_data_read("tpm/keylime/files/quote.out", &buf, &n);
        assert_int_equal(tpm2_attest_parse(buf, n, &a), 0);
        assert_int_equal(a.magic, TPM2_GENERATED_VALUE);
        assert_int_equal(a.type, TPM2_ST_ATTEST_QUOTE);
        assert_int_equal(a.qualified_signer_size, 34);
        assert_int_equal(hex_decode_into("db1db298db6d60e6385b7231743e9c3056a18003", 40, nonce, sizeof(nonce)), 0);
        assert_int_equal(a.extra_data_size, 20);
        assert_memory_equal(a.extra_data, nonce, 20);
        assert_int_equal(a.clock_info.clock, 5994);
        assert_int_equal(a.clock_info.reset_count, 0);
        assert_int_equal(a.clock_info.restart_count, 0);
        assert_true(a.clock_info.safe);
        assert_int_equal(a.firmware_version, UINT64_C(0x2016051100162800));
        assert_int_equal(a.quote.pcr_select.count, 1);
        assert_int_equal(a.quote.pcr_select.banks[0].hash_alg, TPM2_ALG_SHA256);
        assert_int_equal(a.quote.pcr_select.banks[0].mask, (1u << 15) | (1u << 16) | (1u << 22));
        assert_int_equal(a.quote.pcr_digest_size, 32);
}

static void test_certify(void **state) {
        static const uint8_t name[34] = { 0x00, 0x0b, 9, 8, 7 };
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_certify(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY, (const uint8_t *) "challenge", 9, name, sizeof(name));
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), 0);
        assert_int_equal(a.type, TPM2_ST_ATTEST_CERTIFY);
        assert_int_equal(a.certify.name_size, sizeof(name));
        assert_memory_equal(a.certify.name, name, sizeof(name));
        assert_int_equal(a.clock_info.reset_count, 7);
        assert_int_equal(a.clock_info.restart_count, 3);
}

static void test_magic_kept(void **state) {
        uint8_t d[32] = {};
        TestBuf b = {};
        Tpm2Attest a;

        /* A wrong magic parses: rejecting it is a verdict of the verifier. */
        test_attest_quote(&b, 0x12345678, TPM2_ST_ATTEST_QUOTE, NULL, 0, TPM2_ALG_SHA256, 1, d, 32);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), 0);
        assert_int_equal(a.magic, 0x12345678);
}

static void test_reject_truncated(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        Tpm2Attest a;
        size_t n;

        test_data_read("tpm/keylime/files/quote.out", &buf, &n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(tpm2_attest_parse(buf, i, &a), -EBADMSG);
}

static void test_reject_trailing(void **state) {
        uint8_t d[32] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, NULL, 0, TPM2_ALG_SHA256, 1, d, 32);
        tb_u8(&b, 0);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_reject_unknown_type(void **state) {
        uint8_t d[32] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_TIME, NULL, 0, TPM2_ALG_SHA256, 1, d, 32);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_limit_extra_data(void **state) {
        uint8_t d[32] = {}, extra[TPM2_DATA_SIZE_MAX + 1] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, extra, TPM2_DATA_SIZE_MAX, TPM2_ALG_SHA256, 1, d, 32);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), 0);
        b.size = 0;
        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, extra, sizeof(extra), TPM2_ALG_SHA256, 1, d, 32);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_limit_qualified_signer(void **state) {
        uint8_t name[TPM2_NAME_SIZE_MAX + 1] = {};
        TestBuf b = {};
        Tpm2Attest a;

        tb_be32(&b, TPM2_GENERATED_VALUE);
        tb_be16(&b, TPM2_ST_ATTEST_CERTIFY);
        tb_tpm2b(&b, name, sizeof(name));
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_limit_certified_name(void **state) {
        uint8_t name[TPM2_NAME_SIZE_MAX + 1] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_certify(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY, NULL, 0, name, TPM2_NAME_SIZE_MAX);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), 0);
        b.size = 0;
        test_attest_certify(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_CERTIFY, NULL, 0, name, sizeof(name));
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_reject_safe_not_boolean(void **state) {
        uint8_t d[32] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, NULL, 0, TPM2_ALG_SHA256, 1, d, 32);
        /* magic 4, type 2, signer 2+34, extra 2, clock 8, reset 4, restart 4 → safe */
        b.data[4 + 2 + 36 + 2 + 16] = 2;
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

/* A quote header followed by a hand-made selection. */
static void selection_case(uint32_t count, uint16_t bank, uint8_t size_of_select, int expect) {
        uint8_t d[32] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_header(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, NULL, 0);
        tb_be32(&b, count);
        for (uint32_t i = 0; i < count; i++) {
                tb_be16(&b, bank);
                tb_u8(&b, size_of_select);
                for (uint8_t j = 0; j < size_of_select; j++)
                        tb_u8(&b, 0xff);
        }
        tb_tpm2b(&b, d, 32);
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), expect);
}

static void test_limit_pcr_selections(void **state) {
        selection_case(TPM2_PCR_SELECTIONS_MAX, TPM2_ALG_SHA256, 3, 0);
        selection_case(TPM2_PCR_SELECTIONS_MAX + 1, TPM2_ALG_SHA256, 3, -EBADMSG);
}

static void test_limit_pcr_select_size(void **state) {
        selection_case(1, TPM2_ALG_SHA256, TPM2_PCR_SELECT_SIZE_MAX, 0);
        selection_case(1, TPM2_ALG_SHA256, TPM2_PCR_SELECT_SIZE_MAX + 1, -EBADMSG);
}

static void test_reject_unknown_bank(void **state) {
        selection_case(1, 0x0010, 3, -EBADMSG);
}

static void test_limit_pcr_digest(void **state) {
        uint8_t d[TPM2_DIGEST_SIZE_MAX + 1] = {};
        TestBuf b = {};
        Tpm2Attest a;

        test_attest_quote(&b, TPM2_GENERATED_VALUE, TPM2_ST_ATTEST_QUOTE, NULL, 0, TPM2_ALG_SHA256, 1, d, sizeof(d));
        assert_int_equal(tpm2_attest_parse(b.data, b.size, &a), -EBADMSG);
}

static void test_limit_attest_size(void **state) {
        uint8_t big[TPM2_ATTEST_SIZE_MAX + 1] = {};
        Tpm2Attest a;
        assert_int_equal(tpm2_attest_parse(big, sizeof(big), &a), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_quote),
                cmocka_unit_test(test_certify),
                cmocka_unit_test(test_magic_kept),
                cmocka_unit_test(test_reject_truncated),
                cmocka_unit_test(test_reject_trailing),
                cmocka_unit_test(test_reject_unknown_type),
                cmocka_unit_test(test_limit_extra_data),
                cmocka_unit_test(test_limit_qualified_signer),
                cmocka_unit_test(test_limit_certified_name),
                cmocka_unit_test(test_reject_safe_not_boolean),
                cmocka_unit_test(test_limit_pcr_selections),
                cmocka_unit_test(test_limit_pcr_select_size),
                cmocka_unit_test(test_reject_unknown_bank),
                cmocka_unit_test(test_limit_pcr_digest),
                cmocka_unit_test(test_limit_attest_size),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
