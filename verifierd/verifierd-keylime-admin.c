/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "hexdecode.h"
#include "json-util.h"
#include "attest-limits.h"
#include "log.h"
#include "parse-util.h"
#include "registration-request.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"

/* The Keylime v2 verifier API subset keylime_tenant uses: agents, allowlists
 * (runtime policies), mbpolicies (measured-boot policies). */

static bool is_method(Request *q, const char *method) {
        return strcmp(q->http->method, method) == 0;
}

/* Keylime sends runtime policies base64 encoded, and sometimes as plain JSON text. */
static int policy_text(const char *s, uint8_t **ret, size_t *ret_size) {
        if (s[0] == '{') {
                *ret = (uint8_t *) strdup(s);
                *ret_size = strlen(s);
                return *ret ? 0 : -ENOMEM;
        }
        return base64_decode(s, strlen(s), ret, ret_size);
}

/* Stores an inline policy of a tenant request and points the node at it. */
static int inline_policy(Request *q, json_object *body, const char *key, const char *kind, char **digest, char **name) {
        _cleanup_free_ uint8_t *data = NULL;
        char d[POLICY_DIGEST_HEX_SIZE], error[POLICY_ERROR_MAX];
        const char *s;
        size_t size;
        int r;

        if (json_get_string(body, key, HTTP_ADMIN_BODY_MAX, &s) < 0)
                return 0;
        if (policy_text(s, &data, &size) < 0) {
                reply_error(q, 400, "invalid_policy", NULL, "Field '%s' is not a valid policy.", key);
                return -EINVAL;
        }
        r = policy_validate(q->manager, kind, data, size, error, sizeof error);
        if (r < 0)
                return policy_reply_invalid(q, kind, r, error);
        if (storage_policy_put(q->manager->storage, kind, data, size, d) < 0 || !(s = strdup(d))) {
                reply_error(q, 500, "storage", NULL, "Storage failure.");
                return -EIO;
        }
        free(*digest);
        *digest = (char *) s;
        if (name) {
                free(*name);
                *name = NULL;
        }
        return 0;
}

static int named_policy(Request *q, json_object *body, const char *key, const char *kind, char **digest, char **name) {
        const char *nm;
        char *d, *n;

        if (json_get_string(body, key, 64, &nm) < 0)
                return 0;
        if (!policy_name_is_valid(nm) || storage_policy_name_get(q->manager->storage, kind, nm, &d) < 0) {
                reply_error(q, 400, "unknown_policy", NULL, "No %s policy named '%s'.", kind, nm);
                return -ENOENT;
        }
        n = strdup(nm);
        if (!n) {
                free(d);
                reply_error(q, 500, "oom", NULL, "Out of memory.");
                return -ENOMEM;
        }
        free(*digest);
        free(*name);
        *digest = d;
        *name = n;
        return 0;
}

static void tenant_add(Request *q, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_json_ json_object *body = NULL;
        int r;

        if (request_json(q, &body) < 0)
                return;
        r = agent_id_is_valid(id) ? storage_node_get(q->manager->storage, id, &n) : -EINVAL;
        if (r < 0)
                return reply_error(q, r == -EINVAL ? 400 : 404, "not_found", NULL, "Node %s is not registered.", id);
        if (n->state == NODE_REGISTERED)
                return reply_error(q, 409, "not_activated", NULL, "Node %s has not activated its credential.", id);
        if (enrol_with_defaults(q->manager, n) < 0)
                return reply_error(q, 500, "enrolment_failed", NULL, "The tenant.conf defaults cannot be applied.");
        if (inline_policy(q, body, "tpm_policy", "tpm", &n->tpm_policy, NULL) < 0 ||
            inline_policy(q, body, "runtime_policy", "runtime", &n->runtime_policy, &n->runtime_policy_name) < 0 ||
            named_policy(q, body, "runtime_policy_name", "runtime", &n->runtime_policy, &n->runtime_policy_name) < 0 ||
            inline_policy(q, body, "mb_policy", "boot", &n->boot_policy, &n->boot_policy_name) < 0 ||
            named_policy(q, body, "mb_policy_name", "boot", &n->boot_policy, &n->boot_policy_name) < 0)
                return;
        if (storage_node_put(q->manager->storage, n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        (void) storage_event_add(q->manager->storage, id, "enrolled", "keylime_tenant");
        log_node_admin(LOG_INFO, MESSAGE_NODE_ENROLLED, id, REQUEST_CALLER(q),
                       "Node %s enrolled through the Keylime API.", id);
        reply_v2(q, 200, NULL);
}

static int add_b64(json_object *o, const char *key, const Blob *b) {
        _cleanup_free_ char *s = NULL;

        if (b->data && !(s = base64_encode(b->data, b->size)))
                return -ENOMEM;
        return json_add_string(o, key, s);
}

/* The EK certificate alone, as Keylime's registrar shows it: the chain a node
 * sent with it (or NV padding) is stored after it. */
static int add_ekcert(json_object *o, const Blob *ekcert) {
        Blob first, chain;

        if (ekcert->data && ekcert_split(ekcert, &first, &chain) >= 0)
                return add_b64(o, "ekcert", &first);
        return add_b64(o, "ekcert", ekcert);
}

int url_host_port(const char *url, char **ret_host, uint16_t *ret_port) {
        const char *h, *end, *p;
        uint16_t port;
        char *host;

        if (!url)
                return -EINVAL;
        if (strncmp(url, "https://", 8) == 0)
                h = url + 8, port = 443;
        else if (strncmp(url, "http://", 7) == 0)
                h = url + 7, port = 80;
        else
                return -EINVAL;
        end = h + strcspn(h, "/?#");
        if (h[0] == '[') {      /* [IPv6]:port, answered without the brackets */
                p = memchr(h, ']', end - h);
                if (!p || p == h + 1)
                        return -EINVAL;
                host = strndup(h + 1, p - h - 1);
                p++;
        } else {
                p = memchr(h, ':', end - h) ?: end;
                if (p == h)
                        return -EINVAL;
                host = strndup(h, p - h);
        }
        if (!host)
                return -ENOMEM;
        if (p < end) {
                _cleanup_free_ char *digits = NULL;

                if (*p != ':' || !(digits = strndup(p + 1, end - p - 1)) ||
                    safe_atou16(digits, &port) < 0 || port == 0) {
                        free(host);
                        return digits || *p != ':' ? -EINVAL : -ENOMEM;
                }
        }
        *ret_host = host;
        *ret_port = port;
        return 0;
}

/* Keylime's verifier names itself in an agent's entry; keylime_tenant sends
 * its DELETE to that address. verifier_url= is where this daemon is reached. */
static int add_verifier_address(json_object *o, const char *verifier_url) {
        _cleanup_free_ char *host = NULL;
        uint16_t port = 0;
        int r;

        (void) url_host_port(verifier_url, &host, &port);
        r = json_add_string(o, "verifier_ip", host);
        r = r ?: port ? json_add_int(o, "verifier_port", port) : json_add_string(o, "verifier_port", NULL);
        r = r ?: json_add_string(o, "verifier_id", NULL);
        return r;
}

/* Adds v (reference taken) under key; -ENOMEM for a NULL v. */
static int json_add_object(json_object *o, const char *key, json_object *v) {
        if (v && json_object_object_add(o, key, v) >= 0)
                return 0;
        json_object_put(v);
        return -ENOMEM;
}

static int json_append_string(json_object *a, const char *s) {
        json_object *v = json_object_new_string(s);

        if (v && json_object_array_add(a, v) >= 0)
                return 0;
        json_object_put(v);
        return -ENOMEM;
}

/* 200 with results, or 500 when building them failed (r < 0); o is taken. */
static void reply_built(Request *q, int r, json_object *o) {
        if (r < 0) {
                json_object_put(o);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        reply_v2(q, 200, o);
}

/* Keylime's push-mode verifier answers operational_state null (a pull-mode
 * state machine, which keylime_tenant would otherwise decode) and says how
 * the node attests in attestation_status, with the verdicts' words. */
static int add_keylime_status(json_object *o, const Node *n) {
        int r;

        r = json_add_string(o, "operational_state", NULL);
        r = r ?: json_add_string(o, "attestation_status", n->verdict ?: "PENDING");
        r = r ?: json_add_int(o, "attestation_count", (int64_t) n->attestations_passed);
        r = r ?: json_add_int(o, "has_mb_refstate", n->boot_policy != NULL);
        r = r ?: json_add_int(o, "has_runtime_policy", n->runtime_policy != NULL);
        return r;
}

/* A node as both Keylime's registrar and its verifier show it; NULL when out of memory. */
static json_object *agent_entry(Request *q, const Node *n) {
        _cleanup_json_ json_object *o = node_to_json(n, true);

        if (!o || add_b64(o, "ek_tpm", &n->ek_tpm) < 0 || add_ekcert(o, &n->ekcert) < 0 ||
            add_b64(o, "aik_tpm", &n->aik_tpm) < 0 || json_add_string(o, "mtls_cert", n->mtls_cert) < 0 ||
            add_keylime_status(o, n) < 0 || add_verifier_address(o, q->manager->config.verifier_url) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static void agent_show(Request *q, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        json_object *o;
        int r;

        r = agent_id_is_valid(id) ? storage_node_get(q->manager->storage, id, &n) : -ENOENT;
        if (r < 0)
                return reply_error(q, 404, "not_found", NULL, "Node %s not found.", id);
        o = agent_entry(q, n);
        if (!o)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        reply_v2(q, 200, o);
}

/* GET /v2.N/agents/: the ids ("uuids"), or with ?bulk=true (keylime_tenant
 * -c bulkinfo) every node's entry by id. */
static void agent_list(Request *q) {
        const char *bulk = http_request_query(q->http, "bulk");
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a = NULL;
        bool by_id = false;
        Node **l = NULL;
        size_t n = 0;
        int r = 0;

        if (bulk && parse_boolean(bulk, &by_id) < 0)
                return reply_error(q, 400, "invalid_query", NULL, "Query argument 'bulk' must be a boolean.");
        if (!o || (!by_id && (!(a = json_object_new_array()) || json_object_object_add(o, "uuids", a) < 0))) {
                json_object_put(a);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        if (storage_node_list(q->manager->storage, &l, &n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        for (size_t i = 0; i < n && r >= 0; i++)
                r = by_id ? json_add_object(o, l[i]->id, agent_entry(q, l[i])) : json_append_string(a, l[i]->id);
        node_list_free(l, n);
        reply_built(q, r, TAKE_PTR(o));
}

static void named_policy_post(Request *q, const char *kind, const char *key, const char *name) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        const char *s;
        size_t size;

        if (request_json(q, &body) < 0)
                return;
        if (json_get_string(body, key, HTTP_ADMIN_BODY_MAX, &s) < 0 || policy_text(s, &data, &size) < 0)
                return reply_error(q, 400, "invalid_field", NULL, "Field '%s' is missing or invalid.", key);
        if (policy_add(q, kind, name, data, size, false) >= 0)
                reply_v2(q, 201, NULL);
}

static void named_policy_get(Request *q, const char *kind, const char *key, const char *name) {
        _cleanup_free_ char *digest = NULL, *b64 = NULL;
        _cleanup_free_ uint8_t *content = NULL;
        json_object *o;
        size_t size;
        int r;

        r = storage_policy_name_get(q->manager->storage, kind, name, &digest);
        if (r >= 0)
                r = storage_policy_get(q->manager->storage, digest, NULL, &content, &size);
        if (r < 0)
                return reply_error(q, 404, "not_found", NULL, "No policy named '%s'.", name);
        /* Keylime returns runtime policies base64 encoded and measured-boot ones as text. */
        if (strcmp(kind, "runtime") == 0 && !(b64 = base64_encode(content, size)))
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        o = json_object_new_object();
        if (!o || json_add_string(o, "name", name) < 0 ||
            json_add_string(o, key, b64 ?: (const char *) content) < 0) {
                json_object_put(o);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        reply_v2(q, 200, o);
}

/* GET /v2.N/allowlists/ and /v2.N/mbpolicies/: the names of one kind, under
 * Keylime's key ("runtimepolicy names", "mbpolicy names"). */
static void named_policy_list(Request *q, const char *kind, const char *names_key) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();
        PolicyEntry *l = NULL;
        size_t n = 0;
        int r;

        if (!o || !a || json_object_object_add(o, names_key, a) < 0) {
                json_object_put(a);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        if (storage_policy_list(q->manager->storage, &l, &n) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        r = 0;
        for (size_t i = 0; i < n && r >= 0; i++)
                if (strcmp(l[i].kind, kind) == 0)
                        r = json_append_string(a, l[i].name);
        policy_entry_list_free(l, n);
        reply_built(q, r, TAKE_PTR(o));
}

static bool route_named_policies(Request *q, const char *kind, const char *key, const char *names_key) {
        const char *name;

        if (q->n_seg == 1 && is_method(q, "GET"))
                return named_policy_list(q, kind, names_key), true;
        if (q->n_seg != 2)
                return false;
        name = q->seg[1];
        if (!policy_name_is_valid(name)) {
                reply_error(q, 400, "invalid_name", NULL, "Invalid policy name.");
                return true;
        }
        if (is_method(q, "POST"))
                named_policy_post(q, kind, key, name);
        else if (is_method(q, "GET"))
                named_policy_get(q, kind, key, name);
        else if (is_method(q, "DELETE"))
                policy_remove(q, kind, name);
        else
                reply_error(q, 405, "method_not_allowed", NULL, "Use POST, GET or DELETE.");
        return true;
}

bool route_keylime_admin(Request *q) {
        if (q->major != 2 || q->n_seg < 1)
                return false;
        if (strcmp(q->seg[0], "agents") == 0) {
                if (q->n_seg == 1 && is_method(q, "GET"))
                        return agent_list(q), true;
                /* keylime_tenant -c reactivate */
                if (q->n_seg == 3 && strcmp(q->seg[2], "reactivate") == 0 && is_method(q, "PUT"))
                        return node_reactivate(q, q->seg[1]), true;
                if (q->n_seg != 2)
                        return false;
                if (is_method(q, "POST"))
                        return tenant_add(q, q->seg[1]), true;
                if (is_method(q, "GET"))
                        return agent_show(q, q->seg[1]), true;
                if (is_method(q, "DELETE"))
                        return remove_node(q, q->seg[1]), true;
                return false;
        }
        if (strcmp(q->seg[0], "allowlists") == 0)
                return route_named_policies(q, "runtime", "runtime_policy", "runtimepolicy names");
        if (strcmp(q->seg[0], "mbpolicies") == 0)
                return route_named_policies(q, "boot", "mb_policy", "mbpolicy names");
        return false;
}
