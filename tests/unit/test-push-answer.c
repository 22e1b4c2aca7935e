/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's parsers of the verifier's answers tell apart what is wrong:
 * not JSON at all (-ENOMSG), too large (-E2BIG), a member missing or
 * malformed (-EBADMSG); the agent's journal says which. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "push-protocol.h"

#define CAPABILITIES_OK                                                                            \
        "{\"data\": {\"type\": \"attestation\", \"id\": \"0\", \"attributes\": {"                \
        "\"stage\": \"awaiting_evidence\", \"evidence_requested\": [{"                           \
        "\"evidence_class\": \"certification\", \"evidence_type\": \"tpm_quote\","               \
        "\"chosen_parameters\": {\"challenge\": \"AAECAwQFBgcICQoLDA0ODw==\","                   \
        "\"signature_scheme\": \"rsassa\", \"hash_algorithm\": \"sha256\","                      \
        "\"selected_subjects\": {\"sha256\": [0, 7, 15]}}}]}}}"

static int capabilities(const char *body) {
        PushRequest req;
        return push_capabilities_answer_parse(body, strlen(body), &req);
}

static int evidence(const char *body) {
        uint64_t next;
        return push_evidence_answer_parse(body, strlen(body), &next);
}

static int session(const char *body) {
        uint8_t *challenge = NULL;
        char *id = NULL;
        size_t n;
        int r = push_session_answer_parse(body, strlen(body), &id, &challenge, &n);

        free(id);
        free(challenge);
        return r;
}

static int verdict(const char *body) {
        PushVerdict v = {};
        int r = push_verdict_parse(body, strlen(body), &v);

        push_verdict_done(&v);
        return r;
}

static void test_valid(void **state) {
        static const char ack[] = "{\"meta\": {\"seconds_to_next_attestation\": 2}}";
        PushRequest req;
        uint64_t next = 0;

        assert_int_equal(push_capabilities_answer_parse(CAPABILITIES_OK, strlen(CAPABILITIES_OK), &req), 0);
        assert_int_equal(req.pcr_mask, (1u << 0) | (1u << 7) | (1u << 15));
        assert_int_equal(push_evidence_answer_parse(ack, strlen(ack), &next), 0);
        assert_int_equal(next, 2);
        assert_int_equal(verdict("{\"data\": {\"attributes\": {\"evaluation\": \"pass\"}}}"), 0);
}

/* The signed result is handed on as it came: a compact JWS, within JWT_SIZE_MAX. */
static void test_verdict_ear(void **state) {
        static const char ok[] = "{\"data\": {\"attributes\": {\"evaluation\": \"pass\", \"ear\": \"eyJh.eyJi.c2ln-_\"}}}";
        static const char *const bad[] = {
                "{\"data\": {\"attributes\": {\"evaluation\": \"pass\", \"ear\": \"a.b.c\\n\"}}}",
                "{\"data\": {\"attributes\": {\"evaluation\": \"pass\", \"ear\": \"a b\"}}}",
                "{\"data\": {\"attributes\": {\"evaluation\": \"pass\", \"ear\": 7}}}",
        };
        PushVerdict v = {};

        assert_int_equal(push_verdict_parse(ok, strlen(ok), &v), 0);
        assert_string_equal(v.ear, "eyJh.eyJi.c2ln-_");
        push_verdict_done(&v);
        assert_null(v.ear);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(verdict(bad[i]), -EBADMSG);
        assert_int_equal(verdict("{\"data\": {\"attributes\": {\"evaluation\": \"pass\"}}}"), 0);
}

static void test_not_json(void **state) {
        static const char *const bad[] = {
                "",
                "<html><body>502 Bad Gateway</body></html>",
                "{\"data\": {\"attributes\": {\"stage\": ",       /* cut short */
                "{\"data\": 1} trailing",
                "[1, 2, 3]",                                      /* JSON, not an object */
                "\"data\"",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(capabilities(bad[i]), -ENOMSG);
                assert_int_equal(evidence(bad[i]), -ENOMSG);
                assert_int_equal(session(bad[i]), -ENOMSG);
                assert_int_equal(verdict(bad[i]), -ENOMSG);
        }
        assert_int_equal(push_verdict_parse(NULL, 0, &(PushVerdict) {}), -ENOMSG);
}

static void test_too_large(void **state) {
        size_t n = PUSH_ANSWER_MAX + 1;
        char *big = malloc(n + 1), deep[2 * JSON_DEPTH_MAX + 16];
        size_t k = 0;

        assert_non_null(big);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        big[n] = 0;
        assert_int_equal(capabilities(big), -E2BIG);
        assert_int_equal(verdict(big), -E2BIG);
        free(big);

        /* Nested deeper than JSON_DEPTH_MAX. */
        for (size_t i = 0; i <= JSON_DEPTH_MAX; i++)
                deep[k++] = '[';
        for (size_t i = 0; i <= JSON_DEPTH_MAX; i++)
                deep[k++] = ']';
        deep[k] = 0;
        assert_int_equal(capabilities(deep), -E2BIG);
}

#define QUOTE_REQUESTED                                                                            \
        "{\"evidence_class\": \"certification\", \"evidence_type\": \"tpm_quote\","              \
        "\"chosen_parameters\": {\"challenge\": \"AAECAwQFBgcICQoLDA0ODw==\","                  \
        "\"signature_scheme\": \"ecdsa\", \"hash_algorithm\": \"sha256\","                     \
        "\"selected_subjects\": {\"sha256\": [0]}}}"
#define RD64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define CC_REQUESTED(type, params) \
        "{\"evidence_class\": \"certification\", \"evidence_type\": \"" type "\", \"chosen_parameters\": " params "}"
#define ANSWER(items) "{\"data\": {\"type\": \"attestation\", \"id\": \"0\", \"attributes\": {\"evidence_requested\": [" items "]}}}"

/* The report the verifier asks for, and its report data. */
static void test_cc_request(void **state) {
        static const char snp[] = ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}"));
        static const char tdx[] = ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("tdx", "{\"report_data\": \"" RD64 "\"}"));
        PushRequest req;

        assert_int_equal(push_capabilities_answer_parse(snp, strlen(snp), &req), 0);
        assert_int_equal(req.n_items, 2);
        assert_int_equal(req.order[1], PUSH_EVIDENCE_SEV_SNP);
        for (size_t i = 0; i < 64; i++)
                assert_int_equal(req.cc_report_data[i], i);
        assert_int_equal(push_capabilities_answer_parse(tdx, strlen(tdx), &req), 0);
        assert_int_equal(req.order[1], PUSH_EVIDENCE_TDX);

        /* Report data of another size, none, or parameters missing; both kinds at once. */
        assert_int_equal(capabilities(ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{\"report_data\": \"AAEC\"}"))),
                         -EBADMSG);
        assert_int_equal(capabilities(ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{}"))), -EBADMSG);
        assert_int_equal(capabilities(ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("tdx", "null"))), -EBADMSG);
        assert_int_equal(capabilities(ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}")
                                             "," CC_REQUESTED("tdx", "{\"report_data\": \"" RD64 "\"}"))), -EBADMSG);
        assert_int_equal(capabilities(ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}")
                                             "," CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}"))), -EBADMSG);
        /* A report without a quote proves nothing. */
        assert_int_equal(capabilities(ANSWER(CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}"))), -EBADMSG);
}

/* The evidence body carries the report (and the certificate) in the requested order. */
static void test_cc_evidence_body(void **state) {
        static const char snp[] = ANSWER(QUOTE_REQUESTED "," CC_REQUESTED("sev-snp", "{\"report_data\": \"" RD64 "\"}"));
        PushRequest req;
        char *body;

        assert_int_equal(push_capabilities_answer_parse(snp, strlen(snp), &req), 0);
        body = push_evidence_body(&(PushEvidence) {
                        .request = &req,
                        .quote_attest = (const uint8_t *) "a", .quote_attest_size = 1,
                        .quote_signature = (const uint8_t *) "s", .quote_signature_size = 1,
                        .pcr_blob = (const uint8_t *) "p", .pcr_blob_size = 1,
                        .cc_report = (const uint8_t *) "REPORT", .cc_report_size = 6,
                        .cc_cert = (const uint8_t *) "DER", .cc_cert_size = 3,
                });
        assert_non_null(body);
        assert_non_null(strstr(body, "\"evidence_type\":\"sev-snp\",\"data\":{\"report\":\"UkVQT1JU\",\"certificate\":\"REVS\"}"));
        free(body);
        /* Asked for, not collected: no body. */
        assert_null(push_evidence_body(&(PushEvidence) {
                        .request = &req,
                        .quote_attest = (const uint8_t *) "a", .quote_attest_size = 1,
                        .quote_signature = (const uint8_t *) "s", .quote_signature_size = 1,
                        .pcr_blob = (const uint8_t *) "p", .pcr_blob_size = 1,
                }));

        PushCapabilities c = { .banks = (const uint16_t[]) { 0x000b }, .n_banks = 1, .signature_scheme = "ecdsa",
                               .key_algorithm = "ecc", .key_size = 256, .ak_hash = "sha256", .ak_name_hex = "000b00",
                               .ak_public = (const uint8_t *) "x", .ak_public_size = 1, .boot_time_usec = 1000000,
                               .cc_type = "tdx", .cc_provider = "tdx_guest" };
        body = push_capabilities_body(&c);
        assert_non_null(body);
        assert_non_null(strstr(body, "\"evidence_type\":\"tdx\",\"capabilities\":{\"provider\":\"tdx_guest\""));
        free(body);
}

static void test_missing_member(void **state) {
        /* Well-formed JSON objects, each without what its parser needs. */
        assert_int_equal(capabilities("{}"), -EBADMSG);
        assert_int_equal(capabilities("{\"data\": {\"attributes\": {\"stage\": \"awaiting_evidence\"}}}"), -EBADMSG);
        assert_int_equal(capabilities("{\"data\": {\"attributes\": {\"evidence_requested\": []}}}"), -EBADMSG);
        assert_int_equal(evidence("{\"data\": {\"attributes\": {\"stage\": \"evaluating_evidence\"}}}"), -EBADMSG);
        assert_int_equal(evidence("{\"meta\": {\"seconds_to_next_attestation\": \"soon\"}}"), -EBADMSG);
        assert_int_equal(session("{\"data\": {\"id\": \"s1\", \"attributes\": {}}}"), -EBADMSG);
        assert_int_equal(verdict("{\"data\": {\"attributes\": {\"stage\": \"verification_complete\"}}}"), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_verdict_ear),
                cmocka_unit_test(test_not_json),
                cmocka_unit_test(test_too_large),
                cmocka_unit_test(test_missing_member),
                cmocka_unit_test(test_cc_request),
                cmocka_unit_test(test_cc_evidence_body),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
