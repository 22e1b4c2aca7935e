/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "json-parse.h"
#include "macro.h"

static bool only_space(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                        return false;
        return true;
}

int json_parse_text(const char *text, size_t len, size_t max_size, json_object **ret) {
        json_tokener *tok;
        json_object *root;
        size_t end;

        assert_return(text && ret, -EINVAL);
        if (len > max_size || len > (size_t) INT_MAX)   /* json_tokener_parse_ex() takes an int */
                return -E2BIG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, text, (int) len);
        end = json_tokener_get_parse_end(tok);
        if (!root || json_tokener_get_error(tok) != json_tokener_success || end > len ||
            !only_space(text + end, len - end)) {
                json_object_put(root);
                json_tokener_free(tok);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = root;
        return 0;
}

json_object *json_get_typed(json_object *obj, const char *key, json_type type) {
        json_object *v;

        if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
                return NULL;
        return json_object_is_type(v, type) ? v : NULL;
}
