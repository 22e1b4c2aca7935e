/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "storage-test.h"

static void test_node_roundtrip(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("node-1"), *got = NULL;

        assert_int_equal(storage_node_get(s, "node-1", &got), -ENOENT);
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_get(s, "node-1", &got), 0);
        assert_string_equal(got->id, "node-1");
        assert_int_equal(got->state, NODE_REGISTERED);
        assert_int_equal(got->ek_tpm.size, 8);
        assert_memory_equal(got->ek_tpm.data, "ek-bytes", 8);
        assert_null(got->ekcert.data);
        assert_memory_equal(got->auth_digest, n->auth_digest, sizeof n->auth_digest);
        assert_string_equal(got->ip, "10.0.0.1");
        assert_int_equal(got->port, 9002);
        assert_int_equal(got->registered_usec, 1234);
        assert_null(got->verdict);
}

static void test_node_update_and_list(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *a = make_node("b-node"), *b = make_node("a-node"), *got = NULL;
        Node **l = NULL;
        size_t n = 0;

        assert_int_equal(storage_node_put(s, a), 0);
        assert_int_equal(storage_node_put(s, b), 0);
        a->state = NODE_ENROLLED;
        a->attest_count = 7;
        a->verdict = strdup("PENDING");
        assert_int_equal(storage_node_put(s, a), 0);
        assert_int_equal(storage_node_get(s, "b-node", &got), 0);
        assert_int_equal(got->state, NODE_ENROLLED);
        assert_int_equal(got->attest_count, 7);
        assert_string_equal(got->verdict, "PENDING");

        assert_int_equal(storage_node_list(s, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(l[0]->id, "a-node");
        assert_string_equal(l[1]->id, "b-node");
        node_list_free(l, n);

        assert_int_equal(storage_node_delete(s, "a-node"), 0);
        assert_int_equal(storage_node_delete(s, "a-node"), -ENOENT);
}

static void test_policy_content_addressed(void **state) {
        Storage *s = *state;
        char d1[POLICY_DIGEST_HEX_SIZE], d2[POLICY_DIGEST_HEX_SIZE], *named = NULL, *kind = NULL;
        uint8_t *content = NULL;
        size_t size;
        PolicyEntry *l = NULL;
        size_t n = 0;

        assert_int_equal(storage_policy_put(s, "runtime", (const uint8_t *) "{}", 2, d1), 0);
        assert_int_equal(storage_policy_put(s, "runtime", (const uint8_t *) "{}", 2, d2), 0);
        assert_string_equal(d1, d2);
        /* SHA-256 of "{}" */
        assert_string_equal(d1, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
        assert_int_equal(storage_policy_get(s, d1, &kind, &content, &size), 0);
        assert_int_equal(size, 2);
        assert_memory_equal(content, "{}", 2);
        assert_string_equal(kind, "runtime");
        free(content);
        free(kind);
        assert_int_equal(storage_policy_get(s, "00", NULL, &content, &size), -ENOENT);

        assert_int_equal(storage_policy_name_set(s, "runtime", "a", d1, false), 0);
        assert_int_equal(storage_policy_name_set(s, "runtime", "b", d1, false), 0);
        assert_int_equal(storage_policy_name_set(s, "runtime", "a", d1, false), -EEXIST);
        assert_int_equal(storage_policy_name_get(s, "runtime", "a", &named), 0);
        assert_string_equal(named, d1);
        free(named);
        assert_int_equal(storage_policy_name_get(s, "boot", "a", &named), -ENOENT);

        assert_int_equal(storage_policy_list(s, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(l[0].name, "a");
        assert_int_equal(l[0].size, 2);
        policy_entry_list_free(l, n);
}

static void test_policy_in_use(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("user");
        char d[POLICY_DIGEST_HEX_SIZE];

        assert_int_equal(storage_policy_put(s, "boot", (const uint8_t *) "{\"x\":1}", 7, d), 0);
        assert_int_equal(storage_policy_name_set(s, "boot", "mb", d, false), 0);
        n->boot_policy = strdup(d);
        n->boot_policy_name = strdup("mb");
        n->state = NODE_ENROLLED;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_policy_name_delete(s, "boot", "mb"), -EBUSY);
        assert_int_equal(storage_node_delete(s, "user"), 0);
        assert_int_equal(storage_policy_name_delete(s, "boot", "mb"), 0);
        assert_int_equal(storage_policy_name_delete(s, "boot", "mb"), -ENOENT);
}

static void test_events(void **state) {
        Storage *s = *state;
        uint64_t c;

        assert_int_equal(storage_event_add(s, "n", "registered", NULL), 0);
        assert_int_equal(storage_event_add(s, "n", "activated", "x"), 0);
        assert_int_equal(storage_event_count(s, "n", &c), 0);
        assert_int_equal(c, 2);
}

/* Reopening keeps rows and does not migrate twice; SQLite runs in WAL mode. */
static void test_reopen(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("durable"), *got = NULL;
        sqlite3 *db;
        sqlite3_stmt *st;

        assert_int_equal(storage_node_put(s, n), 0);
        storage_close(s);
        assert_int_equal(storage_reopen(&s), 0);
        *state = s;
        assert_int_equal(storage_node_get(s, "durable", &got), 0);

        if (on_postgresql()) {
                assert_int_equal(raw("SELECT version FROM schema_version"), (long long) storage_postgresql_schema_version());
                assert_int_equal(raw("SELECT COUNT(*) FROM schema_version"), 1);
                return;
        }
        assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        sqlite3_close(db);
        assert_int_equal(raw("PRAGMA user_version"), (long long) storage_sqlite_schema_version());
}

/* A database from a newer program is refused rather than misread. */
static void test_newer_schema(void **state) {
        Storage *s2 = NULL;
        char sql[64];

        if (on_postgresql())
                (void) snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %u",
                                storage_postgresql_schema_version() + 1);
        else
                (void) snprintf(sql, sizeof sql, "PRAGMA user_version = %u", storage_sqlite_schema_version() + 1);
        (void) raw(sql);
        assert_int_equal(storage_reopen(&s2), -EPROTO);
        assert_null(s2);
}

static void test_node_state_strings(void **state) {
        for (int i = 0; i < _NODE_STATE_MAX; i++)
                assert_int_equal(node_state_from_string(node_state_to_string((NodeState) i)), i);
        assert_int_equal(node_state_from_string("BOGUS"), -EINVAL);
        assert_int_equal(node_state_from_string(NULL), -EINVAL);
        assert_null(node_state_to_string(_NODE_STATE_MAX));
}

/* An enrolled node for the push tests: interval 2 s, enrolled at 1 µs. */
static Node *make_push_node(const char *id, uint64_t last_usec) {
        Node *n = make_node(id);
        n->state = NODE_ENROLLED;
        n->interval_sec = 2;
        n->enrolled_usec = 1;
        n->last_attestation_usec = last_usec;
        return n;
}

static void test_session(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_push_node("n1", 0);
        Session a = { .id = (char *) "s1", .node_id = (char *) "n1", .expires_usec = 50 }, got = {};

        memset(a.challenge, 7, sizeof a.challenge);
        assert_int_equal(storage_session_get(s, "s1", &got), -ENOENT);
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_session_put(s, &a), 0);
        assert_int_equal(storage_session_get(s, "s1", &got), 0);
        assert_false(got.has_token);
        assert_int_equal(got.challenge[15], 7);
        session_done(&got);

        a.has_token = true;
        memset(a.token_digest, 9, sizeof a.token_digest);
        a.expires_usec = 100;
        assert_int_equal(storage_session_put(s, &a), 0);
        assert_int_equal(storage_session_get(s, "s1", &got), 0);
        assert_true(got.has_token);
        assert_int_equal(got.token_digest[31], 9);
        assert_int_equal(got.expires_usec, 100);
        session_done(&got);

        /* Pruning removes what expired before the time given, and only that. */
        a.id = (char *) "s2";
        a.expires_usec = 300;
        assert_int_equal(storage_session_put(s, &a), 0);
        assert_int_equal(storage_session_prune(s, 100), 0);
        assert_int_equal(storage_session_prune(s, 200), 1);
        assert_int_equal(storage_session_get(s, "s1", &got), -ENOENT);
        assert_int_equal(storage_session_get(s, "s2", &got), 0);
        session_done(&got);
}

static Attestation make_attestation(uint64_t index, const char *evaluation) {
        return (Attestation) {
                .index = index,
                .stage = (char *) "verification_complete",
                .evaluation = (char *) evaluation,
                .failure_reason = strcmp(evaluation, "fail") == 0 ? (char *) "policy_violation" : NULL,
                .failures = strcmp(evaluation, "fail") == 0 ? (char *) "[{\"id\":\"ima.not_in_policy\"}]" : NULL,
                .ima_offset = index * 10,
                .ima_count = 10,
                .created_usec = index,
                .updated_usec = index + 1,
        };
}

static void test_verdicts_and_retention(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n1 = make_push_node("n1", 0), *n2 = make_push_node("n2", 0), *got = NULL;
        Session sess = { .id = (char *) "s1", .node_id = (char *) "n1", .has_token = true, .expires_usec = 100 }, gs = {};
        PushState ps = { .boot_time = 77, .next_index = 1 }, gps = {};
        Attestation a[3], *l = NULL, one = {};
        size_t k = 0;

        assert_int_equal(storage_node_put(s, n1), 0);
        assert_int_equal(storage_node_put(s, n2), 0);
        assert_int_equal(storage_session_put(s, &sess), 0);
        assert_int_equal(blob_set(&ps.ima_state, "state", 5), 0);
        assert_int_equal(storage_push_state_get(s, "n1", &gps), -ENOENT);

        for (uint64_t i = 0; i < 3; i++) {
                a[i] = make_attestation(i, i == 2 ? "fail" : "pass");
                ps.next_index = i + 1;
                free(n1->verdict);
                n1->verdict = strdup(i == 2 ? "FAIL" : "PASS");
                n1->attestations_passed = i < 2 ? i + 1 : 2;
                /* Two nodes' verdicts in one group commit. */
                VerdictCommit c[2] = {
                        { .node = n1, .attestation = &a[i], .push_state = &ps, .session_id = "s1",
                          .session_expires_usec = i == 1 ? 50 : 200 + i, .history_retention = 2,
                          .event_kind = n1->verdict },
                        { .node = n2 },
                };
                assert_int_equal(storage_verdict_commit(s, c, 2), 0);
        }
        push_state_done(&ps);

        assert_int_equal(storage_attestation_list(s, "n1", 0, &l, &k), 0);
        assert_int_equal(k, 2);
        assert_int_equal(l[0].index, 2);
        assert_string_equal(l[0].evaluation, "fail");
        assert_string_equal(l[0].failure_reason, "policy_violation");
        assert_non_null(strstr(l[0].failures, "ima.not_in_policy"));
        assert_int_equal(l[1].index, 1);
        assert_int_equal(l[1].ima_offset, 10);
        attestation_list_free(l, k);
        assert_int_equal(storage_attestation_get(s, "n1", 0, &one), -ENOENT);   /* cut by the retention */
        assert_int_equal(storage_attestation_get(s, "n1", 1, &one), 0);
        assert_string_equal(one.evaluation, "pass");
        attestation_done(&one);

        assert_int_equal(storage_push_state_get(s, "n1", &gps), 0);
        assert_int_equal(gps.boot_time, 77);
        assert_int_equal(gps.next_index, 3);
        assert_int_equal(gps.ima_state.size, 5);
        push_state_done(&gps);

        /* The token is only ever extended. */
        assert_int_equal(storage_session_get(s, "s1", &gs), 0);
        assert_int_equal(gs.expires_usec, 202);
        session_done(&gs);
        uint64_t events = 0;
        assert_int_equal(storage_event_count(s, "n1", &events), 0);
        assert_int_equal(events, 3);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_string_equal(got->verdict, "FAIL");
}

static void test_group_all_or_nothing(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n1 = make_push_node("n1", 0);
        Attestation a = make_attestation(0, "pass"), got = {};
        PushState ps = {};
        /* The second verdict is for a node that does not exist: the first is not stored either. */
        _cleanup_(node_freep) Node *ghost = make_push_node("ghost", 0);
        VerdictCommit c[2] = {
                { .node = n1, .attestation = &a, .push_state = &ps },
                { .node = ghost, .attestation = &a, .push_state = &ps, .session_id = "none" },
        };

        assert_int_equal(storage_node_put(s, n1), 0);
        free(ghost->id);
        ghost->id = NULL;        /* NOT NULL constraint */
        assert_true(storage_verdict_commit(s, c, 2) < 0);
        assert_int_equal(storage_attestation_get(s, "n1", 0, &got), -ENOENT);
}

/* Several verdicts of one node in one group, the same attestation twice among them: each
 * written after the one before it, as if committed one by one. */
static void test_group_same_node(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *first = make_push_node("n1", 0), *second = make_push_node("n1", 0),
                                   *third = make_push_node("n1", 0), *n2 = make_push_node("n2", 0), *got = NULL;
        Session sess = { .id = (char *) "s1", .node_id = (char *) "n1", .has_token = true, .expires_usec = 100 }, gs = {};
        Attestation a0 = make_attestation(0, "pass"), again = make_attestation(0, "fail"), a1 = make_attestation(1, "pass");
        Attestation *l = NULL;
        PushState ps[3] = { { .next_index = 1 }, { .next_index = 2 }, { .next_index = 3 } }, gps = {};
        uint64_t events = 0;
        size_t k = 0;

        assert_int_equal(storage_node_put(s, first), 0);
        assert_int_equal(storage_node_put(s, n2), 0);
        assert_int_equal(storage_session_put(s, &sess), 0);
        first->verdict = strdup("PASS");
        second->verdict = strdup("PASS");
        third->verdict = strdup("FAIL");
        third->state = NODE_TERMINATED;
        third->last_attestation_usec = 700;
        VerdictCommit c[4] = {
                { .node = first, .verdict_only = true, .attestation = &a0, .push_state = &ps[0], .session_id = "s1",
                  .session_expires_usec = 300, .history_retention = 2, .event_kind = "PASS" },
                { .node = n2, .verdict_only = true, .attestation = &a0, .push_state = &ps[0] },
                { .node = second, .verdict_only = true, .attestation = &again, .push_state = &ps[1], .session_id = "s1",
                  .session_expires_usec = 200, .history_retention = 2, .event_kind = "PASS" },
                { .node = third, .verdict_only = true, .attestation = &a1, .push_state = &ps[2],
                  .history_retention = 2, .event_kind = "FAIL" },
        };

        assert_int_equal(storage_verdict_commit(s, c, 4), 0);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_string_equal(got->verdict, "FAIL");
        assert_int_equal(got->state, NODE_TERMINATED);
        assert_int_equal(got->attestations_passed, 2);     /* one more for each PASS */
        assert_int_equal(got->last_attestation_usec, 700);
        assert_int_equal(storage_attestation_list(s, "n1", 0, &l, &k), 0);
        assert_int_equal(k, 2);
        assert_int_equal(l[0].index, 1);
        assert_int_equal(l[1].index, 0);
        assert_string_equal(l[1].evaluation, "fail");      /* the later write of the same attestation */
        attestation_list_free(l, k);
        assert_int_equal(storage_push_state_get(s, "n1", &gps), 0);
        assert_int_equal(gps.next_index, 3);
        push_state_done(&gps);
        assert_int_equal(storage_session_get(s, "s1", &gs), 0);
        assert_int_equal(gs.expires_usec, 300);             /* only ever extended */
        session_done(&gs);
        assert_int_equal(storage_event_count(s, "n1", &events), 0);
        assert_int_equal(events, 3);
        assert_int_equal(storage_push_state_get(s, "n2", &gps), 0);
        assert_int_equal(gps.next_index, 1);
        push_state_done(&gps);
}

/* A verdict whose node was deleted since it was read fails alone; the rest of
 * its group is stored. */
static void test_group_each(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n1 = make_push_node("n1", 0), *gone = make_push_node("gone", 0),
                                   *n2 = make_push_node("n2", 0);
        Attestation a = make_attestation(0, "pass"), got = {};
        PushState ps = {};
        VerdictCommit c[3] = {
                { .node = n1, .verdict_only = true, .attestation = &a, .push_state = &ps },
                { .node = gone, .verdict_only = true, .attestation = &a, .push_state = &ps },
                { .node = n2, .verdict_only = true, .attestation = &a, .push_state = &ps },
        };
        int results[3] = { 1, 1, 1 };

        assert_int_equal(storage_node_put(s, n1), 0);
        assert_int_equal(storage_node_put(s, gone), 0);
        assert_int_equal(storage_node_put(s, n2), 0);
        assert_int_equal(storage_node_delete(s, "gone"), 0);
        assert_int_equal(storage_verdict_commit_each(s, c, 3, results), 2);
        assert_int_equal(results[0], 0);
        assert_true(results[1] < 0);
        assert_int_equal(results[2], 0);
        assert_int_equal(storage_attestation_get(s, "n1", 0, &got), 0);
        attestation_done(&got);
        assert_int_equal(storage_attestation_get(s, "n2", 0, &got), 0);
        attestation_done(&got);
        assert_int_equal(storage_attestation_get(s, "gone", 0, &got), -ENOENT);
        Node *back = NULL;
        assert_int_equal(storage_node_get(s, "gone", &back), -ENOENT);
}

static void test_overdue(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *fresh = make_push_node("fresh", 95000000), *old = make_push_node("old", 80000000),
                                   *gone = make_push_node("timed-out", 1000), *stopped = make_push_node("stopped", 1000);
        char **ids = NULL;
        size_t n = 0;

        gone->verdict = strdup("TIMEOUT");
        stopped->state = NODE_STOPPED;
        assert_int_equal(storage_node_put(s, fresh), 0);
        assert_int_equal(storage_node_put(s, old), 0);
        assert_int_equal(storage_node_put(s, gone), 0);
        assert_int_equal(storage_node_put(s, stopped), 0);
        /* now = 100 s, 5 × 2 s: only "old" is overdue */
        assert_int_equal(storage_node_list_overdue(s, 100000000, 5, &ids, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(ids[0], "old");
        assert_null(ids[1]);
        free(ids[0]);
        free(ids);
}

/* A name pointed at new content takes its nodes along, in one transaction. */
static void test_policy_name_update(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("user"), *got = NULL;
        char d1[POLICY_DIGEST_HEX_SIZE], d2[POLICY_DIGEST_HEX_SIZE];

        assert_int_equal(storage_policy_put(s, "tpm", (const uint8_t *) "{\"a\":1}", 7, d1), 0);
        assert_int_equal(storage_policy_put(s, "tpm", (const uint8_t *) "{\"a\":2}", 7, d2), 0);
        assert_int_equal(storage_policy_name_update(s, "tpm", "fleet", d2), -ENOENT);
        assert_int_equal(storage_policy_name_set(s, "tpm", "fleet", d1, false), 0);
        n->state = NODE_ENROLLED;
        n->tpm_policy = strdup(d1);
        n->tpm_policy_name = strdup("fleet");
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_policy_name_delete(s, "tpm", "fleet"), -EBUSY);
        assert_true(storage_policy_name_update(s, "tpm", "fleet", d2) >= 0);
        assert_int_equal(storage_node_get(s, "user", &got), 0);
        assert_string_equal(got->tpm_policy, d2);
        assert_string_equal(got->tpm_policy_name, "fleet");
}

/* An operator's change to the node between the request's read of the row and the
 * verdict's commit stays: the verdict writes only its own columns. */
static void test_verdict_keeps_operator_changes(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_push_node("n1", 0), *stale = NULL, *admin = NULL, *got = NULL;
        _cleanup_(node_freep) Node *ghost = make_push_node("gone", 0);
        char d1[POLICY_DIGEST_HEX_SIZE], d2[POLICY_DIGEST_HEX_SIZE];
        Attestation a = make_attestation(0, "pass"), b = make_attestation(1, "pass");
        PushState ps = { .next_index = 1 };

        assert_int_equal(storage_policy_put(s, "tpm", (const uint8_t *) "{\"a\":1}", 7, d1), 0);
        assert_int_equal(storage_policy_put(s, "tpm", (const uint8_t *) "{\"a\":2}", 7, d2), 0);
        n->tpm_policy = strdup(d1);
        n->attestations_passed = 3;
        n->attest_count = 5;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_get(s, "n1", &stale), 0);          /* the request's read */

        assert_int_equal(storage_node_get(s, "n1", &admin), 0);          /* the operator's change */
        free(admin->tpm_policy);
        admin->tpm_policy = strdup(d2);
        admin->interval_sec = 60;
        admin->failure_actions = strdup("journal");
        assert_int_equal(storage_node_put(s, admin), 0);

        free(stale->verdict);
        stale->verdict = strdup("PASS");
        stale->attested_by = strdup("v1");
        stale->last_attestation_usec = 500;
        stale->attestations_passed++;
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = stale, .verdict_only = true,
                                                                      .attestation = &a, .push_state = &ps }, 1), 0);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_string_equal(got->tpm_policy, d2);
        assert_int_equal(got->interval_sec, 60);
        assert_string_equal(got->failure_actions, "journal");
        assert_string_equal(got->verdict, "PASS");
        assert_string_equal(got->attested_by, "v1");
        assert_int_equal(got->last_attestation_usec, 500);
        assert_int_equal(got->attestations_passed, 4);
        assert_int_equal(got->state, NODE_ENROLLED);
        got = node_free(got);

        /* The pass that reaches attest_count; the operator's row otherwise. */
        stale->state = NODE_TERMINATED;
        stale->last_attestation_usec = 600;
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = stale, .verdict_only = true,
                                                                      .attestation = &b }, 1), 0);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_int_equal(got->state, NODE_TERMINATED);
        assert_int_equal(got->attestations_passed, 5);
        assert_string_equal(got->tpm_policy, d2);

        /* A node deleted meanwhile is not brought back. */
        assert_true(storage_verdict_commit(s, &(VerdictCommit) { .node = ghost, .verdict_only = true,
                                                                 .attestation = &a }, 1) < 0);
        assert_int_equal(storage_node_get(s, "gone", &got), -ENOENT);
}

/* The WAL is checkpointed beside the commits (SQLite's automatic checkpoint is
 * off): the database file grows to hold what was committed. */
static void test_checkpoint_thread(void **state) {
        Storage *s = *state;
        char digest[POLICY_DIGEST_HEX_SIZE];
        uint8_t content[32768];
        struct stat st = {};

        if (on_postgresql())
                return;
        /* 200 commits of 8 pages each: 1600 pages in the WAL without a checkpoint. */
        for (unsigned i = 0; i < 200; i++) {
                memset(content, (int) i, sizeof content);
                content[0] = (uint8_t) (i >> 8);
                assert_int_equal(storage_policy_put(s, "tpm", content, sizeof content, digest), 0);
        }
        for (unsigned i = 0; i < 200 && st.st_size < 4 * 1024 * 1024; i++) {
                if (i > 0)
                        usleep(50000);
                assert_int_equal(stat(db_path, &st), 0);
        }
        assert_true(st.st_size >= 4 * 1024 * 1024);
}

/* Reads in one read transaction; writes after it. */
static void test_read_transaction(void **state) {
        Storage *s = *state, *reading;
        _cleanup_(node_freep) Node *n = make_push_node("n1", 0), *got = NULL;
        Session sess = {};
        PushState ps = {};

        assert_int_equal(storage_node_put(s, n), 0);
        reading = storage_read_begin(s);
        assert_int_equal(storage_session_get(s, "s1", &sess), -ENOENT);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_int_equal(storage_push_state_get(s, "n1", &ps), -ENOENT);
        assert_null(storage_read_end(reading));
        got = node_free(got);
        n->interval_sec = 7;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_get(s, "n1", &got), 0);
        assert_int_equal(got->interval_sec, 7);
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_verdict_keeps_operator_changes),
        DB_TEST(test_read_transaction),
        DB_TEST(test_checkpoint_thread),
        DB_TEST(test_policy_name_update),
        DB_TEST(test_node_roundtrip),
        DB_TEST(test_node_update_and_list),
        DB_TEST(test_policy_content_addressed),
        DB_TEST(test_policy_in_use),
        DB_TEST(test_events),
        DB_TEST(test_reopen),
        DB_TEST(test_newer_schema),
        cmocka_unit_test(test_node_state_strings),
        DB_TEST(test_session),
        DB_TEST(test_verdicts_and_retention),
        DB_TEST(test_group_all_or_nothing),
        DB_TEST(test_group_each),
        DB_TEST(test_group_same_node),
        DB_TEST(test_overdue),
};

STORAGE_TEST_MAIN(tests)
