/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "macro.h"

static void test_escape_plain_unchanged(void **state) {
        char out[64];

        assert_int_equal(escape_control("GET /v3.0/agents/node-1 ü", out, sizeof out), strlen("GET /v3.0/agents/node-1 ü"));
        assert_string_equal(out, "GET /v3.0/agents/node-1 ü");
}

static void test_escape_forged_line(void **state) {
        char out[128];

        (void) escape_control("/admin/x\nNode node-1 activated its credential.\r\t\x1b[2J\x7f", out, sizeof out);
        assert_string_equal(out, "/admin/x\\x0aNode node-1 activated its credential.\\x0d\\x09\\x1b[2J\\x7f");
        assert_null(strchr(out, '\n'));
}

static void test_escape_truncates_whole_escapes(void **state) {
        char out[7];

        /* "ab" then an escape of four bytes does not fit in the six left: it is dropped whole. */
        assert_int_equal(escape_control("ab\ncd", out, 6), 2);
        assert_string_equal(out, "ab");
        assert_int_equal(escape_control("ab\ncd", out, sizeof out), 6);
        assert_string_equal(out, "ab\\x0a");
        assert_int_equal(escape_control("abcdefgh", out, sizeof out), 6);
        assert_string_equal(out, "abcdef");
        assert_int_equal(escape_control("", out, 1), 0);
        assert_string_equal(out, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape_plain_unchanged),
                cmocka_unit_test(test_escape_forged_line),
                cmocka_unit_test(test_escape_truncates_whole_escapes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
