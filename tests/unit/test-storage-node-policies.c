/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-node policies for engines beyond tpm/boot/runtime: the schema migrations
 * from versions 2 and 8, round trips, the one-transaction write and removal with the node. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "storage-test.h"

static Node *make_enrolled(const char *id) {
        Node *n = make_node(id);
        n->state = NODE_ENROLLED;
        n->verdict = strdup("PENDING");
        return n;
}

static void put_content(Storage *s, const char *kind, const char *text, char d[POLICY_DIGEST_HEX_SIZE]) {
        assert_int_equal(storage_policy_put(s, kind, (const uint8_t *) text, strlen(text), d), 0);
}

static void test_helpers(void **state) {
        _cleanup_(node_freep) Node *n = make_enrolled("h");
        char engine[16];

        assert_int_equal(node_policy_set(n, "zeta", "d1", NULL), 0);
        assert_int_equal(node_policy_set(n, "exec", "d2", "site"), 0);
        assert_string_equal(n->policies[0].engine, "exec");     /* kept sorted */
        assert_int_equal(node_policy_set(n, "exec", "d3", NULL), 0);   /* replaced, not added */
        assert_int_equal(n->n_policies, 2);
        assert_string_equal(node_policy_find(n, "exec")->digest, "d3");
        assert_null(node_policy_find(n, "exec")->name);
        assert_int_equal(node_policy_remove(n, "exec"), 0);
        assert_int_equal(node_policy_remove(n, "exec"), -ENOENT);
        assert_null(node_policy_find(n, "exec"));
        for (unsigned i = 1; i < NODE_ENGINE_POLICIES_MAX; i++) {
                (void) snprintf(engine, sizeof engine, "e%u", i);
                assert_int_equal(node_policy_set(n, engine, "d", NULL), 0);
        }
        assert_int_equal(n->n_policies, NODE_ENGINE_POLICIES_MAX);
        assert_int_equal(node_policy_set(n, "one-more", "d", NULL), -E2BIG);    /* NODE_ENGINE_POLICIES_MAX */
        assert_int_equal(node_policy_set(n, "zeta", "d4", NULL), 0);            /* replacing is fine at the limit */
}

static void test_round_trip(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_enrolled("node-1"), *got = NULL;
        char d1[POLICY_DIGEST_HEX_SIZE], d2[POLICY_DIGEST_HEX_SIZE];
        Node **l = NULL;
        size_t k = 0;

        put_content(s, "exec", "{\"command\": [\"/bin/true\"]}", d1);
        put_content(s, "opa", "{\"bundle\": 1}", d2);
        assert_int_equal(node_policy_set(n, "opa", d2, "fleet"), 0);
        assert_int_equal(node_policy_set(n, "exec", d1, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);

        assert_int_equal(storage_node_get(s, "node-1", &got), 0);
        assert_int_equal(got->n_policies, 2);
        assert_string_equal(got->policies[0].engine, "exec");
        assert_string_equal(got->policies[0].digest, d1);
        assert_null(got->policies[0].name);
        assert_string_equal(got->policies[1].engine, "opa");
        assert_string_equal(got->policies[1].name, "fleet");
        got = node_free(got);

        assert_int_equal(storage_node_list(s, &l, &k), 0);
        assert_int_equal(k, 1);
        assert_int_equal(l[0]->n_policies, 2);
        node_list_free(l, k);

        /* A plain row write (as every verdict does) leaves the engine policies alone. */
        free(n->verdict);
        n->verdict = strdup("PASS");
        node_policy_remove(n, "opa");
        assert_int_equal(storage_node_put(s, n), 0);
        assert_int_equal(storage_node_get(s, "node-1", &got), 0);
        assert_string_equal(got->verdict, "PASS");
        assert_int_equal(got->n_policies, 2);
        got = node_free(got);

        /* node_put_policies replaces the set. */
        assert_int_equal(storage_node_put_policies(s, n), 0);
        assert_int_equal(storage_node_get(s, "node-1", &got), 0);
        assert_int_equal(got->n_policies, 1);
        assert_string_equal(got->policies[0].engine, "exec");
}

/* A node's policies come back by engine however the rows lie: a named policy's update
 * rewrites its row, after the other's in PostgreSQL's heap, and the read of a node sorts
 * them itself rather than ask the server to. */
static void test_sorted_after_update(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_enrolled("sorted"), *got = NULL;
        Storage *other;
        char d1[POLICY_DIGEST_HEX_SIZE], d2[POLICY_DIGEST_HEX_SIZE], d3[POLICY_DIGEST_HEX_SIZE];

        put_content(s, "exec", "{\"command\": [\"/bin/true\"]}", d1);
        put_content(s, "opa", "{\"bundle\": 1}", d2);
        put_content(s, "exec", "{\"command\": [\"/bin/false\"]}", d3);
        assert_int_equal(storage_policy_name_set(s, "exec", "base", d1, false), 0);
        assert_int_equal(node_policy_set(n, "exec", d1, "base"), 0);
        assert_int_equal(node_policy_set(n, "opa", d2, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);
        assert_int_equal(storage_policy_name_update(s, "exec", "base", d3), 1);

        /* PostgreSQL would read the rows through the primary key's index (sorted by engine
         * already) where it can: another instance's connection that may not. */
        if (on_postgresql())
                assert_int_equal(setenv("PGOPTIONS", "-c enable_indexscan=off -c enable_bitmapscan=off", 1), 0);
        assert_int_equal(storage_reopen(&other), 0);
        assert_int_equal(unsetenv("PGOPTIONS"), 0);
        assert_int_equal(storage_node_get(other, "sorted", &got), 0);
        storage_close(other);
        assert_int_equal(got->n_policies, 2);
        assert_string_equal(got->policies[0].engine, "exec");
        assert_string_equal(got->policies[0].digest, d3);
        assert_string_equal(got->policies[1].engine, "opa");
}

/* A policy that references no stored content fails the write: neither the row nor the policies change. */
static void test_failed_put_changes_nothing(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_enrolled("node-2"), *got = NULL;
        char d[POLICY_DIGEST_HEX_SIZE];

        put_content(s, "exec", "{\"command\": [\"/bin/false\"]}", d);
        assert_int_equal(node_policy_set(n, "exec", d, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);

        free(n->verdict);
        n->verdict = strdup("FAIL");
        assert_int_equal(node_policy_set(n, "other", "0000000000000000000000000000000000000000000000000000000000000000", NULL), 0);
        assert_int_equal(node_policy_remove(n, "exec"), 0);
        assert_true(storage_node_put_policies(s, n) < 0);

        assert_int_equal(storage_node_get(s, "node-2", &got), 0);
        assert_string_equal(got->verdict, "PENDING");
        assert_int_equal(got->n_policies, 1);
        assert_string_equal(got->policies[0].engine, "exec");
        assert_int_equal(raw("SELECT COUNT(*) FROM node_policies"), 1);

        /* A new node whose policies fail is not created at all. */
        got = node_free(got);
        free(n->id);
        n->id = strdup("node-new");
        assert_true(storage_node_put_policies(s, n) < 0);
        assert_int_equal(storage_node_get(s, "node-new", &got), -ENOENT);
}

static void test_removed_with_node(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *a = make_enrolled("a"), *b = make_enrolled("b");
        char d[POLICY_DIGEST_HEX_SIZE];

        put_content(s, "exec", "{\"command\": [\"/bin/true\"]}", d);
        assert_int_equal(node_policy_set(a, "exec", d, NULL), 0);
        assert_int_equal(node_policy_set(b, "exec", d, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, a), 0);
        assert_int_equal(storage_node_put_policies(s, b), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM node_policies"), 2);
        assert_int_equal(storage_node_delete(s, "a"), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM node_policies WHERE node_id = 'a'"), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM node_policies WHERE node_id = 'b'"), 1);
}

/* A named engine policy is in use while a node refers to it, and counted in the listing. */
static void test_named_in_use(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_enrolled("user");
        char d[POLICY_DIGEST_HEX_SIZE];
        PolicyEntry *l = NULL;
        size_t k = 0;

        put_content(s, "exec", "{\"command\": [\"/bin/true\"]}", d);
        assert_int_equal(storage_policy_name_set(s, "exec", "site", d, false), 0);
        assert_int_equal(node_policy_set(n, "exec", d, "site"), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);
        assert_int_equal(storage_policy_list(s, &l, &k), 0);
        assert_int_equal(k, 1);
        assert_string_equal(l[0].kind, "exec");
        assert_int_equal(l[0].n_nodes, 1);
        policy_entry_list_free(l, k);
        assert_int_equal(storage_policy_name_delete(s, "exec", "site"), -EBUSY);
        assert_int_equal(storage_policy_name_delete(s, "opa", "site"), -ENOENT);
        assert_int_equal(storage_node_delete(s, "user"), 0);
        assert_int_equal(storage_policy_name_delete(s, "exec", "site"), 0);
}

/* A name updated to new content takes its nodes along, of every kind, and only them. */
static void test_name_update(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *a = make_enrolled("named"), *b = make_enrolled("by-digest"), *got = NULL;
        char old[POLICY_DIGEST_HEX_SIZE], new[POLICY_DIGEST_HEX_SIZE];
        static const char *const kinds[] = { "tpm", "boot", "runtime", "exec" };

        put_content(s, "boot", "{\"old\": 1}", old);
        put_content(s, "boot", "{\"new\": 1}", new);
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                assert_int_equal(storage_policy_name_set(s, kinds[i], "fleet", old, false), 0);
        a->tpm_policy = strdup(old);
        a->tpm_policy_name = strdup("fleet");
        a->boot_policy = strdup(old);
        a->boot_policy_name = strdup("fleet");
        a->runtime_policy = strdup(old);
        a->runtime_policy_name = strdup("fleet");
        assert_int_equal(node_policy_set(a, "exec", old, "fleet"), 0);
        b->boot_policy = strdup(old);      /* the same content, not by name: stays */
        assert_int_equal(node_policy_set(b, "exec", old, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, a), 0);
        assert_int_equal(storage_node_put_policies(s, b), 0);

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                assert_int_equal(storage_policy_name_update(s, kinds[i], "fleet", new), 1);
        assert_int_equal(storage_policy_name_update(s, "boot", "nosuch", new), -ENOENT);
        assert_int_equal(storage_node_get(s, "named", &got), 0);
        assert_string_equal(got->tpm_policy, new);
        assert_string_equal(got->tpm_policy_name, "fleet");
        assert_string_equal(got->boot_policy, new);
        assert_string_equal(got->runtime_policy, new);
        assert_string_equal(node_policy_find(got, "exec")->digest, new);
        got = node_free(got);
        assert_int_equal(storage_node_get(s, "by-digest", &got), 0);
        assert_string_equal(got->boot_policy, old);
        assert_string_equal(node_policy_find(got, "exec")->digest, old);
        assert_int_equal(storage_policy_name_delete(s, "tpm", "fleet"), -EBUSY);
}

/* Content attached with the node is stored in the node's transaction, or not at all. */
static void test_content_with_node(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = make_enrolled("node-c"), *got = NULL;
        static const char text[] = "{\"command\": [\"/usr/bin/site-check\"]}";
        char d[POLICY_DIGEST_HEX_SIZE];
        _cleanup_free_ uint8_t *back = NULL;
        _cleanup_free_ char *kind = NULL;
        size_t size;

        assert_int_equal(policy_digest_hex((const uint8_t *) text, strlen(text), d), 0);
        assert_int_equal(node_policy_set(n, "exec", d, NULL), 0);
        assert_int_equal(node_policy_set_content(n, "exec", (const uint8_t *) text, strlen(text)), 0);
        assert_int_equal(node_policy_set_content(n, "none", (const uint8_t *) text, 1), -ENOENT);

        /* A second policy that fails: neither the node nor the first content is stored. */
        assert_int_equal(node_policy_set(n, "other", "0000000000000000000000000000000000000000000000000000000000000000", NULL), 0);
        assert_true(storage_node_put_policies(s, n) < 0);
        assert_int_equal(storage_policy_get(s, d, NULL, &back, &size), -ENOENT);
        assert_int_equal(storage_node_get(s, "node-c", &got), -ENOENT);

        /* Content that does not hash to its digest is refused. */
        assert_int_equal(node_policy_remove(n, "other"), 0);
        assert_int_equal(node_policy_set_content(n, "exec", (const uint8_t *) "{}", 2), 0);
        assert_int_equal(storage_node_put_policies(s, n), -EBADMSG);
        assert_int_equal(storage_policy_get(s, d, NULL, &back, &size), -ENOENT);

        assert_int_equal(node_policy_set_content(n, "exec", (const uint8_t *) text, strlen(text)), 0);
        assert_int_equal(storage_node_put_policies(s, n), 0);
        assert_int_equal(storage_policy_get(s, d, &kind, &back, &size), 0);
        assert_string_equal(kind, "exec");
        assert_memory_equal(back, text, strlen(text));
        assert_int_equal(storage_node_get(s, "node-c", &got), 0);
        assert_int_equal(got->n_policies, 1);
        assert_null(got->policies[0].content.data);     /* read back by digest only */
}

/* Back to version 9: without the column naming the instance of the last attestation. */
static void undo_migration_11(void) {
        assert_int_equal(raw("DROP INDEX nodes_ek"), -1);
        assert_int_equal(raw("PRAGMA user_version = 10"), -1);
}

static void undo_migration_10(void) {
        assert_int_equal(raw("ALTER TABLE nodes DROP COLUMN attested_by"), -1);
        assert_int_equal(raw("PRAGMA user_version = 9"), -1);
}

/* Migration 9 undone: attestations back in the version-8 WITHOUT ROWID table, rows kept. */
static void undo_migration_9(void) {
        assert_int_equal(raw("CREATE TABLE attestations_v8 ("
                             " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
                             " idx INTEGER NOT NULL, stage TEXT NOT NULL, evaluation TEXT,"
                             " nonce BLOB, boot_time_usec INTEGER, ima_offset INTEGER, ima_count INTEGER,"
                             " failure_reason TEXT, failures TEXT,"
                             " created_usec INTEGER NOT NULL, updated_usec INTEGER NOT NULL,"
                             " detail TEXT, evidence TEXT, appraisal TEXT,"
                             " PRIMARY KEY (node_id, idx)) WITHOUT ROWID"), -1);
        assert_int_equal(raw("INSERT INTO attestations_v8 SELECT node_id, idx, stage, evaluation, nonce,"
                             " boot_time_usec, ima_offset, ima_count, failure_reason, failures, created_usec,"
                             " updated_usec, detail, evidence, appraisal FROM attestations"), -1);
        assert_int_equal(raw("DROP TABLE attestations"), -1);
        assert_int_equal(raw("ALTER TABLE attestations_v8 RENAME TO attestations"), -1);
        assert_int_equal(raw("PRAGMA user_version = 8"), -1);
}

static Attestation make_attestation(uint64_t index) {
        return (Attestation) {
                .index = index,
                .stage = (char *) "verification_complete",
                .evaluation = (char *) "pass",
                .evidence = (char *) "[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\"}]",
                .appraisal = (char *) "[]",
                .created_usec = 100 + index,
                .updated_usec = 200 + index,
        };
}

/* A version-8 database's history (a WITHOUT ROWID table) moves to the rowid table of
 * version 9 on open, rows and their order kept; retention then cuts as before. */
static void test_migration_from_v8(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL;
        PushState ps = {};
        Attestation a, *l = NULL, one = {};
        size_t k = 0;

        if (on_postgresql())
                skip();         /* SQLite's schema only */
        n = make_enrolled("old-history");
        assert_int_equal(storage_node_put(s, n), 0);
        for (uint64_t i = 0; i < 3; i++) {
                a = make_attestation(i);
                ps.next_index = i + 1;
                assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a,
                                                                              .push_state = &ps, .history_retention = 3 }, 1), 0);
        }
        storage_close(s);
        *state = NULL;
        undo_migration_11();
        undo_migration_10();
        undo_migration_9();
        assert_int_equal(raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'attestations' AND sql LIKE '%WITHOUT ROWID%'"), 1);

        assert_int_equal(storage_open_sqlite(db_path, &s), 0);
        *state = s;
        assert_int_equal(raw("PRAGMA user_version"), (long long) storage_sqlite_schema_version());
        assert_int_equal(raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'attestations' AND sql LIKE '%WITHOUT ROWID%'"), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'attestations_rowid'"), 0);
        /* Looking a node up by its EK does not read every node row. */
        assert_int_equal(raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'nodes_ek'"), 1);
        assert_int_equal(storage_attestation_get(s, "old-history", 1, &one), 0);
        assert_string_equal(one.evaluation, "pass");
        assert_int_equal(one.updated_usec, 201);
        assert_non_null(strstr(one.evidence, "tpm_quote"));
        attestation_done(&one);

        /* One more verdict: the oldest row is cut, the newest is listed first. */
        a = make_attestation(3);
        ps.next_index = 4;
        assert_int_equal(storage_verdict_commit(s, &(VerdictCommit) { .node = n, .attestation = &a, .push_state = &ps,
                                                                      .history_retention = 3 }, 1), 0);
        assert_int_equal(storage_attestation_list(s, "old-history", 0, &l, &k), 0);
        assert_int_equal(k, 3);
        assert_int_equal(l[0].index, 3);
        assert_int_equal(l[2].index, 1);
        attestation_list_free(l, k);
        assert_int_equal(storage_attestation_get(s, "old-history", 0, &one), -ENOENT);
        /* Removing the node still takes its history along. */
        assert_int_equal(storage_node_delete(s, "old-history"), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM attestations"), 0);
}

/* A version-2 database (before node_policies) migrates on open and keeps its nodes. */
static void test_migration_from_v2(void **state) {
        Storage *s = *state;
        _cleanup_(node_freep) Node *n = NULL, *got = NULL;
        char d[POLICY_DIGEST_HEX_SIZE];

        /* skip() leaves without cleanups: nothing is allocated before it. */
        if (on_postgresql())
                skip();         /* the PostgreSQL schema began after this step */
        n = make_enrolled("old-node");
        /* A new migration needs its undo below: this says when one was added. */
        assert_int_equal(storage_sqlite_schema_version(), 11u);
        n->runtime_policy_name = strdup("fleet");
        assert_int_equal(storage_node_put(s, n), 0);
        storage_close(s);
        *state = NULL;
        /* Undo migrations 11 to 3, newest first. */
        undo_migration_11();
        undo_migration_10();
        undo_migration_9();
        assert_int_equal(raw("DROP TABLE verifier_keys"), -1);
        assert_int_equal(raw("DROP TABLE secrets"), -1);
        assert_int_equal(raw("ALTER TABLE nodes DROP COLUMN tpm_policy_name"), -1);
        assert_int_equal(raw("ALTER TABLE attestations DROP COLUMN appraisal"), -1);
        assert_int_equal(raw("ALTER TABLE push_state DROP COLUMN ima_state_latest"), -1);
        assert_int_equal(raw("ALTER TABLE attestations DROP COLUMN evidence"), -1);
        assert_int_equal(raw("DROP TABLE node_policies"), -1);
        assert_int_equal(raw("PRAGMA user_version = 2"), -1);
        assert_int_equal(raw("SELECT COUNT(*) FROM sqlite_master WHERE name = 'node_policies'"), 0);

        assert_int_equal(storage_open_sqlite(db_path, &s), 0);
        *state = s;
        assert_int_equal(raw("PRAGMA user_version"), (long long) storage_sqlite_schema_version());
        assert_int_equal(storage_node_get(s, "old-node", &got), 0);
        assert_string_equal(got->runtime_policy_name, "fleet");
        assert_int_equal(got->n_policies, 0);
        put_content(s, "exec", "{}", d);
        assert_int_equal(node_policy_set(got, "exec", d, NULL), 0);
        assert_int_equal(storage_node_put_policies(s, got), 0);
        assert_int_equal(raw("SELECT COUNT(*) FROM node_policies WHERE node_id = 'old-node'"), 1);
}

static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers),
        DB_TEST(test_round_trip),
        DB_TEST(test_sorted_after_update),
        DB_TEST(test_failed_put_changes_nothing),
        DB_TEST(test_removed_with_node),
        DB_TEST(test_content_with_node),
        DB_TEST(test_named_in_use),
        DB_TEST(test_name_update),
        DB_TEST(test_migration_from_v2),
        DB_TEST(test_migration_from_v8),
};

STORAGE_TEST_MAIN(tests)
