/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"

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
