/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
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

/* What json-c's JSON_TEXT_PLAIN writes for byte c: NULL for the byte itself. Every byte
 * from 0x20 on is itself, non-ASCII and DEL included, and so is "/" (NOSLASHESCAPE). */
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
                if (c >= 0x20)
                        return NULL;
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

void json_writer_string_len(JsonWriter *w, const char *s, size_t n) {
        size_t start = 0;
        char esc[7];

        if (!s)
                return json_writer_literal(w, "null");
        json_writer_raw(w, "\"", 1);
        for (size_t i = 0; i < n; i++) {
                const char *e = escape_of((unsigned char) s[i], esc);
                if (!e)
                        continue;
                json_writer_raw(w, s + start, i - start);
                json_writer_literal(w, e);
                start = i + 1;
        }
        json_writer_raw(w, s + start, n - start);
        json_writer_raw(w, "\"", 1);
}

void json_writer_string(JsonWriter *w, const char *s) {
        json_writer_string_len(w, s, s ? strlen(s) : 0);
}

void json_writer_int(JsonWriter *w, int64_t v) {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%" PRId64, v);

        json_writer_raw(w, buf, (size_t) n);
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
