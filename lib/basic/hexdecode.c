/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hexdecode.h"
#include "macro.h"

/* Value of each hex digit, -1 for other bytes: a table, since digits and
 * letters mix at random in digests and branches on them mispredict. */
static const int8_t unhex_table[256] = {
        ['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1,
        ['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1,
        ['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1,
        ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
};

static int unhexchar(char c) {
        return unhex_table[(uint8_t) c] - 1;   /* stored + 1 so that the zero fill means "not hex" */
}

char *hex_encode(const void *data, size_t len) {
        static const char table[] = "0123456789abcdef";
        const uint8_t *p = data;
        size_t n;

        if (MUL_OVERFLOW(len, (size_t) 2, &n) || ADD_OVERFLOW(n, (size_t) 1, &n))
                return NULL;
        char *r = malloc(n);
        if (!r)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                r[2 * i] = table[p[i] >> 4];
                r[2 * i + 1] = table[p[i] & 15];
        }
        r[2 * len] = 0;
        return r;
}

int hex_decode_into(const char *s, size_t len, uint8_t *buf, size_t size) {
        assert(s || len == 0);

        if (len % 2 != 0 || len / 2 != size)
                return -EINVAL;
        int bad = 0;
        for (size_t i = 0; i < size; i++) {
                int hi = unhexchar(s[2 * i]), lo = unhexchar(s[2 * i + 1]);
                bad |= hi | lo;   /* negative once any byte is not hex */
                buf[i] = (uint8_t) ((unsigned) hi << 4 | (unsigned) lo);
        }
        return bad < 0 ? -EINVAL : 0;
}

int hex_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        assert(ret);
        if (len % 2 != 0)
                return -EINVAL;
        buf = malloc(len / 2 + 1);
        if (!buf)
                return -ENOMEM;
        r = hex_decode_into(s, len, buf, len / 2);
        if (r < 0)
                return r;
        buf[len / 2] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = len / 2;
        return 0;
}

static const char b64_table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len) {
        const uint8_t *p = data;
        size_t n = (len + 2) / 3 * 4 + 1;
        char *r, *o;

        if (len > SIZE_MAX / 2)
                return NULL;
        r = o = malloc(n);
        if (!r)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) p[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t) p[i + 1] << 8;
                if (i + 2 < len)
                        v |= p[i + 2];
                *o++ = b64_table[(v >> 18) & 63];
                *o++ = b64_table[(v >> 12) & 63];
                *o++ = i + 1 < len ? b64_table[(v >> 6) & 63] : '=';
                *o++ = i + 2 < len ? b64_table[v & 63] : '=';
        }
        *o = 0;
        return r;
}

/* By ranges, not a search of b64_table: every byte of a quote, a PCR blob and an event
 * log passes through here. */
static int unbase64char(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -EINVAL;
}

int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t o = 0, symbols;
        uint32_t acc = 0;

        assert(s || len == 0);
        assert(ret);

        /* Strip up to two '=' of padding; if present, the total must be a multiple of 4. */
        symbols = len;
        if (symbols > 0 && s[symbols - 1] == '=') {
                symbols--;
                if (symbols > 0 && s[symbols - 1] == '=')
                        symbols--;
                if (len % 4 != 0)
                        return -EINVAL;
        }
        if (symbols % 4 == 1)
                return -EINVAL;

        buf = malloc(symbols / 4 * 3 + 3);
        if (!buf)
                return -ENOMEM;

        for (size_t i = 0; i < symbols; i++) {
                int v = unbase64char(s[i]);
                if (v < 0)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t) v;
                if (i % 4 == 3) {
                        buf[o++] = (uint8_t) (acc >> 16);
                        buf[o++] = (uint8_t) (acc >> 8);
                        buf[o++] = (uint8_t) acc;
                        acc = 0;
                }
        }
        switch (symbols % 4) {
        case 2:
                if (acc & 0xf)
                        return -EINVAL;
                buf[o++] = (uint8_t) (acc >> 4);
                break;
        case 3:
                if (acc & 0x3)
                        return -EINVAL;
                buf[o++] = (uint8_t) (acc >> 10);
                buf[o++] = (uint8_t) (acc >> 2);
                break;
        default:
                break;
        }
        buf[o] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = o;
        return 0;
}
