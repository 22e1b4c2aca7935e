/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logic the storage backends share. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "storage-backend.h"

int node_from_row(const RowReader *rr, Node **ret) {
        _cleanup_(node_freep) Node *n = calloc(1, sizeof *n);
        _cleanup_free_ char *state = NULL;
        int i = 0, r = 0, s;

        assert(rr);
        if (!n)
                return -ENOMEM;
        r = r ?: rr->text(rr, i++, &n->id);
        r = r ?: rr->text(rr, i++, &state);
        r = r ?: rr->blob(rr, i++, &n->ek_tpm);
        r = r ?: rr->blob(rr, i++, &n->ekcert);
        r = r ?: rr->blob(rr, i++, &n->aik_tpm);
        r = r ?: rr->blob(rr, i++, &n->iak_tpm);
        r = r ?: rr->blob(rr, i++, &n->idevid_tpm);
        r = r ?: rr->blob(rr, i++, &n->iak_cert);
        r = r ?: rr->blob(rr, i++, &n->idevid_cert);
        r = r ?: rr->text(rr, i++, &n->mtls_cert);
        r = r ?: rr->text(rr, i++, &n->ip);
        if (r < 0)
                return r;
        n->port = (uint32_t) rr->u64(rr, i++);
        rr->fixed(rr, i++, n->auth_digest, sizeof n->auth_digest);
        n->regcount = (uint32_t) rr->u64(rr, i++);
        n->registered_usec = rr->u64(rr, i++);
        n->activated_usec = rr->u64(rr, i++);
        n->enrolled_usec = rr->u64(rr, i++);
        r = r ?: rr->text(rr, i++, &n->tpm_policy);
        r = r ?: rr->text(rr, i++, &n->boot_policy);
        r = r ?: rr->text(rr, i++, &n->runtime_policy);
        r = r ?: rr->text(rr, i++, &n->boot_policy_name);
        r = r ?: rr->text(rr, i++, &n->runtime_policy_name);
        if (r < 0)
                return r;
        n->attest_count = rr->u64(rr, i++);
        n->interval_sec = rr->u64(rr, i++);
        r = r ?: rr->text(rr, i++, &n->failure_actions);
        r = r ?: rr->text(rr, i++, &n->verdict);
        if (r < 0)
                return r;
        n->attestations_passed = rr->u64(rr, i++);
        n->last_attestation_usec = rr->u64(rr, i++);
        r = rr->text(rr, i++, &n->tpm_policy_name);
        r = r ?: rr->text(rr, i++, &n->attested_by);
        if (r < 0)
                return r;
        assert(i == NODE_N_COLUMNS);

        s = node_state_from_string(state);
        if (s < 0)
                return -EBADMSG;
        n->state = (NodeState) s;
        *ret = TAKE_PTR(n);
        return 0;
}

int node_list_complete(Storage *s, Node **l, size_t n, int (*load)(Storage *s, Node *n), Node ***ret, size_t *ret_n) {
        int r;

        assert(load);
        assert(ret && ret_n);
        for (size_t i = 0; i < n; i++) {
                r = load(s, l[i]);
                if (r < 0) {
                        node_list_free(l, n);
                        return r;
                }
        }
        *ret = l;
        *ret_n = n;
        return 0;
}
