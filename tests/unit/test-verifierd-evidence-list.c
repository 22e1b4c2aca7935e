/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An attestation's evidence list written as text (verifierd-evidence-list.c): the 201,
 * the list kept for the storage, and the list with the data received that the 202
 * echoes are byte for byte what json-c wrote for the trees the verifier built before
 * (the reference below), with quotes, escapes, non-ASCII and doubles in the node's
 * capabilities and data, both for a list written here and for one read from the storage. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <tss2/tss2_tpm2_types.h>

#include "hexdecode.h"
#include "json-util.h"
#include "test-data.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-push.h"

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static json_object *ref_item(const char *cls, const char *type, json_object *params) {
        json_object *o = json_object_new_object();

        (void) json_add_string(o, "evidence_class", cls);
        (void) json_add_string(o, "evidence_type", type);
        (void) json_object_object_add(o, "chosen_parameters", params);
        return o;
}

static json_object *ref_attributes(const PendingAttestation *p, const PushCapabilities *c) {
        json_object *a = json_object_new_object(), *l = json_object_new_array();
        json_object *q = json_object_new_object(), *subjects = json_object_new_object(), *list = json_object_new_array();
        _cleanup_free_ char *nonce = base64_encode(p->nonce, sizeof p->nonce);
        char when[64];

        for (unsigned i = 0; i < TPM2_PCRS_PER_BANK_MAX; i++)
                if (p->pcr_mask & (UINT32_C(1) << i))
                        (void) json_object_array_add(list, json_object_new_int((int) i));
        for (size_t i = 0; i < c->n_banks; i++)
                (void) json_object_object_add(subjects, c->banks[i].alg->name,
                                              c->banks[i].alg == p->bank ? json_object_get(list) : NULL);
        json_object_put(list);
        (void) json_add_string(q, "challenge", nonce);
        (void) json_add_string(q, "hash_algorithm", hash_alg_from_tpm_id(p->hash_alg)->name);
        (void) json_add_string(q, "signature_scheme", push_sig_scheme_to_name(p->sig_scheme));
        (void) json_object_object_add(q, "selected_subjects", subjects);
        (void) json_object_array_add(l, ref_item("certification", "tpm_quote", q));
        if (p->uefi) {
                json_object *o = json_object_new_object();
                (void) json_add_string(o, "format", "application/octet-stream");
                (void) json_object_array_add(l, ref_item("log", "uefi_log", o));
        }
        if (p->ima) {
                json_object *o = json_object_new_object();
                (void) json_add_string(o, "format", "text/plain");
                (void) json_add_int(o, "starting_offset", (int64_t) p->ima_offset);
                (void) json_object_array_add(l, ref_item("log", "ima_log", o));
        }
        (void) json_add_string(a, "stage", "awaiting_evidence");
        (void) json_object_object_add(a, "evidence_requested", l);
        (void) format_timestamp_iso(p->expires_usec, when, sizeof when);
        (void) json_add_string(a, "challenges_expire_at", when);
        return a;
}

static bool same_item(json_object *a, json_object *b) {
        const char *ca = json_object_get_string(member(a, "evidence_class")), *cb = json_object_get_string(member(b, "evidence_class"));
        const char *ta = json_object_get_string(member(a, "evidence_type")), *tb = json_object_get_string(member(b, "evidence_type"));

        return ca && cb && ta && tb && strcmp(ca, cb) == 0 && strcmp(ta, tb) == 0;
}

static json_object *ref_requested(json_object *body, json_object *requested) {
        json_object *offered = member(member(member(body, "data"), "attributes"), "evidence_supported");
        json_object *l = json_object_new_array();

        for (size_t i = 0; i < json_object_array_length(requested); i++) {
                json_object *req = json_object_array_get_idx(requested, i), *caps = NULL, *o = json_object_new_object();

                for (size_t k = 0; !caps && k < json_object_array_length(offered); k++)
                        if (same_item(json_object_array_get_idx(offered, k), req))
                                caps = member(json_object_array_get_idx(offered, k), "capabilities");
                (void) json_object_array_add(l, o);
                (void) json_object_object_add(o, "evidence_class", json_object_get(member(req, "evidence_class")));
                (void) json_object_object_add(o, "evidence_type", json_object_get(member(req, "evidence_type")));
                (void) json_object_object_add(o, "capabilities", json_object_get(caps));
                (void) json_object_object_add(o, "chosen_parameters", json_object_get(member(req, "chosen_parameters")));
        }
        return l;
}

static json_object *ref_received_data(json_object *item, bool ima) {
        static const char *const keys[] = { "message", "signature", "subject_data", "entries", "entry_count",
                                            "report", "certificate" };
        json_object *d = member(item, "data"), *o = json_object_new_object();
        const char *s;
        int n = 0;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (member(d, keys[i]) && !(ima && strcmp(keys[i], "entry_count") == 0))
                        (void) json_object_object_add(o, keys[i], json_object_get(member(d, keys[i])));
        if (ima) {
                for (s = json_object_get_string(member(d, "entries")); s && *s; s++)
                        n += *s == '\n';
                (void) json_add_int(o, "entry_count", n);
        }
        return o;
}

/* The stored list parsed, each item given its data. */
static char *ref_received(const char *stored, json_object *patch) {
        json_object *collected = member(member(member(patch, "data"), "attributes"), "evidence_collected");
        json_object *l = json_tokener_parse(stored);
        char *text;

        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *item = json_object_array_get_idx(l, i);
                const char *type = json_object_get_string(member(item, "evidence_type"));

                (void) json_object_object_add(item, "data", ref_received_data(json_object_array_get_idx(collected, i),
                                                                              type && strcmp(type, "ima_log") == 0));
        }
        text = strdup(json_object_to_json_string_ext(l, JSON_TEXT_PLAIN));
        json_object_put(l);
        return text;
}

static const char post_body[] =
        "{\"data\":{\"type\":\"attestation\",\"attributes\":{\"evidence_supported\":["
        "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\",\"capabilities\":{"
        "\"component_version\":\"2.0\",\"hash_algorithms\":[\"sha256\",\"sha1\"],\"n\":1.50,\"e\":-0.0,"
        "\"s\":\"q\\\"b\\\\s/l\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t caf\\u00e9 \\ud83d\\ude00\",\"deep\":{\"a\":[{},[],null,true]}}},"
        "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"capabilities\":{\"formats\":[\"text/plain\"],"
        "\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\"}},"
        "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"capabilities\":\"second\"}]}}}";

static const char patch_body[] =
        "{\"data\":{\"attributes\":{\"evidence_collected\":["
        "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\",\"data\":{\"subject_data\":\"AAEC\","
        "\"message\":\"/\\\\\\\"\\u0001\\u00e9\",\"signature\":\"sig\",\"entry_count\":3,\"other\":1}},"
        "{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\",\"data\":{\"entries\":\"AAAA\",\"entry_count\":2.50}},"
        "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"data\":{\"entries\":\"10 a\\n10 b\\n\",\"entry_count\":99,"
        "\"report\":null}}]}}}";

static void test_lists(void **state) {
        const HashAlg *sha1 = hash_alg_from_name("sha1"), *sha256 = hash_alg_from_name("sha256");
        /* "SHA256" and "sha256" offered: one bank, listed once. */
        PushCapabilities caps = { .n_banks = 3, .banks = { { .alg = sha256 }, { .alg = sha1 }, { .alg = sha256 } } };
        json_object *post = json_tokener_parse(post_body), *patch = json_tokener_parse(patch_body);

        assert_non_null(post);
        assert_non_null(patch);
        for (unsigned variant = 0; variant < 4; variant++) {
                PendingAttestation p = {
                        .index = variant == 3 ? 18446744073709551615ULL : variant, .nonce = { 1, 2, 0xfe, 0xff },
                        .expires_usec = 1700000003000001, .bank = variant == 2 ? sha1 : sha256,
                        .pcr_mask = variant == 1 ? 1 : 0x8481, .hash_alg = TPM2_ALG_SHA256, .sig_scheme = TPM2_ALG_ECDSA,
                        .uefi = variant == 1 || variant == 3, .ima = variant >= 2, .ima_offset = 42,
                };
                _cleanup_free_ char *doc = NULL, *got = NULL, *want_received = NULL, *again = NULL;
                json_object *attrs = ref_attributes(&p, &caps), *requested;
                char idx[24];

                (void) snprintf(idx, sizeof idx, "%llu", (unsigned long long) p.index);
                requested = ref_requested(post, member(attrs, "evidence_requested"));
                _cleanup_free_ char *want_evidence = strdup(json_object_to_json_string_ext(requested, JSON_TEXT_PLAIN));
                _cleanup_free_ char *want_doc = json_v3_document("attestation", idx, attrs, NULL);
                json_object_put(requested);

                assert_int_equal(pending_document(&p, &caps, post, CC_KIND_NONE, NULL, &doc, &p.evidence, &p.items), 0);
                assert_string_equal(doc, want_doc);
                assert_string_equal(p.evidence, want_evidence);
                assert_int_equal(p.items.n, 1 + p.uefi + p.ima);

                want_received = ref_received(p.evidence, patch);
                got = received_evidence(&p, patch, 0);
                assert_non_null(got);
                assert_string_equal(got, want_received);
                /* Read from the storage: no item ends known. */
                p.items = (EvidenceItems) {};
                again = received_evidence(&p, patch, 0);
                assert_non_null(again);
                assert_string_equal(again, want_received);
                free(p.evidence);
        }
        json_object_put(post);
        json_object_put(patch);
}

/* Stored lists another instance wrote: an empty item, an empty list, and text that is not a list of objects. */
static void test_stored(void **state) {
        json_object *patch = json_tokener_parse(patch_body);
        static const char *const good[] = {
                "[]", "[{}]", "[{\"evidence_type\":\"ima_log\"},{\"x\":[1,{\"y\":\"}\"}]}]",
                "[ { \"evidence_class\" : \"certification\" , \"n\": 1.0 } ]",
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                PendingAttestation p = { .evidence = (char *) good[i] };
                _cleanup_free_ char *got = received_evidence(&p, patch, 0), *want = ref_received(good[i], patch);

                assert_non_null(got);
                assert_string_equal(got, want);
        }
        static const char *const bad[] = { "[1]", "{}", "[", "[{},{},{},{},{}]", NULL };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                PendingAttestation p = { .evidence = (char *) bad[i] };
                assert_null(received_evidence(&p, patch, 0));
        }
        json_object_put(patch);
}

/* A node with a confidential VM: its item is requested last, and the stored list asks for it. */
static void test_cc_item(void **state) {
        const HashAlg *sha256 = hash_alg_from_name("sha256");
        PushCapabilities caps = { .n_banks = 1, .banks = { { .alg = sha256 } } };
        PendingAttestation p = { .nonce = { 9, 8, 7 }, .bank = sha256, .pcr_mask = 1, .hash_alg = TPM2_ALG_SHA256,
                                 .sig_scheme = TPM2_ALG_ECDSA, .ima = true };
        _cleanup_free_ uint8_t *pub = NULL;
        _cleanup_free_ char *doc = NULL;
        json_object *d, *l;
        size_t n;

        test_data_read("tpm/swtpm/ak-p256.pub", &pub, &n);
        Blob ak = { .data = pub, .size = n };
        assert_int_equal(pending_document(&p, &caps, NULL, CC_KIND_SEV_SNP, &ak, &doc, &p.evidence, &p.items), 0);
        assert_int_equal(p.items.n, 3);
        assert_int_equal(p.items.ima_mask, 2);
        assert_int_equal(cc_requested_kind(p.evidence), CC_KIND_SEV_SNP);
        d = json_tokener_parse(doc);
        l = member(member(member(d, "data"), "attributes"), "evidence_requested");
        assert_int_equal(json_object_array_length(l), 3);
        assert_string_equal(json_object_get_string(member(json_object_array_get_idx(l, 2), "evidence_type")), "sev-snp");
        assert_string_equal(doc, json_object_to_json_string_ext(d, JSON_TEXT_PLAIN));
        json_object_put(d);
        free(p.evidence);

        /* An AK that does not parse: the request's error, nothing written. */
        ak.size--;
        p.evidence = NULL;
        assert_true(pending_document(&p, &caps, NULL, CC_KIND_TDX, &ak, &doc, &p.evidence, &p.items) < 0);
        assert_null(p.evidence);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lists),
                cmocka_unit_test(test_stored),
                cmocka_unit_test(test_cc_item),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
