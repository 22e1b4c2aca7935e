/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loading the built plugins from the build tree and evaluating through the ABI. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugin-loader.h"

/* $ATTEST_BUILD_ROOT/<rel> into buf. */
static inline const char *build_path(char *buf, size_t size, const char *rel) {
        const char *root = getenv("ATTEST_BUILD_ROOT");

        assert_non_null(root);
        assert_true((size_t) snprintf(buf, size, "%s/%s", root, rel) < size);
        return buf;
}

static inline Plugin *load_builtin(const char *name) {
        char path[4096], rel[256];
        const char *error = NULL;
        Plugin *p = NULL;

        (void) snprintf(rel, sizeof(rel), "plugins/libattest-plugin-%s.so", name);
        if (plugin_load(build_path(path, sizeof(path), rel), &p, &error) < 0)
                fail_msg("loading %s: %s", name, error);
        return p;
}

/* Compiles policy text with engine p (asserting success) through a fresh cache entry. */
static inline CompiledPolicy *compile_ok(PolicyCache *c, const Plugin *p, const char *policy) {
        CompiledPolicy *cp = NULL;
        char error[256] = "";

        if (policy_cache_get(c, p, (const uint8_t *) policy, strlen(policy), &cp, error, sizeof(error)) < 0)
                fail_msg("compiling with %s: %s", p->name, error);
        return cp;
}

/* The index of the failure id in o, or -1. */
static inline int outcome_find(const PolicyOutcome *o, const char *id) {
        for (size_t i = 0; i < o->n_failures; i++)
                if (strcmp(o->failures[i].id, id) == 0)
                        return (int) i;
        return -1;
}

/* A whole file by absolute path, NUL-terminated. */
static inline char *fixture_read_abs(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = calloc(1, 65536);
        size_t n;

        assert_non_null(f);
        assert_non_null(buf);
        n = fread(buf, 1, 65535, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}
