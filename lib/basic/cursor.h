/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Bounds-checked readers over untrusted bytes. Each reads from buf[*offset],
 * advances *offset only on success and returns -EBADMSG when the bytes run out.
 * Endianness is explicit in the name. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int cursor_need(size_t len, size_t offset, size_t n) {
        if (offset > len || n > len - offset)
                return -EBADMSG;
        return 0;
}

static inline int cursor_read_u8(const uint8_t *buf, size_t len, size_t *offset, uint8_t *ret) {
        if (cursor_need(len, *offset, 1) < 0)
                return -EBADMSG;
        *ret = buf[*offset];
        *offset += 1;
        return 0;
}

static inline int cursor_read_be16(const uint8_t *buf, size_t len, size_t *offset, uint16_t *ret) {
        if (cursor_need(len, *offset, 2) < 0)
                return -EBADMSG;
        const uint8_t *p = buf + *offset;
        *ret = (uint16_t) (p[0] << 8 | p[1]);
        *offset += 2;
        return 0;
}

static inline int cursor_read_be32(const uint8_t *buf, size_t len, size_t *offset, uint32_t *ret) {
        if (cursor_need(len, *offset, 4) < 0)
                return -EBADMSG;
        const uint8_t *p = buf + *offset;
        *ret = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
        *offset += 4;
        return 0;
}

static inline int cursor_read_be64(const uint8_t *buf, size_t len, size_t *offset, uint64_t *ret) {
        uint32_t hi, lo;
        size_t o = *offset;
        if (cursor_read_be32(buf, len, &o, &hi) < 0 || cursor_read_be32(buf, len, &o, &lo) < 0)
                return -EBADMSG;
        *ret = (uint64_t) hi << 32 | lo;
        *offset = o;
        return 0;
}

static inline int cursor_read_le16(const uint8_t *buf, size_t len, size_t *offset, uint16_t *ret) {
        if (cursor_need(len, *offset, 2) < 0)
                return -EBADMSG;
        const uint8_t *p = buf + *offset;
        *ret = (uint16_t) (p[1] << 8 | p[0]);
        *offset += 2;
        return 0;
}

static inline int cursor_read_le32(const uint8_t *buf, size_t len, size_t *offset, uint32_t *ret) {
        if (cursor_need(len, *offset, 4) < 0)
                return -EBADMSG;
        const uint8_t *p = buf + *offset;
        *ret = (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8 | p[0];
        *offset += 4;
        return 0;
}

static inline int cursor_read_le64(const uint8_t *buf, size_t len, size_t *offset, uint64_t *ret) {
        uint32_t hi, lo;
        size_t o = *offset;
        if (cursor_read_le32(buf, len, &o, &lo) < 0 || cursor_read_le32(buf, len, &o, &hi) < 0)
                return -EBADMSG;
        *ret = (uint64_t) hi << 32 | lo;
        *offset = o;
        return 0;
}

/* Points *ret at n bytes inside buf (no copy). */
static inline int cursor_read_span(const uint8_t *buf, size_t len, size_t *offset, size_t n, const uint8_t **ret) {
        if (cursor_need(len, *offset, n) < 0)
                return -EBADMSG;
        *ret = buf + *offset;
        *offset += n;
        return 0;
}

static inline int cursor_read_bytes(const uint8_t *buf, size_t len, size_t *offset, void *dst, size_t n) {
        if (cursor_need(len, *offset, n) < 0)
                return -EBADMSG;
        memcpy(dst, buf + *offset, n);
        *offset += n;
        return 0;
}

static inline int cursor_skip(size_t len, size_t *offset, size_t n) {
        if (cursor_need(len, *offset, n) < 0)
                return -EBADMSG;
        *offset += n;
        return 0;
}
