/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "hexdecode.h"
#include "ima-fixture.h"
#include "ima-test-replayer.h"
#include "ima-replay.h"
#include "macro.h"


static void init_state(ImaReplayState *s) {
        const HashAlg *algs[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        assert_int_equal(ima_replay_state_init(s, algs, 2), 0);
}

static int feed_text(ImaReplayState *s, const char *text, size_t *consumed) {
        return ima_replay_feed(rp, s, IMA_LOG_ASCII, (const uint8_t *) text, strlen(text), true, NULL, NULL, consumed);
}

static void assert_bank_hex(const ImaReplayState *s, const char *alg, const char *hex) {
        const ImaPcrValue *b = ima_replay_state_bank(s, hash_alg_from_name(alg));
        _cleanup_free_ char *got = NULL;

        assert_non_null(b);
        got = hex_encode(b->value, b->alg->size);
        assert_string_equal(got, hex);
}

/* The golden PCR 10 of keylime's ima-sig scenario (EXPECTED.md). */
static void test_measurements_golden(void **state) {
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-sig-scenario/measurements.ascii", NULL);
        ImaReplayState s;
        size_t consumed;

        init_state(&s);
        assert_int_equal(feed_text(&s, text, &consumed), 0);
        assert_int_equal(s.n_entries, 3);
        assert_int_equal(consumed, strlen(text));
        assert_bank_hex(&s, "sha1", "dff39e2db052e00d11f45770bb127c4053e14f32");
}

/* extend(0, H(template data)) per bank, computed by hand. */
static void test_extend_by_hand(void **state) {
        static const char line[] = "10 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng "
                                   "sha1:19f13b42c2745066347e76454788c0fe083643f3 /init\n";
        static ImaEntryBuffer b;
        uint8_t buf[64 + 64], h[64];
        ImaReplayState s;
        ImaEntry e;

        init_state(&s);
        assert_int_equal(ima_entry_parse_ascii(line, strlen(line) - 1, &b, &e), 0);
        assert_int_equal(feed_text(&s, line, NULL), 0);
        for (size_t i = 0; i < s.n_banks; i++) {
                const HashAlg *alg = s.banks[i].alg;
                memset(buf, 0, alg->size);
                assert_int_equal(hash_alg_digest(alg, e.template_data, e.template_data_size, buf + alg->size), 0);
                assert_int_equal(hash_alg_digest(alg, buf, 2 * alg->size, h), 0);
                assert_memory_equal(s.banks[i].value, h, alg->size);
        }
}

static void test_violation_extends_ff(void **state) {
        ImaReplayState s;
        uint8_t buf[128], h[64];

        init_state(&s);
        assert_int_equal(feed_text(&s, "10 0000000000000000000000000000000000000000 ima-ng "
                                       "sha1:0000000000000000000000000000000000000000 /var/log/x\n", NULL), 0);
        assert_int_equal(s.n_entries, 1);
        for (size_t i = 0; i < s.n_banks; i++) {
                const HashAlg *alg = s.banks[i].alg;
                memset(buf, 0, alg->size);
                memset(buf + alg->size, 0xff, alg->size);
                assert_int_equal(hash_alg_digest(alg, buf, 2 * alg->size, h), 0);
                assert_memory_equal(s.banks[i].value, h, alg->size);
        }
}

static void test_other_pcr_not_extended(void **state) {
        ImaReplayState s, zero;

        init_state(&s);
        init_state(&zero);
        assert_int_equal(feed_text(&s, "11 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng "
                                       "sha1:19f13b42c2745066347e76454788c0fe083643f3 /init\n", NULL), 0);
        assert_int_equal(s.n_entries, 1);
        assert_memory_equal(s.banks, zero.banks, sizeof s.banks);
}

static void test_template_hash_mismatch(void **state) {
        _cleanup_free_ char *text = fixture_read("ima/keylime/ima-sig-scenario/measurements.ascii", NULL);
        char *second = strchr(text, '\n') + 1;
        ImaReplayState s;
        size_t consumed;

        second[60] = second[60] == 'a' ? 'b' : 'a';   /* inside the file digest */
        init_state(&s);
        assert_int_equal(feed_text(&s, text, &consumed), -EUCLEAN);
        assert_int_equal(s.n_entries, 1);
        assert_int_equal(consumed, (size_t) (second - text));
}

static void test_entry_limit(void **state) {
        ImaReplayState s;

        init_state(&s);
        s.n_entries = IMA_LOG_ENTRIES_MAX;
        assert_int_equal(feed_text(&s, "10 c156ebdcbfcd28fe1060ef4cdec0aab04d3a9b63 ima-ng "
                                       "sha1:19f13b42c2745066347e76454788c0fe083643f3 /init\n", NULL), -E2BIG);
}

static void test_state_init(void **state) {
        const HashAlg *dup[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha1") };
        const HashAlg *five[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256"),
                                  hash_alg_from_name("sha384"), hash_alg_from_name("sha512"), NULL };
        ImaReplayState s;

        assert_int_equal(ima_replay_state_init(&s, dup, 2), -EINVAL);
        assert_int_equal(ima_replay_state_init(&s, five, 0), -EINVAL);
        assert_int_equal(ima_replay_state_init(&s, five, 5), -EINVAL);
        assert_int_equal(ima_replay_state_init(&s, five, 4), 0);
        assert_null(ima_replay_state_bank(&s, hash_alg_from_name("sm3_256")));
}

typedef struct LogCase {
        const char *path;
        int result;          /* of a final feed of the whole file */
        uint64_t entries;    /* replayed before the result */
} LogCase;

/* Every IMA log of the fixtures, with what it must give. */
static void test_all_fixture_logs(void **state) {
        static const LogCase cases[] = {
                { "ima/rust-keylime/ascii_runtime_measurements", 0, 826 },
                { "ima/rust-keylime/empty_ima_log.txt", 0, 0 },
                { "ima/rust-keylime/ima_log.txt", 0, 1 },
                { "ima/rust-keylime/invalid_ima_log.txt", -EBADMSG, 0 },
                { "ima/keylime/create-runtime-policy/ima-log-sha1", 0, 2 },
                { "ima/keylime/create-runtime-policy/ima-log-sha256", 0, 2 },
                { "ima/keylime/create-runtime-policy/ima-log-sha384", 0, 2 },
                { "ima/keylime/create-runtime-policy/ima-log-sm3_256", 0, 2 },
                /* the "unknown:" digest was written by hand: its template hash is no digest of the data */
                { "ima/keylime/create-runtime-policy/ima-log-unknown", -EUCLEAN, 1 },
                { "ima/keylime/ima-ast/valid_entries.ascii", 0, 6 },
                { "ima/keylime/ima-ast/invalid_entries.ascii", -EPROTONOSUPPORT, 0 },
                { "ima/keylime/ima-sig-scenario/measurements.ascii", 0, 3 },
                { "ima/keylime/ima-sig-scenario/signatures.ascii", 0, 2 },
                { "ima/keylime/ima-sig-scenario/keyrings_ima-buf.ascii", 0, 1 },
                /* the signature was altered after measuring: data and template hash disagree */
                { "ima/keylime/ima-sig-scenario/bad_signatures.ascii", -EUCLEAN, 0 },
                { "ima/tpm2-tss/sml-ima-ng-sha1.bin", -EBADMSG, 6 },              /* one stray byte at the end */
                { "ima/tpm2-tss/sml-ima-ng-sha1-invalidated.bin", -EBADMSG, 0 },  /* one byte short */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t size, consumed;
                _cleanup_free_ char *data = fixture_read(cases[i].path, &size);
                ImaLogFormat f = ima_log_guess_format((const uint8_t *) data, size);
                ImaReplayState s;

                if (strstr(cases[i].path, "sm3") && !hash_alg_md(hash_alg_from_name("sm3_256")))
                        continue;   /* OpenSSL without SM3 */
                init_state(&s);
                int r = ima_replay_feed(rp, &s, f, (const uint8_t *) data, size, true, NULL, NULL, &consumed);
                if (r != cases[i].result || s.n_entries != cases[i].entries)
                        fail_msg("%s: %d after %" PRIu64 " entries", cases[i].path, r, s.n_entries);
                assert_int_equal(f, strstr(cases[i].path, ".bin") ? IMA_LOG_BINARY : IMA_LOG_ASCII);
        }
}

/* The binary list fed without its stray byte, and not final, stops cleanly before it. */
static void test_binary_incomplete_tail(void **state) {
        size_t size, consumed;
        _cleanup_free_ char *data = fixture_read("ima/tpm2-tss/sml-ima-ng-sha1.bin", &size);
        ImaReplayState s;

        init_state(&s);
        assert_int_equal(ima_replay_feed(rp, &s, IMA_LOG_BINARY, (const uint8_t *) data, size, false, NULL, NULL,
                                         &consumed), 0);
        assert_int_equal(s.n_entries, 6);
        assert_int_equal(consumed, size - 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_measurements_golden),
                cmocka_unit_test(test_extend_by_hand),
                cmocka_unit_test(test_violation_extends_ff),
                cmocka_unit_test(test_other_pcr_not_extended),
                cmocka_unit_test(test_template_hash_mismatch),
                cmocka_unit_test(test_entry_limit),
                cmocka_unit_test(test_state_init),
                cmocka_unit_test(test_all_fixture_logs),
                cmocka_unit_test(test_binary_incomplete_tail),
        };
        return cmocka_run_group_tests(tests, replayer_setup, replayer_teardown);
}
