/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

#include "attestctl-quote.h"
#include "attestctl-tpm.h"
#include "attestctl-nodes.h"
#include "attestctl-result.h"
#include "attestctl-fleet.h"
#include "attestctl-secret.h"
#include "attestctl-cc.h"

int verb_eventlog(int argc, char *argv[]);
int verb_policy(int argc, char *argv[]);
int verb_boot_policy_run(int argc, char *argv[]);
int verb_ima(int argc, char *argv[]);
int verb_runtime_policy_run(int argc, char *argv[]);
int verb_storage(int argc, char *argv[]);

#define ATTESTCTL_VERBS \
        { "quote", verb_quote, "Verify TPM quotes" }, \
        { "tpm",   verb_tpm,   "TPM operations done in software (makecredential)" }, \
        { "eventlog", verb_eventlog, "Dump or replay a TCG event log (UEFI measured boot)" }, \
        { "policy", verb_policy, "Create and handle policies" }, \
        { "boot-policy-run", verb_boot_policy_run, "Evaluate a TCG event log against a boot reference state" }, \
        { "ima", verb_ima, "Replay an IMA measurement list" }, \
        { "runtime-policy-run", verb_runtime_policy_run, "Check an IMA log against a runtime policy" }, \
        { "nodes",      verb_nodes,       "List the verifier's nodes" }, \
        { "status",     verb_status,      "Show one node's state, verdict and policies" }, \
        { "enrol",      verb_enrol,       "Enrol a node (tenant.conf defaults, overridable)" }, \
        { "update",     verb_enrol,       "Change an enrolled node's policies or limits" }, \
        { "remove",     verb_node_action, "Remove a node from the verifier" }, \
        { "stop",       verb_node_action, "Stop attesting a node" }, \
        { "reactivate", verb_node_action, "Resume a stopped node, or accept a failed one" }, \
        { "secret",     verb_secret,      "Store, list and remove the secrets released to a node" }, \
        { "luks",       verb_luks,        "Enrol a LUKS2 volume for unlocking after attestation" }, \
        { "snp",        verb_snp,         "Verify AMD SEV-SNP attestation reports offline" }, \
        { "tdx",        verb_tdx,         "Verify Intel TDX quotes offline" }, \
        { "cc",         verb_cc,          "Check confidential-computing collateral" }, \
        { "result",     verb_result,      "Check a signed attestation result (EAR) offline" }, \
        { "history",    verb_history,     "List a node's attestations, newest first" }, \
        { "storage",    verb_storage,     "Copy a verifier's state between storage backends" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
