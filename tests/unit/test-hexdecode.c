/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "macro.h"

static void test_hex_roundtrip(void **state) {
        static const uint8_t data[] = { 0x00, 0x01, 0xab, 0xff };
        _cleanup_free_ char *s = hex_encode(data, sizeof data);
        _cleanup_free_ uint8_t *back = NULL;
        size_t n;

        assert_string_equal(s, "0001abff");
        assert_int_equal(hex_decode("0001ABff", 8, &back, &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(back, data, 4);
}

static void test_hex_rejects_odd_length(void **state) {
        uint8_t *p = NULL;
        assert_int_equal(hex_decode("abc", 3, &p, NULL), -EINVAL);
        assert_null(p);
}

static void test_hex_rejects_non_hex(void **state) {
        uint8_t *p = NULL;
        assert_int_equal(hex_decode("zz", 2, &p, NULL), -EINVAL);
        assert_int_equal(hex_decode("0 ", 2, &p, NULL), -EINVAL);
        assert_null(p);
}

static void test_hex_decode_into_wrong_size(void **state) {
        uint8_t buf[2];
        assert_int_equal(hex_decode_into("001122", 6, buf, sizeof buf), -EINVAL);
        assert_int_equal(hex_decode_into("0011", 4, buf, sizeof buf), 0);
}

/* Every byte value at every position of a word decoded eight digits at a
 * time and of the tail after it, against a digit-by-digit reference. */
static int ref_digit(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

static void test_hex_decode_into_every_byte(void **state) {
        char s[10];
        uint8_t buf[5];

        for (size_t pos = 0; pos < sizeof s; pos++)
                for (int c = 0; c < 256; c++) {
                        memcpy(s, "9aF0b1C2d3", sizeof s);
                        s[pos] = (char) c;
                        int r = hex_decode_into(s, sizeof s, buf, sizeof buf);
                        if (ref_digit(c) < 0) {
                                assert_int_equal(r, -EINVAL);
                                continue;
                        }
                        assert_int_equal(r, 0);
                        for (size_t i = 0; i < sizeof buf; i++)
                                assert_int_equal(buf[i], ref_digit((uint8_t) s[2 * i]) << 4 | ref_digit((uint8_t) s[2 * i + 1]));
                }
}

static void test_base64_vectors(void **state) {
        /* RFC 4648 §10 */
        static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
        static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

        for (size_t i = 0; i < ELEMENTSOF(plain); i++) {
                _cleanup_free_ char *e = base64_encode(plain[i], strlen(plain[i]));
                _cleanup_free_ uint8_t *d = NULL;
                size_t n;

                assert_string_equal(e, enc[i]);
                assert_int_equal(base64_decode(enc[i], strlen(enc[i]), &d, &n), 0);
                assert_int_equal(n, strlen(plain[i]));
                assert_memory_equal(d, plain[i], n);
        }
}

static void test_base64_unpadded(void **state) {
        _cleanup_free_ uint8_t *d = NULL;
        size_t n;
        assert_int_equal(base64_decode("Zm9vYg", 6, &d, &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(d, "foob", 4);
}

static void test_base64_rejects(void **state) {
        static const char *const bad[] = {
                "Z",          /* one symbol cannot encode a byte */
                "Zm9v!",      /* bad character */
                "Zm 9v",      /* whitespace */
                "Zh==",       /* non-zero unused bits */
                "Zm8",        /* fine unpadded ... */
                "Zg=",        /* padding present but length not a multiple of 4 */
                "Z===",       /* too much padding */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint8_t *d = NULL;
                int r = base64_decode(bad[i], strlen(bad[i]), &d, NULL);
                if (i == 4) {
                        assert_int_equal(r, 0);
                        free(d);
                        continue;
                }
                assert_int_equal(r, -EINVAL);
                assert_null(d);
        }
}

/* Each of the 256 byte values as a group's last symbol: the 64 of the alphabet give its
 * value, every other byte (NUL, the neighbours of each range, non-ASCII) is refused. */
static void test_base64_every_byte(void **state) {
        static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

        for (unsigned c = 0; c < 256; c++) {
                const char *at = c ? memchr(alphabet, (int) c, 64) : NULL;
                char s[4] = { 'A', 'A', 'A', (char) c };
                uint8_t *d = NULL;
                size_t n = 0;
                int r;

                if (c == '=')
                        continue;       /* padding, not a symbol */
                r = base64_decode(s, sizeof s, &d, &n);
                if (!at) {
                        assert_int_equal(r, -EINVAL);
                        continue;
                }
                assert_int_equal(r, 0);
                assert_int_equal(n, 3);
                assert_int_equal(d[2], (uint8_t) (at - alphabet));
                free(d);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hex_roundtrip),
                cmocka_unit_test(test_hex_rejects_odd_length),
                cmocka_unit_test(test_hex_rejects_non_hex),
                cmocka_unit_test(test_hex_decode_into_wrong_size),
                cmocka_unit_test(test_hex_decode_into_every_byte),
                cmocka_unit_test(test_base64_vectors),
                cmocka_unit_test(test_base64_unpadded),
                cmocka_unit_test(test_base64_rejects),
                cmocka_unit_test(test_base64_every_byte),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
