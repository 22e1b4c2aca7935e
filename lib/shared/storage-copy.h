/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "storage.h"

typedef struct StorageCopyStats {
        size_t nodes, policies, attestations, events, secrets, keys;
} StorageCopyStats;

/* Copies a whole verifier (the shared keys such as the results signing key,
 * named policies and their content, nodes with their engine policies,
 * attestation history with its results and push state, history events with
 * their times, sealed secrets) from one storage into another that holds no
 * node, no policy and no key yet (-ENOTEMPTY otherwise). Sessions are not copied: nodes prove possession of their AK again.
 * Meant for a stopped verifier; each node is written in one transaction. */
int storage_copy(Storage *from, Storage *to, StorageCopyStats *ret_stats);
