/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-parse.h"
#include "plugin-util.h"

int plugin_parse_json(const char *text, size_t size, size_t max, const char *what, PluginJsonParser parse,
                      void *ret, char *error, size_t error_size) {
        const char *why = "malformed JSON";
        json_object *root = NULL;
        int r;

        r = json_parse_text(text ?: "", text ? size : 0, max, &root);
        if (r == -E2BIG)
                why = "too large";
        if (r >= 0 && !json_object_is_type(root, json_type_object)) {
                why = "not a JSON object";
                r = -EBADMSG;
        }
        if (r >= 0)
                r = parse(root, ret, &why);
        json_object_put(root);
        if (r < 0 && r != -ENOMEM)
                plugin_error(error, error_size, "%s: %s", what, why);
        return r;
}
