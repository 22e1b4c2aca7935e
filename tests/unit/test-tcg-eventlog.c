/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "fileio.h"
#include "hexdecode.h"
#include "macro.h"
#include "tcg-replay.h"
#include "test-buf.h"

static void put32(Buf *b, uint32_t v) {
        put_le(b, v, 4);
}

static void put16(Buf *b, uint16_t v) {
        put_le(b, v, 2);
}

/* Spec ID event in the legacy header, declaring the given banks. */
static void put_spec_id(Buf *b, size_t n, const uint16_t *ids, const uint16_t *sizes) {
        static const uint8_t zero[20] = {};
        put32(b, 0);
        put32(b, 3);
        put(b, zero, 20);
        put32(b, 16 + 4 + 4 + 4 + 4 * n + 1);
        put(b, "Spec ID Event03", 16);
        put32(b, 0);
        put(b, "\0\2\0\2", 4);
        put32(b, n);
        for (size_t i = 0; i < n; i++) {
                put16(b, ids[i]);
                put16(b, sizes[i]);
        }
        put(b, "", 1);
}

static void put_agile_event(Buf *b, uint32_t pcr, uint32_t type, size_t n, const uint16_t *ids,
                            const uint16_t *sizes, const char *data) {
        uint8_t digest[128];
        put32(b, pcr);
        put32(b, type);
        put32(b, n);
        for (size_t i = 0; i < n; i++) {
                memset(digest, 0x11 * (i + 1), sizeof digest);
                put16(b, ids[i]);
                put(b, digest, sizes[i]);
        }
        put32(b, strlen(data));
        put(b, data, strlen(data));
}

static const uint16_t ids2[] = { TPM2_ALG_ID_SHA1, TPM2_ALG_ID_SHA256 };
static const uint16_t sizes2[] = { 20, 32 };

static int parse(Buf *b, TcgEventLog **log) {
        return tcg_eventlog_parse(b->p, b->n, log);
}

static void test_agile_minimal(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        Buf b = {};
        PcrValues v;

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, ids2, sizes2, "hello");
        assert_int_equal(parse(&b, &log), 0);
        assert_true(log->crypto_agile);
        assert_int_equal(log->n_events, 2);
        assert_int_equal(log->events[1].pcr, 4);
        assert_int_equal(tcg_eventlog_replay(log, &v), 0);
        assert_int_equal(v.n_banks, 2);
        assert_int_equal(v.banks[1].mask, 1u << 4);
        free(b.p);
}

static void test_unknown_algorithm_skipped(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        static const uint16_t ids[] = { 0x0099, TPM2_ALG_ID_SHA256 };
        static const uint16_t sizes[] = { 7, 32 };
        const HashAlg *banks[TCG_EVENT_DIGESTS_MAX];
        Buf b = {};
        PcrValues v;

        put_spec_id(&b, 2, ids, sizes);
        put_agile_event(&b, 0, EV_S_CRTM_VERSION, 2, ids, sizes, "v");
        assert_int_equal(parse(&b, &log), 0);
        assert_int_equal(tcg_eventlog_banks(log, banks), 1);
        assert_string_equal(banks[0]->name, "sha256");
        assert_null(log->events[1].digests[0].alg);
        assert_int_equal(log->events[1].digests[0].size, 7);
        assert_int_equal(tcg_eventlog_replay(log, &v), 0);
        assert_int_equal(v.n_banks, 1);
        free(b.p);
}

static void expect_parse(Buf *b, int error) {
        TcgEventLog *log = NULL;
        assert_int_equal(parse(b, &log), error);
        assert_null(log);
        free(b->p);
        *b = (Buf) {};
}

static void test_empty_and_garbage(void **state) {
        Buf b = {};
        expect_parse(&b, -ENODATA);
        put(&b, "bogus\ninvalid\nevent\nlog\nfile\nhere\n", 34);
        expect_parse(&b, -E2BIG);   /* "bogus…" read as EventSize is far above the limit */
        put(&b, "abc", 3);
        expect_parse(&b, -EBADMSG);
}

static void test_truncated(void **state) {
        Buf b = {};
        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, ids2, sizes2, "hello");
        b.n -= 1;                        /* data cut */
        expect_parse(&b, -EBADMSG);

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, ids2, sizes2, "hello");
        b.n -= 5 + 4 + 10;               /* in the last digest */
        expect_parse(&b, -EBADMSG);
}

static void test_spec_id_malformed(void **state) {
        static const uint16_t dup[] = { TPM2_ALG_ID_SHA1, TPM2_ALG_ID_SHA1 };
        static const uint16_t bad_size[] = { 20, 31 };
        uint16_t many_ids[TCG_EVENT_DIGESTS_MAX + 1], many_sizes[TCG_EVENT_DIGESTS_MAX + 1];
        Buf b = {};

        put_spec_id(&b, 0, NULL, NULL);
        expect_parse(&b, -EBADMSG);      /* no algorithm */
        put_spec_id(&b, 2, dup, sizes2);
        expect_parse(&b, -EBADMSG);      /* repeated algorithm */
        put_spec_id(&b, 2, ids2, bad_size);
        expect_parse(&b, -EBADMSG);      /* sha256 declared with 31 bytes */
        for (size_t i = 0; i < ELEMENTSOF(many_ids); i++) {
                many_ids[i] = 0x100 + i;
                many_sizes[i] = 4;
        }
        put_spec_id(&b, ELEMENTSOF(many_ids), many_ids, many_sizes);
        expect_parse(&b, -E2BIG);        /* TCG_EVENT_DIGESTS_MAX */
}

static void test_event_digests_malformed(void **state) {
        static const uint16_t other[] = { TPM2_ALG_ID_SHA384 };
        static const uint16_t other_size[] = { 48 };
        static const uint16_t twice[] = { TPM2_ALG_ID_SHA1, TPM2_ALG_ID_SHA1 };
        static const uint16_t ids3[] = { TPM2_ALG_ID_SHA1, TPM2_ALG_ID_SHA256, TPM2_ALG_ID_SHA1 };
        static const uint16_t sizes3[] = { 20, 32, 20 };
        Buf b = {};

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 1, other, other_size, "x");
        expect_parse(&b, -EBADMSG);      /* bank not declared */
        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, twice, sizes2, "x");
        expect_parse(&b, -EBADMSG);      /* bank twice */
        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 3, ids3, sizes3, "x");
        expect_parse(&b, -EBADMSG);      /* more digests than banks */
        put_spec_id(&b, 2, ids2, sizes2);
        put32(&b, 4);
        put32(&b, EV_EFI_ACTION);
        put32(&b, TCG_EVENT_DIGESTS_MAX + 1);
        expect_parse(&b, -E2BIG);        /* TCG_EVENT_DIGESTS_MAX */
}

static void test_event_limits(void **state) {
        static const uint8_t zero[20] = {};
        Buf b = {};

        put_spec_id(&b, 2, ids2, sizes2);
        put32(&b, 4);
        put32(&b, EV_EFI_ACTION);
        put32(&b, 0);
        put32(&b, TCG_EVENT_DATA_SIZE_MAX + 1);
        expect_parse(&b, -E2BIG);        /* TCG_EVENT_DATA_SIZE_MAX */

        for (size_t i = 0; i <= TCG_EVENTLOG_EVENTS_MAX; i++) {
                put32(&b, 1);
                put32(&b, EV_POST_CODE);
                put(&b, zero, 20);
                put32(&b, 0);
        }
        expect_parse(&b, -E2BIG);        /* TCG_EVENTLOG_EVENTS_MAX */
}

static void test_pcr_index(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        Buf b = {};

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 24, EV_EFI_ACTION, 2, ids2, sizes2, "x");
        expect_parse(&b, -EBADMSG);      /* an extended PCR beyond 23 */

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 0xFFFFFFFF, EV_NO_ACTION, 2, ids2, sizes2, "x");
        assert_int_equal(parse(&b, &log), 0);   /* EV_NO_ACTION extends nothing */
        free(b.p);
}

static void test_startup_locality_and_padding(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        static const uint8_t pad[64] = {};
        uint8_t initial[32];
        Buf b = {};
        PcrValues v;

        put_spec_id(&b, 2, ids2, sizes2);
        put32(&b, 0);
        put32(&b, EV_NO_ACTION);
        put32(&b, 0);
        put32(&b, 17);
        put(&b, "StartupLocality\0\3", 17);
        put_agile_event(&b, 0, EV_S_CRTM_VERSION, 2, ids2, sizes2, "v");
        put(&b, pad, sizeof pad);
        assert_int_equal(parse(&b, &log), 0);
        assert_true(log->has_startup_locality);
        assert_int_equal(log->startup_locality, 3);
        assert_int_equal(log->padding, sizeof pad);
        tcg_pcr_initial_value(log, hash_alg_from_name("sha256"), 0, initial);
        assert_int_equal(initial[31], 3);
        assert_int_equal(initial[0], 0);
        assert_int_equal(tcg_eventlog_replay(log, &v), 0);
        free(b.p);
}

static void test_mismatch_names_events(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        TcgCompareResult res;
        PcrValues v, q = {};
        Buf b = {};

        put_spec_id(&b, 2, ids2, sizes2);
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, ids2, sizes2, "one");
        put_agile_event(&b, 5, EV_EFI_ACTION, 2, ids2, sizes2, "two");
        put_agile_event(&b, 4, EV_EFI_ACTION, 2, ids2, sizes2, "three");
        assert_int_equal(parse(&b, &log), 0);
        assert_int_equal(tcg_eventlog_replay(log, &v), 0);
        q = v;
        q.banks[1].values[4][0] ^= 1;
        assert_int_equal(tcg_eventlog_compare(log, &q, TCG_UEFI_PCR_MASK, 0, &res), 0);
        assert_int_equal(res.n_compared, 4);
        assert_int_equal(res.n_mismatches, 1);
        assert_int_equal(res.mismatches[0].pcr, 4);
        assert_string_equal(res.mismatches[0].alg->name, "sha256");
        assert_int_equal(res.mismatches[0].n_events, 2);
        assert_int_equal(res.mismatches[0].events[0], 1);
        assert_int_equal(res.mismatches[0].events[1], 3);
        tcg_compare_result_done(&res);
        free(b.p);
}

static char *data_path(const char *rel) {
        const char *root = getenv("ATTEST_TEST_DATA");
        char *p;
        assert_non_null(root);
        assert_true(asprintf(&p, "%s/eventlog/%s", root, rel) > 0);
        return p;
}

static TcgEventLog *load_log(const char *rel) {
        _cleanup_free_ char *path = data_path(rel);
        _cleanup_free_ uint8_t *data = NULL;
        TcgEventLog *log = NULL;
        size_t size;

        assert_int_equal(read_full_file(path, TCG_EVENTLOG_SIZE_MAX, &data, &size), 0);
        assert_int_equal(tcg_eventlog_parse(data, size, &log), 0);
        return log;
}

static void load_golden(const char *rel, PcrValues *ret) {
        _cleanup_free_ char *path = data_path(rel);
        _cleanup_free_ uint8_t *text = NULL;
        size_t size;

        assert_int_equal(read_full_file(path, PCR_VALUES_SIZE_MAX, &text, &size), 0);
        assert_int_equal(pcr_values_from_json((const char *) text, size, ret), 0);
}

static void compare_golden(const char *log_rel, const char *golden_rel, TcgCompareFlags flags, size_t min_compared) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log(log_rel);
        TcgCompareResult res;
        PcrValues golden;

        load_golden(golden_rel, &golden);
        /* every PCR of the golden file except IMA's PCR 10 */
        assert_int_equal(tcg_eventlog_compare(log, &golden, 0xFFFFFF & ~(1u << 10), flags, &res), 0);
        if (res.n_mismatches > 0)
                fprintf(stderr, "%s: PCR %u (%s) differs\n", log_rel, res.mismatches[0].pcr, res.mismatches[0].alg->name);
        assert_int_equal(res.n_mismatches, 0);
        assert_true(res.n_compared >= min_compared);
        tcg_compare_result_done(&res);
}

static void test_goldens(void **state) {
        static const char *const go_tpm_tools[] = {
                "arch-linux-workstation", "confidential-gke-debug-251000_eventlog", "cos-85-amd-sev",
                "cos-93-amd-sev", "eventlogwithsp800155", "glinux-alex", "ubuntu-1804-amd-sev",
                "ubuntu-2104-no-dbx", "ubuntu-2104-no-secure-boot", "ubuntu-2404-amd-sevsnp",
        };
        for (size_t i = 0; i < ELEMENTSOF(go_tpm_tools); i++) {
                _cleanup_free_ char *l = NULL, *g = NULL;
                assert_true(asprintf(&l, "go-tpm-tools/%s.bin", go_tpm_tools[i]) > 0);
                assert_true(asprintf(&g, "go-tpm-tools/%s.expected.json", go_tpm_tools[i]) > 0);
                compare_golden(l, g, 0, 8);
        }
        compare_golden("go-attestation/option_rom_eventlog", "go-attestation/option_rom_eventlog.expected.json", 0, 8);
        compare_golden("go-attestation/sb_cert_eventlog", "go-attestation/sb_cert_eventlog.expected.json", 0, 46);
        /* TPM 1.2: every PCR but IMA's quoted */
        compare_golden("go-attestation/linux_tpm12.bin", "go-attestation/linux_tpm12.expected.json", 0, 23);
}

static void test_ebs_workaround(void **state) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = load_log("go-attestation/ebs_event_missing_eventlog");
        TcgCompareResult res;
        PcrValues golden;

        load_golden("go-attestation/ebs_event_missing_eventlog.expected.json", &golden);
        /* the firmware did not log what it extended: a plain replay differs in PCR 5 */
        assert_int_equal(tcg_eventlog_compare(log, &golden, TCG_UEFI_PCR_MASK, 0, &res), 0);
        assert_int_equal(res.n_compared, 1);   /* the sha256 value has no bank in a SHA-1 log */
        assert_int_equal(res.n_mismatches, 1);
        assert_int_equal(res.mismatches[0].pcr, 5);
        assert_true(res.mismatches[0].n_events > 0);
        tcg_compare_result_done(&res);
        assert_int_equal(tcg_eventlog_compare(log, &golden, TCG_UEFI_PCR_MASK, TCG_COMPARE_EBS_WORKAROUND, &res), 0);
        assert_int_equal(res.n_mismatches, 0);
        assert_true(res.ebs_workaround);
        tcg_compare_result_done(&res);
}

static void test_pcr_values_json(void **state) {
        PcrValues v;
        const char *ok = "{\"pcrs\": {\"sha1\": {\"7\": \"0000000000000000000000000000000000000001\"}}}\n";
        assert_int_equal(pcr_values_from_json(ok, strlen(ok), &v), 0);
        assert_int_equal(v.banks[0].mask, 1u << 7);
        assert_int_equal(v.banks[0].values[7][19], 1);
        const char *last = "{\"pcrs\": {\"sha1\": {\"31\": \"0000000000000000000000000000000000000002\"}}}";
        assert_int_equal(pcr_values_from_json(last, strlen(last), &v), 0);
        assert_int_equal(v.banks[0].mask, 1u << 31);
        assert_int_equal(v.banks[0].values[31][19], 2);
        static const char *const bad[] = {
                "{}", "[]", "{\"pcrs\": {\"md5\": {}}}", "{\"pcrs\": {\"sha1\": {\"32\": \"0000000000000000000000000000000000000001\"}}}",
                "{\"pcrs\": {\"sha1\": {\"1\": \"00\"}}}", "{\"pcrs\": {\"sha1\": {\"x\": \"00\"}}}",
                "{\"pcrs\": {}} x", "{\"pcrs\": {\"sha1\": {\"1\": 5}}}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(pcr_values_from_json(bad[i], strlen(bad[i]), &v), -EBADMSG);
        assert_int_equal(pcr_values_from_json(ok, PCR_VALUES_SIZE_MAX + 1, &v), -E2BIG);   /* PCR_VALUES_SIZE_MAX */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_agile_minimal),
                cmocka_unit_test(test_unknown_algorithm_skipped),
                cmocka_unit_test(test_empty_and_garbage),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_spec_id_malformed),
                cmocka_unit_test(test_event_digests_malformed),
                cmocka_unit_test(test_event_limits),
                cmocka_unit_test(test_pcr_index),
                cmocka_unit_test(test_startup_locality_and_padding),
                cmocka_unit_test(test_mismatch_names_events),
                cmocka_unit_test(test_goldens),
                cmocka_unit_test(test_ebs_workaround),
                cmocka_unit_test(test_pcr_values_json),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
