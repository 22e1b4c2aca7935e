/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "json-writer.h"
#include "macro.h"

#define JSON_WRITER_INITIAL 1024u

void json_writer_done(JsonWriter *w) {
        w->buf = mfree(w->buf);
        w->size = w->allocated = 0;
}

/* Room for n more bytes and the final NUL. */
static bool reserve(JsonWriter *w, size_t n) {
        size_t a;
        char *p;

        if (w->failed)
                return false;
        if (n < w->allocated - w->size)
                return true;
        if (n > SIZE_MAX / 2 - w->size - 1) {
                w->failed = true;
                return false;
        }
        a = MAX(MAX(w->allocated * 2, w->size + n + 1), (size_t) JSON_WRITER_INITIAL);
        p = realloc(w->buf, a);
        if (!p) {
                w->failed = true;
                return false;
        }
        w->buf = p;
        w->allocated = a;
        return true;
}

void json_writer_reserve(JsonWriter *w, size_t n) {
        (void) reserve(w, n);
}

void json_writer_raw(JsonWriter *w, const char *s, size_t n) {
        if (!reserve(w, n))
                return;
        memcpy(w->buf + w->size, s, n);
        w->size += n;
}

void json_writer_literal(JsonWriter *w, const char *s) {
        json_writer_raw(w, s, strlen(s));
}

/* The bytes json-c's JSON_TEXT_PLAIN escapes. Every byte from 0x20 on is itself, non-ASCII
 * and DEL included, and so is "/" (NOSLASHESCAPE). */
static bool needs_escape(unsigned char c) {
        return c < 0x20 || c == '"' || c == '\\';
}

/* How json-c writes c, one of the bytes needs_escape() names. */
static const char *escape_of(unsigned char c, char buf[static 7]) {
        static const char hex[] = "0123456789abcdef";

        switch (c) {
        case '\b': return "\\b";
        case '\n': return "\\n";
        case '\r': return "\\r";
        case '\t': return "\\t";
        case '\f': return "\\f";
        case '"':  return "\\\"";
        case '\\': return "\\\\";
        default:
                buf[0] = '\\';
                buf[1] = 'u';
                buf[2] = '0';
                buf[3] = '0';
                buf[4] = hex[c >> 4];
                buf[5] = hex[c & 0xf];
                buf[6] = 0;
                return buf;
        }
}

/* Whether one of the 8 bytes in x needs an escape: the high bit of (v - 0x01…) & ~v is
 * set in some byte exactly when a byte of v is zero, and of (x - 0x20…) & ~x when one is
 * below 0x20. Which byte is left to needs_escape(). */
static bool word_needs_escape(uint64_t x) {
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
        uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');

        return (((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs;
}

/* The index of the first byte from i on that needs an escape, n when none does: long
 * strings (an IMA log's lines) are scanned eight bytes at a time and copied in runs. */
static size_t next_escape(const char *s, size_t i, size_t n) {
        for (; n - i >= sizeof(uint64_t); i += sizeof(uint64_t)) {
                uint64_t x;

                memcpy(&x, s + i, sizeof x);
                if (word_needs_escape(x))
                        break;
        }
        while (i < n && !needs_escape((unsigned char) s[i]))
                i++;
        return i;
}

void json_writer_string_len(JsonWriter *w, const char *s, size_t n) {
        size_t start = 0, i = 0;
        char esc[7];

        if (!s)
                return json_writer_literal(w, "null");
        if (!reserve(w, n + 2))
                return;
        json_writer_raw(w, "\"", 1);
        for (;;) {
                i = next_escape(s, i, n);
                json_writer_raw(w, s + start, i - start);
                if (i == n)
                        break;
                json_writer_literal(w, escape_of((unsigned char) s[i], esc));
                start = ++i;
        }
        json_writer_raw(w, "\"", 1);
}

void json_writer_string(JsonWriter *w, const char *s) {
        json_writer_string_len(w, s, s ? strlen(s) : 0);
}

/* Digits written from the end: snprintf()'s format parsing cost more than the number. */
void json_writer_int(JsonWriter *w, int64_t v) {
        char buf[24];
        size_t i = sizeof buf;
        uint64_t u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;

        do
                buf[--i] = (char) ('0' + u % 10);
        while ((u /= 10) > 0);
        if (v < 0)
                buf[--i] = '-';
        json_writer_raw(w, buf + i, sizeof buf - i);
}

void json_writer_key(JsonWriter *w, const char *key, bool first) {
        if (!first)
                json_writer_raw(w, ",", 1);
        json_writer_string(w, key);
        json_writer_raw(w, ":", 1);
}

/* A value as json-c serialises it, for the kinds the walk leaves to json-c. */
static void write_by_json_c(JsonWriter *w, json_object *o) {
        size_t n = 0;
        const char *s = json_object_to_json_string_length(o, JSON_TEXT_PLAIN, &n);

        if (!s) {
                w->failed = true;
                return;
        }
        json_writer_raw(w, s, n);
}

/* The tree is walked straight into the buffer: json-c would serialise it into a
 * buffer of its own, grown from 32 bytes, to be copied here afterwards. */
void json_writer_json(JsonWriter *w, json_object *o) {
        bool first = true;

        switch (json_object_get_type(o)) {
        case json_type_null:
                return json_writer_literal(w, "null");
        case json_type_boolean:
                return json_writer_literal(w, json_object_get_boolean(o) ? "true" : "false");
        case json_type_string:
                return json_writer_string_len(w, json_object_get_string(o), (size_t) json_object_get_string_len(o));
        case json_type_int:
                /* An unsigned value beyond INT64_MAX reads as INT64_MAX: json-c writes it. */
                if (json_object_get_int64(o) == INT64_MAX)
                        return write_by_json_c(w, o);
                return json_writer_int(w, json_object_get_int64(o));
        case json_type_array:
                json_writer_raw(w, "[", 1);
                for (size_t i = 0; i < json_object_array_length(o); i++) {
                        if (i > 0)
                                json_writer_raw(w, ",", 1);
                        json_writer_json(w, json_object_array_get_idx(o, i));
                }
                return json_writer_raw(w, "]", 1);
        case json_type_object:
                json_writer_raw(w, "{", 1);
                json_object_object_foreach(o, key, value) {
                        json_writer_key(w, key, first);
                        json_writer_json(w, value);
                        first = false;
                }
                return json_writer_raw(w, "}", 1);
        default:
                /* Doubles keep the text they were parsed from, or json-c's own format. */
                return write_by_json_c(w, o);
        }
}

void json_writer_stored(JsonWriter *w, const char *text) {
        json_object *o = text ? json_tokener_parse(text) : NULL;

        json_writer_json(w, o);
        json_object_put(o);
}

char *json_writer_finish(JsonWriter *w) {
        char *s;

        if (!reserve(w, 0)) {
                json_writer_done(w);
                return NULL;
        }
        w->buf[w->size] = 0;
        s = TAKE_PTR(w->buf);
        json_writer_done(w);
        return s;
}
