/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

int verb_eventlog(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */ \
        { "eventlog", verb_eventlog, "Dump or replay a TCG event log (UEFI measured boot)" },
