/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

int verb_ima(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        { "ima", verb_ima, "Replay an IMA measurement list" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
