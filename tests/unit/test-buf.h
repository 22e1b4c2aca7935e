/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A growing byte buffer for building binary test inputs (cmocka asserts). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Buf {
        uint8_t *p;
        size_t n;
} Buf;

static inline void put(Buf *b, const void *d, size_t n) {
        b->p = realloc(b->p, b->n + n + 1);
        assert_non_null(b->p);
        if (n)
                memcpy(b->p + b->n, d, n);
        b->n += n;
}

/* n bytes of v, little-endian. */
static inline void put_le(Buf *b, uint64_t v, size_t n) {
        uint8_t x[8];
        for (size_t i = 0; i < n && i < 8; i++)
                x[i] = (uint8_t) (v >> (8 * i));
        put(b, x, n);
}

static inline void reset(Buf *b) {
        free(b->p);
        *b = (Buf) {};
}
