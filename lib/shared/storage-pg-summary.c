/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet at a glance: nodes counted by state and verdict, in PostgreSQL. */
#include <errno.h>
#include <stdlib.h>

#include "storage-pg.h"

static int read_count(const PGresult *res, int row, void *elem) {
        NodeCount *c = elem;
        int state = node_state_from_string(PQgetvalue(res, row, 0));

        if (state < 0)
                return -EBADMSG;
        *c = (NodeCount) { .state = (NodeState) state, .n = pg_get_u64(res, row, 2) };
        return pg_get_text(res, row, 1, &c->verdict);
}

static void count_done(void *elem) {
        NodeCount *c = elem;
        free(c->verdict);
}

int pgsql_node_summary(Storage *s, NodeCount **ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        int r;

        /* COLLATE "C": sorted as the SQLite backend sorts, whatever the database's locale. */
        r = pg_query(s, "SELECT state, verdict, COUNT(*) FROM nodes GROUP BY state, verdict"
                        " ORDER BY state COLLATE \"C\", verdict COLLATE \"C\" NULLS FIRST", NULL, &res);
        if (r < 0)
                return r;
        return pg_collect(res, sizeof(NodeCount), read_count, count_done, (void **) ret, ret_n);
}
