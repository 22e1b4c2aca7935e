/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nodes' secrets, sealed by the verifier before they reach the database. */
#include <errno.h>
#include <stdlib.h>

#include "conf-parser.h"
#include "storage-sqlite.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

static int secret_count(sqlite3 *db, const char *node_id, const char *except_name, size_t *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_query_row(db, "SELECT COUNT(*) FROM secrets WHERE node_id = ? AND name != ?", &st, 2, node_id,
                             except_name);
        if (r < 0)
                return r;
        *ret = (size_t) sqlite3_column_int64(st, 0);
        return 0;
}

static int secret_write(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                        size_t max_per_node) {
        sqlite3 *db = sqlite_storage_db(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        size_t others;
        int r, rc;

        r = secret_count(db, node_id, name, &others);
        if (r < 0)
                return r;
        if (others >= max_per_node)
                return -E2BIG;
        r = sqlite_prepare(db, replace ?
                           "INSERT OR REPLACE INTO secrets (node_id, name, sealed, updated_usec) VALUES (?, ?, ?, ?)" :
                           "INSERT INTO secrets (node_id, name, sealed, updated_usec) VALUES (?, ?, ?, ?)", &st);
        r = r ?: sqlite_bind_text(st, 1, node_id);
        r = r ?: sqlite_bind_text(st, 2, name);
        r = r ?: sqlite_bind_blob(st, 3, sealed->data, sealed->size);
        r = r ?: (sqlite3_bind_int64(st, 4, (sqlite3_int64) sqlite_now_usec()) == SQLITE_OK ? 0 : -EIO);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : rc == SQLITE_CONSTRAINT ? -EEXIST : -EIO;
}

int sqlite_secret_put(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                      size_t max_per_node) {
        sqlite3 *db = sqlite_storage_db(s);
        int r;

        r = sqlite_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = secret_write(s, node_id, name, sealed, replace, max_per_node);
        return sqlite_end_transaction(db, r);
}

int sqlite_secret_get(Storage *s, const char *node_id, const char *name, Blob *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        Blob b = {};
        int r;

        r = sqlite_query_row(sqlite_storage_db(s), "SELECT sealed FROM secrets WHERE node_id = ? AND name = ?", &st, 2,
                             node_id, name);
        if (r < 0)
                return r;
        r = sqlite_column_blob(st, 0, &b);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

int sqlite_secret_delete(Storage *s, const char *node_id, const char *name) {
        int r;

        if (!name) {
                r = sqlite_exec_text(sqlite_storage_db(s), "DELETE FROM secrets WHERE node_id = ?", 1, node_id);
                return r < 0 ? r : 0;
        }
        r = sqlite_exec_text(sqlite_storage_db(s), "DELETE FROM secrets WHERE node_id = ? AND name = ?", 2, node_id, name);
        return r < 0 ? r : r > 0 ? 0 : -ENOENT;
}

int sqlite_secret_list(Storage *s, const char *node_id, char ***ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char **l = NULL;
        int r, rc = SQLITE_DONE;

        r = sqlite_prepare(sqlite_storage_db(s), "SELECT name FROM secrets WHERE node_id = ? ORDER BY name", &st);
        r = r ?: sqlite_bind_text(st, 1, node_id);
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                r = strv_extend(&l, (const char *) sqlite3_column_text(st, 0));
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        if (r >= 0 && !l && !(l = calloc(1, sizeof *l)))
                r = -ENOMEM;
        if (r < 0) {
                strv_free(l);
                return r;
        }
        *ret = l;
        return 0;
}
