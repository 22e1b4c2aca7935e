/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The template data of an IMA entry: laid out from ascii fields, or split
 * into fields from a binary record. Internal to the IMA parsers. */

#include "ima-entry.h"

/* Template data being laid out field by field in an ImaEntryBuffer; each
 * put decodes its field straight into place and points the entry's view at
 * it, so the data is neither copied again nor parsed back. */
typedef struct ImaTemplateWriter {
        uint8_t *data;
        size_t size;
} ImaTemplateWriter;

/* d-ng from its ascii form "alg:hex" ("alg:\0" and the digest bytes); an
 * empty token is an empty field when allow_empty. A known algorithm must
 * have its size; an unknown one is kept by name (its template hash still
 * replays). */
int ima_template_put_digest(ImaTemplateWriter *w, const char *token, size_t len, bool allow_empty, ImaDigest *ret);

/* n-ng: the name and its NUL. */
int ima_template_put_name(ImaTemplateWriter *w, const char *name, size_t len, ImaEntry *e);

/* A field of bytes given in hex, of at most max bytes. */
int ima_template_put_hex(ImaTemplateWriter *w, const char *hex, size_t len, size_t max,
                         const uint8_t **ret, size_t *ret_size);

/* Ends the layout: e's template data is the writer's. */
void ima_template_finish(const ImaTemplateWriter *w, ImaTemplate t, ImaEntry *e);

/* The legacy "ima" template from the SHA-1 file digest and the name. */
int ima_template_build_legacy(const uint8_t digest[static 20], const char *name, size_t len,
                              ImaEntryBuffer *b, ImaEntry *e);

/* Splits binary template data (u32 length + bytes per field) into e's views;
 * the data must outlive e. */
int ima_template_parse_data(ImaTemplate t, const uint8_t *data, size_t size, ImaEntry *e);

static inline bool ima_template_has_sig(ImaTemplate t) {
        return t == IMA_TEMPLATE_IMA_SIG || t == IMA_TEMPLATE_IMA_MODSIG;
}
