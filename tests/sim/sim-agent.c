/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/rand.h>

#include "auth-tag.h"
#include "hexdecode.h"
#include "pcr-blob.h"
#include "macro.h"
#include "sim-agent.h"

struct SimClient {
        CURL *curl;
        char *base;
        char *ca;               /* PEM file the server's certificate must chain to (https) */
};

int sim_client_set_ca(SimClient *c, const char *ca_file) {
        char *p = strdup(ca_file);

        if (!p)
                return -ENOMEM;
        free(c->ca);
        c->ca = p;
        return 0;
}

int sim_client_new(const char *base_url, SimClient **ret) {
        SimClient *c = calloc(1, sizeof *c);

        if (!c || !(c->curl = curl_easy_init()) || !(c->base = strdup(base_url))) {
                sim_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

SimClient *sim_client_free(SimClient *c) {
        if (c) {
                if (c->curl)
                        curl_easy_cleanup(c->curl);
                free(c->base);
                free(c->ca);
                free(c);
        }
        return NULL;
}

void sim_response_done(SimResponse *r) {
        free(r->body);
        *r = (SimResponse) {};
}

typedef struct Sink {
        char *data;
        size_t size;
} Sink;

/* The Keylime endpoint a request went to, as keylime-answer-check.py names it. */
static const char *endpoint_name(const char *method, const char *path, long status) {
        unsigned n = 0;

        for (const char *p = path; *p; p++)
                n += *p == '/';
        if (status >= 400)
                return "error";
        if (strcmp(path, "/version") == 0)
                return "version";
        if (strncmp(path, "/v2.", 4) == 0 && strstr(path, "/agents/") && n == 3)
                return strcmp(method, "POST") == 0 ? "register" : strcmp(method, "PUT") == 0 ? "activate" : NULL;
        if (strcmp(path, "/v3.0/sessions") == 0 && strcmp(method, "POST") == 0)
                return "session-create";
        if (strncmp(path, "/v3.0/sessions/", 15) == 0 && strcmp(method, "PATCH") == 0)
                return "session-authenticate";
        if (strstr(path, "/attestations") && strcmp(method, "POST") == 0 && n == 4)
                return "attestation-create";
        if (strstr(path, "/attestations/") && strcmp(method, "PATCH") == 0)
                return "attestation-evidence";
        return NULL;
}

/* With $SIM_ANSWERS_DIR, each answer is kept there as <endpoint>.<status>.json and
 * .headers, the latest of each kind, for the Keylime compatibility check. */
static void record_answer(const char *method, const char *path, long status, const Sink *headers, const Sink *body) {
        const char *dir = getenv("SIM_ANSWERS_DIR"), *name = endpoint_name(method, path, status);
        char file[1024];
        FILE *f;

        if (!dir || !name)
                return;
        for (int i = 0; i < 2; i++) {
                const Sink *what = i == 0 ? body : headers;
                (void) snprintf(file, sizeof file, "%s/%s.%ld.%s", dir, name, status, i == 0 ? "json" : "headers");
                f = fopen(file, "we");
                if (!f)
                        continue;
                if (what->size > 0)
                        (void) fwrite(what->data, 1, what->size, f);
                (void) fclose(f);
        }
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata) {
        Sink *s = userdata;
        char *m = realloc(s->data, s->size + size * n + 1);

        if (!m)
                return 0;
        memcpy(m + s->size, p, size * n);
        s->size += size * n;
        m[s->size] = '\0';
        s->data = m;
        return size * n;
}

typedef struct HeaderSink {
        SimResponse *response;
        Sink raw;
} HeaderSink;

static size_t on_header(char *p, size_t size, size_t n, void *userdata) {
        HeaderSink *hs = userdata;
        SimResponse *r = hs->response;
        size_t len = size * n;

        if (on_body(p, size, n, &hs->raw) != len)
                return 0;
        if (len > 10 && strncasecmp(p, "Location: ", 10) == 0)
                (void) snprintf(r->location, sizeof r->location, "%.*s", (int) strcspn(p + 10, "\r\n"), p + 10);
        else if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
                r->retry_after = (unsigned) strtoul(p + 13, NULL, 10);
        return len;
}

int sim_http(SimClient *c, const char *method, const char *path, const char *bearer, const char *body,
             SimResponse *ret) {
        struct curl_slist *h = NULL;
        char url[1024], auth[400];
        SimResponse r = {};
        Sink sink = {};
        HeaderSink headers = { .response = &r };
        CURLcode rc;

        /* $SIM_EVIDENCE_BASE: evidence goes to another verifier instance than the one that asked for it. */
        bool evidence = strcmp(method, "PATCH") == 0 && strstr(path, "/attestations/");
        const char *base = evidence && getenv("SIM_EVIDENCE_BASE") ? getenv("SIM_EVIDENCE_BASE") : c->base;
        /* $SIM_BEFORE_EVIDENCE: a command run just before evidence is sent (a fault to inject),
         * with the evidence's path and the bearer token in $SIM_EVIDENCE_PATH and $SIM_BEARER. */
        if (evidence && getenv("SIM_BEFORE_EVIDENCE")) {
                if (setenv("SIM_EVIDENCE_PATH", path, 1) < 0 || setenv("SIM_BEARER", bearer ?: "", 1) < 0)
                        return -errno;
                if (system(getenv("SIM_BEFORE_EVIDENCE")) != 0)
                        return -ECHILD;
        }
        (void) snprintf(url, sizeof url, "%s%s", base, path);
        h = curl_slist_append(h, "Content-Type: application/vnd.api+json");
        if (bearer) {
                (void) snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
                h = curl_slist_append(h, auth);
        }
        curl_easy_reset(c->curl);
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &headers);
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 60L);
        if (c->ca)
                curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca);
        if (body) {
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
        }
        rc = curl_easy_perform(c->curl);
        curl_slist_free_all(h);
        if (rc != CURLE_OK) {
                free(sink.data);
                free(headers.raw.data);
                return -EIO;
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r.status);
        record_answer(method, path, r.status, &headers.raw, &sink);
        free(headers.raw.data);
        r.body = sink.data;
        *ret = r;
        return 0;
}

/* The member at a path of object keys and array indexes ("data", "attributes", …). */
static json_object *dig(json_object *o, const char *const *path) {
        for (; o && *path; path++) {
                json_object *v = NULL;
                if (json_object_is_type(o, json_type_array))
                        v = json_object_array_get_idx(o, (size_t) atoi(*path));
                else if (!json_object_object_get_ex(o, *path, &v))
                        v = NULL;
                o = v;
        }
        return o;
}

#define DIG(o, ...) dig((o), (const char *const[]) { __VA_ARGS__, NULL })

const char *sim_dig_string(json_object *o, const char *const *path) {
        o = dig(o, path);
        return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

#define DIG_STRING(o, ...) SIM_DIG_STRING(o, __VA_ARGS__)

static int b64_decode_member(const char *s, uint8_t **ret, size_t *ret_size) {
        return s ? base64_decode(s, strlen(s), ret, ret_size) : -ENOENT;
}

int sim_agent_register(SimClient *c, SimNode *n) {
        _cleanup_free_ char *ek = base64_encode(n->ek_tpm.data, n->ek_tpm.size),
                            *ak = base64_encode(n->ak_tpm.data, n->ak_tpm.size), *tag = NULL;
        _cleanup_free_ uint8_t *file = NULL;
        char path[256], body[2048];
        uint8_t cred[64];
        size_t file_size, cred_size;
        json_object *j = NULL;
        SimResponse r = {};
        int e;

        if (!ek || !ak)
                return -ENOMEM;
        (void) snprintf(path, sizeof path, "/v2.6/agents/%s", n->id);
        (void) snprintf(body, sizeof body,
                        "{\"ek_tpm\":\"%s\",\"aik_tpm\":\"%s\",\"mtls_cert\":\"disabled\",\"ip\":\"127.0.0.1\",\"port\":9002}",
                        ek, ak);
        e = sim_http(c, "POST", path, NULL, body, &r);
        if (e < 0)
                return e;
        j = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
        e = j ? b64_decode_member(DIG_STRING(j, "results", "blob"), &file, &file_size) : -EPROTO;
        json_object_put(j);
        sim_response_done(&r);
        if (e < 0)
                return e;
        e = sim_node_activate(n, file, file_size, cred, &cred_size);
        if (e < 0)
                return e;
        e = auth_tag_compute(cred, cred_size, n->id, &tag);
        if (e < 0)
                return e;
        (void) snprintf(body, sizeof body, "{\"auth_tag\":\"%s\"}", tag);
        e = sim_http(c, "PUT", path, NULL, body, &r);
        if (e >= 0 && r.status != 200)
                e = -EPROTO;
        sim_response_done(&r);
        return e;
}

/* Hands the answer's body to *ret when the caller wants it, and frees the rest. */
static void keep_body(SimResponse *r, char **ret) {
        if (ret) {
                free(*ret);
                *ret = r->body;
                r->body = NULL;
        }
        sim_response_done(r);
}

int sim_agent_session_answers(SimClient *c, SimAgent *a, char **ret_created, char **ret_proven) {
        _cleanup_free_ uint8_t *challenge = NULL;
        _cleanup_free_ char *m64 = NULL, *s64 = NULL;
        char path[256], body[4096], sid[128];
        SimBuf attest, sig;
        size_t challenge_size;
        json_object *j;
        SimResponse r = {};
        int e;

        (void) snprintf(body, sizeof body,
                        "{\"data\":{\"type\":\"session\",\"attributes\":{\"agent_id\":\"%s\",\"authentication_supported\":"
                        "[{\"authentication_class\":\"pop\",\"authentication_type\":\"tpm_pop\"}]}}}", a->node->id);
        e = sim_http(c, "POST", "/v3.0/sessions", NULL, body, &r);
        if (e < 0)
                return e;
        j = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
        keep_body(&r, ret_created);
        e = j && DIG_STRING(j, "data", "id") ? 0 : -EPROTO;
        if (e >= 0) {
                (void) snprintf(sid, sizeof sid, "%s", DIG_STRING(j, "data", "id"));
                e = b64_decode_member(DIG_STRING(j, "data", "attributes", "authentication_requested", "0",
                                                 "chosen_parameters", "challenge"), &challenge, &challenge_size);
        }
        json_object_put(j);
        if (e < 0)
                return e;
        e = sim_node_certify(a->node, challenge, challenge_size, &attest, &sig);
        if (e < 0)
                return e;
        m64 = base64_encode(attest.data, attest.size);
        s64 = base64_encode(sig.data, sig.size);
        if (!m64 || !s64)
                return -ENOMEM;
        (void) snprintf(body, sizeof body,
                        "{\"data\":{\"type\":\"session\",\"attributes\":{\"agent_id\":\"%s\",\"authentication_provided\":"
                        "[{\"authentication_class\":\"pop\",\"authentication_type\":\"tpm_pop\",\"data\":"
                        "{\"message\":\"%s\",\"signature\":\"%s\"}}]}}}", a->node->id, m64, s64);
        (void) snprintf(path, sizeof path, "/v3.0/sessions/%s", sid);
        e = sim_http(c, "PATCH", path, NULL, body, &r);
        if (e < 0)
                return e;
        j = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
        keep_body(&r, ret_proven);
        e = j && DIG_STRING(j, "data", "attributes", "token") ? 0 : -EACCES;
        if (e >= 0)
                (void) snprintf(a->token, sizeof a->token, "%s", DIG_STRING(j, "data", "attributes", "token"));
        json_object_put(j);
        return e;
}

int sim_agent_session(SimClient *c, SimAgent *a) {
        return sim_agent_session_answers(c, a, NULL, NULL);
}

int sim_agent_setup(SimClient *c, SimAgent *a, const char *id, const SimUefi *uefi, const char **ret_step) {
        int e;

        *ret_step = "node";
        e = sim_node_new(id, uefi, (uint64_t) time(NULL) - 600, &a->node);
        if (e < 0)
                return e;
        *ret_step = "registration";
        e = sim_agent_register(c, a->node);
        if (e < 0)
                return e;
        *ret_step = "session";
        return sim_agent_session(c, a);
}

static void format_rfc3339(uint64_t t, char *buf, size_t size) {
        time_t tt = (time_t) t;
        struct tm tm;
        (void) strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

static char *capabilities_body(const SimNode *n, uint64_t boot_time) {
        char when[64], list[128] = "", *body = NULL;
        _cleanup_free_ char *ak_name = hex_encode(n->ak_name, sizeof n->ak_name);
        _cleanup_free_ char *ak_public = base64_encode(n->ak_tpm.data, n->ak_tpm.size);
        const char *scheme = n->ak_rsa ? "rsassa" : "ecdsa";
        size_t o = 0;

        if (!ak_name || !ak_public)
                return NULL;
        for (unsigned i = 0; i < SIM_PCRS; i++)
                o += (size_t) snprintf(list + o, sizeof list - o, "%s%u", i ? "," : "", i);
        format_rfc3339(boot_time, when, sizeof when);
        if (asprintf(&body,
                     "{\"data\":{\"type\":\"attestation\",\"attributes\":{\"evidence_supported\":["
                     "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\",\"capabilities\":{"
                     "\"component_version\":\"2.0\",\"hash_algorithms\":[\"sha256\"],\"signature_schemes\":[\"%s\"],"
                     "\"available_subjects\":{\"sha256\":[%s]},\"certification_keys\":[{\"key_class\":\"asymmetric\","
                     "\"key_algorithm\":\"%s\",\"key_size\":%u,\"server_identifier\":\"ak\",\"local_identifier\":\"%s\","
                     "\"public\":\"%s\",\"allowable_hash_algorithms\":[\"sha256\"],"
                     "\"allowable_signature_schemes\":[\"%s\"]}]}},"
                     "{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\",\"capabilities\":{\"evidence_version\":\"2.1\","
                     "\"entry_count\":0,\"supports_partial_access\":false,\"appendable\":false,"
                     "\"formats\":[\"application/octet-stream\"]}},"
                     "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"capabilities\":{\"entry_count\":%llu,"
                     "\"supports_partial_access\":true,\"appendable\":true,\"formats\":[\"text/plain\"]}}],"
                     "\"system_info\":{\"boot_time\":\"%s\"}}}}",
                     scheme, list, n->ak_rsa ? "rsa" : "ecc", n->ak_rsa ? 2048u : 256u, ak_name, ak_public, scheme,
                     (unsigned long long) n->ima_entries, when) < 0)
                return NULL;
        return body;
}

/* What the verifier asked for. */
typedef struct Chosen {
        uint8_t *nonce;
        size_t nonce_size;
        uint32_t mask;
        bool uefi, ima;
        uint64_t ima_offset;
} Chosen;

static int parse_chosen(json_object *j, Chosen *ret) {
        json_object *items = DIG(j, "data", "attributes", "evidence_requested");
        Chosen c = {};

        for (size_t i = 0; items && i < json_object_array_length(items); i++) {
                json_object *it = json_object_array_get_idx(items, i);
                const char *type = DIG_STRING(it, "evidence_type");

                if (type && strcmp(type, "tpm_quote") == 0) {
                        json_object *pcrs = DIG(it, "chosen_parameters", "selected_subjects", "sha256");
                        if (b64_decode_member(DIG_STRING(it, "chosen_parameters", "challenge"), &c.nonce, &c.nonce_size) < 0)
                                return -EPROTO;
                        for (size_t k = 0; pcrs && k < json_object_array_length(pcrs); k++)
                                c.mask |= UINT32_C(1) << json_object_get_int(json_object_array_get_idx(pcrs, k));
                } else if (type && strcmp(type, "uefi_log") == 0)
                        c.uefi = true;
                else if (type && strcmp(type, "ima_log") == 0) {
                        c.ima = true;
                        c.ima_offset = (uint64_t) json_object_get_int64(DIG(it, "chosen_parameters", "starting_offset"));
                }
        }
        if (!c.nonce || c.mask == 0) {
                free(c.nonce);
                return -EPROTO;
        }
        *ret = c;
        return 0;
}

/* Flips a bit of the first SHA-256 event digest after the Spec ID event. */
static void spoil_uefi(uint8_t *log, size_t size) {
        size_t o, count;

        if (size < 32)
                return;
        o = 32 + ((size_t) log[28] | (size_t) log[29] << 8 | (size_t) log[30] << 16 | (size_t) log[31] << 24);
        if (o + 12 > size)
                return;
        count = log[o + 8];
        o += 12;
        for (size_t i = 0; i < count && o + 2 <= size; i++) {
                uint16_t alg = (uint16_t) (log[o] | log[o + 1] << 8);
                size_t len = alg == 0x0004 ? 20 : alg == 0x000b || alg == 0x0012 ? 32 : alg == 0x000c ? 48 : 64;
                if (alg == 0x000b && o + 2 + len <= size) {
                        log[o + 2] ^= 0x01;
                        return;
                }
                o += 2 + len;
        }
}

/* Reports one quoted PCR value other than the quoted digest covers. */
static int spoil_pcr(uint8_t **blob, size_t *size) {
        PcrValues *v = calloc(1, sizeof *v);
        int e = v ? pcr_blob_parse(*blob, *size, v) : -ENOMEM;

        if (e >= 0 && v->n_banks > 0) {
                PcrBank *b = &v->banks[0];
                unsigned i = (unsigned) __builtin_ctz(b->mask);
                b->values[i][0] ^= 0x01;
                free(*blob);
                *blob = NULL;
                e = pcr_blob_serialize(v, blob, size);
        }
        free(v);
        return e;
}

static json_object *item(const char *cls, const char *type, json_object *data) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "evidence_class", json_object_new_string(cls));
        json_object_object_add(o, "evidence_type", json_object_new_string(type));
        json_object_object_add(o, "data", data);
        return o;
}

static json_object *b64(const void *p, size_t n) {
        _cleanup_free_ char *s = base64_encode(p, n);
        return json_object_new_string(s ?: "");
}

static json_object *ima_item(const SimNode *n, uint64_t offset, SimSpoil spoil) {
        size_t size = 0;
        const char *t = sim_node_ima_from(n, offset, &size);
        _cleanup_free_ char *text = strndup(t ?: "", t ? size : 0);
        json_object *d = json_object_new_object();
        uint64_t count = n->ima_entries - offset;

        if (text && spoil == SIM_SPOIL_IMA_TRUNCATE && count > 0) {
                text[n->ima_lines[n->ima_entries - 1] - n->ima_lines[offset]] = '\0';
                count--;
        }
        if (text && spoil == SIM_SPOIL_IMA_REWRITE && size > 2)
                text[strcspn(text, "\n") - 1] ^= 0x01;  /* last character of the first line's path */
        json_object_object_add(d, "entries", json_object_new_string(text ?: ""));
        json_object_object_add(d, "entry_count", json_object_new_int64((int64_t) count));
        return item("log", "ima_log", d);
}

static char *evidence_body(SimAgent *a, const Chosen *ch, SimSpoil spoil) {
        SimNode *n = a->node;
        SimBuf attest, sig;
        _cleanup_free_ uint8_t *blob = NULL;
        size_t blob_size = 0;
        EVP_PKEY *other = spoil == SIM_SPOIL_OTHER_AK ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") : NULL;
        const uint8_t *nonce = spoil == SIM_SPOIL_REPLAY_NONCE && a->have_last_nonce ? a->last_nonce : ch->nonce;
        json_object *doc, *items, *q;
        char *s = NULL;
        int e;

        e = sim_node_quote(n, nonce, ch->nonce_size, ch->mask, other, &attest, &sig, &blob, &blob_size);
        EVP_PKEY_free(other);
        if (e < 0)
                return NULL;
        if (spoil == SIM_SPOIL_PCR_VALUE && spoil_pcr(&blob, &blob_size) < 0)
                return NULL;
        items = json_object_new_array();
        q = json_object_new_object();
        json_object_object_add(q, "message", b64(attest.data, attest.size));
        json_object_object_add(q, "signature", b64(sig.data, sig.size));
        json_object_object_add(q, "subject_data", b64(blob, blob_size));
        json_object_array_add(items, item("certification", "tpm_quote", q));
        if (ch->uefi) {
                uint8_t *log = malloc(n->uefi->size);
                if (log) {
                        memcpy(log, n->uefi->log, n->uefi->size);
                        if (spoil == SIM_SPOIL_UEFI_EVENT)
                                spoil_uefi(log, n->uefi->size);
                        json_object *d = json_object_new_object();
                        json_object_object_add(d, "entries", b64(log, n->uefi->size));
                        json_object_array_add(items, item("log", "uefi_log", d));
                        free(log);
                }
        }
        if (ch->ima)
                json_object_array_add(items, ima_item(n, ch->ima_offset, spoil));
        doc = json_object_new_object();
        json_object *data = json_object_new_object(), *attrs = json_object_new_object();
        json_object_object_add(attrs, "evidence_collected", items);
        json_object_object_add(data, "type", json_object_new_string("attestation"));
        json_object_object_add(data, "attributes", attrs);
        json_object_object_add(doc, "data", data);
        s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        return s;
}

static void copy_error(json_object *j, SimAttestation *ret) {
        const char *code = DIG_STRING(j, "errors", "0", "code");
        if (code)
                (void) snprintf(ret->error_code, sizeof ret->error_code, "%s", code);
}

static void read_verdict(json_object *j, SimAttestation *ret) {
        const char *ev = DIG_STRING(j, "data", "attributes", "evaluation");
        const char *fr = DIG_STRING(j, "data", "attributes", "failure_reason");
        const char *id = DIG_STRING(j, "data", "attributes", "failures", "0", "id");

        (void) snprintf(ret->evaluation, sizeof ret->evaluation, "%s", ev ?: "");
        (void) snprintf(ret->failure_reason, sizeof ret->failure_reason, "%s", fr ?: "");
        (void) snprintf(ret->failure_id, sizeof ret->failure_id, "%s", id ?: "");
        ret->seconds_to_next = (uint64_t) json_object_get_int64(DIG(j, "meta", "seconds_to_next_attestation"));
        json_object *l = DIG(j, "data", "attributes", "evidence");
        for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *item = json_object_array_get_idx(l, i), *v;
                ret->acked_items += json_object_object_get_ex(item, "capabilities", &v) &&
                                    json_object_object_get_ex(item, "chosen_parameters", &v) &&
                                    json_object_object_get_ex(item, "data", &v);
        }
}

int sim_agent_attest(SimClient *c, SimAgent *a, SimSpoil spoil, unsigned expire_wait_ms, SimAttestation *ret) {
        SimNode *n = a->node;
        uint64_t boot = spoil == SIM_SPOIL_BOOT_TIME ? n->boot_time - 3600 : n->boot_time;
        _cleanup_free_ char *caps = capabilities_body(n, boot), *ev = NULL;
        char path[256], location[512];
        SimAttestation out = {};
        SimResponse r = {};
        json_object *j;
        Chosen ch = {};
        int e;

        if (!caps)
                return -ENOMEM;
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations", n->id);
        e = sim_http(c, "POST", path, a->token, caps, &r);
        if (e < 0)
                return e;
        out.create_status = r.status;
        out.retry_after = r.retry_after;
        (void) snprintf(location, sizeof location, "%s", r.location);
        j = r.body ? json_tokener_parse(r.body) : NULL;
        sim_response_done(&r);
        if (out.create_status != 201) {
                copy_error(j, &out);
                json_object_put(j);
                *ret = out;
                return 0;
        }
        e = parse_chosen(j, &ch);
        json_object_put(j);
        if (e < 0)
                return e;
        out.ima_offset = ch.ima_offset;
        if (spoil == SIM_SPOIL_EXPIRE) {
                /* A second creation while this one awaits evidence. */
                e = sim_http(c, "POST", path, a->token, caps, &r);
                if (e < 0)
                        return e;
                out.second_create_status = r.status;
                sim_response_done(&r);
                struct timespec ts = { .tv_sec = expire_wait_ms / 1000, .tv_nsec = (long) (expire_wait_ms % 1000) * 1000000L };
                nanosleep(&ts, NULL);
        }
        ev = evidence_body(a, &ch, spoil);
        if (!ev) {
                free(ch.nonce);
                return -ENOMEM;
        }
        memcpy(a->last_nonce, ch.nonce, sizeof a->last_nonce < ch.nonce_size ? sizeof a->last_nonce : ch.nonce_size);
        a->have_last_nonce = true;
        free(ch.nonce);
        e = sim_http(c, "PATCH", location, a->token, ev, &r);
        if (e < 0)
                return e;
        out.evidence_status = r.status;
        j = r.body ? json_tokener_parse(r.body) : NULL;
        sim_response_done(&r);
        if (out.evidence_status == 202)
                read_verdict(j, &out);
        else
                copy_error(j, &out);
        json_object_put(j);
        *ret = out;
        return 0;
}
