/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "escape.h"

size_t escape_control(const char *s, char *out, size_t size) {
        size_t n = 0;

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c < 0x20 || c == 0x7f) {
                        if (size - n <= 4)
                                break;
                        (void) snprintf(out + n, 5, "\\x%02x", c);
                        n += 4;
                } else {
                        if (size - n <= 1)
                                break;
                        out[n++] = (char) c;
                }
        }
        out[n] = 0;
        return n;
}
