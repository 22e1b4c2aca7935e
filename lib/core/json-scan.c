/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "json-scan.h"

static void skip_ws(JsonScan *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
                s->p++;
}

bool json_scan_take(JsonScan *s, char c) {
        skip_ws(s);
        if (s->p < s->end && *s->p == c) {
                s->p++;
                return true;
        }
        return false;
}

bool json_scan_at_end(JsonScan *s) {
        skip_ws(s);
        return s->p == s->end;
}

static int hex4(const char *p, uint32_t *ret) {
        uint32_t v = 0;

        for (size_t i = 0; i < 4; i++) {
                char c = p[i];
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
                        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0)
                        return -EBADMSG;
                v = v << 4 | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

/* \uXXXX (and its low surrogate) as UTF-8 into out; returns the byte count. */
static int unicode_escape(JsonScan *s, char out[4]) {
        uint32_t cp, lo;

        if (s->end - s->p < 4 || hex4(s->p, &cp) < 0)
                return -EBADMSG;
        s->p += 4;
        if (cp >= 0xdc00 && cp <= 0xdfff)
                return -EBADMSG;
        if (cp >= 0xd800 && cp <= 0xdbff) {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' || hex4(s->p + 2, &lo) < 0 ||
                    lo < 0xdc00 || lo > 0xdfff)
                        return -EBADMSG;
                s->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xc0 | cp >> 6), out[1] = (char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xe0 | cp >> 12), out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char) (0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | cp >> 18), out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3f)), out[3] = (char) (0x80 | (cp & 0x3f));
        return 4;
}

static int escape(JsonScan *s, char out[4]) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k;

        if (s->p >= s->end)
                return -EBADMSG;
        char c = *s->p++;
        if (c == 'u')
                return unicode_escape(s, out);
        k = c ? strchr(from, c) : NULL;
        if (!k)
                return -EBADMSG;
        out[0] = to[k - from];
        return 1;
}

int json_scan_string(JsonScan *s, char *buf, size_t max, size_t *ret_len) {
        size_t n = 0;
        bool too_long = false;

        if (!json_scan_take(s, '"'))
                return -EBADMSG;
        for (;;) {
                /* Copy the plain run up to the next quote, backslash or control byte. */
                const char *q = s->p;
                while (q < s->end && *q != '"' && *q != '\\' && (unsigned char) *q >= 0x20)
                        q++;
                size_t run = (size_t) (q - s->p);
                if (buf && !too_long && n + run <= max)
                        memcpy(buf + n, s->p, run);
                too_long = too_long || n + run > max;
                n += run;
                s->p = q;
                if (s->p >= s->end || (unsigned char) *s->p < 0x20)
                        return -EBADMSG;
                if (*s->p++ == '"')
                        break;
                char u[4];
                int k = escape(s, u);
                if (k < 0)
                        return k;
                if (buf && !too_long && n + (size_t) k <= max)
                        memcpy(buf + n, u, (size_t) k);
                too_long = too_long || n + (size_t) k > max;
                n += (size_t) k;
        }
        if (too_long && buf)
                return -E2BIG;
        if (buf)
                buf[n] = 0;
        if (ret_len)
                *ret_len = n;
        return 0;
}

static int skip_number(JsonScan *s) {
        const char *p = s->p, *e = s->end;

        if (p < e && *p == '-')
                p++;
        if (p < e && *p == '0')
                p++;
        else if (p < e && *p >= '1' && *p <= '9')
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        else
                return -EBADMSG;
        if (p < e && *p == '.') {
                if (++p >= e || *p < '0' || *p > '9')
                        return -EBADMSG;
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        }
        if (p < e && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < e && (*p == '+' || *p == '-'))
                        p++;
                if (p >= e || *p < '0' || *p > '9')
                        return -EBADMSG;
                while (p < e && *p >= '0' && *p <= '9')
                        p++;
        }
        s->p = p;
        return 0;
}

static int skip_literal(JsonScan *s, const char *word) {
        size_t n = strlen(word);

        if ((size_t) (s->end - s->p) < n || memcmp(s->p, word, n) != 0)
                return -EBADMSG;
        s->p += n;
        return 0;
}

static int skip(JsonScan *s, unsigned depth) {
        int r = 0;

        if (depth > JSON_SCAN_DEPTH_MAX)
                return -E2BIG;
        skip_ws(s);
        if (s->p >= s->end)
                return -EBADMSG;
        switch (*s->p) {
        case '"':
                return json_scan_string(s, NULL, 0, NULL);
        case '{':
        case '[': {
                char close = *s->p == '{' ? '}' : ']';
                bool object = close == '}';
                s->p++;
                if (json_scan_take(s, close))
                        return 0;
                do {
                        if (object && ((r = json_scan_string(s, NULL, 0, NULL)) < 0 || !json_scan_take(s, ':')))
                                return r < 0 ? r : -EBADMSG;
                        r = skip(s, depth + 1);
                        if (r < 0)
                                return r;
                } while (json_scan_take(s, ','));
                return json_scan_take(s, close) ? 0 : -EBADMSG;
        }
        case 't':
                return skip_literal(s, "true");
        case 'f':
                return skip_literal(s, "false");
        case 'n':
                return skip_literal(s, "null");
        default:
                return skip_number(s);
        }
}

int json_scan_skip_value(JsonScan *s, const char **ret_start, const char **ret_end) {
        int r;

        skip_ws(s);
        const char *start = s->p;
        r = skip(s, 0);
        if (r < 0)
                return r;
        if (ret_start)
                *ret_start = start;
        if (ret_end)
                *ret_end = s->p;
        return 0;
}
