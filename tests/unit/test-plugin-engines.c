/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tpm, mb and ima engines loaded from the build tree, over validated evidence. */

#include "boot-policy-json.h"
#include "boot-policy.h"
#include "evidence-test-abi.h"
#include "hexdecode.h"

#define IMA_LINES 826u

static TestNode node;
static Plugin *tpm, *mb, *ima;
static uint8_t pcr15[32], pcr23[32];

static int setup(void **state) {
        test_node_init(&node, IMA_LINES);
        memset(pcr15, 0x15, sizeof(pcr15));
        memset(pcr23, 0x23, sizeof(pcr23));
        assert_int_equal(pcr_values_set(&node.pcrs, hash_alg_from_name("sha256"), 15, pcr15), 0);
        assert_int_equal(pcr_values_set(&node.pcrs, hash_alg_from_name("sha256"), 23, pcr23), 0);
        test_node_quote(&node);
        tpm = load_builtin("tpm");
        mb = load_builtin("mb");
        ima = load_builtin("ima");
        return 0;
}

static int teardown(void **state) {
        plugin_free(tpm);
        plugin_free(mb);
        plugin_free(ima);
        test_node_done(&node);
        return 0;
}

/* Allows v15 for PCR 15 and, besides the node's value, a value of no bank for PCR 23. */
static char *tpm_policy_bad(const uint8_t *v15) {
        _cleanup_free_ char *h15 = hex_encode(v15, 32), *h23 = hex_encode(pcr23, 32);
        char *text = NULL;

        assert_true(asprintf(&text, "{\"15\": [\"%s\"], \"23\": [\"00\", \"%s\"]}", h15, h23) > 0);
        return text;
}

static void test_tpm_pass_and_fail(void **state) {
        TestEvidence t = {};
        PolicyOutcome o = {};
        uint8_t other[32];
        char *policy;
        int i;

        /* "00" is no digest of a bank: the policy is refused. */
        policy = tpm_policy_bad(pcr15);
        {
                _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
                CompiledPolicy *cp = NULL;
                char error[256];

                assert_int_equal(policy_cache_new(&c), 0);
                assert_int_equal(policy_cache_get(c, tpm, (const uint8_t *) policy, strlen(policy), &cp, error,
                                                  sizeof(error)), -EBADMSG);
        }
        free(policy);

        test_evidence_make(&t, &node, 0, NULL, NULL);

        assert_true(asprintf(&policy, "{\"15\": [\"%s\"], \"23\": [\"%s\", \"%s\"], \"mask\": \"0x400\"}",
                             "1515151515151515151515151515151515151515151515151515151515151515",
                             "0000000000000000000000000000000000000000000000000000000000000000",
                             "2323232323232323232323232323232323232323232323232323232323232323") > 0);
        test_evaluate(tpm, policy, &t, &o);
        assert_true(o.pass);
        assert_int_equal(o.n_failures, 0);
        policy_outcome_done(&o);
        free(policy);

        memset(other, 0x77, sizeof(other));
        _cleanup_free_ char *hex = hex_encode(other, sizeof(other));
        assert_true(asprintf(&policy, "{\"15\": [\"%s\"], \"16\": [\"%s\"]}", hex, hex) > 0);
        test_evaluate(tpm, policy, &t, &o);
        assert_false(o.pass);
        assert_int_equal(o.n_failures, 2);
        i = outcome_find(&o, "tpm.pcr_15");
        assert_true(i >= 0);
        assert_non_null(strstr(o.failures[i].context, "\"value\":\"1515"));
        i = outcome_find(&o, "tpm.pcr_16");
        assert_true(i >= 0);
        assert_non_null(strstr(o.failures[i].context, "not quoted"));
        policy_outcome_done(&o);
        free(policy);
        test_evidence_done(&t);
}

static void test_tpm_clock_rules(void **state) {
        Tpm2ClockInfo enrolled = node.clock;
        TestEvidence t = {};
        PolicyOutcome o = {};

        enrolled.reset_count = 2;       /* the node is at 5: three reboots since */
        test_evidence_make(&t, &node, 0, NULL, &enrolled);
        test_evaluate(tpm, "{\"max_reboots_since_enrolment\": 3}", &t, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);
        test_evaluate(tpm, "{\"max_reboots_since_enrolment\": 2}", &t, &o);
        assert_false(o.pass);
        assert_true(outcome_find(&o, "tpm.reboots") >= 0);
        policy_outcome_done(&o);
        test_evaluate(tpm, "{\"require_clock_safe\": true}", &t, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);
        test_evidence_done(&t);

        TestNode n = node;
        n.blob = NULL;
        n.clock.safe = false;
        test_node_quote(&n);
        test_evidence_make(&t, &n, 0, NULL, NULL);
        test_evaluate(tpm, "{\"require_clock_safe\": true}", &t, &o);
        assert_false(o.pass);
        assert_string_equal(o.failures[0].id, "tpm.clock_unsafe");
        policy_outcome_done(&o);
        test_evidence_done(&t);
        free(n.blob);
}

/* A reference state made from a log, as JSON text. */
static char *boot_policy_from(const char *fixture) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        BootState s = {};
        json_object *j = NULL;
        size_t size;
        char *text;

        data = (uint8_t *) fixture_read(fixture, &size);
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        assert_int_equal(boot_state_extract(log, boot_state_default_alg(log), &s), 0);
        assert_int_equal(boot_state_to_policy_json(&s, &j), 0);
        text = strdup(json_object_to_json_string(j));
        json_object_put(j);
        boot_state_done(&s);
        return text;
}

static void test_mb(void **state) {
        _cleanup_free_ char *same = boot_policy_from(TEST_NODE_UEFI);
        _cleanup_free_ char *other = boot_policy_from("eventlog/tpm2-tools/event-sd-boot-fedora37.bin");
        TestEvidence t = {};
        PolicyOutcome o = {};

        test_evidence_make(&t, &node, 0, NULL, NULL);
        test_evaluate(mb, same, &t, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);

        test_evaluate(mb, other, &t, &o);
        assert_false(o.pass);
        assert_true(o.n_failures > 0);
        for (size_t i = 0; i < o.n_failures; i++)
                assert_true(strncmp(o.failures[i].id, "mb.", 3) == 0);
        policy_outcome_done(&o);

        t.abi.ev.uefi_log = NULL;       /* an attestation that did not carry the log */
        test_evaluate(mb, same, &t, &o);
        assert_false(o.pass);
        assert_string_equal(o.failures[0].id, "mb.no_event_log");
        policy_outcome_done(&o);
        test_evidence_done(&t);
}

/* The TPM 1.2 ThinkPad's log, whose PCR 7 variables are measured by their data only:
 * its own reference state fails it, unless it opts in to the quirk; then the verdict
 * passes and carries one informational entry per such event. */
static void test_mb_quirk_notices(void **state) {
        static const char *fixture = "eventlog/go-attestation/linux_tpm12.bin";
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *plain = boot_policy_from(fixture), *quirk = NULL;
        TestEvidence t = {};
        PolicyOutcome o = {};
        json_object *j = NULL;
        BootState s = {};
        size_t size;

        data = (uint8_t *) fixture_read(fixture, &size);
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        assert_int_equal(boot_state_extract_quirks(log, boot_state_default_alg(log),
                                                   BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY, &s), 0);
        assert_int_equal(boot_state_to_policy_json(&s, &j), 0);
        quirk = strdup(json_object_to_json_string(j));
        json_object_put(j);
        boot_state_done(&s);

        test_evidence_make(&t, &node, 0, NULL, NULL);
        t.abi.ev.uefi_log = data;
        t.abi.ev.uefi_log_size = size;
        test_evaluate(mb, plain, &t, &o);
        assert_false(o.pass);
        assert_true(outcome_find(&o, "mb.event_data") >= 0);
        policy_outcome_done(&o);

        test_evaluate(mb, quirk, &t, &o);
        assert_true(o.pass);
        assert_int_equal(o.n_failures, 5);
        for (size_t i = 0; i < o.n_failures; i++) {
                assert_string_equal(o.failures[i].id, "mb.driver_config_data_only");
                assert_int_equal(o.failures[i].severity, ATTEST_SEVERITY_INFO);
        }
        assert_non_null(strstr(o.failures[0].context, "\"event\":6"));
        policy_outcome_done(&o);
        t.abi.ev.uefi_log = NULL;
        test_evidence_done(&t);
}

static int add_digest(const ImaEntry *e, uint64_t no, void *userdata) {
        json_object *digests = userdata, *list;
        char *hex;

        if (!json_object_object_get_ex(digests, e->name, &list)) {
                list = json_object_new_array();
                json_object_object_add(digests, e->name, list);
        }
        hex = hex_encode(e->digest.data, e->digest.size);
        json_object_array_add(list, json_object_new_string(hex));
        free(hex);
        return 0;
}

/* A runtime policy allowing every file of the node's log except skip (may be NULL). */
static char *runtime_policy_for(const ValidatedEvidence *ev, const char *skip) {
        json_object *root = json_object_new_object(), *meta = json_object_new_object(), *digests = json_object_new_object();
        char *text;

        json_object_object_add(meta, "version", json_object_new_int(1));
        json_object_object_add(root, "meta", meta);
        assert_int_equal(validated_evidence_ima_foreach(ev, add_digest, digests), 0);
        if (skip)
                json_object_object_del(digests, skip);
        json_object_object_add(root, "digests", digests);
        text = strdup(json_object_to_json_string(root));
        json_object_put(root);
        return text;
}

static void test_ima_incremental(void **state) {
        TestEvidence all = {}, first = {}, second = {};
        _cleanup_free_ char *full = NULL, *no_init = NULL;
        PolicyOutcome o = {};
        TestNode n;
        int i;

        test_evidence_make(&all, &node, 0, NULL, NULL);
        full = runtime_policy_for(all.ev, NULL);
        no_init = runtime_policy_for(all.ev, "/init");
        test_evaluate(ima, full, &all, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);
        test_evaluate(ima, no_init, &all, &o);
        assert_false(o.pass);
        i = outcome_find(&o, "ima.not_in_policy");
        assert_true(i >= 0);
        assert_non_null(strstr(o.failures[i].context, "\"path\":\"/init\""));
        policy_outcome_done(&o);

        /* Two pushes: "/init" is in the first; the second evaluates only its new lines. */
        test_node_init(&n, 300);
        test_node_quote(&n);
        test_evidence_make(&first, &n, 0, NULL, NULL);
        test_evaluate(ima, no_init, &first, &o);
        assert_false(o.pass);
        policy_outcome_done(&o);
        test_node_set_ima(&n, IMA_LINES);
        n.nonce[0] ^= 1;
        test_node_quote(&n);
        test_evidence_make(&second, &n, first.ev->ima_consumed, &first.ev->ima_state, NULL);
        assert_int_equal(second.abi.ev.ima_first_entry, 300);
        assert_int_equal(second.abi.ev.ima_n_entries, IMA_LINES - 300);
        test_evaluate(ima, no_init, &second, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);

        test_evidence_done(&second);
        test_evidence_done(&first);
        test_evidence_done(&all);
        test_node_done(&n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tpm_pass_and_fail),
                cmocka_unit_test(test_tpm_clock_rules),
                cmocka_unit_test(test_mb),
                cmocka_unit_test(test_mb_quirk_notices),
                cmocka_unit_test(test_ima_incremental),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
