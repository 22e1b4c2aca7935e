/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nodes' sealed secrets in the storage: put, replace, the per-node limit, list and delete. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf-parser.h"
#include "storage-test.h"

static void test_secrets(void **state) {
        Storage *s = *state;
        Blob a = { .data = (uint8_t *) "sealed-a", .size = 8 }, b = { .data = (uint8_t *) "sealed-b", .size = 8 }, got = {};
        char **l = NULL;

        assert_int_equal(storage_secret_get(s, "n1", "disk", &got), -ENOENT);
        assert_int_equal(storage_secret_put(s, "n1", "disk", &a, false, 2), 0);
        assert_int_equal(storage_secret_put(s, "n1", "disk", &b, false, 2), -EEXIST);
        assert_int_equal(storage_secret_put(s, "n1", "disk", &b, true, 2), 0);
        assert_int_equal(storage_secret_get(s, "n1", "disk", &got), 0);
        assert_int_equal(got.size, 8);
        assert_memory_equal(got.data, "sealed-b", 8);
        blob_done(&got);

        /* The limit counts the node's other secrets: replacing at the limit is fine. */
        assert_int_equal(storage_secret_put(s, "n1", "another", &a, false, 2), 0);
        assert_int_equal(storage_secret_put(s, "n1", "third", &a, false, 2), -E2BIG);
        assert_int_equal(storage_secret_put(s, "n1", "another", &b, true, 2), 0);
        assert_int_equal(storage_secret_put(s, "n2", "disk", &a, false, 2), 0);

        assert_int_equal(storage_secret_list(s, "n1", &l), 0);
        assert_string_equal(l[0], "another");
        assert_string_equal(l[1], "disk");
        assert_null(l[2]);
        strv_free(l);

        assert_int_equal(storage_secret_delete(s, "n1", "disk"), 0);
        assert_int_equal(storage_secret_delete(s, "n1", "disk"), -ENOENT);
        assert_int_equal(storage_secret_delete(s, "n1", NULL), 0);
        assert_int_equal(storage_secret_list(s, "n1", &l), 0);
        assert_null(l[0]);
        strv_free(l);
        assert_int_equal(storage_secret_get(s, "n2", "disk", &got), 0);     /* another node's stay */
        blob_done(&got);
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_secrets),
};

STORAGE_TEST_MAIN(tests)
