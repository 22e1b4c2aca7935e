/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sessions, push state and attestations of the SQLite backend. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-sqlite.h"
#include "storage-backend.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize);
#define _cleanup_stmt_ _cleanup_(sqlite3_finalizep)

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v) {
        return sqlite3_bind_int64(st, i, (sqlite3_int64) v) == SQLITE_OK ? 0 : -EIO;
}

/* Prepares sql, binds nothing, returns the statement. */
static int prepare(Storage *s, const char *sql, sqlite3_stmt **ret) {
        return sqlite_prepare(sqlite_storage_db(s), sql, ret);
}

int sqlite_session_put(Storage *s, const Session *session) {
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "INSERT OR REPLACE INTO sessions (id, node_id, challenge, token_digest, expires_usec)"
                       " VALUES (?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, session->id);
        r = r ?: sqlite_bind_text(st, 2, session->node_id);
        r = r ?: sqlite_bind_blob(st, 3, session->challenge, sizeof session->challenge);
        r = r ?: sqlite_bind_blob(st, 4, session->has_token ? session->token_digest : NULL, sizeof session->token_digest);
        r = r ?: bind_u64(st, 5, session->expires_usec);
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        return sqlite_step_done(sqlite_storage_db(s), st);
}

/* Copies a blob column of exactly size bytes; false when it is NULL or of another size. */
static bool column_fixed(sqlite3_stmt *st, int i, void *out, size_t size) {
        const void *d = sqlite3_column_blob(st, i);

        if (!d || (size_t) sqlite3_column_bytes(st, i) != size)
                return false;
        memcpy(out, d, size);
        return true;
}

/* A cached query with one text parameter, stepped to its first row (-ENOENT: none). */
static int query_row_cached(Storage *s, const char *sql, const char *param, sqlite3_stmt **ret) {
        sqlite3_stmt *st;
        int r, rc;

        r = sqlite_prepare_cached(s, sql, &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, param);
        rc = r < 0 ? SQLITE_ERROR : sqlite3_step(st);
        if (rc != SQLITE_ROW) {
                sqlite_release(st);
                return r < 0 ? r : rc == SQLITE_DONE ? -ENOENT : -EIO;
        }
        *ret = st;
        return 0;
}

int sqlite_session_get(Storage *s, const char *id, Session *ret) {
        _release_stmt_ sqlite3_stmt *st = NULL;
        Session x = {};
        int r;

        r = query_row_cached(s, "SELECT id, node_id, challenge, token_digest, expires_usec FROM sessions WHERE id = ?",
                             id, &st);
        if (r < 0)
                return r;
        r = sqlite_column_text(st, 0, &x.id);
        r = r ?: sqlite_column_text(st, 1, &x.node_id);
        if (r < 0 || !x.id || !x.node_id || !column_fixed(st, 2, x.challenge, sizeof x.challenge)) {
                session_done(&x);
                return r < 0 ? r : -EBADMSG;
        }
        x.has_token = column_fixed(st, 3, x.token_digest, sizeof x.token_digest);
        x.expires_usec = (uint64_t) sqlite3_column_int64(st, 4);
        *ret = x;
        return 0;
}

int sqlite_session_prune(Storage *s, uint64_t now_usec) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "DELETE FROM sessions WHERE expires_usec < ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, now_usec);
        if (r < 0) {
                sqlite3_finalize(st);
                return r;
        }
        r = sqlite_step_done(db, st);
        return r < 0 ? r : sqlite3_changes(db);
}

int sqlite_push_state_get(Storage *s, const char *node_id, PushState *ret) {
        _release_stmt_ sqlite3_stmt *st = NULL;
        PushState p = {};
        int r;

        r = query_row_cached(s, "SELECT boot_time, clock, enrolment_clock, ima_state, next_index, ima_restart,"
                                " ima_state_latest FROM push_state WHERE node_id = ?", node_id, &st);
        if (r < 0)
                return r;
        p.boot_time = (uint64_t) sqlite3_column_int64(st, 0);
        r = sqlite_column_blob(st, 1, &p.clock);
        r = r ?: sqlite_column_blob(st, 2, &p.enrolment_clock);
        r = r ?: sqlite_column_blob(st, 3, &p.ima_state);
        r = r ?: sqlite_column_blob(st, 6, &p.ima_state_latest);
        if (r < 0) {
                push_state_done(&p);
                return r;
        }
        p.next_index = (uint64_t) sqlite3_column_int64(st, 4);
        p.ima_restart = sqlite3_column_int(st, 5) != 0;
        *ret = p;
        return 0;
}

static int push_state_put(Storage *s, const char *node_id, const PushState *p) {
        sqlite3_stmt *st = NULL;
        int r;

        /* An upsert keeps the row where it is: REPLACE would delete it and insert it again
         * under a new rowid, at the end of the table, and write the index page as well. */
        r = sqlite_prepare_cached(s, "INSERT INTO push_state"
                       " (node_id, boot_time, clock, enrolment_clock, ima_state, next_index, ima_restart,"
                       " ima_state_latest) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET"
                       " boot_time = excluded.boot_time, clock = excluded.clock,"
                       " enrolment_clock = excluded.enrolment_clock, ima_state = excluded.ima_state,"
                       " next_index = excluded.next_index, ima_restart = excluded.ima_restart,"
                       " ima_state_latest = excluded.ima_state_latest", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, node_id);
        r = r ?: bind_u64(st, 2, p->boot_time);
        r = r ?: sqlite_bind_blob(st, 3, p->clock.data, p->clock.size);
        r = r ?: sqlite_bind_blob(st, 4, p->enrolment_clock.data, p->enrolment_clock.size);
        r = r ?: sqlite_bind_blob(st, 5, p->ima_state.data, p->ima_state.size);
        r = r ?: bind_u64(st, 6, p->next_index);
        r = r ?: bind_u64(st, 7, p->ima_restart);
        r = r ?: sqlite_bind_blob(st, 8, p->ima_state_latest.data, p->ima_state_latest.size);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(sqlite_storage_db(s), st);
}

#define ATTESTATION_COLUMNS \
        "idx, stage, evaluation, nonce, boot_time_usec, ima_offset, ima_count, failure_reason, failures," \
        " detail, created_usec, updated_usec, evidence, appraisal"

static int attestation_put(Storage *s, const char *node_id, const Attestation *a) {
        sqlite3_stmt *st = NULL;
        int r, i = 1;

        r = sqlite_prepare_cached(s, "INSERT OR REPLACE INTO attestations (node_id, " ATTESTATION_COLUMNS ")"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, i++, node_id);
        r = r ?: bind_u64(st, i++, a->index);
        r = r ?: sqlite_bind_text(st, i++, a->stage);
        r = r ?: sqlite_bind_text(st, i++, a->evaluation);
        r = r ?: sqlite_bind_blob(st, i++, a->nonce, sizeof a->nonce);
        r = r ?: bind_u64(st, i++, a->boot_time);
        r = r ?: bind_u64(st, i++, a->ima_offset);
        r = r ?: bind_u64(st, i++, a->ima_count);
        r = r ?: sqlite_bind_text(st, i++, a->failure_reason);
        r = r ?: sqlite_bind_text(st, i++, a->failures);
        r = r ?: sqlite_bind_text(st, i++, a->detail);
        r = r ?: bind_u64(st, i++, a->created_usec);
        r = r ?: bind_u64(st, i++, a->updated_usec);
        r = r ?: sqlite_bind_text(st, i++, a->evidence);
        r = r ?: sqlite_bind_text(st, i++, a->appraisal);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(sqlite_storage_db(s), st);
}

static int read_attestation(sqlite3_stmt *st, Attestation *ret) {
        Attestation a = {};
        int r;

        a.index = (uint64_t) sqlite3_column_int64(st, 0);
        r = sqlite_column_text(st, 1, &a.stage);
        r = r ?: sqlite_column_text(st, 2, &a.evaluation);
        (void) column_fixed(st, 3, a.nonce, sizeof a.nonce);
        a.boot_time = (uint64_t) sqlite3_column_int64(st, 4);
        a.ima_offset = (uint64_t) sqlite3_column_int64(st, 5);
        a.ima_count = (uint64_t) sqlite3_column_int64(st, 6);
        r = r ?: sqlite_column_text(st, 7, &a.failure_reason);
        r = r ?: sqlite_column_text(st, 8, &a.failures);
        r = r ?: sqlite_column_text(st, 9, &a.detail);
        a.created_usec = (uint64_t) sqlite3_column_int64(st, 10);
        a.updated_usec = (uint64_t) sqlite3_column_int64(st, 11);
        r = r ?: sqlite_column_text(st, 12, &a.evidence);
        r = r ?: sqlite_column_text(st, 13, &a.appraisal);
        if (r < 0) {
                attestation_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

int sqlite_attestation_get(Storage *s, const char *node_id, uint64_t index, Attestation *ret) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT " ATTESTATION_COLUMNS " FROM attestations WHERE node_id = ? AND idx = ?", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, node_id);
        r = r ?: bind_u64(st, 2, index);
        if (r < 0)
                return r;
        r = sqlite3_step(st);
        if (r != SQLITE_ROW)
                return r == SQLITE_DONE ? -ENOENT : -EIO;
        return read_attestation(st, ret);
}

static int read_attestation_row(sqlite3_stmt *st, void *elem) {
        return read_attestation(st, elem);
}

static void attestation_row_done(void *elem) {
        attestation_done(elem);
}

int sqlite_attestation_list(Storage *s, const char *node_id, uint64_t limit, Attestation **ret, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT " ATTESTATION_COLUMNS " FROM attestations WHERE node_id = ?"
                       " ORDER BY idx DESC LIMIT ?", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, node_id);
        r = r ?: (sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64) limit) == SQLITE_OK ? 0 : -EIO);
        if (r < 0)
                return r;
        return sqlite_collect(st, sizeof(Attestation), read_attestation_row, attestation_row_done, (void **) ret, ret_n);
}

static int session_extend(Storage *s, const char *id, uint64_t expires_usec) {
        sqlite3_stmt *st = NULL;
        int r;

        r = sqlite_prepare_cached(s, "UPDATE sessions SET expires_usec = ? WHERE id = ? AND expires_usec < ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, expires_usec);
        r = r ?: sqlite_bind_text(st, 2, id);
        r = r ?: bind_u64(st, 3, expires_usec);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(sqlite_storage_db(s), st);
}

/* Keeps the node's newest `keep` attestations. */
static int attestation_cut(Storage *s, const char *node_id, uint64_t newest, uint64_t keep) {
        sqlite3_stmt *st = NULL;
        int r;

        if (keep == 0 || newest < keep)
                return 0;
        r = sqlite_prepare_cached(s, "DELETE FROM attestations WHERE node_id = ? AND idx <= ?", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, 1, node_id);
        r = r ?: bind_u64(st, 2, newest - keep);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        return sqlite_step_release(sqlite_storage_db(s), st);
}

/* Only what the verdict decided: the rest of the row is the operator's, who may have
 * changed it since the request read it. */
static int node_verdict_put(Storage *s, const Node *n) {
        sqlite3 *db = sqlite_storage_db(s);
        sqlite3_stmt *st = NULL;
        int r, i = 1;

        r = sqlite_prepare_cached(s, "UPDATE nodes SET verdict = ?, attested_by = ?, last_attestation_usec = ?,"
                                  " attestations_passed = attestations_passed + ?,"
                                  " state = CASE WHEN ? THEN 'TERMINATED' ELSE state END WHERE id = ?", &st);
        if (r < 0)
                return r;
        r = sqlite_bind_text(st, i++, n->verdict);
        r = r ?: sqlite_bind_text(st, i++, n->attested_by);
        r = r ?: bind_u64(st, i++, n->last_attestation_usec);
        r = r ?: bind_u64(st, i++, n->verdict && strcmp(n->verdict, "PASS") == 0);
        r = r ?: bind_u64(st, i++, n->state == NODE_TERMINATED);
        r = r ?: sqlite_bind_text(st, i++, n->id);
        if (r < 0) {
                sqlite_release(st);
                return r;
        }
        r = sqlite_step_release(db, st);
        return r < 0 ? r : sqlite3_changes(db) > 0 ? 0 : -ENOENT;
}

/* The rows of one verdict, in the order PostgreSQL's group commit writes each kind for a
 * whole batch (storage-pg-commit.c); the caller holds the transaction. */
static int verdict_write(Storage *s, const VerdictCommit *c) {
        const char *id = c->node->id;
        int r;

        r = c->verdict_only ? node_verdict_put(s, c->node) : sqlite_node_put(s, c->node);
        if (r >= 0 && c->attestation)
                r = attestation_put(s, id, c->attestation);
        if (r >= 0 && c->attestation)
                r = attestation_cut(s, id, c->attestation->index, c->history_retention);
        if (r >= 0 && c->push_state)
                r = push_state_put(s, id, c->push_state);
        if (r >= 0 && c->session_id)
                r = session_extend(s, c->session_id, c->session_expires_usec);
        if (r >= 0 && c->event_kind)
                r = sqlite_event_add(s, id, c->event_kind, c->event_detail);
        return r;
}

int sqlite_verdict_commit(Storage *s, const VerdictCommit *c, size_t n) {
        sqlite3 *db = sqlite_storage_db(s);
        int r;

        r = sqlite_exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = verdict_write(s, &c[i]);
        if (r >= 0)
                r = sqlite_exec(db, "COMMIT");
        if (r < 0)
                (void) sqlite_exec(db, "ROLLBACK");
        return r;
}

static int read_id_row(sqlite3_stmt *st, void *elem) {
        return sqlite_column_text(st, 0, elem);
}

static void id_row_done(void *elem) {
        free(*(char **) elem);
}

int sqlite_node_list_overdue(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n) {
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char **l = NULL, **m;
        size_t n = 0;
        int r;

        r = prepare(s, "SELECT id FROM nodes WHERE state = 'ENROLLED' AND (verdict IS NULL OR verdict != 'TIMEOUT')"
                       " AND MAX(last_attestation_usec, enrolled_usec) + ? * interval_sec * 1000000 < ?", &st);
        if (r < 0)
                return r;
        r = bind_u64(st, 1, factor);
        r = r ?: bind_u64(st, 2, now_usec);
        r = r ?: sqlite_collect(st, sizeof(char *), read_id_row, id_row_done, (void **) &l, &n);
        if (r < 0)
                return r;
        m = reallocarray(l, n + 1, sizeof *l);     /* NULL-terminated */
        if (!m) {
                for (size_t i = 0; i < n; i++)
                        free(l[i]);
                free(l);
                return -ENOMEM;
        }
        m[n] = NULL;
        *ret_ids = m;
        *ret_n = n;
        return 0;
}
