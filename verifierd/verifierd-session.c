/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Push sessions: a challenge, the TPM2_Certify proof of possession of the AK,
 * then a bearer token "<session_id>.<secret>" kept as its SHA-256 only. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "certify-verify.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "registration-request.h"
#include "tpm2-public.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-push.h"

#define SESSION_ID_BYTES 16
#define TOKEN_SECRET_BYTES 32
#define SESSION_ID_HEX_MAX 64

static int token_digest(const char *token, uint8_t out[static SESSION_TOKEN_DIGEST_SIZE]) {
        return hash_alg_digest(hash_alg_from_name("sha256"), token, strlen(token), out);
}

static json_object *session_attributes(const Session *s, const char *token, bool pass) {
        json_object *a = json_object_new_object(), *req = json_object_new_array(), *m = json_object_new_object(),
                    *params = json_object_new_object();
        _cleanup_free_ char *challenge = base64_encode(s->challenge, sizeof s->challenge);
        char when[64];

        if (!a || !req || !m || !params || !challenge) {
                json_object_put(a);
                json_object_put(req);
                json_object_put(m);
                json_object_put(params);
                return NULL;
        }
        (void) json_add_string(a, "agent_id", s->node_id);
        (void) json_add_string(m, "authentication_class", "pop");
        (void) json_add_string(m, "authentication_type", "tpm_pop");
        (void) json_add_string(params, "challenge", challenge);
        (void) json_object_object_add(m, "chosen_parameters", params);
        (void) json_object_array_add(req, m);
        (void) json_object_object_add(a, "authentication_requested", req);
        (void) format_timestamp_iso(s->expires_usec, when, sizeof when);
        if (token) {
                (void) json_add_string(a, "evaluation", pass ? "pass" : "fail");
                (void) json_add_string(a, "token", token);
                (void) json_add_string(a, "token_expires_at", when);
        } else
                (void) json_add_string(a, "challenges_expire_at", when);
        return a;
}

static int random_hex(size_t n, char **ret) {
        uint8_t b[TOKEN_SECRET_BYTES];
        char *h;

        if (n > sizeof b || RAND_bytes(b, (int) n) != 1)
                return -EIO;
        h = hex_encode(b, n);
        if (!h)
                return -ENOMEM;
        *ret = h;
        return 0;
}

static void session_create(Request *q) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_free_ char *id = NULL;
        Session s = {};
        PushError e = {};
        const char *node_id;
        int r;

        if (request_json(q, &body) < 0)
                return;
        if (push_session_request_parse(body, &node_id, &e) < 0)
                return reply_error(q, 400, "invalid_field", e.pointer, "Invalid session request: %s.", e.what);
        if (!agent_id_is_valid(node_id))
                return reply_error(q, 400, "invalid_agent_id", "/data/attributes/agent_id", "Invalid node id.");
        r = storage_node_get(q->manager->storage, node_id, &n);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No node %s.", node_id);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        if (n->state == NODE_TERMINATED)
                return reply_error(q, 410, "terminated", NULL, "Node %s has completed its attestations.", node_id);
        if (n->state != NODE_ENROLLED && n->state != NODE_STOPPED)
                return reply_error(q, 403, "not_enrolled", NULL, "Node %s is not enrolled.", node_id);

        if (random_hex(SESSION_ID_BYTES, &id) < 0 || RAND_bytes(s.challenge, sizeof s.challenge) != 1)
                return reply_error(q, 500, "random", NULL, "No randomness.");
        s.id = id;
        s.node_id = (char *) node_id;
        s.expires_usec = now_realtime_usec() + q->manager->config.challenge_lifetime_sec * 1000000ULL;
        if (storage_session_put(q->manager->storage, &s) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        q->resp->content_type = "application/vnd.api+json";
        (void) http_response_set(q->resp, 200, json_v3_document("session", id, session_attributes(&s, NULL, false), NULL));
}

/* Checks the certification of the node's AK over the session's challenge. */
static int check_pop(Request *q, const Session *s, const PushCertify *c, AttestVerdict *ret) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *ak = NULL;
        EVP_PKEY *key = NULL;
        int r;

        r = storage_node_get(q->manager->storage, s->node_id, &n);
        if (r < 0)
                return r;
        r = tpm2_public_parse(n->aik_tpm.data, n->aik_tpm.size, &ak);
        if (r >= 0)
                r = tpm2_public_to_evp_pkey(ak, &key);
        if (r < 0)
                return r;
        r = certify_verify(&(CertifyVerifyParams) {
                                   .signer = key,
                                   .name = ak->name,
                                   .name_size = ak->name_size,
                                   .extra_data = s->challenge,
                                   .extra_data_size = sizeof s->challenge,
                           }, c->attest, c->attest_size, c->sig, c->sig_size, ret, NULL);
        EVP_PKEY_free(key);
        return r;
}

static void session_authenticate_pop(Request *q, const char *id) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_free_ char *secret = NULL, *token = NULL;
        PushCertify c = {};
        PushError e = {};
        Session s = {};
        AttestVerdict v = ATTEST_BAD_SIGNATURE;
        int r;

        if (strlen(id) > SESSION_ID_HEX_MAX)
                return reply_error(q, 404, "not_found", NULL, "No such session.");
        r = storage_session_get(q->manager->storage, id, &s);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "No such session.");
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        if (s.has_token) {
                session_done(&s);
                return reply_error(q, 403, "evidence_immutable", NULL, "The session is already authenticated.");
        }
        if (s.expires_usec < now_realtime_usec()) {
                session_done(&s);
                return reply_error(q, 403, "challenges_expired", NULL, "The session's challenge has expired.");
        }
        if (request_json(q, &body) < 0 || push_certify_parse(body, &c, &e) < 0) {
                if (!q->resp->status)
                        reply_error(q, 400, "invalid_field", e.pointer, "Invalid proof of possession: %s.", e.what);
                session_done(&s);
                return;
        }
        r = check_pop(q, &s, &c, &v);
        push_certify_done(&c);
        if (r < 0 || v != ATTEST_VALID) {
                log_struct(LOG_WARNING, MESSAGE_SESSION_REFUSED, "Node %s failed the proof of possession: %s.",
                           s.node_id, r < 0 ? strerror(-r) : attest_verdict_to_string(v));
                session_done(&s);
                return reply_error(q, 401, "pop_failed", NULL, "Proof of possession failed: %s.",
                                   r < 0 ? "unusable certification" : attest_verdict_to_string(v));
        }
        if (random_hex(TOKEN_SECRET_BYTES, &secret) < 0 || asprintf(&token, "%s.%s", id, secret) < 0) {
                session_done(&s);
                return reply_error(q, 500, "random", NULL, "No randomness.");
        }
        s.has_token = token_digest(token, s.token_digest) >= 0;
        s.expires_usec = now_realtime_usec() + q->manager->config.session_lifetime_sec * 1000000ULL;
        if (!s.has_token || storage_session_put(q->manager->storage, &s) < 0) {
                session_done(&s);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        q->resp->content_type = "application/vnd.api+json";
        (void) http_response_set(q->resp, 200, json_v3_document("session", id, session_attributes(&s, token, true), NULL));
        session_done(&s);
}

bool route_sessions(Request *q) {
        if (q->major != 3 || q->n_seg < 1 || strcmp(q->seg[0], "sessions") != 0)
                return false;
        if (q->n_seg == 1 && strcmp(q->http->method, "POST") == 0)
                return session_create(q), true;
        if (q->n_seg == 2 && strcmp(q->http->method, "PATCH") == 0)
                return session_authenticate_pop(q, q->seg[1]), true;
        reply_error(q, 405, "method_not_allowed", NULL, "Use POST /sessions or PATCH /sessions/{id}.");
        return true;
}

int session_authenticate(Request *q, const char *node_id, char **ret_session) {
        const char *h = q->http->authorization, *dot;
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        char sid[SESSION_ID_HEX_MAX + 1];
        Session s = {};
        int r;

        if (!h || strncmp(h, "Bearer ", 7) != 0)
                return -EACCES;
        h += 7;
        dot = strchr(h, '.');
        if (!dot || (size_t) (dot - h) > SESSION_ID_HEX_MAX || strlen(h) > 2 * SESSION_ID_HEX_MAX + 1)
                return -EACCES;
        memcpy(sid, h, (size_t) (dot - h));
        sid[dot - h] = '\0';
        r = storage_session_get(q->manager->storage, sid, &s);
        if (r < 0)
                return r == -ENOENT ? -EACCES : r;
        r = -EACCES;
        if (s.has_token && strcmp(s.node_id, node_id) == 0 && s.expires_usec >= now_realtime_usec() &&
            token_digest(h, digest) >= 0 && CRYPTO_memcmp(digest, s.token_digest, sizeof digest) == 0)
                r = 0;
        if (r == 0 && ret_session) {
                *ret_session = TAKE_PTR(s.id);
        }
        session_done(&s);
        return r;
}
