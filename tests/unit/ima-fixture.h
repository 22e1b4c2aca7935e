/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading fixtures under $ATTEST_TEST_DATA for the IMA and runtime policy tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file, NUL-terminated; aborts the test binary when missing. */
static inline char *fixture_read(const char *rel, size_t *ret_size) {
        const char *dir = getenv("ATTEST_TEST_DATA");
        char path[4096];
        FILE *f;
        char *buf;
        long n;

        snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/data", rel);
        f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "missing fixture %s\n", path);
                abort();
        }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n)
                abort();
        buf[n] = 0;
        fclose(f);
        if (ret_size)
                *ret_size = (size_t) n;
        return buf;
}
