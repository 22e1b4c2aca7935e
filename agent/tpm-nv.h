/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tpm-context.h"

/* Reads the whole data of an NV index (at most size_max bytes), with the
 * index's own authorisation when it has AUTHREAD, else the owner's; -ENOENT
 * when the index is not defined, -EFBIG when it is larger than size_max. */
int tpm_nv_read(Tpm *t, uint32_t index, size_t size_max, uint8_t **ret, size_t *ret_size);

/* Keeps only the DER SEQUENCE at the start of buf: certificates in NV are
 * often padded to the size of the index. */
size_t der_trim_padding(const uint8_t *buf, size_t size);
