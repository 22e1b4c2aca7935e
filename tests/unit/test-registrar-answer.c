/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "attest-limits.h"
#include "macro.h"
#include "registrar-answer.h"

static int blob(const char *text, uint8_t **ret, size_t *ret_size) {
        return registrar_answer_blob(text, strlen(text), ret, ret_size);
}

static int activation(const char *text, char **ret) {
        return registrar_answer_activation(text, strlen(text), ret);
}

static void test_blob_valid(void **state) {
        _cleanup_free_ uint8_t *b = NULL;
        size_t n;

        assert_int_equal(blob("{\"code\": 200, \"status\": \"Success\", \"results\": {\"blob\": \"3q2+7w==\"}}", &b, &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
}

static void test_blob_malformed(void **state) {
        static const char *const bad[] = {
                "",                                                   /* empty */
                "not json",
                "[1, 2]",                                             /* not an object */
                "{\"results\": {\"blob\": \"3q2+7w==\"}} trailing",  /* trailing bytes */
                "{\"code\": 200}",                                    /* no results */
                "{\"results\": [\"3q2+7w==\"]}",                      /* results not an object */
                "{\"results\": {}}",                                  /* no blob */
                "{\"results\": {\"blob\": null}}",                    /* null blob */
                "{\"results\": {\"blob\": 3}}",                       /* blob not a string */
                "{\"results\": {\"blob\": \"\"}}",                    /* empty blob */
                "{\"results\": {\"blob\": \"3q2+7w=\"}}",             /* bad padding */
                "{\"results\": {\"blob\": \"3q2 +7w==\"}}",           /* space in base64 */
        };
        uint8_t *b = NULL;
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(blob(bad[i], &b, &n), -EBADMSG);
                assert_null(b);
        }
}

static void test_blob_limit(void **state) {
        /* One byte more than a credential blob may hold. */
        size_t raw = CREDENTIAL_BLOB_SIZE_MAX + 1;
        _cleanup_free_ uint8_t *zeros = calloc(1, raw);
        _cleanup_free_ char *b64 = NULL, *text = NULL;
        uint8_t *b = NULL;
        size_t n;

        assert_non_null(zeros);
        b64 = base64_encode(zeros, raw);
        assert_non_null(b64);
        assert_true(asprintf(&text, "{\"results\": {\"blob\": \"%s\"}}", b64) > 0);
        assert_int_equal(blob(text, &b, &n), -E2BIG);

        /* Exactly the limit is fine. */
        free(b64);
        free(text);
        b64 = base64_encode(zeros, raw - 1);
        assert_true(asprintf(&text, "{\"results\": {\"blob\": \"%s\"}}", b64) > 0);
        assert_int_equal(blob(text, &b, &n), 0);
        assert_int_equal(n, raw - 1);
        free(b);
}

static void test_answer_size_limit(void **state) {
        size_t size = REG_ANSWER_MAX + 1;
        _cleanup_free_ char *text = malloc(size + 1);
        char *url = NULL;
        uint8_t *b = NULL;
        size_t n;

        assert_non_null(text);
        memset(text, ' ', size);
        memcpy(text, "{\"results\": {}}", 15);
        text[size] = 0;
        assert_int_equal(registrar_answer_blob(text, size, &b, &n), -E2BIG);
        assert_int_equal(registrar_answer_activation(text, size, &url), -E2BIG);
        assert_null(registrar_answer_status(text, size));
        /* The same answer within the limit parses. */
        assert_int_equal(registrar_answer_activation(text, REG_ANSWER_MAX, &url), 0);
        assert_null(url);
}

static void test_activation(void **state) {
        char *url = (char *) "untouched";

        assert_int_equal(activation("{\"code\": 200, \"status\": \"Success\", \"results\": {}}", &url), 0);
        assert_null(url);
        assert_int_equal(activation("{\"results\": {\"verifier_url\": null}}", &url), 0);
        assert_null(url);
        assert_int_equal(activation("{\"results\": {\"verifier_url\": \"https://v.example:8881/\"}}", &url), 0);
        assert_string_equal(url, "https://v.example:8881/");
        free(url);
}

static void test_activation_malformed(void **state) {
        static const char *const bad[] = {
                "{}",                                                              /* no results */
                "{\"results\": {\"verifier_url\": 1}}",                            /* not a string */
                "{\"results\": {\"verifier_url\": \"\"}}",                         /* empty */
                "{\"results\": {\"verifier_url\": \"ftp://v.example/\"}}",         /* scheme */
                "{\"results\": {\"verifier_url\": \"file:///etc/passwd\"}}",       /* scheme */
                "{\"results\": {\"verifier_url\": \"https://v.example/ x\"}}",     /* space */
                "{\"results\": {\"verifier_url\": \"https://v.example/\\nx\"}}",   /* control */
                "{\"results\": {\"verifier_url\": \"https://v.example/\\u00e9\"}}", /* not ASCII */
                "{\"results\": {\"verifier_url\": \"https://v\\u0000x\"}}",        /* embedded NUL */
        };
        char *url = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(activation(bad[i], &url), -EBADMSG);
                assert_null(url);
        }
}

static void test_activation_url_limit(void **state) {
        _cleanup_free_ char *text = NULL, *long_url = malloc(REG_VERIFIER_URL_MAX + 2);
        char *url = NULL;

        assert_non_null(long_url);
        memcpy(long_url, "https://", 8);
        memset(long_url + 8, 'a', REG_VERIFIER_URL_MAX + 1 - 8);
        long_url[REG_VERIFIER_URL_MAX + 1] = 0;
        assert_true(asprintf(&text, "{\"results\": {\"verifier_url\": \"%s\"}}", long_url) > 0);
        assert_int_equal(activation(text, &url), -EBADMSG);

        long_url[REG_VERIFIER_URL_MAX] = 0;
        free(text);
        assert_true(asprintf(&text, "{\"results\": {\"verifier_url\": \"%s\"}}", long_url) > 0);
        assert_int_equal(activation(text, &url), 0);
        assert_int_equal(strlen(url), REG_VERIFIER_URL_MAX);
        free(url);
}

static void test_status(void **state) {
        _cleanup_free_ char *s = NULL;
        static const char *const bad[] = {
                "{\"status\": \"bad\\u001b[31m\"}",   /* terminal escape */
                "{\"status\": 404}",
                "{}",
                "no json",
        };

        const char *ok = "{\"code\": 403, \"status\": \"Agent already registered\"}";

        s = registrar_answer_status(ok, strlen(ok));
        assert_string_equal(s, "Agent already registered");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_null(registrar_answer_status(bad[i], strlen(bad[i])));
}

static void test_null_arguments(void **state) {
        uint8_t *b;
        size_t n;
        char *u;

        assert_int_equal(registrar_answer_blob(NULL, 0, &b, &n), -EINVAL);
        assert_int_equal(registrar_answer_blob("{}", 2, NULL, &n), -EINVAL);
        assert_int_equal(registrar_answer_activation("{}", 2, NULL), -EINVAL);
        assert_int_equal(registrar_answer_activation(NULL, 0, &u), -EINVAL);
        assert_null(registrar_answer_status(NULL, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_blob_valid),
                cmocka_unit_test(test_blob_malformed),
                cmocka_unit_test(test_blob_limit),
                cmocka_unit_test(test_answer_size_limit),
                cmocka_unit_test(test_activation),
                cmocka_unit_test(test_activation_malformed),
                cmocka_unit_test(test_activation_url_limit),
                cmocka_unit_test(test_status),
                cmocka_unit_test(test_null_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
