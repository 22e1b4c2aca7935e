/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/* Sub-verbs of "attestctl policy", each implemented in its subject's file. */
int verb_policy_create_mb(int argc, char *argv[]);   /* attestctl-boot-policy.c */
int verb_policy_convert(int argc, char *argv[]);     /* attestctl-boot-policy.c */

int verb_policy(int argc, char *argv[]);

/* attestctl-admin-policy.c: named policies stored in the verifier */
int verb_policy_add(int argc, char *argv[]);
int verb_policy_list(int argc, char *argv[]);
int verb_policy_show(int argc, char *argv[]);
int verb_policy_remove(int argc, char *argv[]);
