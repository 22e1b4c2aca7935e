/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime engine over keylime's ima-sig scenario (EXPECTED.md beside the
 * fixtures) and over a policy made from a real log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "ima-fixture.h"
#include "ima-test-keys.h"
#include "ima-test-replayer.h"
#include "ima-replay.h"
#include "macro.h"
#include "runtime-policy-eval.h"

#define SCENARIO "ima/keylime/ima-sig-scenario/"
#define EMPTY "{\"meta\":{\"version\":1}}"

static ImaKeyring no_keys, rsa_only, rsa_ec, modsig_keys;

static RuntimePolicy *policy_text(const char *json) {
        RuntimePolicy *p = NULL;
        assert_int_equal(runtime_policy_load(json, strlen(json), &p, NULL), 0);
        return p;
}

/* A fixture policy, with "excludes" replaced by the scenario's list when asked. */
static RuntimePolicy *policy(const char *name, bool with_excludes) {
        _cleanup_free_ char *text = fixture_read(name, NULL);
        json_object *root = json_tokener_parse(text);

        assert_non_null(root);
        if (with_excludes) {
                _cleanup_free_ char *ex = fixture_read(SCENARIO "excludes.json", NULL);
                json_object_object_add(root, "excludes", json_tokener_parse(ex));
        }
        RuntimePolicy *p = policy_text(json_object_to_json_string(root));
        json_object_put(root);
        return p;
}

/* Lines [first, first+n) of a fixture (n = 0: all). */
static char *lines(const char *name, size_t first, size_t n) {
        _cleanup_free_ char *text = fixture_read(name, NULL);
        char *start = text, *end;

        for (size_t i = 0; i < first; i++)
                start = strchr(start, '\n') + 1;
        end = start;
        for (size_t i = 0; *end != 0 && (n == 0 || i < n); i++) {
                char *nl = strchr(end, '\n');
                end = nl ? nl + 1 : end + strlen(end);
        }
        return strndup(start, (size_t) (end - start));
}

static char *concat(char *a, char *b) {
        char *s = NULL;
        assert_true(asprintf(&s, "%s%s", a, b) > 0);
        free(a);
        free(b);
        return s;
}

/* Evaluates every entry; returns the evaluation for inspection. */
static RuntimeEvaluation *evaluate(const RuntimePolicy *p, const ImaKeyring *keys, const char *log) {
        RuntimeEvaluation *ev = NULL;
        size_t o = 0;
        uint64_t no = 0;
        ImaEntry e;
        int r;

        assert_int_equal(runtime_evaluation_new(p, keys, &ev), 0);
        while ((r = ima_replayer_next_entry(rp, IMA_LOG_ASCII, (const uint8_t *) log, strlen(log), &o, true, &e)) > 0)
                assert_true(runtime_evaluation_check(ev, no++, &e) >= 0);
        assert_int_equal(r, 0);
        return ev;
}

/* One row of EXPECTED.md: true when the list passes. */
static bool passes(RuntimePolicy *p, const ImaKeyring *keys, char *log) {
        RuntimeEvaluation *ev = evaluate(p, keys, log);
        bool ok = ev->n_failed == 0;

        runtime_evaluation_free(ev);
        runtime_policy_free(p);
        free(log);
        return ok;
}

#define MEAS() lines(SCENARIO "measurements.ascii", 0, 0)
#define SIGS() lines(SCENARIO "signatures.ascii", 0, 0)

static void test_expected_table(void **state) {
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", false), NULL, MEAS()));
        assert_false(passes(policy_text(EMPTY), NULL, MEAS()));
        assert_false(passes(policy_text(EMPTY), &no_keys, SIGS()));
        assert_true(passes(policy_text(EMPTY), &rsa_only, lines(SCENARIO "signatures.ascii", 0, 1)));
        assert_false(passes(policy_text(EMPTY), &rsa_only, lines(SCENARIO "signatures.ascii", 1, 1)));
        assert_true(passes(policy_text(EMPTY), &rsa_ec, SIGS()));
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", false), &no_keys,
                           lines(SCENARIO "keyrings_ima-buf.ascii", 0, 0)));
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", false), NULL, concat(MEAS(), SIGS())));
        assert_false(passes(policy_text(EMPTY), &rsa_ec, concat(MEAS(), SIGS())));
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", false), &rsa_ec, concat(MEAS(), SIGS())));
        assert_true(passes(policy(SCENARIO "runtime_policy_wrong.json", false), &rsa_ec, SIGS()));
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", false), &no_keys, SIGS()));
        assert_true(passes(policy(SCENARIO "runtime_policy_wrong.json", true), NULL, MEAS()));
        assert_true(passes(policy(SCENARIO "runtime_policy_test.json", true), &rsa_ec, SIGS()));
        assert_false(passes(policy(SCENARIO "runtime_policy_test.json", false), &no_keys,
                            lines(SCENARIO "bad_signatures.ascii", 0, 0)));
}

static void assert_failure(const RuntimeEvaluation *ev, size_t i, const char *id, uint64_t entry, const char *path) {
        assert_true(i < ev->n_failures);
        assert_string_equal(ev->failures[i].id, id);
        assert_int_equal(ev->failures[i].entry, entry);
        assert_string_equal(ev->failures[i].path, path);
}

static void test_failure_ids(void **state) {
        RuntimePolicy *p = policy(SCENARIO "runtime_policy_wrong.json", false);
        _cleanup_free_ char *sigs = SIGS(), *meas = MEAS(), *bad = lines(SCENARIO "bad_signatures.ascii", 0, 0);
        RuntimeEvaluation *ev;

        /* Wrong digests and no keys: each entry is a digest mismatch. */
        ev = evaluate(p, NULL, sigs);
        assert_int_equal(ev->n_failed, 2);
        assert_failure(ev, 0, RUNTIME_FAILURE_DIGEST_MISMATCH, 0, "/usr/bin/dd");
        assert_failure(ev, 1, RUNTIME_FAILURE_DIGEST_MISMATCH, 1, "/usr/bin/zmore");
        assert_string_equal(ev->failures[0].detail,
                            "sha256:d33d5d13792292e202dbf69a6f1b07bc8a02f01424db8489ba7bb7d43c0290ef");
        runtime_evaluation_free(ev);

        /* Paths the policy does not name. */
        ev = evaluate(p, NULL, meas);
        assert_int_equal(ev->n_failed, 3);
        assert_failure(ev, 0, RUNTIME_FAILURE_NOT_IN_POLICY, 0, "boot_aggregate");
        assert_failure(ev, 1, RUNTIME_FAILURE_NOT_IN_POLICY, 1,
                       "/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko");
        runtime_evaluation_free(ev);

        /* A signature header whose size disagrees: bad even with the key. */
        ev = evaluate(p, &rsa_ec, bad);
        assert_int_equal(ev->n_failed, 1);
        assert_failure(ev, 0, RUNTIME_FAILURE_BAD_SIGNATURE, 0, "/usr/bin/zmore");
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
}

/* A well-formed signature that does not verify under the key its id names. */
static void test_signature_does_not_verify(void **state) {
        _cleanup_free_ char *sig = lines(SCENARIO "signatures.ascii", 0, 1);
        RuntimePolicy *p = policy_text(EMPTY);
        RuntimeEvaluation *ev;
        char *last = strrchr(sig, '\n') - 4;

        *last = *last == '0' ? '1' : '0';   /* inside the RSA signature */
        ev = evaluate(p, &rsa_ec, sig);
        assert_int_equal(ev->n_failed, 1);
        assert_failure(ev, 0, RUNTIME_FAILURE_BAD_SIGNATURE, 0, "/usr/bin/dd");
        runtime_evaluation_free(ev);

        /* The policy's own verification keys verify too. */
        runtime_policy_free(p);
        p = policy(SCENARIO "runtime_policy_with_verification_keys.json", false);
        free(sig);
        sig = SIGS();
        ev = evaluate(p, NULL, sig);
        assert_int_equal(ev->n_failed, 0);
        assert_int_equal(ev->n_signed, 2);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
}

/* A policy made from a log passes it; one changed digest fails exactly that entry. */
static void test_policy_from_log(void **state) {
        _cleanup_free_ char *log = fixture_read("ima/rust-keylime/ascii_runtime_measurements", NULL);
        json_object *root = json_object_new_object(), *meta = json_object_new_object(), *digests = json_object_new_object();
        size_t o = 0;
        ImaEntry e;
        int r;

        json_object_object_add(meta, "version", json_object_new_int(1));
        json_object_object_add(root, "meta", meta);
        json_object_object_add(root, "digests", digests);
        while ((r = ima_replayer_next_entry(rp, IMA_LOG_ASCII, (const uint8_t *) log, strlen(log), &o, true, &e)) > 0) {
                _cleanup_free_ char *hex = hex_encode(e.digest.data, e.digest.size);
                json_object *list;
                if (!json_object_object_get_ex(digests, e.name, &list)) {
                        list = json_object_new_array();
                        json_object_object_add(digests, e.name, list);
                }
                json_object_array_add(list, json_object_new_string(hex));
        }
        assert_int_equal(r, 0);

        RuntimePolicy *p = policy_text(json_object_to_json_string(root));
        RuntimeEvaluation *ev = evaluate(p, NULL, log);
        assert_int_equal(ev->n_failed, 0);
        assert_int_equal(ev->n_passed, 826);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);

        /* Entry 2 is /bin/sh: give it another digest. */
        json_object *list = json_object_array_get_idx(json_object_object_get(digests, "/bin/sh"), 0);
        json_object_set_string(list, "0000000000000000000000000000000000000001");
        p = policy_text(json_object_to_json_string(root));
        ev = evaluate(p, NULL, log);
        assert_int_equal(ev->n_failed, 1);
        assert_failure(ev, 0, RUNTIME_FAILURE_DIGEST_MISMATCH, 2, "/bin/sh");
        runtime_evaluation_free(ev);
        runtime_policy_free(p);

        /* …and an exclude that covers it passes again. */
        json_object *ex = json_object_new_array();
        json_object_array_add(ex, json_object_new_string("/bin/s[h]$"));
        json_object_object_add(root, "excludes", ex);
        p = policy_text(json_object_to_json_string(root));
        ev = evaluate(p, NULL, log);
        assert_int_equal(ev->n_failed, 0);
        assert_int_equal(ev->n_excluded, 1);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
        json_object_put(root);
}

#define MODSIG(c) fixture_read("ima/modsig/" c ".ascii", NULL)

/* One ima-modsig line evaluated alone: its single failure id, or NULL when it passes. */
static const char *modsig_outcome(RuntimePolicy *p, const ImaKeyring *keys, char *line, uint64_t *ret_signed) {
        RuntimeEvaluation *ev = evaluate(p, keys, line);
        const char *id = NULL;

        assert_true(ev->n_failed <= 1);
        if (ev->n_failed == 1) {
                assert_int_equal(ev->failures[0].entry, 0);
                assert_true(strncmp(ev->failures[0].path, "/lib/modules/", 13) == 0);
                id = ev->failures[0].id;
        }
        if (ret_signed)
                *ret_signed = ev->n_signed;
        runtime_evaluation_free(ev);
        free(line);
        return id;
}

static void test_modsig(void **state) {
        RuntimePolicy *p = policy_text(EMPTY);
        uint64_t n_signed = 0;

        /* A good appended signature passes an entry the policy does not list. */
        assert_null(modsig_outcome(p, &modsig_keys, MODSIG("good-rsa"), &n_signed));
        assert_int_equal(n_signed, 1);
        assert_null(modsig_outcome(p, &modsig_keys, MODSIG("good-ec"), NULL));
        assert_null(modsig_outcome(p, &modsig_keys, MODSIG("good-rsa-sha512"), NULL));
        assert_null(modsig_outcome(p, &modsig_keys, MODSIG("signed-attrs"), NULL));

        /* Bad or unparseable: ima.bad_signature. */
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("tampered-ec"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("truncated"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("two-signers"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("alg-mismatch"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("attrs-other-content"), NULL),
                            RUNTIME_FAILURE_BAD_SIGNATURE);
        assert_string_equal(modsig_outcome(p, NULL, MODSIG("truncated"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);

        /* No key known to have signed: the digest decides. */
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("unknown-key"), NULL), RUNTIME_FAILURE_NOT_IN_POLICY);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("unknown-issuer"), NULL), RUNTIME_FAILURE_NOT_IN_POLICY);
        assert_string_equal(modsig_outcome(p, &modsig_keys, MODSIG("tampered"), NULL), RUNTIME_FAILURE_NOT_IN_POLICY);
        assert_string_equal(modsig_outcome(p, NULL, MODSIG("good-rsa"), NULL), RUNTIME_FAILURE_NOT_IN_POLICY);
        runtime_policy_free(p);

        _cleanup_free_ char *unknown = MODSIG("unknown-key");
        ImaEntryBuffer *b = malloc(sizeof *b);
        ImaEntry e;
        assert_non_null(b);
        assert_int_equal(ima_entry_parse_ascii(unknown, strcspn(unknown, "\n"), b, &e), 0);
        _cleanup_free_ char *hex = hex_encode(e.digest.data, e.digest.size), *json = NULL;
        assert_true(asprintf(&json, "{\"meta\":{\"version\":1},\"digests\":{\"%s\":[\"%s\"]}}", e.name, hex) > 0);
        free(b);
        p = policy_text(json);
        assert_null(modsig_outcome(p, &modsig_keys, strdup(unknown), &n_signed));
        assert_int_equal(n_signed, 0);
        runtime_policy_free(p);

        /* The policy's own verification keys verify appended signatures too. */
        p = policy("ima/modsig/policy-keys.json", false);
        assert_null(modsig_outcome(p, NULL, MODSIG("good-rsa"), NULL));
        assert_null(modsig_outcome(p, NULL, MODSIG("good-ec"), NULL));
        assert_string_equal(modsig_outcome(p, NULL, MODSIG("tampered-ec"), NULL), RUNTIME_FAILURE_BAD_SIGNATURE);
        runtime_policy_free(p);
}

static void test_ima_buf(void **state) {
        _cleanup_free_ char *buf = lines(SCENARIO "keyrings_ima-buf.ascii", 0, 0);
        RuntimeEvaluation *ev;
        RuntimePolicy *p;

        p = policy_text(EMPTY);   /* a keyring entry nobody allowed */
        ev = evaluate(p, NULL, buf);
        assert_failure(ev, 0, RUNTIME_FAILURE_NOT_IN_POLICY, 0, ".ima");
        runtime_evaluation_free(ev);
        runtime_policy_free(p);

        p = policy_text("{\"meta\":{\"version\":1},\"ima\":{\"ignored_keyrings\":[\".ima\"]}}");
        ev = evaluate(p, NULL, buf);
        assert_int_equal(ev->n_failed, 0);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);

        p = policy_text("{\"meta\":{\"version\":1},\"keyrings\":{\".ima\":[\"00\"]}}");
        ev = evaluate(p, NULL, buf);
        assert_failure(ev, 0, RUNTIME_FAILURE_DIGEST_MISMATCH, 0, ".ima");
        runtime_evaluation_free(ev);
        runtime_policy_free(p);

        p = policy_text("{\"meta\":{\"version\":1},\"ima-buf\":{\".ima\":[\"a7d52aaa18c23d2d9bb2abb4308c0eeee6738"
                        "7a42259f4a6b1a42257065f3d5a\"]}}");
        ev = evaluate(p, NULL, buf);
        assert_int_equal(ev->n_failed, 0);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
}

static void test_violation_skipped(void **state) {
        RuntimePolicy *p = policy_text(EMPTY);
        RuntimeEvaluation *ev = evaluate(p, NULL, "10 0000000000000000000000000000000000000000 ima-ng "
                                                  "sha1:0000000000000000000000000000000000000000 /var/log/x\n");

        assert_int_equal(ev->n_failed, 0);
        assert_int_equal(ev->n_violations, 1);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
}

static void test_failures_capped(void **state) {
        RuntimePolicy *p = policy_text(EMPTY);
        RuntimeEvaluation *ev;

        assert_int_equal(runtime_evaluation_new(p, NULL, &ev), 0);
        for (uint64_t i = 0; i < RUNTIME_POLICY_FAILURES_MAX + 5; i++)
                assert_int_equal(runtime_evaluation_fail(ev, RUNTIME_FAILURE_PCR_MISMATCH, i, "/x", NULL), 0);
        assert_int_equal(ev->n_failures, RUNTIME_POLICY_FAILURES_MAX);
        assert_int_equal(ev->n_failed, RUNTIME_POLICY_FAILURES_MAX + 5);
        runtime_evaluation_free(ev);
        runtime_policy_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_expected_table),
                cmocka_unit_test(test_failure_ids),
                cmocka_unit_test(test_signature_does_not_verify),
                cmocka_unit_test(test_policy_from_log),
                cmocka_unit_test(test_modsig),
                cmocka_unit_test(test_ima_buf),
                cmocka_unit_test(test_violation_skipped),
                cmocka_unit_test(test_failures_capped),
        };
        int r;

        add_pem(&rsa_only, SCENARIO "rsa2048pub.pem");
        add_pem(&rsa_ec, SCENARIO "rsa2048pub.pem");
        add_pem(&rsa_ec, SCENARIO "secp256k1-pub.pem");
        add_pem(&modsig_keys, "ima/modsig/rsa.pub.pem");
        add_pem(&modsig_keys, "ima/modsig/ec.pub.pem");
        r = cmocka_run_group_tests(tests, replayer_setup, replayer_teardown);
        ima_keyring_done(&rsa_only);
        ima_keyring_done(&rsa_ec);
        ima_keyring_done(&modsig_keys);
        return r;
}
