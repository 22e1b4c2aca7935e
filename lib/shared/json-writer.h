/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* JSON text written straight into a buffer, for answers of a fixed shape on the hot
 * path: no json-c tree is built and walked. The output is byte for byte what json-c
 * writes with JSON_TEXT_PLAIN for the same members in the same order (test-json-writer
 * and fuzz-json-writer compare the two), so the two can build the same document.
 *
 * Members and values are written in order: the caller places the commas with
 * json_writer_key() (first = the object's first member). An allocation failure is
 * remembered, and json_writer_finish() then gives NULL. */
typedef struct JsonWriter {
        char *buf;
        size_t size, allocated;
        bool failed;
} JsonWriter;

void json_writer_done(JsonWriter *w);

/* Room for n more bytes: one allocation for a text whose size the caller can estimate,
 * instead of reallocations that double the buffer from 1 KiB. */
void json_writer_reserve(JsonWriter *w, size_t n);
/* Text copied as it is: the caller's punctuation, known-good JSON. */
void json_writer_raw(JsonWriter *w, const char *s, size_t n);
void json_writer_literal(JsonWriter *w, const char *s);
/* A string value, quoted and escaped as json-c escapes it; NULL writes null. */
void json_writer_string(JsonWriter *w, const char *s);
void json_writer_string_len(JsonWriter *w, const char *s, size_t n);
void json_writer_int(JsonWriter *w, int64_t v);
/* ,"key": (without the comma when first). */
void json_writer_key(JsonWriter *w, const char *key, bool first);
/* A json-c value serialised in place; NULL writes null. */
void json_writer_json(JsonWriter *w, json_object *o);
/* Our own stored JSON text, as json-c writes it after parsing it (null when it does not parse). */
void json_writer_stored(JsonWriter *w, const char *text);

/* The text, NUL-terminated, for the caller to free; NULL after an allocation failure. */
char *json_writer_finish(JsonWriter *w);
