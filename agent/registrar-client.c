/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth-tag.h"
#include "fileio.h"
#include "hexdecode.h"
#include "http-client.h"
#include "json-util.h"
#include "attest-limits.h"
#include "log.h"
#include "makecredential.h"
#include "memory-util.h"
#include "registrar-answer.h"
#include "registrar-client.h"
#include "registration-request.h"
#include "tpm-quote.h"

#define REGISTRATION_FILE "registration"
#define REGISTRATION_FILE_MAX 8192

void registration_done(Registration *r) {
        if (r)
                r->verifier_url = mfree(r->verifier_url);
}

static int agents_url(const RegistrarClient *c, const char *agent_id, char **ret) {
        size_t n = strlen(c->base_url);

        while (n > 0 && c->base_url[n - 1] == '/')
                n--;
        return asprintf(ret, "%.*s/v%s/agents/%s", (int) n, c->base_url, c->api_version, agent_id) < 0 ? -ENOMEM : 0;
}

/* Sends body as JSON; the answer is returned whatever its status. */
static int send_json(const RegistrarClient *c, const char *method, const char *url, json_object *body,
                     HttpClientResponse *ret) {
        const char *text = json_object_to_json_string_ext(body, JSON_TEXT_PLAIN);
        int r;

        r = http_client_request(&(HttpClientRequest) {
                        .url = url,
                        .method = method,
                        .ca_file = c->ca_file,
                        .cancel = c->cancel,
                        .body = text,
                        .body_size = strlen(text),
                }, ret);
        if (r < 0)
                return log_error_errno(r, "%s %s failed: %m", method, url);
        return 0;
}

/* Logs a refusal with the registrar's own words when it gave usable ones. */
static int refused(int error, const char *what, const HttpClientResponse *resp) {
        _cleanup_free_ char *status = registrar_answer_status(resp->body, resp->body_size);
        return log_error_errno(error, "%s refused with HTTP %ld (%s).", what, resp->status, status ?: "no reason given");
}

static int add_b64(json_object *body, const char *field, const uint8_t *data, size_t size) {
        _cleanup_free_ char *b64 = base64_encode(data, size);

        if (!b64 || json_add_string(body, field, b64) < 0)
                return -ENOMEM;
        return 0;
}

static int add_public(json_object *body, const char *field, const TPM2B_PUBLIC *pub) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = tpm_public_marshal(pub, &buf, &size);
        if (r < 0)
                return r;
        return add_b64(body, field, buf, size);
}

/* The IAK, its certification of the AK over H(agent id), the IDevID, and
 * their certificates, for those that are configured. */
static int add_devid(json_object *body, AgentIdentity *id, const char *agent_id) {
        static const char *const pub_field[_DEVID_KIND_MAX] = { "iak_tpm", "idevid_tpm" };
        static const char *const cert_field[_DEVID_KIND_MAX] = { "iak_cert", "idevid_cert" };
        const TpmDevIdKey *iak = &id->devid[DEVID_IAK];
        int r;

        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++) {
                const TpmDevIdKey *key = &id->devid[k];
                if (!key->tpm)
                        continue;
                if ((r = add_public(body, pub_field[k], &key->public)) < 0 ||
                    (key->cert && (r = add_b64(body, cert_field[k], key->cert, key->cert_size)) < 0))
                        return log_error_errno(r, "Failed to encode the %s: %m", devid_kind_to_string(k));
        }
        if (iak->tpm) {
                _cleanup_tpm_evidence_ TpmEvidence e = {};

                r = tpm_iak_certify_ak(id->tpm, iak, &id->ak, agent_id, &e);
                if (r < 0)
                        return log_error_errno(r, "Failed to certify the AK with the IAK: %m");
                if (add_b64(body, "iak_attest", e.attest, e.attest_size) < 0 ||
                    add_b64(body, "iak_sign", e.signature, e.signature_size) < 0)
                        return log_oom();
        }
        return 0;
}

static int post_identity(const RegistrarClient *c, const char *url, const char *agent_id, AgentIdentity *id,
                         uint8_t **ret_blob, size_t *ret_blob_size) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_json_ json_object *body = NULL;
        _cleanup_free_ uint8_t *cert = NULL;
        size_t cert_size = 0;
        int r;

        r = tpm_ek_read_cert(id->tpm, id->ek.type, &cert, &cert_size);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read the EK certificate: %m");

        body = json_object_new_object();
        if (!body || add_public(body, "ek_tpm", &id->ek.public) < 0 ||
            add_public(body, "aik_tpm", &id->ak.public) < 0 ||
            (cert && add_b64(body, "ekcert", cert, cert_size) < 0))
                return log_oom();
        r = add_devid(body, id, agent_id);
        if (r < 0)
                return r;

        r = send_json(c, "POST", url, body, &resp);
        if (r < 0)
                return r;
        if (resp.status == 403)
                return refused(-EPERM, "Registration (the id is registered with another EK or AK, "
                               "or the identity is not trusted)", &resp);
        /* The instance failed, not the request: the next instance (or a retry) may serve it. */
        if (resp.status >= 500)
                return refused(-EREMOTEIO, "Registration", &resp);
        if (resp.status != 200)
                return refused(-EPROTO, "Registration", &resp);

        r = registrar_answer_blob(resp.body, resp.body_size, ret_blob, ret_blob_size);
        if (r < 0)
                return log_error_errno(r, "The registration answer holds no usable credential blob: %m");
        return 0;
}

static int put_auth_tag(const RegistrarClient *c, const char *url, const char *tag, char **ret_verifier_url) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_json_ json_object *body = NULL;
        int r;

        body = json_object_new_object();
        if (!body || json_add_string(body, "auth_tag", tag) < 0)
                return log_oom();

        r = send_json(c, "PUT", url, body, &resp);
        if (r < 0)
                return r;
        if (resp.status >= 500)
                return refused(-EREMOTEIO, "Activation", &resp);
        if (resp.status != 200)
                return refused(-EPERM, "Activation", &resp);

        /* hostattest's registrar says where to push; Keylime's says nothing. */
        r = registrar_answer_activation(resp.body, resp.body_size, ret_verifier_url);
        if (r < 0)
                return log_error_errno(r, "The activation answer is invalid: %m");
        return 0;
}

/* The registration record: agent id, registrar URL and AK name, one per line,
 * then the verifier URL when one was given. */
static int record_format(const char *agent_id, const RegistrarClient *c, const TpmAk *ak, char **ret) {
        _cleanup_free_ char *name = hex_encode(ak->name.name, ak->name.size);
        if (!name)
                return -ENOMEM;
        return asprintf(ret, "%s\n%s\n%s\n", agent_id, c->base_url, name) < 0 ? -ENOMEM : 0;
}

static int record_check(const char *state_dir, const char *expected, char **ret_verifier_url) {
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size, n = strlen(expected);
        char *rest;
        int r;

        if (asprintf(&path, "%s/" REGISTRATION_FILE, state_dir) < 0)
                return -ENOMEM;
        r = read_full_file(path, REGISTRATION_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        if (size < n || memcmp(buf, expected, n) != 0)
                return -ESTALE;
        rest = (char *) buf + n;
        rest[strcspn(rest, "\n")] = 0;
        *ret_verifier_url = *rest ? strdup(rest) : NULL;
        return *rest && !*ret_verifier_url ? -ENOMEM : 0;
}

static int record_write(const char *state_dir, const char *record, const char *verifier_url) {
        _cleanup_free_ char *path = NULL, *text = NULL;

        if (asprintf(&path, "%s/" REGISTRATION_FILE, state_dir) < 0 ||
            asprintf(&text, "%s%s%s", record, verifier_url ?: "", verifier_url ? "\n" : "") < 0)
                return -ENOMEM;
        return write_file_atomic(path, text, strlen(text), 0644);
}

int registrar_forget(const char *state_dir) {
        _cleanup_free_ char *path = NULL;

        assert(state_dir);
        if (asprintf(&path, "%s/" REGISTRATION_FILE, state_dir) < 0)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int registrar_register(const RegistrarClient *c, const char *state_dir, const char *agent_id,
                       AgentIdentity *id, Registration *ret) {
        _cleanup_free_ char *url = NULL, *record = NULL, *tag = NULL, *verifier = NULL;
        _cleanup_secret_buffer_ SecretBuffer credential = {};
        _cleanup_free_ uint8_t *blob = NULL;
        size_t blob_size;
        int r;

        assert(c && state_dir && id && ret);

        if (!c->base_url)
                return log_error_errno(-EINVAL, "No registrar configured.");
        if (!agent_id_is_valid(agent_id))
                return log_error_errno(-EINVAL, "Invalid agent id '%s'.", agent_id);
        if (agents_url(c, agent_id, &url) < 0 || record_format(agent_id, c, &id->ak, &record) < 0)
                return log_oom();

        r = record_check(state_dir, record, &verifier);
        if (r >= 0) {
                log_info("Already registered as %s with this AK; not registering again.", agent_id);
                *ret = (Registration) { .verifier_url = TAKE_PTR(verifier), .reused = true };
                return 0;
        }

        r = post_identity(c, url, agent_id, id, &blob, &blob_size);
        if (r < 0)
                return r;

        r = tpm_activate_credential(id->tpm, &id->ek, &id->ak, blob, blob_size, &credential);
        if (r < 0)
                return log_error_errno(r, "Failed to activate the registrar's credential: %m");

        r = auth_tag_compute(credential.data, credential.size, agent_id, &tag);
        if (r < 0)
                return log_error_errno(r, "Failed to compute the auth_tag: %m");

        r = put_auth_tag(c, url, tag, &verifier);
        if (r < 0)
                return r;

        r = record_write(state_dir, record, verifier);
        if (r < 0)
                log_warning_errno(r, "Registered, but failed to record it in %s: %m", state_dir);

        log_info("Registered and activated as %s at %s.", agent_id, c->base_url);
        *ret = (Registration) { .verifier_url = TAKE_PTR(verifier) };
        return 0;
}
