/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy kinds and names, and the one check of policy content: the engine's
 * own compile step, as the verifier runs it when it evaluates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "verifierd.h"
#include "verifierd-policy.h"

#define POLICY_NAME_MAX 64u

static bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

bool policy_kind_is_valid(const char *kind) {
        return policy_kind_engine(kind) != NULL;
}

bool policy_kind_is_engine(const char *kind) {
        /* mb and ima are reached as boot and runtime: one node has one policy for each. */
        return plugin_name_is_valid(kind) && !streq(kind, "tpm") && !streq(kind, "boot") && !streq(kind, "runtime") &&
               !streq(kind, "mb") && !streq(kind, "ima");
}

const char *policy_kind_engine(const char *kind) {
        if (streq(kind, "tpm"))
                return "tpm";
        if (streq(kind, "boot"))
                return "mb";
        if (streq(kind, "runtime"))
                return "ima";
        return policy_kind_is_engine(kind) ? kind : NULL;
}

bool policy_name_is_valid(const char *name) {
        size_t n = strlen(name);
        return n > 0 && n <= POLICY_NAME_MAX && name[0] != '.' &&
               strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int policy_compile(Manager *m, const char *kind, const uint8_t *data, size_t size, CompiledPolicy **ret,
                   char *error, size_t error_size) {
        const char *engine = policy_kind_engine(kind);
        const Plugin *p;

        if (!engine) {
                (void) snprintf(error, error_size, "unknown policy kind '%s'", kind);
                return -EINVAL;
        }
        p = m->push.plugins ? plugin_set_find(m->push.plugins, engine, ATTEST_PLUGIN_POLICY_ENGINE) : NULL;
        if (!p) {
                (void) snprintf(error, error_size, "no policy engine plugin '%s'", engine);
                return -ENOPKG;
        }
        return policy_cache_get(m->push.cache, p, data, size, ret, error, error_size);
}

int policy_validate(Manager *m, const char *kind, const uint8_t *data, size_t size, char *error, size_t error_size) {
        CompiledPolicy *cp = NULL;
        int r;

        r = policy_compile(m, kind, data, size, &cp, error, error_size);
        if (r < 0)
                return r;
        policy_cache_release(m->push.cache, cp);
        return 0;
}

int policy_reply_invalid(Request *q, const char *kind, int r, const char *error) {
        if (r == -ENOMEM)
                reply_error(q, 500, "oom", NULL, "Out of memory.");
        else if (r == -ENOPKG)
                reply_error(q, 422, "engine_not_loaded", NULL, "No policy engine for %s policies is loaded: %s", kind, error);
        else
                reply_error(q, 400, "invalid_policy", NULL, "Not a valid %s policy: %s", kind, error);
        return r;
}
