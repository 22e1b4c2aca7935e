/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json-util.h"
#include "attest-limits.h"

static int parse(const char *s, json_object **ret) {
        return json_parse_object(s, strlen(s), ret);
}

static void test_parse_object(void **state) {
        json_object *o = NULL;

        assert_int_equal(parse(" {\"a\": 1}\n ", &o), 0);
        json_object_put(o);
        assert_int_equal(parse("{\"a\": 1} x", &o), -EBADMSG);     /* trailing bytes */
        assert_int_equal(parse("{\"a\": 1}{}", &o), -EBADMSG);
        assert_int_equal(parse("[1, 2]", &o), -EBADMSG);           /* not an object */
        assert_int_equal(parse("\"s\"", &o), -EBADMSG);
        assert_int_equal(parse("{\"a\": ", &o), -EBADMSG);         /* truncated */
        assert_int_equal(parse("", &o), -EBADMSG);
        assert_int_equal(parse("{\"a\" 1}", &o), -EBADMSG);          /* missing colon */
        assert_int_equal(json_parse_object("{\"a\":\0}", 7, &o), -EBADMSG);
}

/* {"a": [[…]]} with depth levels of nesting in all. */
static char *nested(unsigned depth) {
        char *buf = malloc(2 * depth + 8);
        size_t n = 0;

        assert_non_null(buf);
        n += (size_t) sprintf(buf, "{\"a\":");
        for (unsigned i = 1; i < depth; i++)
                buf[n++] = '[';
        for (unsigned i = 1; i < depth; i++)
                buf[n++] = ']';
        buf[n++] = '}';
        buf[n] = 0;
        return buf;
}

static void test_parse_depth_limit(void **state) {
        json_object *o = NULL;
        char *ok = nested(JSON_DEPTH_MAX), *deep = nested(JSON_DEPTH_MAX + 1);

        assert_int_equal(parse(ok, &o), 0);
        json_object_put(o);
        assert_int_equal(parse(deep, &o), -E2BIG);
        free(ok);
        free(deep);
}

static void test_parse_size_limit(void **state) {
        json_object *o = NULL;

        assert_int_equal(json_parse_object_max("{}  ", 4, 4, &o), 0);
        json_object_put(o);
        assert_int_equal(json_parse_object_max("{}   ", 5, 4, &o), -E2BIG);
}

/* One tokener for document after document: what an error, a truncated document or a deep
 * one left in it does not carry over into the next. */
static void test_parse_reused(void **state) {
        json_tokener *tok = json_parser_new();
        char *ok = nested(JSON_DEPTH_MAX), *deep = nested(JSON_DEPTH_MAX + 1);
        static const char long_string[] = "{\"s\":\"0123456789012345678901234567890123456789\"}";
        json_object *o = NULL;

        assert_non_null(tok);
        for (unsigned round = 0; round < 2; round++) {
                assert_int_equal(json_parse_object_with(tok, "{\"a\": ", 6, 64, &o), -EBADMSG);
                assert_int_equal(json_parse_object_with(tok, "1}", 2, 64, &o), -EBADMSG);
                assert_int_equal(json_parse_object_with(tok, deep, strlen(deep), 1024, &o), -E2BIG);
                assert_int_equal(json_parse_object_with(tok, ok, strlen(ok), 1024, &o), 0);
                json_object_put(o);
                assert_int_equal(json_parse_object_with(tok, "{\"a\": 1} x", 10, 64, &o), -EBADMSG);
                assert_int_equal(json_parse_object_with(tok, "[1]", 3, 64, &o), -EBADMSG);
                assert_int_equal(json_parse_object_with(tok, "{}  ", 4, 3, &o), -E2BIG);
                assert_int_equal(json_parse_object_with(tok, long_string, strlen(long_string), 64, &o), 0);
                assert_string_equal(json_object_get_string(json_object_object_get(o, "s")),
                                    "0123456789012345678901234567890123456789");
                json_object_put(o);
                assert_int_equal(json_parse_object_with(tok, "{\"s\":\"ab\"}", 10, 64, &o), 0);
                assert_string_equal(json_object_get_string(json_object_object_get(o, "s")), "ab");
                json_object_put(o);
        }
        json_tokener_free(tok);
        free(ok);
        free(deep);
}

static void test_get_string(void **state) {
        _cleanup_json_ json_object *o = NULL;
        const char *s;

        assert_int_equal(parse("{\"a\": \"xy\", \"n\": null, \"i\": 3, \"e\": \"\", \"z\": \"a\\u0000b\"}", &o), 0);
        assert_int_equal(json_get_string(o, "a", 2, &s), 0);
        assert_string_equal(s, "xy");
        assert_int_equal(json_get_string(o, "a", 1, &s), -EINVAL);     /* too long */
        assert_int_equal(json_get_string(o, "missing", 10, &s), -ENOENT);
        assert_int_equal(json_get_string(o, "n", 10, &s), -ENOENT);
        assert_int_equal(json_get_string_required(o, "n", 10, &s), -EINVAL);
        assert_int_equal(json_get_string(o, "i", 10, &s), -EINVAL);    /* not a string */
        assert_int_equal(json_get_string(o, "e", 10, &s), -EINVAL);    /* empty */
        assert_int_equal(json_get_string(o, "z", 10, &s), -EINVAL);    /* embedded NUL */
}

static void test_get_uint64(void **state) {
        _cleanup_json_ json_object *o = NULL;
        uint64_t v;

        assert_int_equal(parse("{\"a\": 5, \"s\": \"9002\", \"neg\": -1, \"f\": 1.5, \"bad\": \"9x\", \"sp\": \" 1\"}", &o), 0);
        assert_int_equal(json_get_uint64(o, "a", &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(json_get_uint64(o, "s", &v), 0);
        assert_int_equal(v, 9002);
        assert_int_equal(json_get_uint64(o, "neg", &v), -EINVAL);
        assert_int_equal(json_get_uint64(o, "f", &v), -EINVAL);
        assert_int_equal(json_get_uint64(o, "bad", &v), -EINVAL);
        assert_int_equal(json_get_uint64(o, "sp", &v), -EINVAL);
        assert_int_equal(json_get_uint64(o, "none", &v), -ENOENT);
}

static void test_get_base64(void **state) {
        _cleanup_json_ json_object *o = NULL;
        uint8_t *d = NULL;
        size_t n;

        assert_int_equal(parse("{\"a\": \"AQID\", \"bad\": \"A*==\", \"big\": \"AAAAAAAA\"}", &o), 0);
        assert_int_equal(json_get_base64(o, "a", 3, &d, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(d[2], 3);
        free(d);
        assert_int_equal(json_get_base64(o, "a", 2, &d, &n), -E2BIG);
        assert_int_equal(json_get_base64(o, "big", 5, &d, &n), -E2BIG);
        assert_int_equal(json_get_base64(o, "bad", 10, &d, &n), -EINVAL);
        assert_int_equal(json_get_base64(o, "none", 10, &d, &n), -ENOENT);
}

static void test_envelopes(void **state) {
        char *s;

        s = json_v2_envelope(200, "Success", NULL);
        assert_string_equal(s, "{\"code\":200,\"status\":\"Success\",\"results\":{}}");
        free(s);
        s = json_v3_error(400, "invalid_field", "Bad Request", "ek_tpm is bad", "/data/attributes/ek_tpm");
        assert_string_equal(s, "{\"errors\":[{\"status\":\"400\",\"code\":\"invalid_field\",\"title\":\"Bad Request\","
                               "\"detail\":\"ek_tpm is bad\",\"source\":{\"pointer\":\"/data/attributes/ek_tpm\"}}]}");
        free(s);
        s = json_v3_document("agent", "n1", NULL, NULL);
        assert_string_equal(s, "{\"data\":{\"type\":\"agent\",\"id\":\"n1\",\"attributes\":{}}}");
        free(s);
}

static void test_timestamp(void **state) {
        char buf[64];

        assert_int_equal(format_timestamp_iso(1700000000123456ULL, buf, sizeof buf), 0);
        assert_string_equal(buf, "2023-11-14T22:13:20.123456+00:00");
        assert_int_equal(format_timestamp_iso(0, buf, 10), -ENOBUFS);
}

static void test_array_helpers(void **state) {
        json_object *o, *a = NULL;

        o = json_new_with_array("nodes", &a);
        assert_non_null(o);
        assert_non_null(a);
        assert_int_equal(json_array_append(a, json_object_new_string("n1")), 0);
        assert_int_equal(json_array_append(a, NULL), -ENOMEM);
        assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), "{\"nodes\":[\"n1\"]}");
        json_object_put(o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_object),
                cmocka_unit_test(test_parse_depth_limit),
                cmocka_unit_test(test_parse_size_limit),
                cmocka_unit_test(test_parse_reused),
                cmocka_unit_test(test_get_string),
                cmocka_unit_test(test_get_uint64),
                cmocka_unit_test(test_get_base64),
                cmocka_unit_test(test_envelopes),
                cmocka_unit_test(test_timestamp),
                cmocka_unit_test(test_array_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
