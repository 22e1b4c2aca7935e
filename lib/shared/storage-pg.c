/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PostgreSQL storage backend: the state several verifier instances share.
 * The connection, statement execution and the schema migrations. */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "conf-parser.h"
#include "log.h"
#include "memory-util.h"
#include "storage-pg.h"

/* Each step brings the schema from version i to i + 1; never edit a released step.
 * Step 1 is the SQLite backend's schema version 8 in PostgreSQL's types. */
static const char *const migrations[] = {
        "CREATE TABLE policy_contents ("
        " digest TEXT PRIMARY KEY, kind TEXT NOT NULL, content BYTEA NOT NULL, created_usec BIGINT NOT NULL);"
        "CREATE TABLE nodes ("
        " id TEXT PRIMARY KEY, state TEXT NOT NULL,"
        " ek_tpm BYTEA NOT NULL, ekcert BYTEA, aik_tpm BYTEA NOT NULL,"
        " iak_tpm BYTEA, idevid_tpm BYTEA, iak_cert BYTEA, idevid_cert BYTEA,"
        " mtls_cert TEXT, ip TEXT, port BIGINT NOT NULL DEFAULT 0,"
        " auth_digest BYTEA NOT NULL, regcount BIGINT NOT NULL DEFAULT 1,"
        " registered_usec BIGINT NOT NULL, activated_usec BIGINT NOT NULL DEFAULT 0,"
        " enrolled_usec BIGINT NOT NULL DEFAULT 0,"
        " tpm_policy TEXT REFERENCES policy_contents(digest),"
        " boot_policy TEXT REFERENCES policy_contents(digest),"
        " runtime_policy TEXT REFERENCES policy_contents(digest),"
        " boot_policy_name TEXT, runtime_policy_name TEXT,"
        " attest_count BIGINT NOT NULL DEFAULT 0, interval_sec BIGINT NOT NULL DEFAULT 0,"
        " failure_actions TEXT, verdict TEXT,"
        " attestations_passed BIGINT NOT NULL DEFAULT 0, last_attestation_usec BIGINT NOT NULL DEFAULT 0,"
        " tpm_policy_name TEXT);"
        /* Registration looks nodes up by EK; with many nodes a scan per registration would not do. */
        "CREATE INDEX nodes_ek ON nodes USING hash (ek_tpm);"
        "CREATE TABLE policies ("
        " kind TEXT NOT NULL, name TEXT NOT NULL,"
        " digest TEXT NOT NULL REFERENCES policy_contents(digest),"
        " created_usec BIGINT NOT NULL, PRIMARY KEY (kind, name));"
        "CREATE TABLE attestations ("
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " idx BIGINT NOT NULL, stage TEXT NOT NULL, evaluation TEXT,"
        " nonce BYTEA, boot_time_usec BIGINT, ima_offset BIGINT, ima_count BIGINT,"
        " failure_reason TEXT, failures TEXT, detail TEXT,"
        " created_usec BIGINT NOT NULL, updated_usec BIGINT NOT NULL, evidence TEXT, appraisal TEXT,"
        " PRIMARY KEY (node_id, idx));"
        "CREATE TABLE sessions ("
        " id TEXT PRIMARY KEY,"
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " challenge BYTEA NOT NULL, token_digest BYTEA, expires_usec BIGINT NOT NULL);"
        "CREATE INDEX sessions_node ON sessions(node_id);"
        "CREATE INDEX sessions_expires ON sessions(expires_usec);"
        "CREATE TABLE events ("
        " seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " node_id TEXT NOT NULL, time_usec BIGINT NOT NULL, kind TEXT NOT NULL, detail TEXT);"
        "CREATE INDEX events_node ON events(node_id, seq);"
        "CREATE TABLE push_state ("
        " node_id TEXT PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,"
        " boot_time BIGINT NOT NULL DEFAULT 0, clock BYTEA, enrolment_clock BYTEA, ima_state BYTEA,"
        " next_index BIGINT NOT NULL DEFAULT 0, ima_restart BIGINT NOT NULL DEFAULT 0, ima_state_latest BYTEA);"
        "CREATE TABLE node_policies ("
        " node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,"
        " engine TEXT NOT NULL,"
        " digest TEXT NOT NULL REFERENCES policy_contents(digest),"
        " name TEXT, PRIMARY KEY (node_id, engine));"
        "CREATE INDEX node_policies_name ON node_policies(engine, name);"
        "CREATE TABLE secrets ("
        " node_id TEXT NOT NULL, name TEXT NOT NULL, sealed BYTEA NOT NULL, updated_usec BIGINT NOT NULL,"
        " PRIMARY KEY (node_id, name));"
        /* Only here (with SQLite one instance keeps it in memory), and unlogged: no
         * WAL, emptied after a server crash, which only makes nodes ask again. */
        "CREATE UNLOGGED TABLE pending_attestations ("
        " node_id TEXT PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,"
        " idx BIGINT NOT NULL, data BYTEA NOT NULL);"
        "CREATE TABLE verifier_keys ("
        " name TEXT PRIMARY KEY, pem BYTEA NOT NULL, created_usec BIGINT NOT NULL);",
        /* 2: which instance took the node's last attestation. */
        "ALTER TABLE nodes ADD COLUMN attested_by TEXT;",
        /* 3: the foreign key's check locked the node row, a WAL record that made each pending
         * attestation's commit wait for a flush though its table is unlogged. A node's
         * deletion removes its pending attestation itself (pgsql_node_delete()). */
        "ALTER TABLE pending_attestations DROP CONSTRAINT pending_attestations_node_id_fkey;",
};

/* The advisory lock that serialises migrations of instances starting together ("hattest" in ASCII). */
#define MIGRATION_LOCK_KEY INT64_C(0x68617474657374)

#define STMT_CACHE_MAX 64u
/* "s" and a size_t in decimal. */
#define PREPARED_NAME_MAX 24

/* A write that need not be waited for (pg_exec_later()), its parameters copied into data. */
typedef struct PgLater {
        struct PgLater *next;
        const char *sql;                /* a string literal */
        PgParams params;
        char data[];
} PgLater;

typedef struct PgStorage {
        Storage storage;
        PGconn *conn;
        const char *prepared[STMT_CACHE_MAX];  /* string literals: statement "s<i>" */
        size_t n_prepared;
        bool pipeline;                  /* pg_exec() queues until pg_pipeline_end() */
        unsigned n_queued;
        int queue_error;                /* the first error sending the queue */
        bool setup_needed;              /* a new connection: session settings not made yet */
        uint64_t used_usec;             /* CLOCK_MONOTONIC_COARSE when last used */
        PgResultCache cache;
        PgLater *later, **later_tail;   /* sent ahead of the next round trip */
        unsigned later_in_pipeline;     /* sent by pg_pipeline_begin(), read by pg_pipeline_end() */
} PgStorage;

PgResultCache *pg_result_cache(Storage *s) {
        return &((PgStorage *) s)->cache;
}

static PGconn *conn_of(Storage *s) {
        return ((PgStorage *) s)->conn;
}

unsigned storage_postgresql_schema_version(void) {
        return ELEMENTSOF(migrations);
}

uint64_t pg_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

void pg_param_text(PgParams *p, const char *s) {
        assert(p->n < PG_PARAMS_MAX);
        p->values[p->n] = s;
        p->lengths[p->n] = 0;
        p->formats[p->n++] = 0;
}

void pg_param_blob(PgParams *p, const void *data, size_t size) {
        assert(p->n < PG_PARAMS_MAX);
        assert(size <= INT32_MAX);
        /* A non-NULL pointer for an empty blob: an empty value, not NULL. */
        p->values[p->n] = data ? (size > 0 ? data : "") : NULL;
        p->lengths[p->n] = (int) size;
        p->formats[p->n++] = 1;
}

void pg_param_u64(PgParams *p, uint64_t v) {
        assert(p->n < PG_PARAMS_MAX);
        (void) snprintf(p->numbers[p->n], sizeof p->numbers[p->n], "%" PRId64, (int64_t) v);
        pg_param_text(p, p->numbers[p->n]);
}

/* The element types' OIDs (pg_type.h), fixed since the binary array format's first release. */
#define OID_BOOL 16u
#define OID_BYTEA 17u
#define OID_INT8 20u
#define OID_TEXT 25u

/* Header: dimensions, has-NULL flag, element type, then the one dimension's length and lower bound. */
#define ARRAY_HEADER_SIZE 20u

/* Room for an element of size bytes and its length word; the header's room comes first. */
static int array_grow(PgArray *a, uint32_t type, size_t size) {
        size_t need;

        assert(a->element_type == 0 || a->element_type == type);
        a->element_type = type;
        if (a->size == 0)
                a->size = ARRAY_HEADER_SIZE;
        if (size > INT32_MAX || a->n >= INT32_MAX || a->size + 4 + size > INT32_MAX)
                return -E2BIG;
        need = a->size + 4 + size;
        if (need > a->allocated) {
                size_t k = MAX(need, a->allocated * 2);
                uint8_t *d = realloc(a->data, k);

                if (!d)
                        return -ENOMEM;
                a->data = d;
                a->allocated = k;
        }
        return 0;
}

static void array_put_be32(PgArray *a, uint32_t v) {
        v = htobe32(v);
        memcpy(a->data + a->size, &v, sizeof v);
        a->size += sizeof v;
}

/* One element: its length (-1: NULL), then its bytes. */
static int array_append(PgArray *a, uint32_t type, const void *data, size_t size) {
        int r;

        r = array_grow(a, type, data ? size : 0);
        if (r < 0)
                return r;
        array_put_be32(a, data ? (uint32_t) size : UINT32_MAX);
        if (size > 0 && data)
                memcpy(a->data + a->size, data, size);
        a->size += data ? size : 0;
        a->has_null = a->has_null || !data;
        a->n++;
        return 0;
}

int pg_array_text(PgArray *a, const char *s) {
        return array_append(a, OID_TEXT, s, s ? strlen(s) : 0);
}

int pg_array_blob(PgArray *a, const void *data, size_t size) {
        /* As pg_param_blob(): a non-NULL pointer for an empty blob, not NULL. */
        return array_append(a, OID_BYTEA, data ? (size > 0 ? data : "") : NULL, size);
}

int pg_array_u64(PgArray *a, uint64_t v) {
        uint64_t be = htobe64(v);

        return array_append(a, OID_INT8, &be, sizeof be);
}

int pg_array_bool(PgArray *a, bool b) {
        uint8_t v = b;

        return array_append(a, OID_BOOL, &v, sizeof v);
}

void pg_param_array(PgParams *p, PgArray *a) {
        size_t end = a->size;

        assert(a->n > 0);
        a->size = 0;
        array_put_be32(a, 1);
        array_put_be32(a, a->has_null);
        array_put_be32(a, a->element_type);
        array_put_be32(a, a->n);
        array_put_be32(a, 1);
        a->size = end;
        pg_param_blob(p, a->data, a->size);
}

void pg_array_done(PgArray *a) {
        free(a->data);
        *a = (PgArray) {};
}

/* SQLSTATE classes as the SQLite backend reports its errors. */
static int result_errno(const PGresult *res) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (!state)
                return -EIO;
        if (strncmp(state, "23", 2) == 0)       /* integrity constraint violation */
                return -EEXIST;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
                return -EBUSY;
        if (strcmp(state, "53100") == 0)        /* disk full */
                return -ENOSPC;
        if (strcmp(state, "25006") == 0)        /* read-only transaction: a standby */
                return -EROFS;
        if (strncmp(state, "08", 2) == 0)       /* connection exception */
                return -ECONNRESET;
        return -EIO;
}

/* Session settings, so made again on each new connection. Every acknowledged write is
 * flushed before COMMIT returns, whatever the server's default. The prepared statements
 * keep their generic plans: the server's choice (plan_cache_mode = auto) planned the group
 * commit's UPDATE again at every execution, as the plan for its array's actual length
 * looked cheaper; the others had generic plans already. */
static const char session_setup_sql[] =
        "SELECT set_config('synchronous_commit', 'on', false),"
        " set_config('plan_cache_mode', 'force_generic_plan', false)";

/* After a lost connection: reconnect for the next call, whose statements must be prepared anew
 * and whose session settings made again (connection_setup()). */
static void connection_check(PgStorage *q) {
        if (PQstatus(q->conn) != CONNECTION_BAD)
                return;
        log_debug("PostgreSQL connection lost, reconnecting.");
        PQreset(q->conn);
        q->n_prepared = 0;
        q->setup_needed = true;
}

uint64_t pg_coarse_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* A connection idle this long is looked at before it is used again. */
#define IDLE_PROBE_USEC 2000u

/* The server may end an idle connection (restart, failover, pg_terminate_backend,
 * idle timeouts): it sends its last error and closes. Seen before anything is
 * sent, the connection is replaced and the statement cannot fail for it; found
 * only by the statement, the request would fail though nothing had reached the
 * server. An idle connection has nothing to read, so the check is one recv(). */
static void connection_probe(PgStorage *q) {
        uint64_t now = pg_coarse_usec(), idle = now - q->used_usec;
        char c;

        q->used_usec = now;
        if (idle < IDLE_PROBE_USEC || PQstatus(q->conn) != CONNECTION_OK)
                return;
        for (unsigned i = 0; i < 4; i++) {
                ssize_t n = recv(PQsocket(q->conn), &c, 1, MSG_PEEK | MSG_DONTWAIT);

                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                        return;
                /* Unasked-for input (a notice, or the server's last words) or its end: read it;
                 * libpq marks the connection bad at the end of the stream. */
                if (PQconsumeInput(q->conn) == 0 || PQstatus(q->conn) != CONNECTION_OK)
                        break;
                (void) PQisBusy(q->conn);
        }
        connection_check(q);
}

/* Before the first statement on a new connection: nothing is written with the server's
 * defaults, a connection that cannot be set up is not used. */
static int connection_setup(PgStorage *q) {
        connection_probe(q);
        if (!q->setup_needed)
                return 0;
        _cleanup_result_ PGresult *res = PQexec(q->conn, session_setup_sql);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
                log_debug("PostgreSQL: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(q->conn));
                int r = res ? result_errno(res) : -ENOMEM;
                connection_check(q);
                return r;
        }
        q->setup_needed = false;
        return 0;
}

static int prepared_name(PgStorage *q, const char *sql, char name[static PREPARED_NAME_MAX], bool *ret_found) {
        for (size_t i = 0; i < q->n_prepared; i++)
                if (q->prepared[i] == sql) {
                        (void) snprintf(name, PREPARED_NAME_MAX, "s%zu", i);
                        *ret_found = true;
                        return 0;
                }
        if (q->n_prepared >= STMT_CACHE_MAX)
                return -ENOSPC;
        (void) snprintf(name, PREPARED_NAME_MAX, "s%zu", q->n_prepared);
        *ret_found = false;
        return 0;
}

static PGresult *run(PgStorage *q, const char *sql, const PgParams *p) {
        static const PgParams none = {};
        char name[PREPARED_NAME_MAX];
        bool found;

        p = p ?: &none;
        if (prepared_name(q, sql, name, &found) < 0)
                /* More distinct statements than the cache holds: parsed each time. */
                return PQexecParams(q->conn, sql, (int) p->n, NULL, p->values, p->lengths, p->formats, 0);
        if (!found) {
                _cleanup_result_ PGresult *prep = PQprepare(q->conn, name, sql, (int) p->n, NULL);
                if (PQresultStatus(prep) != PGRES_COMMAND_OK)
                        return TAKE_PTR(prep);
                q->prepared[q->n_prepared++] = sql;
        }
        return PQexecPrepared(q->conn, name, (int) p->n, p->values, p->lengths, p->formats, 0);
}

int pg_query(Storage *s, const char *sql, const PgParams *p, PGresult **ret) {
        PgStorage *q = (PgStorage *) s;
        PGresult *res;
        int r;

        assert(!q->pipeline);
        (void) pg_flush(s);
        r = connection_setup(q);
        if (r < 0)
                return r;
        res = run(q, sql, p);
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
                *ret = res;
                return 0;
        }
        r = res ? result_errno(res) : -ENOMEM;
        log_debug("PostgreSQL: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(q->conn));
        PQclear(res);
        connection_check(q);
        return r;
}

/* Queues a statement of the pipeline: prepared when the cache has it, else parsed with it. */
static int queue(PgStorage *q, const char *sql, const PgParams *p) {
        static const PgParams none = {};
        char name[PREPARED_NAME_MAX];
        bool found = false;
        int ok;

        p = p ?: &none;
        if (prepared_name(q, sql, name, &found) >= 0 && found)
                ok = PQsendQueryPrepared(q->conn, name, (int) p->n, p->values, p->lengths, p->formats, 0);
        else
                ok = PQsendQueryParams(q->conn, sql, (int) p->n, NULL, p->values, p->lengths, p->formats, 0);
        if (!ok) {
                log_debug("PostgreSQL: %s", PQerrorMessage(q->conn));
                return -EIO;
        }
        q->n_queued++;
        return 0;
}

int pg_prepare(Storage *s, const char *sql, unsigned n_params) {
        PgStorage *q = (PgStorage *) s;
        char name[PREPARED_NAME_MAX];
        bool found;
        int r;

        r = connection_setup(q);
        if (r < 0)
                return r;
        r = prepared_name(q, sql, name, &found);
        if (r < 0 || found)
                return r == -ENOSPC ? 0 : r;   /* a full cache: parsed with each use */
        _cleanup_result_ PGresult *res = PQprepare(q->conn, name, sql, (int) n_params, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                log_debug("PostgreSQL: %s", PQresultErrorMessage(res));
                r = res ? result_errno(res) : -ENOMEM;
                connection_check(q);
                return r;
        }
        q->prepared[q->n_prepared++] = sql;
        return 0;
}

/* The results of one queued statement, up to its terminating NULL: its error or 0. */
static int drain_one(PgStorage *q) {
        PGresult *res;
        int r = 0;

        while ((res = PQgetResult(q->conn))) {
                ExecStatusType st = PQresultStatus(res);

                if (st == PGRES_FATAL_ERROR && r == 0) {
                        log_debug("PostgreSQL: %s", PQresultErrorMessage(res));
                        r = result_errno(res);
                } else if (st == PGRES_PIPELINE_ABORTED && r == 0)
                        r = -ECANCELED;
                PQclear(res);
        }
        return r;
}

/* Sends the statements left for the next round trip (pg_exec_later()) ahead of what follows
 * in the pipeline, in its transaction (one message, one wake-up of the server), or in one of
 * their own with a sync when nothing follows. */
static unsigned later_send(PgStorage *q, bool sync) {
        unsigned n = 0;

        for (PgLater *l; (l = q->later); n++) {
                q->later = l->next;
                if (!q->later)
                        q->later_tail = &q->later;
                (void) queue(q, l->sql, &l->params);
                free(l);
        }
        q->n_queued = 0;
        if (n > 0 && sync)
                (void) PQpipelineSync(q->conn);
        return n;
}

/* Reads the results of n statements sent by later_send() (and their sync): the first error,
 * which fails the transaction they shared. */
static int later_drain(PgStorage *q, unsigned n, bool sync) {
        int r = 0;

        for (unsigned i = 0; i < n; i++) {
                int e = drain_one(q);
                if (r == 0 && e != -ECANCELED)
                        r = e;
        }
        if (n > 0 && sync)
                PQclear(PQgetResult(q->conn));
        if (r < 0)
                log_debug_errno(r, "PostgreSQL: a write left for the next round trip failed: %m");
        return r;
}

/* Enters pipeline mode on a connection set up for it, with the statements left for this
 * round trip sent first; *ret_later gets their number for later_drain(). */
static int pipeline_enter(PgStorage *q, unsigned *ret_later) {
        int r;

        r = connection_setup(q);
        if (r < 0)
                return r;
        if (PQenterPipelineMode(q->conn) != 1)
                return -EIO;
        *ret_later = later_send(q, false);
        return 0;
}

int pg_exec_later(Storage *s, const char *sql, const PgParams *p) {
        PgStorage *q = (PgStorage *) s;
        size_t size = 0;
        PgLater *l;
        char *d;

        for (size_t i = 0; i < p->n; i++)
                size += p->values[i] ? (p->formats[i] ? (size_t) p->lengths[i] : strlen(p->values[i]) + 1) : 0;
        l = malloc(sizeof *l + size);
        if (!l)
                return -ENOMEM;
        *l = (PgLater) { .sql = sql, .params = *p };
        d = l->data;
        for (size_t i = 0; i < p->n; i++) {
                size_t k = p->values[i] ? (p->formats[i] ? (size_t) p->lengths[i] : strlen(p->values[i]) + 1) : 0;

                if (!p->values[i])
                        continue;
                l->params.values[i] = memcpy(d, p->values[i], k);
                d += k;
        }
        *q->later_tail = l;
        q->later_tail = &l->next;
        return 0;
}

int pg_flush(Storage *s) {
        PgStorage *q = (PgStorage *) s;
        unsigned n;
        int r;

        if (!q->later || q->pipeline)
                return 0;
        r = connection_setup(q);
        if (r < 0)
                return r;
        if (PQenterPipelineMode(q->conn) != 1)
                return -EIO;
        n = later_send(q, true);
        r = later_drain(q, n, true);
        (void) PQexitPipelineMode(q->conn);
        connection_check(q);
        return r;
}

int pg_pipeline_begin(Storage *s) {
        PgStorage *q = (PgStorage *) s;
        int r;

        assert(!q->pipeline);
        r = pipeline_enter(q, &q->later_in_pipeline);
        if (r < 0)
                return r;
        q->pipeline = true;
        q->n_queued = 0;
        q->queue_error = 0;
        return 0;
}

int pg_pipeline_end(Storage *s, int r) {
        PgStorage *q = (PgStorage *) s;
        int k = q->queue_error, e;
        PGresult *res;

        assert(q->pipeline);
        if (r < 0 && k >= 0)
                k = r;
        /* A queue given up: a statement that fails makes the sync roll back what went before it. */
        if (k < 0)
                (void) queue(q, "DO $$BEGIN RAISE EXCEPTION 'rolled back'; END$$", NULL);
        /* Everything up to the sync point is one implicit transaction, committed at the sync. */
        if (PQpipelineSync(q->conn) != 1 && k >= 0)
                k = -EIO;
        e = later_drain(q, q->later_in_pipeline, false);
        if (k >= 0 && e < 0)
                k = e;
        q->later_in_pipeline = 0;
        for (unsigned i = 0; i < q->n_queued; i++) {
                e = drain_one(q);
                if (k >= 0 && e < 0 && e != -ECANCELED)
                        k = e;
        }
        res = PQgetResult(q->conn);
        if (PQresultStatus(res) != PGRES_PIPELINE_SYNC && k >= 0)
                k = res ? result_errno(res) : -EIO;
        PQclear(res);
        (void) PQexitPipelineMode(q->conn);
        q->pipeline = false;
        connection_check(q);
        return k < 0 ? k : 0;
}

int pg_exec(Storage *s, const char *sql, const PgParams *p) {
        _cleanup_result_ PGresult *res = NULL;
        PgStorage *q = (PgStorage *) s;
        int r;

        if (q->pipeline) {
                r = queue(q, sql, p);
                if (r < 0 && q->queue_error == 0)
                        q->queue_error = r;
                return 0;       /* counts and errors come with pg_pipeline_end() */
        }
        r = pg_query(s, sql, p, &res);
        if (r < 0)
                return r;
        return atoi(PQcmdTuples(res));
}

int pg_query_row(Storage *s, const char *sql, const PgParams *p, PGresult **ret) {
        PGresult *res;
        int r;

        r = pg_query(s, sql, p, &res);
        if (r < 0)
                return r;
        if (PQntuples(res) < 1) {
                PQclear(res);
                return -ENOENT;
        }
        *ret = res;
        return 0;
}

int pg_query_blob(Storage *s, const char *sql, const PgParams *p, Blob *ret) {
        _cleanup_result_ PGresult *res = NULL;
        Blob b = {};
        int r;

        r = pg_query_row(s, sql, p, &res);
        if (r < 0)
                return r;
        r = pg_get_blob(res, 0, 0, &b);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}


int pg_query_batch(Storage *s, size_t n, const char *const *sqls, const PgParams *const *params, PGresult **ret) {
        PgStorage *q = (PgStorage *) s;
        unsigned n_later;
        int r = 0, e;

        assert(!q->pipeline);
        memset(ret, 0, n * sizeof *ret);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = pg_prepare(s, sqls[i], params[i]->n);
        if (r < 0)
                return r;
        r = pipeline_enter(q, &n_later);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                char name[PREPARED_NAME_MAX];
                bool found = false;

                if (prepared_name(q, sqls[i], name, &found) >= 0 && found)
                        r = PQsendQueryPrepared(q->conn, name, (int) params[i]->n, params[i]->values, params[i]->lengths,
                                                params[i]->formats, 0) ? 0 : -EIO;
                else
                        r = PQsendQueryParams(q->conn, sqls[i], (int) params[i]->n, NULL, params[i]->values,
                                              params[i]->lengths, params[i]->formats, 0) ? 0 : -EIO;
        }
        /* One implicit transaction, committed at the sync unless a statement failed. */
        if (PQpipelineSync(q->conn) != 1 && r >= 0)
                r = -EIO;
        e = later_drain(q, n_later, false);
        if (r >= 0 && e < 0)
                r = e;
        for (size_t i = 0; i < n; i++) {
                PGresult *x;

                while ((x = PQgetResult(q->conn))) {
                        ExecStatusType st = PQresultStatus(x);

                        if (!ret[i] && st == PGRES_TUPLES_OK) {
                                ret[i] = x;
                                continue;
                        }
                        if (r >= 0 && st == PGRES_FATAL_ERROR) {
                                log_debug("PostgreSQL: %s", PQresultErrorMessage(x));
                                r = result_errno(x);
                        } else if (r >= 0 && st != PGRES_TUPLES_OK)
                                r = -EIO;
                        PQclear(x);
                }
                if (r >= 0 && !ret[i])
                        r = -EIO;
        }
        PGresult *sync = PQgetResult(q->conn);
        if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && r >= 0)
                r = sync ? result_errno(sync) : -EIO;
        PQclear(sync);
        (void) PQexitPipelineMode(q->conn);
        connection_check(q);
        if (r < 0)
                for (size_t i = 0; i < n; i++) {
                        PQclear(ret[i]);
                        ret[i] = NULL;
                }
        return r < 0 ? r : 0;
}

int pg_begin(Storage *s) {
        return pg_exec(s, "BEGIN", NULL);
}

int pg_end(Storage *s, int r) {
        if (r >= 0)
                r = pg_exec(s, "COMMIT", NULL);
        if (r < 0 && PQtransactionStatus(conn_of(s)) != PQTRANS_IDLE)
                (void) pg_exec(s, "ROLLBACK", NULL);
        return r < 0 ? r : 0;
}

int pg_get_text(const PGresult *res, int row, int col, char **ret) {
        char *c = NULL;

        if (!PQgetisnull(res, row, col) && !(c = strdup(PQgetvalue(res, row, col))))
                return -ENOMEM;
        free(*ret);
        *ret = c;
        return 0;
}

int pg_get_blob(const PGresult *res, int row, int col, Blob *b) {
        unsigned char *d;
        size_t n;
        int r;

        if (PQgetisnull(res, row, col))
                return blob_set(b, NULL, 0);
        d = PQunescapeBytea((const unsigned char *) PQgetvalue(res, row, col), &n);
        if (!d)
                return -ENOMEM;
        r = blob_set(b, d, n);
        PQfreemem(d);
        return r;
}

uint64_t pg_get_u64(const PGresult *res, int row, int col) {
        if (PQgetisnull(res, row, col))
                return 0;
        return (uint64_t) strtoll(PQgetvalue(res, row, col), NULL, 10);
}

bool pg_get_fixed(const PGresult *res, int row, int col, void *out, size_t size) {
        Blob b = {};
        bool ok;

        if (pg_get_blob(res, row, col, &b) < 0)
                return false;
        ok = b.data && b.size == size;
        if (ok)
                memcpy(out, b.data, size);
        blob_done(&b);
        return ok;
}

int pg_collect(const PGresult *res, size_t elem_size, int (*read_row)(const PGresult *res, int row, void *elem),
               void (*done_row)(void *elem), void **ret, size_t *ret_n) {
        size_t n = (size_t) PQntuples(res), i;
        uint8_t *l;
        int r = 0;

        l = calloc(n ?: 1, elem_size);
        if (!l)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                r = read_row(res, (int) i, l + i * elem_size);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                for (size_t j = 0; j <= i && j < n; j++)
                        done_row(l + j * elem_size);
                free(l);
                return r;
        }
        *ret = l;
        *ret_n = n;
        return 0;
}

int pg_collect_ids(const PGresult *res, bool null_when_empty, char ***ret, size_t *ret_n) {
        char **ids = NULL;
        int r = 0, n = PQntuples(res);

        for (int i = 0; r >= 0 && i < n; i++)
                r = strv_extend(&ids, PQgetvalue(res, i, 0));
        if (r >= 0 && !ids && !null_when_empty && !(ids = calloc(1, sizeof *ids)))
                r = -ENOMEM;
        if (r < 0) {
                strv_free(ids);
                return r;
        }
        *ret = ids;
        if (ret_n)
                *ret_n = (size_t) n;
        return 0;
}

static int schema_version(Storage *s, unsigned *ret) {
        _cleanup_result_ PGresult *res = NULL;
        int r;

        r = pg_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", NULL);
        if (r < 0)
                return r;
        r = pg_query_row(s, "SELECT version FROM schema_version", NULL, &res);
        if (r == -ENOENT) {
                *ret = 0;
                return pg_exec(s, "INSERT INTO schema_version (version) VALUES (0)", NULL);
        }
        if (r < 0)
                return r;
        *ret = (unsigned) pg_get_u64(res, 0, 0);
        return 0;
}

/* All steps in one transaction under a transaction-level advisory lock: of
 * several instances starting together one migrates, the others then find the
 * schema current. A failed step leaves the database as it was. */
static int migrate(Storage *s) {
        PgParams p = {};
        unsigned v;
        int r;

        pg_param_u64(&p, (uint64_t) MIGRATION_LOCK_KEY);
        r = pg_begin(s);
        if (r < 0)
                return r;
        r = pg_exec(s, "SELECT pg_advisory_xact_lock($1::bigint)", &p);
        if (r >= 0)
                r = schema_version(s, &v);
        if (r >= 0 && v > ELEMENTSOF(migrations))
                r = log_error_errno(-EPROTO, "Database schema version %u is newer than this program's (%zu).",
                                    v, ELEMENTSOF(migrations));
        for (; r >= 0 && v < ELEMENTSOF(migrations); v++) {
                PgParams bump = {};

                /* Several statements in one string: only the simple query protocol runs those. */
                _cleanup_result_ PGresult *res = PQexec(conn_of(s), migrations[v]);
                if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                        log_debug("PostgreSQL: %s", PQresultErrorMessage(res));
                        r = log_error_errno(result_errno(res), "Failed to migrate database schema to version %u: %m", v + 1);
                        break;
                }
                pg_param_u64(&bump, v + 1);
                r = pg_exec(s, "UPDATE schema_version SET version = $1", &bump);
                if (r >= 0)
                        log_debug("Database schema migrated to version %u.", v + 1);
        }
        return pg_end(s, r);
}

static Storage *pgsql_close(Storage *s) {
        PgStorage *q = (PgStorage *) s;

        if (q) {
                (void) pg_flush(s);
                for (PgLater *l; (l = q->later); free(l))
                        q->later = l->next;
                pg_cache_forget(s, NULL, NULL);
                PQfinish(q->conn);
        }
        free(q);
        return NULL;
}

static const StorageOps pgsql_ops = {
        .close = pgsql_close,
        .node_get = pgsql_node_get,
        .node_put = pgsql_node_put,
        .node_put_policies = pgsql_node_put_policies,
        .node_delete = pgsql_node_delete,
        .node_list = pgsql_node_list,
        .policy_put = pgsql_policy_put,
        .policy_get = pgsql_policy_get,
        .policy_name_set = pgsql_policy_name_set,
        .policy_name_get = pgsql_policy_name_get,
        .policy_name_delete = pgsql_policy_name_delete,
        .policy_name_update = pgsql_policy_name_update,
        .policy_list = pgsql_policy_list,
        .event_add = pgsql_event_add,
        .event_count = pgsql_event_count,
        .event_list = pgsql_event_list,
        .event_put = pgsql_event_put,
        .key_list = pgsql_key_list,
        .session_put = pgsql_session_put,
        .session_get = pgsql_session_get,
        .session_prune = pgsql_session_prune,
        .push_state_get = pgsql_push_state_get,
        .verdict_commit = pgsql_verdict_commit,
        .read_begin = pgsql_read_begin,
        .read_end = pgsql_read_end,
        .attestation_get = pgsql_attestation_get,
        .attestation_list = pgsql_attestation_list,
        .node_list_overdue = pgsql_node_list_overdue,
        .node_ids_by_ek = pgsql_node_ids_by_ek,
        .node_summary = pgsql_node_summary,
        .key_claim = pgsql_key_claim,
        .node_timeout_claim = pgsql_node_timeout_claim,
        .secret_put = pgsql_secret_put,
        .secret_get = pgsql_secret_get,
        .secret_delete = pgsql_secret_delete,
        .secret_list = pgsql_secret_list,
        .pending_put = pgsql_pending_put,
        .pending_get = pgsql_pending_get,
        .pending_take = pgsql_pending_take,
        .evidence_claim = pgsql_evidence_claim,
        .batch_run = pgsql_batch_run,
        .flush = pg_flush,
};

int storage_open_postgresql(const char *url, const char *password, Storage **ret) {
        /* url is expanded as a connection string; a password given here overrides
         * one in it, and without either libpq reads its own files (~/.pgpass, PGPASSFILE). */
        const char *const keys[] = { "dbname", "password", "application_name", NULL };
        const char *const values[] = { url, password, "attest-verifierd", NULL };
        PgStorage *q;
        int r;

        assert_return(url && ret, -EINVAL);
        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->storage.ops = &pgsql_ops;
        q->cache.lifetime_usec = PG_RESULT_CACHE_USEC;
        q->later_tail = &q->later;
        q->conn = PQconnectdbParams(keys, values, 1);
        if (!q->conn) {
                free(q);
                return -ENOMEM;
        }
        if (PQstatus(q->conn) != CONNECTION_OK) {
                /* The message names host and user, never the password. */
                r = log_error_errno(-ECONNREFUSED, "Failed to connect to PostgreSQL: %s", PQerrorMessage(q->conn));
                pgsql_close(&q->storage);
                return r;
        }
        r = pg_exec(&q->storage, session_setup_sql, NULL);
        if (r >= 0)
                r = migrate(&q->storage);
        if (r < 0) {
                pgsql_close(&q->storage);
                return log_error_errno(r, "Failed to set up the PostgreSQL database: %m");
        }
        *ret = &q->storage;
        return 0;
}
