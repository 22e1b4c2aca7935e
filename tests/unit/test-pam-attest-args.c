/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agent-client.h"
#include "pam-attest-args.h"


static void test_defaults(void **state) {
        PamAttestArgs a;

        assert_int_equal(pam_attest_parse_args(0, NULL, &a, NULL), 0);
        assert_true(a.timeout_usec == PAM_ATTEST_TIMEOUT_DEFAULT_USEC);
        assert_true(a.max_age_usec == 0);
        assert_string_equal(a.allow, "pass");
        assert_false(a.debug);
        assert_null(a.unknown);
}

static void test_all_arguments(void **state) {
        const char *argv[] = { "timeout=500ms", "max_age=2min", "allow=pass,pending", "debug" };
        PamAttestArgs a;

        assert_int_equal(pam_attest_parse_args(4, argv, &a, NULL), 0);
        assert_true(a.timeout_usec == 500000);
        assert_true(a.max_age_usec == 120000000);
        assert_string_equal(a.allow, "pass,pending");
        assert_true(a.debug);
}

static void test_unknown_is_reported_not_fatal(void **state) {
        const char *argv[] = { "frobnicate", "use_first_pass" };
        PamAttestArgs a;

        assert_int_equal(pam_attest_parse_args(2, argv, &a, NULL), 0);
        assert_string_equal(a.unknown, "frobnicate");
}

static void expect_bad(const char *arg) {
        const char *argv[] = { "debug", arg };
        const char *bad = NULL;
        PamAttestArgs a = { .timeout_usec = 42 };

        assert_int_equal(pam_attest_parse_args(2, argv, &a, &bad), -EINVAL);
        assert_string_equal(bad, arg);
        assert_true(a.timeout_usec == 42); /* untouched on failure */
}

static void test_bad_values(void **state) {
        expect_bad("timeout=");
        expect_bad("timeout=0");
        expect_bad("timeout=soon");
        expect_bad("timeout=5 s");
        expect_bad("timeout=-1");
        expect_bad("timeout=301");          /* above PAM_ATTEST_TIMEOUT_MAX_USEC */
        expect_bad("max_age=1d");
        expect_bad("max_age=99999999999999999999");
        expect_bad("max_age=18446744073709551615h");  /* overflows µs */
        expect_bad("allow=");
}

static void test_allow_too_long(void **state) {
        char arg[PAM_ATTEST_ALLOW_MAX + 16] = "allow=";

        memset(arg + 6, 'a', PAM_ATTEST_ALLOW_MAX + 1);
        arg[6 + PAM_ATTEST_ALLOW_MAX + 1] = 0;
        expect_bad(arg);
}

static void test_null_argv_entry(void **state) {
        const char *argv[] = { "debug", NULL };
        PamAttestArgs a;

        assert_int_equal(pam_attest_parse_args(2, argv, &a, NULL), -EINVAL);
        assert_int_equal(pam_attest_parse_args(1, NULL, &a, NULL), -EINVAL);
        assert_int_equal(pam_attest_parse_args(0, NULL, NULL, NULL), -EINVAL);
}

static void test_durations(void **state) {
        uint64_t u;

        assert_int_equal(pam_attest_parse_duration("7", &u), 0);
        assert_true(u == 7000000);
        assert_int_equal(pam_attest_parse_duration("7s", &u), 0);
        assert_true(u == 7000000);
        assert_int_equal(pam_attest_parse_duration("1h", &u), 0);
        assert_true(u == 3600000000ULL);
        assert_int_equal(pam_attest_parse_duration("s", &u), -EINVAL);
        assert_int_equal(pam_attest_parse_duration("5ks", &u), -EINVAL);
}

static void test_verdict_allowed(void **state) {
        assert_int_equal(agent_verdict_allowed("PASS", "pass"), 1);
        assert_int_equal(agent_verdict_allowed("pass", "PASS"), 1);
        assert_int_equal(agent_verdict_allowed("PENDING", "pass,pending"), 1);
        assert_int_equal(agent_verdict_allowed("FAIL", "pass,pending"), 0);
        assert_int_equal(agent_verdict_allowed("PAS", "pass"), 0);
        assert_int_equal(agent_verdict_allowed("PASSED", "pass"), 0);
        assert_int_equal(agent_verdict_allowed("", "pass,,"), 0);
        assert_int_equal(agent_verdict_allowed("TIMEOUT", ",timeout,"), 1);
        assert_int_equal(agent_verdict_allowed(NULL, "pass"), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_all_arguments),
                cmocka_unit_test(test_unknown_is_reported_not_fatal),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_allow_too_long),
                cmocka_unit_test(test_null_argv_entry),
                cmocka_unit_test(test_durations),
                cmocka_unit_test(test_verdict_allowed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
