/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The storage operations behind the fleet view and the shared keys: nodes
 * counted by state and verdict, and a key the first instance claims. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "storage-test.h"

static void put(Storage *s, const char *id, NodeState state, const char *verdict) {
        _cleanup_(node_freep) Node *n = make_node(id);

        n->state = state;
        n->verdict = verdict ? strdup(verdict) : NULL;
        assert_int_equal(storage_node_put(s, n), 0);
}

static void test_summary(void **state) {
        Storage *s = *state;
        NodeCount *l = NULL;
        size_t n = 0;

        if (!s->ops->node_summary)
                skip();
        assert_int_equal(storage_node_summary(s, &l, &n), 0);
        assert_int_equal(n, 0);
        free(l);
        put(s, "a", NODE_ENROLLED, "PASS");
        put(s, "b", NODE_ENROLLED, "PASS");
        put(s, "c", NODE_ENROLLED, "FAIL");
        put(s, "d", NODE_REGISTERED, NULL);
        assert_int_equal(storage_node_summary(s, &l, &n), 0);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
                if (l[i].state == NODE_REGISTERED) {
                        assert_null(l[i].verdict);
                        assert_int_equal(l[i].n, 1);
                } else {
                        assert_int_equal(l[i].state, NODE_ENROLLED);
                        assert_int_equal(l[i].n, strcmp(l[i].verdict, "PASS") == 0 ? 2 : 1);
                }
        }
        node_count_list_free(l, n);
}

/* The first candidate is kept; another instance's candidate gets it back, also after a restart. */
static void test_key_claim(void **state) {
        Storage *s = *state, *other = NULL;
        Blob first = { (uint8_t *) "first-pem", 9 }, second = { (uint8_t *) "second-pem", 10 }, got = {};

        if (!s->ops->key_claim)
                skip();
        assert_int_equal(storage_key_claim(s, "results", &first, &got), 0);
        assert_int_equal(got.size, 9);
        assert_memory_equal(got.data, "first-pem", 9);
        blob_done(&got);
        assert_int_equal(storage_reopen(&other), 0);
        assert_int_equal(storage_key_claim(other, "results", &second, &got), 0);
        assert_memory_equal(got.data, "first-pem", 9);
        blob_done(&got);
        assert_int_equal(storage_key_claim(other, "another", &second, &got), 0);
        assert_memory_equal(got.data, "second-pem", 10);
        blob_done(&got);
        storage_close(other);
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_summary),
        DB_TEST(test_key_claim),
};

STORAGE_TEST_MAIN(tests)
