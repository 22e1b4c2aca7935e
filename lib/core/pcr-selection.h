/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"
#include "limits.h"

/* A TPML_PCR_SELECTION kept in wire order: bank i selects the PCRs whose
 * bits are set in mask (bit n = PCR n). */
typedef struct PcrSelection {
        size_t count;
        struct {
                uint16_t hash_alg;      /* TPM_ALG_ID */
                uint32_t mask;
        } banks[TPM2_PCR_SELECTIONS_MAX];
} PcrSelection;

/* Parses the select bitmap of one TPMS_PCR_SELECTION into a mask. */
int pcr_select_to_mask(const uint8_t *select, size_t size, uint32_t *ret);

/* True when both select the same PCRs of the same banks (bank order aside, empty banks ignored). */
bool pcr_selection_equal(const PcrSelection *a, const PcrSelection *b);

/* PCR values of one bank. */
typedef struct PcrBank {
        const HashAlg *alg;
        uint32_t mask;                  /* which PCRs have a value */
        uint8_t values[TPM2_PCRS_PER_BANK_MAX][HASH_ALG_MAX_DIGEST_SIZE];
} PcrBank;

/* PCR values per bank, in the order of the selection they came with. */
typedef struct PcrValues {
        PcrSelection selection;
        size_t n_banks;
        PcrBank banks[TPM2_PCR_SELECTIONS_MAX];
} PcrValues;

/* The bank of alg, or NULL. */
const PcrBank *pcr_values_bank(const PcrValues *v, uint16_t hash_alg);

/* H_alg(concatenated values in selection order: banks as selected, PCRs ascending),
 * the pcrDigest a TPM puts into a quote. out holds alg->size bytes. -ENOENT when
 * a selected PCR has no value. */
int pcr_values_digest(const PcrValues *v, const PcrSelection *sel, const HashAlg *alg, uint8_t *out);
