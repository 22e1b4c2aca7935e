/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* The verifier's durable state behind a small backend interface (SQLite now;
 * a shared PostgreSQL backend can implement the same operations). Every write
 * is committed before the call returns, so an acknowledged answer survives a crash. */

typedef enum NodeState {
        NODE_REGISTERED,   /* identity known, credential not yet activated */
        NODE_ACTIVATED,    /* credential activated, no policies yet */
        NODE_ENROLLED,     /* activated and given policies */
        NODE_STOPPED,      /* stopped by the operator */
        NODE_TERMINATED,   /* reached attest_count */
        _NODE_STATE_MAX,
} NodeState;

const char *node_state_to_string(NodeState s);
int node_state_from_string(const char *s);

typedef struct Blob {
        uint8_t *data;
        size_t size;
} Blob;

#define NODE_AUTH_DIGEST_SIZE 32

/* A policy for an engine beyond the three kinds (tpm, boot, runtime), keyed by
 * the engine's plugin name, e.g. "exec". */
typedef struct NodePolicy {
        char *engine;
        char *digest;               /* hex SHA-256 of the content in the policy store */
        char *name;                 /* the stored policy's name, NULL when given as content */
        Blob content;               /* content not yet in the policy store; node_put_policies
                                     * stores it in the node's transaction */
} NodePolicy;

typedef struct Node {
        char *id;
        NodeState state;
        Blob ek_tpm, ekcert, aik_tpm, iak_tpm, idevid_tpm, iak_cert, idevid_cert;
        char *mtls_cert, *ip;
        uint32_t port;
        uint8_t auth_digest[NODE_AUTH_DIGEST_SIZE];  /* SHA-256 of the expected auth_tag bytes */
        uint32_t regcount;
        uint64_t registered_usec, activated_usec, enrolled_usec;
        /* Enrolment: policy contents by digest (hex SHA-256), with the name when named. */
        char *tpm_policy, *boot_policy, *runtime_policy;
        char *boot_policy_name, *runtime_policy_name;
        char *tpm_policy_name;
        uint64_t attest_count;      /* 0 = unlimited */
        uint64_t interval_sec;
        char *failure_actions;      /* space separated plugin names */
        char *verdict;              /* PENDING, PASS, FAIL, TIMEOUT or NULL */
        uint64_t attestations_passed;
        uint64_t last_attestation_usec;
        char *attested_by;          /* the verifier instance that took the last attestation, or NULL */
        /* Policies for other engines, sorted by engine; written by node_put_policies only. */
        NodePolicy *policies;
        size_t n_policies;
} Node;

Node *node_free(Node *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Node *, node_free);
void node_list_free(Node **l, size_t n);
int blob_set(Blob *b, const void *data, size_t size);

/* The node's policy for engine, or NULL. */
const NodePolicy *node_policy_find(const Node *n, const char *engine);
/* Attaches (or replaces) the policy for engine; -E2BIG beyond NODE_ENGINE_POLICIES_MAX engines. */
int node_policy_set(Node *n, const char *engine, const char *digest, const char *name);
/* Attaches content for engine, to be stored with the node by node_put_policies. */
int node_policy_set_content(Node *n, const char *engine, const uint8_t *data, size_t size);
/* Detaches the policy for engine; -ENOENT when there is none. */
int node_policy_remove(Node *n, const char *engine);
void blob_done(Blob *b);

typedef struct PolicyEntry {
        char *kind;        /* "tpm", "boot", "runtime", or an engine name */
        char *name;
        char *digest;
        uint64_t size;
        uint64_t created_usec;
        uint64_t n_nodes;  /* nodes referring to this content */
} PolicyEntry;

void policy_entry_list_free(PolicyEntry *l, size_t n);

/* One event of a node's history log: registered, enrolled, verdict changes, TIMEOUT, … */
typedef struct StorageEvent {
        uint64_t time_usec;
        char *kind;
        char *detail;
} StorageEvent;
void storage_event_list_free(StorageEvent *l, size_t n);

/* A key the instances share, such as the one signing attestation results. */
typedef struct StorageKey {
        char *name;
        Blob pem;
} StorageKey;
void storage_key_list_free(StorageKey *l, size_t n);

#define POLICY_DIGEST_HEX_SIZE 65

/* The policy store's key of content: its SHA-256 in lowercase hex. */
int policy_digest_hex(const uint8_t *data, size_t size, char ret[POLICY_DIGEST_HEX_SIZE]);

/* A session of the push protocol: a challenge until the node proves possession
 * of its AK, then a bearer token (stored as its SHA-256 only). */
#define SESSION_CHALLENGE_SIZE 16
#define SESSION_TOKEN_DIGEST_SIZE 32

typedef struct Session {
        char *id;
        char *node_id;
        uint8_t challenge[SESSION_CHALLENGE_SIZE];
        bool has_token;
        uint8_t token_digest[SESSION_TOKEN_DIGEST_SIZE];
        uint64_t expires_usec;      /* the challenge's expiry, then the token's */
} Session;

void session_done(Session *s);

/* One completed push attestation, indexed per node from 0. */
typedef struct Attestation {
        uint64_t index;
        char *stage;                /* "verification_complete" once stored */
        char *evaluation;           /* "pass", "fail" */
        uint8_t nonce[SESSION_CHALLENGE_SIZE];
        uint64_t boot_time;         /* seconds since the epoch, as reported */
        uint64_t ima_offset;        /* entries: where the IMA log was asked from */
        uint64_t ima_count;         /* entries the quote certified */
        char *failure_reason;       /* "broken_evidence_chain", "policy_violation" or NULL */
        char *failures;             /* JSON array of {id, severity, context}, or NULL */
        char *detail;               /* JSON object: the chosen parameters */
        char *evidence;             /* JSON array: the evidence requested (class, type,
                                     * capabilities, chosen_parameters), or NULL */
        uint64_t created_usec, updated_usec;
        char *appraisal;            /* JSON array: each policy's engine, digest and EAR status
                                     * (ear_appraisals_to_json()), or NULL */
} Attestation;

void attestation_done(Attestation *a);

/* How many nodes are in one state with one verdict (NULL: none yet). */
typedef struct NodeCount {
        NodeState state;
        char *verdict;
        uint64_t n;
} NodeCount;

void node_count_list_free(NodeCount *l, size_t n);
void attestation_list_free(Attestation *l, size_t n);

/* What validation of a node's next push needs from its previous ones; the
 * blobs are the verifier's own encodings. */
typedef struct PushState {
        uint64_t boot_time;         /* of the last validated attestation, seconds */
        Blob clock;                 /* its TPMS_CLOCK_INFO */
        Blob enrolment_clock;       /* the first validated attestation's */
        Blob ima_state;             /* the IMA replay state after the last passing attestation of
                                     * this boot: the next attestation replays and evaluates from it */
        Blob ima_state_latest;      /* after the last validated attestation, passing or not: what
                                     * the operator's reactivate accepts */
        uint64_t next_index;        /* the next attestation's index */
        bool ima_restart;           /* the next IMA log must start at entry 0 */
} PushState;

void push_state_done(PushState *p);

/* Everything one verdict changes, written in one transaction. */
typedef struct VerdictCommit {
        const Node *node;           /* the node row with its new verdict and counters */
        bool verdict_only;          /* of the row only the verdict, attested_by, the last attestation's
                                     * time, one more pass for a PASS and the TERMINATED state: an
                                     * operator's change to the row since it was read stays */
        const Attestation *attestation;
        const PushState *push_state;
        const char *session_id;     /* the session whose token a pass extends, or NULL */
        uint64_t session_expires_usec;
        uint64_t history_retention; /* attestations kept per node; 0 = all */
        const char *event_kind;     /* history event for a verdict change, or NULL */
        const char *event_detail;
} VerdictCommit;

typedef struct Storage Storage;

/* A node's evidence as it comes: its bearer token and the pending attestation it answers. */
typedef struct EvidenceClaim {
        const char *session_id, *node_id;
        const uint8_t *token_digest;    /* SESSION_TOKEN_DIGEST_SIZE bytes */
        uint64_t index, now_usec;
        Blob prefix;                    /* of the pending attestation's data, as storage_pending_take() */
} EvidenceClaim;

/* One claim's outcome in a StorageBatch: r as storage_evidence_claim()'s. */
typedef struct EvidenceClaimResult {
        int r;
        uint64_t session_expires_usec;
        Node *node;
        PushState push_state;
} EvidenceClaimResult;

/* What the requests of one turn of the verifier's event loop need from the database
 * before they can go on (storage_batch_run()). */
typedef struct StorageBatch {
        const char *const *session_ids;         /* read ahead with their node rows and push states */
        size_t n_sessions;
        const EvidenceClaim *claims;            /* each as storage_evidence_claim() */
        size_t n_claims;
        EvidenceClaimResult *results;           /* n_claims */
} StorageBatch;

typedef struct StorageOps {
        Storage *(*close)(Storage *s);
        int (*node_get)(Storage *s, const char *id, Node **ret);
        int (*node_put)(Storage *s, const Node *n);
        int (*node_put_policies)(Storage *s, const Node *n);
        int (*node_delete)(Storage *s, const char *id);
        int (*node_list)(Storage *s, Node ***ret, size_t *ret_n);
        int (*policy_put)(Storage *s, const char *kind, const uint8_t *data, size_t size, char ret_digest[POLICY_DIGEST_HEX_SIZE]);
        int (*policy_get)(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size);
        int (*policy_name_set)(Storage *s, const char *kind, const char *name, const char *digest, bool replace);
        int (*policy_name_get)(Storage *s, const char *kind, const char *name, char **ret_digest);
        int (*policy_name_delete)(Storage *s, const char *kind, const char *name);
        int (*policy_name_update)(Storage *s, const char *kind, const char *name, const char *digest);
        int (*policy_list)(Storage *s, PolicyEntry **ret, size_t *ret_n);
        int (*event_add)(Storage *s, const char *node_id, const char *kind, const char *detail);
        int (*event_count)(Storage *s, const char *node_id, uint64_t *ret);
        int (*event_list)(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n);
        int (*event_put)(Storage *s, const char *node_id, const StorageEvent *e);
        int (*key_list)(Storage *s, StorageKey **ret, size_t *ret_n);
        int (*session_put)(Storage *s, const Session *session);
        int (*session_get)(Storage *s, const char *id, Session *ret);
        int (*session_prune)(Storage *s, uint64_t now_usec);
        int (*push_state_get)(Storage *s, const char *node_id, PushState *ret);
        int (*verdict_commit)(Storage *s, const VerdictCommit *c, size_t n);
        int (*attestation_get)(Storage *s, const char *node_id, uint64_t index, Attestation *ret);
        int (*attestation_list)(Storage *s, const char *node_id, uint64_t limit, Attestation **ret, size_t *ret_n);
        int (*node_list_overdue)(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n);
        int (*node_ids_by_ek)(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids);
        int (*node_summary)(Storage *s, NodeCount **ret, size_t *ret_n);
        int (*key_claim)(Storage *s, const char *name, const Blob *candidate, Blob *ret);
        int (*node_timeout_claim)(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                                  char ***ret_ids, size_t *ret_n);
        int (*secret_put)(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                          size_t max_per_node);
        int (*secret_get)(Storage *s, const char *node_id, const char *name, Blob *ret);
        int (*secret_delete)(Storage *s, const char *node_id, const char *name);
        int (*secret_list)(Storage *s, const char *node_id, char ***ret);
        int (*pending_put)(Storage *s, const char *node_id, uint64_t index, const Blob *data);
        int (*pending_get)(Storage *s, const char *node_id, uint64_t index, Blob *ret);
        int (*pending_take)(Storage *s, const char *node_id, uint64_t index, const Blob *prefix, Blob *ret);
        int (*evidence_claim)(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec, Node **ret_node,
                              PushState *ret_ps);
        int (*batch_run)(Storage *s, const StorageBatch *b);
        int (*flush)(Storage *s);
        int (*read_begin)(Storage *s);
        void (*read_end)(Storage *s);
} StorageOps;

struct Storage {
        const StorageOps *ops;
};

/* Opens (creating and migrating when needed) the SQLite database at path, in WAL mode. */
int storage_open_sqlite(const char *path, Storage **ret);
/* The schema version this binary writes. */
unsigned storage_sqlite_schema_version(void);
/* Connects to PostgreSQL with a libpq connection string (URI or key=value words)
 * and migrates the schema under an advisory lock; password, when not NULL,
 * overrides the connection string's (libpq's own files apply otherwise). */
int storage_open_postgresql(const char *url, const char *password, Storage **ret);
unsigned storage_postgresql_schema_version(void);
/* "sqlite:PATH" or a PostgreSQL connection string. */
int storage_open_location(const char *location, const char *password, Storage **ret);

static inline Storage *storage_close(Storage *s) {
        return s ? s->ops->close(s) : NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Storage *, storage_close);

/* -ENOENT when there is no such node. */
static inline int storage_node_get(Storage *s, const char *id, Node **ret) {
        return s->ops->node_get(s, id, ret);
}
/* Inserts or replaces the whole row; the node's engine policies are left as stored. */
static inline int storage_node_put(Storage *s, const Node *n) {
        return s->ops->node_put(s, n);
}
/* Inserts or replaces the row and replaces the node's engine policies with
 * n->policies, in one transaction: on failure nothing changed. */
static inline int storage_node_put_policies(Storage *s, const Node *n) {
        return s->ops->node_put_policies(s, n);
}
/* Removes the node with its history and engine policies. */
static inline int storage_node_delete(Storage *s, const char *id) {
        return s->ops->node_delete(s, id);
}
static inline int storage_node_list(Storage *s, Node ***ret, size_t *ret_n) {
        return s->ops->node_list(s, ret, ret_n);
}
/* The ids of the nodes other than except_id registered with this EK, sorted, as
 * a NULL-terminated list (strv_free), or NULL when there are none. */
static inline int storage_node_ids_by_ek(Storage *s, const Blob *ek_tpm, const char *except_id, char ***ret_ids) {
        return s->ops->node_ids_by_ek(s, ek_tpm, except_id, ret_ids);
}
/* Stores content once by its SHA-256; ret_digest is its lowercase hex. */
static inline int storage_policy_put(Storage *s, const char *kind, const uint8_t *data, size_t size,
                                     char ret_digest[POLICY_DIGEST_HEX_SIZE]) {
        return s->ops->policy_put(s, kind, data, size, ret_digest);
}
static inline int storage_policy_get(Storage *s, const char *digest, char **ret_kind, uint8_t **ret, size_t *ret_size) {
        return s->ops->policy_get(s, digest, ret_kind, ret, ret_size);
}
/* Names content; -EEXIST when the name is taken and replace is false. */
static inline int storage_policy_name_set(Storage *s, const char *kind, const char *name, const char *digest, bool replace) {
        return s->ops->policy_name_set(s, kind, name, digest, replace);
}
static inline int storage_policy_name_get(Storage *s, const char *kind, const char *name, char **ret_digest) {
        return s->ops->policy_name_get(s, kind, name, ret_digest);
}
/* Points an existing name (-ENOENT when there is none) at new content, and every
 * node that uses the name with it, in one transaction: their next attestation is
 * evaluated against the new content. Returns the number of nodes repointed. */
static inline int storage_policy_name_update(Storage *s, const char *kind, const char *name, const char *digest) {
        return s->ops->policy_name_update(s, kind, name, digest);
}
/* -EBUSY while a node uses the name. */
static inline int storage_policy_name_delete(Storage *s, const char *kind, const char *name) {
        return s->ops->policy_name_delete(s, kind, name);
}
static inline int storage_policy_list(Storage *s, PolicyEntry **ret, size_t *ret_n) {
        return s->ops->policy_list(s, ret, ret_n);
}
/* Appends one history event for a node. */
static inline int storage_event_add(Storage *s, const char *node_id, const char *kind, const char *detail) {
        return s->ops->event_add(s, node_id, kind, detail);
}
static inline int storage_event_count(Storage *s, const char *node_id, uint64_t *ret) {
        return s->ops->event_count(s, node_id, ret);
}
/* The node's history events, oldest first. */
static inline int storage_event_list(Storage *s, const char *node_id, StorageEvent **ret, size_t *ret_n) {
        return s->ops->event_list(s, node_id, ret, ret_n);
}
/* Appends a history event with the time it has (a copied one). */
static inline int storage_event_put(Storage *s, const char *node_id, const StorageEvent *e) {
        return s->ops->event_put(s, node_id, e);
}
/* The shared keys (storage_key_claim()), by name. */
static inline int storage_key_list(Storage *s, StorageKey **ret, size_t *ret_n) {
        return s->ops->key_list(s, ret, ret_n);
}

/* Inserts or replaces a session. */
static inline int storage_session_put(Storage *s, const Session *session) {
        return s->ops->session_put(s, session);
}
/* -ENOENT when there is no such session. */
static inline int storage_session_get(Storage *s, const char *id, Session *ret) {
        return s->ops->session_get(s, id, ret);
}
/* Removes the sessions that expired before now_usec; returns how many. */
static inline int storage_session_prune(Storage *s, uint64_t now_usec) {
        return s->ops->session_prune(s, now_usec);
}
/* The reads up to storage_read_end() share one read transaction: one snapshot, and
 * for SQLite one lock of the database instead of one per statement. No writes in
 * between. Returns s, or NULL when no transaction was begun (the reads then run
 * on their own); storage_read_end() accepts either. */
static inline Storage *storage_read_begin(Storage *s) {
        return s->ops->read_begin(s) >= 0 ? s : NULL;
}
static inline Storage *storage_read_end(Storage *s) {
        if (s)
                s->ops->read_end(s);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Storage *, storage_read_end);
/* -ENOENT before the node's first push. */
static inline int storage_push_state_get(Storage *s, const char *node_id, PushState *ret) {
        return s->ops->push_state_get(s, node_id, ret);
}
/* Stores n verdicts, each the attestation, the node row, the push state, the
 * session's new expiry, the history event and the retention cut, in one
 * transaction (one synchronous commit for all: group commit). All or none. */
static inline int storage_verdict_commit(Storage *s, const VerdictCommit *c, size_t n) {
        return s->ops->verdict_commit(s, c, n);
}
/* storage_verdict_commit(), and when the group fails, each verdict again in a
 * transaction of its own: one verdict that cannot be stored (its node deleted
 * since it was read) does not fail the others. results[i] is verdict i's
 * outcome; returns the number stored. */
size_t storage_verdict_commit_each(Storage *s, const VerdictCommit *c, size_t n, int *results);
/* -ENOENT when there is no such attestation (or it was cut by the retention). */
static inline int storage_attestation_get(Storage *s, const char *node_id, uint64_t index, Attestation *ret) {
        return s->ops->attestation_get(s, node_id, index, ret);
}
/* The node's newest attestations first, at most limit (0: all). */
static inline int storage_attestation_list(Storage *s, const char *node_id, uint64_t limit,
                                           Attestation **ret, size_t *ret_n) {
        return s->ops->attestation_list(s, node_id, limit, ret, ret_n);
}
/* ENROLLED nodes not yet TIMEOUT whose last attestation (or enrolment) is older
 * than factor × their interval; ret_ids is a NULL-terminated list. */
static inline int storage_node_list_overdue(Storage *s, uint64_t now_usec, uint64_t factor, char ***ret_ids, size_t *ret_n) {
        return s->ops->node_list_overdue(s, now_usec, factor, ret_ids, ret_n);
}
/* Sets the overdue nodes (as storage_node_list_overdue() finds them) TIMEOUT, each
 * with a history event, in one transaction; ret_ids (NULL-terminated) are the
 * nodes this call changed. Several instances sweeping at once each get a
 * different share, so each node times out once across the fleet. */
/* A node's secret as sealed bytes (the storage never sees it unsealed): -EEXIST
 * when it exists and !replace, -E2BIG when the node has max_per_node others. */
static inline int storage_secret_put(Storage *s, const char *node_id, const char *name, const Blob *sealed, bool replace,
                                     size_t max_per_node) {
        return s->ops->secret_put(s, node_id, name, sealed, replace, max_per_node);
}
/* -ENOENT when there is no such secret. */
static inline int storage_secret_get(Storage *s, const char *node_id, const char *name, Blob *ret) {
        return s->ops->secret_get(s, node_id, name, ret);
}
/* name NULL: all of the node's secrets. -ENOENT when a named one does not exist. */
static inline int storage_secret_delete(Storage *s, const char *node_id, const char *name) {
        return s->ops->secret_delete(s, node_id, name);
}
/* The node's secret names, sorted, NULL-terminated; an empty list when it has none. */
static inline int storage_secret_list(Storage *s, const char *node_id, char ***ret) {
        return s->ops->secret_list(s, node_id, ret);
}
/* A key all instances share (PEM): stores candidate under name unless a key is
 * stored already, and returns the stored one. The first instance to claim wins. */
static inline int storage_key_claim(Storage *s, const char *name, const Blob *candidate, Blob *ret) {
        return s->ops->key_claim ? s->ops->key_claim(s, name, candidate, ret) : -EOPNOTSUPP;
}
/* The nodes counted by state and verdict, one entry per pair that has any, sorted. */
static inline int storage_node_summary(Storage *s, NodeCount **ret, size_t *ret_n) {
        return s->ops->node_summary ? s->ops->node_summary(s, ret, ret_n) : -EOPNOTSUPP;
}
/* The attestation awaiting a node's evidence, in the verifier's encoding, so
 * that another instance can take the evidence: replaces the node's earlier one.
 * Not made durable: losing it only makes the node ask again. It may wait to be
 * sent with the next round trip or storage_flush(), which the caller makes
 * before anybody is told of it. -EOPNOTSUPP where
 * one instance serves all nodes and keeps it in memory (SQLite). */
static inline int storage_pending_put(Storage *s, const char *node_id, uint64_t index, const Blob *data) {
        return s->ops->pending_put ? s->ops->pending_put(s, node_id, index, data) : -EOPNOTSUPP;
}
/* Returns the node's pending attestation of index and leaves it there: reading it
 * uses nothing up (a request that is then refused must not cost the node its
 * attestation); -ENOENT when there is none. */
static inline int storage_pending_get(Storage *s, const char *node_id, uint64_t index, Blob *ret) {
        return s->ops->pending_get ? s->ops->pending_get(s, node_id, index, ret) : -EOPNOTSUPP;
}
/* Removes and returns the node's pending attestation of index when its data
 * begins with prefix (empty: any), so that a newer one issued for the same
 * index meanwhile is not taken for an older: whoever takes it first uses its
 * nonce; -ENOENT when there is none (or it was taken, or replaced). */
static inline int storage_pending_take(Storage *s, const char *node_id, uint64_t index, const Blob *prefix, Blob *ret) {
        return s->ops->pending_take ? s->ops->pending_take(s, node_id, index, prefix, ret) : -EOPNOTSUPP;
}
/* Everything the verdict of a node's evidence starts from, in one round trip where the
 * database has them: authenticates the session (its token digest, for this node, not
 * expired at now_usec), then takes the pending attestation (storage_pending_take()) and
 * reads the node row with its engine policies and the push state (zeroed before the first
 * push). -EACCES when the session does not authenticate and -ESTALE when the pending
 * attestation is gone (another instance took it, or it was replaced): nothing is taken
 * then. -ENOENT when the node row is gone. */
int storage_evidence_claim(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec, Node **ret_node,
                           PushState *ret_ps);
/* A turn's batch in one round trip where the database is remote: the sessions read ahead
 * are kept for the requests about to read them, as storage_session_get() keeps them for
 * one, and each claim's outcome is in results as if it had been claimed alone, in order.
 * Elsewhere only the claims, one by one. */
int storage_batch_run(Storage *s, const StorageBatch *b);
/* Whether requests gain from waiting a turn of the event loop to share a round trip to
 * the database (storage_batch_run()). */
static inline bool storage_batches(Storage *s) {
        return s->ops->batch_run;
}
/* Sends now the writes left for the next round trip (storage_pending_put()). */
static inline int storage_flush(Storage *s) {
        return s->ops->flush ? s->ops->flush(s) : 0;
}
static inline int storage_node_timeout_claim(Storage *s, uint64_t now_usec, uint64_t factor, const char *event_detail,
                                             char ***ret_ids, size_t *ret_n) {
        return s->ops->node_timeout_claim(s, now_usec, factor, event_detail, ret_ids, ret_n);
}
