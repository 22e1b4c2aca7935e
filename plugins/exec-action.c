/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "exec-action" failure action: runs a command with the event on stdin. */

#include <stdlib.h>

#include "child-spawn.h"
#include "exec-command.h"
#include "plugin-util.h"

#define EXEC_ACTION_CONFIG_SIZE_MAX (64u * 1024u)
#define EXEC_ACTION_OUTPUT_MAX      (64u * 1024u)

static int parse_action(json_object *root, void *ret, const char **why) {
        return exec_command_parse(root, ret, why);
}

static int action_configure(const char *config, size_t size, void **ret, char *error, size_t error_size) {
        ExecCommand *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = plugin_parse_json(config, size, EXEC_ACTION_CONFIG_SIZE_MAX, "exec action", parse_action, c, error,
                              error_size);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static void action_free_instance(void *instance) {
        if (!instance)
                return;
        exec_command_done(instance);
        free(instance);
}

/* 0 when the command exited with status 0; -ETIME after the timeout, -ECHILD
 * when it crashed, -EIO for another exit status. */
static int action_run(void *instance, const char *event, size_t size) {
        const ExecCommand *c = instance;
        SpawnResult res = {};
        int r;

        r = spawn_run(c->argv, event, size, c->timeout_ms, EXEC_ACTION_OUTPUT_MAX, &res);
        if (r < 0)
                return r;
        r = res.outcome == SPAWN_TIMEOUT ? -ETIME :
            res.outcome == SPAWN_SIGNALED ? -ECHILD :
            res.outcome == SPAWN_EXITED && res.exit_code == 0 ? 0 : -EIO;
        spawn_result_done(&res);
        return r;
}

static const AttestFailureAction vtable = {
        .struct_size = sizeof(AttestFailureAction),
        .configure = action_configure,
        .free_instance = action_free_instance,
        .run = action_run,
};

ATTEST_DEFINE_PLUGIN("exec-action", ATTEST_PLUGIN_FAILURE_ACTION, vtable)
