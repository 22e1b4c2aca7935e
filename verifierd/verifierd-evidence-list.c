/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An attestation's evidence list, written as text: the items chosen for a new attestation
 * (the 201's evidence_requested, and with the capabilities the node offered for each the
 * list that the storage keeps), then the same list with the data received (the 202).
 * The text is what json-c wrote for the trees built before (test-verifierd-evidence-list). */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "hexdecode.h"
#include "json-util.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-push.h"

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void quote_parameters(JsonWriter *w, const PendingAttestation *p, const PushCapabilities *c) {
        _cleanup_free_ char *nonce = base64_encode(p->nonce, sizeof p->nonce);
        const HashAlg *h = hash_alg_from_tpm_id(p->hash_alg);
        bool first = true;

        if (!nonce) {
                w->failed = true;
                return;
        }
        json_writer_literal(w, "{");
        json_writer_key(w, "challenge", true);
        json_writer_string(w, nonce);
        json_writer_key(w, "hash_algorithm", false);
        json_writer_string(w, h ? h->name : "sha256");
        json_writer_key(w, "signature_scheme", false);
        json_writer_string(w, push_sig_scheme_to_name(p->sig_scheme));
        json_writer_key(w, "selected_subjects", false);
        json_writer_literal(w, "{");
        for (size_t i = 0; i < c->n_banks; i++) {
                bool again = false;

                /* Names that differ in case are one bank, listed once, where it came first. */
                for (size_t k = 0; k < i && !again; k++)
                        again = c->banks[k].alg == c->banks[i].alg;
                if (again)
                        continue;
                json_writer_key(w, c->banks[i].alg->name, first);
                first = false;
                if (c->banks[i].alg != p->bank) {
                        json_writer_literal(w, "null");
                        continue;
                }
                json_writer_literal(w, "[");
                for (unsigned pcr = 0, n = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++)
                        if (p->pcr_mask & (UINT32_C(1) << pcr)) {
                                if (n++ > 0)
                                        json_writer_literal(w, ",");
                                json_writer_int(w, pcr);
                        }
                json_writer_literal(w, "]");
        }
        json_writer_literal(w, "}}");
}

static void log_parameters(JsonWriter *w, const char *format, bool ima, uint64_t offset) {
        json_writer_literal(w, "{");
        json_writer_key(w, "format", true);
        json_writer_string(w, format);
        if (ima) {
                json_writer_key(w, "starting_offset", false);
                json_writer_int(w, (int64_t) offset);
        }
        json_writer_literal(w, "}");
}

/* The capabilities the node offered for an item of that class and type (NULL: none). */
static json_object *offered_capabilities(json_object *offered, const char *cls, const char *type) {
        for (size_t k = 0; json_object_is_type(offered, json_type_array) && k < json_object_array_length(offered); k++) {
                json_object *o = json_object_array_get_idx(offered, k);
                const char *c = json_object_get_string(member(o, "evidence_class"));
                const char *t = json_object_get_string(member(o, "evidence_type"));

                if (c && t && strcmp(c, cls) == 0 && strcmp(t, type) == 0)
                        return member(o, "capabilities");
        }
        return NULL;
}

/* The items requested, written into both texts as they are chosen. */
typedef struct Requested {
        JsonWriter doc, evidence;
        JsonWriter params;              /* the next item's chosen parameters, written first */
        json_object *offered;           /* the body's evidence_supported */
        EvidenceItems items;
} Requested;

static void requested_done(Requested *r) {
        json_writer_done(&r->doc);
        json_writer_done(&r->evidence);
        json_writer_done(&r->params);
}

static void request_item(Requested *r, const char *cls, const char *type) {
        JsonWriter *both[] = { &r->doc, &r->evidence };

        if (r->params.failed || r->items.n >= EVIDENCE_ITEMS_MAX) {
                r->evidence.failed = true;
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(both); i++) {
                JsonWriter *w = both[i];

                json_writer_literal(w, r->items.n > 0 ? ",{" : "{");
                json_writer_key(w, "evidence_class", true);
                json_writer_string(w, cls);
                json_writer_key(w, "evidence_type", false);
                json_writer_string(w, type);
                if (w == &r->evidence) {
                        json_writer_key(w, "capabilities", false);
                        json_writer_json(w, offered_capabilities(r->offered, cls, type));
                }
                json_writer_key(w, "chosen_parameters", false);
                json_writer_raw(w, r->params.buf, r->params.size);
                json_writer_literal(w, "}");
        }
        if (strcmp(type, "ima_log") == 0)
                r->items.ima_mask |= 1u << r->items.n;
        r->items.end[r->items.n++] = (uint32_t) r->evidence.size;
        r->params.size = 0;
}

int pending_document(const PendingAttestation *p, const PushCapabilities *c, json_object *body, CcKind cc_kind,
                     const Blob *aik_tpm, char **ret_doc, char **ret_evidence, EvidenceItems *ret_items) {
        _cleanup_(requested_done) Requested r = {};
        char idx[24], when[64];
        int k;

        (void) snprintf(idx, sizeof idx, "%llu", (unsigned long long) p->index);
        (void) format_timestamp_iso(p->expires_usec, when, sizeof when);
        r.offered = member(member(member(body, "data"), "attributes"), "evidence_supported");
        json_writer_literal(&r.doc, "{\"data\":{\"type\":\"attestation\",\"id\":");
        json_writer_string(&r.doc, idx);
        json_writer_literal(&r.doc, ",\"attributes\":{\"stage\":\"awaiting_evidence\",\"evidence_requested\":[");
        json_writer_literal(&r.evidence, "[");
        quote_parameters(&r.params, p, c);
        request_item(&r, "certification", "tpm_quote");
        if (p->uefi) {
                log_parameters(&r.params, "application/octet-stream", false, 0);
                request_item(&r, "log", "uefi_log");
        }
        if (p->ima) {
                log_parameters(&r.params, "text/plain", true, p->ima_offset);
                request_item(&r, "log", "ima_log");
        }
        if (cc_kind != CC_KIND_NONE) {
                k = cc_request_parameters(&r.params, cc_kind, p->nonce, sizeof p->nonce, aik_tpm);
                if (k < 0)
                        return k;
                request_item(&r, "certification", cc_kind_to_string(cc_kind));
        }
        json_writer_literal(&r.evidence, "]");
        json_writer_literal(&r.doc, "],");
        json_writer_key(&r.doc, "challenges_expire_at", true);
        json_writer_string(&r.doc, when);
        json_writer_literal(&r.doc, "}}}");
        if (r.doc.failed || r.evidence.failed)
                return -ENOMEM;
        *ret_evidence = json_writer_finish(&r.evidence);
        *ret_doc = json_writer_finish(&r.doc);
        *ret_items = r.items;
        return 0;
}

/* strchr() finds the next line end many bytes at a time, a byte loop does not. */
static int count_lines(const char *s) {
        int n = 0;

        for (; s && (s = strchr(s, '\n')); s++)
                n++;
        return n;
}

/* Keylime's rendering of received evidence data: the quote's message,
 * signature and subject_data; a log's entries and its count, which for the
 * IMA log is the number of lines received; a confidential VM's report. */
static void write_received_data(JsonWriter *w, json_object *item, bool ima) {
        static const char *const keys[] = { "message", "signature", "subject_data", "entries", "entry_count",
                                            "report", "certificate" };
        json_object *d = member(item, "data");
        bool first = true;

        json_writer_literal(w, "{");
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *v = member(d, keys[i]);

                if (!v || (ima && strcmp(keys[i], "entry_count") == 0))
                        continue;
                json_writer_key(w, keys[i], first);
                json_writer_json(w, v);
                first = false;
        }
        if (ima) {
                json_writer_key(w, "entry_count", first);
                json_writer_int(w, count_lines(json_object_get_string(member(d, "entries"))));
        }
        json_writer_literal(w, "}");
}

/* Our own stored evidence list (of an attestation another instance issued) written again
 * as json-c writes it, with where its items end; -EBADMSG when it is not a list of objects. */
static int evidence_items_index(const char *text, char **ret_text, EvidenceItems *ret) {
        _cleanup_json_ json_object *l = text ? json_tokener_parse(text) : NULL;
        EvidenceItems items = {};
        JsonWriter w = {};

        if (!json_object_is_type(l, json_type_array) || json_object_array_length(l) > EVIDENCE_ITEMS_MAX)
                return -EBADMSG;
        json_writer_literal(&w, "[");
        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *item = json_object_array_get_idx(l, i);
                const char *type = json_object_get_string(member(item, "evidence_type"));

                if (!json_object_is_type(item, json_type_object)) {
                        json_writer_done(&w);
                        return -EBADMSG;
                }
                if (i > 0)
                        json_writer_literal(&w, ",");
                json_writer_json(&w, item);
                if (type && strcmp(type, "ima_log") == 0)
                        items.ima_mask |= 1u << i;
                items.end[items.n++] = (uint32_t) w.size;
        }
        json_writer_literal(&w, "]");
        *ret_text = json_writer_finish(&w);
        *ret = items;
        return *ret_text ? 0 : -ENOMEM;
}

char *received_evidence(const PendingAttestation *p, json_object *body, size_t size_hint) {
        json_object *collected = member(member(member(body, "data"), "attributes"), "evidence_collected");
        _cleanup_free_ char *stored = NULL;
        const EvidenceItems *items = &p->items;
        const char *text = p->evidence;
        EvidenceItems parsed;
        JsonWriter w = {};
        size_t start = 0;

        if (items->n == 0) {
                if (evidence_items_index(p->evidence, &stored, &parsed) < 0)
                        return NULL;
                text = stored;
                items = &parsed;
        }
        /* Each item's text is cut before its '}' for the data to be its last member, as
         * json-c adds it to an object: no tree is built and written again. */
        json_writer_reserve(&w, strlen(text) + size_hint);
        for (size_t i = 0; i < items->n; i++) {
                size_t end = items->end[i];

                assert(end >= start + 2 && text[end - 1] == '}');
                json_writer_raw(&w, text + start, end - 1 - start);
                json_writer_key(&w, "data", text[end - 2] == '{');
                write_received_data(&w, json_object_array_get_idx(collected, i), items->ima_mask & (1u << i));
                json_writer_literal(&w, "}");
                start = end;
        }
        json_writer_literal(&w, text + start);
        return json_writer_finish(&w);
}
