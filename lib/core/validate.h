/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validation (DESIGN.md §5 step 1): checks pushed evidence against the
 * node's registered AK, the nonce the verifier issued, the node's previous
 * clock and its stored IMA replay state. The result is either validated
 * evidence or a broken_evidence_chain with one reason. Pure: the caller keeps
 * the nonces, the per-node state and the time. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "evidence.h"
#include "ima-replay.h"
#include "tcg-replay.h"
#include "tpm2-attest.h"

typedef enum ValidationReason {
        VALIDATION_OK = 0,
        VALIDATION_QUOTE_FORMAT,        /* "validation.quote_format": quote, signature or PCR values unparsable */
        VALIDATION_ALGORITHM,           /* "validation.algorithm": hash or signature scheme not allowed */
        VALIDATION_QUOTE_SIGNATURE,     /* "validation.quote_signature": not signed by the AK, not a TPM quote */
        VALIDATION_NONCE,               /* "validation.nonce": extraData is not the issued nonce */
        VALIDATION_PCR_DIGEST,          /* "validation.pcr_digest": PCR values/selection differ from the quoted */
        VALIDATION_CLOCK,               /* "validation.clock": resetCount/restartCount/clock went backwards */
        VALIDATION_BOOT_TIME,           /* "validation.boot_time": boot time went backwards */
        VALIDATION_UEFI_LOG,            /* "validation.uefi_log": unparsable or not replaying to the quote */
        VALIDATION_IMA_LOG,             /* "validation.ima_log": unparsable or not replaying to PCR 10 */
        _VALIDATION_REASON_MAX,
} ValidationReason;

/* "validation.nonce"; NULL for VALIDATION_OK or out of range. */
const char *validation_reason_to_string(ValidationReason r);

#define VALIDATION_FAILURE_KIND "broken_evidence_chain"

typedef struct ValidationFailure {
        ValidationReason reason;
        char detail[256];               /* for the operator; no secrets */
        bool ima_restart;               /* the IMA log must be asked for from entry 0 next time */
} ValidationFailure;

typedef struct ValidationInput {
        /* Registered identity and the issued challenge */
        EVP_PKEY *ak;
        const uint8_t *nonce;
        size_t nonce_size;
        uint32_t allowed_hash_mask;     /* TPM2_ALG_BIT()s; 0: attest_default_hash_mask() */
        uint32_t allowed_sig_mask;      /* 0: attest_default_sig_mask() */

        /* The quote: TPMS_ATTEST, TPMT_SIGNATURE, tpm2-tools PCR blob */
        const uint8_t *attest;
        size_t attest_size;
        const uint8_t *sig;
        size_t sig_size;
        const uint8_t *pcr_blob;
        size_t pcr_blob_size;

        /* The node's previous validated attestation, if any */
        const Tpm2ClockInfo *previous_clock;
        uint64_t previous_boot_time;    /* 0: none */
        uint64_t boot_time;             /* reported by the node, 0: not reported */

        /* UEFI event log; NULL when not asked for */
        const uint8_t *uefi_log;
        size_t uefi_log_size;
        uint32_t uefi_pcr_mask;         /* PCRs to replay against; 0: TCG_UEFI_PCR_MASK */
        TcgCompareFlags uefi_flags;

        /* IMA log from the node's offset; has_ima false when not asked for */
        bool has_ima;
        ImaLogFormat ima_format;
        const uint8_t *ima_log;
        size_t ima_log_size;
        const ImaReplayState *ima_state;  /* the node's stored state; NULL: from the start of the log */

        /* PCRs the verifier asked for: each must be quoted in at least one bank */
        uint32_t required_pcr_mask;
} ValidationInput;

/* Returns 0 with *ret_evidence set when the evidence is valid, 1 with
 * *ret_failure filled when the evidence chain is broken, a negative errno
 * (-ENOMEM, -EINVAL for a malformed input structure) otherwise. replayer may
 * be NULL (one is made for the call); reuse one per thread on hot paths. */
int evidence_validate(const ValidationInput *in, ImaReplayer *replayer,
                      ValidatedEvidence **ret_evidence, ValidationFailure *ret_failure);

/* The clock rules alone: 0 when cur may follow prev, else 1 with a reason in detail. */
int validation_check_clock(const Tpm2ClockInfo *prev, const Tpm2ClockInfo *cur, char *detail, size_t detail_size);
