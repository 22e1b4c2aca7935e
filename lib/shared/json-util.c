/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hexdecode.h"
#include "json-util.h"
#include "json-writer.h"
#include "attest-limits.h"

int json_parse_object(const char *buf, size_t len, json_object **ret) {
        return json_parse_object_max(buf, len, HTTP_BODY_MAX, ret);
}

json_tokener *json_parser_new(void) {
        json_tokener *tok = json_tokener_new_ex((int) JSON_DEPTH_MAX);

        if (tok)
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        return tok;
}

int json_parse_object_max(const char *buf, size_t len, size_t max, json_object **ret) {
        json_tokener *tok;
        int r;

        tok = json_parser_new();
        if (!tok)
                return -ENOMEM;
        r = json_parse_object_with(tok, buf, len, max, ret);
        json_tokener_free(tok);
        return r;
}

int json_parse_object_with(json_tokener *tok, const char *buf, size_t len, size_t max, json_object **ret) {
        json_object *o;
        enum json_tokener_error jerr;
        size_t used;

        if (len > max || len > INT32_MAX)
                return -E2BIG;
        if (memchr(buf, 0, len))
                return -EBADMSG;
        json_tokener_reset(tok);
        o = json_tokener_parse_ex(tok, buf, (int) len);
        jerr = json_tokener_get_error(tok);
        used = json_tokener_get_parse_end(tok);
        if (!o) {
                return jerr == json_tokener_error_depth ? -E2BIG : -EBADMSG;
        }
        for (size_t i = used; i < len; i++)
                if (!isspace((unsigned char) buf[i])) {
                        json_object_put(o);
                        return -EBADMSG;
                }
        if (!json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return -EBADMSG;
        }
        *ret = o;
        return 0;
}

int json_get_string(json_object *o, const char *key, size_t max, const char **ret) {
        json_object *v;
        const char *s;
        size_t len;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return -ENOENT;
        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        s = json_object_get_string(v);
        len = (size_t) json_object_get_string_len(v);
        if (len == 0 || len > max || strlen(s) != len)
                return -EINVAL;
        *ret = s;
        return 0;
}

int json_get_string_required(json_object *o, const char *key, size_t max, const char **ret) {
        int r = json_get_string(o, key, max, ret);
        return r == -ENOENT ? -EINVAL : r;
}

int json_get_uint64(json_object *o, const char *key, uint64_t *ret) {
        json_object *v;
        int64_t n;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return -ENOENT;
        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                char *end;
                errno = 0;
                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                unsigned long long u = strtoull(s, &end, 10);
                if (errno || *end)
                        return -EINVAL;
                *ret = u;
                return 0;
        }
        if (!json_object_is_type(v, json_type_int))
                return -EINVAL;
        errno = 0;
        n = json_object_get_int64(v);
        if (n < 0 || errno)
                return -EINVAL;
        *ret = (uint64_t) n;
        return 0;
}

int json_get_base64(json_object *o, const char *key, size_t max, uint8_t **ret, size_t *ret_size) {
        const char *s;
        uint8_t *d;
        size_t n;
        int r;

        r = json_get_string(o, key, JSON_STRING_FIELD_MAX, &s);
        if (r < 0)
                return r;
        /* 4 characters per 3 bytes: refuse before decoding anything oversized. */
        if (strlen(s) > (max + 2) / 3 * 4)
                return -E2BIG;
        r = base64_decode(s, strlen(s), &d, &n);
        if (r < 0)
                return -EINVAL;
        if (n > max) {
                free(d);
                return -E2BIG;
        }
        *ret = d;
        *ret_size = n;
        return 0;
}

int json_add_string(json_object *o, const char *key, const char *value) {
        json_object *v = NULL;

        if (value && !(v = json_object_new_string(value)))
                return -ENOMEM;
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int json_add_int(json_object *o, const char *key, int64_t value) {
        json_object *v = json_object_new_int64(value);
        if (!v)
                return -ENOMEM;
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int json_add_bool(json_object *o, const char *key, bool value) {
        json_object *v = json_object_new_boolean(value);
        if (!v)
                return -ENOMEM;
        return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

json_object *json_new_with_array(const char *key, json_object **ret_array) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();

        if (!o || !a || json_object_object_add(o, key, a) < 0) {
                json_object_put(a);
                json_object_put(o);
                return NULL;
        }
        *ret_array = a;
        return o;
}

int json_array_append(json_object *a, json_object *v) {
        if (!v || json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* JSON_TEXT_PLAIN text, written in one buffer that the answer then owns. */
static char *serialise(json_object *o) {
        JsonWriter w = {};

        json_writer_json(&w, o);
        return json_writer_finish(&w);
}

char *json_v2_envelope(unsigned code, const char *status, json_object *results) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!results)
                results = json_object_new_object();
        if (!o || !results || json_add_int(o, "code", code) < 0 || json_add_string(o, "status", status) < 0 ||
            json_object_object_add(o, "results", results) < 0) {
                json_object_put(results);
                return NULL;
        }
        return serialise(o);
}

char *json_v3_error(unsigned status, const char *code, const char *title, const char *detail,
                    const char *pointer) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *errors = json_object_new_array(), *e = json_object_new_object();
        char st[16];

        if (!o || !errors || !e || json_object_object_add(o, "errors", errors) < 0) {
                json_object_put(errors);
                json_object_put(e);
                return NULL;
        }
        if (json_object_array_add(errors, e) < 0) {
                json_object_put(e);
                return NULL;
        }
        (void) snprintf(st, sizeof st, "%u", status);
        if (json_add_string(e, "status", st) < 0 || json_add_string(e, "code", code) < 0 ||
            json_add_string(e, "title", title) < 0 || (detail && json_add_string(e, "detail", detail) < 0))
                return NULL;
        if (pointer) {
                json_object *src = json_object_new_object();
                if (!src || json_object_object_add(e, "source", src) < 0) {
                        json_object_put(src);
                        return NULL;
                }
                if (json_add_string(src, "pointer", pointer) < 0)
                        return NULL;
        }
        return serialise(o);
}

char *json_v3_document(const char *type, const char *id, json_object *attributes, json_object *meta) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *data = json_object_new_object();

        if (!attributes)
                attributes = json_object_new_object();
        if (!o || !data || json_object_object_add(o, "data", data) < 0) {
                json_object_put(data);
                json_object_put(attributes);
                json_object_put(meta);
                return NULL;
        }
        if (json_add_string(data, "type", type) < 0 || json_add_string(data, "id", id) < 0 ||
            json_object_object_add(data, "attributes", attributes) < 0) {
                json_object_put(meta);
                return NULL;
        }
        if (meta && json_object_object_add(o, "meta", meta) < 0)
                return NULL;
        return serialise(o);
}

int format_timestamp_iso(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        char base[32];

        if (!gmtime_r(&t, &tm) || strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return -EINVAL;
        if ((size_t) snprintf(buf, size, "%s.%06u+00:00", base, (unsigned) (usec % 1000000)) >= size)
                return -ENOBUFS;
        return 0;
}
