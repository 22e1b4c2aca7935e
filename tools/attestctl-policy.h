/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Sub-verbs of "attestctl policy", each implemented in its subject's file. */
int verb_policy_create_mb(int argc, char *argv[]);   /* attestctl-boot-policy.c */

int verb_policy(int argc, char *argv[]);
