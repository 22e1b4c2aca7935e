/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The snp and tdx engines loaded from the build tree, over evidence carrying
 * real SEV-SNP reports and TDX quotes as validation hands them over. */

#include "hexdecode.h"
#include "plugin-test.h"
#include "snp-report.h"
#include "tdx-quote.h"
#include "test-data.h"

static Plugin *snp, *tdx;
static PolicyCache *cache;
static uint8_t *report, *quote;
static size_t report_size, quote_size;
static SnpReport r;
static TdxQuote q;

static int setup(void **state) {
        snp = load_builtin("snp");
        tdx = load_builtin("tdx");
        assert_int_equal(policy_cache_new(&cache), 0);
        test_data_read("snp/go-sev-guest/attestation.bin", &report, &report_size);
        test_data_read("tdx/dcap-qvl/tdx_quote", &quote, &quote_size);
        assert_int_equal(snp_report_parse(report, report_size, &r), 0);
        assert_int_equal(tdx_quote_parse(quote, quote_size, &q), 0);
        return 0;
}

static int teardown(void **state) {
        policy_cache_free(cache);
        plugin_free(snp);
        plugin_free(tdx);
        free(report);
        free(quote);
        return 0;
}

/* Evaluates policy with the engine over a report of kind (NULL: none); the outcome in ret. */
static void run(Plugin *engine, const char *policy, const AttestCcReport *cc, PolicyOutcome *ret) {
        CompiledPolicy *cp = compile_ok(cache, engine, policy);
        AttestEvidence ev = { .struct_size = sizeof ev, .node_id = "cvm", .cc = cc };

        assert_true(cp->requirements.needs & ATTEST_NEED_QUOTE);
        assert_true(cp->requirements.needs & (engine == snp ? ATTEST_NEED_SEV_SNP : ATTEST_NEED_TDX));
        assert_int_equal(policy_evaluate(cp, &ev, NULL, ret), 0);
        policy_cache_release(cache, cp);
}

static void expect(const PolicyOutcome *o, bool pass, const char *const *ids) {
        size_t n = 0;

        for (; ids && ids[n]; n++)
                if (outcome_find(o, ids[n]) < 0)
                        fail_msg("failure %s missing (%zu reported)", ids[n], o->n_failures);
        assert_int_equal(o->pass, pass);
        assert_int_equal(o->n_failures, n);
}

/* A policy text with the hex of a 48-byte value in place of %s (a macro, so the format is checked). */
#define with_measurement(fmt, m)                                        \
        ({                                                              \
                _cleanup_free_ char *h_ = hex_encode((m), 48);          \
                char *s_ = NULL;                                        \
                assert_true(asprintf(&s_, fmt, h_) > 0);                \
                s_;                                                     \
        })

static void test_snp(void **state) {
        AttestCcReport cc = { .struct_size = sizeof cc, .kind = ATTEST_CC_SEV_SNP, .report = report,
                              .report_size = report_size, .product = "Milan" };
        PolicyOutcome o = {};
        _cleanup_free_ char *ok = NULL, *strict = NULL;
        uint8_t other[48];

        /* The real report's guest allows debugging (policy 0xb0000). */
        ok = with_measurement("{\"measurements\": [\"%s\"], \"allow_debug\": true}", r.measurement);
        run(snp, ok, &cc, &o);
        expect(&o, true, NULL);
        policy_outcome_done(&o);
        run(snp, "{}", &cc, &o);
        expect(&o, false, (const char *const[]) { "snp.debug", NULL });
        policy_outcome_done(&o);

        /* Every rule broken at once: each is reported. Reported TCB: bootloader 2, snp 5, microcode 68. */
        memcpy(other, r.measurement, sizeof other);
        other[0] ^= 1;
        strict = with_measurement("{\"measurements\": [\"%s\"], \"allow_smt\": false, \"min_abi\": \"9.0\","
                                  " \"max_vmpl\": 0, \"min_tcb\": {\"microcode\": 69}, \"min_guest_svn\": 99,"
                                  " \"host_data\": \"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\","
                                  " \"products\": [\"Genoa\"], \"signing_keys\": [\"vlek\"]}", other);
        run(snp, strict, &cc, &o);
        expect(&o, false, (const char *const[]) { "snp.measurement", "snp.debug", "snp.smt", "snp.abi", "snp.tcb",
                                                  "snp.guest_svn", "snp.host_data", "snp.product", "snp.signing_key", NULL });
        assert_non_null(strstr(o.failures[outcome_find(&o, "snp.tcb")].context, "\"microcode\":68"));
        policy_outcome_done(&o);

        /* The TCB it has is enough. */
        run(snp, "{\"allow_debug\": true, \"min_tcb\": {\"bootloader\": 2, \"snp\": 5, \"microcode\": 68}}", &cc, &o);
        expect(&o, true, NULL);
        policy_outcome_done(&o);

        /* No report, or a TDX one: never a pass. */
        run(snp, "{\"allow_debug\": true}", NULL, &o);
        expect(&o, false, (const char *const[]) { "snp.no_report", NULL });
        policy_outcome_done(&o);
        AttestCcReport wrong = { .struct_size = sizeof wrong, .kind = ATTEST_CC_TDX, .report = quote, .report_size = quote_size };
        run(snp, "{\"allow_debug\": true}", &wrong, &o);
        expect(&o, false, (const char *const[]) { "snp.no_report", NULL });
        policy_outcome_done(&o);
}

static void test_snp_compile_errors(void **state) {
        CompiledPolicy *cp = NULL;
        char error[256] = "";

        assert_int_equal(policy_cache_get(cache, snp, (const uint8_t *) "{\"debug\": false}", 16, &cp, error, sizeof error),
                         -EBADMSG);
        assert_string_equal(error, "snp policy: unknown member");
        assert_int_equal(policy_cache_get(cache, tdx, (const uint8_t *) "{\"mrtd\": [\"00\"]}", 16, &cp, error, sizeof error),
                         -EBADMSG);
        assert_non_null(strstr(error, "tdx policy: "));
}

static void test_tdx(void **state) {
        const char *const advisories[] = { "INTEL-SA-00837", NULL };
        AttestCcReport cc = { .struct_size = sizeof cc, .kind = ATTEST_CC_TDX, .report = quote, .report_size = quote_size,
                              .tcb_status = "OutOfDate", .advisory_ids = advisories };
        _cleanup_free_ char *ok = NULL, *rtmr = NULL;
        PolicyOutcome o = {};

        ok = with_measurement("{\"mrtd\": [\"%s\"]}", q.body.mrtd);
        run(tdx, ok, &cc, &o);
        expect(&o, true, NULL);
        policy_outcome_done(&o);
        run(tdx, "{\"min_tcb_status\": \"SWHardeningNeeded\", \"forbidden_advisory_ids\": [\"INTEL-SA-00837\"],"
                 " \"mrtd\": [], \"rtmr2\": [], \"mrowner\": [], \"mrconfigid\": []}", &cc, &o);
        expect(&o, false, (const char *const[]) { "tdx.tcb_status", "tdx.advisory", "tdx.mrtd", "tdx.rtmr2",
                                                  "tdx.mrowner", "tdx.mrconfigid", NULL });
        policy_outcome_done(&o);
        rtmr = with_measurement("{\"rtmr0\": [\"%s\"], \"min_tcb_status\": \"OutOfDate\"}", q.body.rtmr[0]);
        run(tdx, rtmr, &cc, &o);
        expect(&o, true, NULL);
        policy_outcome_done(&o);

        /* A debug TD: the real quote's attributes with DEBUG set. */
        uint8_t *copy = malloc(quote_size);
        assert_non_null(copy);
        memcpy(copy, quote, quote_size);
        copy[48 + 120] |= 0x01;
        AttestCcReport dbg = cc;
        dbg.report = copy;
        run(tdx, "{}", &dbg, &o);
        expect(&o, false, (const char *const[]) { "tdx.debug", NULL });
        policy_outcome_done(&o);
        run(tdx, "{\"allow_debug\": true}", &dbg, &o);
        expect(&o, true, NULL);
        policy_outcome_done(&o);
        free(copy);

        run(tdx, "{}", NULL, &o);
        expect(&o, false, (const char *const[]) { "tdx.no_quote", NULL });
        policy_outcome_done(&o);
}

/* An evidence structure of the size before the cc member: the engines must not read it. */
static void test_old_host(void **state) {
        CompiledPolicy *cp = compile_ok(cache, snp, "{\"allow_debug\": true}");
        AttestEvidence ev = { .struct_size = offsetof(AttestEvidence, cc), .node_id = "old",
                              .cc = (const AttestCcReport *) (uintptr_t) 1 };
        PolicyOutcome o = {};

        assert_int_equal(policy_evaluate(cp, &ev, NULL, &o), 0);
        expect(&o, false, (const char *const[]) { "snp.no_report", NULL });
        policy_outcome_done(&o);
        policy_cache_release(cache, cp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snp),
                cmocka_unit_test(test_snp_compile_errors),
                cmocka_unit_test(test_tdx),
                cmocka_unit_test(test_old_host),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
