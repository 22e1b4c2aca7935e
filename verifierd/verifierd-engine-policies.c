/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policies for engines beyond tpm/boot/runtime in the admin API: the
 * "policies" member of an enrol/update body and of a node's JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "json-util.h"
#include "verifierd.h"
#include "verifierd-policy.h"

/* {"content": "<policy>"} or {"name": "<stored name>"}: compiled by the engine
 * (so an engine that is not loaded is refused), then attached. New content is
 * stored only with the node, in its transaction. */
static int attach(Request *q, Node *n, const char *engine, json_object *spec) {
        char d[POLICY_DIGEST_HEX_SIZE], error[POLICY_ERROR_MAX] = "";
        _cleanup_free_ char *digest = NULL;
        _cleanup_free_ uint8_t *content = NULL;
        const char *text = NULL, *name = NULL;
        size_t size;
        int r;

        if (!json_object_is_type(spec, json_type_object) ||
            (json_get_string(spec, "content", HTTP_ADMIN_BODY_MAX, &text) < 0) ==
            (json_get_string(spec, "name", 64, &name) < 0)) {
                reply_error(q, 400, "invalid_field", NULL,
                            "policies.%s must be {\"content\": POLICY}, {\"name\": NAME} or null.", engine);
                return -EINVAL;
        }
        if (name) {
                r = policy_name_is_valid(name) ? storage_policy_name_get(q->manager->storage, engine, name, &digest) : -EINVAL;
                if (r < 0) {
                        reply_error(q, 400, "unknown_policy", NULL, "No %s policy named '%s'.", engine, name);
                        return r;
                }
                r = storage_policy_get(q->manager->storage, digest, NULL, &content, &size);
                if (r < 0) {
                        reply_error(q, 500, "storage", NULL, "Storage failure.");
                        return r;
                }
                text = (const char *) content;
        } else
                size = strlen(text);
        /* Also for a stored name: its engine may have gone since it was stored. */
        r = policy_validate(q->manager, engine, (const uint8_t *) text, size, error, sizeof error);
        if (r < 0)
                return policy_reply_invalid(q, engine, r, error);
        if (!name) {
                r = policy_digest_hex((const uint8_t *) text, size, d);
                if (r < 0) {
                        reply_error(q, 500, "oom", NULL, "Out of memory.");
                        return r;
                }
        }
        r = node_policy_set(n, engine, name ? digest : d, name);
        if (r >= 0 && !name)
                r = node_policy_set_content(n, engine, (const uint8_t *) text, size);
        if (r == -E2BIG)
                reply_error(q, 400, "too_many_policies", NULL, "A node has at most %u engine policies.",
                            NODE_ENGINE_POLICIES_MAX);
        else if (r < 0)
                reply_error(q, 500, "oom", NULL, "Out of memory.");
        return r;
}

int apply_engine_policies(Request *q, json_object *body, Node *n) {
        json_object *policies;
        int r;

        if (!json_object_object_get_ex(body, "policies", &policies))
                return 0;
        if (!json_object_is_type(policies, json_type_object)) {
                reply_error(q, 400, "invalid_field", "/policies", "policies must be an object of engine names.");
                return -EINVAL;
        }
        json_object_object_foreach(policies, engine, spec) {
                if (!policy_kind_is_engine(engine)) {
                        reply_error(q, 400, "invalid_engine", NULL,
                                    "'%s' is not an engine name for policies (tpm, boot and runtime have their own fields).",
                                    engine);
                        return -EINVAL;
                }
                if (json_object_is_type(spec, json_type_null)) {
                        (void) node_policy_remove(n, engine);
                        continue;
                }
                r = attach(q, n, engine, spec);
                if (r < 0)
                        return r;
        }
        return 0;
}

int node_policies_to_json(const Node *n, json_object *o) {
        json_object *all = json_object_new_object();

        if (!all || json_object_object_add(o, "policies", all) < 0) {
                json_object_put(all);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n->n_policies; i++) {
                json_object *p = json_object_new_object();

                if (!p || json_object_object_add(all, n->policies[i].engine, p) < 0) {
                        json_object_put(p);
                        return -ENOMEM;
                }
                if (json_add_string(p, "digest", n->policies[i].digest) < 0 ||
                    json_add_string(p, "name", n->policies[i].name) < 0)
                        return -ENOMEM;
        }
        return 0;
}
