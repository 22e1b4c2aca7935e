/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push side of the storage (sessions, verdicts in groups, history
 * retention, push state, overdue nodes) and the verifier's push state encodings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "storage.h"
#include "verifierd.h"
#include "verifierd-push.h"

static char dir[] = "/tmp/test-storage-push-XXXXXX";
static char db_path[256];

static Node *make_node(const char *id, uint64_t last_usec) {
        Node *n = calloc(1, sizeof *n);
        assert_non_null(n);
        n->id = strdup(id);
        n->state = NODE_ENROLLED;
        assert_int_equal(blob_set(&n->ek_tpm, "ek", 2), 0);
        assert_int_equal(blob_set(&n->aik_tpm, "ak", 2), 0);
        n->interval_sec = 2;
        n->enrolled_usec = 1;
        n->last_attestation_usec = last_usec;
        return n;
}

static int setup(void **state) {
        Storage *s;

        (void) snprintf(db_path, sizeof db_path, "%s/verifier.db", dir);
        unlink(db_path);
        assert_int_equal(storage_open_sqlite(db_path, &s), 0);
        *state = s;
        return 0;
}

static int teardown(void **state) {
        storage_close(*state);
        return 0;
}

static void test_session(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("n1", 0);
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
        _cleanup_(node_freep) Node *n1 = make_node("n1", 0), *n2 = make_node("n2", 0), *got = NULL;
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
        _cleanup_(node_freep) Node *n1 = make_node("n1", 0);
        Attestation a = make_attestation(0, "pass"), got = {};
        PushState ps = {};
        /* The second verdict is for a node that does not exist: the first is not stored either. */
        _cleanup_(node_freep) Node *ghost = make_node("ghost", 0);
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

static void test_overdue(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *fresh = make_node("fresh", 95000000), *old = make_node("old", 80000000),
                                   *gone = make_node("timed-out", 1000), *stopped = make_node("stopped", 1000);
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

static void test_encodings(void **state) {
        Tpm2ClockInfo c = { .clock = 123456789, .reset_count = 3, .restart_count = 4, .safe = true }, c2;
        const HashAlg *algs[2] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        ImaReplayState st, st2;
        Blob b = {};

        assert_int_equal(push_clock_encode(&c, &b), 0);
        assert_int_equal(push_clock_decode(&b, &c2), 0);
        assert_true(c2.clock == c.clock && c2.reset_count == 3 && c2.restart_count == 4 && c2.safe);
        b.data[16] = 2;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        b.size--;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        blob_done(&b);

        assert_int_equal(ima_replay_state_init(&st, algs, 2), 0);
        st.n_entries = 42;
        st.banks[1].value[5] = 0x55;
        assert_int_equal(push_ima_state_encode(&st, &b), 0);
        assert_int_equal(push_ima_state_decode(&b, &st2), 0);
        assert_int_equal(st2.n_entries, 42);
        assert_int_equal(st2.n_banks, 2);
        assert_int_equal(ima_replay_state_bank(&st2, algs[1])->value[5], 0x55);
        b.data[9] = 0x7f;                /* unknown algorithm */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        b.data[9] = 0x00;
        assert_int_equal(blob_set(&b, b.data, b.size - 1), 0);      /* truncated */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        blob_done(&b);
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG); /* empty */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_session, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verdicts_and_retention, setup, teardown),
                cmocka_unit_test_setup_teardown(test_group_all_or_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_overdue, setup, teardown),
                cmocka_unit_test(test_encodings),
        };
        int r;

        assert_non_null(mkdtemp(dir));
        r = cmocka_run_group_tests(tests, NULL, NULL);
        for (const char *suffix = ""; suffix; suffix = *suffix == 0 ? "-wal" : strcmp(suffix, "-wal") == 0 ? "-shm" : NULL) {
                char p[300];
                (void) snprintf(p, sizeof p, "%s%s", db_path, suffix);
                (void) unlink(p);
        }
        (void) rmdir(dir);
        return r;
}
