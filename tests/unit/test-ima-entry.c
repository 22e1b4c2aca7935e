/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "ima-entry.h"
#include "ima-fixture.h"
#include "macro.h"

static ImaEntryBuffer buffer;

static int parse(const char *line, ImaEntry *e) {
        return ima_entry_parse_ascii(line, strlen(line), &buffer, e);
}

static void assert_template_hash_sha1(const ImaEntry *e) {
        uint8_t h[20];
        assert_int_equal(hash_alg_digest(hash_alg_from_name("sha1"), e->template_data, e->template_data_size, h), 0);
        assert_int_equal(e->template_hash_size, 20);
        assert_memory_equal(h, e->template_hash, 20);
}

static void test_ima_ng(void **state) {
        ImaEntry e;

        assert_int_equal(parse("10 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng "
                               "sha1:19f13b42c2745066347e76454788c0fe083643f3 /init", &e), 0);
        assert_int_equal(e.pcr, 10);
        assert_int_equal(e.template, IMA_TEMPLATE_IMA_NG);
        assert_false(e.violation);
        assert_string_equal(e.digest.alg_name, "sha1");
        assert_ptr_equal(e.digest.alg, hash_alg_from_name("sha1"));
        assert_int_equal(e.digest.size, 20);
        assert_string_equal(e.name, "/init");
        assert_null(e.sig);
        /* d-ng: u32 26 "sha1:\0" digest; n-ng: u32 6 "/init\0" */
        assert_int_equal(e.template_data_size, 4 + 26 + 4 + 6);
        assert_memory_equal(e.template_data, "\x1a\0\0\0sha1:\0", 10);
        assert_memory_equal(e.template_data + 30, "\x06\0\0\0/init\0", 10);
        assert_template_hash_sha1(&e);
}

/* One valid line per template from keylime's tests, each hashing to its template hash. */
static void test_valid_entries(void **state) {
        static const ImaTemplate expected[] = {
                IMA_TEMPLATE_IMA_SIG, IMA_TEMPLATE_IMA_SIG, IMA_TEMPLATE_IMA_SIG,
                IMA_TEMPLATE_IMA_BUF, IMA_TEMPLATE_IMA, IMA_TEMPLATE_IMA_NG,
        };
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-ast/valid_entries.ascii", NULL);
        char *save = NULL, *line = strtok_r(text, "\n", &save);
        size_t n = 0;
        ImaEntry e;

        for (; line; line = strtok_r(NULL, "\n", &save), n++) {
                assert_true(n < ELEMENTSOF(expected));
                assert_int_equal(parse(line, &e), 0);
                assert_int_equal(e.template, expected[n]);
                assert_template_hash_sha1(&e);
        }
        assert_int_equal(n, ELEMENTSOF(expected));
}

static void test_ima_sig_fields(void **state) {
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-sig-scenario/signatures.ascii", NULL);
        ImaEntry e;

        *strchr(text, '\n') = 0;
        assert_int_equal(parse(text, &e), 0);
        assert_string_equal(e.name, "/usr/bin/dd");
        assert_non_null(e.sig);
        assert_int_equal(e.sig_size, 9 + 256);
        assert_int_equal(e.sig[0], 0x03);
        assert_int_equal(e.sig[1], 0x02);
        assert_template_hash_sha1(&e);

        /* An empty sig field leaves a trailing space. */
        assert_int_equal(parse("10 5426cf3031a43f5bfca183d79950698a95a728f6 ima-sig sha256:f1125b940480d20ad841d26d"
                               "5ea253edc0704b5ec1548c891edf212cb1a9365e /lib/modules/5.4.48-openpower1/kernel/drivers/"
                               "usb/common/usb-common.ko ", &e), 0);
        assert_null(e.sig);
        assert_template_hash_sha1(&e);
}

/* The same empty-signature line without its trailing blank (as copies that strip
 * line ends leave it): the same entry, template hash included. */
static void test_ima_sig_empty_without_separator(void **state) {
        static const char line[] = "10 5426cf3031a43f5bfca183d79950698a95a728f6 ima-sig sha256:f1125b940480d20ad841d26d"
                                   "5ea253edc0704b5ec1548c891edf212cb1a9365e /lib/modules/5.4.48-openpower1/kernel/"
                                   "drivers/usb/common/usb-common.ko";
        ImaEntry e;

        assert_int_equal(parse(line, &e), 0);
        assert_string_equal(e.name, "/lib/modules/5.4.48-openpower1/kernel/drivers/usb/common/usb-common.ko");
        assert_null(e.sig);
        assert_template_hash_sha1(&e);
}

static void test_name_with_spaces(void **state) {
        ImaEntry e;

        assert_int_equal(parse("10 1111111111111111111111111111111111111111 ima-sig "
                               "sha1:19f13b42c2745066347e76454788c0fe083643f3 /tmp/a b  c 0302", &e), 0);
        assert_string_equal(e.name, "/tmp/a b  c");
        assert_int_equal(e.sig_size, 2);
}

static void test_modsig(void **state) {
        static const uint8_t expected[] = {
                40, 0, 0, 0, 's', 'h', 'a', '2', '5', '6', ':', 0,
                0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                7, 0, 0, 0, '/', 'b', 'i', 'n', '/', 'x', 0,
                0, 0, 0, 0,   0, 0, 0, 0,   0, 0, 0, 0,
        };
        ImaEntry e;

        /* sig, d-modsig and modsig all empty: three trailing spaces. */
        assert_int_equal(parse("10 1111111111111111111111111111111111111111 ima-modsig sha256:"
                               "abababababababababababababababababababababababababababababababab /bin/x   ", &e), 0);
        assert_int_equal(e.template, IMA_TEMPLATE_IMA_MODSIG);
        assert_int_equal(e.template_data_size, sizeof expected);
        assert_memory_equal(e.template_data, expected, sizeof expected);
        assert_int_equal(e.modsig_digest.size, 0);

        assert_int_equal(parse("10 1111111111111111111111111111111111111111 ima-modsig sha256:"
                               "abababababababababababababababababababababababababababababababab /lib/m.ko "
                               "030204aabbccdd0001ff sha1:19f13b42c2745066347e76454788c0fe083643f3 3082aa", &e), 0);
        assert_string_equal(e.name, "/lib/m.ko");
        assert_int_equal(e.sig_size, 10);
        assert_int_equal(e.modsig_digest.size, 20);
        assert_string_equal(e.modsig_digest.alg_name, "sha1");
        assert_int_equal(e.modsig_size, 3);
        assert_memory_equal(e.modsig, "\x30\x82\xaa", 3);
}

static void test_unknown_algorithm_kept(void **state) {
        ImaEntry e;

        assert_int_equal(parse("10 1111111111111111111111111111111111111111 ima-ng unknown:00112233 /x", &e), 0);
        assert_null(e.digest.alg);
        assert_string_equal(e.digest.alg_name, "unknown");
        assert_int_equal(e.digest.size, 4);
}

static void test_violation(void **state) {
        ImaEntry e;

        assert_int_equal(parse("10 0000000000000000000000000000000000000000 ima-ng "
                               "sha1:0000000000000000000000000000000000000000 /var/log/x", &e), 0);
        assert_true(e.violation);
}

static void test_invalid_entries_fixture(void **state) {
        static const int expected[] = { -EPROTONOSUPPORT, -EBADMSG, -EBADMSG, -EBADMSG };
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-ast/invalid_entries.ascii", NULL);
        char *save = NULL, *line = strtok_r(text, "\n", &save);
        size_t n = 0;
        ImaEntry e;

        for (; line; line = strtok_r(NULL, "\n", &save), n++)
                assert_int_equal(parse(line, &e), expected[n]);
        assert_int_equal(n, ELEMENTSOF(expected));
}

#define H40 "1111111111111111111111111111111111111111"
#define D1 "sha1:19f13b42c2745066347e76454788c0fe083643f3"

static void test_malformed(void **state) {
        ImaEntry e;

        assert_int_equal(parse("10", &e), -EBADMSG);
        assert_int_equal(parse("10 " H40 " ima-ng", &e), -EBADMSG);                  /* no fields */
        assert_int_equal(parse("1x " H40 " ima-ng " D1 " /x", &e), -EBADMSG);        /* pcr */
        assert_int_equal(parse("100 " H40 " ima-ng " D1 " /x", &e), -EBADMSG);       /* pcr digits */
        assert_int_equal(parse(" " H40 " ima-ng " D1 " /x", &e), -EBADMSG);          /* empty pcr */
        assert_int_equal(parse("10 11223344 ima-ng " D1 " /x", &e), -EBADMSG);       /* hash size */
        assert_int_equal(parse("10 " H40 "1 ima-ng " D1 " /x", &e), -EBADMSG);       /* odd hash */
        assert_int_equal(parse("10 " H40 " ima-ng 19f13b42 /x", &e), -EBADMSG);      /* no alg */
        assert_int_equal(parse("10 " H40 " ima-ng sha256:19f13b42 /x", &e), -EBADMSG); /* size for alg */
        assert_int_equal(parse("10 " H40 " ima-ng :19f13b42 /x", &e), -EBADMSG);     /* empty alg */
        assert_int_equal(parse("10 " H40 " ima-ng SHA1:19f13b42 /x", &e), -EBADMSG); /* alg chars */
        assert_int_equal(parse("10 " H40 " ima-ng abcdefghijklmnop:19 /x", &e), -EBADMSG); /* alg length */
        assert_int_equal(parse("10 " H40 " ima-ng sha1: /x", &e), -EBADMSG);         /* empty digest */
        assert_int_equal(parse("10 " H40 " ima-ng x:" H40 H40 H40 H40 "00 /x", &e), -EBADMSG); /* 65 bytes */
        assert_int_equal(parse("10 " H40 " ima 19f13b42 /x", &e), -EBADMSG);         /* legacy size */
        assert_int_equal(parse("10 " H40 " ima-sig " D1 " /x 030", &e), -EBADMSG);   /* odd sig */
        assert_int_equal(parse("10 " H40 " ima-sig " D1 " /x 03zz", &e), -EBADMSG);  /* sig hex */
        assert_int_equal(parse("10 " H40 " ima-buf " D1 " .ima", &e), -EBADMSG);     /* buf missing */
        assert_int_equal(parse("10 " H40 " ima-modsig " D1 " /x  ", &e), -EBADMSG);  /* modsig fields */
        assert_int_equal(parse("10 " H40 " ima-modsig " D1 " /x  sha1 ", &e), -EBADMSG); /* d-modsig */
        assert_int_equal(parse("10 " H40 " ima-ngv2 " D1 " /x", &e), -EPROTONOSUPPORT);
        /* a space where a two-digit PCR or a SHA-1 template hash would end, and one before it */
        assert_int_equal(parse("1  " H40 " ima-ng " D1 " /x", &e), -EBADMSG);
        assert_int_equal(parse("10 1122334455667788990 112233445566778899 ima-ng " D1 " /x", &e), -EBADMSG);
        assert_int_equal(parse("10 " H40 H40 " ima-ng " D1 " /x", &e), -EBADMSG);        /* 40 bytes */
}

/* A one-digit PCR and a template hash of another size than SHA-1's. */
static void test_other_token_sizes(void **state) {
        ImaEntry e;

        assert_int_equal(parse("9 " H40 " ima-ng " D1 " /x", &e), 0);
        assert_int_equal(e.pcr, 9);
        assert_int_equal(e.template_hash_size, 20);
        assert_int_equal(parse("10 " H40 "0123456789abcdef01234567 ima-ng " D1 " /x y", &e), 0);
        assert_int_equal(e.pcr, 10);
        assert_int_equal(e.template_hash_size, 32);
        assert_int_equal(e.template_hash[20], 0x01);
        assert_string_equal(e.name, "/x y");
}

static void test_interior_nul(void **state) {
        static const char line[] = "10 " H40 " ima-ng " D1 " /a\0b";
        ImaEntry e;

        assert_int_equal(ima_entry_parse_ascii(line, sizeof line - 1, &buffer, &e), -EBADMSG);
}

/* A line with a field of n hex bytes of 'a', for the limit tests. */
static char *line_with(const char *prefix, size_t n_hex, const char *suffix) {
        size_t a = strlen(prefix), c = strlen(suffix);
        char *s = malloc(a + n_hex + c + 1);
        memcpy(s, prefix, a);
        memset(s + a, 'a', n_hex);
        memcpy(s + a + n_hex, suffix, c + 1);
        return s;
}

static void test_limits(void **state) {
        ImaEntry e;
        char *s;

        assert_int_equal(parse("24 " H40 " ima-ng " D1 " /x", &e), -E2BIG);         /* IMA_PCR_MAX */
        assert_int_equal(parse("23 " H40 " ima-ng " D1 " /x", &e), 0);

        s = line_with("10 " H40 " ima-ng " D1 " /", IMA_NAME_MAX, "");             /* IMA_NAME_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        s[strlen(s) - 1] = 0;
        assert_int_equal(parse(s, &e), 0);
        free(s);

        s = line_with("10 " H40 " ima " H40 " /", IMA_LEGACY_NAME_MAX, "");       /* IMA_LEGACY_NAME_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        s[strlen(s) - 1] = 0;
        assert_int_equal(parse(s, &e), 0);
        free(s);

        s = line_with("10 " H40 " ima-sig " D1 " /x ", 2 * IMA_SIG_MAX + 2, "");   /* IMA_SIG_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        s[strlen(s) - 2] = 0;
        assert_int_equal(parse(s, &e), 0);
        free(s);

        s = line_with("10 " H40 " ima-buf " D1 " n ", 2 * IMA_BUF_MAX + 2, "");    /* IMA_BUF_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        s[strlen(s) - 2] = 0;
        assert_int_equal(parse(s, &e), 0);
        free(s);

        s = line_with("10 " H40 " ima-modsig " D1 " /x   ", 2 * IMA_MODSIG_MAX + 2, ""); /* IMA_MODSIG_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        free(s);

        s = line_with("10 " H40 " ima-buf " D1 " n ", IMA_LINE_MAX, "");           /* IMA_LINE_MAX */
        assert_int_equal(parse(s, &e), -E2BIG);
        free(s);
}

static void test_next_line(void **state) {
        const char *text = "a\n\nbc", *line;
        size_t o = 0, n;

        assert_int_equal(ima_next_line(text, 5, &o, false, &line, &n), 1);
        assert_int_equal(n, 1);
        assert_int_equal(ima_next_line(text, 5, &o, false, &line, &n), 1);
        assert_int_equal(n, 0);
        assert_int_equal(ima_next_line(text, 5, &o, false, &line, &n), 0);   /* "bc" incomplete */
        assert_int_equal(o, 3);
        assert_int_equal(ima_next_line(text, 5, &o, true, &line, &n), 1);
        assert_int_equal(n, 2);
        assert_int_equal(ima_next_line(text, 5, &o, true, &line, &n), 0);

        char *big = malloc(IMA_LINE_MAX + 2);
        memset(big, 'x', IMA_LINE_MAX + 1);
        big[IMA_LINE_MAX + 1] = '\n';
        o = 0;
        assert_int_equal(ima_next_line(big, IMA_LINE_MAX + 2, &o, true, &line, &n), -E2BIG);
        free(big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ima_ng),
                cmocka_unit_test(test_valid_entries),
                cmocka_unit_test(test_ima_sig_fields),
                cmocka_unit_test(test_ima_sig_empty_without_separator),
                cmocka_unit_test(test_name_with_spaces),
                cmocka_unit_test(test_modsig),
                cmocka_unit_test(test_unknown_algorithm_kept),
                cmocka_unit_test(test_violation),
                cmocka_unit_test(test_invalid_entries_fixture),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_interior_nul),
                cmocka_unit_test(test_other_token_sizes),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_next_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
