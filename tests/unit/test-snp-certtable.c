/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SEV-SNP certificate table of an extended report (snp-certtable.c): one
 * case per refusal, both GUID byte orders, and the limits. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "snp-certtable.h"
#include "test-buf.h"

static const uint8_t vcek_guid[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
static const uint8_t vlek_guid[16] = { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
                                       0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 };
static const uint8_t ask_guid[16]  = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                       0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };

static void entry(Buf *b, const uint8_t guid[16], uint32_t offset, uint32_t length) {
        put(b, guid, 16);
        put_le(b, offset, 4);
        put_le(b, length, 4);
}

static void terminator(Buf *b) {
        static const uint8_t zero[24] = {};
        put(b, zero, sizeof zero);
}

static void test_vcek_and_ask(void **state) {
        Buf b = {};
        SnpCertTable t;

        entry(&b, vcek_guid, 72, 5);
        entry(&b, ask_guid, 77, 3);
        terminator(&b);
        put(&b, "VCEK!ASK", 8);
        assert_int_equal(snp_cert_table_parse(b.p, b.n, &t), 0);
        assert_int_equal(t.n_entries, 2);
        assert_int_equal(t.cert_size[SNP_CERT_VCEK], 5);
        assert_memory_equal(t.cert[SNP_CERT_VCEK], "VCEK!", 5);
        assert_memory_equal(t.cert[SNP_CERT_ASK], "ASK", 3);
        assert_null(t.cert[SNP_CERT_VLEK]);
        assert_null(t.cert[SNP_CERT_ARK]);
        reset(&b);
}

/* The first three GUID fields little-endian, as some host stacks write them. */
static void test_guid_byte_orders(void **state) {
        static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
        uint8_t le[16];
        Buf b = {};
        SnpCertTable t;

        for (size_t i = 0; i < 16; i++)
                le[i] = vlek_guid[order[i]];
        entry(&b, le, 48, 4);
        terminator(&b);
        put(&b, "VLEK", 4);
        assert_int_equal(snp_cert_table_parse(b.p, b.n, &t), 0);
        assert_memory_equal(t.cert[SNP_CERT_VLEK], "VLEK", 4);
        reset(&b);
}

static void test_unknown_guid(void **state) {
        static const uint8_t other[16] = { 0x11 };
        Buf b = {};
        SnpCertTable t;

        entry(&b, other, 48, 2);
        terminator(&b);
        put(&b, "xx", 2);
        assert_int_equal(snp_cert_table_parse(b.p, b.n, &t), 0);
        assert_int_equal(t.n_entries, 1);
        for (int k = 0; k < _SNP_CERT_KIND_MAX; k++)
                assert_null(t.cert[k]);
        reset(&b);
}

static void test_empty(void **state) {
        Buf b = {};
        SnpCertTable t;

        terminator(&b);
        assert_int_equal(snp_cert_table_parse(b.p, b.n, &t), 0);
        assert_int_equal(t.n_entries, 0);
        assert_int_equal(snp_cert_table_parse(b.p, 0, &t), -EBADMSG);
        reset(&b);
}

static void expect_refused(Buf *b, int want) {
        SnpCertTable t;
        assert_int_equal(snp_cert_table_parse(b->p, b->n, &t), want);
        reset(b);
}

static void test_refusals(void **state) {
        Buf b = {};

        /* No terminator. */
        entry(&b, vcek_guid, 24, 0);
        expect_refused(&b, -EBADMSG);
        /* A short terminator. */
        entry(&b, vcek_guid, 47, 1);
        put(&b, "\0\0\0\0", 4);
        expect_refused(&b, -EBADMSG);
        /* Beyond the buffer; offset + length wrapping around. */
        entry(&b, vcek_guid, 48, 100);
        terminator(&b);
        expect_refused(&b, -EBADMSG);
        entry(&b, vcek_guid, 0xffffffffu, 2);
        terminator(&b);
        expect_refused(&b, -EBADMSG);
        /* Zero length. */
        entry(&b, vcek_guid, 48, 0);
        terminator(&b);
        put(&b, "x", 1);
        expect_refused(&b, -EBADMSG);
        /* The same kind twice. */
        entry(&b, vcek_guid, 72, 1);
        entry(&b, vcek_guid, 73, 1);
        terminator(&b);
        put(&b, "ab", 2);
        expect_refused(&b, -EBADMSG);
        /* A certificate overlapping the entries. */
        entry(&b, vcek_guid, 0, 30);
        terminator(&b);
        expect_refused(&b, -EBADMSG);
}

static void test_limits(void **state) {
        static const uint8_t other[16] = { 0x22 };
        Buf b = {};
        SnpCertTable t;
        uint8_t *big;

        for (unsigned i = 0; i < CC_AUXBLOB_ENTRIES_MAX; i++)
                entry(&b, other, (CC_AUXBLOB_ENTRIES_MAX + 1) * 24, 1);
        terminator(&b);
        put(&b, "x", 1);
        assert_int_equal(snp_cert_table_parse(b.p, b.n, &t), 0);
        assert_int_equal(t.n_entries, CC_AUXBLOB_ENTRIES_MAX);
        reset(&b);
        for (unsigned i = 0; i < CC_AUXBLOB_ENTRIES_MAX + 1; i++)
                entry(&b, other, (CC_AUXBLOB_ENTRIES_MAX + 2) * 24, 1);
        terminator(&b);
        put(&b, "x", 1);
        expect_refused(&b, -E2BIG);

        big = calloc(1, CC_AUXBLOB_SIZE_MAX + 1);
        assert_non_null(big);
        assert_int_equal(snp_cert_table_parse(big, CC_AUXBLOB_SIZE_MAX, &t), 0);
        assert_int_equal(snp_cert_table_parse(big, CC_AUXBLOB_SIZE_MAX + 1, &t), -E2BIG);
        free(big);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vcek_and_ask),
                cmocka_unit_test(test_guid_byte_orders),
                cmocka_unit_test(test_unknown_guid),
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
