/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _noreturn_ __attribute__((noreturn))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _public_ __attribute__((visibility("default")))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRLEN(s) (sizeof(s) - 1)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand over ownership of a pointer held by a _cleanup_ variable. */
#define TAKE_PTR(p)                             \
        ({                                      \
                typeof(p) _ptr_ = (p);          \
                (p) = NULL;                     \
                _ptr_;                          \
        })

#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -1;                      \
                _fd_;                           \
        })

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Defines name##p(), a cleanup helper calling func() on a non-NULL pointer. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type *p) {                   \
                if (*p)                                         \
                        func(*p);                               \
        }

/* Defines name##p() for functions that take a pointer and may be given NULL. */
#define DEFINE_POINTER_CLEANUP_FUNC(type, func)                 \
        static inline void func##p(type **p) {                  \
                func(*p);                                       \
        }

int close_nointr(int fd);
int safe_close(int fd);
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Checks an argument at an API boundary: returns -EINVAL instead of asserting. */
#define assert_return(expr, r)                  \
        do {                                    \
                if (_unlikely_(!(expr)))        \
                        return (r);             \
        } while (0)

/* Overflow-checked size arithmetic. */
#define ADD_OVERFLOW(a, b, res) __builtin_add_overflow(a, b, res)
#define MUL_OVERFLOW(a, b, res) __builtin_mul_overflow(a, b, res)
