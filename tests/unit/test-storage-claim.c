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
#include "storage-pg.h"
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

static void assert_next_index(Storage *s, const char *id, uint64_t next_index) {
        PushState ps = {};

        assert_int_equal(storage_push_state_get(s, id, &ps), 0);
        assert_int_equal(ps.next_index, next_index);
        push_state_done(&ps);
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

/* The server ends the connection while it is idle (a restart, an administrator, an idle
 * timeout): the next call sees it before it sends anything and succeeds on a new one. */
static void test_reconnect_idle(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL;
        uint64_t count;

        if (!on_postgresql())
                skip();
        n = make_node("idle");
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_event_add(s, "idle", "registered", NULL), 0);
        for (int i = 0; i < 3; i++) {
                /* With a timeout the call returns once the server process is gone. */
                assert_int_equal(raw("SELECT COUNT(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"
                                     " WHERE application_name = 'attest-verifierd'"), 1);
                (void) usleep(20 * 1000);
                assert_int_equal(storage_event_count(s, "idle", &count), 0);
                assert_int_equal(count, 1);
        }
}

/* The attestation awaiting evidence: read without being used up, taken once, and only the
 * one whose data begins as the taker expects (not a newer one issued for the same index). */
static void test_pending_take_once(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("pend");
        Blob data = { .data = (uint8_t *) "v1-nonce-A-rest", .size = 15 }, got = {};

        assert_int_equal(storage_node_put(s, n), 0);
        if (!on_postgresql()) {
                assert_int_equal(storage_pending_put(s, "pend", 3, &data), -EOPNOTSUPP);
                assert_int_equal(storage_pending_get(s, "pend", 3, &got), -EOPNOTSUPP);
                assert_int_equal(storage_pending_take(s, "pend", 3, NULL, &got), -EOPNOTSUPP);
                return;
        }
        assert_int_equal(storage_pending_get(s, "pend", 3, &got), -ENOENT);
        assert_int_equal(storage_pending_put(s, "pend", 3, &data), 0);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(storage_pending_get(s, "pend", 3, &got), 0);
                assert_int_equal(got.size, data.size);
                assert_memory_equal(got.data, data.data, data.size);
                blob_done(&got);
        }
        assert_int_equal(storage_pending_get(s, "pend", 4, &got), -ENOENT);
        assert_int_equal(storage_pending_take(s, "pend", 4, NULL, &got), -ENOENT);
        assert_int_equal(storage_pending_take(s, "pend", 3, &(const Blob) { .data = (uint8_t *) "v1-nonce-B", .size = 10 },
                                              &got), -ENOENT);
        /* A prefix longer than the data matches nothing. */
        assert_int_equal(storage_pending_take(s, "pend", 3, &(const Blob) { .data = (uint8_t *) "v1-nonce-A-rest-more",
                                                                              .size = 20 }, &got), -ENOENT);
        assert_int_equal(storage_pending_take(s, "pend", 3, &(const Blob) { .data = (uint8_t *) "v1-nonce-A", .size = 10 },
                                              &got), 0);
        assert_memory_equal(got.data, data.data, data.size);
        blob_done(&got);
        assert_int_equal(storage_pending_take(s, "pend", 3, NULL, &got), -ENOENT);
        assert_int_equal(storage_pending_get(s, "pend", 3, &got), -ENOENT);
        /* Without a prefix any data is taken. */
        assert_int_equal(storage_pending_put(s, "pend", 5, &data), 0);
        assert_int_equal(storage_pending_take(s, "pend", 5, NULL, &got), 0);
        blob_done(&got);
        /* It goes with its node, and is not there for a node registered again under that id. */
        assert_int_equal(storage_pending_put(s, "pend", 6, &data), 0);
        assert_int_equal(storage_node_delete(s, "pend"), 0);
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_pending_get(s, "pend", 6, &got), -ENOENT);
        assert_int_equal(raw("SELECT COUNT(*) FROM pending_attestations"), 0);
}

/* An engine policy for n, set through s as an operator would. */
static void set_exec_policy(Storage *s, Node *n, char digest[static POLICY_DIGEST_HEX_SIZE]) {
        assert_int_equal(storage_policy_put(s, "exec", (const uint8_t *) "{}", 2, digest), 0);
        assert_int_equal(node_policy_set(n, "exec", digest, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);
}

static int claim(Storage *s, const char *node_id, uint8_t token_byte, uint64_t index, const char *prefix,
                 uint64_t now_usec, Node **ret_node, PushState *ret_ps) {
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        uint64_t expires = 0;
        int r;

        memset(digest, token_byte, sizeof digest);
        r = storage_evidence_claim(s, &(const EvidenceClaim) {
                                           .session_id = "5e55", .node_id = node_id, .token_digest = digest,
                                           .index = index, .now_usec = now_usec,
                                           .prefix = { .data = (uint8_t *) prefix, .size = strlen(prefix) },
                                   }, &expires, ret_node, ret_ps);
        if (r >= 0)
                assert_int_equal(expires, 5000000);
        return r;
}

/* The evidence's one call: nothing is taken for a session that does not authenticate nor
 * for another nonce or index; the node row is read as it is then, an operator's change
 * made since the attestation was issued included; the nonce is taken once. */
static void test_evidence_claim(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("claimed"), *other = make_node("other"), *got = NULL;
        Session session = { .id = (char *) "5e55", .node_id = (char *) "claimed", .has_token = true,
                            .expires_usec = 5000000 };
        PushState ps = { .next_index = 7 }, got_ps = {};
        Attestation a = { .index = 6, .stage = (char *) "verification_complete", .evaluation = (char *) "pass" };
        Blob pending = { .data = (uint8_t *) "v1-nonce-A-rest", .size = 15 }, b = {};
        char digest[POLICY_DIGEST_HEX_SIZE];
        bool shared = on_postgresql();

        n->state = NODE_ENROLLED;
        n->interval_sec = 2;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_put(s, other), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1), 0);
        memset(session.token_digest, 0x5a, sizeof session.token_digest);
        assert_int_equal(storage_session_put(s, &session), 0);
        if (shared)
                assert_int_equal(storage_pending_put(s, "claimed", 7, &pending), 0);

        /* Refused: another token, an expired session, the session of another node. */
        assert_int_equal(claim(s, "claimed", 0x5b, 7, "v1-nonce-A", 1000, &got, &got_ps), -EACCES);
        assert_int_equal(claim(s, "claimed", 0x5a, 7, "v1-nonce-A", 5000001, &got, &got_ps), -EACCES);
        assert_int_equal(claim(s, "other", 0x5a, 7, "v1-nonce-A", 1000, &got, &got_ps), -EACCES);
        if (shared) {
                /* Another nonce, another index. */
                assert_int_equal(claim(s, "claimed", 0x5a, 7, "v1-nonce-B", 1000, &got, &got_ps), -ESTALE);
                assert_int_equal(claim(s, "claimed", 0x5a, 8, "v1-nonce-A", 1000, &got, &got_ps), -ESTALE);
                assert_int_equal(storage_pending_get(s, "claimed", 7, &b), 0);
                blob_done(&b);
        }
        assert_null(got);

        /* The operator changes the node between the capabilities and the evidence. */
        n->interval_sec = 9;
        set_exec_policy(s, n, digest);
        assert_int_equal(claim(s, "claimed", 0x5a, 7, "v1-nonce-A", 1000, &got, &got_ps), 0);
        assert_int_equal(got->interval_sec, 9);
        assert_int_equal(got->n_policies, 1);
        assert_string_equal(got->policies[0].digest, digest);
        assert_int_equal(got_ps.next_index, 7);
        push_state_done(&got_ps);
        node_free(TAKE_PTR(got));
        if (shared) {
                assert_int_equal(storage_pending_get(s, "claimed", 7, &b), -ENOENT);
                assert_int_equal(claim(s, "claimed", 0x5a, 7, "v1-nonce-A", 1000, &got, &got_ps), -ESTALE);
                assert_null(got);
        }
}

/* Claims of several requests in one call: each outcome as if it had been claimed alone,
 * in order, so that the second of two claims of one nonce finds it taken. */
static void test_evidence_claim_many(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_node("claimed"), *second = make_node("second");
        Session session = { .id = (char *) "5e55", .node_id = (char *) "claimed", .has_token = true,
                            .expires_usec = 5000000 };
        Session session2 = { .id = (char *) "5e56", .node_id = (char *) "second", .has_token = true,
                             .expires_usec = 6000000 };
        PushState ps = { .next_index = 7 }, ps2 = { .next_index = 3 };
        Blob pending = { .data = (uint8_t *) "v1-nonce-A-rest", .size = 15 };
        Blob pending2 = { .data = (uint8_t *) "v1-nonce-C-rest", .size = 15 }, b = {};
        uint8_t good[SESSION_TOKEN_DIGEST_SIZE], bad[SESSION_TOKEN_DIGEST_SIZE];
        EvidenceClaimResult res[7] = {};
        bool shared = on_postgresql();

        n->state = second->state = NODE_ENROLLED;
        n->interval_sec = 2;
        second->interval_sec = 4;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_put(s, second), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .push_state = &ps }, 1), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = second, .push_state = &ps2 }, 1), 0);
        memset(good, 0x5a, sizeof good);
        memset(bad, 0x5b, sizeof bad);
        memcpy(session.token_digest, good, sizeof good);
        memcpy(session2.token_digest, good, sizeof good);
        assert_int_equal(storage_session_put(s, &session), 0);
        assert_int_equal(storage_session_put(s, &session2), 0);
        if (shared) {
                assert_int_equal(storage_pending_put(s, "claimed", 7, &pending), 0);
                assert_int_equal(storage_pending_put(s, "second", 3, &pending2), 0);
        }

#define CLAIM(sid, node, digest, idx, nonce, now) \
        { .session_id = sid, .node_id = node, .token_digest = digest, .index = idx, .now_usec = now, \
          .prefix = { .data = (uint8_t *) nonce, .size = strlen(nonce) } }
        const EvidenceClaim c[ELEMENTSOF(res)] = {
                CLAIM("5e55", "claimed", bad, 7, "v1-nonce-A", 1000),           /* another token */
                CLAIM("5e55", "claimed", good, 7, "v1-nonce-A", 5000001),       /* expired */
                CLAIM("5e55", "second", good, 7, "v1-nonce-A", 1000),           /* another node's session */
                CLAIM("5e56", "second", good, 3, "v1-nonce-A", 1000),           /* another nonce */
                CLAIM("5e55", "claimed", good, 7, "v1-nonce-A", 1000),
                CLAIM("5e55", "claimed", good, 7, "v1-nonce-A", 1000),           /* taken just before */
                CLAIM("5e56", "second", good, 3, "v1-nonce-C", 1000),
        };
#undef CLAIM
        assert_int_equal(storage_batch_run(s, &(const StorageBatch) { .claims = c, .n_claims = ELEMENTSOF(c), .results = res }), 0);
        assert_int_equal(res[0].r, -EACCES);
        assert_int_equal(res[1].r, -EACCES);
        assert_int_equal(res[2].r, -EACCES);
        assert_int_equal(res[3].r, shared ? -ESTALE : 0);
        assert_int_equal(res[4].r, 0);
        assert_int_equal(res[5].r, shared ? -ESTALE : 0);
        assert_int_equal(res[6].r, 0);
        assert_string_equal(res[4].node->id, "claimed");
        assert_int_equal(res[4].node->interval_sec, 2);
        assert_int_equal(res[4].push_state.next_index, 7);
        assert_int_equal(res[4].session_expires_usec, 5000000);
        assert_string_equal(res[6].node->id, "second");
        assert_int_equal(res[6].node->interval_sec, 4);
        assert_int_equal(res[6].push_state.next_index, 3);
        assert_int_equal(res[6].session_expires_usec, 6000000);
        for (size_t i = 0; i < ELEMENTSOF(res); i++) {
                if (res[i].r < 0)
                        assert_null(res[i].node);
                node_free(res[i].node);
                push_state_done(&res[i].push_state);
        }
        if (shared) {
                assert_int_equal(storage_pending_get(s, "claimed", 7, &b), -ENOENT);
                assert_int_equal(storage_pending_get(s, "second", 3, &b), -ENOENT);
        }
}

/* A pending attestation waits for the handle's next round trip or a flush, and is in the
 * database, for every other handle, after either; a read on the same handle finds it. */
static void test_pending_put_later(void **state) {
        Storage *s = *state, *other = NULL;
        _cleanup_(node_freep) Node *n = NULL, *got = NULL;
        Blob pending = { .data = (uint8_t *) "v1-nonce-L-rest", .size = 15 }, b = {};

        if (!on_postgresql())
                skip();
        n = make_node("later");     /* after skip(), which leaves without running cleanups */
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_reopen(&other), 0);

        assert_int_equal(storage_pending_put(s, "later", 1, &pending), 0);
        assert_int_equal(storage_pending_get(other, "later", 1, &b), -ENOENT);
        assert_int_equal(storage_flush(s), 0);
        assert_int_equal(storage_pending_get(other, "later", 1, &b), 0);
        assert_memory_equal(b.data, pending.data, pending.size);
        blob_done(&b);

        /* Ahead of any other round trip of its handle. */
        assert_int_equal(storage_pending_put(s, "later", 2, &pending), 0);
        assert_int_equal(storage_node_get(s, "later", &got), 0);
        assert_int_equal(storage_pending_get(other, "later", 2, &b), 0);
        blob_done(&b);
        assert_int_equal(storage_pending_put(s, "later", 3, &pending), 0);
        assert_int_equal(storage_pending_take(s, "later", 3, NULL, &b), 0);
        blob_done(&b);
        assert_int_equal(storage_pending_get(other, "later", 3, &b), -ENOENT);

        /* Closing the handle sends what it kept. */
        assert_int_equal(storage_pending_put(s, "later", 4, &pending), 0);
        storage_close(s);
        assert_int_equal(storage_reopen(&s), 0);
        *state = s;
        assert_int_equal(storage_pending_get(other, "later", 4, &b), 0);
        blob_done(&b);
        storage_close(other);
}

/* The sessions of several requests read in one round trip with their node rows and push
 * states, with a claim: each request's reads then find them as they were, once; an unknown
 * session among them changes nothing for the others. */
static void test_session_prefetch(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *a = NULL, *b = NULL;
        Session sa = { .id = (char *) "aa01", .node_id = (char *) "pre-a", .has_token = true, .expires_usec = 5000000 };
        Session sb = { .id = (char *) "bb02", .node_id = (char *) "pre-b", .has_token = true, .expires_usec = 5000000 };
        PushState ps = { .next_index = 4 };
        Blob pending = { .data = (uint8_t *) "v1-x-rest", .size = 9 };
        uint8_t zero[SESSION_TOKEN_DIGEST_SIZE] = {};
        EvidenceClaim claim = { .session_id = "bb02", .node_id = "pre-b", .token_digest = zero, .index = 4,
                                .now_usec = 1000, .prefix = { .data = (uint8_t *) "v1-x", .size = 4 } };
        EvidenceClaimResult claimed = {};
        Session read = {};

        if (!on_postgresql()) {
                assert_false(storage_batches(s));
                skip();
        }
        assert_true(storage_batches(s));
        a = make_node("pre-a");
        b = make_node("pre-b");
        a->verdict = strdup("PASS");
        b->verdict = strdup("PASS");
        assert_int_equal(storage_node_put(s, a), 0);
        assert_int_equal(storage_node_put(s, b), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = b, .push_state = &ps }, 1), 0);
        assert_int_equal(storage_session_put(s, &sa), 0);
        assert_int_equal(storage_session_put(s, &sb), 0);
        pg_cache_set_lifetime(s, 60 * 1000000u);

        /* With a claim in the same round trip. */
        assert_int_equal(storage_pending_put(s, "pre-b", 4, &pending), 0);
        assert_int_equal(storage_batch_run(s, &(const StorageBatch) {
                                                      .session_ids = (const char *const[]) { "aa01", "ffff", "bb02" },
                                                      .n_sessions = 3, .claims = &claim, .n_claims = 1,
                                                      .results = &claimed }), 0);
        assert_int_equal(claimed.r, 0);
        assert_string_equal(claimed.node->id, "pre-b");
        assert_int_equal(claimed.push_state.next_index, 4);
        node_free(claimed.node);
        push_state_done(&claimed.push_state);
        (void) raw("UPDATE nodes SET verdict = 'FAIL'");
        (void) raw("UPDATE push_state SET next_index = 9");
        assert_int_equal(storage_session_get(s, "bb02", &read), 0);
        assert_string_equal(read.node_id, "pre-b");
        session_done(&read);
        assert_int_equal(storage_session_get(s, "ffff", &read), -ENOENT);
        assert_verdict(s, "pre-a", "PASS");
        assert_verdict(s, "pre-b", "PASS");
        assert_next_index(s, "pre-b", 4);
        /* Once each: then the database's. */
        assert_verdict(s, "pre-a", "FAIL");
        assert_next_index(s, "pre-b", 9);
}

/* A turn's worth of requests read ahead together keep their rows side by side: each finds
 * its node row and push state. Where a row goes depends on the addresses of the statements,
 * so a few may meet in one set of the cache; a cache that evicted one request's rows for
 * another's loses about half of them. */
static void test_session_prefetch_turn(void **state) {
        Storage *s = *state;
        char ids[64][16], sids[64][16];
        const char *read[64];
        PushState ps = { .next_index = 2 };
        size_t kept = 0;

        if (!on_postgresql())
                skip();
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                _cleanup_(node_freep) Node *n = NULL;
                Session session = { .id = sids[i], .node_id = ids[i], .has_token = true, .expires_usec = 5000000 };

                (void) snprintf(ids[i], sizeof ids[i], "turn-%zu", i);
                (void) snprintf(sids[i], sizeof sids[i], "%04zx", i);
                n = make_node(ids[i]);
                n->verdict = strdup("PASS");
                assert_int_equal(storage_node_put(s, n), 0);
                assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .push_state = &ps }, 1), 0);
                assert_int_equal(storage_session_put(s, &session), 0);
                read[i] = sids[i];
        }
        pg_cache_set_lifetime(s, 60 * 1000000u);
        assert_int_equal(storage_batch_run(s, &(const StorageBatch) { .session_ids = read, .n_sessions = ELEMENTSOF(read) }), 0);
        (void) raw("UPDATE nodes SET verdict = 'FAIL'");
        (void) raw("UPDATE push_state SET next_index = 9");
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                _cleanup_(node_freep) Node *n = NULL;
                PushState got = {};

                assert_int_equal(storage_node_get(s, ids[i], &n), 0);
                assert_int_equal(storage_push_state_get(s, ids[i], &got), 0);
                kept += strcmp(n->verdict, "PASS") == 0 && got.next_index == 2;
                push_state_done(&got);
        }
        assert_in_range(kept, ELEMENTSOF(ids) - 2, ELEMENTSOF(ids));
}

/* The capabilities' reads as the verifier makes them, and the attestation they issue. */
static void capabilities(Storage *s, uint64_t index) {
        _cleanup_(node_freep) Node *n = NULL;
        Blob pending = { .data = (uint8_t *) "v1-nonce-A-rest", .size = 15 };
        Session read = {};
        PushState ps = {};
        int r;

        assert_int_equal(storage_session_get(s, "5e55", &read), 0);
        session_done(&read);
        assert_int_equal(storage_node_get(s, "claimed", &n), 0);
        r = storage_push_state_get(s, "claimed", &ps);
        assert_true(r == 0 || r == -ENOENT);    /* none for a node registered again */
        push_state_done(&ps);
        assert_int_equal(storage_pending_put(s, "claimed", index, &pending), 0);
}

static void assert_claimed_interval(Storage *s, uint64_t index, uint64_t interval_sec) {
        _cleanup_(node_freep) Node *got = NULL;
        PushState ps = {};

        assert_int_equal(claim(s, "claimed", 0x5a, index, "v1-nonce-A", 1000, &got, &ps), 0);
        assert_int_equal(got->interval_sec, interval_sec);
        push_state_done(&ps);
}

/* Whatever the capabilities read (and an instance may keep), the claim answers with the node
 * row, engine policies and push state as they are then: a change through another instance, or
 * made in the database by anyone, is seen by the claim that follows. */
static void test_evidence_claim_moved(void **state) {
        Storage *s = *state, *other = NULL;
        _cleanup_(node_freep) Node *n = NULL, *got = NULL;
        Session session = { .id = (char *) "5e55", .node_id = (char *) "claimed", .has_token = true,
                            .expires_usec = 5000000 };
        PushState ps = { .next_index = 7 }, got_ps = {};
        Attestation a = { .index = 6, .stage = (char *) "verification_complete", .evaluation = (char *) "pass" };
        char digest[POLICY_DIGEST_HEX_SIZE];

        if (!on_postgresql())
                skip();         /* with SQLite one instance keeps pending attestations in memory */
        /* Made after skip(), which leaves without running the cleanups. */
        n = make_node("claimed");
        n->state = NODE_ENROLLED;
        n->interval_sec = 2;
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1), 0);
        memset(session.token_digest, 0x5a, sizeof session.token_digest);
        assert_int_equal(storage_session_put(s, &session), 0);
        assert_int_equal(storage_reopen(&other), 0);

        capabilities(s, 7);
        assert_claimed_interval(s, 7, 2);

        /* The row changed in the database; a refused claim between takes nothing. */
        capabilities(s, 8);
        (void) raw("UPDATE nodes SET interval_sec = 4 WHERE id = 'claimed'");
        assert_int_equal(claim(s, "claimed", 0x5b, 8, "v1-nonce-A", 1000, &got, &got_ps), -EACCES);
        assert_int_equal(claim(s, "claimed", 0x5a, 8, "v1-nonce-B", 1000, &got, &got_ps), -ESTALE);
        assert_null(got);
        assert_claimed_interval(s, 8, 4);

        /* An engine policy set through the other instance. */
        capabilities(s, 9);
        n->interval_sec = 6;
        set_exec_policy(other, n, digest);
        assert_int_equal(claim(s, "claimed", 0x5a, 9, "v1-nonce-A", 1000, &got, &got_ps), 0);
        assert_int_equal(got->interval_sec, 6);
        assert_int_equal(got->n_policies, 1);
        assert_null(got->policies[0].name);
        push_state_done(&got_ps);
        got = node_free(got);

        /* An engine policy row changed in the database alone; the node row by a verdict. */
        capabilities(s, 10);
        (void) raw("UPDATE node_policies SET name = 'renamed' WHERE node_id = 'claimed'");
        assert_int_equal(claim(s, "claimed", 0x5a, 10, "v1-nonce-A", 1000, &got, &got_ps), 0);
        assert_string_equal(got->policies[0].name, "renamed");
        push_state_done(&got_ps);
        got = node_free(got);
        capabilities(s, 11);
        free(n->verdict);
        n->verdict = strdup("FAIL");
        a.index = 10;
        assert_int_equal(storage_verdict_commit(other, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps,
                                                                         .verdict_only = true }, 1), 0);
        assert_int_equal(claim(s, "claimed", 0x5a, 11, "v1-nonce-A", 1000, &got, &got_ps), 0);
        assert_string_equal(got->verdict, "FAIL");
        push_state_done(&got_ps);
        got = node_free(got);

        /* The push state alone, in the database. */
        capabilities(s, 14);
        (void) raw("UPDATE push_state SET next_index = 99 WHERE node_id = 'claimed'");
        assert_int_equal(claim(s, "claimed", 0x5a, 14, "v1-nonce-A", 1000, &got, &got_ps), 0);
        assert_int_equal(got_ps.next_index, 99);
        push_state_done(&got_ps);
        got = node_free(got);

        /* Deleted and registered again through the other instance: the new row. */
        capabilities(s, 12);
        assert_int_equal(storage_node_delete(other, "claimed"), 0);
        n->interval_sec = 3;
        assert_int_equal(storage_node_put(other, n), 0);
        assert_int_equal(storage_session_put(other, &session), 0);
        assert_int_equal(storage_pending_put(other, "claimed", 12,
                                             &(const Blob) { .data = (uint8_t *) "v1-nonce-A-rest", .size = 15 }), 0);
        assert_claimed_interval(s, 12, 3);

        /* Deleted through the other instance after the capabilities: nothing to claim. */
        capabilities(s, 13);
        assert_int_equal(storage_node_delete(other, "claimed"), 0);
        assert_int_equal(claim(s, "claimed", 0x5a, 13, "v1-nonce-A", 1000, &got, &got_ps), -EACCES);
        assert_null(got);
        storage_close(other);
}

/* A request reads its session, then its node and push state: the session's read fetches
 * those two too, for one read each within the request; taking the pending attestation
 * fetches the push state the verdict starts from. A session is read from the cache until
 * written here while its node row is kept; read when it is not (the next request's first
 * read), it is fetched again with those two. Nothing else read from the database is kept
 * for a later request. */
static void test_read_cache(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL, *got = NULL;
        Session session = { .id = (char *) "0123abcd", .node_id = (char *) "cached", .has_token = true,
                            .expires_usec = 5000000 }, read = {};
        PushState ps = { .next_index = 7 }, got_ps = {};
        Attestation a = { .index = 6, .stage = (char *) "verification_complete", .evaluation = (char *) "pass" };
        Blob pending = { .data = (uint8_t *) "p-7", .size = 3 }, taken = {};

        if (!on_postgresql())
                skip();
        /* What is kept is under test here, not for how long: a slow build may take 100 ms between reads. */
        pg_cache_set_lifetime(s, 60 * 1000000u);
        n = make_node("cached");
        n->verdict = strdup("PASS");
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1), 0);
        assert_int_equal(storage_session_put(s, &session), 0);

        /* The session's read; then another instance changes the rows. */
        assert_int_equal(storage_session_get(s, "0123abcd", &read), 0);
        assert_string_equal(read.node_id, "cached");
        session_done(&read);
        (void) raw("UPDATE nodes SET verdict = 'FAIL' WHERE id = 'cached'");
        (void) raw("UPDATE push_state SET next_index = 9 WHERE node_id = 'cached'");
        (void) raw("UPDATE sessions SET expires_usec = 6000000 WHERE id = '0123abcd'");

        /* The next read of node and push state is the fetched one; the one after is the database's. */
        assert_verdict(s, "cached", "PASS");
        assert_next_index(s, "cached", 7);
        assert_verdict(s, "cached", "FAIL");
        assert_next_index(s, "cached", 9);
        /* The next request's: fetched again, then kept with its node row. */
        (void) raw("UPDATE nodes SET verdict = 'PENDING' WHERE id = 'cached'");
        assert_int_equal(storage_session_get(s, "0123abcd", &read), 0);
        assert_int_equal(read.expires_usec, 6000000);
        session_done(&read);
        (void) raw("UPDATE sessions SET expires_usec = 6500000 WHERE id = '0123abcd'");
        (void) raw("UPDATE nodes SET verdict = 'FAIL' WHERE id = 'cached'");
        assert_int_equal(storage_session_get(s, "0123abcd", &read), 0);
        assert_int_equal(read.expires_usec, 6000000);
        session_done(&read);
        assert_int_equal(storage_node_get(s, "cached", &got), 0);
        assert_string_equal(got->verdict, "PENDING");
        got = node_free(got);
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        assert_int_equal(got_ps.next_index, 9);
        push_state_done(&got_ps);
        /* Read from the database: not kept. */
        assert_int_equal(storage_node_get(s, "cached", &got), 0);
        assert_string_equal(got->verdict, "FAIL");
        got = node_free(got);

        /* Taking the pending attestation fetches the push state as it is then, for the verdict. */
        assert_int_equal(storage_pending_put(s, "cached", 9, &pending), 0);
        (void) raw("UPDATE push_state SET next_index = 13 WHERE node_id = 'cached'");
        assert_int_equal(storage_pending_take(s, "cached", 9, NULL, &taken), 0);
        blob_done(&taken);
        (void) raw("UPDATE push_state SET next_index = 14 WHERE node_id = 'cached'");
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        assert_int_equal(got_ps.next_index, 13);
        push_state_done(&got_ps);
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        assert_int_equal(got_ps.next_index, 14);
        push_state_done(&got_ps);
        /* Not when it was not there. */
        assert_int_equal(storage_pending_take(s, "cached", 9, NULL, &taken), -ENOENT);
        (void) raw("UPDATE push_state SET next_index = 15 WHERE node_id = 'cached'");
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        assert_int_equal(got_ps.next_index, 15);
        push_state_done(&got_ps);

        /* A write here is never hidden by the cache. */
        assert_int_equal(storage_node_get(s, "cached", &got), 0);
        free(got->verdict);
        got->verdict = strdup("PASS");
        assert_int_equal(storage_node_put(s, got), 0);
        got = node_free(got);
        assert_int_equal(storage_node_get(s, "cached", &got), 0);
        assert_string_equal(got->verdict, "PASS");
        session.expires_usec = 7000000;
        assert_int_equal(storage_session_put(s, &session), 0);
        assert_int_equal(storage_session_get(s, "0123abcd", &read), 0);
        assert_int_equal(read.expires_usec, 7000000);
        session_done(&read);
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        push_state_done(&got_ps);
        ps.next_index = 11;
        a.index = 10;
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = got, .attestation = &a, .push_state = &ps }, 1), 0);
        assert_int_equal(storage_push_state_get(s, "cached", &got_ps), 0);
        assert_int_equal(got_ps.next_index, 11);
        push_state_done(&got_ps);
        /* A deleted node's sessions are not read from the cache either. */
        assert_int_equal(storage_session_get(s, "0123abcd", &read), 0);
        session_done(&read);
        assert_int_equal(storage_node_delete(s, "cached"), 0);
        assert_int_equal(storage_session_get(s, "0123abcd", &read), -ENOENT);
        assert_int_equal(storage_node_get(s, "cached", &got), -ENOENT);
        /* A verdict taken while the administrator deleted the node does not bring it back. */
        a.index = 12;
        assert_true(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps }, 1) < 0);
        assert_int_equal(storage_node_get(s, "cached", &got), -ENOENT);
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_read_cache),
        DB_TEST(test_reconnect),
        DB_TEST(test_reconnect_idle),
        DB_TEST(test_pending_take_once),
        DB_TEST(test_evidence_claim),
        DB_TEST(test_evidence_claim_moved),
        DB_TEST(test_evidence_claim_many),
        DB_TEST(test_pending_put_later),
        DB_TEST(test_session_prefetch),
        DB_TEST(test_session_prefetch_turn),
        DB_TEST(test_reconnect_pipeline),
        DB_TEST(test_claim_once),
        DB_TEST(test_claim_two_instances),
        DB_TEST(test_claim_skips_locked),
        DB_TEST(test_migrate_concurrently),
};

STORAGE_TEST_MAIN(tests)
