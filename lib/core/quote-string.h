/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Keylime's pull-mode quote: "r" b64(TPMS_ATTEST) ":" b64(TPMT_SIGNATURE) ":" b64(PCR blob). */
typedef struct QuoteParts {
        uint8_t *attest;
        size_t attest_size;
        uint8_t *signature;
        size_t signature_size;
        uint8_t *pcr_blob;
        size_t pcr_blob_size;
} QuoteParts;

void quote_parts_done(QuoteParts *q);

/* Splits and decodes the string (len bytes, need not be NUL-terminated). */
int quote_string_parse(const char *s, size_t len, QuoteParts *ret);

/* Builds the string (malloc'ed, NUL-terminated). */
int quote_string_format(const QuoteParts *q, char **ret);
