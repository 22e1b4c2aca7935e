/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The top-level verbs of attestctl; each lives in its own attestctl-<subject>.c. */

#include "attestctl-quote.h"
#include "attestctl-tpm.h"
#include "attestctl-nodes.h"
#include "attestctl-policy.h"

#define ATTESTCTL_VERBS \
        { "quote", verb_quote, "Verify TPM quotes" }, \
        { "tpm",   verb_tpm,   "TPM operations done in software (makecredential)" }, \
        { "nodes",      verb_nodes,       "List the verifier's nodes" }, \
        { "status",     verb_status,      "Show one node's state, verdict and policies" }, \
        { "enrol",      verb_enrol,       "Enrol a node (tenant.conf defaults, overridable)" }, \
        { "update",     verb_enrol,       "Change an enrolled node's policies or limits" }, \
        { "remove",     verb_node_action, "Remove a node from the verifier" }, \
        { "stop",       verb_node_action, "Stop attesting a node" }, \
        { "reactivate", verb_node_action, "Resume a stopped or terminated node" }, \
        { "policy",     verb_policy,      "Manage the verifier's named policies" }, \
        /* verbs are added here, one line each: { "name", verb_fn, "summary" }, */
