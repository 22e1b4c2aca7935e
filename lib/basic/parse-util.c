/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"

int safe_atou64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        assert(s);
        if (*s == 0)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (MUL_OVERFLOW(v, (uint64_t) 10, &v) || ADD_OVERFLOW(v, (uint64_t) (*p - '0'), &v))
                        return -ERANGE;
        }
        if (ret)
                *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        if (ret)
                *ret = (uint32_t) v;
        return 0;
}

int safe_atou16(const char *s, uint16_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT16_MAX)
                return -ERANGE;
        if (ret)
                *ret = (uint16_t) v;
        return 0;
}

int safe_atoi64(const char *s, int64_t *ret) {
        bool negative = false;
        uint64_t v;
        int r;

        assert(s);
        if (*s == '-') {
                negative = true;
                s++;
        }
        r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (negative ? v > (uint64_t) INT64_MAX + 1 : v > (uint64_t) INT64_MAX)
                return -ERANGE;
        if (ret)
                *ret = negative ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

int parse_boolean(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        assert(s);
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        if (ret)
                                *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        if (ret)
                                *ret = false;
                        return 0;
                }
        return -EINVAL;
}
