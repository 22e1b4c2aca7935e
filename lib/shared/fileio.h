/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads a whole file ("-" is stdin) of at most max_size bytes into a
 * NUL-terminated buffer. A larger file is -EFBIG. */
int read_full_file(const char *path, size_t max_size, uint8_t **ret, size_t *ret_size);

/* Writes data to path atomically (temporary file, fsync, rename) with the given mode. */
int write_file_atomic(const char *path, const void *data, size_t size, unsigned mode);
