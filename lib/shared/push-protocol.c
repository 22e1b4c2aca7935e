/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Request bodies of the push protocol, as JSON:API documents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash-alg.h"
#include "hexdecode.h"
#include "json-util.h"
#include "macro.h"
#include "push-protocol.h"

#define PUSH_PCR_COUNT 24

/* Adds key → value and drops value when that fails, so callers need no unwinding. */
static int add(json_object *o, const char *key, json_object *value) {
        if (!value)
                return -ENOMEM;
        if (json_object_object_add(o, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

static int append(json_object *array, json_object *value) {
        if (!value)
                return -ENOMEM;
        if (json_object_array_add(array, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

static json_object *string_array(const char *const *s, size_t n) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (append(a, json_object_new_string(s[i])) < 0)
                        return NULL;
        return TAKE_PTR(a);
}

static int add_base64(json_object *o, const char *key, const uint8_t *data, size_t size) {
        _cleanup_free_ char *b64 = base64_encode(data ?: (const uint8_t *) "", size);
        return b64 ? json_add_string(o, key, b64) : -ENOMEM;
}

/* {"data": {"type": type, ["id": id,] "attributes": attributes}}; takes attributes. */
static char *document(const char *type, const char *id, json_object *attributes) {
        _cleanup_json_ json_object *doc = json_object_new_object(), *attrs = attributes;
        json_object *data = json_object_new_object();
        const char *s;

        if (!doc || add(doc, "data", data) < 0 || json_add_string(data, "type", type) < 0)
                return NULL;
        if (id && json_add_string(data, "id", id) < 0)
                return NULL;
        if (add(data, "attributes", TAKE_PTR(attrs)) < 0)
                return NULL;
        s = json_object_to_json_string_ext(doc, JSON_TEXT_PLAIN);
        return s ? strdup(s) : NULL;
}

static json_object *tpm_pop_method(void) {
        _cleanup_json_ json_object *m = json_object_new_object();

        if (!m || json_add_string(m, "authentication_class", "pop") < 0 ||
            json_add_string(m, "authentication_type", "tpm_pop") < 0)
                return NULL;
        return TAKE_PTR(m);
}

char *push_session_request_body(const char *agent_id) {
        _cleanup_json_ json_object *attrs = json_object_new_object();
        json_object *methods = json_object_new_array();

        if (!agent_id || !attrs || add(attrs, "authentication_supported", methods) < 0 ||
            json_add_string(attrs, "agent_id", agent_id) < 0 || append(methods, tpm_pop_method()) < 0)
                return NULL;
        return document("session", NULL, TAKE_PTR(attrs));
}

char *push_session_proof_body(const char *agent_id, const char *session_id,
                              const uint8_t *attest, size_t attest_size,
                              const uint8_t *signature, size_t signature_size) {
        _cleanup_json_ json_object *attrs = json_object_new_object();
        json_object *provided = json_object_new_array(), *method = tpm_pop_method(), *data = json_object_new_object();

        if (!agent_id || !session_id || !attrs || add(attrs, "authentication_provided", provided) < 0) {
                json_object_put(method);
                json_object_put(data);
                return NULL;
        }
        if (append(provided, method) < 0) {
                json_object_put(data);
                return NULL;
        }
        if (add(method, "data", data) < 0 || json_add_string(attrs, "agent_id", agent_id) < 0 ||
            add_base64(data, "message", attest, attest_size) < 0 ||
            add_base64(data, "signature", signature, signature_size) < 0)
                return NULL;
        return document("session", session_id, TAKE_PTR(attrs));
}

static json_object *evidence_item(const char *class, const char *type, const char *member, json_object *content) {
        _cleanup_json_ json_object *item = json_object_new_object();

        if (!content)
                return NULL;
        if (!item || json_add_string(item, "evidence_class", class) < 0 ||
            json_add_string(item, "evidence_type", type) < 0) {
                json_object_put(content);
                return NULL;
        }
        if (add(item, member, content) < 0)
                return NULL;
        return TAKE_PTR(item);
}

static json_object *certification_key(const PushCapabilities *c) {
        _cleanup_json_ json_object *k = json_object_new_object();

        if (!k || json_add_string(k, "key_class", "asymmetric") < 0 ||
            json_add_string(k, "key_algorithm", c->key_algorithm) < 0 ||
            json_add_int(k, "key_size", c->key_size) < 0 ||
            json_add_string(k, "server_identifier", "ak") < 0 ||
            json_add_string(k, "local_identifier", c->ak_name_hex) < 0 ||
            add_base64(k, "public", c->ak_public, c->ak_public_size) < 0 ||
            add(k, "allowable_hash_algorithms", string_array(&c->ak_hash, 1)) < 0 ||
            add(k, "allowable_signature_schemes", string_array(&c->signature_scheme, 1)) < 0)
                return NULL;
        return TAKE_PTR(k);
}

/* Larger digests first; SHA before SM3 of the same size. */
static int hash_alg_compare(const void *a, const void *b) {
        const HashAlg *x = *(const HashAlg *const *) a, *y = *(const HashAlg *const *) b;
        bool x_sm3 = x->tpm_alg_id == TPM2_ALG_ID_SM3_256, y_sm3 = y->tpm_alg_id == TPM2_ALG_ID_SM3_256;

        if (x->size != y->size)
                return x->size > y->size ? -1 : 1;
        return (int) x_sm3 - (int) y_sm3;
}

static json_object *quote_capabilities(const PushCapabilities *c) {
        _cleanup_json_ json_object *caps = json_object_new_object();
        json_object *subjects = json_object_new_object(), *keys = json_object_new_array();
        const HashAlg *algs[8];
        const char *hashes[8];
        size_t n = 0, n_algs = 0;

        if (!caps || add(caps, "available_subjects", subjects) < 0) {
                json_object_put(keys);
                return NULL;
        }
        if (add(caps, "certification_keys", keys) < 0)
                return NULL;
        for (size_t i = 0; i < c->n_banks && n_algs < ELEMENTSOF(algs); i++)
                if ((algs[n_algs] = hash_alg_from_tpm_id(c->banks[i])))
                        n_algs++;
        /* Strongest first: verifiers take the first acceptable one, and
         * Keylime 7.14 stumbles over a first entry it does not accept. */
        qsort(algs, n_algs, sizeof(algs[0]), hash_alg_compare);
        for (size_t i = 0; i < n_algs && n < ELEMENTSOF(hashes); i++) {
                const HashAlg *h = algs[i];
                json_object *pcrs;

                hashes[n++] = h->name;
                pcrs = json_object_new_array();
                if (add(subjects, h->name, pcrs) < 0)
                        return NULL;
                for (int pcr = 0; pcr < PUSH_PCR_COUNT; pcr++)
                        if (append(pcrs, json_object_new_int(pcr)) < 0)
                                return NULL;
        }
        if (n == 0)
                return NULL;
        if (json_add_string(caps, "component_version", "2.0") < 0 ||
            add(caps, "hash_algorithms", string_array(hashes, n)) < 0 ||
            add(caps, "signature_schemes", string_array(&c->signature_scheme, 1)) < 0 ||
            append(keys, certification_key(c)) < 0)
                return NULL;
        return TAKE_PTR(caps);
}

static json_object *log_capabilities(bool ima, uint64_t entry_count) {
        _cleanup_json_ json_object *caps = json_object_new_object();
        const char *format = ima ? "text/plain" : "application/octet-stream";

        if (!caps || (!ima && json_add_string(caps, "evidence_version", "2.1") < 0) ||
            ((ima || entry_count > 0) && json_add_int(caps, "entry_count", (int64_t) entry_count) < 0) ||
            json_add_bool(caps, "supports_partial_access", ima) < 0 ||
            json_add_bool(caps, "appendable", ima) < 0 ||
            add(caps, "formats", string_array(&format, 1)) < 0)
                return NULL;
        return TAKE_PTR(caps);
}

/* A confidential VM's report: the binding is the verifier's to choose (report_data). */
static json_object *cc_capabilities(const PushCapabilities *c) {
        _cleanup_json_ json_object *caps = json_object_new_object();
        const char *format = "application/octet-stream";

        if (!caps || json_add_string(caps, "provider", c->cc_provider ?: "") < 0 ||
            add(caps, "formats", string_array(&format, 1)) < 0)
                return NULL;
        return TAKE_PTR(caps);
}

char *push_capabilities_body(const PushCapabilities *c) {
        _cleanup_json_ json_object *attrs = json_object_new_object();
        json_object *supported = json_object_new_array(), *info = json_object_new_object();
        char boot_time[64];

        if (!attrs || add(attrs, "evidence_supported", supported) < 0) {
                json_object_put(info);
                if (!attrs)
                        json_object_put(supported);
                return NULL;
        }
        if (add(attrs, "system_info", info) < 0)
                return NULL;
        if (!c->signature_scheme || !c->key_algorithm || !c->ak_hash || !c->ak_name_hex || !c->ak_public)
                return NULL;
        if (append(supported, evidence_item("certification", "tpm_quote", "capabilities", quote_capabilities(c))) < 0)
                return NULL;
        if (c->uefi_log &&
            append(supported, evidence_item("log", "uefi_log", "capabilities", log_capabilities(false, c->uefi_entry_count))) < 0)
                return NULL;
        if (c->ima_log &&
            append(supported, evidence_item("log", "ima_log", "capabilities", log_capabilities(true, c->ima_entry_count))) < 0)
                return NULL;
        if (c->cc_type &&
            append(supported, evidence_item("certification", c->cc_type, "capabilities", cc_capabilities(c))) < 0)
                return NULL;
        if (format_timestamp_iso(c->boot_time_usec, boot_time, sizeof(boot_time)) < 0 ||
            json_add_string(info, "boot_time", boot_time) < 0)
                return NULL;
        return document("attestation", NULL, TAKE_PTR(attrs));
}

static json_object *quote_data(const PushEvidence *e) {
        _cleanup_json_ json_object *d = json_object_new_object();

        if (!d || !e->quote_attest || !e->quote_signature || !e->pcr_blob ||
            add_base64(d, "message", e->quote_attest, e->quote_attest_size) < 0 ||
            add_base64(d, "signature", e->quote_signature, e->quote_signature_size) < 0 ||
            add_base64(d, "subject_data", e->pcr_blob, e->pcr_blob_size) < 0)
                return NULL;
        return TAKE_PTR(d);
}

static json_object *uefi_data(const PushEvidence *e) {
        _cleanup_json_ json_object *d = json_object_new_object();

        if (!d || !e->uefi_log || add_base64(d, "entries", e->uefi_log, e->uefi_log_size) < 0)
                return NULL;
        return TAKE_PTR(d);
}

static json_object *ima_data(const PushEvidence *e) {
        _cleanup_json_ json_object *d = json_object_new_object();

        if (!d || add(d, "entries", json_object_new_string_len(e->ima_entries ?: "", (int) e->ima_entries_size)) < 0 ||
            json_add_int(d, "entry_count", (int64_t) e->ima_entry_count) < 0)
                return NULL;
        return TAKE_PTR(d);
}

static json_object *cc_data(const PushEvidence *e) {
        _cleanup_json_ json_object *d = json_object_new_object();

        if (!d || !e->cc_report || add_base64(d, "report", e->cc_report, e->cc_report_size) < 0 ||
            (e->cc_cert && add_base64(d, "certificate", e->cc_cert, e->cc_cert_size) < 0))
                return NULL;
        return TAKE_PTR(d);
}

char *push_evidence_body(const PushEvidence *e) {
        _cleanup_json_ json_object *attrs = NULL;
        json_object *collected;

        if (!e->request || e->ima_entries_size > INT32_MAX)
                return NULL;
        attrs = json_object_new_object();
        collected = json_object_new_array();
        if (!attrs || add(attrs, "evidence_collected", collected) < 0)
                return NULL;
        for (size_t i = 0; i < e->request->n_items; i++) {
                json_object *item;

                switch (e->request->order[i]) {
                case PUSH_EVIDENCE_TPM_QUOTE:
                        item = evidence_item("certification", "tpm_quote", "data", quote_data(e));
                        break;
                case PUSH_EVIDENCE_UEFI_LOG:
                        item = evidence_item("log", "uefi_log", "data", uefi_data(e));
                        break;
                case PUSH_EVIDENCE_IMA_LOG:
                        item = evidence_item("log", "ima_log", "data", ima_data(e));
                        break;
                case PUSH_EVIDENCE_SEV_SNP:
                        item = evidence_item("certification", "sev-snp", "data", cc_data(e));
                        break;
                case PUSH_EVIDENCE_TDX:
                        item = evidence_item("certification", "tdx", "data", cc_data(e));
                        break;
                default:
                        return NULL;
                }
                if (append(collected, item) < 0)
                        return NULL;
        }
        return document("attestation", NULL, TAKE_PTR(attrs));
}

const char *push_evaluation_to_string(PushEvaluation e) {
        switch (e) {
        case PUSH_EVALUATION_PASS:
                return "PASS";
        case PUSH_EVALUATION_FAIL:
                return "FAIL";
        default:
                return "PENDING";
        }
}
