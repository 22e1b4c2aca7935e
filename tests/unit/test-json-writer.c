/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON writer against json-c: the same text for the same members. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json-util.h"
#include "json-writer.h"

/* Quotes, backslashes, every control character, DEL, "/", UTF-8 and bytes that are not UTF-8. */
static const struct {
        const char *s;
        size_t n;
} tricky[] = {
        { "", 0 },
        { "plain", 5 },
        { "say \"hi\"", 8 },
        { "C:\\path\\", 8 },
        { "/usr/bin/a/", 11 },
        { "\b\f\n\r\t", 5 },
        { "\x01\x02\x1e\x1f", 4 },
        { "a\0b", 3 },
        { "\x7f", 1 },
        { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92", 15 },
        { "\xff\xfe\xc3", 3 },
        { "\"\\\"\\", 4 },
        { "</script>", 9 },
        { "\\u0041", 6 },
};

static void test_string(void **state) {
        char all[32];

        for (size_t i = 0; i < 32; i++)
                all[i] = (char) i;
        for (size_t i = 0; i <= ELEMENTSOF(tricky); i++) {
                const char *s = i < ELEMENTSOF(tricky) ? tricky[i].s : all;
                size_t n = i < ELEMENTSOF(tricky) ? tricky[i].n : sizeof all;
                json_object *o = json_object_new_string_len(s, (int) n);
                JsonWriter w = {};
                char *text;

                json_writer_string_len(&w, s, n);
                text = json_writer_finish(&w);
                assert_non_null(text);
                assert_string_equal(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
                free(text);
                json_object_put(o);
        }
}

/* Every byte value at every offset of strings longer than the eight bytes scanned at a time. */
static void test_string_every_offset(void **state) {
        char s[19];

        for (unsigned c = 0; c < 256; c++)
                for (size_t at = 0; at < sizeof s; at++) {
                        json_object *o;
                        JsonWriter w = {};
                        char *text;

                        memset(s, 'a', sizeof s);
                        s[at] = (char) c;
                        s[(at + 9) % sizeof s] = (char) (c ^ 0x80);
                        o = json_object_new_string_len(s, (int) sizeof s);
                        json_writer_string_len(&w, s, sizeof s);
                        text = json_writer_finish(&w);
                        assert_non_null(text);
                        assert_string_equal(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
                        free(text);
                        json_object_put(o);
                }
}

/* A document of every kind of member, as json-c builds and writes it. */
static void test_document(void **state) {
        json_object *o = json_object_new_object(), *inner = json_object_new_object(), *arr = json_object_new_array();
        JsonWriter w = {};
        char *text;
        bool first = true;

        json_writer_literal(&w, "{");
        for (size_t i = 0; i < ELEMENTSOF(tricky); i++) {
                char key[32];

                (void) snprintf(key, sizeof key, "k%zu\"\\\n", i);
                json_writer_key(&w, key, first);
                first = false;
                json_writer_string_len(&w, tricky[i].s, tricky[i].n);
                (void) json_object_object_add(o, key, json_object_new_string_len(tricky[i].s, (int) tricky[i].n));
        }
        json_writer_key(&w, "null", false);
        json_writer_string(&w, NULL);
        (void) json_add_string(o, "null", NULL);
        json_writer_key(&w, "min", false);
        json_writer_int(&w, INT64_MIN);
        (void) json_add_int(o, "min", INT64_MIN);
        json_writer_key(&w, "max", false);
        json_writer_int(&w, INT64_MAX);
        (void) json_add_int(o, "max", INT64_MAX);
        json_writer_key(&w, "zero", false);
        json_writer_int(&w, 0);
        (void) json_add_int(o, "zero", 0);
        (void) json_add_string(inner, "x", "/a\"b");
        (void) json_object_array_add(arr, json_object_new_double(0.1));
        (void) json_object_array_add(arr, json_object_new_boolean(true));
        (void) json_object_array_add(arr, NULL);
        (void) json_object_object_add(inner, "a", arr);
        json_writer_key(&w, "tree", false);
        json_writer_json(&w, inner);
        json_writer_key(&w, "none", false);
        json_writer_json(&w, NULL);
        (void) json_object_object_add(o, "none", NULL);
        /* Stored text is written as json-c writes it once parsed: spacing and slashes normalised. */
        json_writer_key(&w, "stored", false);
        json_writer_stored(&w, "[ {\"p\": \"\\/x\", \"d\": 1.50} ]");
        json_writer_key(&w, "broken", false);
        json_writer_stored(&w, "[1,");
        json_writer_key(&w, "absent", false);
        json_writer_stored(&w, NULL);
        json_writer_literal(&w, "}");
        text = json_writer_finish(&w);
        assert_non_null(text);

        (void) json_object_object_add(o, "tree", json_object_get(inner));
        (void) json_object_object_del(o, "none");
        (void) json_object_object_add(o, "none", NULL);
        (void) json_object_object_add(o, "stored", json_tokener_parse("[ {\"p\": \"\\/x\", \"d\": 1.50} ]"));
        (void) json_object_object_add(o, "broken", NULL);
        (void) json_object_object_add(o, "absent", NULL);
        assert_string_equal(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
        assert_non_null(strstr(text, "{\"p\":\"/x\",\"d\":1.50}"));
        free(text);
        json_object_put(inner);
        json_object_put(o);
}

static void test_failure(void **state) {
        JsonWriter w = { .failed = true };

        json_writer_literal(&w, "{}");
        assert_null(json_writer_finish(&w));
        assert_null(w.buf);

        /* Nothing written is an empty text, not a failure. */
        w = (JsonWriter) {};
        char *text = json_writer_finish(&w);
        assert_non_null(text);
        assert_string_equal(text, "");
        free(text);
}

/* Past the first allocation, the buffer grows. */
static void test_large(void **state) {
        size_t n = 100000;
        char *big = malloc(n), *text;
        json_object *o;
        JsonWriter w = {};

        assert_non_null(big);
        for (size_t i = 0; i < n; i++)
                big[i] = (char) (i % 128);
        o = json_object_new_string_len(big, (int) n);
        json_writer_string_len(&w, big, n);
        text = json_writer_finish(&w);
        assert_non_null(text);
        assert_string_equal(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
        free(text);
        free(big);
        json_object_put(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_string),
                cmocka_unit_test(test_string_every_offset),
                cmocka_unit_test(test_document),
                cmocka_unit_test(test_failure),
                cmocka_unit_test(test_large),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
