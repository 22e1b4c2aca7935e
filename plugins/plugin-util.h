/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers the built-in plugins share: they reach the host only through
 * attest-plugin.h. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <json-c/json.h>

#include "attest/attest-plugin.h"
#include "macro.h"

#define PLUGIN_EXPORT __attribute__((visibility("default")))

/* Declares the entry point of a plugin of kind with vtable. */
#define ATTEST_DEFINE_PLUGIN(plugin_name, plugin_kind, plugin_vtable)           \
        PLUGIN_EXPORT const AttestPluginInfo *attest_plugin_info(void) {        \
                static const AttestPluginInfo info = {                          \
                        .abi_version = ATTEST_PLUGIN_ABI_VERSION,               \
                        .struct_size = sizeof(AttestPluginInfo),                \
                        .name = plugin_name,                                    \
                        .kind = plugin_kind,                                    \
                        .vtable = &(plugin_vtable),                             \
                };                                                              \
                return &info;                                                   \
        }

_printf_(3, 4)
static inline int plugin_error(char *error, size_t size, const char *fmt, ...) {
        va_list ap;

        if (error && size > 0) {
                va_start(ap, fmt);
                (void) vsnprintf(error, size, fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

/* Reports a failure with ctx (consumed; may be NULL) as its JSON context. */
static inline int plugin_fail(const AttestFailureSink *sink, const char *id, AttestSeverity severity, json_object *ctx) {
        const char *text = ctx ? json_object_to_json_string_ext(ctx, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
        int r = sink->add_failure(sink->userdata, id, severity, text);

        json_object_put(ctx);
        return r;
}

/* Adds key: value to obj when value was created (json-c returns NULL on allocation failure). */
static inline void json_add(json_object *obj, const char *key, json_object *value) {
        if (obj && value)
                json_object_object_add(obj, key, value);
        else
                json_object_put(value);
}

static inline json_object *json_hex(const uint8_t *data, size_t size) {
        static const char digits[] = "0123456789abcdef";
        char buf[2 * 64 + 1];

        if (size > 64)
                size = 64;
        for (size_t i = 0; i < size; i++) {
                buf[2 * i] = digits[data[i] >> 4];
                buf[2 * i + 1] = digits[data[i] & 15];
        }
        return json_object_new_string_len(buf, (int) (2 * size));
}

/* Reads one part of a configuration or policy object into ret; a static reason in *why on -EBADMSG. */
typedef int (*PluginJsonParser)(json_object *root, void *ret, const char **why);

/* Parses text (at most max bytes) as a JSON object and hands it to parse.
 * On failure error says "<what>: <why>". */
int plugin_parse_json(const char *text, size_t size, size_t max, const char *what, PluginJsonParser parse,
                      void *ret, char *error, size_t error_size);
