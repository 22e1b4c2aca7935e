/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "parse-util.h"

static void test_safe_atou64(void **state) {
        uint64_t v;
        assert_int_equal(safe_atou64("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(safe_atou64("18446744073709551615", &v), 0);
        assert_true(v == UINT64_MAX);
        assert_int_equal(safe_atou64("18446744073709551616", &v), -ERANGE);
        assert_int_equal(safe_atou64("", &v), -EINVAL);
        assert_int_equal(safe_atou64("-1", &v), -EINVAL);
        assert_int_equal(safe_atou64(" 1", &v), -EINVAL);
        assert_int_equal(safe_atou64("1 ", &v), -EINVAL);
        assert_int_equal(safe_atou64("0x10", &v), -EINVAL);
}

static void test_safe_atou32_16(void **state) {
        uint32_t v32;
        uint16_t v16;
        assert_int_equal(safe_atou32("4294967295", &v32), 0);
        assert_int_equal(safe_atou32("4294967296", &v32), -ERANGE);
        assert_int_equal(safe_atou16("65535", &v16), 0);
        assert_int_equal(v16, 65535);
        assert_int_equal(safe_atou16("65536", &v16), -ERANGE);
}

static void test_safe_atoi64(void **state) {
        int64_t v;
        assert_int_equal(safe_atoi64("-9223372036854775808", &v), 0);
        assert_true(v == INT64_MIN);
        assert_int_equal(safe_atoi64("9223372036854775808", &v), -ERANGE);
        assert_int_equal(safe_atoi64("-", &v), -EINVAL);
}

static void test_parse_boolean(void **state) {
        bool b;
        assert_int_equal(parse_boolean("Yes", &b), 0);
        assert_true(b);
        assert_int_equal(parse_boolean("off", &b), 0);
        assert_false(b);
        assert_int_equal(parse_boolean("maybe", &b), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_safe_atou64),
                cmocka_unit_test(test_safe_atou32_16),
                cmocka_unit_test(test_safe_atoi64),
                cmocka_unit_test(test_parse_boolean),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
