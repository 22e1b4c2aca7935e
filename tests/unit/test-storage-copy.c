/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storage copy: a populated SQLite verifier into an empty storage of either backend. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "storage-copy.h"
#include "storage-test.h"

/* A SQLite verifier with a named policy, an enrolled node using it and an
 * engine policy, two attestations, push state, history events, a secret and
 * the results signing key. */
static Storage *make_source(void) {
        _cleanup_(node_freep) Node *n = make_node("node-1");
        char path[300], d_rt[POLICY_DIGEST_HEX_SIZE], d_exec[POLICY_DIGEST_HEX_SIZE];
        PushState ps = { .boot_time = 42, .next_index = 2 };
        Blob sealed = { .data = (uint8_t *) "sealed", .size = 6 }, key = {};
        Attestation a[2];
        Storage *src;

        (void) snprintf(path, sizeof path, "%s/source.db", dir);
        unlink(path);
        assert_int_equal(storage_open_sqlite(path, &src), 0);
        assert_int_equal(storage_policy_put(src, "runtime", (const uint8_t *) "{\"digests\":{}}", 14, d_rt), 0);
        assert_int_equal(storage_policy_name_set(src, "runtime", "fleet", d_rt, false), 0);
        assert_int_equal(storage_policy_put(src, "exec", (const uint8_t *) "{\"command\":[\"/bin/true\"]}", 25, d_exec), 0);
        n->state = NODE_ENROLLED;
        n->runtime_policy = strdup(d_rt);
        n->runtime_policy_name = strdup("fleet");
        n->interval_sec = 30;
        n->verdict = strdup("PASS");
        n->attested_by = strdup("verifier-a");
        assert_int_equal(node_policy_set(n, "exec", d_exec, NULL), 0);
        assert_int_equal(storage_node_put_policies(src, n), 0);
        assert_int_equal(blob_set(&ps.ima_state, "ima", 3), 0);
        for (uint64_t i = 0; i < 2; i++) {
                a[i] = (Attestation) { .index = i, .stage = (char *) "verification_complete",
                                       .evaluation = (char *) "pass", .created_usec = i, .updated_usec = i };
                assert_int_equal(storage_verdict_commit(src, &(VerdictCommit) {
                        .node = n, .attestation = &a[i], .push_state = &ps }, 1), 0);
        }
        push_state_done(&ps);
        assert_int_equal(storage_event_put(src, "node-1", &(const StorageEvent) {
                .time_usec = 1000, .kind = (char *) "registered" }), 0);
        assert_int_equal(storage_event_put(src, "node-1", &(const StorageEvent) {
                .time_usec = 3000, .kind = (char *) "FAIL", .detail = (char *) "tpm.pcr_15" }), 0);
        assert_int_equal(storage_event_add(src, "node-1", "PASS", NULL), 0);
        assert_int_equal(storage_secret_put(src, "node-1", "disk", &sealed, false, 64), 0);
        assert_int_equal(storage_key_claim(src, "results-signing", &(const Blob) { .data = (uint8_t *) "PEM-A", .size = 5 },
                                           &key), 0);
        blob_done(&key);
        return src;
}

static void test_copy(void **state) {
        Storage *to = *state, *src = make_source();
        StorageCopyStats st = {};
        _cleanup_(node_freep) Node *got = NULL;
        PushState ps = {};
        Attestation *l = NULL;
        Blob sealed = {};
        char *digest = NULL;
        StorageEvent *ev = NULL;
        StorageKey *keys = NULL;
        size_t k = 0;

        assert_int_equal(storage_copy(src, to, &st), 0);
        assert_int_equal(st.nodes, 1);
        assert_int_equal(st.policies, 1);
        assert_int_equal(st.attestations, 2);
        assert_int_equal(st.events, 3);
        assert_int_equal(st.secrets, 1);
        assert_int_equal(st.keys, 1);

        assert_int_equal(storage_node_get(to, "node-1", &got), 0);
        assert_string_equal(got->verdict, "PASS");
        assert_string_equal(got->attested_by, "verifier-a");
        assert_string_equal(got->runtime_policy_name, "fleet");
        assert_int_equal(got->n_policies, 1);
        assert_string_equal(got->policies[0].engine, "exec");
        assert_int_equal(storage_policy_name_get(to, "runtime", "fleet", &digest), 0);
        assert_string_equal(digest, got->runtime_policy);
        free(digest);
        assert_int_equal(storage_attestation_list(to, "node-1", 0, &l, &k), 0);
        assert_int_equal(k, 2);
        assert_int_equal(l[0].index, 1);
        attestation_list_free(l, k);
        assert_int_equal(storage_push_state_get(to, "node-1", &ps), 0);
        assert_int_equal(ps.boot_time, 42);
        assert_int_equal(ps.next_index, 2);
        assert_int_equal(ps.ima_state.size, 3);
        push_state_done(&ps);
        assert_int_equal(storage_secret_get(to, "node-1", "disk", &sealed), 0);
        assert_memory_equal(sealed.data, "sealed", 6);
        blob_done(&sealed);

        /* The history events in their order, with their times and details. */
        assert_int_equal(storage_event_list(to, "node-1", &ev, &k), 0);
        assert_int_equal(k, 3);
        assert_int_equal(ev[0].time_usec, 1000);
        assert_string_equal(ev[0].kind, "registered");
        assert_null(ev[0].detail);
        assert_int_equal(ev[1].time_usec, 3000);
        assert_string_equal(ev[1].kind, "FAIL");
        assert_string_equal(ev[1].detail, "tpm.pcr_15");
        assert_string_equal(ev[2].kind, "PASS");
        assert_true(ev[2].time_usec > 3000);
        storage_event_list_free(ev, k);
        /* The results signing key: an instance on the copy signs with the source's. */
        assert_int_equal(storage_key_claim(to, "results-signing", &(const Blob) { .data = (uint8_t *) "PEM-B", .size = 5 },
                                           &sealed), 0);
        assert_int_equal(sealed.size, 5);
        assert_memory_equal(sealed.data, "PEM-A", 5);
        blob_done(&sealed);
        assert_int_equal(storage_key_list(to, &keys, &k), 0);
        assert_int_equal(k, 1);
        assert_string_equal(keys[0].name, "results-signing");
        storage_key_list_free(keys, k);

        /* A target that holds a verifier already is refused. */
        assert_int_equal(storage_copy(src, to, NULL), -ENOTEMPTY);
        storage_close(src);
}

/* A target with nothing but the key of an instance that ran on it is not empty. */
static void test_copy_refuses_key(void **state) {
        Storage *to = *state, *src = make_source();
        Blob key = {};
        size_t n = 0;
        Node **nodes = NULL;

        assert_int_equal(storage_key_claim(to, "results-signing", &(const Blob) { .data = (uint8_t *) "PEM-B", .size = 5 },
                                           &key), 0);
        blob_done(&key);
        assert_int_equal(storage_copy(src, to, NULL), -ENOTEMPTY);
        assert_int_equal(storage_node_list(to, &nodes, &n), 0);
        assert_int_equal(n, 0);
        node_list_free(nodes, n);
        storage_close(src);
}

static const struct CMUnitTest tests[] = {
        DB_TEST(test_copy),
        DB_TEST(test_copy_refuses_key),
};

STORAGE_TEST_MAIN(tests)
