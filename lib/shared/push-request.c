/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tss2/tss2_tpm2_types.h>

#include "attest-verdict.h"
#include "json-util.h"
#include "push-request.h"

static int refuse(PushError *e, const char *pointer, const char *what) {
        if (e)
                *e = (PushError) { .pointer = pointer, .what = what };
        return -EBADMSG;
}

static json_object *member(json_object *o, const char *key, json_type type) {
        json_object *v = NULL;

        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
                return NULL;
        return json_object_is_type(v, type) ? v : NULL;
}

/* data.attributes of a JSON:API request. */
static json_object *attributes(json_object *body) {
        return member(member(body, "data", json_type_object), "attributes", json_type_object);
}

/* A bounded array member; NULL when absent, not an array or too long. */
static json_object *array(json_object *o, const char *key, size_t max) {
        json_object *a = member(o, key, json_type_array);
        return a && json_object_array_length(a) <= max ? a : NULL;
}

static const char *short_string(json_object *v) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0 ||
            (size_t) json_object_get_string_len(v) > PUSH_NAME_MAX)
                return NULL;
        return json_object_get_string(v);
}

static bool item_is(json_object *item, const char *cls_key, const char *cls, const char *type_key, const char *type) {
        const char *c = short_string(member(item, cls_key, json_type_string));
        const char *t = short_string(member(item, type_key, json_type_string));
        return c && t && strcmp(c, cls) == 0 && strcmp(t, type) == 0;
}

int push_session_request_parse(json_object *body, const char **ret_agent_id, PushError *ret_error) {
        json_object *a = attributes(body), *methods;
        const char *id;
        bool pop = false;

        if (!a)
                return refuse(ret_error, "/data/attributes", "missing data.attributes");
        if (json_get_string(a, "agent_id", AGENT_ID_MAX, &id) < 0)
                return refuse(ret_error, "/data/attributes/agent_id", "agent_id missing or too long");
        methods = array(a, "authentication_supported", PUSH_EVIDENCE_ITEMS_MAX);
        if (!methods)
                return refuse(ret_error, "/data/attributes/authentication_supported", "not a short array");
        for (size_t i = 0; i < json_object_array_length(methods); i++)
                pop = pop || item_is(json_object_array_get_idx(methods, i), "authentication_class", "pop",
                                     "authentication_type", "tpm_pop");
        if (!pop)
                return refuse(ret_error, "/data/attributes/authentication_supported", "tpm_pop not offered");
        *ret_agent_id = id;
        return 0;
}

int push_certify_parse(json_object *body, PushCertify *ret, PushError *ret_error) {
        json_object *a = attributes(body), *provided, *data;
        PushCertify c = {};
        int r;

        provided = array(a, "authentication_provided", PUSH_EVIDENCE_ITEMS_MAX);
        if (!provided || json_object_array_length(provided) < 1)
                return refuse(ret_error, "/data/attributes/authentication_provided", "missing");
        data = member(json_object_array_get_idx(provided, 0), "data", json_type_object);
        if (!data)
                return refuse(ret_error, "/data/attributes/authentication_provided/0/data", "missing");
        r = json_get_base64(data, "message", TPM2_ATTEST_SIZE_MAX, &c.attest, &c.attest_size);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refuse(ret_error, "/data/attributes/authentication_provided/0/data/message", "not base64 or too long");
        r = json_get_base64(data, "signature", TPM2_SIGNATURE_SIZE_MAX, &c.sig, &c.sig_size);
        if (r < 0) {
                push_certify_done(&c);
                return r == -ENOMEM ? r :
                        refuse(ret_error, "/data/attributes/authentication_provided/0/data/signature", "not base64 or too long");
        }
        *ret = c;
        return 0;
}

void push_certify_done(PushCertify *c) {
        free(c->attest);
        free(c->sig);
        *c = (PushCertify) {};
}

static const struct {
        const char *name;
        uint16_t alg;
} sig_schemes[] = {
        { "rsassa", TPM2_ALG_RSASSA },
        { "rsapss", TPM2_ALG_RSAPSS },
        { "ecdsa",  TPM2_ALG_ECDSA  },
};

uint16_t push_sig_scheme_from_name(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(sig_schemes); i++)
                if (strcmp(sig_schemes[i].name, name) == 0)
                        return sig_schemes[i].alg;
        return 0;
}

const char *push_sig_scheme_to_name(uint16_t alg) {
        for (size_t i = 0; i < ELEMENTSOF(sig_schemes); i++)
                if (sig_schemes[i].alg == alg)
                        return sig_schemes[i].name;
        return NULL;
}

/* A list of names as a mask of TPM2_ALG_BIT()s; unknown names are ignored. */
static int name_mask(json_object *caps, const char *key, bool hashes, uint32_t *ret) {
        json_object *l = array(caps, key, PUSH_NAMES_MAX);
        uint32_t mask = 0;

        if (!l)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(l); i++) {
                const char *n = short_string(json_object_array_get_idx(l, i));
                uint16_t id = 0;

                if (!n)
                        return -EBADMSG;
                if (hashes) {
                        const HashAlg *h = hash_alg_from_name(n);
                        id = h ? h->tpm_alg_id : 0;
                } else
                        id = push_sig_scheme_from_name(n);
                if (id > 0 && id < 32)
                        mask |= TPM2_ALG_BIT(id);
        }
        *ret = mask;
        return 0;
}

/* available_subjects: {"sha256": [0, 1, …], …}; a flat list is refused. */
static int parse_subjects(json_object *caps, PushCapabilities *c) {
        json_object *subjects = member(caps, "available_subjects", json_type_object);

        if (!subjects || json_object_object_length(subjects) > (int) PUSH_BANKS_MAX)
                return -EBADMSG;
        json_object_object_foreach(subjects, bank, pcrs) {
                const HashAlg *h = hash_alg_from_name(bank);
                uint32_t mask = 0;

                if (!json_object_is_type(pcrs, json_type_array) ||
                    json_object_array_length(pcrs) > TPM2_PCRS_PER_BANK_MAX)
                        return -EBADMSG;
                for (size_t i = 0; i < json_object_array_length(pcrs); i++) {
                        json_object *p = json_object_array_get_idx(pcrs, i);
                        int64_t v;

                        if (!json_object_is_type(p, json_type_int))
                                return -EBADMSG;
                        v = json_object_get_int64(p);
                        if (v < 0 || v >= (int64_t) TPM2_PCRS_PER_BANK_MAX)
                                return -EBADMSG;
                        mask |= UINT32_C(1) << v;
                }
                if (!h)
                        continue;       /* a bank this verifier cannot use */
                c->banks[c->n_banks++] = (PushBank) { .alg = h, .pcr_mask = mask };
        }
        return 0;
}

static int parse_quote_caps(json_object *item, PushCapabilities *c, PushError *e) {
        json_object *caps = member(item, "capabilities", json_type_object);

        if (!caps)
                return refuse(e, "/data/attributes/evidence_supported", "tpm_quote without capabilities");
        if (name_mask(caps, "hash_algorithms", true, &c->hash_mask) < 0)
                return refuse(e, "/data/attributes/evidence_supported", "hash_algorithms is not a list of names");
        if (name_mask(caps, "signature_schemes", false, &c->sig_mask) < 0)
                return refuse(e, "/data/attributes/evidence_supported", "signature_schemes is not a list of names");
        if (parse_subjects(caps, c) < 0)
                return refuse(e, "/data/attributes/evidence_supported",
                              "available_subjects must be an object of banks with PCR lists");
        c->tpm_quote = true;
        return 0;
}

int push_capabilities_parse(json_object *body, PushCapabilities *ret, PushError *ret_error) {
        json_object *a = attributes(body), *items, *info;
        PushCapabilities c = {};
        const char *boot;
        int r;

        items = array(a, "evidence_supported", PUSH_EVIDENCE_ITEMS_MAX);
        if (!items)
                return refuse(ret_error, "/data/attributes/evidence_supported", "missing or too long");
        for (size_t i = 0; i < json_object_array_length(items); i++) {
                json_object *item = json_object_array_get_idx(items, i);

                if (item_is(item, "evidence_class", "certification", "evidence_type", "tpm_quote")) {
                        if (c.tpm_quote)
                                return refuse(ret_error, "/data/attributes/evidence_supported", "tpm_quote offered twice");
                        r = parse_quote_caps(item, &c, ret_error);
                        if (r < 0)
                                return r;
                } else if (item_is(item, "evidence_class", "log", "evidence_type", "uefi_log"))
                        c.uefi_log = true;
                else if ((r = push_cc_offer_parse(item, &c, ret_error)) != -ENOENT) {
                        if (r < 0)
                                return r;
                }
                else if (item_is(item, "evidence_class", "log", "evidence_type", "ima_log")) {
                        c.ima_log = true;
                        (void) json_get_uint64(member(item, "capabilities", json_type_object), "entry_count",
                                               &c.ima_entry_count);
                }
        }
        if (!c.tpm_quote)
                return refuse(ret_error, "/data/attributes/evidence_supported", "no tpm_quote offered");

        info = member(a, "system_info", json_type_object);
        r = json_get_string(info, "boot_time", PUSH_TIMESTAMP_MAX, &boot);
        if (r >= 0 && push_parse_rfc3339(boot, &c.boot_time) < 0)
                return refuse(ret_error, "/data/attributes/system_info/boot_time", "not an RFC 3339 time");
        *ret = c;
        return 0;
}

static int parse_quote_data(json_object *data, PushEvidence *e, PushError *err) {
        static const char ptr[] = "/data/attributes/evidence_collected";
        int r;

        r = json_get_base64(data, "message", TPM2_ATTEST_SIZE_MAX, &e->attest, &e->attest_size);
        if (r >= 0)
                r = json_get_base64(data, "signature", TPM2_SIGNATURE_SIZE_MAX, &e->sig, &e->sig_size);
        if (r >= 0)
                r = json_get_base64(data, "subject_data", QUOTE_STRING_SIZE_MAX, &e->pcr_blob, &e->pcr_blob_size);
        if (r == -ENOMEM)
                return r;
        return r < 0 ? refuse(err, ptr, "tpm_quote data needs base64 message, signature and subject_data") : 0;
}

static int parse_ima_data(json_object *data, PushEvidence *e, PushError *err) {
        json_object *t = member(data, "entries", json_type_string);
        size_t n;

        if (!t || (n = (size_t) json_object_get_string_len(t)) > PUSH_IMA_TEXT_MAX ||
            memchr(json_object_get_string(t), 0, n))
                return refuse(err, "/data/attributes/evidence_collected", "ima_log entries must be text");
        e->ima = strndup(json_object_get_string(t), n);
        if (!e->ima)
                return -ENOMEM;
        e->ima_size = n;
        (void) json_get_uint64(data, "entry_count", &e->ima_entry_count);
        e->has_ima = true;
        return 0;
}

static int parse_evidence_item(json_object *item, PushEvidence *e, PushError *err) {
        static const char ptr[] = "/data/attributes/evidence_collected";
        json_object *data = member(item, "data", json_type_object);
        int r;

        if (!data)
                return refuse(err, ptr, "evidence item without data");
        if (item_is(item, "evidence_class", "certification", "evidence_type", "tpm_quote")) {
                if (e->attest)
                        return refuse(err, ptr, "tpm_quote given twice");
                return parse_quote_data(data, e, err);
        }
        if (item_is(item, "evidence_class", "log", "evidence_type", "uefi_log")) {
                if (e->has_uefi)
                        return refuse(err, ptr, "uefi_log given twice");
                r = json_get_base64(data, "entries", PUSH_UEFI_LOG_MAX, &e->uefi, &e->uefi_size);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return refuse(err, ptr, "uefi_log entries must be base64");
                e->has_uefi = true;
                return 0;
        }
        if (item_is(item, "evidence_class", "log", "evidence_type", "ima_log")) {
                if (e->has_ima)
                        return refuse(err, ptr, "ima_log given twice");
                return parse_ima_data(data, e, err);
        }
        r = push_cc_evidence_parse(item, e, err);
        if (r != -ENOENT)
                return r;
        return refuse(err, ptr, "unknown evidence item");
}

int push_evidence_parse(json_object *body, PushEvidence *ret, PushError *ret_error) {
        json_object *items = array(attributes(body), "evidence_collected", PUSH_EVIDENCE_ITEMS_MAX);
        PushEvidence e = {};
        int r;

        if (!items)
                return refuse(ret_error, "/data/attributes/evidence_collected", "missing or too long");
        for (size_t i = 0; i < json_object_array_length(items); i++) {
                r = parse_evidence_item(json_object_array_get_idx(items, i), &e, ret_error);
                if (r < 0) {
                        push_evidence_done(&e);
                        return r;
                }
        }
        if (!e.attest) {
                push_evidence_done(&e);
                return refuse(ret_error, "/data/attributes/evidence_collected", "no tpm_quote");
        }
        *ret = e;
        return 0;
}

void push_evidence_done(PushEvidence *e) {
        free(e->attest);
        free(e->sig);
        free(e->pcr_blob);
        free(e->uefi);
        free(e->ima);
        free(e->cc_report);
        free(e->cc_cert);
        *e = (PushEvidence) {};
}

/* n decimal digits at s. */
static bool digits(const char *s, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

int push_parse_rfc3339(const char *s, uint64_t *ret) {
        struct tm tm = {};
        int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
        const char *p = s + 19;
        time_t t;

        if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
            !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) ||
            s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
                return -EINVAL;
        if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        if (*p == '.') {
                size_t n = strspn(++p, "0123456789");
                if (n == 0 || n > 9)
                        return -EINVAL;
                p += n;
        }
        if (*p == 'Z' || *p == 'z')
                p++;
        else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' && digits(p + 4, 2, &om) &&
                 oh <= 23 && om <= 59) {
                sign = *p == '+' ? 1 : -1;
                p += 6;
        } else
                return -EINVAL;
        if (*p != '\0')
                return -EINVAL;
        tm = (struct tm) { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                           .tm_sec = sec > 59 ? 59 : sec };
        t = timegm(&tm);
        t -= sign * (oh * 3600 + om * 60);
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t) t;
        return 0;
}
