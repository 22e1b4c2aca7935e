/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "auth-tag.h"
#include "conf-parser.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "makecredential.h"
#include "memory-util.h"
#include "registration-request.h"
#include "tpm2-public.h"
#include "verifierd.h"
#include "verifierd-identity.h"
#include "verifierd-messages.h"
#include "verifierd-secret-store.h"

#define SWAP_PTR(a, b) do { typeof(a) _t_ = (a); (a) = (b); (b) = _t_; } while (0)

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static int sha256(const void *data, size_t size, uint8_t out[static 32]) {
        return hash_alg_digest(hash_alg_from_tpm_id(TPM2_ALG_ID_SHA256), data, size, out);
}

static bool blob_equal(const Blob *a, const Blob *b) {
        return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* Makes the credential for the AK under the EK: returns the base64 credential file and
 * the digest of the auth_tag the node must answer with. The credential itself is wiped. */
static int make_challenge(const Tpm2Public *ek, const Tpm2Public *ak, const char *id, char **ret_blob,
                          uint8_t ret_auth_digest[static NODE_AUTH_DIGEST_SIZE]) {
        uint8_t secret[CREDENTIAL_KEYLIME_SECRET_SIZE], tag[AUTH_TAG_SIZE];
        _cleanup_free_ uint8_t *file = NULL;
        _cleanup_erase_string_ char *tag_hex = NULL;
        CredentialBlob cb;
        size_t file_size;
        char *b64;
        int r;

        r = credential_random_secret(secret, sizeof secret);
        if (r >= 0)
                r = makecredential(ek, ak->name, ak->name_size, secret, sizeof secret, &cb);
        if (r >= 0)
                r = auth_tag_compute(secret, sizeof secret, id, &tag_hex);
        erase_memory(secret, sizeof secret);
        if (r < 0)
                return r;
        r = hex_decode_into(tag_hex, strlen(tag_hex), tag, sizeof tag);
        if (r >= 0)
                r = sha256(tag, sizeof tag, ret_auth_digest);
        erase_memory(tag, sizeof tag);
        if (r < 0)
                return r;
        r = credential_blob_serialize(&cb, &file, &file_size);
        if (r < 0)
                return r;
        b64 = base64_encode(file, file_size);
        if (!b64)
                return -ENOMEM;
        *ret_blob = b64;
        return 0;
}

static int node_from_request(const char *id, RegistrationRequest *req, Node **ret) {
        _cleanup_(node_freep) Node *n = calloc(1, sizeof *n);

        if (!n || !(n->id = strdup(id)))
                return -ENOMEM;
        n->state = NODE_REGISTERED;
        n->ek_tpm = req->ek_tpm;
        n->aik_tpm = req->aik_tpm;
        n->ekcert = req->ekcert;
        n->iak_tpm = req->iak_tpm;
        n->idevid_tpm = req->idevid_tpm;
        n->iak_cert = req->iak_cert;
        n->idevid_cert = req->idevid_cert;
        n->mtls_cert = TAKE_PTR(req->mtls_cert);
        n->ip = TAKE_PTR(req->ip);
        n->port = req->port;
        req->ek_tpm = req->aik_tpm = req->ekcert = req->iak_tpm = req->idevid_tpm = (Blob) {};
        req->iak_cert = req->idevid_cert = (Blob) {};
        n->regcount = 1;
        n->registered_usec = now_usec();
        *ret = TAKE_PTR(n);
        return 0;
}

/* A known id re-registering: only the very same identity may, and keeps its enrolment. */
static int merge_existing(Request *q, Node *old, Node *n) {
        if (!blob_equal(&old->ek_tpm, &n->ek_tpm) || !blob_equal(&old->aik_tpm, &n->aik_tpm) ||
            !blob_equal(&old->iak_tpm, &n->iak_tpm)) {
                log_node(LOG_WARNING, MESSAGE_REGISTRATION_REFUSED, n->id,
                         "Refused registration of node %s: it is registered with a different identity.", n->id);
                reply_error(q, 403, "identity_changed", NULL,
                            "Node %s is registered with a different EK, AK or IAK.", n->id);
                return -EPERM;
        }
        n->state = old->state;
        n->regcount = old->regcount + 1;
        n->activated_usec = old->activated_usec;
        n->enrolled_usec = old->enrolled_usec;
        SWAP_PTR(n->tpm_policy, old->tpm_policy);
        SWAP_PTR(n->boot_policy, old->boot_policy);
        SWAP_PTR(n->runtime_policy, old->runtime_policy);
        SWAP_PTR(n->boot_policy_name, old->boot_policy_name);
        SWAP_PTR(n->runtime_policy_name, old->runtime_policy_name);
        SWAP_PTR(n->tpm_policy_name, old->tpm_policy_name);
        SWAP_PTR(n->failure_actions, old->failure_actions);
        SWAP_PTR(n->verdict, old->verdict);
        n->attest_count = old->attest_count;
        n->interval_sec = old->interval_sec;
        n->attestations_passed = old->attestations_passed;
        n->last_attestation_usec = old->last_attestation_usec;
        SWAP_PTR(n->attested_by, old->attested_by);
        return 0;
}

/* A registration whose credential was never activated lapses: until then only
 * the same EK and AK may register the id again, so that a stranger can neither
 * take it nor keep it from the node that holds the TPM. */
static bool registration_expired(const Manager *m, const Node *n) {
        uint64_t timeout = m->config.registration_timeout_sec * 1000000ULL;

        return n->state == NODE_REGISTERED && now_usec() - n->registered_usec >= timeout;
}

/* Another node id already holds this EK: one TPM under two ids. The journal says
 * which; the answer to a refused node does not (node ids are not its business). */
static int check_duplicate_ek(Request *q, const Node *n) {
        Manager *m = q->manager;
        _cleanup_strv_free_ char **others = NULL;
        size_t k;
        int r;

        r = storage_node_ids_by_ek(m->storage, &n->ek_tpm, n->id, &others);
        if (r < 0) {
                reply_error(q, 500, "storage", NULL, "Storage failure.");
                return r;
        }
        if (!others)
                return 0;
        k = strv_length(others);
        switch (m->config.duplicate_ek) {
        case DUPLICATE_EK_REFUSE:
                log_node(LOG_WARNING, MESSAGE_DUPLICATE_EK, n->id,
                         "Refused registration of node %s: its EK is registered as node %s%s (duplicate_ek = refuse).",
                         n->id, others[0], k > 1 ? " and others" : "");
                reply_error(q, 403, "duplicate_ek", "/data/attributes/ek_tpm",
                            "This EK is registered under another node id; remove that node first.");
                return -EPERM;
        case DUPLICATE_EK_REPLACE:
                log_node(LOG_WARNING, MESSAGE_DUPLICATE_EK, n->id,
                         "Node %s registers with the EK of node %s%s, removed once %s activates its credential.",
                         n->id, others[0], k > 1 ? " and others" : "", n->id);
                return 0;
        default:
                log_node(LOG_WARNING, MESSAGE_DUPLICATE_EK, n->id,
                         "Node %s registers with the EK of node %s%s: one TPM under %zu node ids.",
                         n->id, others[0], k > 1 ? " and others" : "", k + 1);
                return 0;
        }
}

/* duplicate_ek = replace: activation proved that n holds the TPM, so the other
 * ids of that EK are a previous installation of the same host. */
static void remove_replaced(Manager *m, const Node *n) {
        _cleanup_strv_free_ char **others = NULL;

        if (m->config.duplicate_ek != DUPLICATE_EK_REPLACE ||
            storage_node_ids_by_ek(m->storage, &n->ek_tpm, n->id, &others) < 0)
                return;
        for (char **id = others; id && *id; id++) {
                if (storage_node_delete(m->storage, *id) < 0)
                        continue;
                (void) secret_store_delete_node(m->secrets, *id);
                (void) storage_event_add(m->storage, n->id, "replaced", *id);
                log_node(LOG_NOTICE, MESSAGE_NODE_REMOVED, *id,
                         "Node %s removed: node %s activated a credential with the same EK (duplicate_ek = replace).",
                         *id, n->id);
        }
}

int node_json_add_ek_digest(const Node *n, json_object *o) {
        _cleanup_free_ char *hex = NULL;
        uint8_t d[32];
        int r;

        r = sha256(n->ek_tpm.data, n->ek_tpm.size, d);
        if (r < 0)
                return r;
        hex = hex_encode(d, sizeof d);
        if (!hex)
                return -ENOMEM;
        return json_add_string(o, "ek_digest", hex);
}

int node_json_add_shared_ek(Manager *m, const Node *n, json_object *o) {
        _cleanup_strv_free_ char **others = NULL;
        json_object *a;
        int r;

        r = storage_node_ids_by_ek(m->storage, &n->ek_tpm, n->id, &others);
        if (r < 0)
                return r;
        a = json_object_new_array();
        if (!a || json_object_object_add(o, "ek_shared_with", a) < 0) {
                json_object_put(a);
                return -ENOMEM;
        }
        for (char **id = others; id && *id; id++)
                if (json_object_array_add(a, json_object_new_string(*id)) < 0)
                        return -ENOMEM;
        return 0;
}

static void reply_registered(Request *q, const char *id, const char *blob) {
        json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "blob", blob) < 0) {
                json_object_put(o);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        if (q->major == 3)
                return reply_v3(q, 201, "agent", id, o);
        reply_v2(q, 200, o);
}

/* Registration: checks the identity, stores the node and answers the credential blob. */
static void handle_register(Request *q, const char *id, json_object *attrs) {
        Manager *m = q->manager;
        _cleanup_(registration_request_done) RegistrationRequest req = {};
        _cleanup_(tpm2_public_freep) Tpm2Public *ek = NULL, *ak = NULL;
        _cleanup_(node_freep) Node *n = NULL, *old = NULL;
        _cleanup_free_ char *blob = NULL;
        const char *field = NULL;
        int r;

        if (!agent_id_is_valid(id))
                return reply_error(q, 400, "invalid_agent_id", "/data/attributes/agent_id", "Invalid agent id.");
        r = registration_request_parse(attrs, &req, &field);
        if (r == -ENOMEM)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        if (r < 0)
                return reply_error(q, r == -E2BIG ? 413 : 400, "invalid_field", NULL,
                                   "Field '%s' is missing or invalid.", field ?: "?");
        if (identity_check(q, id, &req, &ek, &ak) < 0)
                return;   /* answered */

        r = node_from_request(id, &req, &n);
        if (r < 0)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        r = storage_node_get(m->storage, id, &old);
        if (r < 0 && r != -ENOENT)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        if (old && registration_expired(m, old)) {
                (void) storage_event_add(m->storage, id, "registration_expired", "replaced by a new registration");
                log_node(LOG_NOTICE, MESSAGE_NODE_REGISTERED, id,
                         "Registration of node %s expired before activation; a new one replaces it.", id);
                old = node_free(old);
        }
        if (old && merge_existing(q, old, n) < 0)
                return;
        if (!old && check_duplicate_ek(q, n) < 0)
                return;

        r = make_challenge(ek, ak, id, &blob, n->auth_digest);
        if (r < 0) {
                log_node(LOG_ERR, MESSAGE_SERVICE_ERROR, id, "MakeCredential for node %s failed: %s", id, strerror(-r));
                return reply_error(q, 400, "makecredential_failed", "/data/attributes/ek_tpm",
                                   "Cannot make a credential for this EK and AK.");
        }
        r = storage_node_put(m->storage, n);
        if (r < 0) {
                log_node(LOG_ERR, MESSAGE_SERVICE_ERROR, id, "Failed to store node %s: %s", id, strerror(-r));
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        (void) storage_event_add(m->storage, id, "registered", old ? "re-registration" : NULL);
        log_node(LOG_INFO, MESSAGE_NODE_REGISTERED, id, "Node %s registered%s (registration %u).", id,
                 n->ekcert.data ? " with an EK certificate" : "", n->regcount);
        reply_registered(q, id, blob);
}

static void reply_activated(Request *q, const Node *n) {
        json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "verifier_url", q->manager->config.verifier_url) < 0 ||
            json_add_string(o, "state", node_state_to_string(n->state)) < 0) {
                json_object_put(o);
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        }
        if (q->major == 3)
                return reply_v3(q, 200, "agent", n->id, o);
        reply_v2(q, 200, o);
}

static bool auth_digest_matches(const Node *n, const uint8_t *tag, size_t size) {
        static const uint8_t none[NODE_AUTH_DIGEST_SIZE] = {};
        uint8_t d[NODE_AUTH_DIGEST_SIZE];

        if (memcmp(n->auth_digest, none, sizeof none) == 0)   /* nothing pending */
                return false;
        if (sha256(tag, size, d) < 0)
                return false;
        return memcmp_const_time(d, n->auth_digest, sizeof d) == 0;
}

/* Activation: the node proves it decrypted the credential; then it is enrolled. */
static void handle_activate(Request *q, const char *id, json_object *attrs) {
        Manager *m = q->manager;
        _cleanup_(node_freep) Node *n = NULL;
        _cleanup_free_ uint8_t *tag = NULL;
        size_t tag_size;
        int r;

        r = storage_node_get(m->storage, id, &n);
        if (r == -ENOENT)
                return reply_error(q, 404, "not_found", NULL, "Node %s is not registered.", id);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        r = auth_tag_parse(attrs, &tag, &tag_size);
        if (r < 0)
                return reply_error(q, 400, "invalid_field", "/data/attributes/auth_tag", "Field 'auth_tag' is missing or invalid.");

        if (registration_expired(m, n)) {
                if (storage_node_delete(m->storage, id) >= 0)
                        (void) storage_event_add(m->storage, id, "registration_expired", NULL);
                log_node(LOG_WARNING, MESSAGE_REGISTRATION_REFUSED, id,
                         "Activation of node %s refused: its registration expired.", id);
                return reply_error(q, 404, "registration_expired", NULL,
                                   "The registration of node %s expired; register again.", id);
        }
        if (!auth_digest_matches(n, tag, tag_size)) {
                /* Changes nothing: anyone can send a wrong proof, and it must not cost
                 * the node holding the TPM its pending registration or its enrolment. */
                log_node(LOG_WARNING, MESSAGE_REGISTRATION_REFUSED, id,
                         "Activation of node %s refused: wrong auth_tag.", id);
                return reply_error(q, 400, "auth_tag_mismatch", "/data/attributes/auth_tag", "auth_tag does not match.");
        }

        memset(n->auth_digest, 0, sizeof n->auth_digest);
        bool enrolled_now = false, first_activation = n->state == NODE_REGISTERED;
        if (first_activation) {
                n->state = NODE_ACTIVATED;
                n->activated_usec = now_usec();
                if (m->tenant.auto_enrol) {
                        r = enrol_with_defaults(m, n);
                        if (r < 0)
                                return reply_error(q, 500, "enrolment_failed", NULL, "Default enrolment failed.");
                        enrolled_now = true;
                }
        }
        /* With the node's engine policies: enrolment may have replaced them. */
        r = storage_node_put_policies(m->storage, n);
        if (r < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        (void) storage_event_add(m->storage, id, "activated", NULL);
        log_node(LOG_INFO, MESSAGE_NODE_ACTIVATED, id, "Node %s activated its credential.", id);
        if (first_activation)
                remove_replaced(m, n);
        if (enrolled_now) {
                (void) storage_event_add(m->storage, id, "enrolled", "tenant.conf defaults");
                log_node(LOG_INFO, MESSAGE_NODE_ENROLLED, id, "Node %s enrolled with the tenant.conf defaults.", id);
        }
        reply_activated(q, n);
}

/* The JSON:API attributes object of a v3 body. */
json_object *v3_attributes(Request *q, json_object *body, const char *type) {
        json_object *data, *t, *attrs;

        if (!json_object_object_get_ex(body, "data", &data) || !json_object_is_type(data, json_type_object) ||
            !json_object_object_get_ex(data, "type", &t) || !json_object_is_type(t, json_type_string) ||
            strcmp(json_object_get_string(t), type) != 0 ||
            !json_object_object_get_ex(data, "attributes", &attrs) || !json_object_is_type(attrs, json_type_object)) {
                reply_error(q, 400, "invalid_document", "/data", "Expected a JSON:API document of type '%s'.", type);
                return NULL;
        }
        return attrs;
}

static bool is_method(Request *q, const char *method) {
        return strcmp(q->http->method, method) == 0;
}

/* v2: POST|PUT /v2.N/agents/{id}; v3: POST /v3.0/agents, POST /v3.0/agents/{id}/activate. */
bool route_registrar(Request *q) {
        _cleanup_json_ json_object *body = NULL;
        json_object *attrs;
        const char *id;
        bool v2_post, v2_put, v3_post, v3_activate;

        if (q->n_seg < 1 || strcmp(q->seg[0], "agents") != 0)
                return false;
        v2_post = q->major == 2 && q->n_seg == 2 && is_method(q, "POST");
        v2_put = q->major == 2 && q->n_seg == 2 && is_method(q, "PUT");
        v3_post = q->major == 3 && q->n_seg == 1 && is_method(q, "POST");
        v3_activate = q->major == 3 && q->n_seg == 3 && strcmp(q->seg[2], "activate") == 0 && is_method(q, "POST");
        if (!v2_post && !v2_put && !v3_post && !v3_activate)
                return false;
        if (request_json(q, &body) < 0)
                return true;

        /* An admin's POST without an AK is keylime_tenant adding a node, not a registration. */
        if (v2_post && q->admin && !json_object_object_get_ex(body, "aik_tpm", NULL))
                return route_keylime_admin(q);

        if (v2_post || v2_put) {
                id = q->seg[1];
                attrs = body;
        } else if (v3_post) {
                if (!(attrs = v3_attributes(q, body, "agent")))
                        return true;
                if (json_get_string_required(attrs, "agent_id", AGENT_ID_MAX, &id) < 0) {
                        reply_error(q, 400, "invalid_field", "/data/attributes/agent_id", "Field 'agent_id' is missing or invalid.");
                        return true;
                }
        } else {
                id = q->seg[1];
                if (!(attrs = v3_attributes(q, body, "activation")))
                        return true;
        }
        if (v2_post || v3_post)
                handle_register(q, id, attrs);
        else
                handle_activate(q, id, attrs);
        return true;
}
