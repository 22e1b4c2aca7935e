/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Internal to the SQLite storage backend. */

#include <sqlite3.h>

#include "storage.h"

sqlite3 *sqlite_storage_db(Storage *s);
/* WAL checkpoints on a thread of their own instead of in the commit that crosses the
 * threshold; -EOPNOTSUPP for a database without a file. Stopped before the writer closes. */
typedef struct SqliteCheckpointer SqliteCheckpointer;
int sqlite_checkpointer_start(sqlite3 *writer, SqliteCheckpointer **ret);
SqliteCheckpointer *sqlite_checkpointer_stop(SqliteCheckpointer *c);
uint64_t sqlite_now_usec(void);
/* Runs SQL text (no parameters). */
int sqlite_exec(sqlite3 *db, const char *sql);
/* Ends the open transaction: COMMIT when r >= 0, else ROLLBACK; returns r or the COMMIT's error. */
int sqlite_end_transaction(sqlite3 *db, int r);
int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **ret);
/* The statements of the hot paths are prepared once per storage and kept:
 * sql must be a string literal (its address is the key). The statement is not
 * finalized by the caller but released (reset, bindings cleared) after use. */
int sqlite_prepare_cached(Storage *s, const char *sql, sqlite3_stmt **ret);
void sqlite_release(sqlite3_stmt *st);
/* Runs a cached statement that returns no rows and releases it. */
int sqlite_step_release(sqlite3 *db, sqlite3_stmt *st);
DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite_release);
#define _release_stmt_ _cleanup_(sqlite_releasep)
int sqlite_step_done(sqlite3 *db, sqlite3_stmt *st);
/* Prepares sql with n text parameters (const char *, NULL binds NULL) and steps to the
 * first row: *ret is positioned on it, -ENOENT when there is none. */
int sqlite_query_row(sqlite3 *db, const char *sql, sqlite3_stmt **ret, size_t n, ...);
/* Prepares sql with n text parameters and runs it; returns the number of rows changed. */
int sqlite_exec_text(sqlite3 *db, const char *sql, size_t n, ...);
int sqlite_bind_text(sqlite3_stmt *st, int i, const char *s);
int sqlite_bind_blob(sqlite3_stmt *st, int i, const void *d, size_t n);
int sqlite_column_text(sqlite3_stmt *st, int i, char **ret);
int sqlite_column_blob(sqlite3_stmt *st, int i, Blob *b);
/* Steps st through its rows, reading each with read_row into a growing array of
 * elem_size items; on failure the items read so far are given to done_row and freed. */
int sqlite_collect(sqlite3_stmt *st, size_t elem_size, int (*read_row)(sqlite3_stmt *st, void *elem),
                   void (*done_row)(void *elem), void **ret, size_t *ret_n);

int sqlite_node_get(Storage *s, const char *id, Node **ret);
int sqlite_node_put(Storage *s, const Node *n);
int sqlite_node_put_policies(Storage *s, const Node *n);
/* Reads the node's engine policies into n->policies. */
int sqlite_node_policies_load(Storage *s, Node *n);
int sqlite_node_delete(Storage *s, const char *id);
int sqlite_node_list(Storage *s, Node ***ret, size_t *ret_n);
int sqlite_node_ids_by_ek(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids);
int sqlite_node_summary(Storage *s, NodeCount **ret, size_t *ret_n);
int sqlite_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret);
int sqlite_node_timeout_claim(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                              char ***ret_ids, size_t *ret_n);
int sqlite_policy_put(Storage *s, const char *kind, const uint8_t *data, size_t size, char ret_digest[POLICY_DIGEST_HEX_SIZE]);
int sqlite_policy_get(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size);
int sqlite_policy_name_set(Storage *s, const char *kind, const char *name, const char *digest, bool replace);
int sqlite_policy_name_get(Storage *s, const char *kind, const char *name, char **ret_digest);
int sqlite_policy_name_delete(Storage *s, const char *kind, const char *name);
int sqlite_policy_name_update(Storage *s, const char *kind, const char *name, const char *digest);
int sqlite_policy_list(Storage *s, PolicyEntry **ret, size_t *ret_n);
int sqlite_event_add(Storage *s, const char *node_id, const char *kind, const char *detail);
int sqlite_event_count(Storage *s, const char *node_id, uint64_t *ret);
int sqlite_event_list(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n);
int sqlite_event_put(Storage *s, const char *node_id, const StorageEvent *e);
int sqlite_key_list(Storage *s, StorageKey **ret, size_t *ret_n);
int sqlite_session_put(Storage *s, const Session *session);
int sqlite_session_get(Storage *s, const char *id, Session *ret);
int sqlite_session_prune(Storage *s, uint64_t now_usec);
int sqlite_push_state_get(Storage *s, const char *node_id, PushState *ret);
int sqlite_verdict_commit(Storage *s, const VerdictCommit *c, size_t n);
int sqlite_attestation_get(Storage *s, const char *node_id, uint64_t index, Attestation *ret);
int sqlite_attestation_list(Storage *s, const char *node_id, uint64_t limit, Attestation **ret, size_t *ret_n);
int sqlite_node_list_overdue(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n);
int sqlite_secret_put(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                      size_t max_per_node);
int sqlite_secret_get(Storage *s, const char *node_id, const char *name, Blob *ret);
int sqlite_secret_delete(Storage *s, const char *node_id, const char *name);
int sqlite_secret_list(Storage *s, const char *node_id, char ***ret);
