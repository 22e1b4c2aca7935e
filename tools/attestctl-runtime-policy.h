/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "runtime-policy.h"

#define ATTESTCTL_RUNTIME_POLICY_MAX (1024u * 1024u * 1024u)

/* Reads and compiles a runtime policy file, logging why it is refused. */
int runtime_policy_read(const char *path, RuntimePolicy **ret);

int verb_runtime_policy_run(int argc, char *argv[]);
int verb_policy_create_runtime(int argc, char *argv[]);
