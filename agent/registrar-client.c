/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth-tag.h"
#include "fileio.h"
#include "hexdecode.h"
#include "http-client.h"
#include "json-util.h"
#include "limits.h"
#include "log.h"
#include "makecredential.h"
#include "memory-util.h"
#include "registrar-client.h"
#include "tpm-quote.h"

#define REGISTRATION_FILE "registration"
#define REGISTRATION_FILE_MAX 8192
#define VERIFIER_URL_MAX 2048

void registration_done(Registration *r) {
        if (r)
                r->verifier_url = mfree(r->verifier_url);
}

bool agent_id_is_valid(const char *id) {
        size_t n;

        if (!id)
                return false;
        n = strlen(id);
        if (n == 0 || n > AGENT_ID_MAX)
                return false;
        return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int agents_url(const RegistrarClient *c, const char *agent_id, char **ret) {
        size_t n = strlen(c->base_url);

        while (n > 0 && c->base_url[n - 1] == '/')
                n--;
        return asprintf(ret, "%.*s/v%s/agents/%s", (int) n, c->base_url, c->api_version, agent_id) < 0 ? -ENOMEM : 0;
}

/* The v2 envelope's "status" text, for error messages. */
static const char *status_text(json_object *doc) {
        json_object *s;
        if (doc && json_object_object_get_ex(doc, "status", &s) && json_object_is_type(s, json_type_string))
                return json_object_get_string(s);
        return "no status";
}

static int send_json(const RegistrarClient *c, const char *method, const char *url, json_object *body,
                     long *ret_status, json_object **ret_doc) {
        const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        json_object *doc = NULL;
        int r;

        r = http_client_request(&(HttpClientRequest) {
                        .url = url,
                        .method = method,
                        .ca_file = c->ca_file,
                        .body = text,
                        .body_size = strlen(text),
                }, &resp);
        if (r < 0)
                return log_error_errno(r, "%s %s failed: %m", method, url);

        /* A body that is not JSON is fine for an error status; it is then reported without details. */
        if (json_parse_object(resp.body, resp.body_size, &doc) < 0 && resp.status / 100 == 2)
                return log_error_errno(-EBADMSG, "%s %s: the answer is not a JSON object.", method, url);

        *ret_status = resp.status;
        *ret_doc = doc;
        return 0;
}

static int post_identity(const RegistrarClient *c, const char *url, AgentIdentity *id, uint8_t **ret_blob,
                         size_t *ret_blob_size) {
        _cleanup_json_ json_object *body = NULL, *doc = NULL;
        _cleanup_free_ uint8_t *ek = NULL, *ak = NULL, *cert = NULL;
        _cleanup_free_ char *ek_b64 = NULL, *ak_b64 = NULL, *cert_b64 = NULL;
        size_t ek_size, ak_size, cert_size = 0;
        json_object *results;
        long status;
        int r;

        if (tpm_public_marshal(&id->ek.public, &ek, &ek_size) < 0 ||
            tpm_public_marshal(&id->ak.public, &ak, &ak_size) < 0)
                return log_oom();
        r = tpm_ek_read_cert(id->tpm, id->ek.type, &cert, &cert_size);
        if (r < 0 && r != -ENOENT)
                return log_error_errno(r, "Failed to read the EK certificate: %m");

        ek_b64 = base64_encode(ek, ek_size);
        ak_b64 = base64_encode(ak, ak_size);
        cert_b64 = cert ? base64_encode(cert, cert_size) : NULL;
        body = json_object_new_object();
        if (!ek_b64 || !ak_b64 || (cert && !cert_b64) || !body ||
            json_add_string(body, "ek_tpm", ek_b64) < 0 ||
            json_add_string(body, "aik_tpm", ak_b64) < 0 ||
            (cert_b64 && json_add_string(body, "ekcert", cert_b64) < 0))
                return log_oom();

        r = send_json(c, "POST", url, body, &status, &doc);
        if (r < 0)
                return r;
        if (status == 403)
                return log_error_errno(-EEXIST, "The registrar refused the registration (%s): "
                                       "this id is registered with another EK or AK.", status_text(doc));
        if (status != 200)
                return log_error_errno(-EPROTO, "Registration refused with HTTP %ld (%s).", status, status_text(doc));

        if (!json_object_object_get_ex(doc, "results", &results) || !json_object_is_type(results, json_type_object))
                return log_error_errno(-EBADMSG, "The registration answer has no results object.");
        r = json_get_base64(results, "blob", CREDENTIAL_BLOB_SIZE_MAX, ret_blob, ret_blob_size);
        if (r < 0)
                return log_error_errno(r == -ENOENT ? -EBADMSG : r,
                                       "The registration answer holds no usable credential blob: %m");
        return 0;
}

static int put_auth_tag(const RegistrarClient *c, const char *url, const char *tag, char **ret_verifier_url) {
        _cleanup_json_ json_object *body = NULL, *doc = NULL;
        const char *verifier = NULL;
        json_object *results;
        long status;
        int r;

        body = json_object_new_object();
        if (!body || json_add_string(body, "auth_tag", tag) < 0)
                return log_oom();

        r = send_json(c, "PUT", url, body, &status, &doc);
        if (r < 0)
                return r;
        if (status != 200)
                return log_error_errno(-EPERM, "Activation refused with HTTP %ld (%s).", status, status_text(doc));

        /* hostattest's registrar says where to push; Keylime's says nothing. */
        if (doc && json_object_object_get_ex(doc, "results", &results) &&
            json_object_is_type(results, json_type_object)) {
                r = json_get_string(results, "verifier_url", VERIFIER_URL_MAX, &verifier);
                if (r < 0 && r != -ENOENT)
                        return log_error_errno(r, "The activation answer holds an invalid verifier_url.");
        }
        *ret_verifier_url = verifier ? strdup(verifier) : NULL;
        return verifier && !*ret_verifier_url ? log_oom() : 0;
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

        r = post_identity(c, url, id, &blob, &blob_size);
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
