/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keys the instances of one verifier share, such as the results signing key:
 * the first instance's candidate is kept, every later one reads it. */
#include <errno.h>
#include <stdlib.h>

#include "memory-util.h"
#include "storage-pg.h"

int pgsql_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret) {
        PgParams p = {}, key = {};
        int r;

        pg_param_text(&p, name);
        pg_param_blob(&p, candidate->data, candidate->size);
        pg_param_u64(&p, pg_now_usec());
        r = pg_exec(s, "INSERT INTO verifier_keys (name, pem, created_usec) VALUES ($1, $2, $3)"
                       " ON CONFLICT (name) DO NOTHING", &p);
        if (r < 0)
                return r;
        pg_param_text(&key, name);
        return pg_query_blob(s, "SELECT pem FROM verifier_keys WHERE name = $1", &key, ret);
}

static int read_key(const PGresult *res, int row, void *elem) {
        StorageKey *k = elem;
        int r;

        r = pg_get_text(res, row, 0, &k->name);
        r = r ?: pg_get_blob(res, row, 1, &k->pem);
        return r < 0 ? r : k->name ? 0 : -EBADMSG;
}

static void key_row_done(void *elem) {
        StorageKey *k = elem;

        free(k->name);
        (void) erase_and_free_size(k->pem.data, k->pem.size);
}

int pgsql_key_list(Storage *s, StorageKey **ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        int r;

        r = pg_query(s, "SELECT name, pem FROM verifier_keys ORDER BY name COLLATE \"C\"", NULL, &res);
        if (r < 0)
                return r;
        return pg_collect(res, sizeof(StorageKey), read_key, key_row_done, (void **) ret, ret_n);
}
