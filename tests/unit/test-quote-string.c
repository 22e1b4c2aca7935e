/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tss2/tss2_tpm2_types.h>

#include "pcr-blob.h"
#include "quote-string.h"
#include "test-data.h"
#include "tpm2-attest.h"
#include "tpm2-signature.h"

static void test_rust_keylime_quote(void **state) {
        _cleanup_free_ uint8_t *text = NULL;
        _cleanup_free_ char *again = NULL;
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v));
        _cleanup_(quote_parts_done) QuoteParts q = {};
        Tpm2Signature s;
        Tpm2Attest a;
        size_t n;

        test_data_read("tpm/rust-keylime/test-quote.txt", &text, &n);
        while (n > 0 && text[n - 1] == '\n')
                n--;
        assert_int_equal(quote_string_parse((const char *) text, n, &q), 0);
        assert_int_equal(tpm2_attest_parse(q.attest, q.attest_size, &a), 0);
        assert_int_equal(a.type, TPM2_ST_ATTEST_QUOTE);
        assert_int_equal(tpm2_signature_parse(q.signature, q.signature_size, &s), 0);
        assert_int_equal(s.sig_alg, TPM2_ALG_RSASSA);
        assert_int_equal(pcr_blob_parse(q.pcr_blob, q.pcr_blob_size, v), 0);
        assert_true(pcr_selection_equal(&a.quote.pcr_select, &v->selection));

        assert_int_equal(quote_string_format(&q, &again), 0);
        assert_int_equal(strlen(again), n);
        assert_memory_equal(again, text, n);
}

static int parse(const char *s) {
        _cleanup_(quote_parts_done) QuoteParts q = {};
        return quote_string_parse(s, strlen(s), &q);
}

static void test_minimal(void **state) {
        assert_int_equal(parse("rAA==:AQ==:Ag=="), 0);
}

static void test_reject_prefix(void **state) {
        assert_int_equal(parse(""), -EBADMSG);
        assert_int_equal(parse("AA==:AQ==:Ag=="), -EBADMSG);
        assert_int_equal(parse("RAA==:AQ==:Ag=="), -EBADMSG);
}

static void test_reject_field_count(void **state) {
        assert_int_equal(parse("rAA=="), -EBADMSG);
        assert_int_equal(parse("rAA==:AQ=="), -EBADMSG);
        assert_int_equal(parse("rAA==:AQ==:Ag==:Aw=="), -EBADMSG);
}

static void test_reject_empty_field(void **state) {
        assert_int_equal(parse("r:AQ==:Ag=="), -EBADMSG);
        assert_int_equal(parse("rAA==::Ag=="), -EBADMSG);
        assert_int_equal(parse("rAA==:AQ==:"), -EBADMSG);
}

static void test_reject_bad_base64(void **state) {
        assert_int_equal(parse("rA*==:AQ==:Ag=="), -EBADMSG);
        assert_int_equal(parse("rAA==:AQ==:Ag==\n"), -EBADMSG);
}

static void test_limit_size(void **state) {
        _cleanup_free_ char *s = malloc(QUOTE_STRING_SIZE_MAX + 2);
        QuoteParts q = {};

        /* At the limit: 13 characters of prefix, the rest one base64 field (length 3 mod 4). */
        memset(s, 'A', QUOTE_STRING_SIZE_MAX + 1);
        memcpy(s, "rAAAA:AAAAAA:", 13);
        assert_int_equal(quote_string_parse(s, QUOTE_STRING_SIZE_MAX, &q), 0);
        quote_parts_done(&q);
        /* One more (length 2 mod 4, still valid base64) is over it. */
        memcpy(s, "rAAAA:AAAA:", 11);
        assert_int_equal(quote_string_parse(s, QUOTE_STRING_SIZE_MAX + 1, &q), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rust_keylime_quote),
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_reject_prefix),
                cmocka_unit_test(test_reject_field_count),
                cmocka_unit_test(test_reject_empty_field),
                cmocka_unit_test(test_reject_bad_base64),
                cmocka_unit_test(test_limit_size),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
