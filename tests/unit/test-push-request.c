/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tss2/tss2_tpm2_types.h>

#include "attest-verdict.h"
#include "fileio.h"
#include "hexdecode.h"
#include "json-util.h"
#include "push-request.h"

#define ATTRS(x) "{\"data\":{\"type\":\"t\",\"attributes\":" x "}}"
#define QUOTE_CAPS(subjects) \
        "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\",\"capabilities\":{" \
        "\"hash_algorithms\":[\"sha256\",\"sha1\",\"whirlpool\"],\"signature_schemes\":[\"ecdsa\",\"rsassa\"]," \
        "\"available_subjects\":" subjects "}}"
#define UEFI_ITEM "{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\"}"
#define IMA_ITEM "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"capabilities\":{\"entry_count\":42}}"
#define QUOTE_DATA "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\"," \
        "\"data\":{\"message\":\"AQID\",\"signature\":\"BAUG\",\"subject_data\":\"Bwg=\"}}"

static json_object *parse(const char *text) {
        json_object *o = NULL;
        assert_int_equal(json_parse_object(text, strlen(text), &o), 0);
        return o;
}

static int caps(const char *text, PushCapabilities *c, PushError *e) {
        _cleanup_json_ json_object *o = parse(text);
        *c = (PushCapabilities) {};
        *e = (PushError) {};
        return push_capabilities_parse(o, c, e);
}

static int evidence(const char *text, PushError *e) {
        _cleanup_json_ json_object *o = parse(text);
        PushEvidence ev = {};
        int r;

        *e = (PushError) {};
        r = push_evidence_parse(o, &ev, e);
        push_evidence_done(&ev);
        return r;
}

static void test_capabilities(void **state) {
        PushCapabilities c;
        PushError e;

        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0,7,10],\"sm3_256\":[1],\"md5\":[2]}")
                                    "," UEFI_ITEM "," IMA_ITEM "],\"system_info\":{\"boot_time\":\"2026-11-28T10:00:00.5+01:00\"}}"),
                              &c, &e), 0);
        assert_true(c.tpm_quote && c.uefi_log && c.ima_log);
        assert_int_equal(c.ima_entry_count, 42);
        assert_true(c.hash_mask & TPM2_ALG_BIT(TPM2_ALG_SHA256));
        assert_true(c.hash_mask & TPM2_ALG_BIT(TPM2_ALG_SHA1));
        assert_true(c.sig_mask & TPM2_ALG_BIT(TPM2_ALG_ECDSA));
        assert_false(c.sig_mask & TPM2_ALG_BIT(TPM2_ALG_RSAPSS));
        assert_int_equal(c.n_banks, 2);        /* md5 is not a bank this verifier knows */
        assert_int_equal(c.banks[0].pcr_mask, (1u << 0) | (1u << 7) | (1u << 10));
        assert_int_equal(c.boot_time, 1795856400u);
}

static void test_capabilities_refused(void **state) {
        static const char *const bad[] = {
                "{\"data\":{}}",                                                        /* no attributes */
                ATTRS("{}"),                                                            /* no evidence_supported */
                ATTRS("{\"evidence_supported\":[1,2,3,4,5,6,7,8,9]}"),                  /* too many items */
                ATTRS("{\"evidence_supported\":[" UEFI_ITEM "]}"),                      /* no tpm_quote */
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}") "," QUOTE_CAPS("{\"sha256\":[0]}") "]}"),
                ATTRS("{\"evidence_supported\":[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\"}]}"),
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("[0,1,2]") "]}"),           /* flat list */
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[32]}") "]}"), /* PCR out of range */
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[-1]}") "]}"),
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[\"0\"]}") "]}"),
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":0}") "]}"),
                ATTRS("{\"evidence_supported\":[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                      "\"capabilities\":{\"hash_algorithms\":\"sha256\",\"signature_schemes\":[],\"available_subjects\":{}}}]}"),
                ATTRS("{\"evidence_supported\":[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                      "\"capabilities\":{\"hash_algorithms\":[],\"signature_schemes\":[7],\"available_subjects\":{}}}]}"),
                ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{}") "],\"system_info\":{\"boot_time\":\"yesterday\"}}"),
        };
        PushCapabilities c;
        PushError e;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                assert_int_equal(caps(bad[i], &c, &e), -EBADMSG);
                assert_non_null(e.pointer);
                assert_non_null(e.what);
        }
}

static void test_evidence(void **state) {
        _cleanup_json_ json_object *o = parse(ATTRS("{\"evidence_collected\":[" QUOTE_DATA ","
                "{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\",\"data\":{\"entries\":\"AAEC\"}},"
                "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"data\":{\"entries\":\"10 a b\\n\",\"entry_count\":1}}]}"));
        PushEvidence ev = {};
        PushError e = {};

        assert_int_equal(push_evidence_parse(o, &ev, &e), 0);
        assert_int_equal(ev.attest_size, 3);
        assert_int_equal(ev.sig[0], 4);
        assert_int_equal(ev.pcr_blob_size, 2);
        assert_true(ev.has_uefi && ev.uefi_size == 3);
        assert_true(ev.has_ima);
        assert_string_equal(ev.ima, "10 a b\n");
        assert_int_equal(ev.ima_entry_count, 1);
        push_evidence_done(&ev);
}

static void test_evidence_refused(void **state) {
        static const char *const bad[] = {
                ATTRS("{}"),
                ATTRS("{\"evidence_collected\":[]}"),                                   /* no quote */
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA "," QUOTE_DATA "]}"),
                ATTRS("{\"evidence_collected\":[{\"evidence_class\":\"x\",\"evidence_type\":\"y\",\"data\":{}}]}"),
                ATTRS("{\"evidence_collected\":[{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\"}]}"),
                ATTRS("{\"evidence_collected\":[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                      "\"data\":{\"message\":\"!!\",\"signature\":\"BAUG\",\"subject_data\":\"Bwg=\"}}]}"),
                ATTRS("{\"evidence_collected\":[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                      "\"data\":{\"message\":\"AQID\",\"subject_data\":\"Bwg=\"}}]}"),
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\","
                      "\"data\":{\"entries\":\"*\"}}]}"),
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\","
                      "\"data\":{\"entries\":\"AA==\"}},{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\","
                      "\"data\":{\"entries\":\"AA==\"}}]}"),
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\","
                      "\"data\":{\"entries\":7}}]}"),
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\","
                      "\"data\":{\"entries\":\"\"}},{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\","
                      "\"data\":{\"entries\":\"\"}}]}"),
                ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\","
                      "\"data\":{\"entries\":\"a\\u0000b\"}}]}"),
        };
        PushError e;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                assert_int_equal(evidence(bad[i], &e), -EBADMSG);
                assert_non_null(e.what);
        }
}

#define SNP_OFFER "{\"evidence_class\":\"certification\",\"evidence_type\":\"sev-snp\",\"capabilities\":{\"provider\":\"sev_guest\"}}"
#define TDX_OFFER "{\"evidence_class\":\"certification\",\"evidence_type\":\"tdx\"}"

static void test_cc_offers(void **state) {
        PushCapabilities c;
        PushError e;

        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}") "," SNP_OFFER "]}"), &c, &e), 0);
        assert_true(c.sev_snp && !c.tdx);
        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}") "," TDX_OFFER "]}"), &c, &e), 0);
        assert_true(c.tdx && !c.sev_snp);
        /* Another class with the same type is not an offer of a report. */
        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}")
                                    ",{\"evidence_class\":\"log\",\"evidence_type\":\"tdx\"}]}"), &c, &e), 0);
        assert_false(c.tdx);
        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}") "," SNP_OFFER "," SNP_OFFER "]}"),
                              &c, &e), -EBADMSG);
        assert_string_equal(e.what, "a confidential-computing report offered twice");
        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" QUOTE_CAPS("{\"sha256\":[0]}")
                                    ",{\"evidence_class\":\"certification\",\"evidence_type\":\"tdx\",\"capabilities\":[]}]}"),
                              &c, &e), -EBADMSG);
        assert_string_equal(e.pointer, "/data/attributes/evidence_supported");
        /* A report alone is no offer: the quote is required. */
        assert_int_equal(caps(ATTRS("{\"evidence_supported\":[" SNP_OFFER "]}"), &c, &e), -EBADMSG);
}

static char *cc_evidence_text(const char *type, const char *data) {
        char *s = NULL;
        assert_true(asprintf(&s, ATTRS("{\"evidence_collected\":[" QUOTE_DATA ",{\"evidence_class\":\"certification\","
                                       "\"evidence_type\":\"%s\",\"data\":%s}]}"), type, data) > 0);
        return s;
}

static char *b64_of(size_t n, uint8_t fill, const uint8_t *raw) {
        uint8_t *buf = malloc(n);
        char *s;

        assert_non_null(buf);
        if (raw)
                memcpy(buf, raw, n);
        else
                memset(buf, fill, n);
        s = base64_encode(buf, n);
        free(buf);
        return s;
}

static int cc_parse(const char *type, const char *data, PushEvidence *ev, PushError *e) {
        _cleanup_free_ char *text = cc_evidence_text(type, data);
        _cleanup_json_ json_object *o = parse(text);

        *ev = (PushEvidence) {};
        *e = (PushError) {};
        return push_evidence_parse(o, ev, e);
}

static void test_cc_evidence(void **state) {
        _cleanup_free_ uint8_t *report = NULL, *quote = NULL;
        _cleanup_free_ char *r64 = NULL, *q64 = NULL, *short64 = NULL, *long64 = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL;
        _cleanup_free_ char *d4 = NULL, *d5 = NULL, *d6 = NULL;
        const char *root = getenv("ATTEST_TEST_DATA");
        char path[1024];
        PushEvidence ev;
        PushError e;
        size_t n, m;

        assert_non_null(root);
        (void) snprintf(path, sizeof path, "%s/snp/go-sev-guest/attestation.bin", root);
        assert_int_equal(read_full_file(path, 1 << 20, &report, &n), 0);
        (void) snprintf(path, sizeof path, "%s/tdx/dcap-qvl/tdx_quote", root);
        assert_int_equal(read_full_file(path, 1 << 20, &quote, &m), 0);
        r64 = b64_of(n, 0, report);
        q64 = b64_of(m, 0, quote);
        short64 = b64_of(n - 1, 0, report);
        long64 = b64_of(n + 1, 0, NULL);

        assert_true(asprintf(&d1, "{\"report\":\"%s\",\"certificate\":\"AQID\"}", r64) > 0);
        assert_int_equal(cc_parse("sev-snp", d1, &ev, &e), 0);
        assert_int_equal(ev.cc_kind, CC_KIND_SEV_SNP);
        assert_int_equal(ev.cc_report_size, n);
        assert_int_equal(ev.cc_cert_size, 3);
        push_evidence_done(&ev);

        assert_true(asprintf(&d2, "{\"report\":\"%s\"}", q64) > 0);
        assert_int_equal(cc_parse("tdx", d2, &ev, &e), 0);
        assert_int_equal(ev.cc_kind, CC_KIND_TDX);
        assert_null(ev.cc_cert);
        push_evidence_done(&ev);

        /* One case per refusal. */
        assert_true(asprintf(&d3, "{\"report\":\"%s\"}", short64) > 0);
        assert_int_equal(cc_parse("sev-snp", d3, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "the SEV-SNP report is malformed");
        assert_true(asprintf(&d4, "{\"report\":\"%s\"}", long64) > 0);
        assert_int_equal(cc_parse("sev-snp", d4, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "report must be base64 of at most the report's size");
        assert_int_equal(cc_parse("tdx", d1 /* an SNP report and a certificate */, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "the TDX quote is malformed");
        assert_true(asprintf(&d5, "{\"report\":\"%s\",\"certificate\":\"AQID\"}", q64) > 0);
        assert_int_equal(cc_parse("tdx", d5, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "certificate is for SEV-SNP reports");
        assert_true(asprintf(&d6, "{\"report\":\"%s\",\"certificate\":\"!!\"}", r64) > 0);
        assert_int_equal(cc_parse("sev-snp", d6, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "certificate must be base64 DER");
        assert_int_equal(cc_parse("sev-snp", "{\"report\":7}", &ev, &e), -EBADMSG);
        assert_int_equal(cc_parse("sev-snp", "{}", &ev, &e), -EBADMSG);
        assert_int_equal(cc_parse("sev-snp", "[]", &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "evidence item without data");
        assert_int_equal(cc_parse("sev_snp", d1, &ev, &e), -EBADMSG);
        assert_string_equal(e.what, "unknown evidence item");
        {
                /* Twice. */
                _cleanup_free_ char *text = NULL;
                _cleanup_json_ json_object *o = NULL;

                assert_true(asprintf(&text, ATTRS("{\"evidence_collected\":[" QUOTE_DATA
                                                  ",{\"evidence_class\":\"certification\",\"evidence_type\":\"tdx\",\"data\":%s}"
                                                  ",{\"evidence_class\":\"certification\",\"evidence_type\":\"sev-snp\",\"data\":%s}]}"),
                                     d2, d1) > 0);
                o = parse(text);
                ev = (PushEvidence) {};
                assert_int_equal(push_evidence_parse(o, &ev, &e), -EBADMSG);
                assert_string_equal(e.what, "a confidential-computing report given twice");
        }
}

static void test_session(void **state) {
        _cleanup_json_ json_object *ok = parse(ATTRS("{\"agent_id\":\"n1\",\"authentication_supported\":"
                                                     "[{\"authentication_class\":\"pop\",\"authentication_type\":\"tpm_pop\"}]}"));
        _cleanup_json_ json_object *no_pop = parse(ATTRS("{\"agent_id\":\"n1\",\"authentication_supported\":"
                                                         "[{\"authentication_class\":\"x\",\"authentication_type\":\"tpm_pop\"}]}"));
        _cleanup_json_ json_object *no_id = parse(ATTRS("{\"authentication_supported\":[]}"));
        _cleanup_json_ json_object *no_list = parse(ATTRS("{\"agent_id\":\"n1\"}"));
        const char *id = NULL;
        PushError e;

        assert_int_equal(push_session_request_parse(ok, &id, &e), 0);
        assert_string_equal(id, "n1");
        assert_int_equal(push_session_request_parse(no_pop, &id, &e), -EBADMSG);
        assert_int_equal(push_session_request_parse(no_id, &id, &e), -EBADMSG);
        assert_int_equal(push_session_request_parse(no_list, &id, &e), -EBADMSG);
}

static void test_certify(void **state) {
        _cleanup_json_ json_object *ok = parse(ATTRS("{\"authentication_provided\":[{\"data\":{\"message\":\"AQID\",\"signature\":\"BA==\"}}]}"));
        _cleanup_json_ json_object *empty = parse(ATTRS("{\"authentication_provided\":[]}"));
        _cleanup_json_ json_object *no_data = parse(ATTRS("{\"authentication_provided\":[{}]}"));
        _cleanup_json_ json_object *bad_msg = parse(ATTRS("{\"authentication_provided\":[{\"data\":{\"message\":\"*\",\"signature\":\"BA==\"}}]}"));
        _cleanup_json_ json_object *bad_sig = parse(ATTRS("{\"authentication_provided\":[{\"data\":{\"message\":\"AQID\"}}]}"));
        PushCertify c = {};
        PushError e;

        assert_int_equal(push_certify_parse(ok, &c, &e), 0);
        assert_int_equal(c.attest_size, 3);
        assert_int_equal(c.sig_size, 1);
        push_certify_done(&c);
        assert_int_equal(push_certify_parse(empty, &c, &e), -EBADMSG);
        assert_int_equal(push_certify_parse(no_data, &c, &e), -EBADMSG);
        assert_int_equal(push_certify_parse(bad_msg, &c, &e), -EBADMSG);
        assert_int_equal(push_certify_parse(bad_sig, &c, &e), -EBADMSG);
        assert_null(c.attest);
}

static void test_rfc3339(void **state) {
        uint64_t t = 0;

        assert_int_equal(push_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        assert_int_equal(push_parse_rfc3339("2026-11-28T22:00:00.123456Z", &t), 0);
        assert_int_equal(t, 1795903200u);
        assert_int_equal(push_parse_rfc3339("2026-11-28T23:30:00+01:30", &t), 0);
        assert_int_equal(t, 1795903200u);
        assert_int_equal(push_parse_rfc3339("2026-11-28T22:00:00", &t), -EINVAL);      /* no offset */
        assert_int_equal(push_parse_rfc3339("2026-13-28T22:00:00Z", &t), -EINVAL);
        assert_int_equal(push_parse_rfc3339("2026-11-28T22:00:00.Z", &t), -EINVAL);
        assert_int_equal(push_parse_rfc3339("2026-11-28T22:00:00Zjunk", &t), -EINVAL);
        assert_int_equal(push_parse_rfc3339("1969-12-31T23:59:59Z", &t), -EINVAL);
        assert_int_equal(push_parse_rfc3339("1970-01-01T00:00:00+01:00", &t), -EINVAL); /* before the epoch */
        assert_int_equal(push_parse_rfc3339("2026-11-28T22:00:00+1:00", &t), -EINVAL);
        assert_int_equal(push_sig_scheme_from_name("ecdsa"), TPM2_ALG_ECDSA);
        assert_string_equal(push_sig_scheme_to_name(TPM2_ALG_RSAPSS), "rsapss");
        assert_null(push_sig_scheme_to_name(TPM2_ALG_SHA256));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_capabilities),
                cmocka_unit_test(test_capabilities_refused),
                cmocka_unit_test(test_evidence),
                cmocka_unit_test(test_evidence_refused),
                cmocka_unit_test(test_cc_offers),
                cmocka_unit_test(test_cc_evidence),
                cmocka_unit_test(test_session),
                cmocka_unit_test(test_certify),
                cmocka_unit_test(test_rfc3339),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
