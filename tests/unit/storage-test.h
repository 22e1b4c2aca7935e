/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The storage tests' fixture: a fresh SQLite database per test in a private
 * directory, removed at the end. Include after cmocka.h. */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "storage.h"

static char dir[] = "/tmp/test-storage-XXXXXX";
static char db_path[256];

/* A registered node with identity keys, address and counters set. */
static Node *make_node(const char *id) {
        Node *n = calloc(1, sizeof *n);
        assert_non_null(n);
        n->id = strdup(id);
        n->state = NODE_REGISTERED;
        assert_int_equal(blob_set(&n->ek_tpm, "ek-bytes", 8), 0);
        assert_int_equal(blob_set(&n->aik_tpm, "ak-bytes", 8), 0);
        memset(n->auth_digest, 0xab, sizeof n->auth_digest);
        n->regcount = 1;
        n->registered_usec = 1234;
        n->ip = strdup("10.0.0.1");
        n->port = 9002;
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

/* A test on a fresh database. */
#define DB_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* Runs the group in the private directory, then removes it. */
#define STORAGE_TEST_MAIN(tests)                                                \
        int main(void) {                                                        \
                char cmd[300];                                                  \
                int r;                                                          \
                                                                                \
                log_set_max_level(LOG_CRIT);                                    \
                assert_non_null(mkdtemp(dir));                                  \
                r = cmocka_run_group_tests(tests, NULL, NULL);                  \
                (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);           \
                if (system(cmd) != 0)                                           \
                        r = 1;                                                  \
                return r;                                                       \
        }
