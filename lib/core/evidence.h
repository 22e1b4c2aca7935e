/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validated evidence: what evidence_validate() (validate.h) produces and the
 * only form in which policy engines see an attestation. Everything in it was
 * checked against a quote signed by the node's AK over a fresh nonce. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/attest-plugin.h"
#include "cc-evidence.h"
#include "ima-replay.h"
#include "macro.h"
#include "pcr-values.h"
#include "tcg-eventlog.h"
#include "tpm2-attest.h"

typedef struct ValidatedEvidence {
        /* The quote */
        Tpm2ClockInfo clock_info;
        uint64_t firmware_version;
        uint16_t quote_hash_alg;        /* TPM_ALG_ID */
        uint16_t quote_sig_alg;         /* TPM_ALG_ID */
        PcrValues pcrs;                 /* the quoted values per bank */
        uint64_t boot_time;             /* as reported, not before the previous one */

        /* The UEFI event log replayed against uefi_pcr_mask; NULL when not part of the evidence. */
        TcgEventLog *uefi_log;
        uint32_t uefi_pcr_mask;

        /* IMA: the entries the quote covers that are new since ima_before.
         * ima_data holds exactly those entries (a private copy); entries
         * after them in the pushed log are not covered yet and are left for
         * the next attestation (ima_consumed says where they start). */
        bool has_ima;
        ImaLogFormat ima_format;
        ImaReplayState ima_before;      /* the node's state before this push */
        ImaReplayState ima_state;       /* the state after the covered entries: store it; the
                                         * next IMA starting_offset (in entries) is its n_entries */
        uint8_t *ima_data;
        size_t ima_size;
        size_t ima_consumed;            /* bytes of the pushed IMA log covered by the quote */

        /* A confidential VM's report bound to the same nonce and AK; NULL when not asked for. */
        CcValidated *cc;
} ValidatedEvidence;

ValidatedEvidence *validated_evidence_free(ValidatedEvidence *ev);
DEFINE_POINTER_CLEANUP_FUNC(ValidatedEvidence, validated_evidence_free);

/* Entries ima_before.n_entries … ima_state.n_entries - 1. */
static inline uint64_t validated_evidence_ima_first(const ValidatedEvidence *ev) {
        return ev->ima_before.n_entries;
}
static inline uint64_t validated_evidence_ima_count(const ValidatedEvidence *ev) {
        return ev->ima_state.n_entries - ev->ima_before.n_entries;
}

/* Calls fn for each new covered IMA entry (entry numbers from ima_before). */
int validated_evidence_ima_foreach(const ValidatedEvidence *ev, ImaEntryFn fn, void *userdata);

/* The ABI view of the evidence (attest-plugin.h) for policy plugins. The view
 * points into ev and into the storage; both must outlive its use. */
typedef struct EvidenceAbi {
        AttestEvidence ev;
        AttestPcrBank banks[TPM2_PCR_SELECTIONS_MAX];
        AttestCcReport cc;
} EvidenceAbi;

/* node_id may be NULL; enrolment_clock is the node's first validated quote's clock, or NULL. */
void validated_evidence_to_abi(const ValidatedEvidence *ev, const char *node_id,
                               const Tpm2ClockInfo *enrolment_clock, EvidenceAbi *ret);

/* The ABI entry view of a parsed IMA entry (pointers into e). */
void ima_entry_to_abi(const ImaEntry *e, uint64_t entry_no, AttestImaEntry *ret);
