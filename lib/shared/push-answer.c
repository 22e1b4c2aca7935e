/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's answers to a pushing agent: JSON:API documents from the
 * network, parsed with the limits of limits.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash-alg.h"
#include "json-util.h"
#include "attest-limits.h"
#include "macro.h"
#include "push-protocol.h"

static int parse_doc(const char *body, size_t size, json_object **ret) {
        int r;

        if (!body)
                return -ENOMSG;
        if (size > PUSH_ANSWER_MAX)
                return -E2BIG;
        r = json_parse_object_max(body, size, PUSH_ANSWER_MAX, ret);
        if (r < 0)
                return r == -E2BIG || r == -ENOMEM ? r : -ENOMSG;
        return 0;
}

static json_object *member(json_object *o, const char *key, json_type type) {
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

/* data.attributes of a document. */
static json_object *attributes(json_object *doc) {
        return member(member(doc, "data", json_type_object), "attributes", json_type_object);
}

/* Printable ASCII without blanks: safe in a URL path, a header and a log line. */
static bool token_is_clean(const char *s) {
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

static int dup_clean(json_object *o, const char *key, size_t max, char **ret) {
        const char *s;
        char *copy;
        int r;

        r = json_get_string(o, key, max, &s);
        if (r < 0)
                return r == -ENOENT ? -EBADMSG : r;
        if (!token_is_clean(s))
                return -EBADMSG;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

static int get_base64(json_object *o, const char *key, size_t max, uint8_t **ret, size_t *ret_size) {
        int r = json_get_base64(o, key, max, ret, ret_size);
        if (r == -E2BIG)
                return r;
        if (r < 0 || *ret_size == 0) {
                if (r >= 0)
                        *ret = mfree(*ret);
                return -EBADMSG;
        }
        return 0;
}

int push_session_answer_parse(const char *body, size_t size, char **ret_session_id,
                              uint8_t **ret_challenge, size_t *ret_challenge_size) {
        _cleanup_json_ json_object *doc = NULL;
        _cleanup_free_ char *id = NULL;
        json_object *requested, *params;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        r = dup_clean(member(doc, "data", json_type_object), "id", PUSH_SESSION_ID_MAX, &id);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        if (strchr(id, '/') || strchr(id, '?') || strchr(id, '#'))
                return -EBADMSG;
        requested = member(attributes(doc), "authentication_requested", json_type_array);
        if (!requested || json_object_array_length(requested) < 1)
                return -EBADMSG;
        params = member(json_object_array_get_idx(requested, 0), "chosen_parameters", json_type_object);
        if (!params)
                return -EBADMSG;
        r = get_base64(params, "challenge", PUSH_CHALLENGE_SIZE_MAX, ret_challenge, ret_challenge_size);
        if (r < 0)
                return r;
        *ret_session_id = TAKE_PTR(id);
        return 0;
}

/* The document's data.attributes and its "evaluation". */
static int parse_evaluation(const char *body, size_t size, json_object **ret_doc, json_object **ret_attrs,
                            const char **ret_evaluation) {
        _cleanup_json_ json_object *doc = NULL;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        *ret_attrs = attributes(doc);
        if (json_get_string(*ret_attrs, "evaluation", 32, ret_evaluation) < 0)
                return -EBADMSG;
        *ret_doc = TAKE_PTR(doc);
        return 0;
}

int push_session_token_parse(const char *body, size_t size, char **ret_token) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *attrs;
        const char *evaluation;
        int r;

        r = parse_evaluation(body, size, &doc, &attrs, &evaluation);
        if (r < 0)
                return r;
        if (strcmp(evaluation, "pass") != 0)
                return -EACCES;
        r = dup_clean(attrs, "token", PUSH_TOKEN_MAX, ret_token);
        return r == -ENOMEM ? r : (r < 0 ? -EBADMSG : 0);
}

static int parse_kind(json_object *item, PushEvidenceKind *ret) {
        static const struct { const char *class, *type; } kinds[_PUSH_EVIDENCE_MAX] = {
                [PUSH_EVIDENCE_TPM_QUOTE] = { "certification", "tpm_quote" },
                [PUSH_EVIDENCE_UEFI_LOG] = { "log", "uefi_log" },
                [PUSH_EVIDENCE_IMA_LOG] = { "log", "ima_log" },
                [PUSH_EVIDENCE_SEV_SNP] = { "certification", "sev-snp" },
                [PUSH_EVIDENCE_TDX] = { "certification", "tdx" },
        };
        const char *class, *type;

        if (json_get_string(item, "evidence_class", 64, &class) < 0 ||
            json_get_string(item, "evidence_type", 64, &type) < 0)
                return -EBADMSG;
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                if (strcmp(class, kinds[k].class) == 0 && strcmp(type, kinds[k].type) == 0) {
                        *ret = k;
                        return 0;
                }
        return -EBADMSG;   /* nothing offered by this agent */
}

/* selected_subjects: bank → PCR list or null. The bank quoted is the one
 * of hash_algorithm when it has a list (Keylime lists every acceptable
 * bank), else the only bank with a list. */
static int parse_pcr_list(json_object *pcrs, uint32_t *ret_mask) {
        uint32_t mask = 0;
        size_t n = json_object_array_length(pcrs);

        if (n > TPM2_PCRS_PER_BANK_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                json_object *p = json_object_array_get_idx(pcrs, i);
                int64_t v;

                if (!json_object_is_type(p, json_type_int))
                        return -EBADMSG;
                v = json_object_get_int64(p);
                if (v < 0 || v >= PUSH_PCR_INDEX_MAX)
                        return -EBADMSG;
                mask |= UINT32_C(1) << v;
        }
        *ret_mask = mask;
        return 0;
}

static int parse_subjects(json_object *subjects, PushRequest *req) {
        uint16_t only_bank = 0;
        uint32_t only_mask = 0;
        unsigned n_lists = 0;

        json_object_object_foreach(subjects, bank, pcrs) {
                const HashAlg *h = hash_alg_from_name(bank);
                uint32_t mask;

                if (!pcrs || json_object_is_type(pcrs, json_type_null))
                        continue;
                if (!h || !json_object_is_type(pcrs, json_type_array) || parse_pcr_list(pcrs, &mask) < 0)
                        return -EBADMSG;
                if (h->tpm_alg_id == req->hash_alg) {
                        req->pcr_bank = h->tpm_alg_id;
                        req->pcr_mask = mask;
                        return 0;
                }
                n_lists++;
                only_bank = h->tpm_alg_id;
                only_mask = mask;
        }
        if (n_lists > 1)
                return -EBADMSG;   /* which bank is meant is not said */
        req->pcr_bank = only_bank;
        req->pcr_mask = only_mask;
        return 0;
}

static int parse_quote_params(json_object *params, PushRequest *req) {
        _cleanup_free_ uint8_t *challenge = NULL;
        json_object *subjects;
        const char *scheme, *hash;
        const HashAlg *h;
        size_t n;
        int r;

        r = get_base64(params, "challenge", PUSH_CHALLENGE_SIZE_MAX, &challenge, &n);
        if (r < 0)
                return r == -E2BIG ? -E2BIG : -EBADMSG;
        memcpy(req->challenge, challenge, n);
        req->challenge_size = n;

        if (json_get_string(params, "signature_scheme", sizeof(req->signature_scheme) - 1, &scheme) < 0 ||
            !token_is_clean(scheme))
                return -EBADMSG;
        strcpy(req->signature_scheme, scheme);

        if (json_get_string(params, "hash_algorithm", 32, &hash) < 0 || !(h = hash_alg_from_name(hash)))
                return -EBADMSG;
        req->hash_alg = h->tpm_alg_id;

        subjects = member(params, "selected_subjects", json_type_object);
        if (subjects && parse_subjects(subjects, req) < 0)
                return -EBADMSG;
        if (req->pcr_bank == 0)   /* no PCR asked for: the quote still proves freshness */
                req->pcr_bank = req->hash_alg;
        return 0;
}

static int parse_item(json_object *item, unsigned *seen, PushRequest *req) {
        PushEvidenceKind kind;
        json_object *params;
        int r;

        if (!json_object_is_type(item, json_type_object) || parse_kind(item, &kind) < 0)
                return -EBADMSG;
        if (*seen & (1u << kind))
                return -EBADMSG;
        *seen |= 1u << kind;
        req->order[req->n_items++] = kind;

        params = member(item, "chosen_parameters", json_type_object);
        switch (kind) {
        case PUSH_EVIDENCE_TPM_QUOTE:
                return params ? parse_quote_params(params, req) : -EBADMSG;
        case PUSH_EVIDENCE_IMA_LOG:
                r = params ? json_get_uint64(params, "starting_offset", &req->ima_starting_offset) : -ENOENT;
                if (r == -ENOENT)
                        req->ima_starting_offset = 0;
                else if (r < 0 || req->ima_starting_offset > PUSH_IMA_OFFSET_MAX)
                        return -EBADMSG;
                return 0;
        case PUSH_EVIDENCE_SEV_SNP:
        case PUSH_EVIDENCE_TDX: {
                _cleanup_free_ uint8_t *rd = NULL;
                size_t n;

                /* Both kinds asked at once make no sense: one machine is one of them. */
                if (*seen & (1u << PUSH_EVIDENCE_SEV_SNP) && *seen & (1u << PUSH_EVIDENCE_TDX))
                        return -EBADMSG;
                r = params ? get_base64(params, "report_data", sizeof req->cc_report_data, &rd, &n) : -EBADMSG;
                if (r < 0 || n != sizeof req->cc_report_data)
                        return -EBADMSG;
                memcpy(req->cc_report_data, rd, n);
                return 0;
        }
        default:
                return 0;
        }
}

int push_capabilities_answer_parse(const char *body, size_t size, PushRequest *ret) {
        _cleanup_json_ json_object *doc = NULL;
        PushRequest req = {};
        json_object *requested;
        unsigned seen = 0;
        size_t n;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        requested = member(attributes(doc), "evidence_requested", json_type_array);
        if (!requested)
                return -EBADMSG;
        n = json_object_array_length(requested);
        if (n == 0 || n > _PUSH_EVIDENCE_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                r = parse_item(json_object_array_get_idx(requested, i), &seen, &req);
                if (r < 0)
                        return r;
        }
        if (!(seen & (1u << PUSH_EVIDENCE_TPM_QUOTE)))
                return -EBADMSG;   /* logs without a quote prove nothing */
        *ret = req;
        return 0;
}

int push_answer_self_link(const char *body, size_t size, char **ret) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *links;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        links = member(member(doc, "data", json_type_object), "links", json_type_object);
        r = dup_clean(links, "self", HTTP_HEADER_VALUE_MAX, ret);
        return r == -ENOMEM ? r : (r < 0 ? -EBADMSG : 0);
}

int push_evidence_answer_parse(const char *body, size_t size, uint64_t *ret_seconds_to_next) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *meta, *v;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        meta = member(doc, "meta", json_type_object);
        if (!meta || !json_object_object_get_ex(meta, "seconds_to_next_attestation", &v))
                return -EBADMSG;
        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);
                if (!(d >= 0 && d <= PUSH_INTERVAL_MAX_SEC))
                        return -EBADMSG;
                *ret_seconds_to_next = (uint64_t) (d + 0.999);
                return 0;
        }
        if (!json_object_is_type(v, json_type_int))
                return -EBADMSG;
        int64_t n = json_object_get_int64(v);
        if (n < 0 || n > PUSH_INTERVAL_MAX_SEC)
                return -EBADMSG;
        *ret_seconds_to_next = (uint64_t) n;
        return 0;
}

void push_verdict_done(PushVerdict *v) {
        if (!v)
                return;
        for (char **p = v->failures; p && *p; p++)
                free(*p);
        v->failures = mfree(v->failures);
        v->ear = mfree(v->ear);
}

/* The signed result is handed on as it came (D-Bus, relying parties): only
 * the characters of a compact JWS, within its limit. */
static int verdict_ear(json_object *attrs, char **ret) {
        const char *s;
        int r;

        r = json_get_string(attrs, "ear", JWT_SIZE_MAX, &s);
        if (r == -ENOENT)
                return 0;
        if (r < 0 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(s))
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* One failure: a string or an object with an "id". */
static int failure_text(json_object *f, const char **ret) {
        if (json_object_is_type(f, json_type_object))
                return json_get_string(f, "id", PUSH_FAILURE_ID_MAX, ret) < 0 ? -EBADMSG : 0;
        if (!json_object_is_type(f, json_type_string))
                return -EBADMSG;
        *ret = json_object_get_string(f);
        return strlen(*ret) > 0 && strlen(*ret) <= PUSH_FAILURE_ID_MAX ? 0 : -EBADMSG;
}

static int strv_push(char ***strv, size_t *n, const char *s) {
        char **p;

        if (!token_is_clean(s))
                return -EBADMSG;
        if (*n >= PUSH_FAILURES_MAX)
                return -E2BIG;
        p = realloc(*strv, (*n + 2) * sizeof(char *));
        if (!p)
                return -ENOMEM;
        *strv = p;
        p[*n] = strdup(s);
        if (!p[*n])
                return -ENOMEM;
        p[++*n] = NULL;
        return 0;
}

int push_verdict_parse(const char *body, size_t size, PushVerdict *ret) {
        _cleanup_json_ json_object *doc = NULL;
        _cleanup_(push_verdict_done) PushVerdict v = {};
        json_object *attrs, *failures;
        const char *evaluation, *stage, *reason;
        size_t n = 0;
        int r;

        r = parse_evaluation(body, size, &doc, &attrs, &evaluation);
        if (r < 0)
                return r;
        if (strcmp(evaluation, "pass") == 0)
                v.evaluation = PUSH_EVALUATION_PASS;
        else if (strcmp(evaluation, "fail") == 0)
                v.evaluation = PUSH_EVALUATION_FAIL;
        else if (strcmp(evaluation, "pending") == 0)
                v.evaluation = PUSH_EVALUATION_PENDING;
        else
                return -EBADMSG;
        v.complete = json_get_string(attrs, "stage", 64, &stage) >= 0 && strcmp(stage, "verification_complete") == 0;
        r = verdict_ear(attrs, &v.ear);
        if (r < 0)
                return r;

        r = json_get_string(attrs, "failure_reason", PUSH_FAILURE_ID_MAX, &reason);
        if (r >= 0)
                r = strv_push(&v.failures, &n, reason);
        if (r < 0 && r != -ENOENT)
                return r == -ENOMEM || r == -E2BIG ? r : -EBADMSG;

        failures = member(attrs, "failures", json_type_array);
        for (size_t i = 0; failures && i < json_object_array_length(failures); i++) {
                const char *s;

                r = failure_text(json_object_array_get_idx(failures, i), &s);
                if (r >= 0)
                        r = strv_push(&v.failures, &n, s);
                if (r < 0)
                        return r;
        }
        *ret = v;
        v = (PushVerdict) {};
        return 0;
}

int push_agent_status_parse(const char *body, size_t size, const char *agent_id, PushVerdict *ret) {
        _cleanup_json_ json_object *doc = NULL;
        _cleanup_(push_verdict_done) PushVerdict v = {};
        json_object *results, *agent;
        const char *status, *event;
        size_t n = 0;
        int r;

        r = parse_doc(body, size, &doc);
        if (r < 0)
                return r;
        results = member(doc, "results", json_type_object);
        agent = agent_id ? member(results, agent_id, json_type_object) : NULL;
        if (!agent)
                agent = results;
        if (json_get_string(agent, "attestation_status", 32, &status) < 0)
                return -EBADMSG;
        v.complete = true;
        if (strcmp(status, "PASS") == 0)
                v.evaluation = PUSH_EVALUATION_PASS;
        else if (strcmp(status, "FAIL") == 0 || strcmp(status, "TIMEOUT") == 0)
                v.evaluation = PUSH_EVALUATION_FAIL;
        else if (strcmp(status, "PENDING") == 0) {
                v.evaluation = PUSH_EVALUATION_PENDING;
                v.complete = false;
        } else
                return -EBADMSG;
        if (v.evaluation == PUSH_EVALUATION_FAIL) {
                r = json_get_string(agent, "last_event_id", PUSH_FAILURE_ID_MAX, &event);
                if (r >= 0)
                        r = strv_push(&v.failures, &n, event);
                else if (strcmp(status, "TIMEOUT") == 0)
                        r = strv_push(&v.failures, &n, "timeout");
                if (r < 0 && r != -ENOENT && r != -EINVAL)
                        return r == -ENOMEM || r == -E2BIG ? r : -EBADMSG;
        }
        *ret = v;
        v = (PushVerdict) {};
        return 0;
}

char *push_answer_error(const char *body, size_t size) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *errors, *first;
        const char *s;

        if (parse_doc(body, size, &doc) < 0)
                return NULL;
        errors = member(doc, "errors", json_type_array);
        if (!errors || json_object_array_length(errors) < 1)
                return NULL;
        first = json_object_array_get_idx(errors, 0);
        if (json_get_string(first, "detail", PUSH_ERROR_DETAIL_MAX, &s) < 0 &&
            json_get_string(first, "title", PUSH_ERROR_DETAIL_MAX, &s) < 0)
                return NULL;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < ' ' || (unsigned char) *p >= 0x7f)
                        return NULL;
        return strdup(s);
}
