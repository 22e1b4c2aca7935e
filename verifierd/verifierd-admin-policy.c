/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "json-util.h"
#include "log.h"
#include "verifierd.h"
#include "verifierd-policy.h"

static bool is_method(Request *q, const char *method) {
        return strcmp(q->http->method, method) == 0;
}

static void list_policies(Request *q) {
        PolicyEntry *l = NULL;
        size_t n = 0;
        json_object *o = NULL, *a = NULL;

        if (storage_policy_list(q->manager->storage, &l, &n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        o = json_new_with_array("policies", &a);
        if (!o)
                goto oom;
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_new_object();

                if (json_array_append(a, p) < 0)
                        goto oom;
                if (json_add_string(p, "kind", l[i].kind) < 0 || json_add_string(p, "name", l[i].name) < 0 ||
                    json_add_string(p, "digest", l[i].digest) < 0 || json_add_int(p, "size", (int64_t) l[i].size) < 0 ||
                    json_add_int(p, "nodes", (int64_t) l[i].n_nodes) < 0)
                        goto oom;
        }
        policy_entry_list_free(l, n);
        return reply_v2(q, 200, o);
oom:
        policy_entry_list_free(l, n);
        json_object_put(o);
        reply_error(q, 500, "oom", NULL, "Out of memory.");
}

/* Stores the content and names it; a name is never silently repointed. */
int policy_add(Request *q, const char *kind, const char *name, const uint8_t *data, size_t size, bool replace) {
        char digest[POLICY_DIGEST_HEX_SIZE], error[POLICY_ERROR_MAX];
        int r;

        if (q->http->body_too_large) {
                reply_error(q, 413, "body_too_large", NULL, "Policy too large.");
                return -E2BIG;
        }
        r = policy_validate(q->manager, kind, data, size, error, sizeof error);
        if (r < 0)
                return policy_reply_invalid(q, kind, r, error);
        r = storage_policy_put(q->manager->storage, kind, data, size, digest);
        if (r >= 0)
                r = storage_policy_name_set(q->manager->storage, kind, name, digest, replace);
        if (r == -EEXIST) {
                reply_error(q, 409, "exists", NULL, "A %s policy named '%s' exists.", kind, name);
                return r;
        }
        if (r < 0) {
                reply_error(q, 500, "storage", NULL, "Storage failure.");
                return r;
        }
        log_admin(LOG_INFO, REQUEST_CALLER(q), "Stored %s policy '%s' (sha256 %s).", kind, name, digest);
        return 0;
}

/* A new content for an existing name, checked by its engine like an addition;
 * the nodes using the name are evaluated against it from their next attestation. */
static void policy_update(Request *q, const char *kind, const char *name) {
        char digest[POLICY_DIGEST_HEX_SIZE], error[POLICY_ERROR_MAX];
        json_object *o;
        int r;

        if (q->http->body_too_large)
                return reply_error(q, 413, "body_too_large", NULL, "Policy too large.");
        r = policy_validate(q->manager, kind, q->http->body, q->http->body_size, error, sizeof error);
        if (r < 0) {
                (void) policy_reply_invalid(q, kind, r, error);
                return;
        }
        r = storage_policy_put(q->manager->storage, kind, q->http->body, q->http->body_size, digest);
        if (r >= 0)
                r = storage_policy_name_update(q->manager->storage, kind, name, digest);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No %s policy named '%s'; store it with policy add.", kind, name);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        log_admin(LOG_INFO, REQUEST_CALLER(q), "Updated %s policy '%s' (sha256 %s): %d node(s) use it from their next attestation.",
                  kind, name, digest, r);
        o = json_object_new_object();
        if (!o || json_add_string(o, "digest", digest) < 0 || json_add_int(o, "nodes", r) < 0) {
                json_object_put(o);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        reply_v2(q, 200, o);
}

static const char *node_policy_name(const Node *n, const char *kind) {
        const NodePolicy *p;

        if (strcmp(kind, "tpm") == 0)
                return n->tpm_policy_name;
        if (strcmp(kind, "boot") == 0)
                return n->boot_policy_name;
        if (strcmp(kind, "runtime") == 0)
                return n->runtime_policy_name;
        p = node_policy_find(n, kind);
        return p ? p->name : NULL;
}

/* The name's content digest and the nodes that use the name. A scan of the
 * nodes: an operator's question, not a hot path. */
static void policy_nodes(Request *q, const char *kind, const char *name) {
        _cleanup_free_ char *digest = NULL;
        Node **l = NULL;
        size_t n = 0;
        json_object *o = NULL, *a = NULL;
        int r;

        r = storage_policy_name_get(q->manager->storage, kind, name, &digest);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No %s policy named '%s'.", kind, name);
        if (r < 0 || storage_node_list(q->manager->storage, &l, &n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        o = json_new_with_array("nodes", &a);
        if (!o)
                goto oom;
        if (json_add_string(o, "kind", kind) < 0 || json_add_string(o, "name", name) < 0 ||
            json_add_string(o, "digest", digest) < 0)
                goto oom;
        for (size_t i = 0; i < n; i++) {
                const char *used = node_policy_name(l[i], kind);

                if (!used || strcmp(used, name) != 0)
                        continue;
                if (json_array_append(a, json_object_new_string(l[i]->id)) < 0)
                        goto oom;
        }
        node_list_free(l, n);
        return reply_v2(q, 200, o);
oom:
        node_list_free(l, n);
        json_object_put(o);
        reply_error(q, 500, "oom", NULL, "Out of memory.");
}

static void show_policy(Request *q, const char *kind, const char *name) {
        _cleanup_free_ char *digest = NULL;
        _cleanup_free_ uint8_t *content = NULL;
        size_t size;
        int r;

        r = storage_policy_name_get(q->manager->storage, kind, name, &digest);
        if (r >= 0)
                r = storage_policy_get(q->manager->storage, digest, NULL, &content, &size);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No %s policy named '%s'.", kind, name);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        (void) http_response_set(q->resp, 200, (char *) TAKE_PTR(content));
}

void policy_remove(Request *q, const char *kind, const char *name) {
        int r = storage_policy_name_delete(q->manager->storage, kind, name);

        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No %s policy named '%s'.", kind, name);
        if (r == -EBUSY)
                return reply_error(q, 409, "in_use", NULL, "The %s policy '%s' is used by nodes.", kind, name);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        log_admin(LOG_INFO, REQUEST_CALLER(q), "Removed %s policy '%s'.", kind, name);
        reply_v2(q, 200, NULL);
}

/* GET policies; GET|PUT|POST|DELETE policies/{kind}/{name} (PUT adds, POST replaces the
 * content of an existing name; their body is the policy itself); GET policies/{kind}/{name}/nodes. */
bool route_policies(Request *q) {
        const char *kind, *name;

        if (q->n_seg == 1 && is_method(q, "GET"))
                return list_policies(q), true;
        if (q->n_seg != 3 && !(q->n_seg == 4 && strcmp(q->seg[3], "nodes") == 0))
                return false;
        kind = q->seg[1];
        name = q->seg[2];
        if (!policy_kind_is_valid(kind)) {
                reply_error(q, 400, "invalid_kind", NULL,
                            "Unknown policy kind '%s': tpm, boot, runtime or the name of a policy engine.", kind);
                return true;
        }
        if (!policy_name_is_valid(name)) {
                reply_error(q, 400, "invalid_name", NULL, "Invalid policy name '%s': 1 to 64 characters of "
                            "A-Z, a-z, 0-9, '.', '_' and '-', not starting with '.'.", name);
                return true;
        }
        if (q->n_seg == 4) {
                if (is_method(q, "GET"))
                        policy_nodes(q, kind, name);
                else
                        reply_error(q, 405, "method_not_allowed", NULL, "Use GET.");
                return true;
        }
        if (is_method(q, "POST"))
                policy_update(q, kind, name);
        else if (is_method(q, "GET"))
                show_policy(q, kind, name);
        else if (is_method(q, "PUT")) {
                if (policy_add(q, kind, name, q->http->body, q->http->body_size, false) >= 0)
                        reply_v2(q, 201, NULL);
        } else if (is_method(q, "DELETE"))
                policy_remove(q, kind, name);
        else
                reply_error(q, 405, "method_not_allowed", NULL, "Use GET, PUT, POST or DELETE.");
        return true;
}
