/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Plain PCR values per bank: what a replay computes and what a verified quote
 * reports. Comparison code takes these, whatever their source. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"

#define PCR_VALUES_COUNT 24
#define PCR_VALUES_BANKS_MAX 8

typedef struct PcrBank {
        const HashAlg *alg;
        uint32_t present;        /* bit n: PCR n holds a value */
        uint8_t values[PCR_VALUES_COUNT][HASH_ALG_MAX_DIGEST_SIZE];
} PcrBank;

typedef struct PcrValues {
        PcrBank banks[PCR_VALUES_BANKS_MAX];
        size_t n_banks;
} PcrValues;

/* The bank of alg, or NULL. */
PcrBank *pcr_values_bank(PcrValues *v, const HashAlg *alg);
const PcrBank *pcr_values_bank_const(const PcrValues *v, const HashAlg *alg);

/* The bank of alg, added (empty) when missing. -E2BIG when all slots are used. */
int pcr_values_add_bank(PcrValues *v, const HashAlg *alg, PcrBank **ret);

/* Sets PCR pcr of the bank of alg to value (alg->size bytes). */
int pcr_values_set(PcrValues *v, const HashAlg *alg, unsigned pcr, const uint8_t *value);

/* Parses {"pcrs": {"sha256": {"0": "<hex>", …}, …}}. Other top-level keys are
 * ignored; unknown bank names, bad PCR numbers and bad hex are -EBADMSG. */
int pcr_values_from_json(const char *text, size_t len, PcrValues *ret);
