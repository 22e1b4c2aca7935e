/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's in-memory sessions: unproven ones per node, and the
 * session budget of each client address. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "verifierd-session.h"

#define T0 UINT64_C(1000000000000)
#define MINUTE UINT64_C(60000000)

static void add(SessionTable *t, const char *id, const char *node, uint64_t created, uint64_t expires) {
        PendingSession s = { .node_id = (char *) node, .created_usec = created, .expires_usec = expires };

        snprintf(s.id, sizeof s.id, "%s", id);
        assert_int_equal(session_pending_add(t, &s, created), 0);
}

static int take(SessionTable *t, const char *id, uint64_t now) {
        PendingSession s = {};
        int r = session_pending_take(t, id, now, &s);

        if (r != -ENOENT)
                pending_session_done(&s);
        return r;
}

static void test_pending_per_node(void **state) {
        SessionTable *t = NULL;
        char id[16];

        assert_int_equal(session_table_new(&t), 0);
        add(t, "other", "node-b", T0, T0 + MINUTE);
        for (unsigned i = 0; i < SESSIONS_PENDING_PER_NODE + 1; i++) {
                snprintf(id, sizeof id, "a%u", i);
                add(t, id, "node-a", T0 + i, T0 + MINUTE);
        }
        assert_int_equal(take(t, "a0", T0 + 100), -ENOENT);     /* the node's oldest went */
        assert_int_equal(take(t, "a1", T0 + 100), 0);
        assert_int_equal(take(t, "a1", T0 + 100), -ENOENT);     /* taken once only */
        assert_int_equal(take(t, "other", T0 + 100), 0);        /* another node's stayed */
        session_table_free(t);
}

static void test_pending_expiry(void **state) {
        SessionTable *t = NULL;

        assert_int_equal(session_table_new(&t), 0);
        add(t, "late", "node-a", T0, T0 + 10);
        assert_int_equal(take(t, "late", T0 + 11), -ETIME);
        add(t, "gone", "node-a", T0, T0 + 10);
        add(t, "new", "node-a", T0 + 20, T0 + 30);          /* adding drops what expired */
        assert_int_equal(take(t, "gone", T0 + 5), -ENOENT);
        assert_int_equal(take(t, "new", T0 + 25), 0);
        session_table_free(t);
}

static void test_rate_per_address(void **state) {
        SessionTable *t = NULL;

        assert_int_equal(session_table_new(&t), 0);
        assert_int_equal(session_rate_charge(t, "127.0.0.2", 0, T0), 0);        /* 0: no limit */
        for (unsigned i = 0; i < 50; i++)
                assert_int_equal(session_rate_charge(t, "127.0.0.2", 50, T0), 0);
        assert_int_equal(session_rate_charge(t, "127.0.0.2", 50, T0), 2);       /* 60 s / 50, rounded up */
        assert_int_equal(session_rate_charge(t, "127.0.0.1", 50, T0), 0);       /* another address */
        assert_int_equal(session_rate_charge(t, "127.0.0.2", 50, T0 + MINUTE / 50), 0);
        assert_int_equal(session_rate_charge(t, "127.0.0.2", 50, T0 + MINUTE / 50), 2);
        /* IPv6: one budget per /64 */
        assert_int_equal(session_rate_charge(t, "2001:db8::1", 1, T0), 0);
        assert_true(session_rate_charge(t, "2001:db8::2", 1, T0) > 0);
        assert_int_equal(session_rate_charge(t, "2001:db8:0:1::1", 1, T0), 0);
        assert_int_equal(session_rate_charge(t, "2001:db8::1", 1, T0 + MINUTE), 0);
        session_table_free(t);
}

static void test_rate_many_addresses(void **state) {
        SessionTable *t = NULL;
        char a[32];

        assert_int_equal(session_table_new(&t), 0);
        assert_int_equal(session_rate_charge(t, "10.0.0.1", 1, T0), 0);
        /* More addresses than budgets kept: the oldest budgets are reused. */
        for (unsigned i = 0; i < SESSION_RATE_ADDRESSES_MAX + 10; i++) {
                snprintf(a, sizeof a, "10.1.%u.%u", i / 256, i % 256);
                assert_int_equal(session_rate_charge(t, a, 1, T0 + 1 + i), 0);
        }
        snprintf(a, sizeof a, "10.1.%u.%u", (SESSION_RATE_ADDRESSES_MAX + 9) / 256, (SESSION_RATE_ADDRESSES_MAX + 9) % 256);
        assert_true(session_rate_charge(t, a, 1, T0 + 2 * SESSION_RATE_ADDRESSES_MAX) > 0);
        session_table_free(t);
}

static void test_prune_due(void **state) {
        SessionTable *t = NULL;

        assert_int_equal(session_table_new(&t), 0);
        assert_true(session_prune_due(t, T0));
        assert_false(session_prune_due(t, T0 + 1));
        assert_true(session_prune_due(t, T0 + SESSION_PRUNE_INTERVAL_USEC));
        session_table_free(t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pending_per_node),
                cmocka_unit_test(test_pending_expiry),
                cmocka_unit_test(test_rate_per_address),
                cmocka_unit_test(test_rate_many_addresses),
                cmocka_unit_test(test_prune_due),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
