/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* PCR values per bank: what a replay computes, what a host reports with a
 * quote, what a JSON file holds. Comparison code takes these, whatever their
 * source. Which PCRs the values cover is the banks' masks, nothing else. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "hash-alg.h"
#include "pcr-selection.h"

/* PCR values of one bank. */
typedef struct PcrBank {
        const HashAlg *alg;
        uint32_t mask;                  /* bit n: PCR n holds a value */
        uint8_t values[TPM2_PCRS_PER_BANK_MAX][HASH_ALG_MAX_DIGEST_SIZE];
} PcrBank;

/* Banks in the order they were added (for a PCR blob: selection order), at
 * most one per algorithm. */
typedef struct PcrValues {
        size_t n_banks;
        PcrBank banks[TPM2_PCR_SELECTIONS_MAX];
} PcrValues;

/* The bank of alg, or NULL. */
const PcrBank *pcr_values_bank(const PcrValues *v, const HashAlg *alg);

/* The bank of the TPM_ALG_ID tpm_alg_id, or NULL. */
const PcrBank *pcr_values_bank_by_id(const PcrValues *v, uint16_t tpm_alg_id);

/* The bank of alg, appended (empty) when missing. -E2BIG when all slots are used. */
int pcr_values_add_bank(PcrValues *v, const HashAlg *alg, PcrBank **ret);

/* Sets PCR pcr of the bank of alg (added when missing) to value (alg->size bytes). */
int pcr_values_set(PcrValues *v, const HashAlg *alg, unsigned pcr, const uint8_t *value);

/* The selection the values cover: one entry per bank in bank order, with the
 * bank's mask (empty banks included). */
void pcr_values_selection(const PcrValues *v, PcrSelection *ret);

/* H_alg(concatenated values in selection order: banks as selected, PCRs ascending),
 * the pcrDigest a TPM puts into a quote. out holds alg->size bytes. -ENOENT when
 * a selected PCR has no value. */
int pcr_values_digest(const PcrValues *v, const PcrSelection *sel, const HashAlg *alg, uint8_t *out);

/* Parses {"pcrs": {"sha256": {"0": "<hex>", …}, …}}. Other top-level keys are
 * ignored; unknown bank names, bad PCR numbers and bad hex are -EBADMSG. */
int pcr_values_from_json(const char *text, size_t len, PcrValues *ret);
