/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pcr-selection.h"

/* The tpm2-tools serialised PCR file (tpm2_quote -o, Keylime's subject_data):
 * a TPML_PCR_SELECTION in host (little-endian) layout with 16 fixed slots,
 * u32 N, then N TPML_DIGEST of 8 fixed slots. Values are consumed in
 * selection order, ascending PCR index. Trailing bytes are -EBADMSG, as is a
 * value count that does not match the selection. */
int pcr_blob_parse(const uint8_t *buf, size_t len, PcrValues *ret);

/* Writes the same layout (malloc'ed). */
int pcr_blob_serialize(const PcrValues *v, uint8_t **ret, size_t *ret_size);
