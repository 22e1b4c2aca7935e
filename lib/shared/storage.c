/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
        free(n->failure_actions);
        free(n->verdict);
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
        *a = (Attestation) {};
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
        *p = (PushState) {};
}
