/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-util.h"
#include "json-writer.h"

/* Untrusted bytes (what a node sent, echoed in the 202 answer) written as a JSON string
 * and as a member name: byte for byte what json-c writes for them, and JSON that json-c
 * reads back to the same bytes; read as JSON, the tree written as json-c writes it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *s = (const char *) data;
        json_object *o = json_object_new_object(), *v = json_object_new_string_len(s, (int) size), *back;
        _cleanup_free_ char *key = strndup(s, size), *text = NULL;
        JsonWriter w = {};

        if (!o || !v || !key || size > INT32_MAX) {
                json_object_put(o);
                json_object_put(v);
                return 0;
        }
        json_writer_literal(&w, "{");
        json_writer_key(&w, key, true);
        json_writer_string_len(&w, s, size);
        json_writer_literal(&w, "}");
        text = json_writer_finish(&w);
        assert(text);
        (void) json_object_object_add(o, key, v);
        assert(strcmp(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN)) == 0);

        back = json_tokener_parse(text);
        assert(back);
        v = json_object_object_get(back, key);
        assert(v && (size_t) json_object_get_string_len(v) == size && memcmp(json_object_get_string(v), s, size) == 0);
        json_object_put(back);
        json_object_put(o);

        /* The same bytes read as JSON: the tree written as json-c writes it. */
        o = json_tokener_parse(key);
        if (o) {
                free(text);
                w = (JsonWriter) {};
                json_writer_json(&w, o);
                text = json_writer_finish(&w);
                assert(text && strcmp(text, json_object_to_json_string_ext(o, JSON_TEXT_PLAIN)) == 0);
                json_object_put(o);
        }
        return 0;
}
