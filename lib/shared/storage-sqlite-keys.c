/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keys the instances of one verifier share, such as the results signing key:
 * the first instance's candidate is kept, every later one reads it. */
#include <errno.h>
#include <stdlib.h>

#include "memory-util.h"
#include "storage-sqlite.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

static int insert_if_absent(sqlite3 *db, const char *name, const Blob *candidate) {
        sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare(db, "INSERT OR IGNORE INTO verifier_keys (name, pem, created_usec) VALUES (?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, name);
        r = r ?: sqlite_bind_blob(st, 2, candidate->data, candidate->size);
        r = r ?: (sqlite3_bind_int64(st, 3, (sqlite3_int64) sqlite_now_usec()) == SQLITE_OK ? 0 : -EIO);
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        return sqlite_step_done(db, st);
}

int sqlite_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        Blob b = {};
        int r;

        r = insert_if_absent(db, name, candidate);
        if (r < 0)
                return r;
        r = sqlite_query_row(db, "SELECT pem FROM verifier_keys WHERE name = ?", &st, 1, name);
        if (r < 0)
                return r;
        r = sqlite_column_blob(st, 0, &b);
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

static int read_key(sqlite3_stmt *st, void *elem) {
        StorageKey *k = elem;
        int r;

        r = sqlite_column_text(st, 0, &k->name);
        r = r ?: sqlite_column_blob(st, 1, &k->pem);
        return r < 0 ? r : k->name ? 0 : -EBADMSG;
}

static void key_row_done(void *elem) {
        StorageKey *k = elem;

        free(k->name);
        (void) erase_and_free_size(k->pem.data, k->pem.size);
}

int sqlite_key_list(Storage *s, StorageKey **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare(sqlite_storage_db(s), "SELECT name, pem FROM verifier_keys ORDER BY name", &st);
        if (r < 0)
                return r;
        return sqlite_collect(st, sizeof(StorageKey), read_key, key_row_done, (void **) ret, ret_n);
}
