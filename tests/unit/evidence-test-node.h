/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A simulated node for validation and plugin tests: PCR values from a real
 * UEFI event log and a real IMA log, quoted with a software AK over any
 * nonce and clock, so that each validation branch can be reached with
 * otherwise valid evidence. */

#include <tss2/tss2_tpm2_types.h>

#include "ima-fixture.h"
#include "pcr-blob.h"
#include "tcg-replay.h"
#include "tpm2-test-attest.h"
#include "validate.h"

#define TEST_NODE_UEFI "eventlog/go-tpm-tools/arch-linux-workstation.bin"
#define TEST_NODE_IMA  "ima/rust-keylime/ascii_runtime_measurements"

typedef struct TestNode {
        EVP_PKEY *ak;
        uint8_t nonce[16];
        Tpm2ClockInfo clock;
        PcrValues pcrs;                 /* what the quote covers and the node reports */
        uint8_t *uefi;
        size_t uefi_size;
        char *ima;
        size_t ima_size;
        TestBuf attest, sig;
        uint8_t *blob;
        size_t blob_size;
} TestNode;

/* Bytes of the first n lines of text. */
static inline size_t test_lines_size(const char *text, size_t n) {
        const char *p = text;
        for (size_t i = 0; i < n; i++) {
                p = strchr(p, '\n');
                assert_non_null(p);
                p++;
        }
        return (size_t) (p - text);
}

/* PCR 10 of every bank in n->pcrs after the first n_lines of the IMA log. */
static inline void test_node_set_ima(TestNode *n, size_t n_lines) {
        const HashAlg *algs[IMA_REPLAY_BANKS_MAX];
        ImaReplayer *r = NULL;
        ImaReplayState s;
        size_t k = 0, used;

        for (size_t i = 0; i < n->pcrs.n_banks; i++)
                algs[k++] = n->pcrs.banks[i].alg;
        assert_int_equal(ima_replay_state_init(&s, algs, k), 0);
        assert_int_equal(ima_replayer_new(&r), 0);
        assert_int_equal(ima_replay_feed(r, &s, IMA_LOG_ASCII, (const uint8_t *) n->ima,
                                         test_lines_size(n->ima, n_lines), true, NULL, NULL, &used), 0);
        ima_replayer_free(r);
        for (size_t i = 0; i < s.n_banks; i++)
                assert_int_equal(pcr_values_set(&n->pcrs, s.banks[i].alg, IMA_PCR_INDEX, s.banks[i].value), 0);
}

/* A node whose PCRs hold the replayed UEFI log and the first ima_lines of the IMA log. */
static inline void test_node_init(TestNode *n, size_t ima_lines) {
        memset(n, 0, sizeof(*n));
        n->ak = test_key_ec("P-256");
        assert_non_null(n->ak);
        for (size_t i = 0; i < sizeof(n->nonce); i++)
                n->nonce[i] = (uint8_t) (0xa0 + i);
        n->clock = (Tpm2ClockInfo) { .clock = 100000, .reset_count = 5, .restart_count = 2, .safe = true };
        n->uefi = (uint8_t *) fixture_read(TEST_NODE_UEFI, &n->uefi_size);
        n->ima = fixture_read(TEST_NODE_IMA, &n->ima_size);

        TcgEventLog *log = NULL;
        assert_int_equal(tcg_eventlog_parse(n->uefi, n->uefi_size, &log), 0);
        assert_int_equal(tcg_eventlog_replay(log, &n->pcrs), 0);
        tcg_eventlog_free(log);
        test_node_set_ima(n, ima_lines);
}

static inline void test_node_done(TestNode *n) {
        EVP_PKEY_free(n->ak);
        free(n->uefi);
        free(n->ima);
        free(n->blob);
}

/* Quotes n->pcrs (every bank, every PCR it holds) over n->nonce and n->clock, signed by key. */
static inline void test_node_quote_with(TestNode *n, EVP_PKEY *key) {
        static const uint8_t signer[34] = { 0x00, 0x0b, 0x42 };
        const HashAlg *sha256 = hash_alg_from_tpm_id(TPM2_ALG_SHA256);
        uint8_t digest[64];
        PcrSelection sel;

        pcr_values_selection(&n->pcrs, &sel);
        assert_int_equal(pcr_values_digest(&n->pcrs, &sel, sha256, digest), 0);
        n->attest.size = 0;
        tb_be32(&n->attest, TPM2_GENERATED_VALUE);
        tb_be16(&n->attest, TPM2_ST_ATTEST_QUOTE);
        tb_tpm2b(&n->attest, signer, sizeof(signer));
        tb_tpm2b(&n->attest, n->nonce, sizeof(n->nonce));
        tb_be64(&n->attest, n->clock.clock);
        tb_be32(&n->attest, n->clock.reset_count);
        tb_be32(&n->attest, n->clock.restart_count);
        tb_u8(&n->attest, n->clock.safe);
        tb_be64(&n->attest, UINT64_C(0x2016051100162800));
        tb_be32(&n->attest, (uint32_t) sel.count);
        for (size_t i = 0; i < sel.count; i++) {
                tb_be16(&n->attest, sel.banks[i].hash_alg);
                tb_u8(&n->attest, 3);
                tb_u8(&n->attest, (uint8_t) sel.banks[i].mask);
                tb_u8(&n->attest, (uint8_t) (sel.banks[i].mask >> 8));
                tb_u8(&n->attest, (uint8_t) (sel.banks[i].mask >> 16));
        }
        tb_tpm2b(&n->attest, digest, sha256->size);
        test_sign(key, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, n->attest.data, n->attest.size, &n->sig);
        free(n->blob);
        assert_int_equal(pcr_blob_serialize(&n->pcrs, &n->blob, &n->blob_size), 0);
}

static inline void test_node_quote(TestNode *n) {
        test_node_quote_with(n, n->ak);
}

/* The validation input for the node's current quote, with the UEFI log and
 * the IMA log from byte ima_offset on. */
static inline ValidationInput test_node_input(const TestNode *n, size_t ima_offset, const ImaReplayState *ima_state) {
        return (ValidationInput) {
                .ak = n->ak,
                .nonce = n->nonce,
                .nonce_size = sizeof(n->nonce),
                .attest = n->attest.data,
                .attest_size = n->attest.size,
                .sig = n->sig.data,
                .sig_size = n->sig.size,
                .pcr_blob = n->blob,
                .pcr_blob_size = n->blob_size,
                .uefi_log = n->uefi,
                .uefi_log_size = n->uefi_size,
                .has_ima = true,
                .ima_format = IMA_LOG_ASCII,
                .ima_log = (const uint8_t *) n->ima + ima_offset,
                .ima_log_size = n->ima_size - ima_offset,
                .ima_state = ima_state,
        };
}
