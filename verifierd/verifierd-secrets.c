/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Secret release to nodes: POST /v3.0/agents/{id}/secrets/{name}/challenge
 * gives a single-use challenge; POST /v3.0/agents/{id}/secrets/{name} with a
 * fresh TPM decryption key certified by the node's AK over that challenge
 * returns the secret wrapped to the key, if the node passed recently. Both
 * need the node's bearer token: a stranger can neither replace a node's
 * challenge nor use it up. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "registration-request.h"
#include "secret-name.h"
#include "secret-release.h"
#include "secret-wrap.h"
#include "secret-wrap-json.h"
#include "tpm2-public.h"

#include "verifierd-messages.h"
#include "verifierd-secrets.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);

uint64_t secrets_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000) + (uint64_t) ts.tv_nsec / 1000;
}

/* The node's latest attestation, as the freshness rule sees it. Today the
 * node row's verdict and time (which the push attestation flow keeps
 * current); the place to consult the attestation history instead. */
static void node_secret_status(const Node *n, SecretNodeStatus *ret) {
        *ret = (SecretNodeStatus) {
                .verdict = n->verdict,
                .last_attestation_usec = n->last_attestation_usec,
        };
}

/* Loads a node that may ask for secrets: ENROLLED, or TERMINATED after its
 * last counted attestation (the one-shot unlock of an initramfs). */
int secrets_load_node(Request *q, const char *id, bool for_node, Node **ret) {
        int r;

        if (!agent_id_is_valid(id)) {
                reply_error(q, 400, "invalid_agent_id", NULL, "Invalid node id.");
                return -EINVAL;
        }
        if (!secret_store_enabled(q->manager->secrets)) {
                reply_error(q, 503, "secrets_disabled", NULL, "This verifier has no secret key configured.");
                return -ENOKEY;
        }
        r = storage_node_get(q->manager->storage, id, ret);
        if (r == -ENOENT)
                reply_error(q, 404, "not_found", NULL, "No node %s.", id);
        else if (r < 0)
                reply_error(q, 500, "storage", NULL, "Storage failure.");
        else if (for_node && (*ret)->state != NODE_ENROLLED && (*ret)->state != NODE_TERMINATED) {
                reply_error(q, 409, "not_attesting", NULL, "Node %s is %s.", id, node_state_to_string((*ret)->state));
                *ret = node_free(*ret);
                return -EPERM;
        }
        return r;
}

/* The node's bearer token (from a session, which a TERMINATED node may
 * still open); answers 401 itself. */
static int authorize(Request *q, const char *id) {
        int r;

        if (!agent_id_is_valid(id)) {
                reply_error(q, 400, "invalid_agent_id", NULL, "Invalid node id.");
                return -EINVAL;
        }
        r = session_authenticate(q, id, NULL);
        if (r == -EACCES)
                reply_error(q, 401, "unauthorized", NULL, "Missing, invalid or expired bearer token.");
        else if (r < 0)
                reply_error(q, 500, "storage", NULL, "Storage failure.");
        return r;
}

static void issue_challenge(Request *q, const char *id, const char *name) {
        _cleanup_(node_freep) Node *n = NULL;
        uint8_t challenge[SECRET_CHALLENGE_SIZE];
        _cleanup_free_ char *b64 = NULL;
        json_object *attrs;

        if (authorize(q, id) < 0 || secrets_load_node(q, id, true, &n) < 0)
                return;
        if (secret_challenge_issue(q->manager->secrets, id, name, secrets_now_usec(), challenge) < 0)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        b64 = base64_encode(challenge, sizeof(challenge));
        attrs = json_object_new_object();
        if (!b64 || !attrs || json_add_string(attrs, "challenge", b64) < 0 ||
            json_add_int(attrs, "expires_in", SECRET_CHALLENGE_TTL_SEC) < 0) {
                json_object_put(attrs);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        reply_v3(q, 201, "secret_challenge", name, attrs);
}

typedef struct RequestBlobs {
        uint8_t *key_public, *attest, *signature;
        size_t key_public_size, attest_size, signature_size;
} RequestBlobs;

static void request_blobs_done(RequestBlobs *b) {
        free(b->key_public);
        free(b->attest);
        free(b->signature);
}

static int read_blobs(Request *q, json_object *attrs, RequestBlobs *b) {
        if (json_get_base64(attrs, "key_public", REG_TPM2B_PUBLIC_MAX, &b->key_public, &b->key_public_size) < 0) {
                reply_error(q, 400, "invalid_field", "/data/attributes/key_public", "Field 'key_public' is missing or invalid.");
                return -EINVAL;
        }
        if (json_get_base64(attrs, "certify_attest", REG_ATTEST_MAX, &b->attest, &b->attest_size) < 0) {
                reply_error(q, 400, "invalid_field", "/data/attributes/certify_attest", "Field 'certify_attest' is missing or invalid.");
                return -EINVAL;
        }
        if (json_get_base64(attrs, "certify_signature", REG_SIGNATURE_MAX, &b->signature, &b->signature_size) < 0) {
                reply_error(q, 400, "invalid_field", "/data/attributes/certify_signature", "Field 'certify_signature' is missing or invalid.");
                return -EINVAL;
        }
        return 0;
}

static int node_ak(const Node *n, EVP_PKEY **ret) {
        _cleanup_(tpm2_public_freep) Tpm2Public *ak = NULL;
        int r;

        r = tpm2_public_parse(n->aik_tpm.data, n->aik_tpm.size, &ak);
        if (r < 0)
                return r;
        return tpm2_public_to_evp_pkey(ak, ret);
}

/* Wraps the stored secret to key and answers with it. */
static void release(Request *q, const char *id, const char *name, const Tpm2Public *key) {
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        _cleanup_(secret_wrapped_done) SecretWrapped w = {};
        _cleanup_free_ uint8_t *aad = NULL;
        size_t aad_size;
        json_object *attrs;
        int r;

        r = secret_store_get(q->manager->secrets, id, name, &secret);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "Node %s has no secret %s.", id, name);
        if (r < 0)
                return reply_error(q, 500, "secret_store", NULL, "The secret cannot be read.");
        r = secret_aad(id, name, &aad, &aad_size);
        if (r >= 0)
                r = secret_wrap(key, aad, aad_size, secret.data, secret.size, &w);
        if (r < 0 || !(attrs = secret_wrapped_to_json(&w)))
                return reply_error(q, 500, "wrap_failed", NULL, "The secret cannot be wrapped to this key.");
        log_node(LOG_INFO, MESSAGE_SECRET_RELEASED, id, "Secret %s released to node %s.", name, id);
        reply_v3(q, 200, "secret", name, attrs);
}

static void refuse(Request *q, const char *id, const char *name, SecretRefusal refusal) {
        log_node(LOG_WARNING, MESSAGE_SECRET_REFUSED, id, "Secret %s refused to node %s: %s",
                 name, id, secret_refusal_to_message(refusal));
        reply_error(q, 403, secret_refusal_to_string(refusal), NULL, "%s", secret_refusal_to_message(refusal));
}

/* Checks the key and its certification over the open challenge; -EPERM
 * after answering a refusal, other errors after answering them. */
static int check_certification(Request *q, const Node *n, const char *name, const RequestBlobs *b,
                               Tpm2Public **ret_key) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *ak = NULL;
        uint8_t challenge[SECRET_CHALLENGE_SIZE];
        SecretRefusal refusal;
        uint64_t now = secrets_now_usec();
        /* Only the certification is checked here: a status that passes now
         * keeps secret_release_check() from refusing on freshness first. */
        SecretNodeStatus certification_only = { .verdict = "PASS", .last_attestation_usec = now };

        if (secret_challenge_peek(q->manager->secrets, n->id, name, now, challenge) < 0) {
                reply_error(q, 409, "no_challenge", NULL, "No open challenge for secret %s; ask for one first.", name);
                return -ENOENT;
        }
        if (node_ak(n, &ak) < 0) {
                reply_error(q, 500, "bad_ak", NULL, "The stored AK of node %s cannot be used.", n->id);
                return -EINVAL;
        }
        SecretReleaseRequest req = {
                .ak = ak, .challenge = challenge, .challenge_size = sizeof(challenge),
                .key_public = b->key_public, .key_public_size = b->key_public_size,
                .certify_attest = b->attest, .certify_attest_size = b->attest_size,
                .certify_signature = b->signature, .certify_signature_size = b->signature_size,
        };
        if (secret_release_check(&req, &certification_only, now, UINT64_MAX, &refusal, ret_key) < 0) {
                reply_error(q, 500, "check_failed", NULL, "The request cannot be checked.");
                return -EIO;
        }
        if (refusal != SECRET_RELEASE_OK) {
                refuse(q, n->id, name, refusal);
                return -EPERM;
        }
        return 0;
}

static void handle_request(Request *q, const char *id, const char *name) {
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_json_ json_object *body = NULL;
        _cleanup_(request_blobs_done) RequestBlobs b = {};
        _cleanup_(tpm2_public_freep) Tpm2Public *key = NULL;
        uint8_t used[SECRET_CHALLENGE_SIZE];
        SecretNodeStatus status;
        SecretRefusal refusal;
        json_object *attrs;

        if (authorize(q, id) < 0 || secrets_load_node(q, id, true, &n) < 0)
                return;
        if (request_json(q, &body) < 0 || !(attrs = v3_attributes(q, body, "secret_request")) ||
            read_blobs(q, attrs, &b) < 0)
                return;
        if (check_certification(q, n, name, &b, &key) < 0)
                return;
        /* Used up only now, by a certification over it: a request that does
         * not parse or verify leaves the challenge to the next one. */
        (void) secret_challenge_take(q->manager->secrets, id, name, secrets_now_usec(), used);
        erase_memory(used, sizeof used);
        node_secret_status(n, &status);
        refusal = secret_release_freshness(&status, secrets_now_usec(),
                                           q->manager->config.secret_max_age_sec * UINT64_C(1000000));
        if (refusal != SECRET_RELEASE_OK)
                return refuse(q, id, name, refusal);
        release(q, id, name, key);
}

bool route_secrets(Request *q) {
        const char *const *s = q->seg;

        if (q->major != 3 || q->n_seg < 4 || q->n_seg > 5 || strcmp(s[0], "agents") != 0 ||
            strcmp(s[2], "secrets") != 0)
                return false;
        if (q->n_seg == 5 && strcmp(s[4], "challenge") != 0)
                return false;
        if (strcmp(q->http->method, "POST") != 0)
                return reply_error(q, 405, "method_not_allowed", NULL, "Use POST."), true;
        if (!secret_name_is_valid(s[3]))
                return reply_error(q, 400, "invalid_secret_name", NULL, "Invalid secret name."), true;
        if (q->n_seg == 5)
                issue_challenge(q, s[1], s[3]);
        else
                handle_request(q, s[1], s[3]);
        return true;
}
