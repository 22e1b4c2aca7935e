/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Runs a command with bytes on its stdin, collecting its stdout, bounded in
 * time and size. Used by the exec engine and the exec failure action. */

#include <stddef.h>
#include <stdint.h>

typedef enum SpawnOutcome {
        SPAWN_EXITED,                   /* exit_code is valid */
        SPAWN_SIGNALED,                 /* signal is valid: the child crashed or was killed */
        SPAWN_TIMEOUT,                  /* killed after the timeout */
        SPAWN_OUTPUT_TOO_LARGE,         /* killed after writing more than output_max */
} SpawnOutcome;

typedef struct SpawnResult {
        SpawnOutcome outcome;
        int exit_code;
        int signal;
        char *output;                   /* NUL-terminated */
        size_t output_size;
} SpawnResult;

/* argv[0] is an absolute path (no PATH search). The child's stderr is the
 * caller's. Negative errno when the child could not be started. */
int spawn_run(char *const argv[], const void *input, size_t input_size, uint64_t timeout_ms,
              size_t output_max, SpawnResult *ret);
void spawn_result_done(SpawnResult *r);

/* "exited with status 3", "killed by signal SIGSEGV", … into buf. */
const char *spawn_result_describe(const SpawnResult *r, char *buf, size_t size);
