/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "attest-verdict.h"
#include "hexdecode.h"
#include "tpm2-public.h"
#include "evidence-test-node.h"

#define IMA_LINES 826u

static TestNode node;

static int setup(void **state) {
        test_node_init(&node, IMA_LINES);
        test_node_quote(&node);
        return 0;
}

static int teardown(void **state) {
        test_node_done(&node);
        return 0;
}

/* Validates in and expects a broken chain with reason. */
static ValidationFailure expect_broken(const ValidationInput *in, ValidationReason reason) {
        ValidatedEvidence *ev = NULL;
        ValidationFailure f = {};

        assert_int_equal(evidence_validate(in, NULL, &ev, &f), 1);
        assert_null(ev);
        assert_string_equal(validation_reason_to_string(f.reason), validation_reason_to_string(reason));
        assert_true(f.detail[0] != 0);
        return f;
}

static void test_valid_full(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev = NULL;
        ValidationFailure f = {};

        in.required_pcr_mask = TCG_UEFI_PCR_MASK & node.pcrs.banks[0].mask;
        assert_int_equal(evidence_validate(&in, NULL, &ev, &f), 0);
        assert_non_null(ev->uefi_log);
        assert_true(ev->has_ima);
        assert_int_equal(validated_evidence_ima_first(ev), 0);
        assert_int_equal(validated_evidence_ima_count(ev), IMA_LINES);
        assert_int_equal(ev->ima_consumed, node.ima_size);
        assert_int_equal(ev->clock_info.reset_count, 5);
        assert_int_equal(ev->quote_hash_alg, TPM2_ALG_SHA256);
        assert_int_equal(ev->pcrs.n_banks, node.pcrs.n_banks);
}

static int count_entry(const ImaEntry *e, uint64_t no, void *userdata) {
        uint64_t *expect = userdata;

        assert_int_equal(no, *expect);
        (*expect)++;
        return 0;
}

/* The log runs ahead of the first quote; the second push starts where the first stopped. */
/* The node's next push, a fresh quote of its current PCRs, against the state prev left. */
static void validate_next_push(TestNode *n, const ValidatedEvidence *prev, ValidatedEvidence **ret) {
        ValidationFailure f = {};

        n->nonce[0] ^= 1;
        n->clock.clock += 5000;
        test_node_quote(n);
        ValidationInput in = test_node_input(n, prev->ima_consumed, &prev->ima_state);
        in.previous_clock = &prev->clock_info;
        assert_int_equal(evidence_validate(&in, NULL, ret, &f), 0);
}

static void test_incremental(void **state) {
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev1 = NULL, *ev2 = NULL;
        ValidationFailure f = {};
        TestNode n;
        uint64_t next;

        test_node_init(&n, 300);
        test_node_quote(&n);
        ValidationInput in = test_node_input(&n, 0, NULL);
        assert_int_equal(evidence_validate(&in, NULL, &ev1, &f), 0);
        assert_int_equal(validated_evidence_ima_count(ev1), 300);
        assert_int_equal(ev1->ima_consumed, test_lines_size(n.ima, 300));
        next = 0;
        assert_int_equal(validated_evidence_ima_foreach(ev1, count_entry, &next), 0);
        assert_int_equal(next, 300);

        test_node_set_ima(&n, IMA_LINES);
        validate_next_push(&n, ev1, &ev2);
        assert_int_equal(validated_evidence_ima_first(ev2), 300);
        assert_int_equal(validated_evidence_ima_count(ev2), IMA_LINES - 300);
        next = 300;
        assert_int_equal(validated_evidence_ima_foreach(ev2, count_entry, &next), 0);
        assert_int_equal(next, IMA_LINES);

        /* The same new lines against the state before the first push do not replay. */
        in = test_node_input(&n, ev1->ima_consumed, NULL);
        expect_broken(&in, VALIDATION_IMA_LOG);
        test_node_done(&n);
}

static void test_other_ak(void **state) {
        TestNode n = node;
        EVP_PKEY *other = test_key_ec("P-256");

        n.blob = NULL;
        test_node_quote_with(&n, other);
        ValidationInput in = test_node_input(&n, 0, NULL);
        expect_broken(&in, VALIDATION_QUOTE_SIGNATURE);
        EVP_PKEY_free(other);
        free(n.blob);
}

static void test_nonce(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        uint8_t other[16];

        memcpy(other, node.nonce, sizeof(other));
        other[15] ^= 0x80;
        in.nonce = other;
        expect_broken(&in, VALIDATION_NONCE);
        in.nonce_size = 8;      /* a prefix of the right nonce is not the nonce */
        in.nonce = node.nonce;
        expect_broken(&in, VALIDATION_NONCE);
}

static void test_pcr_digest(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        _cleanup_free_ uint8_t *blob = NULL;
        PcrValues v = node.pcrs;
        size_t size;

        v.banks[0].values[IMA_PCR_INDEX][0] ^= 1;
        assert_int_equal(pcr_blob_serialize(&v, &blob, &size), 0);
        in.pcr_blob = blob;
        in.pcr_blob_size = size;
        expect_broken(&in, VALIDATION_PCR_DIGEST);
}

static void test_pcr_not_quoted(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);

        in.required_pcr_mask = UINT32_C(1) << 23;
        expect_broken(&in, VALIDATION_PCR_DIGEST);
}

static void test_algorithm(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);

        in.allowed_hash_mask = TPM2_ALG_BIT(TPM2_ALG_SHA384);
        expect_broken(&in, VALIDATION_ALGORITHM);
}

static void test_quote_format(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);

        in.attest_size--;
        expect_broken(&in, VALIDATION_QUOTE_FORMAT);
        in = test_node_input(&node, 0, NULL);
        in.pcr_blob_size--;
        expect_broken(&in, VALIDATION_QUOTE_FORMAT);
        in = test_node_input(&node, 0, NULL);
        in.sig_size = 3;
        expect_broken(&in, VALIDATION_QUOTE_FORMAT);
}

static void test_clock(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        Tpm2ClockInfo prev = node.clock;

        prev.reset_count++;
        in.previous_clock = &prev;
        expect_broken(&in, VALIDATION_CLOCK);
        prev = node.clock;
        prev.restart_count++;
        expect_broken(&in, VALIDATION_CLOCK);
        prev = node.clock;
        prev.clock++;
        expect_broken(&in, VALIDATION_CLOCK);
}

static void test_clock_rules(void **state) {
        Tpm2ClockInfo prev = { .clock = 1000, .reset_count = 3, .restart_count = 1, .safe = true }, cur;
        char d[128];

        cur = prev;
        assert_int_equal(validation_check_clock(&prev, &cur, d, sizeof(d)), 0);
        cur.reset_count = 4, cur.restart_count = 0, cur.clock = 2000;
        assert_int_equal(validation_check_clock(&prev, &cur, d, sizeof(d)), 0);
        /* After a reset, a lower clock only when the TPM says it is not safe. */
        cur.clock = 500;
        assert_int_equal(validation_check_clock(&prev, &cur, d, sizeof(d)), 1);
        assert_non_null(strstr(d, "safe"));
        cur.safe = false;
        assert_int_equal(validation_check_clock(&prev, &cur, d, sizeof(d)), 0);
        /* Within one boot, never lower. */
        cur = prev;
        cur.clock = 999;
        cur.safe = false;
        assert_int_equal(validation_check_clock(&prev, &cur, d, sizeof(d)), 1);
        cur = prev;
        cur.restart_count = 0;
        assert_int_equal(validation_check_clock(&prev, &cur, NULL, 0), 1);
}

static void test_boot_time(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev = NULL;
        ValidationFailure f = {};

        in.previous_boot_time = 1700000000;
        in.boot_time = 1699999999;
        expect_broken(&in, VALIDATION_BOOT_TIME);
        in.boot_time = 1700000000;
        assert_int_equal(evidence_validate(&in, NULL, &ev, &f), 0);
        assert_int_equal(ev->boot_time, 1700000000);
}

static void test_uefi_edited(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        _cleanup_free_ uint8_t *copy = malloc(node.uefi_size);
        TcgEventLog *log = NULL;
        size_t at = 0;

        memcpy(copy, node.uefi, node.uefi_size);
        assert_int_equal(tcg_eventlog_parse(node.uefi, node.uefi_size, &log), 0);
        for (size_t i = 0; i < log->n_events && at == 0; i++)
                if (log->events[i].pcr == 4 && log->events[i].n_digests > 0)
                        at = (size_t) (log->events[i].digests[0].digest - log->buf);
        tcg_eventlog_free(log);
        assert_true(at > 0);
        copy[at] ^= 0x01;
        in.uefi_log = copy;
        expect_broken(&in, VALIDATION_UEFI_LOG);

        in.uefi_log_size = 7;   /* unparsable */
        expect_broken(&in, VALIDATION_UEFI_LOG);
}

static void test_ima_truncated(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);

        in.ima_log_size = test_lines_size(node.ima, 100);
        expect_broken(&in, VALIDATION_IMA_LOG);
}

static void test_ima_rewritten(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        _cleanup_free_ char *copy = strdup(node.ima);
        char *p = strstr(copy, "/bin/sh");

        assert_non_null(p);
        p[1] = 'x';             /* the path no longer matches its template hash */
        in.ima_log = (const uint8_t *) copy;
        expect_broken(&in, VALIDATION_IMA_LOG);
}

/* The quote of a later push has the sha256 bank only, the stored state two:
 * only the quoted bank is replayed, and only it is stored. */
static void test_ima_quoted_banks_only(void **state) {
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev1 = NULL, *ev2 = NULL;
        const HashAlg *sha1 = hash_alg_from_name("sha1"), *sha256 = hash_alg_from_name("sha256");
        ValidationFailure f = {};
        TestNode n;

        test_node_init(&n, 300);
        assert_non_null(pcr_values_bank(&n.pcrs, sha1));
        test_node_quote(&n);
        ValidationInput in = test_node_input(&n, 0, NULL);
        assert_int_equal(evidence_validate(&in, NULL, &ev1, &f), 0);
        assert_non_null(ima_replay_state_bank(&ev1->ima_state, sha1));
        assert_non_null(ima_replay_state_bank(&ev1->ima_state, sha256));

        test_node_set_ima(&n, IMA_LINES);
        const PcrBank *b = pcr_values_bank(&n.pcrs, sha256);
        assert_non_null(b);
        n.pcrs.banks[0] = *b;
        n.pcrs.n_banks = 1;
        validate_next_push(&n, ev1, &ev2);
        assert_int_equal(validated_evidence_ima_count(ev2), IMA_LINES - 300);
        assert_int_equal(ev2->ima_state.n_banks, 1);
        assert_null(ima_replay_state_bank(&ev2->ima_state, sha1));
        assert_memory_equal(ima_replay_state_bank(&ev2->ima_state, sha256)->value,
                            n.pcrs.banks[0].values[IMA_PCR_INDEX], sha256->size);
        test_node_done(&n);
}

static void test_ima_after_reset(void **state) {
        ValidationInput in = test_node_input(&node, 0, NULL);
        ImaReplayState stored = {};
        Tpm2ClockInfo prev = node.clock;
        ValidationFailure f;

        assert_int_equal(ima_replay_state_init(&stored, (const HashAlg *[]) { hash_alg_from_name("sha1") }, 1), 0);
        stored.n_entries = 10;
        prev.reset_count--;
        in.previous_clock = &prev;
        in.ima_state = &stored;
        f = expect_broken(&in, VALIDATION_IMA_LOG);
        assert_true(f.ima_restart);
}

static EVP_PKEY *swtpm_ak(const char *rel) {
        _cleanup_(tpm2_public_freep) Tpm2Public *pub = NULL;
        _cleanup_free_ char *buf = NULL;
        EVP_PKEY *ak = NULL;
        size_t n;

        buf = fixture_read(rel, &n);
        assert_int_equal(tpm2_public_parse((const uint8_t *) buf, n, &pub), 0);
        assert_int_equal(tpm2_public_to_evp_pkey(pub, &ak), 0);
        return ak;
}

/* A quote a (software) TPM made: valid as it is, and only with its own AK. */
static void test_swtpm_quote(void **state) {
        _cleanup_free_ char *msg = NULL, *sig = NULL, *blob = NULL, *hex = NULL;
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev = NULL;
        EVP_PKEY *ak = swtpm_ak("tpm/swtpm/ak-p384.pub"), *other = swtpm_ak("tpm/swtpm/ak-rsapss.pub");
        ValidationFailure f = {};
        size_t m, s, b, h;
        uint8_t n[16];

        msg = fixture_read("tpm/swtpm/quote-multibank.msg", &m);
        sig = fixture_read("tpm/swtpm/quote-multibank.sig", &s);
        blob = fixture_read("tpm/swtpm/quote-multibank.pcrs", &b);
        hex = fixture_read("tpm/swtpm/nonce.hex", &h);
        assert_int_equal(hex_decode_into(hex, 32, n, sizeof(n)), 0);

        ValidationInput in = {
                .ak = ak, .nonce = n, .nonce_size = sizeof(n),
                .attest = (const uint8_t *) msg, .attest_size = m,
                .sig = (const uint8_t *) sig, .sig_size = s,
                .pcr_blob = (const uint8_t *) blob, .pcr_blob_size = b,
        };
        assert_int_equal(evidence_validate(&in, NULL, &ev, &f), 0);
        assert_int_equal(ev->pcrs.n_banks, 2);
        assert_int_equal(ev->quote_hash_alg, TPM2_ALG_SHA384);
        assert_null(ev->uefi_log);
        assert_false(ev->has_ima);

        Tpm2ClockInfo later = ev->clock_info;
        later.clock += 1;
        in.previous_clock = &later;
        expect_broken(&in, VALIDATION_CLOCK);
        in.previous_clock = NULL;
        in.ak = other;
        expect_broken(&in, VALIDATION_QUOTE_SIGNATURE);
        EVP_PKEY_free(ak);
        EVP_PKEY_free(other);
}

static void test_reasons(void **state) {
        assert_null(validation_reason_to_string(VALIDATION_OK));
        assert_null(validation_reason_to_string(_VALIDATION_REASON_MAX));
        for (int i = 1; i < _VALIDATION_REASON_MAX; i++) {
                assert_non_null(validation_reason_to_string(i));
                assert_true(strncmp(validation_reason_to_string(i), "validation.", 11) == 0);
                for (int j = 1; j < i; j++)
                        assert_string_not_equal(validation_reason_to_string(i), validation_reason_to_string(j));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_full),
                cmocka_unit_test(test_incremental),
                cmocka_unit_test(test_other_ak),
                cmocka_unit_test(test_nonce),
                cmocka_unit_test(test_pcr_digest),
                cmocka_unit_test(test_pcr_not_quoted),
                cmocka_unit_test(test_algorithm),
                cmocka_unit_test(test_quote_format),
                cmocka_unit_test(test_clock),
                cmocka_unit_test(test_clock_rules),
                cmocka_unit_test(test_boot_time),
                cmocka_unit_test(test_uefi_edited),
                cmocka_unit_test(test_ima_truncated),
                cmocka_unit_test(test_ima_rewritten),
                cmocka_unit_test(test_ima_after_reset),
                cmocka_unit_test(test_ima_quoted_banks_only),
                cmocka_unit_test(test_swtpm_quote),
                cmocka_unit_test(test_reasons),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
