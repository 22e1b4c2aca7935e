/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The push side of the verifier (KEYLIME-WIRE.md, API v3.0): sessions,
 * attestations, verdicts and liveness. */

#include <stdbool.h>
#include <stdint.h>

#include "attest-limits.h"
#include "hash-alg.h"
#include "ima-replay.h"
#include "json-writer.h"
#include "plugin-loader.h"
#include "push-request.h"
#include "storage.h"
#include "tpm2-attest.h"

typedef struct Manager Manager;
typedef struct Request Request;

/* The quote, the UEFI and IMA logs, a confidential VM's report. */
#define EVIDENCE_ITEMS_MAX 4u

/* Where each item of an evidence list's text ends (past its '}'), and which is the IMA
 * log: the 202 puts the data received into each without parsing the text. */
typedef struct EvidenceItems {
        uint32_t end[EVIDENCE_ITEMS_MAX];
        uint8_t n, ima_mask;
} EvidenceItems;

/* An attestation awaiting its evidence; kept in memory, and shared through the
 * storage when it supports that (verifierd-pending.c): a lost one is asked for
 * again, nothing was acknowledged for it. */
typedef struct PendingAttestation {
        uint64_t index;
        uint8_t nonce[SESSION_CHALLENGE_SIZE];
        uint64_t created_usec, expires_usec;
        uint64_t boot_time;             /* reported, seconds */
        const HashAlg *bank;
        uint32_t pcr_mask;
        uint16_t hash_alg, sig_scheme;  /* TPM_ALG_IDs */
        bool uefi, ima;
        uint64_t ima_offset;            /* entries */
        bool ima_fresh;                 /* replay IMA from entry 0 with a new state */
        char *evidence;                 /* owned: JSON of the requested items with the offered
                                         * capabilities, freed when it stops pending */
        EvidenceItems items;            /* of evidence as written here; n 0 for one read from the storage */
        bool claimed;                   /* taken from the storage: no other instance can use it */
        bool adopted;                   /* read from the storage, issued by another instance */
        uint8_t token_digest[SESSION_TOKEN_DIGEST_SIZE]; /* of the bearer token it was issued to, here */
} PendingAttestation;

/* What the verifier keeps in memory per node. */
typedef struct NodeRuntime {
        struct NodeRuntime *next;       /* hash chain */
        bool committing;                /* a verdict is being evaluated or waits for the group commit */
        EVP_PKEY *ak;                   /* the registered AK, parsed once */
        uint16_t ak_type;               /* TPM_ALG_RSA or TPM_ALG_ECC */
        uint8_t ak_digest[32];          /* SHA-256 of the TPM2B_PUBLIC it was parsed from */
        bool has_pending;
        PendingAttestation pending;
        char id[];
} NodeRuntime;

typedef struct NodeTable {
        NodeRuntime **buckets;
        size_t n_buckets, n_entries;
        size_t n_pending;
} NodeTable;

int node_table_init(NodeTable *t);
void node_table_done(NodeTable *t);
NodeRuntime *node_table_get(NodeTable *t, const char *id);
int node_table_ensure(NodeTable *t, const char *id, NodeRuntime **ret);
void node_runtime_set_pending(NodeTable *t, NodeRuntime *rt, bool pending);
/* The node's AK as a key (owned by rt) and its type, parsed again only when aik_tpm changes. */
int node_runtime_ak(NodeRuntime *rt, const Blob *aik_tpm, EVP_PKEY **ret_key, uint16_t *ret_type);

/* A compiled policy of one kind, shared by the nodes with the same content. */
typedef struct PolicySlot {
        char kind[ATTEST_PLUGIN_NAME_MAX + 1];
        char digest[POLICY_DIGEST_HEX_SIZE];
        CompiledPolicy *compiled;       /* NULL: the engine is missing or refused the policy */
        int error_r;                    /* why not: -ENOPKG when the engine is not loaded */
        char error[256];
} PolicySlot;

/* One policy of a node: its kind ("tpm", "boot", "runtime" or an engine name) and content digest. */
typedef struct PolicyRef {
        const char *kind;
        const char *digest;
} PolicyRef;

#define NODE_POLICY_REFS_MAX (3u + NODE_ENGINE_POLICIES_MAX)

/* The node's policies, the three kinds first, then its engine policies; returns how many. */
size_t node_policy_refs(const Node *n, PolicyRef ret[static NODE_POLICY_REFS_MAX]);

typedef struct FailureActions {
        const Plugin *plugin;
        void *instance;
} FailureActions;

typedef struct PushContext {
        NodeTable nodes;
        PluginSet *plugins;
        PolicyCache *cache;
        PolicySlot *slots;
        size_t n_slots;
        FailureActions *actions;
        size_t n_actions;
        struct EvalPool *pool;          /* validation and evaluation off the event loop */
        ImaReplayer *replayer;          /* for the jobs evaluated on the event loop */
        sd_event_source *liveness;
        struct VerdictJob **batch;      /* verdicts awaiting the group commit */
        size_t n_batch, batch_allocated;
        sd_event_source *flush;         /* the commit when the spacing has passed: no timer to arm */
        sd_event_source *flush_timer;   /* the commit that has to wait for the spacing */
        uint64_t last_commit_usec;      /* CLOCK_MONOTONIC */
        struct RoundTrip *round_trip;   /* requests waiting for a shared round trip */
} PushContext;

#define VERDICT_BATCH_MAX 256u
/* Least time between two group commits. Each commit costs a disk flush whatever it
 * holds: a verdict that comes sooner waits for the next, so a fleet's steady trickle
 * shares flushes; a lone verdict after a quiet spell is committed at once. */
#define VERDICT_COMMIT_SPACING_USEC 5000u

/* With a storage that batches (storage_batches()), defers the request until one round trip
 * (storage_batch_run()) reads the sessions (with node rows and push states) of all that wait
 * and makes their claims, then runs it again:
 * true when it was deferred. False on its second run, or when it need not wait. */
bool round_trip_wait_session(Request *q);
/* The same for an evidence's claim: *result gets the outcome before the request runs again.
 * claim's pointers and result must live as long as the request (http_request_keep()). */
bool round_trip_wait_claim(Request *q, const EvidenceClaim *claim, EvidenceClaimResult *result);
/* Serves the requests waiting now, then runs them again. */
void round_trip_run(Manager *m);
/* Whether the capabilities being answered now are run again by round_trip_run(), which
 * holds their answers until their pending attestations are in the database. */
bool round_trip_flushes_later(Manager *m);
void round_trip_done(Manager *m);

int push_context_init(Manager *m);
/* -ETIMEDOUT when failure actions still run: then it is left as it is. */
int push_context_done(Manager *m);

/* The compiled policy for a node's policy of kind ("tpm", "boot", "runtime"),
 * compiled on first use; NULL with *ret_error when unusable. */
const PolicySlot *push_policy(Manager *m, const char *kind, const char *digest);

bool route_sessions(Request *q);
bool route_attestations(Request *q);

/* The node id the request's bearer token was issued to, after checking it;
 * NULL when there is none or it is invalid/expired. ret_session gets the session id. */
int session_authenticate(Request *q, const char *node_id, char **ret_session);
/* The same, and the token's expiry in *ret_expires_usec. */
int session_authenticate_expiry(Request *q, const char *node_id, char **ret_session, uint64_t *ret_expires_usec);
#define SESSION_ID_HEX_MAX 64

/* The session id (ret_session may be NULL) and the token's digest from the request's
 * bearer token, without looking it up; -EACCES when there is none or it is malformed. */
int session_bearer(Request *q, char ret_session[SESSION_ID_HEX_MAX + 1], uint8_t ret_digest[static SESSION_TOKEN_DIGEST_SIZE]);
/* Whether the request brings the evidence for an attestation issued here, not expired,
 * to the bearer token it carries: its body is read without a look-up in the storage,
 * where the evidence's handler authenticates it before anything is evaluated. */
bool evidence_expected(Request *q, const char *node_id, const char *index_s);
/* Whether a pass at now extends a token that expires at expires_usec: once less than half its
 * lifetime is left, so that the session row is not written with every verdict and a node
 * pushing more often than every half lifetime never sees its token expire. */
bool session_renewal_due(uint64_t expires_usec, uint64_t now_usec, uint64_t lifetime_usec);

/* Validation and evaluation of one pushed evidence, on a worker thread of the
 * evaluation pool; the verdict joins the next group commit and done is called
 * after it (r < 0: not stored) with the stored attestation and the node's new
 * row. n and e's contents are taken, p is copied. Without a pool it evaluates in place. */
typedef struct VerdictJob VerdictJob;
typedef void (*VerdictDone)(Manager *m, int r, const Attestation *a, const Node *n, void *userdata);
/* The token of session_id, which expires at session_expires_usec, is extended by a pass
 * once less than half its lifetime is left. ps is the node's push state as the request
 * read it (zeroed before its first push), taken. */
int verdict_queue(Manager *m, Node *n, NodeRuntime *rt, const PendingAttestation *p, PushEvidence *e, PushState *ps,
                  const char *session_id, uint64_t session_expires_usec, VerdictDone done, void *userdata);
/* The evaluation pool of config.evaluation_threads workers (0: one per online CPU, at least 2). */
int verdict_pool_start(Manager *m);
/* Completes what the workers finished and ends them, waiting for running
 * evaluations until deadline_usec (CLOCK_MONOTONIC); -ETIMEDOUT when some
 * still run: then the push context must be left to the process's exit. */
int verdict_pool_stop(Manager *m, uint64_t deadline_usec);
/* Waits up to timeout_usec for the failure action threads to end; -ETIMEDOUT
 * when some still run (they use the action instances and plugins). */
int verdict_actions_wait(uint64_t timeout_usec);
/* Shares the attestation awaiting the node's evidence with the other instances. */
void pending_publish(Manager *m, const char *node_id, const PendingAttestation *p);
/* The record of a pending attestation in the storage, and another instance's read back as
 * carefully as any input (fuzz-shared-record): -EBADMSG, -EPROTO or -ENODATA when malformed. */
int pending_encode(const PendingAttestation *a, Blob *ret);
int pending_decode(const uint8_t *buf, size_t len, PendingAttestation *ret);
/* Reads the node's attestation of index that another instance issued, as the
 * node's pending one here, leaving it in the storage until pending_claim():
 * -ENOENT when there is none, -EOPNOTSUPP when the storage does not share them. */
int pending_adopt(Manager *m, const char *node_id, uint64_t index, NodeRuntime **ret_rt);
/* Uses up the nonce of p for every instance before its evidence is evaluated:
 * -ESTALE when another instance took that evidence first. */
int pending_claim(Manager *m, const char *node_id, PendingAttestation *p);
/* The beginning of p's shared record that names its nonce (storage_pending_take()). */
#define PENDING_PREFIX_SIZE (1u + 8u + SESSION_CHALLENGE_SIZE)
void pending_prefix(const PendingAttestation *p, uint8_t ret[static PENDING_PREFIX_SIZE]);
/* Runs the node's failure actions (and the journal action) for an event of kind, off the event loop. */
void failure_actions_start(Manager *m, const Node *n, const char *kind, const PolicyFailure *items, size_t n_items);
/* Commits the queued verdicts now (also at the end of each event loop turn). */
void verdict_flush(Manager *m);

/* Encodings of the push state blobs. */
int push_clock_encode(const Tpm2ClockInfo *c, Blob *ret);
int push_clock_decode(const Blob *b, Tpm2ClockInfo *ret);
int push_ima_state_encode(const ImaReplayState *s, Blob *ret);
int push_ima_state_decode(const Blob *b, ImaReplayState *ret);

/* The operator's reactivate of node id: a stopped or terminated node attests
 * again, and the IMA entries up to the last validated attestation are accepted
 * (a failure stays otherwise, see verifierd-reactivate.c). Answers q. */
void node_reactivate(Request *q, const char *id);

/* A node's IMA replay states after a validated attestation (after: its
 * replay state, NULL without an IMA log): a pass moves the anchor
 * (ima_state, where the next attestation replays and evaluates from) and
 * ima_state_latest to after; a failure moves only ima_state_latest, the
 * anchor staying at the last pass of the boot, or at entry 0 (ima_restart)
 * when the boot has none (fresh). Sets s's IMA members only. */
int push_ima_next(const PushState *old, const ImaReplayState *after, bool pass, bool fresh, PushState *s);
/* old with the anchor moved to ima_state_latest: what reactivate stores. */
int push_state_accept(const PushState *old, PushState *ret);

/* The liveness timer: nodes without an attestation for 5 × interval become TIMEOUT. */
int liveness_start(Manager *m);

/* JSON of an attestation as the v3 API shows it. */
json_object *attestation_to_json(const Attestation *a);
/* What the 202 answer shows of an attestation instead of what was stored: the stage, the
 * evidence as received, when it came; and when its challenge expired. */
typedef struct AttestationReceived {
        const char *stage;
        const char *evidence;           /* JSON text of the items with the data received */
        uint64_t received_usec, challenges_expire_usec;
} AttestationReceived;
/* The same as text, attestation_to_json()'s members in its order; with received, those
 * shown instead, and challenges_expire_at after them. */
void attestation_write(JsonWriter *w, const Attestation *a, const AttestationReceived *received);
/* The 202 answer to the evidence: the attestation of node_id as a JSON:API resource with
 * its link, what was received shown, and when to come back; NULL when out of memory. */
char *attestation_accepted(const char *node_id, const Attestation *a, const AttestationReceived *received,
                           uint64_t seconds_to_next);

/* The 201 document of a new attestation (ret_doc) and its evidence list (ret_evidence,
 * where its items end in ret_items): the items chosen in p, in the list each with the
 * capabilities that body offered for it. -ENOMEM, or the error of the request for the
 * confidential VM's report. */
int pending_document(const PendingAttestation *p, const PushCapabilities *c, json_object *body, CcKind cc_kind,
                     const Blob *aik_tpm, char **ret_doc, char **ret_evidence, EvidenceItems *ret_items);
/* p's evidence list as the 202 shows it: each item with the data of the same item of
 * body's evidence_collected; NULL when out of memory or a stored list is not one. */
char *received_evidence(const PendingAttestation *p, json_object *body, size_t size_hint);

uint64_t now_realtime_usec(void);
