/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The content-addressed policy store and its names in PostgreSQL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-pg.h"

int pgsql_policy_put(Storage *s, const char *kind, const uint8_t *data, size_t size,
                     char ret_digest[POLICY_DIGEST_HEX_SIZE]) {
        char hex[POLICY_DIGEST_HEX_SIZE];
        PgParams p = {};
        int r;

        r = policy_digest_hex(data, size, hex);
        if (r < 0)
                return r;
        pg_param_text(&p, hex);
        pg_param_text(&p, kind);
        pg_param_blob(&p, data ?: (const uint8_t *) "", size);
        pg_param_u64(&p, pg_now_usec());
        /* Content-addressed: identical content is stored once, whichever instance adds it. */
        r = pg_exec(s, "INSERT INTO policy_contents (digest, kind, content, created_usec) VALUES ($1, $2, $3, $4)"
                       " ON CONFLICT (digest) DO NOTHING", &p);
        if (r < 0)
                return r;
        memcpy(ret_digest, hex, POLICY_DIGEST_HEX_SIZE);
        return 0;
}

int pgsql_policy_get(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size) {
        _cleanup_result_ PGresult *res = NULL;
        _cleanup_free_ char *kind = NULL;
        Blob b = {};
        PgParams p = {};
        uint8_t *copy;
        int r;

        pg_param_text(&p, digest);
        r = pg_query_row(s, "SELECT kind, content FROM policy_contents WHERE digest = $1", &p, &res);
        if (r < 0)
                return r;
        r = pg_get_text(res, 0, 0, &kind);
        r = r ?: pg_get_blob(res, 0, 1, &b);
        if (r < 0)
                return r;
        /* NUL-terminated for the JSON parsers, as the SQLite backend gives it. */
        copy = realloc(b.data, b.size + 1);
        if (!copy) {
                blob_done(&b);
                return -ENOMEM;
        }
        copy[b.size] = 0;
        if (ret_kind)
                *ret_kind = TAKE_PTR(kind);
        *ret = copy;
        *ret_size = b.size;
        return 0;
}

int pgsql_policy_name_set(Storage *s, const char *kind, const char *name, const char *digest, bool replace) {
        PgParams p = {};
        int r;

        pg_param_text(&p, kind);
        pg_param_text(&p, name);
        pg_param_text(&p, digest);
        pg_param_u64(&p, pg_now_usec());
        r = pg_exec(s, replace ?
                    "INSERT INTO policies (kind, name, digest, created_usec) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (kind, name) DO UPDATE SET digest = excluded.digest, created_usec = excluded.created_usec" :
                    "INSERT INTO policies (kind, name, digest, created_usec) VALUES ($1, $2, $3, $4)", &p);
        return r < 0 ? r : 0;
}

int pgsql_policy_name_get(Storage *s, const char *kind, const char *name, char **ret_digest) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, kind);
        pg_param_text(&p, name);
        r = pg_query_row(s, "SELECT digest FROM policies WHERE kind = $1 AND name = $2", &p, &res);
        if (r < 0)
                return r;
        *ret_digest = NULL;
        return pg_get_text(res, 0, 0, ret_digest);
}

int pgsql_policy_name_delete(Storage *s, const char *kind, const char *name) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, kind);
        pg_param_text(&p, name);
        /* One statement: the check and the delete see the same snapshot, so a
         * node enrolled meanwhile through another instance is not left dangling
         * by a check done before it. */
        r = pg_query(s,
                     "WITH in_use AS ("
                     " SELECT 1 FROM nodes WHERE ($1 = 'tpm' AND tpm_policy_name = $2)"
                     "  OR ($1 = 'boot' AND boot_policy_name = $2)"
                     "  OR ($1 = 'runtime' AND runtime_policy_name = $2)"
                     " UNION ALL SELECT 1 FROM node_policies WHERE $1 NOT IN ('tpm', 'boot', 'runtime')"
                     "  AND engine = $1 AND name = $2),"
                     " gone AS (DELETE FROM policies WHERE kind = $1 AND name = $2"
                     "  AND NOT EXISTS (SELECT 1 FROM in_use) RETURNING 1)"
                     " SELECT (SELECT COUNT(*) FROM in_use), (SELECT COUNT(*) FROM gone)", &p, &res);
        if (r < 0)
                return r;
        if (pg_get_u64(res, 0, 0) > 0)
                return -EBUSY;
        return pg_get_u64(res, 0, 1) > 0 ? 0 : -ENOENT;
}

int pgsql_policy_name_update(Storage *s, const char *kind, const char *name, const char *digest) {
        PgParams p = {};
        int r, k = 0;

        pgsql_cache_forget_node(s, NULL);       /* the nodes that use the name change */
        pg_param_text(&p, digest);
        pg_param_text(&p, kind);
        pg_param_text(&p, name);
        r = pg_begin(s);
        if (r < 0)
                return r;
        r = pg_exec(s, "UPDATE policies SET digest = $1 WHERE kind = $2 AND name = $3", &p);
        if (r == 0)
                r = -ENOENT;
        /* The nodes that use the name follow it to the new content, in the same transaction. */
        if (r >= 0)
                r = pg_exec(s, "UPDATE nodes SET"
                               " tpm_policy = CASE WHEN $2 = 'tpm' AND tpm_policy_name = $3 THEN $1 ELSE tpm_policy END,"
                               " boot_policy = CASE WHEN $2 = 'boot' AND boot_policy_name = $3 THEN $1 ELSE boot_policy END,"
                               " runtime_policy = CASE WHEN $2 = 'runtime' AND runtime_policy_name = $3 THEN $1"
                               "  ELSE runtime_policy END"
                               " WHERE ($2 = 'tpm' AND tpm_policy_name = $3) OR ($2 = 'boot' AND boot_policy_name = $3)"
                               " OR ($2 = 'runtime' AND runtime_policy_name = $3)", &p);
        if (r >= 0)
                k = r;
        if (r >= 0 && strcmp(kind, "tpm") != 0 && strcmp(kind, "boot") != 0 && strcmp(kind, "runtime") != 0)
                r = k = pg_exec(s, "UPDATE node_policies SET digest = $1 WHERE engine = $2 AND name = $3", &p);
        r = pg_end(s, r);
        return r < 0 ? r : k;
}

static int read_entry(const PGresult *res, int row, void *elem) {
        PolicyEntry *e = elem;
        int r = 0;

        r = r ?: pg_get_text(res, row, 0, &e->kind);
        r = r ?: pg_get_text(res, row, 1, &e->name);
        r = r ?: pg_get_text(res, row, 2, &e->digest);
        e->size = pg_get_u64(res, row, 3);
        e->created_usec = pg_get_u64(res, row, 4);
        e->n_nodes = pg_get_u64(res, row, 5);
        return r;
}

static void entry_done(void *elem) {
        PolicyEntry *e = elem;
        free(e->kind);
        free(e->name);
        free(e->digest);
}

int pgsql_policy_list(Storage *s, PolicyEntry **ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        int r;

        r = pg_query(s,
                     "SELECT p.kind, p.name, p.digest, length(c.content), p.created_usec,"
                     " (SELECT COUNT(*) FROM nodes WHERE tpm_policy = p.digest OR boot_policy = p.digest"
                     "  OR runtime_policy = p.digest)"
                     " + (SELECT COUNT(*) FROM node_policies np WHERE np.engine = p.kind AND np.digest = p.digest)"
                     " FROM policies p JOIN policy_contents c ON c.digest = p.digest"
                     " ORDER BY p.kind COLLATE \"C\", p.name COLLATE \"C\"",
                     NULL, &res);
        if (r < 0)
                return r;
        return pg_collect(res, sizeof(PolicyEntry), read_entry, entry_done, (void **) ret, ret_n);
}
