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
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
