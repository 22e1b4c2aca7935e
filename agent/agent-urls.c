/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* [Registrar] URL= and [Verifier] URL= (or --registrar and --verifier): one
 * URL, or several instances of one verifier separated by whitespace or commas,
 * between which agent-failover.c moves. Checked when the configuration is
 * loaded, so that a mistyped entry stops the agent instead of being tried. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent.h"
#include "log.h"

#define URL_SEPARATORS " \t\n,"

size_t agent_url_count(const char *list) {
        size_t n = 0;

        for (const char *p = list ? list + strspn(list, URL_SEPARATORS) : ""; *p;
             p += strcspn(p, URL_SEPARATORS), p += strspn(p, URL_SEPARATORS))
                n++;
        return n;
}

int agent_url_pick(const char *list, unsigned index, char **ret) {
        size_t n = agent_url_count(list);
        const char *p;

        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        p = list + strspn(list, URL_SEPARATORS);
        for (index %= n; index > 0; index--) {
                p += strcspn(p, URL_SEPARATORS);
                p += strspn(p, URL_SEPARATORS);
        }
        *ret = strndup(p, strcspn(p, URL_SEPARATORS));
        return *ret ? 0 : -ENOMEM;
}

/* ":PORT" (1–65535) or nothing. */
static bool port_ok(const char *s, size_t len) {
        unsigned long v = 0;

        if (len == 0)
                return true;
        if (s[0] != ':' || len < 2 || len > 6)
                return false;
        for (size_t i = 1; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long) (s[i] - '0');
        }
        return v >= 1 && v <= 65535;
}

/* http:// or https://, then a host (a name, an address, or an IPv6 address in
 * brackets) and an optional port; printable ASCII only. The reason when not. */
static const char *url_problem(const char *url, size_t len) {
        static const char *const schemes[] = { "https://", "http://" };
        const char *authority = NULL, *host, *end;
        size_t auth_len;

        if (len > AGENT_URL_MAX)
                return "is too long";
        for (size_t i = 0; i < len; i++)
                if (url[i] <= ' ' || url[i] >= 0x7f)
                        return "contains a control or non-ASCII character";
        for (size_t i = 0; i < ELEMENTSOF(schemes) && !authority; i++)
                if (len >= strlen(schemes[i]) && strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
                        authority = url + strlen(schemes[i]);
        if (!authority)
                return "is not an http:// or https:// URL";
        auth_len = strcspn(authority, "/?#");
        if (auth_len > len - (size_t) (authority - url))
                auth_len = len - (size_t) (authority - url);
        /* user:password@ is no business of the agent's, but not wrong either. */
        host = memrchr(authority, '@', auth_len);
        host = host ? host + 1 : authority;
        end = authority + auth_len;
        if (host < end && *host == '[') {
                const char *close = memchr(host, ']', (size_t) (end - host));
                if (!close || close == host + 1)
                        return "has an unterminated or empty IPv6 address";
                return port_ok(close + 1, (size_t) (end - close - 1)) ? NULL : "has an invalid port";
        }
        const char *colon = memchr(host, ':', (size_t) (end - host));
        if ((colon ?: end) == host)
                return "names no host";
        return !colon || port_ok(colon, (size_t) (end - colon)) ? NULL : "has an invalid port";
}

int agent_url_list_check(const char *list, const char *setting) {
        size_t n = agent_url_count(list);
        const char *p;

        if (!list)
                return 0;
        if (n == 0)
                return log_error_errno(-EINVAL, "%s: no URL given.", setting);
        if (n > AGENT_URLS_MAX)
                return log_error_errno(-E2BIG, "%s: %zu URLs, at most %u are allowed.", setting, n, AGENT_URLS_MAX);
        p = list + strspn(list, URL_SEPARATORS);
        for (size_t i = 0; i < n; i++) {
                size_t len = strcspn(p, URL_SEPARATORS);
                const char *why = url_problem(p, len);

                /* Echoed only when printable, and then shortened. */
                if (why && strstr(why, "character"))
                        return log_error_errno(-EINVAL, "%s: entry %zu %s.", setting, i + 1, why);
                if (why)
                        return log_error_errno(-EINVAL, "%s: entry %zu '%.*s%s' %s.", setting, i + 1,
                                               (int) MIN(len, (size_t) 128), p, len > 128 ? "..." : "", why);
                p += len;
                p += strspn(p, URL_SEPARATORS);
        }
        return 0;
}
