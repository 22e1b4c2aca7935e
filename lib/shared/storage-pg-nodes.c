/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Nodes, their engine policies and history events in PostgreSQL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "log.h"
#include "storage-backend.h"
#include "storage-pg.h"

static void params_node(PgParams *p, const Node *n) {
        pg_param_text(p, n->id);
        pg_param_text(p, node_state_to_string(n->state));
        pg_param_blob(p, n->ek_tpm.data, n->ek_tpm.size);
        pg_param_blob(p, n->ekcert.data, n->ekcert.size);
        pg_param_blob(p, n->aik_tpm.data, n->aik_tpm.size);
        pg_param_blob(p, n->iak_tpm.data, n->iak_tpm.size);
        pg_param_blob(p, n->idevid_tpm.data, n->idevid_tpm.size);
        pg_param_blob(p, n->iak_cert.data, n->iak_cert.size);
        pg_param_blob(p, n->idevid_cert.data, n->idevid_cert.size);
        pg_param_text(p, n->mtls_cert);
        pg_param_text(p, n->ip);
        pg_param_u64(p, n->port);
        pg_param_blob(p, n->auth_digest, sizeof n->auth_digest);
        pg_param_u64(p, n->regcount);
        pg_param_u64(p, n->registered_usec);
        pg_param_u64(p, n->activated_usec);
        pg_param_u64(p, n->enrolled_usec);
        pg_param_text(p, n->tpm_policy);
        pg_param_text(p, n->boot_policy);
        pg_param_text(p, n->runtime_policy);
        pg_param_text(p, n->boot_policy_name);
        pg_param_text(p, n->runtime_policy_name);
        pg_param_u64(p, n->attest_count);
        pg_param_u64(p, n->interval_sec);
        pg_param_text(p, n->failure_actions);
        pg_param_text(p, n->verdict);
        pg_param_u64(p, n->attestations_passed);
        pg_param_u64(p, n->last_attestation_usec);
        pg_param_text(p, n->tpm_policy_name);
        pg_param_text(p, n->attested_by);
        assert(p->n == NODE_N_COLUMNS);
}

static int row_text(const RowReader *rr, int col, char **ret) {
        return pg_get_text(rr->result, rr->row, col, ret);
}

static int row_blob(const RowReader *rr, int col, Blob *ret) {
        return pg_get_blob(rr->result, rr->row, col, ret);
}

static uint64_t row_u64(const RowReader *rr, int col) {
        return pg_get_u64(rr->result, rr->row, col);
}

static void row_fixed(const RowReader *rr, int col, void *buf, size_t size) {
        (void) pg_get_fixed(rr->result, rr->row, col, buf, size);
}

static int read_node(const PGresult *res, int row, Node **ret) {
        const RowReader rr = {
                .text = row_text, .blob = row_blob, .u64 = row_u64, .fixed = row_fixed,
                .result = res, .row = row,
        };
        return node_from_row(&rr, ret);
}

/* engine, digest, name from column col on. */
static int read_policy_at(const PGresult *res, int row, int col, NodePolicy *p) {
        int r = 0;

        r = r ?: pg_get_text(res, row, col, &p->engine);
        r = r ?: pg_get_text(res, row, col + 1, &p->digest);
        r = r ?: pg_get_text(res, row, col + 2, &p->name);
        if (r >= 0 && (!p->engine || !p->digest))
                r = -EBADMSG;
        return r;
}

static int read_policy(const PGresult *res, int row, void *elem) {
        return read_policy_at(res, row, 0, elem);
}

static void policy_row_done(void *elem) {
        NodePolicy *p = elem;
        free(p->engine);
        free(p->digest);
        free(p->name);
}

static int node_policies_load(Storage *s, Node *n) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        NodePolicy *l = NULL;
        size_t k = 0;
        int r;

        pg_param_text(&p, n->id);
        r = pg_query(s, "SELECT engine, digest, name FROM node_policies WHERE node_id = $1 ORDER BY engine COLLATE \"C\"",
                     &p, &res);
        if (r >= 0)
                r = pg_collect(res, sizeof *l, read_policy, policy_row_done, (void **) &l, &k);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n->n_policies; i++)
                policy_row_done(&n->policies[i]);
        free(n->policies);
        n->policies = k > 0 ? l : mfree(l);
        n->n_policies = k;
        return 0;
}

/* Unordered: the rows are sorted by engine here (pgsql_node_from_result()); an ORDER BY
 * made the server set up a sort for every read of a node, the hot path's dearest statement. */
#define NODE_GET_SQL(where) \
        "SELECT " NODE_COLUMNS ", np.engine, np.digest, np.name FROM nodes" \
        " LEFT JOIN node_policies np ON np.node_id = nodes.id WHERE nodes.id = " where
static const char node_get_sql[] = NODE_GET_SQL("$1");
const char pgsql_node_by_session_sql[] = NODE_GET_SQL("(SELECT node_id FROM sessions WHERE id = $1)");

void pgsql_cache_put_node(Storage *s, const char *id, PGresult *res, unsigned uses) {
        pg_cache_put(s, node_get_sql, id, res, uses);
}

void pgsql_cache_forget_node(Storage *s, const char *id) {
        pg_cache_forget(s, node_get_sql, id);
}

bool pgsql_node_cached(Storage *s, const char *id) {
        return pg_cache_has(s, node_get_sql, id);
}

/* One query on the hot path: the node row once per engine policy, or once with NULLs for none.
 * A node's request reads it with its session (pgsql_session_get()), for that request's one
 * read: each request sees the row as it was when the request came. */
int pgsql_node_get(Storage *s, const char *id, Node **ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, id);
        r = pg_query_row_cached(s, node_get_sql, &p, id, PG_CACHE_ONCE, &res);
        if (r < 0)
                return r;
        return pgsql_node_from_result(res, ret);
}

static int policy_compare(const void *a, const void *b) {
        return strcmp(((const NodePolicy *) a)->engine, ((const NodePolicy *) b)->engine);
}

int pgsql_node_from_result(const PGresult *res, Node **ret) {
        _cleanup_(node_freep) Node *n = NULL;
        int r, rows;

        r = read_node(res, 0, &n);
        if (r < 0)
                return r;
        rows = PQgetisnull(res, 0, NODE_N_COLUMNS) ? 0 : PQntuples(res);
        if (rows > 0 && !(n->policies = calloc((size_t) rows, sizeof *n->policies)))
                return -ENOMEM;
        for (int i = 0; i < rows; i++) {
                r = read_policy_at(res, i, NODE_N_COLUMNS, &n->policies[i]);
                n->n_policies++;        /* node_free() frees what was read */
                if (r < 0)
                        return r;
        }
        /* By engine, bytewise, like the other reads of a node's policies (COLLATE "C"). */
        if (rows > 1)
                qsort(n->policies, n->n_policies, sizeof *n->policies, policy_compare);
        *ret = TAKE_PTR(n);
        return 0;
}

/* An upsert, not delete and insert: that would cascade-delete the node's history. */
static const char node_put_sql[] =
        "INSERT INTO nodes (" NODE_COLUMNS ") VALUES "
        "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,"
        "$21,$22,$23,$24,$25,$26,$27,$28,$29,$30) ON CONFLICT (id) DO UPDATE SET " NODE_UPDATE;
static const char event_add_sql[] =
        "INSERT INTO events (node_id, time_usec, kind, detail) VALUES ($1, $2, $3, $4)";

int pgsql_node_put(Storage *s, const Node *n) {
        PgParams p = {};
        int r;

        pgsql_cache_forget_node(s, n->id);
        params_node(&p, n);
        r = pg_exec(s, node_put_sql, &p);
        return r < 0 ? r : 0;
}

/* Content that came with the node goes into the policy store first, under the digest it was attached by. */
static int store_content(Storage *s, const NodePolicy *np) {
        char d[POLICY_DIGEST_HEX_SIZE];
        int r;

        if (!np->content.data)
                return 0;
        r = pgsql_policy_put(s, np->engine, np->content.data, np->content.size, d);
        if (r >= 0 && strcmp(d, np->digest) != 0)
                r = -EBADMSG;
        return r;
}

static int insert_policies(Storage *s, const Node *n) {
        PgParams p = {};
        int r;

        pg_param_text(&p, n->id);
        r = pg_exec(s, "DELETE FROM node_policies WHERE node_id = $1", &p);
        for (size_t i = 0; r >= 0 && i < n->n_policies; i++)
                r = store_content(s, &n->policies[i]);
        for (size_t i = 0; r >= 0 && i < n->n_policies; i++) {
                PgParams q = {};

                pg_param_text(&q, n->id);
                pg_param_text(&q, n->policies[i].engine);
                pg_param_text(&q, n->policies[i].digest);
                pg_param_text(&q, n->policies[i].name);
                r = pg_exec(s, "INSERT INTO node_policies (node_id, engine, digest, name) VALUES ($1, $2, $3, $4)", &q);
        }
        return r < 0 ? r : 0;
}

int pgsql_node_put_policies(Storage *s, const Node *n) {
        int r;

        r = pg_begin(s);
        if (r < 0)
                return r;
        r = pgsql_node_put(s, n);
        if (r >= 0)
                r = insert_policies(s, n);
        r = pg_end(s, r);
        if (r < 0)
                log_debug("Node %s and its engine policies not stored: %s", n->id, strerror(-r));
        return r;
}

int pgsql_node_delete(Storage *s, const char *id) {
        PgParams p = {};
        int r;

        pgsql_cache_forget_node(s, id);
        pgsql_cache_forget_push(s, id, NULL);
        pgsql_cache_forget_sessions(s);         /* its sessions go with it */
        pg_param_text(&p, id);
        r = pg_exec(s, "WITH pending AS (DELETE FROM pending_attestations WHERE node_id = $1)"
                       " DELETE FROM nodes WHERE id = $1", &p);
        return r < 0 ? r : r > 0 ? 0 : -ENOENT;
}

static int read_node_row(const PGresult *res, int row, void *elem) {
        return read_node(res, row, elem);
}

static void node_row_done(void *elem) {
        node_free(*(Node **) elem);
}

int pgsql_node_list(Storage *s, Node ***ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        Node **l = NULL;
        size_t n = 0;
        int r;

        r = pg_query(s, "SELECT " NODE_COLUMNS " FROM nodes ORDER BY id COLLATE \"C\"", NULL, &res);
        if (r < 0)
                return r;
        r = pg_collect(res, sizeof(Node *), read_node_row, node_row_done, (void **) &l, &n);
        if (r < 0)
                return r;
        return node_list_complete(s, l, n, node_policies_load, ret, ret_n);
}

int pgsql_node_ids_by_ek(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_blob(&p, ek_tpm->data, ek_tpm->size);
        pg_param_text(&p, except_id);
        r = pg_query(s, "SELECT id FROM nodes WHERE ek_tpm = $1 AND id IS DISTINCT FROM $2 ORDER BY id COLLATE \"C\"",
                     &p, &res);
        if (r < 0)
                return r;
        return pg_collect_ids(res, true, ret_ids, NULL);
}

int pgsql_event_add(Storage *s, const char *node_id, const char *kind, const char *detail) {
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        pg_param_u64(&p, pg_now_usec());
        pg_param_text(&p, kind);
        pg_param_text(&p, detail);
        r = pg_exec(s, event_add_sql, &p);
        return r < 0 ? r : 0;
}

int pgsql_event_put(Storage *s, const char *node_id, const StorageEvent *e) {
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        pg_param_u64(&p, e->time_usec);
        pg_param_text(&p, e->kind);
        pg_param_text(&p, e->detail);
        r = pg_exec(s, event_add_sql, &p);
        return r < 0 ? r : 0;
}

static int read_event(const PGresult *res, int row, void *elem) {
        StorageEvent *e = elem;
        int r;

        e->time_usec = pg_get_u64(res, row, 0);
        r = pg_get_text(res, row, 1, &e->kind);
        r = r ?: pg_get_text(res, row, 2, &e->detail);
        return r < 0 ? r : e->kind ? 0 : -EBADMSG;
}

static void event_row_done(void *elem) {
        StorageEvent *e = elem;

        free(e->kind);
        free(e->detail);
}

int pgsql_event_list(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        r = pg_query(s, "SELECT time_usec, kind, detail FROM events WHERE node_id = $1 ORDER BY seq", &p, &res);
        if (r < 0)
                return r;
        return pg_collect(res, sizeof(StorageEvent), read_event, event_row_done, (void **) ret, ret_n);
}

int pgsql_event_count(Storage *s, const char *node_id, uint64_t *ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        r = pg_query_row(s, "SELECT COUNT(*) FROM events WHERE node_id = $1", &p, &res);
        if (r < 0)
                return r;
        *ret = pg_get_u64(res, 0, 0);
        return 0;
}
