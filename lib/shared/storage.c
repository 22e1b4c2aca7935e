/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "memory-util.h"
#include "storage.h"

static const char *const node_state_table[_NODE_STATE_MAX] = {
        [NODE_REGISTERED] = "REGISTERED",
        [NODE_ACTIVATED] = "ACTIVATED",
        [NODE_ENROLLED] = "ENROLLED",
        [NODE_STOPPED] = "STOPPED",
        [NODE_TERMINATED] = "TERMINATED",
};

const char *node_state_to_string(NodeState s) {
        return (unsigned) s < _NODE_STATE_MAX ? node_state_table[s] : NULL;
}

int node_state_from_string(const char *s) {
        for (unsigned i = 0; i < _NODE_STATE_MAX; i++)
                if (s && strcmp(s, node_state_table[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

int blob_set(Blob *b, const void *data, size_t size) {
        uint8_t *d = NULL;

        if (data && size > 0) {
                d = malloc(size);
                if (!d)
                        return -ENOMEM;
                memcpy(d, data, size);
        }
        free(b->data);
        b->data = d;
        b->size = d ? size : 0;
        return 0;
}

void blob_done(Blob *b) {
        b->data = mfree(b->data);
        b->size = 0;
}

static void node_policy_done(NodePolicy *p) {
        free(p->engine);
        free(p->digest);
        free(p->name);
        blob_done(&p->content);
        *p = (NodePolicy) {};
}

int policy_digest_hex(const uint8_t *data, size_t size, char ret[POLICY_DIGEST_HEX_SIZE]) {
        uint8_t md[32];
        _cleanup_free_ char *hex = NULL;
        int r;

        r = hash_alg_digest(hash_alg_from_tpm_id(TPM2_ALG_ID_SHA256), data ?: (const uint8_t *) "", size, md);
        if (r < 0)
                return r;
        hex = hex_encode(md, sizeof md);
        if (!hex)
                return -ENOMEM;
        memcpy(ret, hex, POLICY_DIGEST_HEX_SIZE);
        return 0;
}

int node_policy_set_content(Node *n, const char *engine, const uint8_t *data, size_t size) {
        NodePolicy *p = (NodePolicy *) node_policy_find(n, engine);
        return p ? blob_set(&p->content, data, size) : -ENOENT;
}

const NodePolicy *node_policy_find(const Node *n, const char *engine) {
        for (size_t i = 0; i < n->n_policies; i++)
                if (strcmp(n->policies[i].engine, engine) == 0)
                        return &n->policies[i];
        return NULL;
}

int node_policy_set(Node *n, const char *engine, const char *digest, const char *name) {
        NodePolicy p = { .engine = strdup(engine), .digest = strdup(digest), .name = name ? strdup(name) : NULL };
        NodePolicy *l, *old = (NodePolicy *) node_policy_find(n, engine);
        size_t at = 0;

        if (!p.engine || !p.digest || (name && !p.name)) {
                node_policy_done(&p);
                return -ENOMEM;
        }
        if (old) {
                node_policy_done(old);
                *old = p;
                return 0;
        }
        if (n->n_policies >= NODE_ENGINE_POLICIES_MAX) {
                node_policy_done(&p);
                return -E2BIG;
        }
        l = reallocarray(n->policies, n->n_policies + 1, sizeof *l);
        if (!l) {
                node_policy_done(&p);
                return -ENOMEM;
        }
        n->policies = l;
        /* Sorted by engine, so evaluation order and listings are stable. */
        while (at < n->n_policies && strcmp(l[at].engine, engine) < 0)
                at++;
        memmove(l + at + 1, l + at, (n->n_policies - at) * sizeof *l);
        l[at] = p;
        n->n_policies++;
        return 0;
}

int node_policy_remove(Node *n, const char *engine) {
        NodePolicy *p = (NodePolicy *) node_policy_find(n, engine);
        size_t at;

        if (!p)
                return -ENOENT;
        at = (size_t) (p - n->policies);
        node_policy_done(p);
        memmove(p, p + 1, (n->n_policies - at - 1) * sizeof *p);
        n->n_policies--;
        return 0;
}

Node *node_free(Node *n) {
        if (!n)
                return NULL;
        free(n->id);
        blob_done(&n->ek_tpm);
        blob_done(&n->ekcert);
        blob_done(&n->aik_tpm);
        blob_done(&n->iak_tpm);
        blob_done(&n->idevid_tpm);
        blob_done(&n->iak_cert);
        blob_done(&n->idevid_cert);
        free(n->mtls_cert);
        free(n->ip);
        free(n->tpm_policy);
        free(n->boot_policy);
        free(n->runtime_policy);
        free(n->boot_policy_name);
        free(n->runtime_policy_name);
        free(n->tpm_policy_name);
        free(n->failure_actions);
        free(n->verdict);
        free(n->attested_by);
        for (size_t i = 0; i < n->n_policies; i++)
                node_policy_done(&n->policies[i]);
        free(n->policies);
        free(n);
        return NULL;
}

void node_list_free(Node **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                node_free(l[i]);
        free(l);
}

void policy_entry_list_free(PolicyEntry *l, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(l[i].kind);
                free(l[i].name);
                free(l[i].digest);
        }
        free(l);
}

void session_done(Session *s) {
        free(s->id);
        free(s->node_id);
        *s = (Session) {};
}

void attestation_done(Attestation *a) {
        free(a->stage);
        free(a->evaluation);
        free(a->failure_reason);
        free(a->failures);
        free(a->detail);
        free(a->evidence);
        free(a->appraisal);
        *a = (Attestation) {};
}

void node_count_list_free(NodeCount *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i].verdict);
        free(l);
}

void storage_event_list_free(StorageEvent *l, size_t n) {
        for (size_t i = 0; l && i < n; i++) {
                free(l[i].kind);
                free(l[i].detail);
        }
        free(l);
}

void storage_key_list_free(StorageKey *l, size_t n) {
        for (size_t i = 0; l && i < n; i++) {
                free(l[i].name);
                (void) erase_and_free_size(l[i].pem.data, l[i].pem.size);   /* private keys */
        }
        free(l);
}

void attestation_list_free(Attestation *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                attestation_done(&l[i]);
        free(l);
}

void push_state_done(PushState *p) {
        blob_done(&p->clock);
        blob_done(&p->enrolment_clock);
        blob_done(&p->ima_state);
        blob_done(&p->ima_state_latest);
        *p = (PushState) {};
}

size_t storage_verdict_commit_each(Storage *s, const VerdictCommit *c, size_t n, int *results) {
        size_t stored = 0;
        int r;

        assert(results || n == 0);
        r = storage_verdict_commit(s, c, n);
        if (r >= 0 || n == 1) {
                for (size_t i = 0; i < n; i++)
                        results[i] = r;
                return r >= 0 ? n : 0;
        }
        for (size_t i = 0; i < n; i++) {
                results[i] = storage_verdict_commit(s, &c[i], 1);
                stored += results[i] >= 0;
        }
        return stored;
}

/* Where the reads cost no round trips (SQLite): the point reads in one read transaction,
 * then the take, which such a backend leaves to the one instance's memory. */
static int evidence_claim_composed(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec,
                                   Node **ret_node, PushState *ret_ps) {
        _cleanup_(storage_read_endp) Storage *reading = storage_read_begin(s);
        _cleanup_(node_freep) Node *n = NULL;
        PushState ps = {};
        Session session = {};
        Blob taken = {};
        uint64_t expires;
        bool ok;
        int r;

        r = storage_session_get(s, c->session_id, &session);
        if (r < 0)
                return r == -ENOENT ? -EACCES : r;
        ok = session.has_token && strcmp(session.node_id, c->node_id) == 0 && session.expires_usec >= c->now_usec &&
             memcmp_const_time(session.token_digest, c->token_digest, sizeof session.token_digest) == 0;
        expires = session.expires_usec;
        session_done(&session);
        if (!ok)
                return -EACCES;
        r = storage_node_get(s, c->node_id, &n);
        if (r < 0)
                return r;
        r = storage_push_state_get(s, c->node_id, &ps);
        if (r < 0 && r != -ENOENT)
                return r;
        reading = storage_read_end(reading);
        r = storage_pending_take(s, c->node_id, c->index, &c->prefix, &taken);
        blob_done(&taken);
        if (r < 0 && r != -EOPNOTSUPP) {
                push_state_done(&ps);
                return r == -ENOENT ? -ESTALE : r;
        }
        *ret_session_expires_usec = expires;
        *ret_node = TAKE_PTR(n);
        *ret_ps = ps;
        return 0;
}

int storage_evidence_claim(Storage *s, const EvidenceClaim *c, uint64_t *ret_session_expires_usec, Node **ret_node,
                           PushState *ret_ps) {
        if (s->ops->evidence_claim)
                return s->ops->evidence_claim(s, c, ret_session_expires_usec, ret_node, ret_ps);
        return evidence_claim_composed(s, c, ret_session_expires_usec, ret_node, ret_ps);
}

int storage_batch_run(Storage *s, const StorageBatch *b) {
        if (s->ops->batch_run)
                return s->ops->batch_run(s, b);
        for (size_t i = 0; i < b->n_claims; i++) {
                EvidenceClaimResult *ret = &b->results[i];

                *ret = (EvidenceClaimResult) {};
                ret->r = storage_evidence_claim(s, &b->claims[i], &ret->session_expires_usec, &ret->node,
                                                &ret->push_state);
        }
        return 0;
}
