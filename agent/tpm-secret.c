/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The node's half of secret release: a session of its own (the secret
 * endpoints want the node's bearer token), a fresh decryption key as a
 * primary in the owner hierarchy (no resource manager: flushed on every
 * path), its TPM2_Certify by the AK, then the verifier's wrapping undone in
 * the TPM (RSA_Decrypt, or ECDH_ZGen followed by HKDF) and AES-GCM here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "hexdecode.h"
#include "http-client.h"
#include "json-util.h"
#include "log.h"
#include "push-protocol.h"
#include "secret-wrap.h"
#include "secret-wrap-json.h"
#include "tpm-secret.h"

static int create_key(Tpm *t, bool ecc, TpmHandle *key, TPM2B_PUBLIC **ret_pub) {
        TPM2B_SENSITIVE_CREATE sens = {};
        TPM2B_PUBLIC tmpl = { .publicArea = {
                .type = ecc ? TPM2_ALG_ECC : TPM2_ALG_RSA,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                        TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT,
        } };
        TPM2B_DATA outside = {};
        TPML_PCR_SELECTION pcrs = {};

        if (ecc)
                tmpl.publicArea.parameters.eccDetail = (TPMS_ECC_PARMS) {
                        .symmetric.algorithm = TPM2_ALG_NULL, .scheme.scheme = TPM2_ALG_NULL,
                        .curveID = TPM2_ECC_NIST_P256, .kdf.scheme = TPM2_ALG_NULL };
        else
                tmpl.publicArea.parameters.rsaDetail = (TPMS_RSA_PARMS) {
                        .symmetric.algorithm = TPM2_ALG_NULL, .scheme.scheme = TPM2_ALG_NULL, .keyBits = 2048 };
        return tpm_rc_to_errno(Esys_CreatePrimary(t->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                                  ESYS_TR_NONE, &sens, &tmpl, &outside, &pcrs, &key->tr, ret_pub,
                                                  NULL, NULL, NULL), "CreatePrimary(secret key)");
}

/* method BASE/path with body, with the bearer token when there is one. */
static int call(const SecretRequest *req, const char *method, const char *path, const char *token,
                const char *body, HttpClientResponse *ret) {
        _cleanup_free_ char *url = NULL;
        size_t n = strlen(req->verifier_url);

        while (n > 0 && req->verifier_url[n - 1] == '/')
                n--;
        if (asprintf(&url, "%.*s%s", (int) n, req->verifier_url, path) < 0)
                return -ENOMEM;
        return http_client_request(&(HttpClientRequest) {
                        .url = url, .method = method, .ca_file = req->ca_file,
                        .content_type = "application/vnd.api+json", .bearer_token = token,
                        .body = body, .body_size = strlen(body),
                }, ret);
}

/* POSTs body to BASE/v3.0/agents/NODE/secrets/NAME[suffix]. */
static int post(const SecretRequest *req, const char *token, const char *suffix, const char *body,
                HttpClientResponse *ret) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "/v" PUSH_API_VERSION "/agents/%s/secrets/%s%s", req->node_id, req->name, suffix) < 0)
                return -ENOMEM;
        return call(req, "POST", path, token, body, ret);
}

/* TPM2_Certify of object by the AK (its own scheme) over qualifying data. */
static int certify(Tpm *t, ESYS_TR object, ESYS_TR ak, const TPM2B_DATA *qualifying, TPM2B_ATTEST **ret_attest,
                   TPMT_SIGNATURE **ret_sig) {
        TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };

        return tpm_rc_to_errno(Esys_Certify(t->esys, object, ak, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                            qualifying, &scheme, ret_attest, ret_sig), "Certify");
}

static int attributes(const HttpClientResponse *resp, json_object **ret_doc, json_object **ret_attrs) {
        json_object *doc = NULL, *data, *attrs;
        int r;

        r = json_parse_object(resp->body, resp->body_size, &doc);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(doc, "data", &data) || !json_object_object_get_ex(data, "attributes", &attrs)) {
                json_object_put(doc);
                return -EBADMSG;
        }
        *ret_doc = doc;
        *ret_attrs = attrs;
        return 0;
}

/* errors[0].code of a JSON:API error answer: the reason as a word. */
static char *error_code(const HttpClientResponse *resp) {
        json_object *doc = NULL, *errors, *code;
        char *c = NULL;

        if (json_parse_object(resp->body, resp->body_size, &doc) < 0)
                return NULL;
        if (json_object_object_get_ex(doc, "errors", &errors) && json_object_is_type(errors, json_type_array) &&
            json_object_array_length(errors) > 0 &&
            json_object_object_get_ex(json_object_array_get_idx(errors, 0), "code", &code) &&
            json_object_is_type(code, json_type_string) && json_object_get_string_len(code) <= 64)
                c = strdup(json_object_get_string(code));
        json_object_put(doc);
        for (const char *p = c; p && *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *p))
                        return mfree(c);
        return c;
}

static int refusal(const HttpClientResponse *resp, char **ret_refusal) {
        _cleanup_free_ char *detail = push_answer_error(resp->body, resp->body_size), *code = error_code(resp);

        if (ret_refusal && asprintf(ret_refusal, "HTTP %ld %s: %s", resp->status, code ?: "error",
                                    detail ?: "no detail") < 0)
                return -ENOMEM;
        return -EACCES;
}

static int challenge(const SecretRequest *req, const char *token, TPM2B_DATA *ret, char **ret_refusal) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_free_ uint8_t *c = NULL;
        json_object *doc, *attrs;
        size_t n;
        int r;

        r = post(req, token, "/challenge", "{}", &resp);
        if (r < 0)
                return r;
        if (resp.status != 201)
                return refusal(&resp, ret_refusal);
        r = attributes(&resp, &doc, &attrs);
        if (r < 0)
                return r;
        r = json_get_base64(attrs, "challenge", sizeof(ret->buffer), &c, &n);
        json_object_put(doc);
        if (r < 0)
                return r;
        ret->size = (UINT16) n;
        memcpy(ret->buffer, c, n);
        return 0;
}

/* The PATCH body proving the AK: TPM2_Certify(AK, AK) over the challenge. */
static int session_proof(Tpm *t, ESYS_TR ak, const SecretRequest *req, const char *sid, const uint8_t *challenge,
                         size_t challenge_size, char **ret) {
        _cleanup_esys_ TPM2B_ATTEST *attest = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        TPM2B_DATA qualifying = {};
        uint8_t s[sizeof(TPMT_SIGNATURE)];
        size_t ns = 0;
        int r;

        if (challenge_size > sizeof(qualifying.buffer))
                return -EBADMSG;
        qualifying.size = (UINT16) challenge_size;
        memcpy(qualifying.buffer, challenge, challenge_size);
        r = certify(t, ak, ak, &qualifying, &attest, &sig);
        if (r < 0)
                return r;
        if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, s, sizeof(s), &ns) != TSS2_RC_SUCCESS)
                return -EINVAL;
        *ret = push_session_proof_body(req->node_id, sid, attest->attestationData, attest->size, s, ns);
        return *ret ? 0 : -ENOMEM;
}

int tpm_secret_session(Tpm *t, ESYS_TR ak, const SecretRequest *req, char **ret_token, char **ret_refusal) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {}, proof = {};
        _cleanup_free_ char *body = push_session_request_body(req->node_id), *sid = NULL, *path = NULL;
        _cleanup_free_ char *proof_body = NULL;
        _cleanup_free_ uint8_t *c = NULL;
        size_t n;
        int r;

        if (!body)
                return -ENOMEM;
        r = call(req, "POST", "/v" PUSH_API_VERSION "/sessions", NULL, body, &resp);
        if (r < 0)
                return r;
        if (resp.status != 200 && resp.status != 201)
                return refusal(&resp, ret_refusal);
        r = push_session_answer_parse(resp.body, resp.body_size, &sid, &c, &n);
        if (r >= 0)
                r = session_proof(t, ak, req, sid, c, n, &proof_body);
        if (r >= 0 && asprintf(&path, "/v" PUSH_API_VERSION "/sessions/%s", sid) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = call(req, "PATCH", path, NULL, proof_body, &proof);
        if (r < 0)
                return r;
        r = proof.status == 200 ? push_session_token_parse(proof.body, proof.body_size, ret_token) :
            proof.status == 401 ? -EACCES : refusal(&proof, ret_refusal);
        if (r == -EACCES && ret_refusal && !*ret_refusal &&
            asprintf(ret_refusal, "HTTP %ld: the verifier refused the proof of possession of the AK", proof.status) < 0)
                return -ENOMEM;
        return r;
}

static int request_body(const TPM2B_PUBLIC *pub, const TPM2B_ATTEST *attest, const TPMT_SIGNATURE *sig, char **ret) {
        uint8_t p[sizeof(TPM2B_PUBLIC)], s[sizeof(TPMT_SIGNATURE)];
        size_t np = 0, ns = 0;
        _cleanup_free_ char *k = NULL, *a = NULL, *g = NULL;

        if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, p, sizeof(p), &np) != TSS2_RC_SUCCESS ||
            Tss2_MU_TPMT_SIGNATURE_Marshal(sig, s, sizeof(s), &ns) != TSS2_RC_SUCCESS)
                return -EINVAL;
        k = base64_encode(p, np);
        a = base64_encode(attest->attestationData, attest->size);
        g = base64_encode(s, ns);
        if (!k || !a || !g)
                return -ENOMEM;
        if (asprintf(ret, "{\"data\":{\"type\":\"secret_request\",\"attributes\":{\"key_public\":\"%s\","
                     "\"certify_attest\":\"%s\",\"certify_signature\":\"%s\"}}}", k, a, g) < 0)
                return -ENOMEM;
        return 0;
}

/* The TPM half of unwrapping: the AES key. */
static int tpm_kem(Tpm *t, ESYS_TR key, const SecretWrapped *w, uint8_t aes[SECRET_WRAP_KEY_SIZE]) {
        int r;

        if (w->kem == SECRET_KEM_RSA_OAEP) {
                TPM2B_PUBLIC_KEY_RSA in = { .size = (UINT16) w->encapsulated_size };
                TPMT_RSA_DECRYPT scheme = { .scheme = TPM2_ALG_OAEP, .details.oaep.hashAlg = w->hash->tpm_alg_id };
                TPM2B_DATA label = { .size = sizeof(SECRET_WRAP_OAEP_LABEL) };
                _cleanup_esys_ TPM2B_PUBLIC_KEY_RSA *out = NULL;

                if (w->encapsulated_size > sizeof(in.buffer))
                        return -EBADMSG;
                memcpy(in.buffer, w->encapsulated, w->encapsulated_size);
                memcpy(label.buffer, SECRET_WRAP_OAEP_LABEL, sizeof(SECRET_WRAP_OAEP_LABEL));
                r = tpm_rc_to_errno(Esys_RSA_Decrypt(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                                                     &in, &scheme, &label, &out), "RSA_Decrypt");
                if (r < 0)
                        return r;
                if (out->size != SECRET_WRAP_KEY_SIZE) {
                        erase_memory(out->buffer, out->size);
                        return -EBADMSG;
                }
                memcpy(aes, out->buffer, SECRET_WRAP_KEY_SIZE);
                erase_memory(out->buffer, out->size);
                return 0;
        }

        size_t coord = (w->encapsulated_size - 1) / 2;
        TPM2B_ECC_POINT in = { .point.x.size = (UINT16) coord, .point.y.size = (UINT16) coord };
        _cleanup_esys_ TPM2B_ECC_POINT *z = NULL;

        if (w->encapsulated_size < 1 || coord > sizeof(in.point.x.buffer))
                return -EBADMSG;
        memcpy(in.point.x.buffer, w->encapsulated + 1, coord);
        memcpy(in.point.y.buffer, w->encapsulated + 1 + coord, coord);
        r = tpm_rc_to_errno(Esys_ECDH_ZGen(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in, &z),
                            "ECDH_ZGen");
        if (r < 0)
                return r;
        r = secret_wrap_ecdh_key(w->hash, z->point.x.buffer, z->point.x.size, w->encapsulated,
                                 w->encapsulated_size, aes);
        erase_memory(z, sizeof(*z));
        return r;
}

static int unwrap(Tpm *t, ESYS_TR key, const SecretRequest *req, const HttpClientResponse *resp, SecretBuffer *ret) {
        _cleanup_(secret_wrapped_done) SecretWrapped w = {};
        _cleanup_free_ uint8_t *aad = NULL;
        uint8_t aes[SECRET_WRAP_KEY_SIZE];
        size_t aad_size;
        json_object *doc, *attrs;
        int r;

        r = attributes(resp, &doc, &attrs);
        if (r < 0)
                return r;
        r = secret_wrapped_from_json(attrs, &w);
        json_object_put(doc);
        if (r < 0)
                return r;
        r = tpm_kem(t, key, &w, aes);
        if (r >= 0)
                r = secret_aad(req->node_id, req->name, &aad, &aad_size);
        if (r >= 0)
                r = secret_unwrap_aead(aes, &w, aad, aad_size, &ret->data, &ret->size);
        erase_memory(aes, sizeof(aes));
        return r;
}

int tpm_secret_fetch(Tpm *t, ESYS_TR ak, const SecretRequest *req, SecretBuffer *ret, char **ret_refusal) {
        _cleanup_tpm_handle_ TpmHandle key = TPM_HANDLE_NULL(t);
        _cleanup_esys_ TPM2B_PUBLIC *pub = NULL;
        _cleanup_esys_ TPM2B_ATTEST *attest = NULL;
        _cleanup_esys_ TPMT_SIGNATURE *sig = NULL;
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_free_ char *body = NULL;
        _cleanup_erase_string_ char *token = NULL;
        _cleanup_secret_buffer_ SecretBuffer plain = {};
        TPM2B_DATA qualifying = {};
        int r;

        r = tpm_secret_session(t, ak, req, &token, ret_refusal);
        if (r < 0)
                return r;
        r = create_key(t, req->ecc, &key, &pub);
        if (r < 0)
                return r;
        r = challenge(req, token, &qualifying, ret_refusal);
        if (r < 0)
                return r;
        r = certify(t, key.tr, ak, &qualifying, &attest, &sig);
        if (r < 0)
                return r;
        r = request_body(pub, attest, sig, &body);
        if (r < 0)
                return r;
        r = post(req, token, "", body, &resp);
        if (r < 0)
                return r;
        if (resp.status != 200)
                return refusal(&resp, ret_refusal);
        r = unwrap(t, key.tr, req, &resp, &plain);
        if (r < 0)
                return r;
        *ret = plain;
        plain = (SecretBuffer) {};
        return 0;
}
