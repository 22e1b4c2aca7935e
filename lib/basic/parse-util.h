/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Strict decimal parsing: no sign, no leading or trailing space, no empty
 * string, no overflow. -EINVAL for bad syntax, -ERANGE for overflow. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
int safe_atou16(const char *s, uint16_t *ret);
int safe_atoi64(const char *s, int64_t *ret);

/* "yes/no/true/false/on/off/1/0", case-insensitive. */
int parse_boolean(const char *s, bool *ret);
