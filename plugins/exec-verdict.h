/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The verdict an external engine writes on stdout (attest-exec-engine(7)):
 *   {"pass": false, "failures": [{"id": "opa.denied", "severity": "error",
 *                                 "context": {…}}]} */

#include <stdbool.h>
#include <stddef.h>

#include "attest/attest-plugin.h"
#include "attest-limits.h"


typedef struct ExecFailure {
        char *id;
        AttestSeverity severity;
        char *context;                  /* JSON object text, or NULL */
} ExecFailure;

typedef struct ExecVerdict {
        bool pass;
        ExecFailure *failures;
        size_t n_failures;
} ExecVerdict;

/* -EBADMSG with a static reason for a malformed verdict, -E2BIG past a limit. */
int exec_verdict_parse(const char *text, size_t len, ExecVerdict *ret, const char **ret_error);
void exec_verdict_done(ExecVerdict *v);

/* [a-z0-9_.-]{1,EXEC_FAILURE_ID_MAX} */
bool exec_failure_id_is_valid(const char *id, size_t len);
