/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's confidential-computing part of the push path
 * (verifierd-cc.c): the request item and its report data for a real AK,
 * what a stored evidence list asks for, and the check of pushed evidence. */

#include <errno.h>

#include "cc-binding.h"
#include "hexdecode.h"
#include "json-util.h"
#include "test-data.h"
#include "verifierd-cc.h"

static void test_request_item(void **state) {
        _cleanup_free_ uint8_t *pub = NULL, *name = NULL;
        _cleanup_json_ json_object *params = NULL;
        _cleanup_free_ uint8_t *rd = NULL;
        _cleanup_free_ char *text = NULL;
        uint8_t nonce[16] = { 9, 8, 7 }, want[64];
        size_t n, name_size, rd_size;
        JsonWriter w = {};
        json_object *v;

        test_data_read("tpm/swtpm/ak-p256.pub", &pub, &n);
        test_data_read("tpm/swtpm/ak-p256.name", &name, &name_size);
        Blob ak = { .data = pub, .size = n };

        assert_int_equal(cc_request_parameters(&w, CC_KIND_SEV_SNP, nonce, sizeof nonce, &ak), 0);
        text = json_writer_finish(&w);
        assert_non_null(text);
        params = json_tokener_parse(text);
        assert_non_null(params);
        v = json_object_object_get(params, "report_data");
        assert_int_equal(base64_decode(json_object_get_string(v), (size_t) json_object_get_string_len(v), &rd, &rd_size), 0);
        /* SHA-512(nonce ‖ the AK's TPM name, as tpm2_createak wrote it). */
        assert_int_equal(rd_size, 64);
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, name, name_size, want), 0);
        assert_memory_equal(rd, want, 64);
        /* Written as json-c writes the object it built before. */
        assert_string_equal(text, json_object_to_json_string_ext(params, JSON_TEXT_PLAIN));
        assert_string_equal(json_object_get_string(json_object_object_get(params, "binding")), "sha512(challenge || ak_name)");

        /* An AK that does not parse. */
        Blob bad = { .data = pub, .size = n - 1 };
        assert_true(cc_request_parameters(&w, CC_KIND_TDX, nonce, sizeof nonce, &bad) < 0);
        json_writer_done(&w);
}

static void test_requested_kind(void **state) {
        assert_int_equal(cc_requested_kind(NULL), CC_KIND_NONE);
        assert_int_equal(cc_requested_kind("[]"), CC_KIND_NONE);
        assert_int_equal(cc_requested_kind("[{\"evidence_class\":\"certification\",\"evidence_type\":\"tdx\"}]"), CC_KIND_TDX);
        /* A node's capabilities may mention the names: only a requested item counts. */
        assert_int_equal(cc_requested_kind("[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                                           "\"capabilities\":{\"x\":\"sev-snp\",\"y\":\"tdx\"}}]"), CC_KIND_NONE);
        assert_int_equal(cc_requested_kind("[{\"evidence_class\":\"log\",\"evidence_type\":\"tdx\"}]"), CC_KIND_NONE);
}

static void test_evidence_check(void **state) {
        static const char snp[] = "[{\"evidence_class\":\"certification\",\"evidence_type\":\"sev-snp\"}]";
        PushEvidence none = {}, with = { .cc_kind = CC_KIND_SEV_SNP }, tdx = { .cc_kind = CC_KIND_TDX };
        const char *what = NULL;

        assert_int_equal(cc_evidence_check(snp, &with, &what), 0);
        assert_int_equal(cc_evidence_check("[]", &none, &what), 0);
        assert_int_equal(cc_evidence_check(snp, &none, &what), -EBADMSG);
        assert_string_equal(what, "Evidence misses the requested SEV-SNP report.");
        assert_int_equal(cc_evidence_check(snp, &tdx, &what), -EBADMSG);
        assert_int_equal(cc_evidence_check("[]", &with, &what), -EBADMSG);
        assert_string_equal(what, "Evidence holds a confidential-computing report that was not requested.");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_request_item),
                cmocka_unit_test(test_requested_kind),
                cmocka_unit_test(test_evidence_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
