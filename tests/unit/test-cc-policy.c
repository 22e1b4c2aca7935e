/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The snp and tdx engines' policy parsers (cc-policy.c): what they accept, one
 * case per refusal, and the limits. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "cc-policy.h"

#define M48 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"

static void test_snp_full(void **state) {
        _cleanup_(snp_engine_policy_freep) SnpEnginePolicy *p = NULL;
        const char *why = NULL;
        uint8_t m[48];

        static const char ok[] =
                "{\"measurements\": [\"" M48 "\"], \"allow_debug\": true, \"allow_smt\": false,"
                " \"allow_migration_agent\": true, \"min_abi\": \"1.51\", \"max_vmpl\": 2,"
                " \"min_tcb\": {\"bootloader\": 3, \"tee\": 1, \"snp\": 8, \"microcode\": 115, \"fmc\": 2},"
                " \"min_guest_svn\": 7, \"host_data\": \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\","
                " \"products\": [\"Milan\", \"Turin\"], \"signing_keys\": [\"vlek\"]}";
        assert_int_equal(snp_engine_policy_parse(ok, strlen(ok), &p, &why), 0);
        assert_true(p->measurements.has);
        assert_int_equal(p->measurements.n, 1);
        for (size_t i = 0; i < 48; i++)
                m[i] = (uint8_t) i;
        assert_true(cc_digest_list_allows(&p->measurements, m));
        m[47] ^= 1;
        assert_false(cc_digest_list_allows(&p->measurements, m));
        assert_true(p->allow_debug && !p->allow_smt && p->allow_migration_agent);
        assert_true(p->has_min_abi && p->min_abi_major == 1 && p->min_abi_minor == 51);
        assert_true(p->has_max_vmpl && p->max_vmpl == 2);
        assert_true(p->has_min_tcb && p->min_tcb.bootloader == 3 && p->min_tcb.tee == 1 && p->min_tcb.snp == 8 &&
                    p->min_tcb.microcode == 115 && p->min_tcb.fmc == 2);
        assert_true(p->has_min_guest_svn && p->min_guest_svn == 7);
        assert_true(p->has_host_data && p->host_data[31] == 0x1f);
        assert_int_equal(p->products, (1u << SNP_PRODUCT_MILAN) | (1u << SNP_PRODUCT_TURIN));
        assert_int_equal(p->signing_keys, 1u << SNP_SIGNING_KEY_VLEK);
}

static void test_snp_defaults(void **state) {
        _cleanup_(snp_engine_policy_freep) SnpEnginePolicy *p = NULL, *e = NULL;
        const char *why = NULL;
        uint8_t m[48] = {};

        assert_int_equal(snp_engine_policy_parse("{}", 2, &p, &why), 0);
        assert_false(p->allow_debug);
        assert_true(p->allow_smt);
        assert_false(p->allow_migration_agent);
        assert_false(p->measurements.has || p->has_min_tcb || p->has_max_vmpl || p->products || p->signing_keys);
        assert_true(cc_digest_list_allows(&p->measurements, m));
        /* An empty list allows nothing. */
        assert_int_equal(snp_engine_policy_parse("{\"measurements\": []}", 20, &e, &why), 0);
        assert_false(cc_digest_list_allows(&e->measurements, m));
}

static void expect_snp_refused(const char *text, const char *why_want) {
        SnpEnginePolicy *p = NULL;
        const char *why = NULL;

        if (snp_engine_policy_parse(text, strlen(text), &p, &why) != -EBADMSG)
                fail_msg("accepted: %s", text);
        assert_null(p);
        assert_non_null(why);
        if (!strstr(why, why_want))
                fail_msg("%s: reason '%s', want '%s'", text, why, why_want);
}

static void test_snp_refusals(void **state) {
        expect_snp_refused("", "malformed JSON");
        expect_snp_refused("[]", "not a JSON object");
        expect_snp_refused("{\"measurement\": []}", "unknown member");
        expect_snp_refused("{\"measurements\": \"" M48 "\"}", "array of hex");
        expect_snp_refused("{\"measurements\": [\"00\"]}", "96 hex digits");
        expect_snp_refused("{\"measurements\": [\"" M48 "00\"]}", "96 hex digits");
        expect_snp_refused("{\"measurements\": [\"zz" M48 "\"]}", "96 hex digits");
        expect_snp_refused("{\"measurements\": [1]}", "96 hex digits");
        expect_snp_refused("{\"allow_debug\": 0}", "true or false");
        expect_snp_refused("{\"allow_smt\": \"yes\"}", "true or false");
        expect_snp_refused("{\"min_abi\": \"1\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \"1.51x\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \"256.0\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \" 1.51\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \"+1.51\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \"1.\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": \"1.2.3\"}", "MAJOR.MINOR");
        expect_snp_refused("{\"min_abi\": 1.5}", "MAJOR.MINOR");
        expect_snp_refused("{\"max_vmpl\": 4}", "out of range");
        expect_snp_refused("{\"max_vmpl\": -1}", "out of range");
        expect_snp_refused("{\"max_vmpl\": \"0\"}", "integer");
        expect_snp_refused("{\"min_tcb\": 3}", "security patch levels");
        expect_snp_refused("{\"min_tcb\": {\"ucode\": 3}}", "min_tcb knows");
        expect_snp_refused("{\"min_tcb\": {\"snp\": 256}}", "out of range");
        expect_snp_refused("{\"min_guest_svn\": 4294967296}", "out of range");
        expect_snp_refused("{\"host_data\": \"00\"}", "64 hex digits");
        expect_snp_refused("{\"products\": []}", "Milan, Genoa, Turin");
        expect_snp_refused("{\"products\": [\"Rome\"]}", "Milan, Genoa, Turin");
        expect_snp_refused("{\"products\": \"Milan\"}", "Milan, Genoa, Turin");
        expect_snp_refused("{\"signing_keys\": [\"ark\"]}", "vcek, vlek");
}

/* CC_POLICY_VALUES_MAX entries in one list, then one more; CC_POLICY_SIZE_MAX bytes of text. */
static void test_limits(void **state) {
        size_t n = CC_POLICY_VALUES_MAX + 1, size = 32 + n * 99;
        char *text = malloc(size), *p = text;
        SnpEnginePolicy *s = NULL;
        TdxEnginePolicy *t = NULL;
        const char *why = NULL;

        assert_non_null(text);
        p += sprintf(p, "{\"measurements\": [");
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "%s\"%s\"", i ? "," : "", M48);
        p += sprintf(p, "]}");
        assert_int_equal(snp_engine_policy_parse(text, strlen(text), &s, &why), -E2BIG);
        /* One fewer is fine. */
        text[strlen("{\"measurements\": [") + (n - 1) * 99 - 1] = ']';
        text[strlen("{\"measurements\": [") + (n - 1) * 99] = '}';
        text[strlen("{\"measurements\": [") + (n - 1) * 99 + 1] = 0;
        assert_int_equal(snp_engine_policy_parse(text, strlen(text), &s, &why), 0);
        assert_int_equal(s->measurements.n, CC_POLICY_VALUES_MAX);
        snp_engine_policy_free(s);
        free(text);

        text = malloc(CC_POLICY_SIZE_MAX + 2);
        assert_non_null(text);
        memset(text, ' ', CC_POLICY_SIZE_MAX + 1);
        text[0] = '{';
        text[CC_POLICY_SIZE_MAX] = '}';
        text[CC_POLICY_SIZE_MAX + 1] = 0;
        assert_int_equal(snp_engine_policy_parse(text, CC_POLICY_SIZE_MAX + 1, &s, &why), -E2BIG);
        assert_int_equal(tdx_engine_policy_parse(text, CC_POLICY_SIZE_MAX + 1, &t, &why), -E2BIG);
        free(text);
}

static void test_tdx_full(void **state) {
        static const char ok[] =
                "{\"mrtd\": [\"" M48 "\"], \"rtmr0\": [], \"rtmr3\": [\"" M48 "\", \"" M48 "\"],"
                " \"mrconfigid\": [\"" M48 "\"], \"mrowner\": [\"" M48 "\"], \"allow_debug\": true,"
                " \"min_tcb_status\": \"SWHardeningNeeded\", \"forbidden_advisory_ids\": [\"INTEL-SA-00837\"]}";
        _cleanup_(tdx_engine_policy_freep) TdxEnginePolicy *p = NULL, *d = NULL;
        const char *why = NULL;
        uint8_t m[48];

        for (size_t i = 0; i < 48; i++)
                m[i] = (uint8_t) i;
        assert_int_equal(tdx_engine_policy_parse(ok, strlen(ok), &p, &why), 0);
        assert_true(cc_digest_list_allows(&p->mrtd, m));
        assert_false(cc_digest_list_allows(&p->rtmr[0], m));       /* empty: nothing */
        assert_true(cc_digest_list_allows(&p->rtmr[1], m));        /* absent: anything */
        assert_int_equal(p->rtmr[3].n, 2);
        assert_true(p->allow_debug);
        assert_true(p->has_min_tcb_status);
        assert_int_equal(p->min_tcb_status, TDX_TCB_SW_HARDENING_NEEDED);
        assert_int_equal(p->n_forbidden_advisories, 1);
        assert_string_equal(p->forbidden_advisories[0], "INTEL-SA-00837");

        assert_int_equal(tdx_engine_policy_parse("{}", 2, &d, &why), 0);
        assert_false(d->allow_debug || d->has_min_tcb_status || d->mrtd.has);
}

static void expect_tdx_refused(const char *text, const char *why_want) {
        TdxEnginePolicy *p = NULL;
        const char *why = NULL;

        if (tdx_engine_policy_parse(text, strlen(text), &p, &why) != -EBADMSG)
                fail_msg("accepted: %s", text);
        assert_null(p);
        if (!why || !strstr(why, why_want))
                fail_msg("%s: reason '%s', want '%s'", text, why ?: "(none)", why_want);
}

static void test_tdx_refusals(void **state) {
        expect_tdx_refused("{\"rtmr4\": []}", "unknown member");
        expect_tdx_refused("{\"measurements\": []}", "unknown member");
        expect_tdx_refused("{\"mrtd\": [\"00\"]}", "96 hex digits");
        expect_tdx_refused("{\"mrowner\": {}}", "array of hex");
        expect_tdx_refused("{\"allow_debug\": null}", "true or false");
        expect_tdx_refused("{\"min_tcb_status\": \"Fine\"}", "TCB status");
        expect_tdx_refused("{\"min_tcb_status\": 0}", "TCB status");
        expect_tdx_refused("{\"forbidden_advisory_ids\": \"INTEL-SA-00837\"}", "list of ids");
        expect_tdx_refused("{\"forbidden_advisory_ids\": [\"\"]}", "short string");
        expect_tdx_refused("{\"forbidden_advisory_ids\": [\"INTEL-SA-000000000000000000000000000001\"]}", "short string");
        expect_tdx_refused("{\"forbidden_advisory_ids\": [7]}", "short string");
        expect_tdx_refused("{\"forbidden_advisory_ids\": [\"A\\u0000B\"]}", "short string");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snp_full),
                cmocka_unit_test(test_snp_defaults),
                cmocka_unit_test(test_snp_refusals),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_tdx_full),
                cmocka_unit_test(test_tdx_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
