/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "macro.h"

/* The delay before jitter: first doubled attempt times, stopped at the cap. */
static uint64_t base_delay(const Backoff *b, unsigned attempt) {
        uint64_t d = MAX(b->first_usec, UINT64_C(1)), cap = MAX(b->max_usec, d);

        for (unsigned i = 0; i < attempt && d < cap; i++)
                d = d > cap / 2 ? cap : d * 2;
        return MIN(d, cap);
}

/* span × rnd / 2³², without a 128-bit type and without overflow. */
static uint64_t scale(uint64_t span, uint32_t rnd) {
        return (span >> 32) * rnd + (((span & UINT32_MAX) * rnd) >> 32);
}

uint64_t backoff_delay_usec(const Backoff *b, unsigned attempt, uint32_t rnd) {
        uint64_t d = base_delay(b, attempt);
        uint64_t low = d - d / 100 * BACKOFF_JITTER_PERCENT - d % 100 * BACKOFF_JITTER_PERCENT / 100;
        uint64_t span = (d - low) * 2, r;

        if (__builtin_add_overflow(low, scale(span, rnd), &r))
                return UINT64_MAX;
        return MAX(r, UINT64_C(1));
}

/* splitmix64's finaliser: spreads the few changing bits of the clocks over all. */
static uint64_t mix(uint64_t x) {
        x ^= x >> 30;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        x ^= x >> 27;
        x *= UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

uint32_t backoff_random_u32(void) {
        static _Thread_local uint64_t counter;
        struct timespec mono = {}, real = {};
        uint32_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t) sizeof(v))
                return v;
        (void) clock_gettime(CLOCK_MONOTONIC, &mono);
        (void) clock_gettime(CLOCK_REALTIME, &real);
        return (uint32_t) (mix((uint64_t) real.tv_nsec ^ ((uint64_t) real.tv_sec << 30) ^ mix((uint64_t) mono.tv_nsec) ^
                               ((uint64_t) getpid() << 32) ^ mix(++counter)) >> 32);
}
