/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http-client.h"
#include "attest-limits.h"

static bool header(const char *line, const char *name, char *out, size_t out_size) {
        const char *v;
        size_t len;

        if (!http_header_value(line, strlen(line), name, &v, &len))
                return false;
        assert_true(len < out_size);
        memcpy(out, v, len);
        out[len] = 0;
        return true;
}

static void test_header_value(void **state) {
        char v[64];

        assert_true(header("Location: /v3.0/agents/a/attestations/0\r\n", "Location", v, sizeof v));
        assert_string_equal(v, "/v3.0/agents/a/attestations/0");
        assert_true(header("location:\t/x \r\n", "Location", v, sizeof v));
        assert_string_equal(v, "/x");
        assert_true(header("RETRY-AFTER: 5\n", "Retry-After", v, sizeof v));
        assert_string_equal(v, "5");
        assert_true(header("Location:\r\n", "Location", v, sizeof v));
        assert_string_equal(v, "");
}

static void test_header_other(void **state) {
        char v[64];

        assert_false(header("Locations: /x\r\n", "Location", v, sizeof v));
        assert_false(header("Content-Location: /x\r\n", "Location", v, sizeof v));
        assert_false(header("Location /x\r\n", "Location", v, sizeof v));
        assert_false(header("Loc", "Location", v, sizeof v));
        assert_false(header("HTTP/1.1 201 Created\r\n", "Location", v, sizeof v));
        assert_false(header("\r\n", "Location", v, sizeof v));
}

static void test_retry_after(void **state) {
        uint64_t s = 7;

        assert_int_equal(http_parse_retry_after("120", 3, &s), 0);
        assert_int_equal(s, 120);
        assert_int_equal(http_parse_retry_after("0", 1, &s), 0);
        assert_int_equal(s, 0);
}

static void test_retry_after_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "-1",
                "+5",
                " 5",
                "5s",
                "1.5",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "99999999999999999999",         /* overflow */
                "123456789012345",              /* too long for a delta */
        };
        uint64_t s = 7;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(http_parse_retry_after(bad[i], strlen(bad[i]), &s), -EINVAL);
                assert_int_equal(s, 7);
        }
}

static void test_retry_after_limit(void **state) {
        char text[32];
        uint64_t s = 7;

        snprintf(text, sizeof text, "%u", HTTP_RETRY_AFTER_MAX_SEC);
        assert_int_equal(http_parse_retry_after(text, strlen(text), &s), 0);
        assert_int_equal(s, HTTP_RETRY_AFTER_MAX_SEC);
        snprintf(text, sizeof text, "%u", HTTP_RETRY_AFTER_MAX_SEC + 1);
        assert_int_equal(http_parse_retry_after(text, strlen(text), &s), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_value),
                cmocka_unit_test(test_header_other),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_retry_after_invalid),
                cmocka_unit_test(test_retry_after_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
