/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Fixture access for unit tests: files under $ATTEST_TEST_DATA (tests/data). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fileio.h"
#include "macro.h"

#define TEST_DATA_MAX (4u * 1024u * 1024u)

static inline void test_data_read(const char *rel, uint8_t **ret, size_t *ret_size) {
        const char *root = getenv("ATTEST_TEST_DATA");
        char path[4096];

        assert_non_null(root);
        assert_true((size_t) snprintf(path, sizeof(path), "%s/%s", root, rel) < sizeof(path));
        if (read_full_file(path, TEST_DATA_MAX, ret, ret_size) < 0)
                fail_msg("cannot read fixture %s", path);
}
