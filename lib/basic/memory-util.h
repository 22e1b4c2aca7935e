/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* Room for need elements of elem bytes in *p, which has room for *allocated: grown to at least
 * twice as many (16 at first), so that appending one at a time costs amortised O(1).
 * -ENOMEM leaves *p and *allocated as they were. */
static inline int array_reserve(void **p, size_t *allocated, size_t need, size_t elem) {
        size_t n;
        void *q;

        if (need <= *allocated)
                return 0;
        n = MAX(MAX(need, *allocated * 2), (size_t) 16);
        q = reallocarray(*p, n, elem);
        if (!q)
                return -ENOMEM;
        *p = q;
        *allocated = n;
        return 0;
}

/* Overwrites memory in a way the compiler may not elide. */
static inline void *erase_memory(void *p, size_t n) {
        if (p && n > 0)
                explicit_bzero(p, n);
        return p;
}

/* Frees a buffer of known size after wiping it; for keys, passphrases, tokens. */
static inline void *erase_and_free_size(void *p, size_t n) {
        erase_memory(p, n);
        free(p);
        return NULL;
}

/* Frees a NUL-terminated secret string after wiping it. */
static inline char *erase_and_free_string(char *s) {
        if (s)
                erase_memory(s, strlen(s));
        free(s);
        return NULL;
}

static inline void erase_and_free_stringp(char **s) {
        erase_and_free_string(*s);
}
#define _cleanup_erase_string_ _cleanup_(erase_and_free_stringp)

/* A heap buffer that carries its size, so that it can be wiped on free. */
typedef struct SecretBuffer {
        uint8_t *data;
        size_t size;
} SecretBuffer;

static inline void secret_buffer_done(SecretBuffer *b) {
        if (!b)
                return;
        b->data = erase_and_free_size(b->data, b->size);
        b->size = 0;
}
#define _cleanup_secret_buffer_ _cleanup_(secret_buffer_done)

/* Constant-time comparison of two equally long buffers; returns 0 when equal. */
static inline int memcmp_const_time(const void *a, const void *b, size_t n) {
        const volatile uint8_t *x = a, *y = b;
        uint8_t d = 0;
        for (size_t i = 0; i < n; i++)
                d |= x[i] ^ y[i];
        return d != 0;
}
