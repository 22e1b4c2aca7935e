/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Copies s into out (size > 0, always NUL-terminated, truncated to fit) with
 * every control character and DEL written as \xNN, so that a string from the
 * network cannot start a new log line or move the terminal's cursor. A
 * truncated escape is dropped whole. Returns the length written. */
size_t escape_control(const char *s, char *out, size_t size);
