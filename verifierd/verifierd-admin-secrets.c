/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The admin API of node secrets, /admin/v1/nodes/{id}/secrets[/{name}]:
 * GET lists names (never values), POST stores a value ({"secret": base64,
 * "replace": bool}), DELETE removes one.
 *
 * A value is decoded into a buffer of its own, sealed and wiped; the copies
 * of its base64 text that this file can reach are wiped too: the request
 * body, the tokener's working buffer and the parsed JSON string. What stays
 * until reused: the HTTP library's connection buffer, and the tokener's
 * earlier buffers if it had to grow (the body limit of admin requests bounds
 * them, not their content). */
#include <errno.h>
#include <string.h>

#include <json-c/json_tokener.h>
#include <json-c/printbuf.h>

#include "json-util.h"
#include "log.h"
#include "secret-name.h"
#include "verifierd-messages.h"
#include "verifierd-secrets.h"

static void list_secrets(Request *q, const char *id) {
        char **l = NULL;
        json_object *o, *a;
        size_t i;

        if (secret_store_list(q->manager->secrets, id, &l) < 0)
                return reply_error(q, 500, "secret_store", NULL, "The secrets cannot be listed.");
        o = json_object_new_object();
        a = json_object_new_array();
        if (o && a && json_object_object_add(o, "secrets", a) >= 0)
                a = NULL;
        else
                o = (json_object_put(o), NULL);
        for (i = 0; l[i]; i++) {
                if (o && json_object_array_add(json_object_object_get(o, "secrets"),
                                               json_object_new_string(l[i])) < 0)
                        o = (json_object_put(o), NULL);
                free(l[i]);
        }
        free(l);
        json_object_put(a);
        if (!o)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        reply_v2(q, 200, o);
}

#define SECRET_BODY_DEPTH_MAX 4

/* The body as a JSON object, parsed by a tokener of our own so that its
 * working buffer, which held the secret's text, is wiped before it is freed
 * (json-c offers no other way to reach it than the struct's field). */
static json_object *parse_secret_body(const HttpRequest *http) {
        json_tokener *tok;
        json_object *o = NULL;
        size_t end = 0;

        if (http->body_too_large || http->body_size > INT32_MAX ||
            !(tok = json_tokener_new_ex(SECRET_BODY_DEPTH_MAX)))
                return NULL;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        o = json_tokener_parse_ex(tok, (const char *) http->body, (int) http->body_size);
        end = json_tokener_get_parse_end(tok);
        if (tok->pb && tok->pb->buf)
                erase_memory(tok->pb->buf, (size_t) tok->pb->size);
        json_tokener_free(tok);
        while (end < http->body_size && strchr(" \t\r\n", http->body[end]))
                end++;
        if (o && (end != http->body_size || !json_object_is_type(o, json_type_object)))
                o = (json_object_put(o), NULL);
        return o;
}

/* The base64 text of "secret" inside the parsed body, overwritten. */
static void erase_secret_text(json_object *body) {
        json_object *v;

        if (json_object_object_get_ex(body, "secret", &v) && json_object_is_type(v, json_type_string))
                erase_memory((char *) json_object_get_string(v), (size_t) json_object_get_string_len(v));
}

static void add_secret(Request *q, const char *id, const char *name) {
        _cleanup_json_ json_object *body = parse_secret_body(q->http);
        _cleanup_secret_buffer_ SecretBuffer value = {};
        json_object *replace;
        bool rep;
        int r;

        if (!body) {
                erase_memory((void *) q->http->body, q->http->body_size);
                return reply_error(q, q->http->body_too_large ? 413 : 400, "invalid_body", NULL,
                                   "The body must be a JSON object {\"secret\": BASE64, \"replace\": BOOL}.");
        }
        r = json_get_base64(body, "secret", SECRET_SIZE_MAX, &value.data, &value.size);
        erase_secret_text(body);
        /* The body held the secret's text: wipe the request copy too. */
        erase_memory((void *) q->http->body, q->http->body_size);
        if (r < 0 || value.size == 0)
                return reply_error(q, 400, "invalid_field", NULL,
                                   "Field 'secret' must be base64 of 1 to %u bytes.", SECRET_SIZE_MAX);
        rep = json_object_object_get_ex(body, "replace", &replace) && json_object_get_boolean(replace);
        r = secret_store_put(q->manager->secrets, id, name, value.data, value.size, rep);
        if (r == -EEXIST)
                return reply_error(q, 409, "exists", NULL, "Node %s already has a secret %s.", id, name);
        if (r == -E2BIG)
                return reply_error(q, 409, "too_many", NULL, "Node %s has %u secrets already.", id, SECRETS_PER_NODE_MAX);
        if (r < 0)
                return reply_error(q, 500, "secret_store", NULL, "The secret cannot be stored.");
        log_node_admin(LOG_INFO, MESSAGE_SECRET_CHANGED, id, REQUEST_CALLER(q),
                       "Secret %s of node %s %s by the administrator.",
                       name, id, rep ? "set" : "added");
        reply_v2(q, 201, NULL);
}

static void remove_secret(Request *q, const char *id, const char *name) {
        int r = secret_store_delete(q->manager->secrets, id, name);

        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "Node %s has no secret %s.", id, name);
        if (r < 0)
                return reply_error(q, 500, "secret_store", NULL, "The secret cannot be removed.");
        log_node_admin(LOG_INFO, MESSAGE_SECRET_CHANGED, id, REQUEST_CALLER(q),
                       "Secret %s of node %s removed by the administrator.", name, id);
        reply_v2(q, 200, NULL);
}

void route_node_secrets(Request *q, const char *id, const char *const *seg, size_t n_seg) {
        _cleanup_(node_freep) Node *n = NULL;
        const char *method = q->http->method;

        if (n_seg > 1)
                return reply_error(q, 404, "not_found", NULL, "No such admin resource.");
        if (n_seg == 1 && !secret_name_is_valid(seg[0]))
                return reply_error(q, 400, "invalid_secret_name", NULL, "Invalid secret name.");
        if (secrets_load_node(q, id, false, &n) < 0)
                return;
        if (n_seg == 0 && strcmp(method, "GET") == 0)
                return list_secrets(q, id);
        if (n_seg == 1 && strcmp(method, "POST") == 0)
                return add_secret(q, id, seg[0]);
        if (n_seg == 1 && strcmp(method, "DELETE") == 0)
                return remove_secret(q, id, seg[0]);
        reply_error(q, 405, "method_not_allowed", NULL, "Use GET on the list, POST or DELETE on a secret.");
}
