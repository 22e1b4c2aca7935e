/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The template data of an IMA entry: built from parsed ascii fields, or split
 * into fields from a binary record. Internal to the IMA parsers. */

#include "ima-entry.h"

/* The fields of one entry before they are laid out as template data. */
typedef struct ImaTemplateFields {
        ImaTemplate template;
        ImaDigest digest;
        const char *name;
        size_t name_len;
        const uint8_t *sig;
        size_t sig_size;
        const uint8_t *buf;
        size_t buf_size;
        ImaDigest modsig_digest;
        const uint8_t *modsig;
        size_t modsig_size;
} ImaTemplateFields;

/* Sets a digest from its algorithm name and hex. A known algorithm must have
 * its size; an unknown one is kept by name (its template hash still replays). */
int ima_digest_set(ImaDigest *d, const char *alg, size_t alg_len, const char *hex, size_t hex_len);

/* Lays the fields out as the kernel hashes them into b->data and fills the
 * field views of e (which keeps its pcr and template hash). */
int ima_template_build(const ImaTemplateFields *f, ImaEntryBuffer *b, ImaEntry *e);

/* Splits binary template data (u32 length + bytes per field) into e's views;
 * the data must outlive e. */
int ima_template_parse_data(ImaTemplate t, const uint8_t *data, size_t size, ImaEntry *e);

static inline bool ima_template_has_sig(ImaTemplate t) {
        return t == IMA_TEMPLATE_IMA_SIG || t == IMA_TEMPLATE_IMA_MODSIG;
}
