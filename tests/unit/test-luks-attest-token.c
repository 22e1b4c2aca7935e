/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "luks-attest-token.h"
#include "secret-name.h"

static void test_secret_names(void **state) {
        char longest[SECRET_NAME_MAX + 2];

        assert_true(secret_name_is_valid("root-disk"));
        assert_true(secret_name_is_valid("a"));
        assert_true(secret_name_is_valid("disk_2.key"));
        assert_false(secret_name_is_valid(NULL));
        assert_false(secret_name_is_valid(""));
        assert_false(secret_name_is_valid(".hidden"));
        assert_false(secret_name_is_valid("a/b"));
        assert_false(secret_name_is_valid("a b"));
        assert_false(secret_name_is_valid("é"));
        assert_false(secret_name_is_valid("x\""));
        memset(longest, 'k', SECRET_NAME_MAX);
        longest[SECRET_NAME_MAX] = 0;
        assert_true(secret_name_is_valid(longest));
        longest[SECRET_NAME_MAX] = 'k';
        longest[SECRET_NAME_MAX + 1] = 0;
        assert_false(secret_name_is_valid(longest));
}

static void test_parse_full(void **state) {
        LuksAttestToken t;

        assert_int_equal(luks_attest_token_parse(
                "{\"type\":\"attest\",\"keyslots\":[\"1\",\"3\"],\"attest-secret\":\"root-disk\","
                "\"attest-timeout\":5}", &t), 0);
        assert_string_equal(t.secret, "root-disk");
        assert_int_equal(t.timeout_sec, 5);
        assert_int_equal(t.n_keyslots, 2);
}

static void test_parse_default_timeout(void **state) {
        LuksAttestToken t;

        assert_int_equal(luks_attest_token_parse(
                "{\"type\":\"attest\",\"keyslots\":[\"0\"],\"attest-secret\":\"s\"}", &t), 0);
        assert_int_equal(t.timeout_sec, LUKS_ATTEST_TOKEN_TIMEOUT_DEFAULT);
}

static void expect_parse(const char *json, int error) {
        LuksAttestToken t = { .timeout_sec = 4242 };

        assert_int_equal(luks_attest_token_parse(json, &t), error);
        assert_int_equal(t.timeout_sec, 4242);   /* untouched on failure */
}

static void test_malformed(void **state) {
        expect_parse("", -EBADMSG);
        expect_parse("{\"type\":", -EBADMSG);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":\"s\"} x", -EBADMSG);
        expect_parse("[]", -EINVAL);
        expect_parse("{\"keyslots\":[\"1\"],\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"systemd-tpm2\",\"keyslots\":[\"1\"],\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[],\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[1],\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"-1\"],\"attest-secret\":\"s\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"]}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":7}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":\"a/b\"}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":\"s\",\"attest-timeout\":0}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":\"s\",\"attest-timeout\":3601}", -EINVAL);
        expect_parse("{\"type\":\"attest\",\"keyslots\":[\"1\"],\"attest-secret\":\"s\",\"attest-timeout\":\"5\"}", -EINVAL);
}

static void test_too_many_keyslots(void **state) {
        char json[1024] = "{\"type\":\"attest\",\"attest-secret\":\"s\",\"keyslots\":[";

        for (unsigned i = 0; i <= LUKS_TOKEN_KEYSLOTS_MAX; i++)
                strcat(json, i ? ",\"1\"" : "\"1\"");
        strcat(json, "]}");
        expect_parse(json, -EINVAL);
}

static void test_too_large(void **state) {
        size_t n = LUKS_TOKEN_JSON_MAX + 1;
        char *json = malloc(n + 1);

        assert_non_null(json);
        memset(json, ' ', n);
        json[0] = '{';
        json[n - 1] = '}';
        json[n] = 0;
        expect_parse(json, -E2BIG);
        free(json);
}

static void test_format_round_trip(void **state) {
        char *json = NULL;
        LuksAttestToken t;

        assert_int_equal(luks_attest_token_format("root-disk", 2, 30, &json), 0);
        assert_string_equal(json, "{\"type\":\"attest\",\"keyslots\":[\"2\"],"
                            "\"attest-secret\":\"root-disk\",\"attest-timeout\":30}");
        assert_int_equal(luks_attest_token_parse(json, &t), 0);
        assert_string_equal(t.secret, "root-disk");
        free(json);
        assert_int_equal(luks_attest_token_format("a\"b", 2, 30, &json), -EINVAL);
        assert_int_equal(luks_attest_token_format("s", -1, 30, &json), -EINVAL);
        assert_int_equal(luks_attest_token_format("s", 1, 0, &json), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_secret_names),
                cmocka_unit_test(test_parse_full),
                cmocka_unit_test(test_parse_default_timeout),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_too_many_keyslots),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_format_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
