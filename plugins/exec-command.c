/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec-command.h"
#include "json-parse.h"
#include "macro.h"

void exec_command_done(ExecCommand *c) {
        for (char **a = c->argv; a && *a; a++)
                free(*a);
        free(c->argv);
        *c = (ExecCommand) {};
}

static int parse_timeout(json_object *obj, uint64_t *ret, const char **ret_error) {
        json_object *t;
        int64_t v;

        *ret = EXEC_TIMEOUT_MS_DEFAULT;
        if (!json_object_object_get_ex(obj, "timeout_ms", &t))
                return 0;
        v = json_object_get_int64(t);
        if (!json_object_is_type(t, json_type_int) || v <= 0 || v > EXEC_TIMEOUT_MS_MAX) {
                *ret_error = "\"timeout_ms\" must be an integer from 1 to 600000";
                return -EBADMSG;
        }
        *ret = (uint64_t) v;
        return 0;
}

int exec_command_parse(json_object *obj, ExecCommand *ret, const char **ret_error) {
        json_object *cmd = json_get_typed(obj, "command", json_type_array);
        ExecCommand c = {};
        size_t n;
        int r;

        n = cmd ? json_object_array_length(cmd) : 0;
        if (n == 0 || n > EXEC_COMMAND_ARGS_MAX) {
                *ret_error = "\"command\" must be an array of 1 to 64 strings";
                return -EBADMSG;
        }
        c.argv = calloc(n + 1, sizeof(char *));
        if (!c.argv)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *a = json_object_array_get_idx(cmd, i);

                if (!json_object_is_type(a, json_type_string) ||
                    strlen(json_object_get_string(a)) != (size_t) json_object_get_string_len(a) ||
                    (i == 0 && json_object_get_string(a)[0] != '/')) {
                        *ret_error = "\"command\" must hold strings, the first an absolute path";
                        exec_command_done(&c);
                        return -EBADMSG;
                }
                c.argv[i] = strdup(json_object_get_string(a));
                if (!c.argv[i]) {
                        exec_command_done(&c);
                        return -ENOMEM;
                }
        }
        r = parse_timeout(obj, &c.timeout_ms, ret_error);
        if (r < 0) {
                exec_command_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}
