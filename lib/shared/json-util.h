/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
/* Compact output that leaves "/" alone: paths read as paths. */
#define JSON_TEXT_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Parses exactly len bytes of untrusted JSON: depth limited to JSON_DEPTH_MAX,
 * trailing bytes other than whitespace refused, the top level must be an object.
 * -EBADMSG for bad syntax, -E2BIG for too deep. */
int json_parse_object(const char *buf, size_t len, json_object **ret);
/* As json_parse_object for local input of up to max bytes (policies). */
int json_parse_object_max(const char *buf, size_t len, size_t max, json_object **ret);
/* A tokener for json_parse_object_with(): JSON_DEPTH_MAX deep, strict; NULL when out of memory. */
json_tokener *json_parser_new(void);
/* As json_parse_object_max with tok, reset first: a caller that parses one document after
 * another keeps its tokener instead of allocating its stack and string buffer each time. */
int json_parse_object_with(json_tokener *tok, const char *buf, size_t len, size_t max, json_object **ret);

/* A string member. Absent or JSON null: -ENOENT (ret untouched). Not a string,
 * empty, longer than max or with an embedded NUL: -EINVAL. */
int json_get_string(json_object *o, const char *key, size_t max, const char **ret);
/* As json_get_string, for a member that must be there. */
int json_get_string_required(json_object *o, const char *key, size_t max, const char **ret);
/* A non-negative integer member (a JSON number or a decimal string). -ENOENT when absent. */
int json_get_uint64(json_object *o, const char *key, uint64_t *ret);
/* A base64 string member decoded; -ENOENT when absent, -EINVAL when not base64, -E2BIG over max. */
int json_get_base64(json_object *o, const char *key, size_t max, uint8_t **ret, size_t *ret_size);

/* Keylime v2 envelope: {"code": code, "status": status, "results": results or {}}.
 * Takes the reference to results. Returns the serialised text (caller frees) or NULL. */
char *json_v2_envelope(unsigned code, const char *status, json_object *results);

/* JSON:API error document {"errors":[{status, code, title, detail, source.pointer?}]}. */
char *json_v3_error(unsigned status, const char *code, const char *title, const char *detail,
                    const char *pointer);

/* JSON:API document {"data": {"type", "id", "attributes"}, "meta"?}; takes both references. */
char *json_v3_document(const char *type, const char *id, json_object *attributes, json_object *meta);

/* Adds key → string (or JSON null for NULL); returns -ENOMEM on failure. */
int json_add_string(json_object *o, const char *key, const char *value);
int json_add_int(json_object *o, const char *key, int64_t value);
int json_add_bool(json_object *o, const char *key, bool value);

/* A new object {key: []}, its array in *ret_array (borrowed); NULL when out of memory. */
json_object *json_new_with_array(const char *key, json_object **ret_array);
/* Appends v to the array a, taking its reference (NULL, a failed allocation, is
 * accepted); -ENOMEM on failure, v then released. */
int json_array_append(json_object *a, json_object *v);

/* ISO-8601 UTC with microseconds and offset, "2026-01-01T00:00:00.000000+00:00", from µs since epoch. */
int format_timestamp_iso(uint64_t usec, char *buf, size_t size);
