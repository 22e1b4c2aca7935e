/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The group commit of verdicts in PostgreSQL: each kind of row a commit writes (node rows,
 * attestations, history cuts, push states, session expiries, events) goes in one statement
 * for the whole batch, its rows passed as arrays and unnested by the server. What a
 * statement costs the server beyond its rows (bind, executor start, protocol) is then paid
 * once per batch rather than once per verdict. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storage-pg.h"

#define COLUMNS_MAX 17u

/* One statement of the commit: its SQL takes one array per column, and row() appends the
 * row of one verdict to them, returning 1, or 0 when the verdict has none of this kind. */
typedef struct RowKind {
        const char *sql;
        unsigned n_columns;
        int (*row)(PgArray *col, const VerdictCommit *c);
} RowKind;

/* What a verdict (or the reactivation written with it) changes: not the node's identity,
 * which only a registration writes. An UPDATE of these is cheaper for the server than the
 * upsert of the whole row with its keys and certificates, and does not bring back a node
 * the administrator deleted meanwhile (the commit then fails on its attestation's row). */
static const char node_sql[] =
        "UPDATE nodes SET state = v.state, activated_usec = v.activated_usec, enrolled_usec = v.enrolled_usec,"
        " tpm_policy = v.tpm_policy, boot_policy = v.boot_policy, runtime_policy = v.runtime_policy,"
        " boot_policy_name = v.boot_policy_name, runtime_policy_name = v.runtime_policy_name,"
        " tpm_policy_name = v.tpm_policy_name, attest_count = v.attest_count, interval_sec = v.interval_sec,"
        " failure_actions = v.failure_actions, verdict = v.verdict, attestations_passed = v.attestations_passed,"
        " last_attestation_usec = v.last_attestation_usec, attested_by = v.attested_by"
        " FROM unnest($1::text[], $2::text[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[],"
        " $9::text[], $10::text[], $11::int8[], $12::int8[], $13::text[], $14::text[], $15::int8[], $16::int8[],"
        " $17::text[]) AS v(id, state, activated_usec, enrolled_usec, tpm_policy, boot_policy, runtime_policy,"
        " boot_policy_name, runtime_policy_name, tpm_policy_name, attest_count, interval_sec, failure_actions,"
        " verdict, attestations_passed, last_attestation_usec, attested_by)"
        " WHERE nodes.id = v.id";

static int node_row(PgArray *col, const VerdictCommit *c) {
        const Node *n = c->node;
        int r = 0;

        if (c->verdict_only)
                return 0;
        r = r ?: pg_array_text(col++, n->id);
        r = r ?: pg_array_text(col++, node_state_to_string(n->state));
        r = r ?: pg_array_u64(col++, n->activated_usec);
        r = r ?: pg_array_u64(col++, n->enrolled_usec);
        r = r ?: pg_array_text(col++, n->tpm_policy);
        r = r ?: pg_array_text(col++, n->boot_policy);
        r = r ?: pg_array_text(col++, n->runtime_policy);
        r = r ?: pg_array_text(col++, n->boot_policy_name);
        r = r ?: pg_array_text(col++, n->runtime_policy_name);
        r = r ?: pg_array_text(col++, n->tpm_policy_name);
        r = r ?: pg_array_u64(col++, n->attest_count);
        r = r ?: pg_array_u64(col++, n->interval_sec);
        r = r ?: pg_array_text(col++, n->failure_actions);
        r = r ?: pg_array_text(col++, n->verdict);
        r = r ?: pg_array_u64(col++, n->attestations_passed);
        r = r ?: pg_array_u64(col++, n->last_attestation_usec);
        r = r ?: pg_array_text(col++, n->attested_by);
        return r < 0 ? r : 1;
}

/* VerdictCommit.verdict_only: the rest of the row is the operator's, who may have changed it
 * since the request read it. A row deleted meanwhile fails the commit on the attestation's row. */
static const char node_verdict_only_sql[] =
        "UPDATE nodes SET verdict = v.verdict, attested_by = v.attested_by,"
        " last_attestation_usec = v.last_attestation_usec,"
        " attestations_passed = nodes.attestations_passed + v.passed,"
        " state = CASE WHEN v.terminated THEN 'TERMINATED' ELSE nodes.state END"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::boolean[])"
        " AS v(id, verdict, attested_by, last_attestation_usec, passed, terminated)"
        " WHERE nodes.id = v.id";

static int node_verdict_only_row(PgArray *col, const VerdictCommit *c) {
        const Node *n = c->node;
        int r = 0;

        if (!c->verdict_only)
                return 0;
        r = r ?: pg_array_text(col++, n->id);
        r = r ?: pg_array_text(col++, n->verdict);
        r = r ?: pg_array_text(col++, n->attested_by);
        r = r ?: pg_array_u64(col++, n->last_attestation_usec);
        r = r ?: pg_array_u64(col++, n->verdict && strcmp(n->verdict, "PASS") == 0);
        r = r ?: pg_array_bool(col++, n->state == NODE_TERMINATED);
        return r < 0 ? r : 1;
}

static const char attestation_sql[] =
        "INSERT INTO attestations (node_id, " PGSQL_ATTESTATION_COLUMNS ")"
        " SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::bytea[], $6::int8[], $7::int8[],"
        " $8::int8[], $9::text[], $10::text[], $11::text[], $12::int8[], $13::int8[], $14::text[], $15::text[])"
        " ON CONFLICT (node_id, idx) DO UPDATE SET stage = excluded.stage,"
        " evaluation = excluded.evaluation, nonce = excluded.nonce,"
        " boot_time_usec = excluded.boot_time_usec, ima_offset = excluded.ima_offset,"
        " ima_count = excluded.ima_count, failure_reason = excluded.failure_reason,"
        " failures = excluded.failures, detail = excluded.detail,"
        " created_usec = excluded.created_usec, updated_usec = excluded.updated_usec,"
        " evidence = excluded.evidence, appraisal = excluded.appraisal";

static int attestation_row(PgArray *col, const VerdictCommit *c) {
        const Attestation *a = c->attestation;
        int r = 0;

        if (!a)
                return 0;
        r = r ?: pg_array_text(col++, c->node->id);
        r = r ?: pg_array_u64(col++, a->index);
        r = r ?: pg_array_text(col++, a->stage);
        r = r ?: pg_array_text(col++, a->evaluation);
        r = r ?: pg_array_blob(col++, a->nonce, sizeof a->nonce);
        r = r ?: pg_array_u64(col++, a->boot_time);
        r = r ?: pg_array_u64(col++, a->ima_offset);
        r = r ?: pg_array_u64(col++, a->ima_count);
        r = r ?: pg_array_text(col++, a->failure_reason);
        r = r ?: pg_array_text(col++, a->failures);
        r = r ?: pg_array_text(col++, a->detail);
        r = r ?: pg_array_u64(col++, a->created_usec);
        r = r ?: pg_array_u64(col++, a->updated_usec);
        r = r ?: pg_array_text(col++, a->evidence);
        r = r ?: pg_array_text(col++, a->appraisal);
        return r < 0 ? r : 1;
}

/* Keeps each node's newest history_retention attestations, the one just written among them. */
static const char attestation_cut_sql[] =
        "DELETE FROM attestations USING unnest($1::text[], $2::int8[]) AS v(node_id, upto)"
        " WHERE attestations.node_id = v.node_id AND attestations.idx <= v.upto";

static int attestation_cut_row(PgArray *col, const VerdictCommit *c) {
        uint64_t keep = c->history_retention;
        int r;

        if (!c->attestation || keep == 0 || c->attestation->index < keep)
                return 0;
        r = pg_array_text(&col[0], c->node->id);
        r = r ?: pg_array_u64(&col[1], c->attestation->index - keep);
        return r < 0 ? r : 1;
}

static const char push_state_sql[] =
        "INSERT INTO push_state (node_id, boot_time, clock, enrolment_clock, ima_state, next_index,"
        " ima_restart, ima_state_latest)"
        " SELECT * FROM unnest($1::text[], $2::int8[], $3::bytea[], $4::bytea[], $5::bytea[], $6::int8[],"
        " $7::int8[], $8::bytea[])"
        " ON CONFLICT (node_id) DO UPDATE SET boot_time = excluded.boot_time, clock = excluded.clock,"
        " enrolment_clock = excluded.enrolment_clock, ima_state = excluded.ima_state,"
        " next_index = excluded.next_index, ima_restart = excluded.ima_restart,"
        " ima_state_latest = excluded.ima_state_latest";

static int push_state_row(PgArray *col, const VerdictCommit *c) {
        const PushState *ps = c->push_state;
        int r = 0;

        if (!ps)
                return 0;
        r = r ?: pg_array_text(col++, c->node->id);
        r = r ?: pg_array_u64(col++, ps->boot_time);
        r = r ?: pg_array_blob(col++, ps->clock.data, ps->clock.size);
        r = r ?: pg_array_blob(col++, ps->enrolment_clock.data, ps->enrolment_clock.size);
        r = r ?: pg_array_blob(col++, ps->ima_state.data, ps->ima_state.size);
        r = r ?: pg_array_u64(col++, ps->next_index);
        r = r ?: pg_array_u64(col++, ps->ima_restart);
        r = r ?: pg_array_blob(col++, ps->ima_state_latest.data, ps->ima_state_latest.size);
        return r < 0 ? r : 1;
}

/* A token is only ever extended. A session is one node's, so it comes once in a batch
 * (commit_run()); were it there twice, the later expiry would not be sure to win. */
static const char session_extend_sql[] =
        "UPDATE sessions SET expires_usec = v.expires_usec FROM unnest($1::text[], $2::int8[]) AS v(id, expires_usec)"
        " WHERE sessions.id = v.id AND sessions.expires_usec < v.expires_usec";

static int session_extend_row(PgArray *col, const VerdictCommit *c) {
        int r;

        if (!c->session_id)
                return 0;
        r = pg_array_text(&col[0], c->session_id);
        r = r ?: pg_array_u64(&col[1], c->session_expires_usec);
        return r < 0 ? r : 1;
}

/* In the batch's order, which the events' sequence numbers then follow. */
static const char event_sql[] =
        "INSERT INTO events (node_id, time_usec, kind, detail)"
        " SELECT * FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[])";

static int event_row(PgArray *col, const VerdictCommit *c) {
        int r = 0;

        if (!c->event_kind)
                return 0;
        r = r ?: pg_array_text(col++, c->node->id);
        r = r ?: pg_array_u64(col++, pg_now_usec());
        r = r ?: pg_array_text(col++, c->event_kind);
        r = r ?: pg_array_text(col++, c->event_detail);
        return r < 0 ? r : 1;
}

/* In the order a single verdict writes them: the node row before the attestation whose
 * foreign key fails the commit when the node is gone. */
static const RowKind row_kinds[] = {
        { node_sql, 17, node_row },
        { node_verdict_only_sql, 6, node_verdict_only_row },
        { attestation_sql, 15, attestation_row },
        { attestation_cut_sql, 2, attestation_cut_row },
        { push_state_sql, 8, push_state_row },
        { session_extend_sql, 2, session_extend_row },
        { event_sql, 4, event_row },
};

/* Queues k's statement for the verdicts c[0…n), unless none of them has such a row. */
static int rows_write(Storage *s, const RowKind *k, const VerdictCommit *c, size_t n) {
        PgArray col[COLUMNS_MAX] = {};
        PgParams p = {};
        size_t rows = 0;
        int r = 0;

        assert(k->n_columns <= COLUMNS_MAX);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = k->row(col, &c[i]);
                if (r > 0)
                        rows++;
        }
        if (r >= 0 && rows > 0) {
                for (unsigned j = 0; j < k->n_columns; j++)
                        pg_param_array(&p, &col[j]);
                r = pg_exec(s, k->sql, &p);
        }
        for (unsigned j = 0; j < k->n_columns; j++)
                pg_array_done(&col[j]);
        return r < 0 ? r : 0;
}

/* The length of the run of verdicts from c[0] whose nodes differ: an UPDATE … FROM takes one
 * of several source rows for a target row, and ON CONFLICT DO UPDATE refuses to change a row
 * twice, so a node's second verdict goes in the next run, after its first. */
static bool same_node(const VerdictCommit *a, const VerdictCommit *b) {
        /* A NULL id (which fails the commit) is as good as any other for this. */
        if (!a->node->id || !b->node->id)
                return a->node->id == b->node->id;
        return strcmp(a->node->id, b->node->id) == 0;
}

static size_t commit_run(const VerdictCommit *c, size_t n) {
        for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        if (same_node(&c[i], &c[j]))
                                return i;
        return n;
}

static int statements_prepare(Storage *s) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(row_kinds); i++)
                r = pg_prepare(s, row_kinds[i].sql, row_kinds[i].n_columns);
        return r;
}

/* One pipeline: the whole batch goes to the server in one round trip and
 * commits as one transaction, with one synchronous WAL flush (group commit). */
int pgsql_verdict_commit(Storage *s, const VerdictCommit *c, size_t n) {
        int r;

        for (size_t i = 0; i < n; i++) {
                pgsql_cache_forget_node(s, c[i].node->id);
                pgsql_cache_forget_push(s, c[i].node->id, c[i].session_id);
        }
        r = statements_prepare(s);
        if (r < 0)
                return r;
        r = pg_pipeline_begin(s);
        if (r < 0)
                return r;
        for (size_t i = 0, k; r >= 0 && i < n; i += k) {
                k = commit_run(c + i, n - i);
                for (size_t j = 0; r >= 0 && j < ELEMENTSOF(row_kinds); j++)
                        r = rows_write(s, &row_kinds[j], c + i, k);
        }
        return pg_pipeline_end(s, r);
}
