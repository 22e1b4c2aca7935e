/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "json-util.h"
#include "attest-limits.h"
#include "registration-request.h"

/* Parses text; returns the parser's result and the field it blamed. */
static int parse(const char *text, RegistrationRequest *req, const char **field) {
        _cleanup_json_ json_object *o = NULL;

        *field = NULL;
        assert_int_equal(json_parse_object(text, strlen(text), &o), 0);
        return registration_request_parse(o, req, field);
}

static void test_minimal(void **state) {
        RegistrationRequest req = {};
        const char *field;

        assert_int_equal(parse("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\"}", &req, &field), 0);
        assert_int_equal(req.ek_tpm.size, 3);
        assert_int_equal(req.aik_tpm.data[0], 4);
        assert_null(req.ekcert.data);
        assert_null(req.mtls_cert);
        registration_request_done(&req);
}

static void test_full(void **state) {
        RegistrationRequest req = {};
        const char *field;

        assert_int_equal(parse("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"MAA=\", \"iak_tpm\": \"AQ==\","
                               " \"iak_attest\": \"Ag==\", \"iak_sign\": \"Aw==\", \"idevid_tpm\": \"\","
                               " \"mtls_cert\": \"-----BEGIN CERTIFICATE-----\\nx\\n\", \"ip\": \"10.0.0.1\", \"port\": \"9002\"}",
                               &req, &field), 0);
        assert_int_equal(req.ekcert.size, 2);
        assert_int_equal(req.iak_sign.data[0], 3);
        assert_null(req.idevid_tpm.data);   /* empty string is absent */
        assert_non_null(req.mtls_cert);
        assert_string_equal(req.ip, "10.0.0.1");
        assert_int_equal(req.port, 9002);
        registration_request_done(&req);
}

static void expect_bad(const char *text, const char *bad_field, int error) {
        RegistrationRequest req = {};
        const char *field;

        assert_int_equal(parse(text, &req, &field), error);
        assert_non_null(field);
        assert_string_equal(field, bad_field);
        assert_null(req.ek_tpm.data);
}

static void test_missing_required(void **state) {
        expect_bad("{\"aik_tpm\": \"BAUG\"}", "ek_tpm", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\"}", "aik_tpm", -EINVAL);
        expect_bad("{\"ek_tpm\": \"\", \"aik_tpm\": \"BAUG\"}", "ek_tpm", -EINVAL);
        expect_bad("{\"ek_tpm\": null, \"aik_tpm\": \"BAUG\"}", "ek_tpm", -EINVAL);
}

static void test_not_base64(void **state) {
        expect_bad("{\"ek_tpm\": \"A*ID\", \"aik_tpm\": \"BAUG\"}", "ek_tpm", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": 12}", "aik_tpm", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"!!\"}", "ekcert", -EINVAL);
}

static void test_iak_incomplete(void **state) {
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"iak_tpm\": \"AQ==\"}", "iak_attest", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"iak_tpm\": \"AQ==\", \"iak_attest\": \"AQ==\"}",
                   "iak_sign", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"iak_attest\": \"AQ==\"}", "iak_tpm", -EINVAL);
}

static void test_bad_mtls_and_address(void **state) {
        RegistrationRequest req = {};
        const char *field;

        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"mtls_cert\": \"not a cert\"}", "mtls_cert", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"port\": 65536}", "port", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"port\": \"x\"}", "port", -EINVAL);
        expect_bad("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ip\": 5}", "ip", -EINVAL);
        assert_int_equal(parse("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"mtls_cert\": \"disabled\"}", &req, &field), 0);
        assert_null(req.mtls_cert);
        registration_request_done(&req);
}

/* ekcert as PEM: SEQUENCE { INTEGER 5 } stands for a certificate, the parser
 * only checks that each block is one whole DER element. */
#define PEM_BEGIN "-----BEGIN CERTIFICATE-----\\n"
#define PEM_END "\\n-----END CERTIFICATE-----\\n"
#define PEM_CERT PEM_BEGIN "MAMCAQU=" PEM_END
#define PEM_CA PEM_BEGIN "MAA=" PEM_END

static void expect_ekcert(const char *ekcert, int error) {
        _cleanup_free_ char *text = NULL;

        assert_true(asprintf(&text, "{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"%s\"}", ekcert) > 0);
        expect_bad(text, "ekcert", error);
}

static void test_ekcert_pem(void **state) {
        RegistrationRequest req = {};
        const char *field;
        Blob first, chain;

        assert_int_equal(parse("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"" PEM_CERT "\"}", &req, &field), 0);
        assert_int_equal(req.ekcert.size, 5);
        assert_int_equal(ekcert_split(&req.ekcert, &first, &chain), 0);
        assert_int_equal(first.size, 5);
        assert_int_equal(chain.size, 0);
        registration_request_done(&req);
}

static void test_ekcert_pem_chain(void **state) {
        static const uint8_t expected[] = { 0x30, 0x03, 0x02, 0x01, 0x05, 0x30, 0x00 };
        RegistrationRequest req = {};
        const char *field;
        Blob first, chain;

        /* CRLF line ends and blank lines between blocks, as files on some systems have. */
        assert_int_equal(parse("{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"" PEM_BEGIN "MAMC\\r\\nAQU=\\r" PEM_END "\\n" PEM_CA "\"}",
                               &req, &field), 0);
        assert_int_equal(req.ekcert.size, sizeof expected);
        assert_memory_equal(req.ekcert.data, expected, sizeof expected);
        assert_int_equal(ekcert_split(&req.ekcert, &first, &chain), 0);
        assert_int_equal(first.size, 5);
        assert_int_equal(chain.size, 2);
        assert_ptr_equal(chain.data, req.ekcert.data + 5);
        registration_request_done(&req);
}

static void test_ekcert_pem_garbage(void **state) {
        expect_ekcert(PEM_BEGIN "!!!!" PEM_END, -EINVAL);
}

static void test_ekcert_pem_truncated(void **state) {
        expect_ekcert(PEM_BEGIN "MAMCAQU=\\n", -EINVAL);
        expect_ekcert(PEM_BEGIN "MAMCAQU=\\n-----END CERT", -EINVAL);
}

static void test_ekcert_pem_empty_block(void **state) {
        expect_ekcert(PEM_BEGIN PEM_END, -EINVAL);
}

static void test_ekcert_pem_not_der(void **state) {
        expect_ekcert(PEM_BEGIN "aGVsbG8=" PEM_END, -EINVAL);          /* "hello" */
        expect_ekcert(PEM_BEGIN "MAQCAQU=" PEM_END, -EINVAL);          /* length beyond the block */
        expect_ekcert(PEM_BEGIN "MAMCAQUA" PEM_END, -EINVAL);          /* a byte after the element */
        expect_ekcert(PEM_BEGIN "MIA=" PEM_END, -EINVAL);              /* indefinite length */
}

static void test_ekcert_pem_text_around(void **state) {
        expect_ekcert(PEM_CERT "trailing", -EINVAL);
        expect_ekcert(PEM_CERT "between" PEM_CA, -EINVAL);
        expect_ekcert(PEM_BEGIN "MAMCAQU=" PEM_END "-----BEGIN PRIVATE KEY-----\\nMAA=\\n-----END PRIVATE KEY-----", -EINVAL);
}

static void test_ekcert_pem_too_many(void **state) {
        _cleanup_free_ char *pem = NULL, *text = NULL;
        RegistrationRequest req = {};
        const char *field;
        size_t n = strlen(PEM_CA);

        pem = malloc(n * (REG_EKCERT_CHAIN_MAX + 1) + 1);
        assert_non_null(pem);
        for (size_t i = 0; i <= REG_EKCERT_CHAIN_MAX; i++)
                memcpy(pem + i * n, PEM_CA, n);
        pem[n * (REG_EKCERT_CHAIN_MAX + 1)] = 0;
        expect_ekcert(pem, -E2BIG);
        pem[n * REG_EKCERT_CHAIN_MAX] = 0;       /* exactly the limit */
        assert_true(asprintf(&text, "{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"ekcert\": \"%s\"}", pem) > 0);
        assert_int_equal(parse(text, &req, &field), 0);
        assert_int_equal(req.ekcert.size, 2 * REG_EKCERT_CHAIN_MAX);
        registration_request_done(&req);
}

/* A PEM text over REG_EKCERT_PEM_MAX, and one block over REG_CERT_DER_MAX. */
static void test_ekcert_pem_oversize(void **state) {
        _cleanup_free_ char *pem = NULL, *b64 = NULL;
        _cleanup_free_ uint8_t *der = calloc(1, REG_CERT_DER_MAX + 1);
        size_t pad = REG_EKCERT_PEM_MAX;

        assert_non_null(der);
        assert_true(asprintf(&pem, PEM_CERT "%*s", (int) pad, "") > 0);
        expect_ekcert(pem, -E2BIG);
        /* SEQUENCE, length in three bytes, covering the rest. */
        der[0] = 0x30, der[1] = 0x83;
        der[2] = 0, der[3] = (REG_CERT_DER_MAX + 1 - 5) >> 8, der[4] = (REG_CERT_DER_MAX + 1 - 5) & 0xff;
        b64 = base64_encode(der, REG_CERT_DER_MAX + 1);
        assert_non_null(b64);
        free(pem);
        assert_true(asprintf(&pem, PEM_BEGIN "%s" PEM_END, b64) > 0);
        expect_ekcert(pem, -E2BIG);
}

static void test_ekcert_split_invalid(void **state) {
        static const uint8_t not_seq[] = { 0x02, 0x01, 0x05 }, short_seq[] = { 0x30, 0x05, 0x02 };
        Blob first, chain;

        assert_int_equal(ekcert_split(&(Blob) { (uint8_t *) not_seq, sizeof not_seq }, &first, &chain), -EBADMSG);
        assert_int_equal(ekcert_split(&(Blob) { (uint8_t *) short_seq, sizeof short_seq }, &first, &chain), -EBADMSG);
}

/* Each decoded field may be exactly its limit, not one byte more. */
static void check_limit(const char *name, size_t max) {
        RegistrationRequest req = {};
        const char *field;
        uint8_t *raw = calloc(1, max + 3);
        char *b64, *text;

        assert_non_null(raw);
        for (size_t extra = 0; extra <= 1; extra++) {
                b64 = base64_encode(raw, max + extra);
                assert_non_null(b64);
                assert_true(asprintf(&text, "{\"ek_tpm\": \"AQID\", \"aik_tpm\": \"BAUG\", \"%s\": \"%s\"%s}",
                                     name, b64, strcmp(name, "iak_tpm") == 0 ? ", \"iak_attest\": \"AQ==\", \"iak_sign\": \"AQ==\"" : "") > 0);
                if (strcmp(name, "ek_tpm") == 0 || strcmp(name, "aik_tpm") == 0) {
                        free(text);
                        assert_true(asprintf(&text, "{\"%s\": \"%s\", \"%s\": \"AQID\"}", name, b64,
                                             strcmp(name, "ek_tpm") == 0 ? "aik_tpm" : "ek_tpm") > 0);
                }
                assert_int_equal(parse(text, &req, &field), extra ? -E2BIG : 0);
                if (extra)
                        assert_string_equal(field, name);
                registration_request_done(&req);
                free(text);
                free(b64);
        }
        free(raw);
}

static void test_limits(void **state) {
        check_limit("ek_tpm", REG_TPM2B_PUBLIC_MAX);
        check_limit("aik_tpm", REG_TPM2B_PUBLIC_MAX);
        check_limit("iak_tpm", REG_TPM2B_PUBLIC_MAX);
        check_limit("ekcert", REG_CERT_DER_MAX);
        check_limit("idevid_cert", REG_CERT_DER_MAX);
}

static void test_agent_id(void **state) {
        char long_id[AGENT_ID_MAX + 2];

        assert_true(agent_id_is_valid("d432fbb3-d2f1-4a97-9ef7-75bd81c00000"));
        assert_true(agent_id_is_valid("node_1.example"));
        assert_false(agent_id_is_valid(""));
        assert_false(agent_id_is_valid(".hidden"));
        assert_false(agent_id_is_valid("a/b"));
        assert_false(agent_id_is_valid("a b"));
        assert_false(agent_id_is_valid("a%2f"));
        memset(long_id, 'a', sizeof long_id - 1);
        long_id[AGENT_ID_MAX] = 0;
        assert_true(agent_id_is_valid(long_id));
        long_id[AGENT_ID_MAX] = 'a';
        long_id[AGENT_ID_MAX + 1] = 0;
        assert_false(agent_id_is_valid(long_id));
}

static void test_auth_tag(void **state) {
        _cleanup_json_ json_object *o = NULL, *bad = NULL, *big = NULL;
        uint8_t *tag = NULL;
        size_t n;
        char text[AUTH_TAG_HEX_MAX + 32];

        assert_int_equal(json_parse_object("{\"auth_tag\": \"0aFF\"}", 20, &o), 0);
        assert_int_equal(auth_tag_parse(o, &tag, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(tag[1], 0xff);
        free(tag);
        assert_int_equal(json_parse_object("{\"auth_tag\": \"0g\"}", 18, &bad), 0);
        assert_int_equal(auth_tag_parse(bad, &tag, &n), -EINVAL);
        (void) snprintf(text, sizeof text, "{\"auth_tag\": \"%0*d\"}", AUTH_TAG_HEX_MAX + 2, 0);
        assert_int_equal(json_parse_object(text, strlen(text), &big), 0);
        assert_int_equal(auth_tag_parse(big, &tag, &n), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_missing_required),
                cmocka_unit_test(test_not_base64),
                cmocka_unit_test(test_iak_incomplete),
                cmocka_unit_test(test_bad_mtls_and_address),
                cmocka_unit_test(test_ekcert_pem),
                cmocka_unit_test(test_ekcert_pem_chain),
                cmocka_unit_test(test_ekcert_pem_garbage),
                cmocka_unit_test(test_ekcert_pem_truncated),
                cmocka_unit_test(test_ekcert_pem_empty_block),
                cmocka_unit_test(test_ekcert_pem_not_der),
                cmocka_unit_test(test_ekcert_pem_text_around),
                cmocka_unit_test(test_ekcert_pem_too_many),
                cmocka_unit_test(test_ekcert_pem_oversize),
                cmocka_unit_test(test_ekcert_split_invalid),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_agent_id),
                cmocka_unit_test(test_auth_tag),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
