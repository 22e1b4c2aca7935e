/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-sqlite.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

int sqlite_policy_put(Storage *s, const char *kind, const uint8_t *data, size_t size,
                      char ret_digest[POLICY_DIGEST_HEX_SIZE]) {
        sqlite3 *db = sqlite_storage_db(s);
        char hex[POLICY_DIGEST_HEX_SIZE];
        sqlite3_stmt *st = NULL;
        int r;

        r = policy_digest_hex(data, size, hex);
        if (r < 0)
                return r;
        /* Content-addressed: identical content is stored once, whoever adds it. */
        r = sqlite_prepare(db, "INSERT OR IGNORE INTO policy_contents (digest, kind, content, created_usec)"
                           " VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, hex);
        r = r ?: sqlite_bind_text(st, 2, kind);
        r = r ?: sqlite_bind_blob(st, 3, data ?: (const uint8_t *) "", size);
        r = r ?: (sqlite3_bind_int64(st, 4, (sqlite3_int64) sqlite_now_usec()) == SQLITE_OK ? 0 : -EIO);
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        r = sqlite_step_done(db, st);
        if (r < 0)
                return r;
        memcpy(ret_digest, hex, POLICY_DIGEST_HEX_SIZE);
        return 0;
}

int sqlite_policy_get(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *kind = NULL;
        const void *d;
        size_t n;
        uint8_t *copy;
        int r;

        r = sqlite_query_row(sqlite_storage_db(s), "SELECT kind, content FROM policy_contents WHERE digest = ?",
                             &st, 1, digest);
        if (r < 0)
                return r;
        r = sqlite_column_text(st, 0, &kind);
        if (r < 0)
                return r;
        d = sqlite3_column_blob(st, 1);
        n = (size_t) sqlite3_column_bytes(st, 1);
        copy = malloc(n + 1);
        if (!copy)
                return -ENOMEM;
        if (n > 0)
                memcpy(copy, d, n);
        copy[n] = 0;
        if (ret_kind)
                *ret_kind = TAKE_PTR(kind);
        *ret = copy;
        *ret_size = n;
        return 0;
}

int sqlite_policy_name_set(Storage *s, const char *kind, const char *name, const char *digest, bool replace) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare(db, replace ?
                           "INSERT OR REPLACE INTO policies (kind, name, digest, created_usec) VALUES (?, ?, ?, ?)" :
                           "INSERT INTO policies (kind, name, digest, created_usec) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, kind);
        r = r ?: sqlite_bind_text(st, 2, name);
        r = r ?: sqlite_bind_text(st, 3, digest);
        r = r ?: (sqlite3_bind_int64(st, 4, (sqlite3_int64) sqlite_now_usec()) == SQLITE_OK ? 0 : -EIO);
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        return sqlite_step_done(db, st);
}

int sqlite_policy_name_get(Storage *s, const char *kind, const char *name, char **ret_digest) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_query_row(sqlite_storage_db(s), "SELECT digest FROM policies WHERE kind = ? AND name = ?",
                             &st, 2, kind, name);
        if (r < 0)
                return r;
        *ret_digest = NULL;
        return sqlite_column_text(st, 0, ret_digest);
}

static int policy_name_in_use(sqlite3 *db, const char *kind, const char *name) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (strcmp(kind, "boot") == 0)
                r = sqlite_query_row(db, "SELECT COUNT(*) FROM nodes WHERE boot_policy_name = ?", &st, 1, name);
        else if (strcmp(kind, "runtime") == 0)
                r = sqlite_query_row(db, "SELECT COUNT(*) FROM nodes WHERE runtime_policy_name = ?", &st, 1, name);
        else if (strcmp(kind, "tpm") == 0)
                r = sqlite_query_row(db, "SELECT COUNT(*) FROM nodes WHERE tpm_policy_name = ?", &st, 1, name);
        else    /* any other kind is an engine's */
                r = sqlite_query_row(db, "SELECT COUNT(*) FROM node_policies WHERE engine = ? AND name = ?", &st, 2, kind, name);
        if (r < 0)
                return r;
        return sqlite3_column_int64(st, 0) > 0;
}

int sqlite_policy_name_delete(Storage *s, const char *kind, const char *name) {
        sqlite3 *db = sqlite_storage_db(s);
        int r;

        r = policy_name_in_use(db, kind, name);
        if (r < 0)
                return r;
        if (r > 0)
                return -EBUSY;
        r = sqlite_exec_text(db, "DELETE FROM policies WHERE kind = ? AND name = ?", 2, kind, name);
        return r < 0 ? r : r > 0 ? 0 : -ENOENT;
}

/* The nodes that use the name follow it to the new content. */
static int repoint_nodes(sqlite3 *db, const char *kind, const char *name, const char *digest) {
        if (strcmp(kind, "tpm") == 0)
                return sqlite_exec_text(db, "UPDATE nodes SET tpm_policy = ? WHERE tpm_policy_name = ?", 2, digest, name);
        if (strcmp(kind, "boot") == 0)
                return sqlite_exec_text(db, "UPDATE nodes SET boot_policy = ? WHERE boot_policy_name = ?", 2, digest, name);
        if (strcmp(kind, "runtime") == 0)
                return sqlite_exec_text(db, "UPDATE nodes SET runtime_policy = ? WHERE runtime_policy_name = ?", 2,
                                        digest, name);
        return sqlite_exec_text(db, "UPDATE node_policies SET digest = ? WHERE engine = ? AND name = ?", 3,
                                digest, kind, name);
}

int sqlite_policy_name_update(Storage *s, const char *kind, const char *name, const char *digest) {
        sqlite3 *db = sqlite_storage_db(s);
        int r, n = 0;

        r = sqlite_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = sqlite_exec_text(db, "UPDATE policies SET digest = ? WHERE kind = ? AND name = ?", 3, digest, kind, name);
        if (r == 0)
                r = -ENOENT;
        if (r >= 0)
                r = n = repoint_nodes(db, kind, name, digest);
        r = sqlite_end_transaction(db, r);
        return r < 0 ? r : n;
}

int sqlite_policy_list(Storage *s, PolicyEntry **ret, size_t *ret_n) {
        sqlite3 *db = sqlite_storage_db(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        PolicyEntry *l = NULL;
        size_t n = 0;
        int r, rc;

        r = sqlite_prepare(db,
                           "SELECT p.kind, p.name, p.digest, length(c.content), p.created_usec,"
                           " (SELECT COUNT(*) FROM nodes WHERE tpm_policy = p.digest OR boot_policy = p.digest"
                           "  OR runtime_policy = p.digest)"
                           " + (SELECT COUNT(*) FROM node_policies np WHERE np.engine = p.kind AND np.digest = p.digest)"
                           " FROM policies p JOIN policy_contents c ON c.digest = p.digest ORDER BY p.kind, p.name", &st);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                PolicyEntry *m = realloc(l, (n + 1) * sizeof *l);
                if (!m) {
                        r = -ENOMEM;
                        break;
                }
                l = m;
                l[n] = (PolicyEntry) {
                        .size = (uint64_t) sqlite3_column_int64(st, 3),
                        .created_usec = (uint64_t) sqlite3_column_int64(st, 4),
                        .n_nodes = (uint64_t) sqlite3_column_int64(st, 5),
                };
                n++;
                r = sqlite_column_text(st, 0, &l[n - 1].kind);
                r = r ?: sqlite_column_text(st, 1, &l[n - 1].name);
                r = r ?: sqlite_column_text(st, 2, &l[n - 1].digest);
                if (r < 0)
                        break;
        }
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        if (r < 0) {
                policy_entry_list_free(l, n);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}
