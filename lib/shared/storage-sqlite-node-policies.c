/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A node's policies for engines beyond tpm/boot/runtime: the node_policies
 * table, written together with the node row in one transaction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "storage-sqlite.h"

static int read_policy(sqlite3_stmt *st, void *elem) {
        NodePolicy *p = elem;
        int r = 0;

        r = r ?: sqlite_column_text(st, 0, &p->engine);
        r = r ?: sqlite_column_text(st, 1, &p->digest);
        r = r ?: sqlite_column_text(st, 2, &p->name);
        if (r >= 0 && (!p->engine || !p->digest))
                r = -EBADMSG;
        return r;
}

static void policy_row_done(void *elem) {
        NodePolicy *p = elem;
        free(p->engine);
        free(p->digest);
        free(p->name);
}

int sqlite_node_policies_load(Storage *s, Node *n) {
        _release_stmt_ sqlite3_stmt *st = NULL;
        NodePolicy *l = NULL;
        size_t k = 0;
        int r;

        r = sqlite_prepare_cached(s, "SELECT engine, digest, name FROM node_policies WHERE node_id = ? ORDER BY engine", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, n->id);
        if (r >= 0)
                r = sqlite_collect(st, sizeof *l, read_policy, policy_row_done, (void **) &l, &k);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_policies; i++)
                policy_row_done(&n->policies[i]);
        free(n->policies);
        n->policies = l;
        n->n_policies = k;
        return 0;
}

/* Content that came with the node goes into the policy store first, under the digest it was attached by. */
static int store_content(Storage *s, const NodePolicy *p) {
        char d[POLICY_DIGEST_HEX_SIZE];
        int r;

        if (!p->content.data)
                return 0;
        r = sqlite_policy_put(s, p->engine, p->content.data, p->content.size, d);
        if (r >= 0 && strcmp(d, p->digest) != 0)
                r = -EBADMSG;
        return r;
}

static int insert_policies(Storage *s, const Node *n) {
        sqlite3 *db = sqlite_storage_db(s);
        int r;

        r = sqlite_exec_text(db, "DELETE FROM node_policies WHERE node_id = ?", 1, n->id);
        for (size_t i = 0; r >= 0 && i < n->n_policies; i++)
                r = store_content(s, &n->policies[i]);
        for (size_t i = 0; r >= 0 && i < n->n_policies; i++)
                r = sqlite_exec_text(db, "INSERT INTO node_policies (node_id, engine, digest, name) VALUES (?, ?, ?, ?)",
                                     4, n->id, n->policies[i].engine, n->policies[i].digest, n->policies[i].name);
        return r < 0 ? r : 0;
}

int sqlite_node_put_policies(Storage *s, const Node *n) {
        sqlite3 *db = sqlite_storage_db(s);
        int r;

        r = sqlite_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        r = sqlite_node_put(s, n);
        if (r >= 0)
                r = insert_policies(s, n);
        r = sqlite_end_transaction(db, r);
        if (r < 0)
                log_debug("Node %s and its engine policies not stored: %s", n->id, strerror(-r));
        return r;
}
