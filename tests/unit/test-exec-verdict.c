/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec-verdict.h"

static void test_good(void **state) {
        const char *text = "{\"pass\": false, \"extra\": 1, \"failures\": [{\"id\": \"opa.denied\", \"context\": {\"a\": [1]}},"
                           " {\"id\": \"opa.note\", \"severity\": \"info\"}]}";
        ExecVerdict v = {};

        assert_int_equal(exec_verdict_parse(text, strlen(text), &v, NULL), 0);
        assert_false(v.pass);
        assert_int_equal(v.n_failures, 2);
        assert_string_equal(v.failures[0].id, "opa.denied");
        assert_int_equal(v.failures[0].severity, ATTEST_SEVERITY_ERROR);     /* the default */
        assert_string_equal(v.failures[0].context, "{\"a\":[1]}");
        assert_int_equal(v.failures[1].severity, ATTEST_SEVERITY_INFO);
        assert_null(v.failures[1].context);
        exec_verdict_done(&v);

        assert_int_equal(exec_verdict_parse("{\"pass\": true}\n", 15, &v, NULL), 0);
        assert_true(v.pass);
        assert_int_equal(v.n_failures, 0);
        exec_verdict_done(&v);
}

static void expect_bad(const char *text, int expected) {
        ExecVerdict v = {};
        const char *error = NULL;

        assert_int_equal(exec_verdict_parse(text, strlen(text), &v, &error), expected);
        assert_non_null(error);
        assert_int_equal(v.n_failures, 0);
}

static void test_malformed(void **state) {
        expect_bad("", -EBADMSG);
        expect_bad("{\"pass\": true} x", -EBADMSG);
        expect_bad("[true]", -EBADMSG);
        expect_bad("{}", -EBADMSG);
        expect_bad("{\"pass\": 1}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": {}}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [\"x\"]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"\"}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"Upper\"}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"a\\u0000b\"}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"a\", \"severity\": \"fatal\"}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"a\", \"severity\": 3}]}", -EBADMSG);
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"a\", \"context\": \"text\"}]}", -EBADMSG);
        /* A bad failure after good ones frees those. */
        expect_bad("{\"pass\": false, \"failures\": [{\"id\": \"a\"}, {\"id\": \"b\", \"context\": 1}]}", -EBADMSG);
}

static void test_limits(void **state) {
        size_t n = EXEC_VERDICT_FAILURES_MAX + 1;
        char *text = malloc(64 + n * 12), *o = text, id[EXEC_FAILURE_ID_MAX + 2];

        o += sprintf(o, "{\"pass\": false, \"failures\": [");
        for (size_t i = 0; i < n; i++)
                o += sprintf(o, "%s{\"id\":\"a\"}", i ? "," : "");
        sprintf(o, "]}");
        expect_bad(text, -E2BIG);                       /* EXEC_VERDICT_FAILURES_MAX */
        free(text);

        memset(id, 'a', sizeof(id) - 1);
        id[sizeof(id) - 1] = 0;
        assert_false(exec_failure_id_is_valid(id, EXEC_FAILURE_ID_MAX + 1));   /* EXEC_FAILURE_ID_MAX */
        assert_true(exec_failure_id_is_valid(id, EXEC_FAILURE_ID_MAX));

        text = calloc(1, EXEC_VERDICT_SIZE_MAX + 2);
        memset(text, ' ', EXEC_VERDICT_SIZE_MAX + 1);
        memcpy(text, "{\"pass\":true}", 13);
        expect_bad(text, -E2BIG);                       /* EXEC_VERDICT_SIZE_MAX */
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
