/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the PostgreSQL storage backend. */

#include <libpq-fe.h>

#include "storage.h"

/* Parameters of one statement: texts and numbers go as text, blobs as binary
 * (so they need no escaping); a NULL value is SQL NULL. */
#define PG_PARAMS_MAX 32u

typedef struct PgParams {
        const char *values[PG_PARAMS_MAX];
        int lengths[PG_PARAMS_MAX];
        int formats[PG_PARAMS_MAX];
        char numbers[PG_PARAMS_MAX][24];
        unsigned n;
} PgParams;

void pg_param_text(PgParams *p, const char *s);
void pg_param_blob(PgParams *p, const void *data, size_t size);
/* Stored as BIGINT: values above INT64_MAX wrap, as in the SQLite backend, and read back unchanged. */
void pg_param_u64(PgParams *p, uint64_t v);

/* A one-dimensional array parameter in the server's binary array format, built an element
 * at a time, so that one statement writes many rows (unnest($1::text[], …) in its SQL). An
 * array's element type is that of its first element; NULL texts and blobs are SQL NULLs. */
typedef struct PgArray {
        uint8_t *data;
        size_t size, allocated;
        uint32_t element_type;          /* the element type's OID */
        uint32_t n;
        bool has_null;
} PgArray;

int pg_array_text(PgArray *a, const char *s);
int pg_array_blob(PgArray *a, const void *data, size_t size);
int pg_array_u64(PgArray *a, uint64_t v);      /* BIGINT, as pg_param_u64() */
int pg_array_bool(PgArray *a, bool b);
/* Adds a (of at least one element) as a binary parameter, valid until a is freed or grown. */
void pg_param_array(PgParams *p, PgArray *a);
void pg_array_done(PgArray *a);

DEFINE_TRIVIAL_CLEANUP_FUNC(PGresult *, PQclear);
#define _cleanup_result_ _cleanup_(PQclearp)

/* Runs sql (a string literal: statements are prepared once per connection, keyed
 * by its address) with p (NULL: none); *ret is the result of a statement that
 * returns rows. Errors map to errno as the SQLite backend's do: a constraint
 * violation is -EEXIST. */
int pg_query(Storage *s, const char *sql, const PgParams *p, PGresult **ret);
/* Runs a statement that returns no rows; returns the number of rows it changed. */
int pg_exec(Storage *s, const char *sql, const PgParams *p);
/* pg_query stepped to the first row: -ENOENT when there is none. */
int pg_query_row(Storage *s, const char *sql, const PgParams *p, PGresult **ret);
/* The first column of the one row sql answers, as a blob; -ENOENT when there is no row. */
int pg_query_blob(Storage *s, const char *sql, const PgParams *p, Blob *ret);

#define PG_CACHE_KEY_MAX 256u

/* Results kept for a later read of the same row on the hot path (pg_query_row_cached()). */
#define PG_RESULT_CACHE_SLOTS 1024u
#define PG_RESULT_CACHE_WAYS 4u
/* Within one request (the evidence's admission and handler read the session ms apart), not
 * across requests: a node's next request reads its rows anew, fetched together. */
#define PG_RESULT_CACHE_USEC 100000u

typedef struct PgCacheSlot {
        const char *sql;                /* a string literal, as in the statement cache */
        char key[PG_CACHE_KEY_MAX];
        uint64_t stored_usec;
        unsigned uses;                  /* reads left to PG_CACHE_ONCE readers; 0: any number */
        PGresult *res;
} PgCacheSlot;

typedef struct PgResultCache {
        PgCacheSlot slots[PG_RESULT_CACHE_SLOTS];
        uint64_t lifetime_usec;         /* PG_RESULT_CACHE_USEC but in tests */
} PgResultCache;

/* The connection's cache, and CLOCK_MONOTONIC_COARSE in µs, which times its entries. */
PgResultCache *pg_result_cache(Storage *s);
uint64_t pg_coarse_usec(void);

/* pg_query_row() through a per-connection cache of results, by statement and key
 * (the row's id), so that a request reads each row in as few round trips as it
 * can. Results are kept 100 ms: for the reads of one request, not for the
 * node's next request. PG_CACHE_SHARED: a result read is kept for any number of
 * reads, for rows whose changes by another instance do not matter for that long
 * (a session only gets a later expiry, or goes with its node). PG_CACHE_ONCE:
 * only a result fetched ahead with another statement (pg_cache_put()) is used,
 * by as many reads as it was put for: never a read of the database, which
 * another instance may make stale before the next read.
 * Every write of this backend to a cached row forgets it (pg_cache_forget()). */
typedef enum PgCacheUse {
        PG_CACHE_SHARED,
        PG_CACHE_ONCE,
        PG_CACHE_PEEK,          /* as SHARED, but -ENODATA instead of reading the database */
} PgCacheUse;
int pg_query_row_cached(Storage *s, const char *sql, const PgParams *p, const char *key, PgCacheUse use,
                        PGresult **ret);
/* Forgets the cached results of sql for key; key NULL: for every key; sql NULL: all. */
void pg_cache_forget(Storage *s, const char *sql, const char *key);
/* Keeps res (taken) as if sql had been read for key, for uses PG_CACHE_ONCE reads (0: any number). */
void pg_cache_put(Storage *s, const char *sql, const char *key, PGresult *res, unsigned uses);
/* For tests whose reads may take longer than the lifetime on a slow build. */
void pg_cache_set_lifetime(Storage *s, uint64_t usec);
/* Whether a result of sql for key is kept and fresh (a read of it would not ask the database). */
bool pg_cache_has(Storage *s, const char *sql, const char *key);
/* Runs n statements that return rows (string literals, prepared once) in one round trip and
 * one transaction: ret[i] is the result of sqls[i]; every one succeeded, or none is returned. */
int pg_query_batch(Storage *s, size_t n, const char *const *sqls, const PgParams *const *params, PGresult **ret);
/* Queues a write that may wait for the connection's next round trip (a pending attestation):
 * it goes ahead of that round trip's statements, in their transaction, so that its failure
 * fails them too; or alone with pg_flush(). The parameters are copied. */
int pg_exec_later(Storage *s, const char *sql, const PgParams *p);
int pg_flush(Storage *s);
/* Prepares sql (a string literal) now unless it is prepared already, so that a pipeline can use it. */
int pg_prepare(Storage *s, const char *sql, unsigned n_params);
/* From here to pg_pipeline_end(), pg_exec() only queues its statement and returns 0:
 * the queue goes to the server at once and runs as one transaction (one round
 * trip, one commit). Only pg_exec() may be used meanwhile. */
int pg_pipeline_begin(Storage *s);
/* Sends the queue and waits for it: 0 when every statement succeeded and the
 * transaction committed, else the first error (then nothing of it was stored).
 * r < 0 (a failure while queueing) rolls the queue back. */
int pg_pipeline_end(Storage *s, int r);
int pg_begin(Storage *s);
/* COMMIT when r >= 0, else ROLLBACK; returns r or the COMMIT's error. */
int pg_end(Storage *s, int r);

/* Column readers; NULL reads as NULL, an empty blob, or 0. */
int pg_get_text(const PGresult *res, int row, int col, char **ret);
int pg_get_blob(const PGresult *res, int row, int col, Blob *b);
uint64_t pg_get_u64(const PGresult *res, int row, int col);
/* Copies a blob column of exactly size bytes; false when it is NULL or of another size. */
bool pg_get_fixed(const PGresult *res, int row, int col, void *out, size_t size);
/* Reads each row of res with read_row into a new array of elem_size items;
 * on failure the items read so far are given to done_row and freed. */
int pg_collect(const PGresult *res, size_t elem_size, int (*read_row)(const PGresult *res, int row, void *elem),
               void (*done_row)(void *elem), void **ret, size_t *ret_n);
/* The first column of every row as a NULL-terminated list (strv_free); without
 * rows an empty list, or NULL when null_when_empty. */
int pg_collect_ids(const PGresult *res, bool null_when_empty, char ***ret, size_t *ret_n);

uint64_t pg_now_usec(void);

/* The columns of an attestation row after its node_id. */
#define PGSQL_ATTESTATION_COLUMNS \
        "idx, stage, evaluation, nonce, boot_time_usec, ima_offset, ima_count, failure_reason, failures," \
        " detail, created_usec, updated_usec, evidence, appraisal"

int pgsql_node_get(Storage *s, const char *id, Node **ret);
/* The node of a result of pgsql_node_by_session_sql's columns. */
int pgsql_node_from_result(const PGresult *res, Node **ret);
/* Forget the cached rows of a node (id NULL: of every node); of its push state and a session
 * (NULL: none); of every session. */
void pgsql_cache_forget_node(Storage *s, const char *id);
void pgsql_cache_forget_push(Storage *s, const char *node_id, const char *session_id);
void pgsql_cache_forget_sessions(Storage *s);
/* The node row (as pgsql_node_get() reads it) of the node of session $1. */
extern const char pgsql_node_by_session_sql[];
void pgsql_cache_put_node(Storage *s, const char *id, PGresult *res, unsigned uses);
/* Whether the node row is kept for a read (pg_cache_has()). */
bool pgsql_node_cached(Storage *s, const char *id);
int pgsql_node_put(Storage *s, const Node *n);
int pgsql_node_put_policies(Storage *s, const Node *n);
int pgsql_node_delete(Storage *s, const char *id);
int pgsql_node_list(Storage *s, Node ***ret, size_t *ret_n);
int pgsql_node_ids_by_ek(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids);
int pgsql_policy_put(Storage *s, const char *kind, const uint8_t *data, size_t size, char ret_digest[POLICY_DIGEST_HEX_SIZE]);
int pgsql_policy_get(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size);
int pgsql_policy_name_set(Storage *s, const char *kind, const char *name, const char *digest, bool replace);
int pgsql_policy_name_get(Storage *s, const char *kind, const char *name, char **ret_digest);
int pgsql_policy_name_delete(Storage *s, const char *kind, const char *name);
int pgsql_policy_name_update(Storage *s, const char *kind, const char *name, const char *digest);
int pgsql_policy_list(Storage *s, PolicyEntry **ret, size_t *ret_n);
int pgsql_event_add(Storage *s, const char *node_id, const char *kind, const char *detail);
int pgsql_event_count(Storage *s, const char *node_id, uint64_t *ret);
int pgsql_event_list(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n);
int pgsql_event_put(Storage *s, const char *node_id, const StorageEvent *e);
int pgsql_key_list(Storage *s, StorageKey **ret, size_t *ret_n);
int pgsql_session_put(Storage *s, const Session *session);
int pgsql_session_get(Storage *s, const char *id, Session *ret);
int pgsql_session_prune(Storage *s, uint64_t now_usec);
int pgsql_push_state_get(Storage *s, const char *node_id, PushState *ret);
int pgsql_verdict_commit(Storage *s, const VerdictCommit *c, size_t n);
int pgsql_read_begin(Storage *s);
void pgsql_read_end(Storage *s);
int pgsql_attestation_get(Storage *s, const char *node_id, uint64_t index, Attestation *ret);
int pgsql_attestation_list(Storage *s, const char *node_id, uint64_t limit, Attestation **ret, size_t *ret_n);
int pgsql_node_list_overdue(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n);
int pgsql_node_timeout_claim(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                             char ***ret_ids, size_t *ret_n);
int pgsql_secret_put(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                     size_t max_per_node);
int pgsql_secret_get(Storage *s, const char *node_id, const char *name, Blob *ret);
int pgsql_secret_delete(Storage *s, const char *node_id, const char *name);
int pgsql_secret_list(Storage *s, const char *node_id, char ***ret);
int pgsql_node_summary(Storage *s, NodeCount **ret, size_t *ret_n);
int pgsql_pending_put(Storage *s, const char *node_id, uint64_t index, const Blob *data);
int pgsql_pending_get(Storage *s, const char *node_id, uint64_t index, Blob *ret);
int pgsql_pending_take(Storage *s, const char *node_id, uint64_t index, const Blob *prefix, Blob *ret);
int pgsql_batch_run(Storage *s, const StorageBatch *b);
int pgsql_evidence_claim(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec, Node **ret_node,
                         PushState *ret_ps);
int pgsql_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret);
