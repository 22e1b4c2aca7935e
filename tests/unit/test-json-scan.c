/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "json-scan.h"
#include "macro.h"

static JsonScan scan(const char *s) {
        return (JsonScan) { s, s + strlen(s) };
}

static int skip_all(const char *text) {
        JsonScan s = scan(text);
        int r = json_scan_skip_value(&s, NULL, NULL);
        if (r < 0)
                return r;
        return json_scan_at_end(&s) ? 0 : -EBADMSG;
}

static void test_strings(void **state) {
        char buf[16];
        size_t n;
        JsonScan s;

        s = scan(" \"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\" ");
        assert_int_equal(json_scan_string(&s, buf, sizeof buf - 1, &n), 0);
        assert_int_equal(n, 13);
        assert_memory_equal(buf, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80", 14);
        assert_true(json_scan_at_end(&s));

        s = scan("\"0123456789\"");
        assert_int_equal(json_scan_string(&s, buf, 9, &n), -E2BIG);
        s = scan("\"0123456789\"");
        assert_int_equal(json_scan_string(&s, buf, 10, &n), 0);
        s = scan("\"0123456789\",");
        assert_int_equal(json_scan_string(&s, NULL, 0, &n), 0);   /* skipped, length told */
        assert_int_equal(n, 10);
        assert_true(json_scan_take(&s, ','));

        s = scan("\"\\u0000\"");
        assert_int_equal(json_scan_string(&s, buf, 15, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(buf[0], 0);
}

static void test_bad_strings(void **state) {
        static const char *const bad[] = {
                "x",                   /* no quote */
                "\"abc",               /* unterminated */
                "\"a\nb\"",            /* raw control byte */
                "\"\\x\"",             /* unknown escape */
                "\"\\",                /* escape at the end */
                "\"\\u12\"",           /* short \u */
                "\"\\u12g4\"",         /* not hex */
                "\"\\udc00\"",         /* lone low surrogate */
                "\"\\ud800\"",         /* high surrogate alone */
                "\"\\ud800\\u0041\"",  /* high surrogate, no low */
        };
        char buf[16];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                JsonScan s = scan(bad[i]);
                if (json_scan_string(&s, buf, sizeof buf - 1, NULL) != -EBADMSG)
                        fail_msg("accepted %s", bad[i]);
        }
}

static void test_values(void **state) {
        static const char *const good[] = {
                "0", "-0", "12", "-1.5e+3", "1E9", "0.25", "true", "false", "null", "\"s\"", "[]", "{}",
                " [1, [2, {\"a\": [null]}], \"x\"] ", "{\"a\":1,\"b\":{\"c\":[true,false]}}",
        };
        static const char *const bad[] = {
                "", "01", "-", "1.", ".5", "1e", "1e+", "+1", "tru", "nul", "[1,]", "[1 2]", "{\"a\"}",
                "{\"a\":}", "{1:2}", "{\"a\":1,}", "[", "{", "]", "[1}", "\"a",
        };
        const char *start, *end;

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (skip_all(good[i]) != 0)
                        fail_msg("refused %s", good[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (skip_all(bad[i]) == 0)
                        fail_msg("accepted %s", bad[i]);

        JsonScan s = scan("  {\"a\": [1, 2]} , 3");
        assert_int_equal(json_scan_skip_value(&s, &start, &end), 0);
        assert_int_equal(end - start, 13);
        assert_memory_equal(start, "{\"a\": [1, 2]}", 13);
}

static void test_depth_limit(void **state) {
        char deep[2 * JSON_SCAN_DEPTH_MAX + 8];
        size_t n = JSON_SCAN_DEPTH_MAX + 1;

        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = 0;
        assert_int_equal(skip_all(deep), 0);
        n++;
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = 0;
        assert_int_equal(skip_all(deep), -E2BIG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_bad_strings),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_depth_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
