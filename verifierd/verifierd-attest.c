/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* POST/PATCH/GET /v3.0/agents/{id}/attestations: parameters chosen from the
 * node's capabilities and policies, then evidence to a durable verdict.
 *
 * The evidence (PATCH) is one pipeline, each step in one place:
 *   receive       http-server.c: the body, within the limits decided from the headers
 *                 (http_admit(): evidence_expected() for an attestation issued here)
 *   authenticate  evidence_claim(): the body checked against the attestation issued here,
 *                 then one claim: bearer token, the nonce taken, the node row and push
 *                 state (one round trip, on PostgreSQL shared with the other requests
 *                 of the event loop's turn: round_trip_wait_claim(), evidence_claimed());
 *                 else, for one issued by another instance, evidence_elsewhere():
 *                 load_caller_node() (bearer token, node row), the body, pending_claim()
 *   validate      verdict_queue() then validate_and_evaluate() in verifierd-verdict.c:
 *                 quote, logs
 *   evaluate      the same, evaluate(): the node's policy engines
 *   commit        verdict_flush(): one transaction for every verdict queued meanwhile
 *   answer        on_verdict(): 202 only once the verdict is committed, else 503 */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>
#include <tss2/tss2_tpm2_types.h>

#include "attest-verdict.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "parse-util.h"
#include "registration-request.h"
#include "tpm2-public.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-push.h"

#define ATTESTATIONS_LIST_MAX 100u

static void reply_retry(Request *q, unsigned status, const char *code, uint64_t seconds, const char *what) {
        reply_error(q, status, code, NULL, "%s Retry after %llu s.", what, (unsigned long long) seconds);
        q->resp->retry_after = (unsigned) (seconds < 1 ? 1 : seconds > 86400 ? 86400 : seconds);
}

/* The node of the path, for a node with a valid bearer token or an admin. */
static int load_caller_node(Request *q, const char *id, bool allow_admin, char **ret_session,
                            uint64_t *ret_session_expires_usec, Node **ret) {
        int r;

        if (!agent_id_is_valid(id)) {
                reply_error(q, 400, "invalid_agent_id", NULL, "Invalid node id.");
                return -EINVAL;
        }
        if (!(allow_admin && q->admin)) {
                r = session_authenticate_expiry(q, id, ret_session, ret_session_expires_usec);
                if (r < 0) {
                        reply_error(q, r == -EACCES ? 401 : 500, r == -EACCES ? "unauthorized" : "storage", NULL,
                                    r == -EACCES ? "Missing, invalid or expired bearer token." : "Storage failure.");
                        return r;
                }
        }
        return request_load_node(q, id, ret);
}

/* What the node's policies need from an attestation. */
static void policy_needs(Manager *m, const Node *n, uint32_t *ret_needs, uint32_t *ret_mask) {
        PolicyRef refs[NODE_POLICY_REFS_MAX];
        size_t k = node_policy_refs(n, refs);
        uint32_t needs = ATTEST_NEED_QUOTE, mask = 0;

        /* Each engine declares what its compiled policy needs (AttestRequirements). */
        for (size_t i = 0; i < k; i++) {
                const PolicySlot *s = push_policy(m, refs[i].kind, refs[i].digest);
                if (!s || !s->compiled)
                        continue;
                needs |= s->compiled->requirements.needs;
                mask |= s->compiled->requirements.pcr_mask;
        }
        if (needs & ATTEST_NEED_IMA_LOG)
                mask |= UINT32_C(1) << IMA_PCR_INDEX;
        *ret_needs = needs;
        *ret_mask = mask ?: UINT32_C(1);        /* a quote needs one PCR */
}

static uint16_t choose_sig_scheme(const Node *n, NodeRuntime *rt, uint32_t offered) {
        EVP_PKEY *key;
        uint16_t type, want;

        if (node_runtime_ak(rt, &n->aik_tpm, &key, &type) < 0)
                return 0;
        want = type == TPM2_ALG_ECC ? TPM2_ALG_ECDSA : TPM2_ALG_RSASSA;
        if (type == TPM2_ALG_RSA && !(offered & TPM2_ALG_BIT(want)) && (offered & TPM2_ALG_BIT(TPM2_ALG_RSAPSS)))
                want = TPM2_ALG_RSAPSS;
        return offered & TPM2_ALG_BIT(want) ? want : 0;
}

/* Picks bank, PCRs, algorithms and logs; 0 or an HTTP status with the reason in *ret_what. */
static unsigned choose_parameters(Manager *m, const Node *n, NodeRuntime *rt, const PushCapabilities *c,
                                  PendingAttestation *p, const char **ret_what) {
        const PushBank *best = NULL;
        uint32_t needs, mask;

        policy_needs(m, n, &needs, &mask);
        for (size_t i = 0; i < c->n_banks; i++) {
                const PushBank *b = &c->banks[i];
                if ((b->pcr_mask & mask) != mask)
                        continue;
                if (!best || b->alg->tpm_alg_id == TPM2_ALG_SHA256)
                        best = b;
        }
        if (!best)
                return *ret_what = "no offered bank holds the PCRs the policies need", 422;
        p->bank = best->alg;
        p->pcr_mask = mask;
        p->hash_alg = (c->hash_mask & TPM2_ALG_BIT(TPM2_ALG_SHA256)) ? TPM2_ALG_SHA256 :
                      (c->hash_mask & TPM2_ALG_BIT(best->alg->tpm_alg_id)) ? best->alg->tpm_alg_id : 0;
        if (p->hash_alg == 0)
                return *ret_what = "no usable hash algorithm offered", 422;
        p->sig_scheme = choose_sig_scheme(n, rt, c->sig_mask);
        if (p->sig_scheme == 0)
                return *ret_what = "no signature scheme offered that fits the AK", 422;
        p->uefi = needs & ATTEST_NEED_UEFI_LOG;
        p->ima = needs & ATTEST_NEED_IMA_LOG;
        if ((p->uefi && !c->uefi_log) || (p->ima && !c->ima_log))
                return *ret_what = "the policies need a log the node does not offer", 422;
        return 0;
}

/* IMA starting_offset: 0 on the first attestation of a boot, else where the
 * last validated attestation's certified entries ended. */
static void choose_ima_offset(const PushState *ps, bool have_state, uint64_t boot_time, PendingAttestation *p) {
        ImaReplayState s;

        p->ima_fresh = !have_state || ps->ima_restart || boot_time > ps->boot_time ||
                       push_ima_state_decode(&ps->ima_state, &s) < 0;
        p->ima_offset = p->ima_fresh ? 0 : s.n_entries;
}

/* 0 when the node may start an attestation now; else the answer was given. */
static int check_may_attest(Request *q, const Node *n, NodeRuntime *rt, uint64_t now) {
        Manager *m = q->manager;
        uint64_t interval = (n->interval_sec ?: DEFAULT_INTERVAL_SEC) * 1000000ULL;

        if (n->state == NODE_TERMINATED)
                return reply_error(q, 410, "terminated", NULL, "Node %s has completed its attestations.", n->id), -1;
        if (n->state != NODE_ENROLLED)
                return reply_error(q, 403, "not_enrolled", NULL, "Node %s is %s.", n->id, node_state_to_string(n->state)), -1;
        if (rt->committing)
                return reply_retry(q, 503, "busy", 1, "The previous verdict is being stored."), -1;
        if (rt->has_pending && rt->pending.expires_usec >= now)
                return reply_error(q, 409, "conflict", NULL, "An attestation of node %s awaits evidence.", n->id), -1;
        if (m->stopping || m->push.nodes.n_pending >= m->config.max_pending)
                return reply_retry(q, 503, "busy", 1, "The verifier is busy."), -1;
        if (n->last_attestation_usec > 0 && now < n->last_attestation_usec + interval)
                return reply_retry(q, 429, "too_early", (n->last_attestation_usec + interval - now + 999999) / 1000000,
                                   "Too early for the next attestation."), -1;
        return 0;
}

static void attestation_create(Request *q, const char *id) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_(push_state_done) PushState ps = {};
        _cleanup_(storage_read_endp) Storage *reading = NULL;
        PushCapabilities caps = {};
        PendingAttestation p = {};
        NodeRuntime *rt;
        PushError e = {};
        const char *what = NULL;
        CcKind cc_kind = CC_KIND_NONE;
        char location[512];
        unsigned status;
        uint64_t now = now_realtime_usec();
        int r;

        if (round_trip_wait_session(q))
                return;
        /* The session, the node row and its push state from one snapshot. */
        reading = storage_read_begin(q->manager->storage);
        if (load_caller_node(q, id, false, NULL, NULL, &n) < 0)
                return;
        if (node_table_ensure(&q->manager->push.nodes, id, &rt) < 0)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        /* Its evidence went to another instance, which stored a verdict since; or it is
         * another instance's, read here for a request that was refused. */
        if (rt->has_pending && (n->last_attestation_usec >= rt->pending.created_usec || rt->pending.adopted))
                node_runtime_set_pending(&q->manager->push.nodes, rt, false);
        if (check_may_attest(q, n, rt, now) < 0)
                return;
        if (request_json(q, &body) < 0)
                return;
        if (push_capabilities_parse(body, &caps, &e) < 0)
                return reply_error(q, 400, "invalid_field", e.pointer, "Invalid capabilities: %s.", e.what);
        status = choose_parameters(q->manager, n, rt, &caps, &p, &what);
        if (!status)
                status = cc_choose(q->manager, n, &caps, &cc_kind, &what);
        if (status)
                return reply_error(q, status, "unsupported_capabilities", "/data/attributes/evidence_supported", "%s.", what);
        r = storage_push_state_get(q->manager->storage, id, &ps);
        reading = storage_read_end(reading);
        if (r < 0 && r != -ENOENT)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        choose_ima_offset(&ps, r >= 0, caps.boot_time, &p);
        p.index = r >= 0 ? ps.next_index : 0;
        p.boot_time = caps.boot_time;
        /* Authenticated above: its evidence is admitted by this digest (evidence_expected()). */
        (void) session_bearer(q, NULL, p.token_digest);
        p.created_usec = now;
        p.expires_usec = now + q->manager->config.challenge_lifetime_sec * 1000000ULL;
        if (RAND_bytes(p.nonce, sizeof p.nonce) != 1)
                return reply_error(q, 500, "random", NULL, "No randomness.");

        (void) snprintf(location, sizeof location, "/v3.0/agents/%s/attestations/%llu", id, (unsigned long long) p.index);
        _cleanup_free_ char *doc = NULL;
        r = pending_document(&p, &caps, body, cc_kind, &n->aik_tpm, &doc, &p.evidence, &p.items);
        if (r < 0)
                return reply_error(q, 500, r == -ENOMEM ? "oom" : "cc", NULL, "%s", r == -ENOMEM ? "Out of memory." :
                                   "Cannot request the confidential-computing report.");
        q->resp->content_type = "application/vnd.api+json";
        (void) http_response_set(q->resp, 201, TAKE_PTR(doc));
        q->resp->location = strdup(location);
        node_runtime_set_pending(&q->manager->push.nodes, rt, false);  /* an expired one */
        rt->pending = p;
        node_runtime_set_pending(&q->manager->push.nodes, rt, true);
        pending_publish(q->manager, id, &rt->pending);
}

/* 0 when index names the pending attestation; else the answer was given. */
static int check_evidence_target(Request *q, const Node *n, NodeRuntime *rt, uint64_t index) {
        Attestation a = {};
        int r;

        if (rt && rt->has_pending && rt->pending.index == index) {
                if (rt->pending.expires_usec >= now_realtime_usec())
                        return 0;
                node_runtime_set_pending(&q->manager->push.nodes, rt, false);
                return reply_error(q, 403, "challenges_expired", NULL, "The attestation's challenge has expired."), -1;
        }
        r = storage_attestation_get(q->manager->storage, n->id, index, &a);
        attestation_done(&a);
        if (r >= 0)
                return reply_error(q, 403, "evidence_immutable", NULL, "Attestation %llu already has its evidence.",
                                   (unsigned long long) index), -1;
        if (r != -ENOENT)
                return reply_error(q, 500, "storage", NULL, "Storage failure."), -1;
        if (rt && rt->has_pending && index < rt->pending.index)
                return reply_error(q, 403, "old_attestation", NULL, "Attestation %llu is not the current one.",
                                   (unsigned long long) index), -1;
        return reply_error(q, 404, "not_found", NULL, "No attestation %llu awaits evidence.", (unsigned long long) index), -1;
}

/* What the 202 answer repeats of the evidence, kept until the verdict is stored. */
typedef struct EvidenceAck {
        HttpDeferred *deferred;
        char node_id[AGENT_ID_MAX + 1];
        char *evidence;                 /* JSON text: the requested items with the data received */
        uint64_t challenges_expire_usec, received_usec;
} EvidenceAck;

static EvidenceAck *evidence_ack_free(EvidenceAck *k) {
        if (k) {
                free(k->evidence);
                free(k);
        }
        return NULL;
}

static EvidenceAck *evidence_ack_new(HttpDeferred *d, const char *id, const PendingAttestation *p, json_object *body,
                                     size_t body_size) {
        EvidenceAck *k = calloc(1, sizeof *k);

        if (!k)
                return NULL;
        *k = (EvidenceAck) { .deferred = d, .challenges_expire_usec = p->expires_usec, .received_usec = now_realtime_usec() };
        (void) snprintf(k->node_id, sizeof k->node_id, "%s", id);
        k->evidence = received_evidence(p, body, body_size);
        return k->evidence ? k : evidence_ack_free(k);
}

/* An attestation as a JSON:API resource with its link. */
static json_object *resource(const char *node_id, const Attestation *a) {
        json_object *o = json_object_new_object(), *links = json_object_new_object();
        char idx[24], self[AGENT_ID_MAX + 64];

        if (!o || !links) {
                json_object_put(o);
                json_object_put(links);
                return NULL;
        }
        (void) snprintf(idx, sizeof idx, "%llu", (unsigned long long) a->index);
        (void) snprintf(self, sizeof self, "/v3.0/agents/%s/attestations/%s", node_id, idx);
        (void) json_add_string(o, "type", "attestation");
        (void) json_add_string(o, "id", idx);
        (void) json_object_object_add(o, "attributes", attestation_to_json(a));
        (void) json_add_string(links, "self", self);
        (void) json_object_object_add(o, "links", links);
        return o;
}

/* The 202 answer: Keylime's acknowledgement of the evidence (the items with
 * their capabilities, parameters and data, the times, when to come back),
 * sent once the verdict is stored, which it carries as well. Its evidence list
 * is k's, with the data received: the stored text is not parsed again. */
static char *evidence_answer(const EvidenceAck *k, const Attestation *a, const Node *n) {
        return attestation_accepted(k->node_id, a,
                                    &(const AttestationReceived) {
                                            .stage = "evaluating_evidence",
                                            .evidence = k->evidence,
                                            .received_usec = k->received_usec,
                                            .challenges_expire_usec = k->challenges_expire_usec,
                                    },
                                    n->interval_sec ?: DEFAULT_INTERVAL_SEC);
}

/* After the group commit: 202 with the verdict only once it is committed; when the
 * commit failed (or its outcome is unknown) 503, nothing claimed stored, and the node
 * attests again. */
static void on_verdict(Manager *m, int r, const Attestation *a, const Node *n, void *userdata) {
        HttpResponse resp = { .content_type = "application/vnd.api+json" };
        EvidenceAck *k = userdata;
        char *doc = r >= 0 ? evidence_answer(k, a, n) : NULL;

        if (r < 0) {
                (void) http_response_set(&resp, 503, json_v3_error(503, "verdict", "Service Unavailable",
                                                                   "The verdict could not be stored.", NULL));
                resp.retry_after = 1;
        } else if (!doc)
                (void) http_response_set(&resp, 500, json_v3_error(500, "verdict", "Internal Server Error",
                                                                   "The verdict could not be answered.", NULL));
        else
                (void) http_response_set(&resp, 202, TAKE_PTR(doc));
        free(doc);
        /* Counted here: the request was deferred when its handler returned. */
        metrics_request(&m->metrics, "PATCH", (const char *const[]) { "v3.0", "agents", k->node_id, "attestations", "" },
                        5, resp.status);
        http_deferred_complete(k->deferred, &resp);
        evidence_ack_free(k);
}

/* The checks of the evidence against the pending attestation, which need no storage;
 * 0, else the answer was given (and nothing used up). */
static int evidence_check(Request *q, const PendingAttestation *pending, json_object **ret_body, PushEvidence *ret) {
        const char *what = "Evidence misses a requested log.";
        PushError e = {};

        if (request_json(q, ret_body) < 0)
                return -1;
        if (push_evidence_parse(*ret_body, ret, &e) < 0)
                return reply_error(q, 400, "invalid_evidence", e.pointer, "Invalid evidence: %s.", e.what), -1;
        if (!(pending->uefi && !ret->has_uefi) && !(pending->ima && !ret->has_ima) &&
            cc_evidence_check(pending->evidence, ret, &what) >= 0)
                return 0;
        push_evidence_done(ret);
        return reply_error(q, 400, "invalid_evidence", "/data/attributes/evidence_collected", "%s", what), -1;
}

/* The nonce of rt's pending attestation is used up whatever the outcome: the verdict joins
 * the next group commit, the answer waits for it. Takes n and ev. */
static void evidence_queue(Request *q, const char *id, NodeRuntime *rt, Node *n, json_object *body, PushEvidence *ev,
                           PushState *ps, const char *session, uint64_t session_expires_usec) {
        PendingAttestation p = rt->pending;
        int r;

        rt->pending.evidence = NULL;
        node_runtime_set_pending(&q->manager->push.nodes, rt, false);
        HttpDeferred *d = http_request_defer(q->http);
        EvidenceAck *k = evidence_ack_new(d, id, &p, body, q->http->body_size);
        r = k ? verdict_queue(q->manager, n, rt, &p, ev, ps, session, session_expires_usec, on_verdict, k) : -ENOMEM;
        if (!k)
                node_free(n);
        push_evidence_done(ev);
        free(p.evidence);
        if (r < 0) {
                HttpResponse resp = { .content_type = "application/vnd.api+json" };
                (void) http_response_set(&resp, 500, json_v3_error(500, "verdict", "Internal Server Error",
                                                                   "The evidence could not be evaluated.", NULL));
                http_deferred_complete(d, &resp);
                evidence_ack_free(k);
        }
}

/* The node's attestation of index when it was issued here, not expired, to the request's
 * bearer token; NULL otherwise. */
static NodeRuntime *issued_here(Request *q, const char *id, uint64_t index, char sid[static SESSION_ID_HEX_MAX + 1],
                                uint8_t digest[static SESSION_TOKEN_DIGEST_SIZE]) {
        NodeRuntime *rt;

        if (!agent_id_is_valid(id) || session_bearer(q, sid, digest) < 0)
                return NULL;
        rt = node_table_get(&q->manager->push.nodes, id);
        if (!rt || !rt->has_pending || rt->pending.adopted || rt->pending.index != index ||
            rt->pending.expires_usec < now_realtime_usec())
                return NULL;
        return memcmp_const_time(digest, rt->pending.token_digest, SESSION_TOKEN_DIGEST_SIZE) == 0 ? rt : NULL;
}

bool evidence_expected(Request *q, const char *node_id, const char *index_s) {
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        char sid[SESSION_ID_HEX_MAX + 1];
        uint64_t index;

        return safe_atou64(index_s, &index) >= 0 && issued_here(q, node_id, index, sid, digest);
}

/* What the evidence for an attestation issued here keeps across the round trip of its
 * claim (round_trip_wait_claim()): the body checked, and what the claim names. */
typedef struct EvidenceKept {
        json_object *body;
        PushEvidence ev;
        char session[SESSION_ID_HEX_MAX + 1];
        char node_id[AGENT_ID_MAX + 1];
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        uint8_t prefix[PENDING_PREFIX_SIZE];
        uint64_t index;
        EvidenceClaimResult result;
} EvidenceKept;

static void evidence_kept_free(void *p) {
        EvidenceKept *k = p;

        if (!k)
                return;
        json_object_put(k->body);
        push_evidence_done(&k->ev);
        node_free(k->result.node);
        push_state_done(&k->result.push_state);
        free(k);
}

static void evidence_kept_freep(EvidenceKept **k) {
        evidence_kept_free(*k);
}

/* After the claim: whatever is refused now has used the nonce up. */
static void evidence_claimed(Request *q, EvidenceKept *k) {
        NodeRuntime *rt = node_table_get(&q->manager->push.nodes, k->node_id);
        int r = k->result.r;

        if (r == -EACCES)
                return reply_error(q, 401, "unauthorized", NULL, "Missing, invalid or expired bearer token.");
        /* Replaced while the claim was on its way (it had expired, and the node asked again). */
        if (!rt || !rt->has_pending || rt->pending.index != k->index || rt->pending.adopted)
                return reply_error(q, 403, "challenges_expired", NULL, "The attestation's challenge has expired.");
        if (r >= 0 && k->result.node->state == NODE_TERMINATED)
                r = -ESHUTDOWN;
        if (r < 0) {
                node_runtime_set_pending(&q->manager->push.nodes, rt, false);
                if (r == -ESHUTDOWN)
                        return reply_error(q, 410, "terminated", NULL, "Node %s has completed its attestations.",
                                           k->node_id);
                if (r == -ESTALE)
                        return reply_error(q, 403, "evidence_immutable", NULL, "Attestation %llu already has its evidence.",
                                           (unsigned long long) k->index);
                if (r == -ENOENT)
                        return reply_error(q, 404, "not_found", NULL, "No node %s.", k->node_id);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        rt->pending.claimed = true;
        evidence_queue(q, k->node_id, rt, TAKE_PTR(k->result.node), k->body, &k->ev, &k->result.push_state, k->session,
                       k->result.session_expires_usec);
}

/* The evidence for an attestation issued here: checked against it, then one round trip
 * (shared with the other requests of this turn where that saves one) authenticates, takes
 * the nonce and reads the node row and the push state. */
static void evidence_claim(Request *q, const char *id, NodeRuntime *rt, const char *sid, const uint8_t *digest) {
        _cleanup_(evidence_kept_freep) EvidenceKept *k = calloc(1, sizeof *k);
        EvidenceClaim claim;

        if (!k)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        if (evidence_check(q, &rt->pending, &k->body, &k->ev) < 0)
                return;
        (void) snprintf(k->session, sizeof k->session, "%s", sid);
        (void) snprintf(k->node_id, sizeof k->node_id, "%s", id);
        memcpy(k->digest, digest, sizeof k->digest);
        pending_prefix(&rt->pending, k->prefix);
        k->index = rt->pending.index;
        claim = (EvidenceClaim) {
                .session_id = k->session, .node_id = k->node_id, .token_digest = k->digest,
                .index = k->index, .now_usec = now_realtime_usec(),
                .prefix = { .data = k->prefix, .size = sizeof k->prefix },
        };
        if (round_trip_wait_claim(q, &claim, &k->result)) {
                http_request_keep(q->http, TAKE_PTR(k), evidence_kept_free);
                return;
        }
        k->result.r = storage_evidence_claim(q->manager->storage, &claim, &k->result.session_expires_usec,
                                             &k->result.node, &k->result.push_state);
        evidence_claimed(q, k);
}

/* The evidence for an attestation issued by another instance (or none): the target is
 * checked against the storage before the body, and the nonce taken after. */
static void evidence_elsewhere(Request *q, const char *id, uint64_t index) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_free_ char *session = NULL;
        _cleanup_(push_state_done) PushState ps = {};
        _cleanup_(storage_read_endp) Storage *reading = NULL;
        uint64_t session_expires_usec = 0;
        PushEvidence ev = {};
        NodeRuntime *rt;
        int r;

        /* The session, the node row and its push state from one snapshot. */
        reading = storage_read_begin(q->manager->storage);
        if (load_caller_node(q, id, false, &session, &session_expires_usec, &n) < 0)
                return;
        if (n->state == NODE_TERMINATED)
                return reply_error(q, 410, "terminated", NULL, "Node %s has completed its attestations.", id);
        rt = node_table_get(&q->manager->push.nodes, id);
        /* Issued by another instance: taken over from the storage, read again by each request
         * (the issuer may have replaced it since an earlier one here was refused). */
        if (!(rt && rt->has_pending && rt->pending.index == index && !rt->pending.adopted))
                (void) pending_adopt(q->manager, id, index, &rt);
        if (check_evidence_target(q, n, rt, index) < 0)
                return;
        if (evidence_check(q, &rt->pending, &body, &ev) < 0)
                return;
        r = storage_push_state_get(q->manager->storage, id, &ps);
        reading = storage_read_end(reading);
        if (r < 0 && r != -ENOENT) {
                push_evidence_done(&ev);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        r = pending_claim(q->manager, id, &rt->pending);
        if (r < 0) {
                push_evidence_done(&ev);
                node_runtime_set_pending(&q->manager->push.nodes, rt, false);
                if (r == -ESTALE)
                        return reply_error(q, 403, "evidence_immutable", NULL, "Attestation %llu already has its evidence.",
                                           (unsigned long long) index);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        evidence_queue(q, id, rt, TAKE_PTR(n), body, &ev, &ps, session, session_expires_usec);
}

static void attestation_evidence(Request *q, const char *id, const char *index_s) {
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        char sid[SESSION_ID_HEX_MAX + 1];
        NodeRuntime *rt;
        uint64_t index;

        if (safe_atou64(index_s, &index) < 0)
                return reply_error(q, 404, "not_found", NULL, "No such attestation.");
        if (q->http->runs > 0 && http_request_kept(q->http))
                return evidence_claimed(q, http_request_kept(q->http));
        rt = issued_here(q, id, index, sid, digest);
        if (rt)
                return evidence_claim(q, id, rt, sid, digest);
        evidence_elsewhere(q, id, index);
}

static void attestation_show(Request *q, const char *id, const char *which) {
        _cleanup_(node_freep) Node *n = NULL;
        Attestation *l = NULL;
        size_t k = 0;
        uint64_t index = 0;
        int r;

        if (load_caller_node(q, id, true, NULL, NULL, &n) < 0)
                return;
        if (which && strcmp(which, "latest") != 0 && safe_atou64(which, &index) < 0)
                return reply_error(q, 404, "not_found", NULL, "No such attestation.");
        if (which && strcmp(which, "latest") != 0) {
                l = calloc(1, sizeof *l);
                r = l ? storage_attestation_get(q->manager->storage, id, index, l) : -ENOMEM;
                k = r >= 0;
        } else
                r = storage_attestation_list(q->manager->storage, id, which ? 1 : ATTESTATIONS_LIST_MAX, &l, &k);
        if (r == -ENOENT || (r >= 0 && which && k == 0)) {
                attestation_list_free(l, 0);
                return reply_error(q, 404, "not_found", NULL, "No such attestation.");
        }
        if (r < 0) {
                attestation_list_free(l, 0);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        json_object *doc = json_object_new_object(), *data;
        if (which) {
                data = resource(id, &l[0]);
                results_attach(q->manager, id, &l[0], json_object_object_get(data, "attributes"));
        } else {
                data = json_object_new_array();
                for (size_t i = 0; i < k; i++)
                        (void) json_object_array_add(data, resource(id, &l[i]));
        }
        attestation_list_free(l, k);
        (void) json_object_object_add(doc, "data", data);
        q->resp->content_type = "application/vnd.api+json";
        (void) http_response_set(q->resp, 200, strdup(json_object_to_json_string_ext(doc, JSON_TEXT_PLAIN)));
        json_object_put(doc);
}

bool route_attestations(Request *q) {
        const char *m = q->http->method;

        if (q->major != 3 || q->n_seg < 3 || q->n_seg > 4 || strcmp(q->seg[0], "agents") != 0 ||
            strcmp(q->seg[2], "attestations") != 0)
                return false;
        if (q->n_seg == 3 && strcmp(m, "POST") == 0)
                return attestation_create(q, q->seg[1]), true;
        if (q->n_seg == 4 && strcmp(m, "PATCH") == 0)
                return attestation_evidence(q, q->seg[1], q->seg[3]), true;
        if (strcmp(m, "GET") == 0)
                return attestation_show(q, q->seg[1], q->n_seg == 4 ? q->seg[3] : NULL), true;
        reply_error(q, 405, "method_not_allowed", NULL, "Use POST, PATCH or GET.");
        return true;
}
