/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "storage-backend.h"
#include "storage-sqlite.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

static int bind_node(sqlite3_stmt *st, const Node *n) {
        int i = 1, r = 0;

        r = r ?: sqlite_bind_text(st, i++, n->id);
        r = r ?: sqlite_bind_text(st, i++, node_state_to_string(n->state));
        r = r ?: sqlite_bind_blob(st, i++, n->ek_tpm.data, n->ek_tpm.size);
        r = r ?: sqlite_bind_blob(st, i++, n->ekcert.data, n->ekcert.size);
        r = r ?: sqlite_bind_blob(st, i++, n->aik_tpm.data, n->aik_tpm.size);
        r = r ?: sqlite_bind_blob(st, i++, n->iak_tpm.data, n->iak_tpm.size);
        r = r ?: sqlite_bind_blob(st, i++, n->idevid_tpm.data, n->idevid_tpm.size);
        r = r ?: sqlite_bind_blob(st, i++, n->iak_cert.data, n->iak_cert.size);
        r = r ?: sqlite_bind_blob(st, i++, n->idevid_cert.data, n->idevid_cert.size);
        r = r ?: sqlite_bind_text(st, i++, n->mtls_cert);
        r = r ?: sqlite_bind_text(st, i++, n->ip);
        r = r ?: (sqlite3_bind_int64(st, i++, n->port) == SQLITE_OK ? 0 : -EIO);
        r = r ?: sqlite_bind_blob(st, i++, n->auth_digest, sizeof n->auth_digest);
        r = r ?: (sqlite3_bind_int64(st, i++, n->regcount) == SQLITE_OK ? 0 : -EIO);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->registered_usec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->activated_usec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->enrolled_usec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: sqlite_bind_text(st, i++, n->tpm_policy);
        r = r ?: sqlite_bind_text(st, i++, n->boot_policy);
        r = r ?: sqlite_bind_text(st, i++, n->runtime_policy);
        r = r ?: sqlite_bind_text(st, i++, n->boot_policy_name);
        r = r ?: sqlite_bind_text(st, i++, n->runtime_policy_name);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->attest_count) == SQLITE_OK ? 0 : -EIO);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->interval_sec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: sqlite_bind_text(st, i++, n->failure_actions);
        r = r ?: sqlite_bind_text(st, i++, n->verdict);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->attestations_passed) == SQLITE_OK ? 0 : -EIO);
        r = r ?: (sqlite3_bind_int64(st, i++, (sqlite3_int64) n->last_attestation_usec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: sqlite_bind_text(st, i++, n->tpm_policy_name);
        r = r ?: sqlite_bind_text(st, i++, n->attested_by);
        assert(r < 0 || i == NODE_N_COLUMNS + 1);
        return r;
}

static int row_text(const RowReader *rr, int col, char **ret) {
        return sqlite_column_text(rr->stmt, col, ret);
}

static int row_blob(const RowReader *rr, int col, Blob *ret) {
        return sqlite_column_blob(rr->stmt, col, ret);
}

static uint64_t row_u64(const RowReader *rr, int col) {
        return (uint64_t) sqlite3_column_int64(rr->stmt, col);
}

static void row_fixed(const RowReader *rr, int col, void *buf, size_t size) {
        sqlite3_stmt *st = rr->stmt;
        const void *d = sqlite3_column_blob(st, col);

        if (d && (size_t) sqlite3_column_bytes(st, col) == size)
                memcpy(buf, d, size);
}

static int read_node(sqlite3_stmt *st, Node **ret) {
        const RowReader rr = {
                .text = row_text, .blob = row_blob, .u64 = row_u64, .fixed = row_fixed,
                .stmt = st,
        };
        return node_from_row(&rr, ret);
}

int sqlite_node_get(Storage *s, const char *id, Node **ret) {
        _release_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_(node_freep) Node *n = NULL;
        int r, rc;

        r = sqlite_prepare_cached(s, "SELECT " NODE_COLUMNS " FROM nodes WHERE id = ?", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, id);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? -ENOENT : -EIO;
        r = read_node(st, &n);
        if (r >= 0)
                r = sqlite_node_policies_load(s, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(n);
        return 0;
}

int sqlite_node_put(Storage *s, const Node *n) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        int r;

        /* An upsert, not REPLACE: replacing would cascade-delete the node's history. */
        r = sqlite_prepare_cached(s, "INSERT INTO nodes (" NODE_COLUMNS ") VALUES "
                                  "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                                  " ON CONFLICT(id) DO UPDATE SET " NODE_UPDATE, &st);
        if (r < 0)
                return r;
        r = bind_node(st, n);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(db, st);
}

int sqlite_node_delete(Storage *s, const char *id) {
        int r = sqlite_exec_text(sqlite_storage_db(s), "DELETE FROM nodes WHERE id = ?", 1, id);
        return r < 0 ? r : r > 0 ? 0 : -ENOENT;
}

static int read_node_row(sqlite3_stmt *st, void *elem) {
        return read_node(st, elem);
}

static void node_row_done(void *elem) {
        node_free(*(Node **) elem);
}

int sqlite_node_list(Storage *s, Node ***ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        Node **l = NULL;
        size_t n = 0;
        int r;

        r = sqlite_prepare(sqlite_storage_db(s), "SELECT " NODE_COLUMNS " FROM nodes ORDER BY id", &st);
        if (r < 0)
                return r;
        r = sqlite_collect(st, sizeof(Node *), read_node_row, node_row_done, (void **) &l, &n);
        if (r < 0)
                return r;
        return node_list_complete(s, l, n, sqlite_node_policies_load, ret, ret_n);
}

/* A scan of the nodes table: registrations are rare next to attestations, and
 * an index would need a schema migration. */
int sqlite_node_ids_by_ek(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char **ids = NULL;
        int r, rc = SQLITE_DONE;

        r = sqlite_prepare(sqlite_storage_db(s), "SELECT id FROM nodes WHERE ek_tpm = ? AND id != ? ORDER BY id", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_blob(st, 1, ek_tpm->data, ek_tpm->size);
        r = r ?: sqlite_bind_text(st, 2, except_id);
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                r = strv_extend(&ids, (const char *) sqlite3_column_text(st, 0));
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                strv_free(ids);
                return r;
        }
        *ret_ids = ids;
        return 0;
}

int sqlite_event_put(Storage *s, const char *node_id, const StorageEvent *e) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare_cached(s, "INSERT INTO events (node_id, time_usec, kind, detail) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, node_id);
        r = r ?: (sqlite3_bind_int64(st, 2, (sqlite3_int64) e->time_usec) == SQLITE_OK ? 0 : -EIO);
        r = r ?: sqlite_bind_text(st, 3, e->kind);
        r = r ?: sqlite_bind_text(st, 4, e->detail);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(db, st);
}

int sqlite_event_add(Storage *s, const char *node_id, const char *kind, const char *detail) {
        return sqlite_event_put(s, node_id, &(const StorageEvent) {
                .time_usec = sqlite_now_usec(), .kind = (char *) kind, .detail = (char *) detail });
}

static int read_event(sqlite3_stmt *st, void *elem) {
        StorageEvent *e = elem;
        int r;

        e->time_usec = (uint64_t) sqlite3_column_int64(st, 0);
        r = sqlite_column_text(st, 1, &e->kind);
        r = r ?: sqlite_column_text(st, 2, &e->detail);
        return r < 0 ? r : e->kind ? 0 : -EBADMSG;
}

static void event_row_done(void *elem) {
        StorageEvent *e = elem;

        free(e->kind);
        free(e->detail);
}

int sqlite_event_list(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare(sqlite_storage_db(s), "SELECT time_usec, kind, detail FROM events WHERE node_id = ? ORDER BY seq",
                           &st);
        r = r ?: sqlite_bind_text(st, 1, node_id);
        if (r < 0)
                return r;
        return sqlite_collect(st, sizeof(StorageEvent), read_event, event_row_done, (void **) ret, ret_n);
}

int sqlite_event_count(Storage *s, const char *node_id, uint64_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_query_row(sqlite_storage_db(s), "SELECT COUNT(*) FROM events WHERE node_id = ?", &st, 1, node_id);
        if (r < 0)
                return r;
        *ret = (uint64_t) sqlite3_column_int64(st, 0);
        return 0;
}
