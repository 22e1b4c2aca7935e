/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Incremental replay: random chunkings give the whole-log state, and a log
 * that runs ahead of the quote is cut where the running value matches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ima-fixture.h"
#include "ima-test-replayer.h"
#include "ima-replay.h"
#include "macro.h"

#define ROUNDS 200


static void init_state(ImaReplayState *s) {
        const HashAlg *algs[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        assert_int_equal(ima_replay_state_init(s, algs, 2), 0);
}

/* A small deterministic generator, so that a failing chunking can be replayed. */
static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

/* Feeds data in chunks cut at the given sorted offsets, carrying each
 * unconsumed tail into the next chunk as a caller does. */
static void feed_chunked(ImaReplayState *s, ImaLogFormat f, const uint8_t *data, size_t size,
                         const size_t *cuts, size_t n_cuts) {
        _cleanup_free_ uint8_t *pending = malloc(size + 1);
        size_t n_pending = 0, prev = 0;

        for (size_t i = 0; i <= n_cuts; i++) {
                size_t end = i < n_cuts ? cuts[i] : size, consumed;
                bool final = i == n_cuts;
                memcpy(pending + n_pending, data + prev, end - prev);
                n_pending += end - prev;
                prev = end;
                assert_int_equal(ima_replay_feed(rp, s, f, pending, n_pending, final, NULL, NULL, &consumed), 0);
                memmove(pending, pending + consumed, n_pending - consumed);
                n_pending -= consumed;
        }
        assert_int_equal(n_pending, 0);
}

static int cmp_size(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        return x < y ? -1 : x > y;
}

static void check_random_chunkings(ImaLogFormat f, const uint8_t *data, size_t size) {
        ImaReplayState whole;

        init_state(&whole);
        assert_int_equal(ima_replay_feed(rp, &whole, f, data, size, true, NULL, NULL, NULL), 0);
        assert_true(whole.n_entries > 0);

        for (unsigned round = 0; round < ROUNDS; round++) {
                size_t cuts[64], n_cuts = rng() % ELEMENTSOF(cuts);
                ImaReplayState s;

                for (size_t i = 0; i < n_cuts; i++)
                        cuts[i] = (size_t) (rng() % (size + 1));
                qsort(cuts, n_cuts, sizeof(size_t), cmp_size);
                init_state(&s);
                feed_chunked(&s, f, data, size, cuts, n_cuts);
                assert_int_equal(s.n_entries, whole.n_entries);
                assert_memory_equal(s.banks, whole.banks, sizeof s.banks);
        }
}

static void test_chunked_ascii(void **state) {
        size_t size;
        _cleanup_free_ char *data = fixture_read("ima/rust-keylime/ascii_runtime_measurements", &size);

        check_random_chunkings(IMA_LOG_ASCII, (const uint8_t *) data, size);
}

static void test_chunked_binary(void **state) {
        size_t size;
        _cleanup_free_ char *data = fixture_read("ima/tpm2-tss/sml-ima-ng-sha1.bin", &size);

        check_random_chunkings(IMA_LOG_BINARY, (const uint8_t *) data, size - 1);   /* without the stray byte */
}

/* Offset just after the first k lines. */
static size_t offset_of_line(const char *text, size_t k) {
        const char *p = text;
        for (size_t i = 0; i < k; i++)
                p = strchr(p, '\n') + 1;
        return (size_t) (p - text);
}

/* The quote covers k entries; the log sent has more. */
static void test_log_ahead_of_quote(void **state) {
        size_t size;
        _cleanup_free_ char *text = fixture_read("ima/rust-keylime/ascii_runtime_measurements", &size);
        const uint8_t *data = (const uint8_t *) text;

        for (unsigned round = 0; round < 20; round++) {
                size_t start = rng() % 400, k = start + rng() % 400, consumed;
                size_t o_start = offset_of_line(text, start), o_k = offset_of_line(text, k);
                ImaReplayState stored, quoted_state, s;

                /* The verifier's stored state after `start` entries, and the TPM's after k. */
                init_state(&stored);
                assert_int_equal(ima_replay_feed(rp, &stored, IMA_LOG_ASCII, data, o_start, true, NULL, NULL, NULL), 0);
                init_state(&quoted_state);
                assert_int_equal(ima_replay_feed(rp, &quoted_state, IMA_LOG_ASCII, data, o_k, true, NULL, NULL, NULL), 0);

                /* Only the sha256 bank quoted in even rounds, both otherwise. */
                size_t n_quoted = round % 2 ? 2 : 1;
                const ImaPcrValue *quoted = round % 2 ? quoted_state.banks : quoted_state.banks + 1;

                s = stored;
                assert_int_equal(ima_replay_to_quote(rp, &s, IMA_LOG_ASCII, data + o_start, size - o_start,
                                                     quoted, n_quoted, &consumed), 0);
                assert_int_equal(s.n_entries, k);
                assert_int_equal(consumed, o_k - o_start);
                assert_memory_equal(s.banks, quoted_state.banks, sizeof s.banks);
        }
}

static void test_quote_not_reached(void **state) {
        size_t size, consumed = 12345;
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-sig-scenario/measurements.ascii", &size);
        ImaReplayState s, before;
        ImaPcrValue wrong = { hash_alg_from_name("sha1"), { 1, 2, 3 } }, sm3 = { hash_alg_from_name("sm3_256"), {} };

        init_state(&s);
        before = s;
        assert_int_equal(ima_replay_to_quote(rp, &s, IMA_LOG_ASCII, (const uint8_t *) text, size, &wrong, 1, &consumed),
                         -ENOENT);
        assert_memory_equal(&s, &before, sizeof s);
        assert_int_equal(consumed, 12345);
        assert_int_equal(ima_replay_to_quote(rp, &s, IMA_LOG_ASCII, (const uint8_t *) text, size, &sm3, 1, &consumed),
                         -EINVAL);   /* a bank that is not replayed */

        /* A quote equal to the stored state matches before the first entry. */
        assert_int_equal(ima_replay_to_quote(rp, &s, IMA_LOG_ASCII, (const uint8_t *) text, size, s.banks, 2, &consumed), 0);
        assert_int_equal(consumed, 0);
        assert_int_equal(s.n_entries, 0);
}

/* A state stored as plain values (entries, value per bank) continues as the original. */
static void test_restore(void **state) {
        size_t size;
        _cleanup_free_ char *text = fixture_read("ima/rust-keylime/ascii_runtime_measurements", &size);
        const uint8_t *data = (const uint8_t *) text;
        ImaReplayState a, b, whole;
        ImaPcrValue stored[2];
        size_t cut = offset_of_line(text, 411);

        init_state(&a);
        assert_int_equal(ima_replay_feed(rp, &a, IMA_LOG_ASCII, data, cut, true, NULL, NULL, NULL), 0);
        stored[0] = a.banks[1];   /* another order than the original */
        stored[1] = a.banks[0];
        assert_int_equal(ima_replay_state_restore(&b, a.n_entries, stored, 2), 0);
        assert_int_equal(ima_replay_feed(rp, &b, IMA_LOG_ASCII, data + cut, size - cut, true, NULL, NULL, NULL), 0);
        init_state(&whole);
        assert_int_equal(ima_replay_feed(rp, &whole, IMA_LOG_ASCII, data, size, true, NULL, NULL, NULL), 0);
        assert_int_equal(b.n_entries, whole.n_entries);
        assert_memory_equal(ima_replay_state_bank(&b, stored[0].alg)->value, ima_replay_state_bank(&whole, stored[0].alg)->value, 32);
        assert_memory_equal(ima_replay_state_bank(&b, stored[1].alg)->value, ima_replay_state_bank(&whole, stored[1].alg)->value, 20);

        stored[1] = stored[0];
        assert_int_equal(ima_replay_state_restore(&b, 1, stored, 2), -EINVAL);
        assert_int_equal(ima_replay_state_restore(&b, (uint64_t) IMA_LOG_ENTRIES_MAX + 1, stored, 1), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_chunked_ascii),
                cmocka_unit_test(test_chunked_binary),
                cmocka_unit_test(test_log_ahead_of_quote),
                cmocka_unit_test(test_quote_not_reached),
                cmocka_unit_test(test_restore),
        };
        return cmocka_run_group_tests(tests, replayer_setup, replayer_teardown);
}
