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
#include "limits.h"
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
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_agent_id),
                cmocka_unit_test(test_auth_tag),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
