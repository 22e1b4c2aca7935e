/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Work done once per fleet: the TIMEOUT sweep marks each overdue node once,
 * however many instances sweep, and skips what another instance holds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf-parser.h"
#include "storage-test.h"

#define NOW_USEC 100000000ULL        /* 100 s; nodes attest every 2 s, overdue after 5 × 2 s */

static void put_push_node(Storage *s, const char *id, uint64_t last_usec, const char *verdict) {
        _cleanup_(node_freep) Node *n = make_node(id);

        n->state = NODE_ENROLLED;
        n->interval_sec = 2;
        n->enrolled_usec = 1;
        n->last_attestation_usec = last_usec;
        n->verdict = verdict ? strdup(verdict) : NULL;
        assert_int_equal(storage_node_put(s, n), 0);
}

static void assert_verdict(Storage *s, const char *id, const char *verdict) {
        _cleanup_(node_freep) Node *n = NULL;

        assert_int_equal(storage_node_get(s, id, &n), 0);
        assert_string_equal(n->verdict, verdict);
}

static void test_claim_once(void **state) {
        Storage *s = *state;
        char **ids = NULL;
        size_t n = 0;
        uint64_t events = 0;

        put_push_node(s, "fresh", 95000000, "PASS");
        put_push_node(s, "old-a", 80000000, "PASS");
        put_push_node(s, "old-b", 1000, NULL);
        put_push_node(s, "gone", 1000, "TIMEOUT");

        assert_int_equal(storage_node_timeout_claim(s, NOW_USEC, 5, "test", &ids, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(ids[0], "old-a");
        assert_string_equal(ids[1], "old-b");
        assert_null(ids[2]);
        strv_free(ids);
        assert_verdict(s, "old-a", "TIMEOUT");
        assert_verdict(s, "fresh", "PASS");
        assert_int_equal(storage_event_count(s, "old-a", &events), 0);
        assert_int_equal(events, 1);

        /* A second sweep (this or another instance) finds nothing left to claim. */
        assert_int_equal(storage_node_timeout_claim(s, NOW_USEC, 5, "test", &ids, &n), 0);
        assert_int_equal(n, 0);
        assert_null(ids[0]);
        strv_free(ids);
        assert_int_equal(storage_event_count(s, "old-a", &events), 0);
        assert_int_equal(events, 1);
}

/* Two instances on one database: whichever sweeps first marks, the other finds nothing. */
static void test_claim_two_instances(void **state) {
        Storage *s = *state, *other = NULL;
        char **a = NULL, **b = NULL;
        size_t na = 0, nb = 0;

        put_push_node(s, "old", 1000, "PASS");
        assert_int_equal(storage_reopen(&other), 0);
        assert_int_equal(storage_node_timeout_claim(other, NOW_USEC, 5, "test", &a, &na), 0);
        assert_int_equal(storage_node_timeout_claim(s, NOW_USEC, 5, "test", &b, &nb), 0);
        assert_int_equal(na + nb, 1);
        strv_free(a);
        strv_free(b);
        storage_close(other);
}

/* A node another instance holds locked (its verdict being committed) is skipped, not waited
 * for, and claimed by a later sweep if still overdue. */
static void test_claim_skips_locked(void **state) {
        Storage *s = *state;
        char **ids = NULL;
        size_t n = 0;
        PGconn *c;
        PGresult *res;

        if (!on_postgresql())
                skip();         /* one SQLite instance holds the database */
        put_push_node(s, "held", 1000, "PASS");
        put_push_node(s, "free", 1000, "PASS");

        c = PQconnectdb(pg_url);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        res = PQexec(c, "BEGIN; SELECT id FROM nodes WHERE id = 'held' FOR UPDATE");
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        PQclear(res);

        assert_int_equal(storage_node_timeout_claim(s, NOW_USEC, 5, "test", &ids, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(ids[0], "free");
        strv_free(ids);

        res = PQexec(c, "COMMIT");
        PQclear(res);
        PQfinish(c);
        assert_int_equal(storage_node_timeout_claim(s, NOW_USEC, 5, "test", &ids, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(ids[0], "held");
        strv_free(ids);
}

/* Instances starting together migrate once: a second open finds the schema current. */
static void test_migrate_concurrently(void **state) {
        Storage *a = NULL, *b = NULL;

        if (!on_postgresql())
                skip();
        storage_close(*state);
        *state = NULL;
        (void) raw("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        if (fork() == 0) {
                Storage *child = NULL;
                _exit(storage_reopen(&child) < 0 ? 1 : 0);
        }
        assert_int_equal(storage_reopen(&a), 0);
        assert_int_equal(storage_reopen(&b), 0);
        int status = 0;
        assert_true(wait(&status) > 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM schema_version"), 1);
        assert_int_equal(raw("SELECT version FROM schema_version"), (long long) storage_postgresql_schema_version());
        storage_close(b);
        *state = a;
}

/* The server drops the connection: the call that finds out fails, the next ones work and store. */
static void test_reconnect(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL;
        Attestation a = { .index = 0, .stage = (char *) "verification_complete", .evaluation = (char *) "pass" }, got = {};
        PushState ps = { .next_index = 1 };
        int r = -1;

        /* skip() leaves without cleanups: nothing is allocated before it. */
        if (!on_postgresql())
                skip();
        n = make_node("re");
        n->state = NODE_ENROLLED;
        assert_int_equal(storage_node_put(s, n), 0);
        (void) raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'attest-verifierd'");
        for (int i = 0; i < 3 && r < 0; i++)
                r = storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1);
        assert_int_equal(r, 0);
        assert_int_equal(storage_attestation_get(s, "re", 0, &got), 0);
        attestation_done(&got);
        ps = (PushState) {};
        assert_int_equal(storage_push_state_get(s, "re", &ps), 0);
        assert_int_equal(ps.next_index, 1);
        push_state_done(&ps);
}

/* The connection drops between two group commits, with every statement already prepared: the
 * pipeline is the first to find out. A commit reported done is stored; one that is not stored
 * is reported failed, and the next commit works. */
static void test_reconnect_pipeline(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL;
        Attestation a = { .index = 0, .stage = (char *) "verification_complete", .evaluation = (char *) "pass" }, got = {};
        PushState ps = { .next_index = 1 };
        int r;

        if (!on_postgresql())
                skip();
        n = make_node("re");
        n->state = NODE_ENROLLED;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1), 0);

        for (uint64_t i = 1; i <= 20; i++) {
                (void) raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'attest-verifierd'");
                a.index = i;
                ps.next_index = i + 1;
                r = storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1);
                if (r >= 0) {
                        assert_int_equal(storage_attestation_get(s, "re", i, &got), 0);
                        attestation_done(&got);
                } else {
                        assert_int_equal(storage_attestation_get(s, "re", i, &got), -ENOENT);
                        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a,
                                                                                      .push_state = &ps }, 1), 0);
                }
                ps = (PushState) {};
                assert_int_equal(storage_push_state_get(s, "re", &ps), 0);
                assert_int_equal(ps.next_index, i + 1);
                push_state_done(&ps);
        }
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_reconnect),
        DB_TEST(test_reconnect_pipeline),
        DB_TEST(test_claim_once),
        DB_TEST(test_claim_two_instances),
        DB_TEST(test_claim_skips_locked),
        DB_TEST(test_migrate_concurrently),
};

STORAGE_TEST_MAIN(tests)
