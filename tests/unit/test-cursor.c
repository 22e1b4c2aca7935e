/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cursor.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

static void test_cursor_endianness(void **state) {
        size_t o = 0;
        uint16_t v16;
        uint32_t v32;
        uint64_t v64;

        assert_int_equal(cursor_read_be16(bytes, sizeof bytes, &o, &v16), 0);
        assert_int_equal(v16, 0x0102);
        o = 0;
        assert_int_equal(cursor_read_le16(bytes, sizeof bytes, &o, &v16), 0);
        assert_int_equal(v16, 0x0201);
        o = 0;
        assert_int_equal(cursor_read_be32(bytes, sizeof bytes, &o, &v32), 0);
        assert_int_equal(v32, 0x01020304);
        o = 0;
        assert_int_equal(cursor_read_le32(bytes, sizeof bytes, &o, &v32), 0);
        assert_int_equal(v32, 0x04030201);
        o = 1;
        assert_int_equal(cursor_read_be64(bytes, sizeof bytes, &o, &v64), 0);
        assert_true(v64 == 0x0203040506070809ULL);
        assert_int_equal(o, 9);
        o = 1;
        assert_int_equal(cursor_read_le64(bytes, sizeof bytes, &o, &v64), 0);
        assert_true(v64 == 0x0908070605040302ULL);
}

static void test_cursor_no_advance_on_short(void **state) {
        size_t o = 6;
        uint32_t v32;
        uint64_t v64;
        const uint8_t *span;

        assert_int_equal(cursor_read_be32(bytes, sizeof bytes, &o, &v32), -EBADMSG);
        assert_int_equal(o, 6);
        o = 2;
        assert_int_equal(cursor_read_be64(bytes, sizeof bytes, &o, &v64), -EBADMSG);
        assert_int_equal(o, 2);
        assert_int_equal(cursor_read_span(bytes, sizeof bytes, &o, SIZE_MAX, &span), -EBADMSG);
        assert_int_equal(o, 2);
        o = 100; /* an offset past the end never reads */
        assert_int_equal(cursor_skip(sizeof bytes, &o, 0), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cursor_endianness),
                cmocka_unit_test(test_cursor_no_advance_on_short),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
