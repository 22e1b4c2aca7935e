/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* INI files with [Section] headers, "key = value" lines, '#' and ';' comments.
 * A main file is read first, then every "*.conf" of its drop-in directories in
 * lexical order; later assignments win. An unknown section or key, a bad value or
 * a syntax error is logged naming the file and line and fails the whole parse. */

#define CONF_LINE_MAX 4096
#define CONF_FILE_MAX (1024 * 1024)
#define CONF_DROPINS_MAX 256

/* Parses rvalue into data; returns 0 or -EINVAL/-ERANGE/-ENOMEM. The caller logs. */
typedef int (*ConfigParseFunc)(const char *rvalue, void *data);

typedef struct ConfigItem {
        const char *section;
        /* A key ending in ".*" matches every key with that prefix and a non-empty
         * rest, e.g. "policy.*" matches "policy.exec"; its parse function is
         * then given "<rest>=<value>" ("exec=/etc/x.json"). */
        const char *key;
        ConfigParseFunc parse;
        size_t offset;         /* of the setting inside the userdata struct */
} ConfigItem;

/* Parses one file into userdata. A missing file is -ENOENT (not logged). */
int config_parse_file(const char *path, const ConfigItem *table, size_t n_items, void *userdata);

/* Parses path (when it exists) and then path's drop-in directory "<path>.d/".
 * Missing files and directories are fine. */
int config_parse_with_dropins(const char *path, const ConfigItem *table, size_t n_items, void *userdata);

/* Typed parsers for the table. */
int config_parse_string(const char *rvalue, void *data);     /* char*; empty = NULL */
int config_parse_bool(const char *rvalue, void *data);       /* bool */
int config_parse_uint32(const char *rvalue, void *data);     /* uint32_t */
int config_parse_uint64(const char *rvalue, void *data);     /* uint64_t */
int config_parse_sec(const char *rvalue, void *data);        /* uint64_t seconds: "30", "30s", "5min", "2h" */
int config_parse_size(const char *rvalue, void *data);       /* uint64_t bytes: "512", "64K", "1M", "1G" */
int config_parse_path(const char *rvalue, void *data);       /* char*, absolute */
int config_parse_strv(const char *rvalue, void *data);       /* char**, space separated; appended; empty resets */

void strv_free(char **l);
size_t strv_length(char *const *l);
int strv_extend(char ***l, const char *s);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
