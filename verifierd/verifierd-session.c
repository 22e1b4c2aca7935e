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
#include "verifierd-session.h"

#define TOKEN_SECRET_BYTES 32

static int token_digest(const char *token, uint8_t out[static SESSION_TOKEN_DIGEST_SIZE]) {
        return hash_alg_digest(hash_alg_from_name("sha256"), token, strlen(token), out);
}

static int add_time(json_object *o, const char *key, uint64_t usec) {
        char when[64];

        if (format_timestamp_iso(usec, when, sizeof when) < 0)
                return -EINVAL;
        return json_add_string(o, key, when);
}

/* One item of authentication_requested (data NULL) or, with the node's
 * proof, of the authentication list of the answer to the proof. */
static json_object *authentication_item(const PendingSession *s, json_object *data) {
        _cleanup_free_ char *challenge = base64_encode(s->challenge, sizeof s->challenge);
        json_object *m = json_object_new_object(), *params = json_object_new_object();

        if (!m || !params || !challenge || json_add_string(m, "authentication_class", "pop") < 0 ||
            json_add_string(m, "authentication_type", "tpm_pop") < 0 || json_add_string(params, "challenge", challenge) < 0 ||
            json_object_object_add(m, "chosen_parameters", TAKE_PTR(params)) < 0 ||
            (data && json_object_object_add(m, "data", json_object_get(data)) < 0)) {
                json_object_put(params);
                json_object_put(m);
                return NULL;
        }
        return m;
}

/* A list of the one item, or NULL (item released). */
static json_object *list_of(json_object *item) {
        json_object *l = item ? json_object_new_array() : NULL;

        if (!l || json_object_array_add(l, item) < 0) {
                json_object_put(l);
                json_object_put(item);
                return NULL;
        }
        return l;
}

/* The answer to POST /sessions, as Keylime gives it. */
static json_object *created_attributes(const PendingSession *s) {
        json_object *a = json_object_new_object(), *req = list_of(authentication_item(s, NULL));

        if (!a || !req || json_add_string(a, "agent_id", s->node_id) < 0 ||
            json_object_object_add(a, "authentication_requested", TAKE_PTR(req)) < 0 ||
            add_time(a, "created_at", s->created_usec) < 0 || add_time(a, "challenges_expire_at", s->expires_usec) < 0) {
                json_object_put(req);
                json_object_put(a);
                return NULL;
        }
        return a;
}

/* The node's proof as it sent it, base64 again, for the answer's authentication list. */
static json_object *proof_data(const PushCertify *c) {
        _cleanup_free_ char *m = c->attest ? base64_encode(c->attest, c->attest_size) : strdup("");
        _cleanup_free_ char *sig = c->sig ? base64_encode(c->sig, c->sig_size) : strdup("");
        json_object *d = json_object_new_object();

        if (!d || !m || !sig || json_add_string(d, "message", m) < 0 || json_add_string(d, "signature", sig) < 0)
                return json_object_put(d), NULL;
        return d;
}

/* The answer to PATCH /sessions/{id}, as Keylime gives it: with token (and
 * its expiry) on a pass, evaluation "fail" without them otherwise. */
static json_object *proof_attributes(const PendingSession *s, const PushCertify *c, uint64_t received_usec,
                                     const char *token, uint64_t token_expires_usec) {
        _cleanup_json_ json_object *data = proof_data(c);
        json_object *a = json_object_new_object(), *auth = data ? list_of(authentication_item(s, data)) : NULL;
        int r;

        r = a && auth ? 0 : -ENOMEM;
        r = r ?: json_add_string(a, "agent_id", s->node_id);
        r = r ?: json_add_string(a, "evaluation", token ? "pass" : "fail");
        if (token)
                r = r ?: json_add_string(a, "token", token);
        r = r ?: json_object_object_add(a, "authentication", TAKE_PTR(auth)) < 0 ? -ENOMEM : 0;
        r = r ?: add_time(a, "created_at", s->created_usec);
        r = r ?: add_time(a, "challenges_expire_at", s->expires_usec);
        r = r ?: add_time(a, "response_received_at", received_usec);
        if (token)
                r = r ?: add_time(a, "token_expires_at", token_expires_usec);
        if (r < 0) {
                json_object_put(auth);
                json_object_put(a);
                return NULL;
        }
        return a;
}

static int random_hex(size_t n, char *buf, size_t size) {
        uint8_t b[TOKEN_SECRET_BYTES];
        _cleanup_free_ char *h = NULL;

        if (n > sizeof b || 2 * n + 1 > size || RAND_bytes(b, (int) n) != 1)
                return -EIO;
        h = hex_encode(b, n);
        if (!h)
                return -ENOMEM;
        memcpy(buf, h, 2 * n + 1);
        return 0;
}

static SessionTable *session_table(Manager *m) {
        if (!m->session_table)
                (void) session_table_new(&m->session_table);
        return m->session_table;
}

/* Refuses a client address over its session budget; true when it answered. */
static bool session_rate_limited(Request *q, SessionTable *t) {
        uint64_t wait = session_rate_charge(t, q->http->remote_addr, q->manager->config.session_rate_limit,
                                            now_realtime_usec());

        if (wait == 0)
                return false;
        reply_error(q, 429, "too_many_requests", NULL, "Too many sessions from this address. Retry after %llu s.",
                    (unsigned long long) wait);
        q->resp->retry_after = (unsigned) (wait > 86400 ? 86400 : wait);
        return true;
}

/* Removes expired sessions from storage now and then; a failure waits for the next time. */
static void sessions_prune(Manager *m, SessionTable *t, uint64_t now) {
        int r;

        if (!session_prune_due(t, now))
                return;
        r = storage_session_prune(m->storage, now);
        if (r < 0)
                log_warning_errno(r, "Failed to remove expired sessions: %m");
        else if (r > 0)
                log_debug("Removed %d expired sessions.", r);
}

/* The node a session may be opened for: any enrolled node, including a
 * TERMINATED one (it may still fetch its secrets) and a STOPPED one. */
static int session_node_check(Request *q, const char *node_id) {
        _cleanup_(node_freep) Node *n = NULL;
        int r;

        r = storage_node_get(q->manager->storage, node_id, &n);
        if (r == -ENOENT)
                reply_error(q, 404, "not_found", NULL, "No node %s.", node_id);
        else if (r < 0)
                reply_error(q, 500, "storage", NULL, "Storage failure.");
        else if (n->state == NODE_REGISTERED) {
                reply_error(q, 403, "not_enrolled", NULL, "Node %s is not enrolled.", node_id);
                r = -EPERM;
        }
        return r;
}

static void session_create(Request *q) {
        _cleanup_json_ json_object *body = NULL;
        SessionTable *t = session_table(q->manager);
        PendingSession s = {};
        PushError e = {};
        const char *node_id;
        uint64_t now;

        if (!t)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        /* Before anything else: a stranger's flood costs one lookup per request. */
        if (session_rate_limited(q, t))
                return;
        if (request_json(q, &body) < 0)
                return;
        if (push_session_request_parse(body, &node_id, &e) < 0)
                return reply_error(q, 400, "invalid_field", e.pointer, "Invalid session request: %s.", e.what);
        if (!agent_id_is_valid(node_id))
                return reply_error(q, 400, "invalid_agent_id", "/data/attributes/agent_id", "Invalid node id.");
        if (session_node_check(q, node_id) < 0)
                return;

        now = now_realtime_usec();
        if (random_hex(SESSION_ID_BYTES, s.id, sizeof s.id) < 0 || RAND_bytes(s.challenge, sizeof s.challenge) != 1)
                return reply_error(q, 500, "random", NULL, "No randomness.");
        s.node_id = (char *) node_id;
        s.created_usec = now;
        s.expires_usec = now + q->manager->config.challenge_lifetime_sec * 1000000ULL;
        if (session_pending_add(t, &s, now) < 0)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        sessions_prune(q->manager, t, now);
        reply_v3(q, 200, "session", s.id, created_attributes(&s));
}

/* Checks the certification of the node's AK over the session's challenge. The key
 * (parsed and checked) stays with the node's runtime, for its pushes. */
static int check_pop(Request *q, const PendingSession *s, const PushCertify *c, AttestVerdict *ret) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_(tpm2_public_freep) Tpm2Public *ak = NULL;
        NodeRuntime *rt;
        EVP_PKEY *key;
        int r;

        r = storage_node_get(q->manager->storage, s->node_id, &n);
        if (r < 0)
                return r;
        r = tpm2_public_parse(n->aik_tpm.data, n->aik_tpm.size, &ak);
        if (r >= 0)
                r = node_table_ensure(&q->manager->push.nodes, s->node_id, &rt);
        if (r >= 0)
                r = node_runtime_ak(rt, &n->aik_tpm, &key, NULL);
        if (r < 0)
                return r;
        return certify_verify(&(CertifyVerifyParams) {
                                   .signer = key,
                                   .name = ak->name,
                                   .name_size = ak->name_size,
                                   .extra_data = s->challenge,
                                   .extra_data_size = sizeof s->challenge,
                           }, c->attest, c->attest_size, c->sig, c->sig_size, ret, NULL);
}

/* A proof for no unproven session: one already proven, or none at all. */
static void reply_no_pending(Request *q, const char *id) {
        Session stored = {};
        int r = storage_session_get(q->manager->storage, id, &stored);

        if (r >= 0 && stored.has_token)
                reply_error(q, 403, "evidence_immutable", NULL, "The session is already authenticated.");
        else if (r < 0 && r != -ENOENT)
                reply_error(q, 500, "storage", NULL, "Storage failure.");
        else
                reply_error(q, 404, "not_found", NULL, "No such session.");
        session_done(&stored);
}

/* Stores the proven session with its token's digest and answers with the token. */
static void session_grant(Request *q, const PendingSession *p, const PushCertify *c, uint64_t now) {
        _cleanup_erase_string_ char *token = NULL;
        char secret[2 * TOKEN_SECRET_BYTES + 1];
        Session s = {
                .id = (char *) p->id,
                .node_id = p->node_id,
                .expires_usec = now + q->manager->config.session_lifetime_sec * 1000000ULL,
        };

        memcpy(s.challenge, p->challenge, sizeof s.challenge);
        if (random_hex(TOKEN_SECRET_BYTES, secret, sizeof secret) < 0 || asprintf(&token, "%s.%s", p->id, secret) < 0)
                return reply_error(q, 500, "random", NULL, "No randomness.");
        erase_memory(secret, sizeof secret);
        s.has_token = token_digest(token, s.token_digest) >= 0;
        if (!s.has_token || storage_session_put(q->manager->storage, &s) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        reply_v3(q, 200, "session", p->id, proof_attributes(p, c, now, token, s.expires_usec));
}

static void session_authenticate_pop(Request *q, const char *id) {
        _cleanup_json_ json_object *body = NULL;
        _cleanup_(pending_session_done) PendingSession p = {};
        _cleanup_(push_certify_done) PushCertify c = {};
        SessionTable *t = q->manager->session_table;
        AttestVerdict v = ATTEST_BAD_SIGNATURE;
        uint64_t now = now_realtime_usec();
        PushError e = {};
        int r;

        if (request_json(q, &body) < 0)
                return;
        if (push_certify_parse(body, &c, &e) < 0)
                return reply_error(q, 400, "invalid_field", e.pointer, "Invalid proof of possession: %s.", e.what);
        r = strlen(id) < SESSION_ID_HEX_SIZE && t ? session_pending_take(t, id, now, &p) : -ENOENT;
        if (r == -ENOENT)
                return reply_no_pending(q, id);
        /* As Keylime: a late proof is answered 200 with evaluation "fail". */
        if (r == -ETIME)
                return reply_v3(q, 200, "session", id, proof_attributes(&p, &c, now, NULL, 0));
        r = check_pop(q, &p, &c, &v);
        if (r < 0 || v != ATTEST_VALID) {
                log_node(LOG_WARNING, MESSAGE_SESSION_REFUSED, p.node_id, "Node %s failed the proof of possession: %s.",
                         p.node_id, r < 0 ? strerror(-r) : attest_verdict_to_string(v));
                return reply_v3(q, 401, "session", id, proof_attributes(&p, &c, now, NULL, 0));
        }
        session_grant(q, &p, &c, now);
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

bool session_renewal_due(uint64_t expires_usec, uint64_t now_usec, uint64_t lifetime_usec) {
        return expires_usec < now_usec + lifetime_usec / 2;
}

int session_authenticate(Request *q, const char *node_id, char **ret_session) {
        return session_authenticate_expiry(q, node_id, ret_session, NULL);
}

int session_bearer(Request *q, char ret_session[SESSION_ID_HEX_MAX + 1], uint8_t ret_digest[static SESSION_TOKEN_DIGEST_SIZE]) {
        const char *h = q->http->authorization, *dot;

        if (!h || strncmp(h, "Bearer ", 7) != 0)
                return -EACCES;
        h += 7;
        dot = strchr(h, '.');
        if (!dot || (size_t) (dot - h) > SESSION_ID_HEX_MAX || strlen(h) > 2 * SESSION_ID_HEX_MAX + 1)
                return -EACCES;
        if (token_digest(h, ret_digest) < 0)
                return -EACCES;
        if (ret_session) {
                memcpy(ret_session, h, (size_t) (dot - h));
                ret_session[dot - h] = '\0';
        }
        return 0;
}

int session_authenticate_expiry(Request *q, const char *node_id, char **ret_session, uint64_t *ret_expires_usec) {
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        char sid[SESSION_ID_HEX_MAX + 1];
        Session s = {};
        int r;

        r = session_bearer(q, sid, digest);
        if (r < 0)
                return r;
        r = storage_session_get(q->manager->storage, sid, &s);
        if (r < 0)
                return r == -ENOENT ? -EACCES : r;
        r = -EACCES;
        if (s.has_token && strcmp(s.node_id, node_id) == 0 && s.expires_usec >= now_realtime_usec() &&
            CRYPTO_memcmp(digest, s.token_digest, sizeof digest) == 0)
                r = 0;
        if (r == 0 && ret_session)
                *ret_session = TAKE_PTR(s.id);
        if (r == 0 && ret_expires_usec)
                *ret_expires_usec = s.expires_usec;
        session_done(&s);
        return r;
}
