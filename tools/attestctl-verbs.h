/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

#include "attestctl-quote.h"
#include "attestctl-tpm.h"

int verb_eventlog(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_boot_policy_run(int argc, char *argv[]);
int verb_ima(int argc, char *argv[]);
int verb_runtime_policy_run(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        { "quote", verb_quote, "Verify TPM quotes" }, \
        { "tpm",   verb_tpm,   "TPM operations done in software (makecredential)" }, \
        { "eventlog", verb_eventlog, "Dump or replay a TCG event log (UEFI measured boot)" }, \
        { "policy", verb_policy, "Create and handle policies" }, \
        { "boot-policy-run", verb_boot_policy_run, "Evaluate a TCG event log against a boot reference state" }, \
        { "ima", verb_ima, "Replay an IMA measurement list" }, \
        { "runtime-policy-run", verb_runtime_policy_run, "Check an IMA log against a runtime policy" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
