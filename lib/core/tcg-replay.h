/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Replay of a TCG event log to PCR values, and its comparison with PCR values
 * from elsewhere (a verified quote, a JSON file). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcr-values.h"
#include "tcg-eventlog.h"

/* PCRs that the UEFI log covers (PCR 10 belongs to IMA; 15-23 to the OS). */
#define TCG_UEFI_PCR_MASK UINT32_C(0x7BFF)   /* 0-9, 11-14 */

/* PCR pcr's value before any extend: zero, ones for 17-22, and the startup
 * locality in the last byte of PCR 0. */
void tcg_pcr_initial_value(const TcgEventLog *log, const HashAlg *alg, unsigned pcr, uint8_t *ret);

/* Replays every bank of a known algorithm that every event records (a bank the
 * Spec ID event declares but events omit is left out; -ENODATA when none is
 * left). A bank's mask has the PCRs that at least one event extended. */
int tcg_eventlog_replay(const TcgEventLog *log, PcrValues *ret);

typedef struct TcgPcrMismatch {
        const HashAlg *alg;
        unsigned pcr;
        uint8_t quoted[HASH_ALG_MAX_DIGEST_SIZE];
        uint8_t replayed[HASH_ALG_MAX_DIGEST_SIZE];
        size_t *events;          /* indexes into log->events that extended this PCR */
        size_t n_events;
} TcgPcrMismatch;

typedef struct TcgCompareResult {
        size_t n_compared;       /* PCR values compared */
        bool ebs_workaround;     /* PCR 5 matched only with the Exit Boot Services events added */
        TcgPcrMismatch *mismatches;
        size_t n_mismatches;
} TcgCompareResult;

typedef enum TcgCompareFlags {
        /* Accept PCR 5 when it matches once the two EV_EFI_ACTION events "Exit Boot
         * Services Invocation" and "… Returned with Success" are appended: some
         * firmware extends them without logging them. */
        TCG_COMPARE_EBS_WORKAROUND = 1 << 0,
} TcgCompareFlags;

/* Compares the replayed log with quoted, for the PCRs in pcr_mask that quoted
 * holds, in every bank that both have. PCRs without events must hold their
 * initial value. */
int tcg_eventlog_compare(const TcgEventLog *log, const PcrValues *quoted, uint32_t pcr_mask,
                         TcgCompareFlags flags, TcgCompareResult *ret);
void tcg_compare_result_done(TcgCompareResult *r);
