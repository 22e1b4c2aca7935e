/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The storage tests' fixture: a fresh database per test, SQLite in a private
 * directory removed at the end, or, when HOSTATTEST_TEST_PG_URL names a
 * PostgreSQL server (tests/unit/with-postgresql.sh starts one), an emptied
 * schema there. Include after cmocka.h. */

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "storage.h"

static char dir[] = "/tmp/test-storage-XXXXXX";
static char db_path[256];
static const char *pg_url;

static bool on_postgresql(void) {
        return pg_url != NULL;
}

/* Runs SQL on the test database beside the storage; returns the first column
 * of the first row as a number, or -1 when there is none. */
static long long raw(const char *sql) {
        long long v = -1;

        if (on_postgresql()) {
                PGconn *c = PQconnectdb(pg_url);
                PGresult *res;

                assert_int_equal(PQstatus(c), CONNECTION_OK);
                res = PQexec(c, sql);
                assert_true(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK);
                if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
                        v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
                PQclear(res);
                PQfinish(c);
        } else {
                sqlite3 *db;
                sqlite3_stmt *st;

                assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
                if (sqlite3_step(st) == SQLITE_ROW)
                        v = sqlite3_column_int64(st, 0);
                sqlite3_finalize(st);
                sqlite3_close(db);
        }
        return v;
}

/* Opens the test database again, as a restarted (or another) instance would. */
static int storage_reopen(Storage **ret) {
        return on_postgresql() ? storage_open_postgresql(pg_url, NULL, ret) : storage_open_sqlite(db_path, ret);
}

/* A registered node with identity keys, address and counters set. */
_unused_ static Node *make_node(const char *id) {
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

        if (on_postgresql())
                (void) raw("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        else {
                (void) snprintf(db_path, sizeof db_path, "%s/verifier.db", dir);
                unlink(db_path);
        }
        assert_int_equal(storage_reopen(&s), 0);
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
                pg_url = getenv("HOSTATTEST_TEST_PG_URL");                      \
                assert_non_null(mkdtemp(dir));                                  \
                r = cmocka_run_group_tests(tests, NULL, NULL);                  \
                (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);           \
                if (system(cmd) != 0)                                           \
                        r = 1;                                                  \
                return r;                                                       \
        }
