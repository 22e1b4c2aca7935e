/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tpm-policy.h"

#define H32 "1515151515151515151515151515151515151515151515151515151515151515"
#define H20 "2222222222222222222222222222222222222222"

static TpmPolicy *parse_ok(const char *text) {
        const char *error = NULL;
        TpmPolicy *p = NULL;

        if (tpm_policy_parse(text, strlen(text), &p, &error) < 0)
                fail_msg("%s: %s", text, error);
        return p;
}

static void test_keylime_form(void **state) {
        _cleanup_(tpm_policy_freep) TpmPolicy *p = parse_ok("{\"15\": [\"" H32 "\", \"0x" H20 "\"], \"23\": [], \"mask\": \"0x408000\"}");
        uint8_t v[32];

        assert_int_equal(p->pcr_mask, (1u << 15) | (1u << 23));
        assert_int_equal(p->quote_mask, (1u << 15) | (1u << 22) | (1u << 23));
        assert_int_equal(p->pcrs[15].n_values, 2);
        memset(v, 0x15, sizeof(v));
        assert_int_equal(tpm_policy_check(p, 15, hash_alg_from_name("sha256"), v), 1);
        v[31] = 0;
        assert_int_equal(tpm_policy_check(p, 15, hash_alg_from_name("sha256"), v), 0);
        memset(v, 0x22, 20);
        assert_int_equal(tpm_policy_check(p, 15, hash_alg_from_name("sha1"), v), 1);
        assert_int_equal(tpm_policy_check(p, 15, hash_alg_from_name("sha384"), v), -ENOENT);
        /* An empty list allows nothing, in any bank. */
        assert_int_equal(tpm_policy_check(p, 23, hash_alg_from_name("sha256"), v), -ENOENT);
        assert_int_equal(tpm_policy_check(p, 16, hash_alg_from_name("sha256"), v), -ENOENT);
        assert_false(p->has_max_reboots);
}

/* Keylime also writes one value as a plain string. */
static void test_single_value(void **state) {
        _cleanup_(tpm_policy_freep) TpmPolicy *p = parse_ok("{\"15\": \"" H32 "\"}");
        uint8_t v[32];

        assert_int_equal(p->pcrs[15].n_values, 1);
        memset(v, 0x15, sizeof(v));
        assert_int_equal(tpm_policy_check(p, 15, hash_alg_from_name("sha256"), v), 1);
}

static void test_clock_rules(void **state) {
        _cleanup_(tpm_policy_freep) TpmPolicy *p = parse_ok("{\"max_reboots_since_enrolment\": 0, \"require_clock_safe\": true}");

        assert_true(p->has_max_reboots);
        assert_int_equal(p->max_reboots, 0);
        assert_true(p->require_clock_safe);
        assert_int_equal(p->quote_mask, 0);
}

static void expect_bad(const char *text, int expected) {
        const char *error = NULL;
        TpmPolicy *p = NULL;

        assert_int_equal(tpm_policy_parse(text, strlen(text), &p, &error), expected);
        assert_null(p);
        assert_non_null(error);
}

static void test_malformed(void **state) {
        expect_bad("", -EBADMSG);                               /* not JSON */
        expect_bad("{} {}", -EBADMSG);                          /* trailing */
        expect_bad("[]", -EBADMSG);                             /* not an object */
        expect_bad("{\"24\": []}", -EBADMSG);                   /* PCR out of range */
        expect_bad("{\"015\": []}", -EBADMSG);                  /* leading zero */
        expect_bad("{\"-1\": []}", -EBADMSG);                   /* sign */
        expect_bad("{\"pcr15\": []}", -EBADMSG);                /* unknown key */
        expect_bad("{\"15\": 15}", -EBADMSG);                   /* neither an array nor a string */
        expect_bad("{\"15\": \"ff\"}", -EBADMSG);               /* one value, of no bank */
        expect_bad("{\"15\": [15]}", -EBADMSG);                 /* not a string */
        expect_bad("{\"15\": [\"abc\"]}", -EBADMSG);            /* odd hex */
        expect_bad("{\"15\": [\"0011\"]}", -EBADMSG);           /* no bank of that size */
        expect_bad("{\"15\": [\"" H20 "zz\"]}", -EBADMSG);      /* no bank of 21 bytes */
        expect_bad("{\"15\": [\"zz" H20 "\"]}", -EBADMSG);      /* hex of a 21-byte... not hex at all */
        expect_bad("{\"15\": [\"gg2222222222222222222222222222222222222222222222222222222222222222\"]}", -EBADMSG);
        expect_bad("{\"mask\": \"408000\"}", -EBADMSG);         /* no 0x */
        expect_bad("{\"mask\": \"0x\"}", -EBADMSG);             /* no digits */
        expect_bad("{\"mask\": \"0x1000000\"}", -EBADMSG);      /* beyond PCR 23 */
        expect_bad("{\"mask\": \"0xg\"}", -EBADMSG);            /* not hex */
        expect_bad("{\"mask\": 4}", -EBADMSG);                  /* not a string */
        expect_bad("{\"max_reboots_since_enrolment\": -1}", -EBADMSG);
        expect_bad("{\"max_reboots_since_enrolment\": 4294967296}", -EBADMSG);
        expect_bad("{\"max_reboots_since_enrolment\": \"3\"}", -EBADMSG);
        expect_bad("{\"require_clock_safe\": 1}", -EBADMSG);
}

static void test_limits(void **state) {
        size_t n = TPM_POLICY_VALUES_MAX + 1, size = 16 + n * 69;
        char *text = malloc(size), *o = text;

        assert_non_null(text);
        o += sprintf(o, "{\"15\": [");
        for (size_t i = 0; i < n; i++)
                o += sprintf(o, "%s\"" H32 "\"", i ? "," : "");
        o += sprintf(o, "]}");
        expect_bad(text, -E2BIG);                               /* TPM_POLICY_VALUES_MAX */
        free(text);

        text = calloc(1, TPM_POLICY_SIZE_MAX + 2);
        assert_non_null(text);
        memset(text, ' ', TPM_POLICY_SIZE_MAX + 1);
        text[0] = '{';
        text[TPM_POLICY_SIZE_MAX] = '}';
        expect_bad(text, -E2BIG);                               /* TPM_POLICY_SIZE_MAX */
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keylime_form),
                cmocka_unit_test(test_single_value),
                cmocka_unit_test(test_clock_rules),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
