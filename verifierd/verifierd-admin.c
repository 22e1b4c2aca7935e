/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "json-util.h"
#include "attest-limits.h"
#include "log.h"
#include "registration-request.h"
#include "verifierd.h"
#include "verifierd-identity.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"

/* The hostattest admin API, /admin/v1/…, answered in the v2 envelope. */

static bool is_method(Request *q, const char *method) {
        return strcmp(q->http->method, method) == 0;
}

static void list_nodes(Request *q) {
        Node **l = NULL;
        size_t n = 0;
        json_object *o, *a;

        if (storage_node_list(q->manager->storage, &l, &n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        o = json_new_with_array("nodes", &a);
        if (!o)
                goto oom;
        for (size_t i = 0; i < n; i++) {
                if (json_array_append(a, node_to_json(l[i], false)) < 0)
                        goto oom;
        }
        node_list_free(l, n);
        return reply_v2(q, 200, o);
oom:
        node_list_free(l, n);
        json_object_put(o);
        reply_error(q, 500, "oom", NULL, "Out of memory.");
}

int request_load_node(Request *q, const char *id, Node **ret) {
        int r;

        if (!agent_id_is_valid(id)) {
                reply_error(q, 400, "invalid_agent_id", NULL, "Invalid node id.");
                return -EINVAL;
        }
        r = storage_node_get(q->manager->storage, id, ret);
        if (r == -ENOENT)
                reply_error(q, 404, "not_found", NULL, "No node %s.", id);
        else if (r < 0)
                reply_error(q, 500, "storage", NULL, "Storage failure.");
        return r;
}

static void save_node(Request *q, Node *n, const char *event, const char *message_id, const char *what) {
        if (storage_node_put_policies(q->manager->storage, n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        (void) storage_event_add(q->manager->storage, n->id, event, "admin");
        log_node_admin(LOG_INFO, message_id, n->id, REQUEST_CALLER(q), "Node %s %s by the administrator.", n->id, what);
        reply_v2(q, 200, node_to_json(n, true));
}

static bool is_null(json_object *body, const char *key) {
        json_object *v;
        return json_object_object_get_ex(body, key, &v) && json_object_is_type(v, json_type_null);
}

/* One policy override of an enrol/update body: "<kind>_policy" is the content,
 * "<kind>_policy_name" a stored policy's name, either null detaches the policy.
 * Returns 1 when one was given. */
static int apply_policy(Request *q, json_object *body, const char *kind, char **digest, char **name) {
        char key[32], key_name[40], d[POLICY_DIGEST_HEX_SIZE], error[POLICY_ERROR_MAX];
        const char *content, *nm;
        char *dd = NULL, *nn = NULL;
        int r;

        (void) snprintf(key, sizeof key, "%s_policy", kind);
        (void) snprintf(key_name, sizeof key_name, "%s_policy_name", kind);
        if (is_null(body, key) || is_null(body, key_name)) {
                /* detached: dd and nn stay NULL */
        } else if (json_get_string(body, key, HTTP_ADMIN_BODY_MAX, &content) >= 0) {
                if (!*content) {
                        reply_error(q, 400, "invalid_policy", NULL, "The %s policy is empty; to detach it send null.", kind);
                        return -EINVAL;
                }
                r = policy_validate(q->manager, kind, (const uint8_t *) content, strlen(content), error, sizeof error);
                if (r < 0)
                        return policy_reply_invalid(q, kind, r, error);
                r = storage_policy_put(q->manager->storage, kind, (const uint8_t *) content, strlen(content), d);
                if (r < 0 || !(dd = strdup(d))) {
                        reply_error(q, 500, "storage", NULL, "Storage failure.");
                        return -EIO;
                }
        } else if (json_get_string(body, key_name, 64, &nm) >= 0) {
                r = policy_name_is_valid(nm) ? storage_policy_name_get(q->manager->storage, kind, nm, &dd) : -EINVAL;
                if (r < 0) {
                        reply_error(q, 400, "unknown_policy", NULL, "No %s policy named '%s'.", kind, nm);
                        return r;
                }
                nn = strdup(nm);
                if (!nn) {
                        free(dd);
                        reply_error(q, 500, "oom", NULL, "Out of memory.");
                        return -ENOMEM;
                }
        } else
                return 0;
        free(*digest);
        *digest = dd;
        free(*name);
        *name = nn;
        return 1;
}

static bool json_get_true(json_object *body, const char *key) {
        json_object *v;
        return json_object_object_get_ex(body, key, &v) && json_object_is_type(v, json_type_boolean) &&
               json_object_get_boolean(v);
}

static int apply_overrides(Request *q, json_object *body, Node *n) {
        uint64_t v;
        int r;

        if (apply_policy(q, body, "tpm", &n->tpm_policy, &n->tpm_policy_name) < 0 ||
            apply_policy(q, body, "boot", &n->boot_policy, &n->boot_policy_name) < 0 ||
            apply_policy(q, body, "runtime", &n->runtime_policy, &n->runtime_policy_name) < 0 ||
            apply_engine_policies(q, body, n) < 0)
                return -EINVAL;
        r = json_get_uint64(body, "attest_count", &v);
        if (r >= 0)
                n->attest_count = v;
        else if (r != -ENOENT)
                goto bad;
        r = json_get_uint64(body, "interval", &v);
        if (r >= 0 && v > 0)
                n->interval_sec = v;
        else if (r != -ENOENT)
                goto bad;
        return 0;
bad:
        reply_error(q, 400, "invalid_field", NULL, "attest_count and interval must be positive integers.");
        return -EINVAL;
}

static void enrol_or_update(Request *q, const char *id, bool update) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_json_ json_object *body = NULL;

        if (request_load_node(q, id, &n) < 0 || request_json(q, &body) < 0)
                return;
        if (n->state == NODE_REGISTERED)
                return reply_error(q, 409, "not_activated", NULL, "Node %s has not activated its credential yet.", id);
        if (update && n->state == NODE_ACTIVATED)
                return reply_error(q, 409, "not_enrolled", NULL, "Node %s is not enrolled; use enrol.", id);
        /* A second enrol would reset the node (defaults, verdict, counters): only when asked for. */
        if (!update && n->state != NODE_ACTIVATED && !json_get_true(body, "force"))
                return reply_error(q, 409, "already_enrolled", NULL, "Node %s is already enrolled (%s); change it with "
                                   "update, or enrol it anew with force.", id, node_state_to_string(n->state));
        if (update && json_object_object_length(body) == 0)
                return reply_error(q, 400, "nothing_to_change", NULL, "Nothing to change for node %s: give a policy, "
                                   "attest_count or interval.", id);
        if (!update && enrol_with_defaults(q->manager, n) < 0)
                return reply_error(q, 500, "enrolment_failed", NULL, "The tenant.conf defaults cannot be applied.");
        if (apply_overrides(q, body, n) < 0)
                return;
        save_node(q, n, update ? "updated" : "enrolled", update ? MESSAGE_NODE_STATE : MESSAGE_NODE_ENROLLED,
                  update ? "updated" : "enrolled");
}

static void stop_node(Request *q, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;

        if (request_load_node(q, id, &n) < 0)
                return;
        if (n->state == NODE_STOPPED)   /* idempotent: nothing changes, nothing is logged */
                return reply_v2(q, 200, node_to_json(n, true));
        if (n->state != NODE_ENROLLED)
                return reply_error(q, 409, "not_enrolled", NULL, "Node %s is %s, not ENROLLED.", id, node_state_to_string(n->state));
        n->state = NODE_STOPPED;
        save_node(q, n, "stopped", MESSAGE_NODE_STATE, "stopped");
}

void remove_node(Request *q, const char *id) {
        int r;

        if (!agent_id_is_valid(id))
                return reply_error(q, 400, "invalid_agent_id", NULL, "Invalid node id.");
        r = storage_node_delete(q->manager->storage, id);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No node %s.", id);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        (void) secret_store_delete_node(q->manager->secrets, id);
        (void) storage_event_add(q->manager->storage, id, "removed", "admin");
        log_node_admin(LOG_INFO, MESSAGE_NODE_REMOVED, id, REQUEST_CALLER(q),
                       "Node %s removed by the administrator.", id);
        reply_v2(q, 200, NULL);
}

/* The node with its latest push attestation (verdict and failures), when there is one. */
static json_object *node_with_latest(Request *q, const Node *node) {
        json_object *o = node_to_json(node, true);
        Attestation *l = NULL;
        size_t k = 0;

        if (o)
                (void) node_json_add_shared_ek(q->manager, node, o);
        if (o && storage_attestation_list(q->manager->storage, node->id, 1, &l, &k) >= 0 && k == 1) {
                json_object *a = attestation_to_json(&l[0]);
                (void) json_add_int(a, "index", (int64_t) l[0].index);
                results_attach(q->manager, node->id, &l[0], a);
                (void) json_object_object_add(o, "latest_attestation", a);
        }
        attestation_list_free(l, k);
        return o;
}

static bool route_nodes(Request *q) {
        const char *const *s = q->seg + 1;
        size_t n = q->n_seg - 1;

        if (n == 0 && is_method(q, "GET"))
                return list_nodes(q), true;
        if (n == 1 && is_method(q, "GET")) {
                _cleanup_(node_freep) Node *node = NULL;
                if (request_load_node(q, s[0], &node) >= 0)
                        reply_v2(q, 200, node_with_latest(q, node));
                return true;
        }
        if (n == 1 && is_method(q, "DELETE"))
                return remove_node(q, s[0]), true;
        if (n == 2 && is_method(q, "GET") && strcmp(s[1], "history") == 0)
                return node_history(q, s[0]), true;
        if (n >= 2 && strcmp(s[1], "secrets") == 0)
                return route_node_secrets(q, s[0], s + 2, n - 2), true;
        if (n == 2 && is_method(q, "POST")) {
                if (strcmp(s[1], "enrol") == 0 || strcmp(s[1], "update") == 0)
                        return enrol_or_update(q, s[0], strcmp(s[1], "update") == 0), true;
                if (strcmp(s[1], "stop") == 0)
                        return stop_node(q, s[0]), true;
                if (strcmp(s[1], "reactivate") == 0)
                        return node_reactivate(q, s[0]), true;
        }
        return false;
}

bool route_admin(Request *q) {
        if (q->n_seg < 2 || strcmp(q->seg[0], "v1") != 0)
                return false;
        q->seg++;
        q->n_seg--;
        if (strcmp(q->seg[0], "nodes") == 0)
                return route_nodes(q);
        if (strcmp(q->seg[0], "policies") == 0)
                return route_policies(q);
        if (strcmp(q->seg[0], "summary") == 0 && q->n_seg == 1 && is_method(q, "GET"))
                return nodes_summary(q), true;
        return false;
}
