/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A small pull scanner over JSON text (RFC 8259), for documents too large to
 * hold as a tree: the caller walks the structure it expects and skips the
 * rest. Strings are decoded into caller buffers; nothing is allocated. */

#include <stdbool.h>
#include <stddef.h>

#define JSON_SCAN_DEPTH_MAX 32u

typedef struct JsonScan {
        const char *p, *end;
} JsonScan;

/* Skips whitespace; true when the next byte is c (which is then consumed). */
bool json_scan_take(JsonScan *s, char c);

/* Whether only whitespace is left. */
bool json_scan_at_end(JsonScan *s);

/* Decodes a string into buf (max bytes, NUL-terminated, so buf holds max + 1).
 * -E2BIG when longer, -EBADMSG when not a valid string. buf may be NULL to skip. */
int json_scan_string(JsonScan *s, char *buf, size_t max, size_t *ret_len);

/* Skips one value of any kind, checking its syntax; *ret_start and *ret_end
 * (optional) bound its text. */
int json_scan_skip_value(JsonScan *s, const char **ret_start, const char **ret_end);
