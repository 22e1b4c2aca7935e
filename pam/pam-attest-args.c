/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "pam-attest-args.h"
#include "macro.h"
#include "parse-util.h"

static const struct {
        const char *suffix;
        uint64_t usec;
} duration_units[] = {
        { "ms",  1000ULL },
        { "s",   1000000ULL },
        { "min", 60ULL * 1000000ULL },
        { "h",   3600ULL * 1000000ULL },
        { "",    1000000ULL },
};

int pam_attest_parse_duration(const char *s, uint64_t *ret) {
        char num[21];
        size_t n;
        uint64_t v, usec;
        int r;

        assert_return(s, -EINVAL);
        assert_return(ret, -EINVAL);

        n = strspn(s, "0123456789");
        if (n == 0 || n >= sizeof(num))
                return -EINVAL;
        memcpy(num, s, n);
        num[n] = 0;
        r = safe_atou64(num, &v);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(duration_units); i++) {
                if (strcmp(s + n, duration_units[i].suffix) != 0)
                        continue;
                if (__builtin_mul_overflow(v, duration_units[i].usec, &usec))
                        return -ERANGE;
                *ret = usec;
                return 0;
        }
        return -EINVAL;
}

static const char *arg_value(const char *arg, const char *key) {
        size_t n = strlen(key);
        return strncmp(arg, key, n) == 0 ? arg + n : NULL;
}

static int parse_one(const char *arg, PamAttestArgs *a) {
        const char *v;
        int r;

        if (strcmp(arg, "debug") == 0) {
                a->debug = true;
                return 0;
        }
        if ((v = arg_value(arg, "timeout="))) {
                r = pam_attest_parse_duration(v, &a->timeout_usec);
                if (r < 0 || a->timeout_usec == 0 || a->timeout_usec > PAM_ATTEST_TIMEOUT_MAX_USEC)
                        return -EINVAL;
                return 0;
        }
        if ((v = arg_value(arg, "max_age="))) {
                r = pam_attest_parse_duration(v, &a->max_age_usec);
                return r < 0 ? -EINVAL : 0;
        }
        if ((v = arg_value(arg, "allow="))) {
                if (*v == 0 || strlen(v) > PAM_ATTEST_ALLOW_MAX)
                        return -EINVAL;
                a->allow = v;
                return 0;
        }
        if (!a->unknown)
                a->unknown = arg;
        return 0;
}

int pam_attest_parse_args(int argc, const char **argv, PamAttestArgs *ret, const char **ret_bad) {
        PamAttestArgs a = {
                .timeout_usec = PAM_ATTEST_TIMEOUT_DEFAULT_USEC,
                .allow = PAM_ATTEST_ALLOW_DEFAULT,
        };
        int r;

        assert_return(argc >= 0, -EINVAL);
        assert_return(argc == 0 || argv, -EINVAL);
        assert_return(ret, -EINVAL);

        for (int i = 0; i < argc; i++) {
                if (!argv[i])
                        return -EINVAL;
                r = parse_one(argv[i], &a);
                if (r < 0) {
                        if (ret_bad)
                                *ret_bad = argv[i];
                        return r;
                }
        }
        *ret = a;
        return 0;
}
