/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "backoff.h"

#define SEC UINT64_C(1000000)
#define MID (UINT32_C(1) << 31)   /* the middle of the jitter: no spread */

/* The agent's schedule: 2 s doubling to 5 min. */
static const Backoff agent = { .first_usec = 2 * SEC, .max_usec = 300 * SEC };

static void test_grows_then_capped(void **state) {
        static const uint64_t want[] = { 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300 };

        for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                assert_int_equal(backoff_delay_usec(&agent, i, MID), want[i] * SEC);
        assert_int_equal(backoff_delay_usec(&agent, 1000, MID), 300 * SEC);
}

static void test_jitter_bounds(void **state) {
        for (unsigned i = 0; i < 12; i++) {
                uint64_t d = backoff_delay_usec(&agent, i, MID);
                uint64_t lo = backoff_delay_usec(&agent, i, 0), hi = backoff_delay_usec(&agent, i, UINT32_MAX);

                assert_int_equal(lo, d - d / 4);
                assert_true(hi < d + d / 4);
                assert_true(hi >= d + d / 4 - d / 1000);
        }
}

static void test_never_zero(void **state) {
        static const uint32_t rnds[] = { 0, 1, MID, UINT32_MAX };
        const Backoff tiny[] = {
                { .first_usec = 0, .max_usec = 0 },
                { .first_usec = 1, .max_usec = 1 },
                { .first_usec = 3, .max_usec = 2 },
                { .first_usec = 0, .max_usec = UINT64_MAX },
        };

        for (size_t b = 0; b < sizeof(tiny) / sizeof(tiny[0]); b++)
                for (size_t r = 0; r < sizeof(rnds) / sizeof(rnds[0]); r++) {
                        assert_true(backoff_delay_usec(&tiny[b], 0, rnds[r]) >= 1);
                        assert_true(backoff_delay_usec(&tiny[b], 5, rnds[r]) >= 1);
                }
        /* A cap below the first delay: the first delay stays. */
        assert_int_equal(backoff_delay_usec(&tiny[2], 9, MID), 3);
}

static void test_huge_attempts(void **state) {
        const Backoff wide = { .first_usec = 1, .max_usec = UINT64_MAX };
        uint64_t prev = 0;

        assert_true(backoff_delay_usec(&agent, UINT_MAX, 0) == 225 * SEC);
        assert_true(backoff_delay_usec(&agent, UINT_MAX, UINT32_MAX) < 375 * SEC);
        /* Doubling up to the top of uint64 never wraps to a short delay. */
        for (unsigned i = 0; i < 80; i++) {
                uint64_t d = backoff_delay_usec(&wide, i, MID);

                assert_true(d >= prev);
                prev = d;
        }
        assert_true(prev == UINT64_MAX);
        assert_true(backoff_delay_usec(&wide, UINT_MAX, 0) == UINT64_MAX - UINT64_MAX / 4);
        /* +25 % of the largest delay saturates. */
        assert_true(backoff_delay_usec(&wide, UINT_MAX, UINT32_MAX) == UINT64_MAX);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* Many draws from the real source at 16 s: inside ±25 %, centred, spread
 * evenly over the range, and hardly ever the same twice. */
static void test_jitter_varies(void **state) {
        enum { N = 10000, BUCKETS = 10 };
        uint64_t *v = calloc(N, sizeof(*v));
        unsigned buckets[BUCKETS] = {}, distinct = 1;
        double sum = 0;

        assert_non_null(v);
        for (unsigned i = 0; i < N; i++) {
                v[i] = backoff_delay_usec(&agent, 3, backoff_random_u32());
                assert_true(v[i] >= 12 * SEC && v[i] < 20 * SEC);
                sum += (double) v[i];
                buckets[(v[i] - 12 * SEC) * BUCKETS / (8 * SEC)]++;
        }
        /* The mean of N uniform draws is within 7 standard errors of 16 s. */
        assert_true(sum / N > 15.84 * SEC && sum / N < 16.16 * SEC);
        for (unsigned b = 0; b < BUCKETS; b++)
                assert_true(buckets[b] > N / BUCKETS - 200 && buckets[b] < N / BUCKETS + 200);
        qsort(v, N, sizeof(*v), cmp_u64);
        for (unsigned i = 1; i < N; i++)
                distinct += v[i] != v[i - 1];
        assert_true(distinct > N - N / 100);
        free(v);
}

static void test_random_bits(void **state) {
        enum { N = 2000 };
        unsigned ones[32] = {};

        for (unsigned i = 0; i < N; i++) {
                uint32_t r = backoff_random_u32();
                for (unsigned b = 0; b < 32; b++)
                        ones[b] += (r >> b) & 1;
        }
        /* Each bit is set about half the time (σ ≈ 22 draws). */
        for (unsigned b = 0; b < 32; b++)
                assert_true(ones[b] > N / 2 - 200 && ones[b] < N / 2 + 200);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_grows_then_capped),
                cmocka_unit_test(test_jitter_bounds),
                cmocka_unit_test(test_never_zero),
                cmocka_unit_test(test_huge_attempts),
                cmocka_unit_test(test_jitter_varies),
                cmocka_unit_test(test_random_bits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
