/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "cursor.h"

/* Reads a TPM2B (u16 BE size ‖ bytes) of at most max bytes, pointing *ret into
 * buf. An empty one is refused unless allow_empty. Advances only on success. */
static inline int tpm2b_read(const uint8_t *buf, size_t len, size_t *offset, size_t max, bool allow_empty,
                             const uint8_t **ret, size_t *ret_size) {
        size_t o = *offset;
        uint16_t size;

        if (cursor_read_be16(buf, len, &o, &size) < 0 || size > max || (size == 0 && !allow_empty))
                return -EBADMSG;
        if (cursor_read_span(buf, len, &o, size, ret) < 0)
                return -EBADMSG;
        *ret_size = size;
        *offset = o;
        return 0;
}

/* As tpm2b_read, copying into dst (max bytes). */
static inline int tpm2b_read_into(const uint8_t *buf, size_t len, size_t *offset, size_t max, bool allow_empty,
                                  uint8_t *dst, size_t *ret_size) {
        const uint8_t *p;
        size_t n;

        if (tpm2b_read(buf, len, offset, max, allow_empty, &p, &n) < 0)
                return -EBADMSG;
        memcpy(dst, p, n);
        *ret_size = n;
        return 0;
}
