/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy kinds and names, and the one check of policy content: the engine's
 * own compile step, as the verifier runs it when it evaluates. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "verifierd.h"
#include "verifierd-policy.h"

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

int policy_name_for_file(const char *path, char ret[static POLICY_NAME_MAX + 1]) {
        static const char prefix[] = "file-";
        char escaped[PATH_MAX], digest[POLICY_DIGEST_HEX_SIZE];
        size_t n = 0, room = POLICY_NAME_MAX - (sizeof prefix - 1);
        const char *tail = escaped;
        char *out;
        int r;

        for (const char *p = path + strspn(path, "/"); *p && n < sizeof escaped - 1; p++)
                escaped[n++] = *p == '/' ? '-' : strchr("._-", *p) || isalnum((unsigned char) *p) ? *p : '_';
        escaped[n] = 0;
        if (n == 0)
                return -EINVAL;
        out = stpcpy(ret, prefix);
        if (n > room) {
                r = policy_digest_hex((const uint8_t *) path, strlen(path), digest);
                if (r < 0)
                        return r;
                memcpy(out, digest, 8);
                out[8] = '-';
                out += 9;
                tail = escaped + n - (room - 9);
        }
        strcpy(out, tail);
        return 0;
}

int policy_name_for_spec(const char *spec, char ret[static POLICY_NAME_MAX + 1]) {
        if (spec[0] == '/')
                return policy_name_for_file(spec, ret);
        if (!policy_name_is_valid(spec))
                return -EINVAL;
        strcpy(ret, spec);
        return 0;
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
        else {
                /* The shipped engines name their subject ("runtime policy: …"): said once. */
                size_t k = strlen(kind);
                if (strncmp(error, kind, k) == 0 && strncmp(error + k, " policy: ", 9) == 0)
                        error += k + 9;
                reply_error(q, 400, "invalid_policy", NULL, "Not a valid %s policy: %s", kind, error);
        }
        return r;
}
