/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sessions, push state, attestations and verdicts in PostgreSQL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-pg.h"

static const char session_get_sql[] =
        "SELECT id, node_id, challenge, token_digest, expires_usec FROM sessions WHERE id = $1";
#define PUSH_STATE_GET_SQL(where) \
        "SELECT boot_time, clock, enrolment_clock, ima_state, next_index, ima_restart," \
        " ima_state_latest FROM push_state WHERE node_id = " where
static const char push_state_get_sql[] = PUSH_STATE_GET_SQL("$1");
static const char push_state_by_session_sql[] = PUSH_STATE_GET_SQL("(SELECT node_id FROM sessions WHERE id = $1)");

void pgsql_cache_forget_push(Storage *s, const char *node_id, const char *session_id) {
        pg_cache_forget(s, push_state_get_sql, node_id);
        if (session_id)
                pg_cache_forget(s, session_get_sql, session_id);
}

void pgsql_cache_forget_sessions(Storage *s) {
        pg_cache_forget(s, session_get_sql, NULL);
}

int pgsql_session_put(Storage *s, const Session *session) {
        PgParams p = {};
        int r;

        pg_cache_forget(s, session_get_sql, session->id);

        pg_param_text(&p, session->id);
        pg_param_text(&p, session->node_id);
        pg_param_blob(&p, session->challenge, sizeof session->challenge);
        pg_param_blob(&p, session->has_token ? session->token_digest : NULL, sizeof session->token_digest);
        pg_param_u64(&p, session->expires_usec);
        r = pg_exec(s, "INSERT INTO sessions (id, node_id, challenge, token_digest, expires_usec)"
                       " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET node_id = excluded.node_id,"
                       " challenge = excluded.challenge, token_digest = excluded.token_digest,"
                       " expires_usec = excluded.expires_usec", &p);
        return r < 0 ? r : 0;
}

/* A node's request begins with its session; the node row and its push state come next.
 * All three in one round trip, the two others kept for the request's reads of them. */
static const char *const prefetch_sqls[] = { session_get_sql, pgsql_node_by_session_sql, push_state_by_session_sql };
#define PREFETCH_N ELEMENTSOF(prefetch_sqls)

/* Keeps the session read in res[0] for any number of reads, its node row and push state for
 * one each; takes the three. -ENOENT without the session. */
static int prefetch_keep(Storage *s, const char *id, PGresult *res[static PREFETCH_N]) {
        _cleanup_free_ char *node_id = NULL;
        int r = 0;

        if (PQntuples(res[0]) < 1)
                r = -ENOENT;
        else if (!(node_id = strdup(PQgetvalue(res[0], 0, 1))))
                r = -ENOMEM;
        if (r < 0) {
                for (size_t i = 0; i < PREFETCH_N; i++)
                        PQclear(res[i]);
                return r;
        }
        pg_cache_put(s, session_get_sql, id, res[0], 0);
        if (PQntuples(res[1]) > 0)
                pgsql_cache_put_node(s, node_id, res[1], 1);
        else
                PQclear(res[1]);
        if (PQntuples(res[2]) > 0)
                pg_cache_put(s, push_state_get_sql, node_id, res[2], 1);
        else
                PQclear(res[2]);
        return 0;
}

/* The session's read, with its node row and push state kept; the session's row in *ret. */
static int session_prefetch(Storage *s, const char *id, PGresult **ret) {
        PGresult *res[PREFETCH_N];
        PgParams p = {};
        int r;

        pg_param_text(&p, id);
        r = pg_query_batch(s, PREFETCH_N, prefetch_sqls, (const PgParams *const[]) { &p, &p, &p }, res);
        if (r < 0)
                return r;
        r = prefetch_keep(s, id, res);
        if (r < 0)
                return r;
        return pg_query_row_cached(s, session_get_sql, &p, id, PG_CACHE_SHARED, ret);
}

int pgsql_session_get(Storage *s, const char *id, Session *ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        Session x = {};
        int r;

        pg_param_text(&p, id);
        /* Read twice for evidence this instance did not ask for (admission, then the handler;
         * the evidence it asked for is pgsql_evidence_claim()'s), the second time from the
         * cache. A session kept without its node row is the first read of the node's next
         * request (the evidence after the capabilities): read again with the node row and the
         * push state, in the one round trip the node row alone would take, so that each
         * request reads all three as they are when it comes. */
        r = pg_query_row_cached(s, session_get_sql, &p, id, PG_CACHE_PEEK, &res);
        if (r >= 0 && !pgsql_node_cached(s, PQgetvalue(res, 0, 1))) {
                PQclear(TAKE_PTR(res));
                r = -ENODATA;
        }
        if (r == -ENODATA)
                r = session_prefetch(s, id, &res);
        if (r < 0)
                return r;
        r = pg_get_text(res, 0, 0, &x.id);
        r = r ?: pg_get_text(res, 0, 1, &x.node_id);
        if (r < 0 || !x.id || !x.node_id || !pg_get_fixed(res, 0, 2, x.challenge, sizeof x.challenge)) {
                session_done(&x);
                return r < 0 ? r : -EBADMSG;
        }
        x.has_token = pg_get_fixed(res, 0, 3, x.token_digest, sizeof x.token_digest);
        x.expires_usec = pg_get_u64(res, 0, 4);
        *ret = x;
        return 0;
}

int pgsql_session_prune(Storage *s, uint64_t now_usec) {
        PgParams p = {};

        pg_cache_forget(s, session_get_sql, NULL);
        pg_param_u64(&p, now_usec);
        return pg_exec(s, "DELETE FROM sessions WHERE expires_usec < $1", &p);
}

static int push_state_from_result(const PGresult *res, PushState *ret) {
        PushState x = {};
        int r;

        x.boot_time = pg_get_u64(res, 0, 0);
        r = pg_get_blob(res, 0, 1, &x.clock);
        r = r ?: pg_get_blob(res, 0, 2, &x.enrolment_clock);
        r = r ?: pg_get_blob(res, 0, 3, &x.ima_state);
        r = r ?: pg_get_blob(res, 0, 6, &x.ima_state_latest);
        if (r < 0) {
                push_state_done(&x);
                return r;
        }
        x.next_index = pg_get_u64(res, 0, 4);
        x.ima_restart = pg_get_u64(res, 0, 5) != 0;
        *ret = x;
        return 0;
}

int pgsql_push_state_get(Storage *s, const char *node_id, PushState *ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        /* Fetched ahead with the session (the capabilities) or with the pending attestation
         * (the evidence, whose verdict is then evaluated from it). */
        r = pg_query_row_cached(s, push_state_get_sql, &p, node_id, PG_CACHE_ONCE, &res);
        if (r < 0)
                return r;
        return push_state_from_result(res, ret);
}

static int read_attestation(const PGresult *res, int row, void *elem) {
        Attestation *a = elem;
        int r;

        a->index = pg_get_u64(res, row, 0);
        r = pg_get_text(res, row, 1, &a->stage);
        r = r ?: pg_get_text(res, row, 2, &a->evaluation);
        (void) pg_get_fixed(res, row, 3, a->nonce, sizeof a->nonce);
        a->boot_time = pg_get_u64(res, row, 4);
        a->ima_offset = pg_get_u64(res, row, 5);
        a->ima_count = pg_get_u64(res, row, 6);
        r = r ?: pg_get_text(res, row, 7, &a->failure_reason);
        r = r ?: pg_get_text(res, row, 8, &a->failures);
        r = r ?: pg_get_text(res, row, 9, &a->detail);
        a->created_usec = pg_get_u64(res, row, 10);
        a->updated_usec = pg_get_u64(res, row, 11);
        r = r ?: pg_get_text(res, row, 12, &a->evidence);
        r = r ?: pg_get_text(res, row, 13, &a->appraisal);
        return r;
}

static void attestation_row_done(void *elem) {
        attestation_done(elem);
}

int pgsql_attestation_get(Storage *s, const char *node_id, uint64_t index, Attestation *ret) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        Attestation a = {};
        int r;

        pg_param_text(&p, node_id);
        pg_param_u64(&p, index);
        r = pg_query_row(s, "SELECT " PGSQL_ATTESTATION_COLUMNS " FROM attestations WHERE node_id = $1 AND idx = $2", &p, &res);
        if (r < 0)
                return r;
        r = read_attestation(res, 0, &a);
        if (r < 0) {
                attestation_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

int pgsql_attestation_list(Storage *s, const char *node_id, uint64_t limit, Attestation **ret, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_text(&p, node_id);
        /* LIMIT NULL is no limit. */
        pg_param_text(&p, NULL);
        if (limit > 0) {
                p.n--;
                pg_param_u64(&p, limit);
        }
        r = pg_query(s, "SELECT " PGSQL_ATTESTATION_COLUMNS " FROM attestations WHERE node_id = $1"
                        " ORDER BY idx DESC LIMIT $2::bigint", &p, &res);
        if (r < 0)
                return r;
        return pg_collect(res, sizeof(Attestation), read_attestation, attestation_row_done, (void **) ret, ret_n);
}

int pgsql_node_list_overdue(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pg_param_u64(&p, factor);
        pg_param_u64(&p, now_usec);
        r = pg_query(s, "SELECT id FROM nodes WHERE state = 'ENROLLED' AND verdict IS DISTINCT FROM 'TIMEOUT'"
                        " AND GREATEST(last_attestation_usec, enrolled_usec) + $1::bigint * interval_sec * 1000000 < $2::bigint"
                        " ORDER BY id COLLATE \"C\"", &p, &res);
        if (r < 0)
                return r;
        return pg_collect_ids(res, false, ret_ids, ret_n);
}

/* Instances sweep at the same time: each locks the overdue rows it marks and
 * skips those another holds; a row it waited on is checked again after the
 * other's commit, so a node marked meanwhile (or that attested) is not marked
 * twice. A node whose verdict is being committed right now is skipped too and
 * looked at again by the next sweep. */
int pgsql_node_timeout_claim(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                             char ***ret_ids, size_t *ret_n) {
        _cleanup_result_ PGresult *res = NULL;
        PgParams p = {};
        int r;

        pgsql_cache_forget_node(s, NULL);
        pg_param_u64(&p, factor);
        pg_param_u64(&p, now_usec);
        pg_param_text(&p, event_detail);
        r = pg_query(s,
                     "WITH due AS ("
                     " SELECT id FROM nodes WHERE state = 'ENROLLED' AND verdict IS DISTINCT FROM 'TIMEOUT'"
                     " AND GREATEST(last_attestation_usec, enrolled_usec) + $1::bigint * interval_sec * 1000000 < $2::bigint"
                     " FOR UPDATE SKIP LOCKED),"
                     " marked AS (UPDATE nodes SET verdict = 'TIMEOUT' FROM due WHERE nodes.id = due.id RETURNING nodes.id),"
                     " logged AS (INSERT INTO events (node_id, time_usec, kind, detail)"
                     "  SELECT id, $2::bigint, 'TIMEOUT', $3::text FROM marked)"
                     " SELECT id FROM marked ORDER BY id COLLATE \"C\"", &p, &res);
        if (r < 0)
                return r;
        return pg_collect_ids(res, false, ret_ids, ret_n);
}

/* Sent ahead of the next round trip, or with storage_flush(): the verifier shares the
 * pending attestations of several answers in one. */
int pgsql_pending_put(Storage *s, const char *node_id, uint64_t index, const Blob *data) {
        static const char sql[] = "INSERT INTO pending_attestations (node_id, idx, data) VALUES ($1, $2, $3)"
                                  " ON CONFLICT (node_id) DO UPDATE SET idx = excluded.idx, data = excluded.data";
        PgParams p = {};
        int r;

        r = pg_prepare(s, sql, 3);
        if (r < 0)
                return r;
        pg_param_text(&p, node_id);
        pg_param_u64(&p, index);
        pg_param_blob(&p, data->data, data->size);
        return pg_exec_later(s, sql, &p);
}

int pgsql_pending_get(Storage *s, const char *node_id, uint64_t index, Blob *ret) {
        PgParams p = {};

        pg_param_text(&p, node_id);
        pg_param_u64(&p, index);
        return pg_query_blob(s, "SELECT data FROM pending_attestations WHERE node_id = $1 AND idx = $2", &p, ret);
}

/* With the node's push state, which the verdict of the evidence starts from: as long as the
 * pending attestation was there, no other verdict of the node was stored since it was issued. */
int pgsql_pending_take(Storage *s, const char *node_id, uint64_t index, const Blob *prefix, Blob *ret) {
        static const char *const sqls[] = {
                "DELETE FROM pending_attestations WHERE node_id = $1 AND idx = $2"
                " AND substr(data, 1, length($3::bytea)) = $3::bytea RETURNING data",
                push_state_get_sql,
        };
        PGresult *res[ELEMENTSOF(sqls)] = {};
        PgParams p = {}, node = {};
        Blob b = {};
        int r;

        pg_param_text(&p, node_id);
        pg_param_u64(&p, index);
        /* Without a prefix an empty one (not NULL), which any data begins with. */
        pg_param_blob(&p, prefix && prefix->data ? (const void *) prefix->data : "", prefix ? prefix->size : 0);
        pg_param_text(&node, node_id);
        r = pg_query_batch(s, ELEMENTSOF(sqls), sqls, (const PgParams *const[]) { &p, &node }, res);
        if (r < 0)
                return r;
        r = PQntuples(res[0]) > 0 ? pg_get_blob(res[0], 0, 0, &b) : -ENOENT;
        if (r >= 0 && PQntuples(res[1]) > 0)
                pg_cache_put(s, push_state_get_sql, node_id, TAKE_PTR(res[1]), 1);
        PQclear(res[0]);
        PQclear(res[1]);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

/* One pipeline, one round trip, one implicit transaction: the take only for a session that
 * authenticates, then the node row and the push state as they are after it. */
static const char *const claim_sqls[] = {
        "WITH s AS (SELECT expires_usec FROM sessions WHERE id = $1 AND node_id = $2"
        "  AND token_digest = $3 AND expires_usec >= $4::bigint),"
        " t AS (DELETE FROM pending_attestations WHERE node_id = $2 AND idx = $5::bigint"
        "  AND substr(data, 1, length($6::bytea)) = $6::bytea AND EXISTS (SELECT 1 FROM s) RETURNING idx)"
        " SELECT expires_usec, EXISTS (SELECT 1 FROM t) FROM s",
        pgsql_node_by_session_sql,
        push_state_get_sql,
};
#define CLAIM_N ELEMENTSOF(claim_sqls)

/* The claim's three statements' parameters: p[0] the take's, p[1] the session's, p[2] the node's. */
static void claim_params(const EvidenceClaim *c, PgParams p[static CLAIM_N]) {
        pg_param_text(&p[0], c->session_id);
        pg_param_text(&p[0], c->node_id);
        pg_param_blob(&p[0], c->token_digest, SESSION_TOKEN_DIGEST_SIZE);
        pg_param_u64(&p[0], c->now_usec);
        pg_param_u64(&p[0], c->index);
        pg_param_blob(&p[0], c->prefix.data ? (const void *) c->prefix.data : "", c->prefix.size);
        pg_param_text(&p[1], c->session_id);
        pg_param_text(&p[2], c->node_id);
}

/* The claim's outcome from its three results, which it clears. */
static int claim_outcome(PGresult *res[static CLAIM_N], EvidenceClaimResult *ret) {
        _cleanup_(node_freep) Node *n = NULL;
        PushState ps = {};
        int r;

        if (PQntuples(res[0]) < 1)
                r = -EACCES;
        else if (strcmp(PQgetvalue(res[0], 0, 1), "t") != 0)
                r = -ESTALE;
        else if (PQntuples(res[1]) < 1)
                r = -ENOENT;
        else
                r = pgsql_node_from_result(res[1], &n);
        if (r >= 0 && PQntuples(res[2]) > 0)
                r = push_state_from_result(res[2], &ps);
        *ret = (EvidenceClaimResult) { .r = r };
        if (r >= 0) {
                ret->session_expires_usec = pg_get_u64(res[0], 0, 0);
                ret->node = TAKE_PTR(n);
                ret->push_state = ps;
        }
        for (size_t i = 0; i < CLAIM_N; i++)
                PQclear(res[i]);
        return r;
}

static int claim_one(Storage *s, const EvidenceClaim *c, EvidenceClaimResult *ret) {
        PGresult *res[CLAIM_N];
        PgParams p[CLAIM_N] = {};
        int r;

        claim_params(c, p);
        r = pg_query_batch(s, CLAIM_N, claim_sqls, (const PgParams *const[]) { &p[0], &p[1], &p[2] }, res);
        if (r < 0)
                return r;
        return claim_outcome(res, ret);
}

int pgsql_evidence_claim(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec, Node **ret_node,
                         PushState *ret_ps) {
        EvidenceClaimResult x;
        int r;

        r = claim_one(s, c, &x);
        if (r < 0)
                return r;
        *ret_session_expires_usec = x.session_expires_usec;
        *ret_node = x.node;
        *ret_ps = x.push_state;
        return 0;
}

/* The sessions read ahead and the claims in one round trip and one transaction, the
 * sessions already kept left out. When it fails nothing was taken: each claim is tried
 * alone, and each request reads its own session. */
int pgsql_batch_run(Storage *s, const StorageBatch *b) {
        size_t n = b->n_sessions * PREFETCH_N + b->n_claims * CLAIM_N, k = 0, at = 0;
        _cleanup_free_ const char **sqls = calloc(n ?: 1, sizeof *sqls);
        _cleanup_free_ const PgParams **pp = calloc(n ?: 1, sizeof *pp);
        _cleanup_free_ PGresult **res = calloc(n ?: 1, sizeof *res);
        _cleanup_free_ PgParams *params = calloc(b->n_sessions + b->n_claims * CLAIM_N ?: 1, sizeof *params);
        _cleanup_free_ const char **read = calloc(b->n_sessions ?: 1, sizeof *read);
        int r;

        if (!sqls || !pp || !res || !params || !read)
                return -ENOMEM;
        for (size_t i = 0; i < b->n_sessions; i++) {
                if (pg_cache_has(s, session_get_sql, b->session_ids[i]))
                        continue;
                pg_param_text(&params[k], b->session_ids[i]);
                for (size_t j = 0; j < PREFETCH_N; j++) {
                        sqls[at] = prefetch_sqls[j];
                        pp[at++] = &params[k];
                }
                read[k++] = b->session_ids[i];
        }
        for (size_t i = 0; i < b->n_claims; i++) {
                PgParams *p = params + k + i * CLAIM_N;

                claim_params(&b->claims[i], p);
                for (size_t j = 0; j < CLAIM_N; j++) {
                        sqls[at] = claim_sqls[j];
                        pp[at++] = &p[j];
                }
        }
        r = at > 0 ? pg_query_batch(s, at, sqls, pp, res) : 0;
        if (r >= 0)
                for (size_t i = 0; i < k; i++)
                        (void) prefetch_keep(s, read[i], res + i * PREFETCH_N);
        for (size_t i = 0; i < b->n_claims; i++) {
                EvidenceClaimResult *ret = &b->results[i];

                if (r >= 0)
                        (void) claim_outcome(res + k * PREFETCH_N + i * CLAIM_N, ret);
                else {
                        *ret = (EvidenceClaimResult) {};
                        ret->r = claim_one(s, &b->claims[i], ret);
                }
        }
        return 0;
}

/* A request's reads of its session, node row and push state come in one round trip
 * already (session_prefetch()), and PostgreSQL takes no lock for a read: a transaction
 * around them would only add the round trips of BEGIN and COMMIT. */
int pgsql_read_begin(Storage *s) {
        return -EOPNOTSUPP;
}

void pgsql_read_end(Storage *s) {
}
