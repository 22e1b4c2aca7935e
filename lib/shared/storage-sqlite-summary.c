/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet at a glance: nodes counted by state and verdict, in the database. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-sqlite.h"

static int read_count(sqlite3_stmt *st, void *elem) {
        NodeCount *c = elem;
        int state = node_state_from_string((const char *) sqlite3_column_text(st, 0));

        if (state < 0)
                return -EBADMSG;
        *c = (NodeCount) { .state = (NodeState) state, .n = (uint64_t) sqlite3_column_int64(st, 2) };
        return sqlite_column_text(st, 1, &c->verdict);
}

static void count_done(void *elem) {
        NodeCount *c = elem;
        free(c->verdict);
}

int sqlite_node_summary(Storage *s, NodeCount **ret, size_t *ret_n) {
        sqlite3_stmt *st = NULL;
        int r;

        /* Not cached: scrapes and operators ask now and then. */
        r = sqlite_prepare(sqlite_storage_db(s), "SELECT state, verdict, COUNT(*) FROM nodes GROUP BY state, verdict"
                                                 " ORDER BY state, verdict", &st);
        if (r < 0)
                return r;
        r = sqlite_collect(st, sizeof(NodeCount), read_count, count_done, (void **) ret, ret_n);
        sqlite3_finalize(st);
        return r;
}
