/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The command part of an exec engine policy or exec action configuration:
 * {"command": ["/abs/path", "arg", …], "timeout_ms": 5000}. */

#include <stdint.h>

#include <json-c/json.h>

#define EXEC_COMMAND_ARGS_MAX     64u
#define EXEC_TIMEOUT_MS_DEFAULT   5000u
#define EXEC_TIMEOUT_MS_MAX       600000u

typedef struct ExecCommand {
        char **argv;                    /* NULL-terminated */
        uint64_t timeout_ms;
} ExecCommand;

/* Reads "command" and "timeout_ms" of obj. -EBADMSG with a static reason. */
int exec_command_parse(json_object *obj, ExecCommand *ret, const char **ret_error);
void exec_command_done(ExecCommand *c);
