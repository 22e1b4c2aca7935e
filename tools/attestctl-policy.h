/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "macro.h"
#include "attestctl.h"

int verb_policy(int argc, char *argv[]);

/* Sub-verbs of "attestctl policy"; each in its own file, one line each here. */
int verb_policy_add(int argc, char *argv[]);
int verb_policy_list(int argc, char *argv[]);
int verb_policy_show(int argc, char *argv[]);
int verb_policy_remove(int argc, char *argv[]);

#define ATTESTCTL_POLICY_VERBS \
        { "add",    verb_policy_add,    "Store a named policy in the verifier: KIND NAME FILE" }, \
        { "list",   verb_policy_list,   "List the verifier's named policies" }, \
        { "show",   verb_policy_show,   "Print a named policy: KIND NAME" }, \
        { "remove", verb_policy_remove, "Remove a named policy no node uses: KIND NAME" }, \
        /* sub-verbs are added here, one line each */
