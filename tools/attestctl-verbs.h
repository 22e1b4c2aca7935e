/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

int verb_ima(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_runtime_policy_run(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        { "ima", verb_ima, "Replay an IMA measurement list" }, \
        { "policy", verb_policy, "Create and handle policies" }, \
        { "runtime-policy-run", verb_runtime_policy_run, "Check an IMA log against a runtime policy" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
