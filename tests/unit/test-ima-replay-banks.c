/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bank selection: a log replayed into the sha256 bank alone gives the sha256
 * PCR 10 of the full replay, the other bank is neither reported nor accepted,
 * the written template hash is checked whenever a bank of its size is
 * replayed, and what it no longer checks is still bound by the replayed bank. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ima-fixture.h"
#include "ima-test-replayer.h"
#include "ima-replay.h"
#include "macro.h"

#define LOG "ima/rust-keylime/ascii_runtime_measurements"

static const HashAlg *sha1(void) {
        return hash_alg_from_name("sha1");
}

static const HashAlg *sha256(void) {
        return hash_alg_from_name("sha256");
}

static void init_full(ImaReplayState *s) {
        const HashAlg *algs[] = { sha1(), sha256() };
        assert_int_equal(ima_replay_state_init(s, algs, ELEMENTSOF(algs)), 0);
}

static void init_one(ImaReplayState *s, const HashAlg *alg) {
        assert_int_equal(ima_replay_state_init(s, &alg, 1), 0);
}

static int feed(ImaReplayState *s, const char *data, size_t size, bool final) {
        ImaLogFormat f = ima_log_guess_format((const uint8_t *) data, size);
        return ima_replay_feed(rp, s, f, (const uint8_t *) data, size, final, NULL, NULL, NULL);
}

/* The offset of line k (0-based) of an ascii log. */
static char *line_at(char *text, size_t k) {
        char *p = text;
        for (size_t i = 0; i < k; i++) {
                p = strchr(p, '\n');
                assert_non_null(p);
                p++;
        }
        return p;
}

typedef struct BankCase {
        const char *path;
        bool final;          /* false: the binary list with one stray byte at its end */
        uint64_t entries;
} BankCase;

/* Every fixture the full replay accepts: same entries, same sha256 value. */
static void test_sha256_only_equals_full(void **state) {
        static const BankCase cases[] = {
                { LOG, true, 826 },
                { "ima/rust-keylime/ima_log.txt", true, 1 },
                { "ima/keylime/ima-ast/valid_entries.ascii", true, 6 },
                { "ima/keylime/ima-sig-scenario/measurements.ascii", true, 3 },
                { "ima/keylime/ima-sig-scenario/signatures.ascii", true, 2 },
                { "ima/keylime/ima-sig-scenario/keyrings_ima-buf.ascii", true, 1 },
                { "ima/keylime/create-runtime-policy/ima-log-sha256", true, 2 },
                { "ima/keylime/create-runtime-policy/ima-log-sm3_256", true, 2 },   /* 32-byte template hashes */
                { "ima/tpm2-tss/sml-ima-ng-sha1.bin", false, 6 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t size;
                _cleanup_free_ char *data = fixture_read(cases[i].path, &size);
                ImaReplayState full, one;

                if (strstr(cases[i].path, "sm3") && !hash_alg_md(hash_alg_from_name("sm3_256")))
                        continue;   /* OpenSSL without SM3 */
                init_full(&full);
                init_one(&one, sha256());
                if (feed(&full, data, size, cases[i].final) != 0 || feed(&one, data, size, cases[i].final) != 0)
                        fail_msg("%s does not replay", cases[i].path);
                assert_int_equal(full.n_entries, cases[i].entries);
                assert_int_equal(one.n_entries, full.n_entries);
                assert_int_equal(one.n_banks, 1);
                assert_memory_equal(ima_replay_state_bank(&one, sha256())->value,
                                    ima_replay_state_bank(&full, sha256())->value, 32);
        }
}

/* The sha1 value of a sha256-only replay is not known: not reported, and a
 * quote of it is refused rather than compared. */
static void test_unselected_bank(void **state) {
        size_t size, consumed = 4321;
        _cleanup_free_ char *data = fixture_read(LOG, &size);
        ImaReplayState full, one, before;

        init_full(&full);
        assert_int_equal(feed(&full, data, size, true), 0);
        init_one(&one, sha256());
        before = one;

        assert_null(ima_replay_state_bank(&one, sha1()));
        assert_int_equal(ima_replay_to_quote(rp, &one, IMA_LOG_ASCII, (const uint8_t *) data, size,
                                             ima_replay_state_bank(&full, sha1()), 1, &consumed), -EINVAL);
        assert_memory_equal(&one, &before, sizeof one);
        assert_int_equal(consumed, 4321);

        /* Both banks quoted: refused too, as the sha1 one cannot be compared. */
        assert_int_equal(ima_replay_to_quote(rp, &one, IMA_LOG_ASCII, (const uint8_t *) data, size,
                                             full.banks, 2, &consumed), -EINVAL);

        assert_int_equal(ima_replay_to_quote(rp, &one, IMA_LOG_ASCII, (const uint8_t *) data, size,
                                             ima_replay_state_bank(&full, sha256()), 1, &consumed), 0);
        assert_int_equal(one.n_entries, 826);
        assert_int_equal(consumed, size);
        assert_null(ima_replay_state_bank(&one, sha1()));
}

/* A written template hash with one digit changed: caught wherever the sha1
 * bank is replayed; beside sha256 alone it reaches no PCR, so the replay
 * gives the true value. */
static void test_corrupt_template_hash(void **state) {
        size_t size;
        _cleanup_free_ char *data = fixture_read(LOG, &size), *orig = strdup(data);
        char *line = line_at(data, 100);
        ImaReplayState s, truth;

        line[3 + 17] = line[3 + 17] == '0' ? '1' : '0';   /* "10 <40 hex> …" */

        init_one(&s, sha1());
        assert_int_equal(feed(&s, data, size, true), -EUCLEAN);
        assert_int_equal(s.n_entries, 100);
        init_full(&s);
        assert_int_equal(feed(&s, data, size, true), -EUCLEAN);
        assert_int_equal(s.n_entries, 100);

        init_one(&s, sha256());
        assert_int_equal(feed(&s, data, size, true), 0);
        init_one(&truth, sha256());
        assert_int_equal(feed(&truth, orig, size, true), 0);
        assert_memory_equal(s.banks[0].value, truth.banks[0].value, 32);
}

/* Changed template data with its old template hash: the sha256-only replay
 * does not look at the hash, but the data reaches the sha256 bank, so the log
 * no longer replays to the quote of the true one. */
static void test_corrupt_template_data(void **state) {
        size_t size, consumed;
        _cleanup_free_ char *data = fixture_read(LOG, &size), *orig = strdup(data);
        char *line = line_at(data, 200), *slash = strchr(line, '/');
        ImaReplayState s, truth;

        assert_non_null(slash);
        slash[1] ^= 1;   /* another file name */

        init_full(&s);
        assert_int_equal(feed(&s, data, size, true), -EUCLEAN);

        init_one(&truth, sha256());
        assert_int_equal(feed(&truth, orig, size, true), 0);
        init_one(&s, sha256());
        assert_int_equal(feed(&s, data, size, true), 0);
        assert_memory_not_equal(s.banks[0].value, truth.banks[0].value, 32);

        init_one(&s, sha256());
        assert_int_equal(ima_replay_to_quote(rp, &s, IMA_LOG_ASCII, (const uint8_t *) data, size, truth.banks, 1,
                                             &consumed), -ENOENT);
        assert_int_equal(s.n_entries, 0);
}

/* The written hash still decides whether an entry is a violation, and that
 * is bound: a measurement turned into a violation, or the reverse, replays
 * to another sha256 value. */
static void test_violation_bound(void **state) {
        static const char violation[] = "10 0000000000000000000000000000000000000000 ima-ng "
                                         "sha1:0000000000000000000000000000000000000000 /var/log/x\n";
        size_t size;
        _cleanup_free_ char *data = fixture_read(LOG, &size), *orig = strdup(data);
        char *line = line_at(data, 300), text[sizeof violation];
        ImaReplayState s, truth;

        memset(line + 3, '0', 40);
        init_one(&truth, sha256());
        assert_int_equal(feed(&truth, orig, size, true), 0);
        init_one(&s, sha256());
        assert_int_equal(feed(&s, data, size, true), 0);
        assert_memory_not_equal(s.banks[0].value, truth.banks[0].value, 32);

        memcpy(text, violation, sizeof violation);
        init_one(&truth, sha256());
        assert_int_equal(feed(&truth, text, strlen(text), true), 0);
        text[3] = '1';
        init_one(&s, sha256());
        assert_int_equal(feed(&s, text, strlen(text), true), 0);
        assert_memory_not_equal(s.banks[0].value, truth.banks[0].value, 32);
}

/* Fixtures whose template hash is no digest of the data: refused when a
 * bank of the hash's size is replayed, replayed without one (the data is
 * what the replayed bank binds). */
static void test_wrong_hash_fixtures(void **state) {
        static const struct {
                const char *path;
                const char *checking, *other;   /* a bank of the written hash's size, one of another */
                uint64_t bad_entry, entries;
        } cases[] = {
                { "ima/keylime/create-runtime-policy/ima-log-unknown", "sha256", "sha1", 1, 2 },
                { "ima/keylime/ima-sig-scenario/bad_signatures.ascii", "sha1", "sha256", 0, 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t size;
                _cleanup_free_ char *data = fixture_read(cases[i].path, &size);
                ImaReplayState s;

                init_one(&s, hash_alg_from_name(cases[i].checking));
                assert_int_equal(feed(&s, data, size, true), -EUCLEAN);
                assert_int_equal(s.n_entries, cases[i].bad_entry);
                init_one(&s, hash_alg_from_name(cases[i].other));
                assert_int_equal(feed(&s, data, size, true), 0);
                assert_int_equal(s.n_entries, cases[i].entries);
        }
}

/* A stored two-bank state narrowed to sha256 continues as a sha256-only replay. */
static void test_state_select(void **state) {
        const HashAlg *only256[] = { sha256() }, *swapped[] = { sha256(), sha1() }, *dup[] = { sha1(), sha1() };
        const HashAlg *sm3[] = { hash_alg_from_name("sm3_256") }, *none[] = { NULL };
        size_t size;
        _cleanup_free_ char *data = fixture_read(LOG, &size);
        size_t cut = (size_t) (line_at(data, 411) - data);
        ImaReplayState s, before, one, copy;

        init_full(&s);
        assert_int_equal(feed(&s, data, cut, true), 0);
        before = s;

        copy = s;
        assert_int_equal(ima_replay_state_select(&copy, swapped, 2), 0);
        assert_true(copy.banks[0].alg == sha256() && copy.banks[1].alg == sha1());
        assert_memory_equal(copy.banks[0].value, s.banks[1].value, 32);

        assert_int_equal(ima_replay_state_select(&s, sm3, 1), -ENOENT);
        assert_int_equal(ima_replay_state_select(&s, dup, 2), -EINVAL);
        assert_int_equal(ima_replay_state_select(&s, none, 1), -EINVAL);
        assert_int_equal(ima_replay_state_select(&s, only256, 0), -EINVAL);
        assert_memory_equal(&s, &before, sizeof s);

        assert_int_equal(ima_replay_state_select(&s, only256, 1), 0);
        assert_int_equal(s.n_banks, 1);
        assert_int_equal(s.n_entries, 411);
        assert_null(ima_replay_state_bank(&s, sha1()));
        assert_int_equal(feed(&s, data + cut, size - cut, true), 0);

        init_one(&one, sha256());
        assert_int_equal(feed(&one, data, size, true), 0);
        assert_int_equal(s.n_entries, one.n_entries);
        assert_memory_equal(s.banks[0].value, one.banks[0].value, 32);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sha256_only_equals_full),
                cmocka_unit_test(test_unselected_bank),
                cmocka_unit_test(test_corrupt_template_hash),
                cmocka_unit_test(test_corrupt_template_data),
                cmocka_unit_test(test_violation_bound),
                cmocka_unit_test(test_wrong_hash_fixtures),
                cmocka_unit_test(test_state_select),
        };
        return cmocka_run_group_tests(tests, replayer_setup, replayer_teardown);
}
