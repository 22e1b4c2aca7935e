/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash-alg.h"
#include "hexdecode.h"
#include "log.h"
#include "storage.h"
#include "storage-sqlite.h"

/* Each step brings the schema from version i to i + 1; never edit a released step. */
static const char *const migrations[] = {
        "CREATE TABLE nodes ("
        " id TEXT PRIMARY KEY NOT NULL,"
        " state TEXT NOT NULL,"
        " ek_tpm BLOB NOT NULL, ekcert BLOB, aik_tpm BLOB NOT NULL,"
        " iak_tpm BLOB, idevid_tpm BLOB, iak_cert BLOB, idevid_cert BLOB,"
        " mtls_cert TEXT, ip TEXT, port INTEGER NOT NULL DEFAULT 0,"
        " auth_digest BLOB NOT NULL,"
        " regcount INTEGER NOT NULL DEFAULT 1,"
        " registered_usec INTEGER NOT NULL, activated_usec INTEGER NOT NULL DEFAULT 0,"
        " enrolled_usec INTEGER NOT NULL DEFAULT 0,"
        " tpm_policy TEXT REFERENCES policy_contents(digest),"
        " boot_policy TEXT REFERENCES policy_contents(digest),"
        " runtime_policy TEXT REFERENCES policy_contents(digest),"
        " boot_policy_name TEXT, runtime_policy_name TEXT,"
        " attest_count INTEGER NOT NULL DEFAULT 0, interval_sec INTEGER NOT NULL DEFAULT 0,"
        " failure_actions TEXT, verdict TEXT,"
        " attestations_passed INTEGER NOT NULL DEFAULT 0, last_attestation_usec INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE policy_contents ("
        " digest TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, content BLOB NOT NULL,"
        " created_usec INTEGER NOT NULL);"
        "CREATE TABLE policies ("
        " kind TEXT NOT NULL, name TEXT NOT NULL,"
        " digest TEXT NOT NULL REFERENCES policy_contents(digest),"
        " created_usec INTEGER NOT NULL, PRIMARY KEY (kind, name));"
        /* Push attestations (part 2): one row per attestation, indexed per node from 0. */
        "CREATE TABLE attestations ("
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " idx INTEGER NOT NULL, stage TEXT NOT NULL, evaluation TEXT,"
        " nonce BLOB, boot_time_usec INTEGER, ima_offset INTEGER, ima_count INTEGER,"
        " failure_reason TEXT, failures TEXT,"
        " created_usec INTEGER NOT NULL, updated_usec INTEGER NOT NULL,"
        " PRIMARY KEY (node_id, idx)) WITHOUT ROWID;"
        "CREATE TABLE sessions ("
        " id TEXT PRIMARY KEY NOT NULL,"
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " challenge BLOB NOT NULL, token_digest BLOB,"
        " expires_usec INTEGER NOT NULL);"
        "CREATE INDEX sessions_node ON sessions(node_id);"
        "CREATE TABLE events ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " node_id TEXT NOT NULL, time_usec INTEGER NOT NULL,"
        " kind TEXT NOT NULL, detail TEXT);"
        "CREATE INDEX events_node ON events(node_id, seq);",
        /* 2: what the next push of a node is validated against, and the chosen parameters. */
        "ALTER TABLE attestations ADD COLUMN detail TEXT;"
        "CREATE TABLE push_state ("
        " node_id TEXT PRIMARY KEY NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " boot_time INTEGER NOT NULL DEFAULT 0, clock BLOB, enrolment_clock BLOB, ima_state BLOB,"
        " next_index INTEGER NOT NULL DEFAULT 0, ima_restart INTEGER NOT NULL DEFAULT 0);",
        /* 3: policies for engines beyond tpm/boot/runtime, one per node and engine. */
        "CREATE TABLE node_policies ("
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " engine TEXT NOT NULL,"
        " digest TEXT NOT NULL REFERENCES policy_contents(digest),"
        " name TEXT,"
        " PRIMARY KEY (node_id, engine)) WITHOUT ROWID;"
        "CREATE INDEX node_policies_name ON node_policies(engine, name);",
        /* 4: a failure stays until the operator acts or the node reboots: ima_state is the replay
         * state at the last pass, ima_state_latest the one after the last validated attestation;
         * each attestation keeps the evidence it asked for. */
        "ALTER TABLE push_state ADD COLUMN ima_state_latest BLOB;"
        "UPDATE push_state SET ima_state_latest = ima_state;"
        "ALTER TABLE attestations ADD COLUMN evidence TEXT;",
        /* 5: how each policy judged an attestation, for its signed result (EAR) and the history. */
        "ALTER TABLE attestations ADD COLUMN appraisal TEXT;",
        /* 6: a TPM policy is referenced by name like the others, so a policy update reaches its nodes. */
        "ALTER TABLE nodes ADD COLUMN tpm_policy_name TEXT;",
        /* 7: secrets, sealed by the verifier, where every instance sees them (they were files). */
        ("CREATE TABLE secrets ("
         " node_id TEXT NOT NULL, name TEXT NOT NULL, sealed BLOB NOT NULL, updated_usec INTEGER NOT NULL,"
         " PRIMARY KEY (node_id, name)) WITHOUT ROWID;"),
        /* 8: keys every instance must share, such as the one signing attestation results. */
        ("CREATE TABLE verifier_keys ("
         " name TEXT PRIMARY KEY NOT NULL, pem BLOB NOT NULL, created_usec INTEGER NOT NULL) WITHOUT ROWID;"),
        /* 9: attestations in a rowid table. A row (about 1 KiB with its evidence list) is more
         * than a WITHOUT ROWID leaf keeps in place, so each one took an overflow page of its
         * own, written again when the history cut deleted it; in rowid order the rows of one
         * group commit share leaves, and so do the old rows a later commit cuts. */
        ("CREATE TABLE attestations_rowid ("
         " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
         " idx INTEGER NOT NULL, stage TEXT NOT NULL, evaluation TEXT,"
         " nonce BLOB, boot_time_usec INTEGER, ima_offset INTEGER, ima_count INTEGER,"
         " failure_reason TEXT, failures TEXT,"
         " created_usec INTEGER NOT NULL, updated_usec INTEGER NOT NULL,"
         " detail TEXT, evidence TEXT, appraisal TEXT,"
         " PRIMARY KEY (node_id, idx));"
         "INSERT INTO attestations_rowid (node_id, idx, stage, evaluation, nonce, boot_time_usec, ima_offset,"
         " ima_count, failure_reason, failures, created_usec, updated_usec, detail, evidence, appraisal)"
         " SELECT node_id, idx, stage, evaluation, nonce, boot_time_usec, ima_offset,"
         " ima_count, failure_reason, failures, created_usec, updated_usec, detail, evidence, appraisal"
         " FROM attestations ORDER BY updated_usec;"
         "DROP TABLE attestations;"
         "ALTER TABLE attestations_rowid RENAME TO attestations;"),
        /* 10: which verifier instance took the node's last attestation. */
        "ALTER TABLE nodes ADD COLUMN attested_by TEXT;",
        /* 11: a registration looks for other nodes with the same EK; without an index that
         * read every node row, so registering got slower as the fleet grew. */
        "CREATE INDEX nodes_ek ON nodes(ek_tpm);",
};

#define STMT_CACHE_MAX 24u

typedef struct SqliteStorage {
        Storage storage;
        sqlite3 *db;
        struct {
                const char *sql;        /* a string literal: its address is the key */
                sqlite3_stmt *st;
        } cache[STMT_CACHE_MAX];
        size_t n_cache;
        SqliteCheckpointer *checkpointer;       /* NULL: SQLite's automatic checkpoints */
} SqliteStorage;

static sqlite3 *db_of(Storage *s) {
        return ((SqliteStorage *) s)->db;
}

unsigned storage_sqlite_schema_version(void) {
        return ELEMENTSOF(migrations);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int sqlite_errno(int rc) {
        switch (rc) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
        case SQLITE_PERM:
                return -EROFS;
        default:
                return -EIO;
        }
}

int sqlite_exec(sqlite3 *db, const char *sql) {
        char *err = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

        if (rc != SQLITE_OK) {
                log_debug("SQLite: %s", err ?: sqlite3_errstr(rc));
                sqlite3_free(err);
        }
        return sqlite_errno(rc);
}

int sqlite_end_transaction(sqlite3 *db, int r) {
        if (r >= 0)
                r = sqlite_exec(db, "COMMIT");
        if (r < 0)
                (void) sqlite_exec(db, "ROLLBACK");
        return r;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret) {
        int rc = sqlite3_prepare_v2(db, sql, -1, ret, NULL);
        if (rc != SQLITE_OK)
                log_debug("SQLite prepare failed: %s", sqlite3_errmsg(db));
        return sqlite_errno(rc);
}

/* Runs a statement that returns no rows and finalises it. */
int sqlite_step_done(sqlite3 *db, sqlite3_stmt *st) {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                log_debug("SQLite step failed: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sqlite_errno(rc) ?: -EIO;
}

static int prepare_textv(sqlite3 *db, const char *sql, sqlite3_stmt **ret, size_t n, va_list ap) {
        sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare(db, sql, &st);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sqlite_bind_text(st, (int) i + 1, va_arg(ap, const char *));
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        *ret = st;
        return 0;
}

int sqlite_query_row(sqlite3 *db, const char *sql, sqlite3_stmt **ret, size_t n, ...) {
        sqlite3_stmt *st;
        va_list ap;
        int r, rc;

        va_start(ap, n);
        r = prepare_textv(db, sql, &st, n, ap);
        va_end(ap);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite3_finalize(st);
                return rc == SQLITE_DONE ? -ENOENT : -EIO;
        }
        *ret = st;
        return 0;
}

int sqlite_exec_text(sqlite3 *db, const char *sql, size_t n, ...) {
        sqlite3_stmt *st;
        va_list ap;
        int r;

        va_start(ap, n);
        r = prepare_textv(db, sql, &st, n, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sqlite_step_done(db, st);
        return r < 0 ? r : sqlite3_changes(db);
}

static int schema_version(sqlite3 *db, unsigned *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r = sqlite_prepare(db, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) != SQLITE_ROW)
                return -EIO;
        *ret = (unsigned) sqlite3_column_int(st, 0);
        return 0;
}

static int migrate(sqlite3 *db) {
        unsigned v;
        int r;

        r = schema_version(db, &v);
        if (r < 0)
                return r;
        if (v > ELEMENTSOF(migrations))
                return log_error_errno(-EPROTO, "Database schema version %u is newer than this program's (%zu).",
                                       v, ELEMENTSOF(migrations));
        for (; v < ELEMENTSOF(migrations); v++) {
                char bump[64];
                (void) snprintf(bump, sizeof bump, "PRAGMA user_version = %u", v + 1);
                r = sqlite_exec(db, "BEGIN IMMEDIATE");
                if (r >= 0)
                        r = sqlite_exec(db, migrations[v]);
                if (r >= 0)
                        r = sqlite_exec(db, bump);
                if (r >= 0)
                        r = sqlite_exec(db, "COMMIT");
                if (r < 0) {
                        (void) sqlite_exec(db, "ROLLBACK");
                        return log_error_errno(r, "Failed to migrate database schema to version %u: %m", v + 1);
                }
                log_debug("Database schema migrated to version %u.", v + 1);
        }
        return 0;
}

int sqlite_prepare_cached(Storage *s, const char *sql, sqlite3_stmt **ret) {
        SqliteStorage *q = (SqliteStorage *) s;
        sqlite3_stmt *st = NULL;
        int rc;

        for (size_t i = 0; i < q->n_cache; i++)
                if (q->cache[i].sql == sql) {
                        *ret = q->cache[i].st;
                        return 0;
                }
        if (q->n_cache >= STMT_CACHE_MAX)
                return -ENOSPC;
        rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
                log_debug("SQLite prepare failed: %s", sqlite3_errmsg(q->db));
                return sqlite_errno(rc);
        }
        q->cache[q->n_cache].sql = sql;
        q->cache[q->n_cache++].st = st;
        *ret = st;
        return 0;
}

void sqlite_release(sqlite3_stmt *st) {
        if (st) {
                (void) sqlite3_reset(st);
                (void) sqlite3_clear_bindings(st);
        }
}

int sqlite_step_release(sqlite3 *db, sqlite3_stmt *st) {
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                log_debug("SQLite step failed: %s", sqlite3_errmsg(db));
        sqlite_release(st);
        return rc == SQLITE_DONE ? 0 : sqlite_errno(rc) ?: -EIO;
}

static Storage *sqlite_close(Storage *s) {
        SqliteStorage *q = (SqliteStorage *) s;

        q->checkpointer = sqlite_checkpointer_stop(q->checkpointer);
        for (size_t i = 0; i < q->n_cache; i++)
                sqlite3_finalize(q->cache[i].st);
        sqlite3_close_v2(q->db);
        free(q);
        return NULL;
}

int sqlite_bind_text(sqlite3_stmt *st, int i, const char *s) {
        return sqlite_errno(s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i));
}

int sqlite_bind_blob(sqlite3_stmt *st, int i, const void *d, size_t n) {
        return sqlite_errno(d ? sqlite3_bind_blob64(st, i, d, n, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i));
}

int sqlite_column_text(sqlite3_stmt *st, int i, char **ret) {
        const unsigned char *t = sqlite3_column_text(st, i);
        char *c = NULL;

        if (t && !(c = strdup((const char *) t)))
                return -ENOMEM;
        free(*ret);
        *ret = c;
        return 0;
}

int sqlite_column_blob(sqlite3_stmt *st, int i, Blob *b) {
        const void *d = sqlite3_column_blob(st, i);
        return blob_set(b, d, (size_t) sqlite3_column_bytes(st, i));
}

int sqlite_collect(sqlite3_stmt *st, size_t elem_size, int (*read_row)(sqlite3_stmt *st, void *elem),
                   void (*done_row)(void *elem), void **ret, size_t *ret_n) {
        uint8_t *l = NULL;
        size_t n = 0;
        int r = 0, rc;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                uint8_t *m = reallocarray(l, n + 1, elem_size);
                if (!m) {
                        r = -ENOMEM;
                        break;
                }
                l = m;
                memset(l + n * elem_size, 0, elem_size);
                r = read_row(st, l + n * elem_size);
                if (r < 0)
                        break;
                n++;
        }
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        done_row(l + i * elem_size);
                free(l);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

/* A deferred transaction: the first read takes the database's lock and the WAL
 * snapshot, COMMIT lets go of both; each statement on its own would take and drop
 * them again. */
static int sqlite_read_begin(Storage *s) {
        sqlite3_stmt *st;
        int r;

        if (!sqlite3_get_autocommit(db_of(s)))
                return -EBUSY;          /* in a transaction already: the reads share it */
        r = sqlite_prepare_cached(s, "BEGIN", &st);
        return r < 0 ? r : sqlite_step_release(db_of(s), st);
}

static void sqlite_read_end(Storage *s) {
        sqlite3_stmt *st;

        if (sqlite_prepare_cached(s, "COMMIT", &st) >= 0)
                (void) sqlite_step_release(db_of(s), st);
        if (!sqlite3_get_autocommit(db_of(s)))
                (void) sqlite_exec(db_of(s), "ROLLBACK");
}

static const StorageOps sqlite_ops = {
        .close = sqlite_close,
        .node_get = sqlite_node_get,
        .node_put = sqlite_node_put,
        .node_put_policies = sqlite_node_put_policies,
        .node_delete = sqlite_node_delete,
        .node_list = sqlite_node_list,
        .policy_put = sqlite_policy_put,
        .policy_get = sqlite_policy_get,
        .policy_name_set = sqlite_policy_name_set,
        .policy_name_get = sqlite_policy_name_get,
        .policy_name_delete = sqlite_policy_name_delete,
        .policy_name_update = sqlite_policy_name_update,
        .policy_list = sqlite_policy_list,
        .event_add = sqlite_event_add,
        .event_count = sqlite_event_count,
        .event_list = sqlite_event_list,
        .event_put = sqlite_event_put,
        .key_list = sqlite_key_list,
        .session_put = sqlite_session_put,
        .session_get = sqlite_session_get,
        .session_prune = sqlite_session_prune,
        .push_state_get = sqlite_push_state_get,
        .verdict_commit = sqlite_verdict_commit,
        .attestation_get = sqlite_attestation_get,
        .attestation_list = sqlite_attestation_list,
        .node_list_overdue = sqlite_node_list_overdue,
        .node_ids_by_ek = sqlite_node_ids_by_ek,
        .node_summary = sqlite_node_summary,
        .key_claim = sqlite_key_claim,
        .node_timeout_claim = sqlite_node_timeout_claim,
        .secret_put = sqlite_secret_put,
        .secret_get = sqlite_secret_get,
        .secret_delete = sqlite_secret_delete,
        .secret_list = sqlite_secret_list,
        .read_begin = sqlite_read_begin,
        .read_end = sqlite_read_end,
};

sqlite3 *sqlite_storage_db(Storage *s) {
        return db_of(s);
}

uint64_t sqlite_now_usec(void) {
        return now_usec();
}

int storage_open_sqlite(const char *path, Storage **ret) {
        SqliteStorage *q;
        int rc, r;

        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->storage.ops = &sqlite_ops;
        /* Nothing here asks SQLite how much memory it uses, and counting it takes a global
         * mutex around every allocation it makes. Only possible before its first use in the
         * process (later, SQLITE_MISUSE and no change). */
        (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                r = log_error_errno(sqlite_errno(rc), "Failed to open database %s: %s", path,
                                    q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
                sqlite_close(&q->storage);
                return r;
        }
        (void) sqlite3_busy_timeout(q->db, 5000);
        /* WAL with FULL sync: an acknowledged write is on disk before the answer goes out. */
        r = sqlite_exec(q->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
        if (r >= 0)
                r = migrate(q->db);
        if (r < 0) {
                sqlite_close(&q->storage);
                return log_error_errno(r, "Failed to set up database %s: %m", path);
        }
        (void) sqlite_checkpointer_start(q->db, &q->checkpointer);
        *ret = &q->storage;
        return 0;
}
