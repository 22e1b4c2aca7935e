/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of len bytes; NULL on allocation failure. */
char *hex_encode(const void *data, size_t len);

/* Decodes exactly len characters of hex (either case; no separators). An odd
 * length or a non-hex character is -EINVAL. *ret is NUL-padded by one byte. */
int hex_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size);

/* Decodes hex into a caller buffer that must be exactly the decoded size. */
int hex_decode_into(const char *s, size_t len, uint8_t *buf, size_t size);

/* Standard base64 with padding, NUL-terminated; NULL on allocation failure. */
char *base64_encode(const void *data, size_t len);

/* Decodes standard base64; padding is optional, whitespace is not allowed,
 * and the unused low bits of the last symbol must be zero (canonical form). */
int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size);
