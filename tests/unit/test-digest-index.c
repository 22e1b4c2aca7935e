/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "digest-index.h"
#include "macro.h"

static IndexDigest digest_of(uint8_t size, uint32_t seed) {
        IndexDigest d = { .size = size };
        for (size_t i = 0; i < size; i++)
                d.data[i] = (uint8_t) (seed * 31 + i * 7);
        return d;
}

static void test_add_find(void **state) {
        _cleanup_(digest_index_freep) DigestIndex *ix = NULL;
        IndexDigest two[2] = { digest_of(20, 1), digest_of(32, 2) }, other = digest_of(32, 3);
        const uint8_t *rec;

        assert_int_equal(digest_index_new(4, &ix), 0);
        assert_int_equal(digest_index_add(ix, "/usr/bin/a", 10, two, 2), 0);
        assert_int_equal(digest_index_add(ix, "/usr/sbin/a", 11, &other, 1), 0);   /* same basename */
        assert_int_equal(digest_index_add(ix, "boot_aggregate", 14, two, 1), 0);   /* no directory */
        assert_int_equal(digest_index_add(ix, "/usr/bin/a", 10, &other, 1), -EEXIST);
        assert_int_equal(digest_index_add(ix, "/x/", 3, NULL, 0), 0);              /* no digest allowed */
        assert_int_equal(digest_index_add(ix, "/y", 2, &other, 1), -E2BIG);        /* max_names */

        rec = digest_index_find(ix, "/usr/bin/a", 10);
        assert_non_null(rec);
        assert_true(digest_index_record_has(rec, two[0].data, 20));
        assert_true(digest_index_record_has(rec, two[1].data, 32));
        assert_false(digest_index_record_has(rec, two[1].data, 20));               /* size matters */
        assert_false(digest_index_record_has(rec, other.data, 32));
        rec = digest_index_find(ix, "/usr/sbin/a", 11);
        assert_true(digest_index_record_has(rec, other.data, 32));
        assert_false(digest_index_record_has(rec, two[1].data, 32));
        assert_non_null(digest_index_find(ix, "boot_aggregate", 14));
        assert_false(digest_index_record_has(digest_index_find(ix, "/x/", 3), other.data, 32));
        assert_null(digest_index_find(ix, "/usr/bin/", 9));
        assert_null(digest_index_find(ix, "/usr/bin/ab", 11));
        assert_null(digest_index_find(ix, "/usr/bin/a", 9));
        assert_null(digest_index_find(ix, "", 0));
        assert_int_equal(digest_index_names(ix), 4);
        assert_int_equal(digest_index_digests(ix), 4);

        digest_index_seal(ix);
        assert_non_null(digest_index_find(ix, "/usr/bin/a", 10));
        assert_int_equal(digest_index_add(ix, "/z", 2, &other, 1), -EPERM);
}

static void test_rejects(void **state) {
        _cleanup_(digest_index_freep) DigestIndex *ix = NULL;
        IndexDigest d = digest_of(32, 1), many[256];

        assert_int_equal(digest_index_new(4, &ix), 0);
        assert_int_equal(digest_index_add(ix, "/a\0b", 4, &d, 1), -EINVAL);
        d.size = 0;
        assert_int_equal(digest_index_add(ix, "/a", 2, &d, 1), -EINVAL);
        d.size = 65;
        assert_int_equal(digest_index_add(ix, "/a", 2, &d, 1), -EINVAL);
        for (size_t i = 0; i < 256; i++)
                many[i] = digest_of(20, (uint32_t) i);
        assert_int_equal(digest_index_add(ix, "/a", 2, many, 256), -EINVAL);
        assert_int_equal(digest_index_add(ix, "/a", 2, many, 255), 0);
        assert_true(digest_index_record_has(digest_index_find(ix, "/a", 2), many[254].data, 20));
}

/* Many names over few directories: every one found, and the index stays
 * under 64 bytes per sha256 entry. */
static void test_many(void **state) {
        const size_t n = 200000;
        _cleanup_(digest_index_freep) DigestIndex *ix = NULL;
        char path[128];

        assert_int_equal(digest_index_new(n, &ix), 0);
        for (size_t i = 0; i < n; i++) {
                IndexDigest d = digest_of(32, (uint32_t) i);
                int k = snprintf(path, sizeof path, "/usr/lib/x86_64-linux-gnu/pkg%zu/lib%zu.so", i / 50, i);
                assert_int_equal(digest_index_add(ix, path, (size_t) k, &d, 1), 0);
        }
        digest_index_seal(ix);
        for (size_t i = 0; i < n; i++) {
                IndexDigest d = digest_of(32, (uint32_t) i), e = digest_of(32, (uint32_t) i + 1);
                int k = snprintf(path, sizeof path, "/usr/lib/x86_64-linux-gnu/pkg%zu/lib%zu.so", i / 50, i);
                const uint8_t *rec = digest_index_find(ix, path, (size_t) k);
                assert_non_null(rec);
                assert_true(digest_index_record_has(rec, d.data, 32));
                assert_false(digest_index_record_has(rec, e.data, 32));
        }
        assert_true(digest_index_memory(ix) / n <= 64);
}

/* Regression (fuzzer): a query longer than the last record's basename must not
 * read past the end of the blob. */
static void test_regression_short_basename(void **state) {
        _cleanup_(digest_index_freep) DigestIndex *ix = NULL;
        IndexDigest d = digest_of(1, 0);

        assert_int_equal(digest_index_new(1, &ix), 0);
        assert_int_equal(digest_index_add(ix, "boot_aima", 9, &d, 1), 0);
        digest_index_seal(ix);
        for (size_t i = 0; i < 64; i++)   /* whatever slot the query hashes to */
                assert_null(digest_index_find(ix, "boot_aggregate_and_more_bytes_past_the_blob", 14 + i % 29));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_find),
                cmocka_unit_test(test_rejects),
                cmocka_unit_test(test_many),
                cmocka_unit_test(test_regression_short_basename),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
