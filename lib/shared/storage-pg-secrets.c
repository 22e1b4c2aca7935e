/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nodes' secrets in PostgreSQL, sealed by the verifier before they reach the database. */
#include <errno.h>
#include <stdlib.h>

#include "storage-pg.h"

int pgsql_secret_put(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                     size_t max_per_node) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams node = {}, key = {}, p = {};
        int r;

        pg_param_text(&node, node_id);
        pg_param_text(&key, node_id);
        pg_param_text(&key, name);
        pg_param_text(&p, node_id);
        pg_param_text(&p, name);
        pg_param_blob(&p, sealed->data, sealed->size);
        pg_param_u64(&p, pg_now_usec());
        r = pg_begin(s);
        if (r < 0)
                return r;
        /* Two instances adding secrets of one node at once would both see room
         * for one more: the count is taken under a lock of the node's id. */
        r = pg_exec(s, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &node);
        if (r >= 0)
                r = pg_query_row(s, "SELECT COUNT(*) FROM secrets WHERE node_id = $1 AND name != $2", &key, &res);
        if (r >= 0 && pg_get_u64(res, 0, 0) >= max_per_node)
                r = -E2BIG;
        if (r >= 0)
                r = pg_exec(s, replace ?
                            "INSERT INTO secrets (node_id, name, sealed, updated_usec) VALUES ($1, $2, $3, $4)"
                            " ON CONFLICT (node_id, name) DO UPDATE SET sealed = excluded.sealed,"
                            " updated_usec = excluded.updated_usec" :
                            "INSERT INTO secrets (node_id, name, sealed, updated_usec) VALUES ($1, $2, $3, $4)", &p);
        return pg_end(s, r);
}

int pgsql_secret_get(Storage *s, const char *node_id, const char *name, Blob *ret) {
        PgParams p = {};

        pg_param_text(&p, node_id);
        pg_param_text(&p, name);
        return pg_query_blob(s, "SELECT sealed FROM secrets WHERE node_id = $1 AND name = $2", &p, ret);
}

int pgsql_secret_delete(Storage *s, const char *node_id, const char *name) {
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        if (!name) {
                r = pg_exec(s, "DELETE FROM secrets WHERE node_id = $1", &p);
                return r < 0 ? r : 0;
        }
        pg_param_text(&p, name);
        r = pg_exec(s, "DELETE FROM secrets WHERE node_id = $1 AND name = $2", &p);
        return r < 0 ? r : r > 0 ? 0 : -ENOENT;
}

int pgsql_secret_list(Storage *s, const char *node_id, char ***ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        r = pg_query(s, "SELECT name FROM secrets WHERE node_id = $1 ORDER BY name COLLATE \"C\"", &p, &res);
        if (r < 0)
                return r;
        return pg_collect_ids(res, false, ret, NULL);
}
