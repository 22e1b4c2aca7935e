/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operator's reactivate (attestctl reactivate, PUT /v2.N/agents/{id}/reactivate):
 * a stopped or terminated node attests again, and a failed one is taken as it
 * is now. A failure otherwise stays: each attestation replays and evaluates
 * the IMA entries since the last pass of the boot again. Reactivate accepts
 * the entries up to the last validated attestation, so they are not evaluated
 * again; what the node measures afterwards, its boot log and its PCRs are
 * evaluated as always, and a failure that is still there comes back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"
#include "verifierd-push.h"

/* The node row after reactivate: attesting, and no longer FAIL until its next attestation. */
static int reactivated_node(Node *n) {
        char *v;

        if (n->state == NODE_STOPPED || n->state == NODE_TERMINATED) {
                node_mark_enrolled(n, n->attest_count, n->interval_sec);
                return n->verdict ? 0 : -ENOMEM;
        }
        if (!n->verdict || strcmp(n->verdict, "FAIL") != 0)
                return 0;
        v = strdup("PENDING");
        if (!v)
                return -ENOMEM;
        free(n->verdict);
        n->verdict = v;
        return 0;
}

void node_reactivate(Request *q, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_(push_state_done) PushState old = {}, next = {};
        Manager *m = q->manager;
        NodeRuntime *rt;
        bool have_state;
        int r;

        if (request_load_node(q, id, &n) < 0)
                return;
        if (n->state != NODE_ENROLLED && n->state != NODE_STOPPED && n->state != NODE_TERMINATED)
                return reply_error(q, 409, "not_enrolled", NULL, "Node %s is %s, not enrolled.", id,
                                   node_state_to_string(n->state));
        /* A verdict being stored would write the old anchor back. */
        rt = node_table_get(&m->push.nodes, id);
        if (rt && rt->committing) {
                reply_error(q, 503, "busy", NULL, "A verdict of node %s is being stored. Retry after 1 s.", id);
                q->resp->retry_after = 1;
                return;
        }
        r = storage_push_state_get(m->storage, id, &old);
        have_state = r >= 0;
        if (r < 0 && r != -ENOENT)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        r = have_state ? push_state_accept(&old, &next) : 0;
        r = r ?: reactivated_node(n);
        r = r ?: storage_verdict_commit(m->storage, &(VerdictCommit) {
                        .node = n, .push_state = have_state ? &next : NULL,
                        .event_kind = "reactivated", .event_detail = "admin" }, 1);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        /* Its IMA offset was chosen from the old anchor. */
        if (rt)
                node_runtime_set_pending(&m->push.nodes, rt, false);
        log_node_admin(LOG_INFO, MESSAGE_NODE_STATE, id, REQUEST_CALLER(q),
                       "Node %s reactivated by the administrator: its measurements so far are accepted.", id);
        reply_v2(q, 200, node_to_json(n, true));
}
