/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

#include "attestctl-quote.h"
#include "attestctl-tpm.h"

int verb_eventlog(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_boot_policy_run(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        { "quote", verb_quote, "Verify TPM quotes" }, \
        { "tpm",   verb_tpm,   "TPM operations done in software (makecredential)" }, \
        { "eventlog", verb_eventlog, "Dump or replay a TCG event log (UEFI measured boot)" }, \
        { "policy", verb_policy, "Create policies" }, \
        { "boot-policy-run", verb_boot_policy_run, "Evaluate a TCG event log against a boot reference state" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
