/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Moving a verifier between storage backends, e.g. from the embedded SQLite
 * database to the PostgreSQL one several instances share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "conf-parser.h"
#include "log.h"
#include "memory-util.h"
#include "storage-copy.h"

/* No node, no policy, and no shared key: an instance started on it made its own key,
 * which the copy would keep instead of the source's. */
static int target_is_empty(Storage *to) {
        Node **nodes = NULL;
        PolicyEntry *policies = NULL;
        StorageKey *keys = NULL;
        size_t n_nodes = 0, n_policies = 0, n_keys = 0;
        int r;

        r = storage_node_list(to, &nodes, &n_nodes);
        if (r < 0)
                return r;
        node_list_free(nodes, n_nodes);
        r = storage_policy_list(to, &policies, &n_policies);
        if (r < 0)
                return r;
        policy_entry_list_free(policies, n_policies);
        r = storage_key_list(to, &keys, &n_keys);
        if (r < 0)
                return r;
        storage_key_list_free(keys, n_keys);
        return n_nodes == 0 && n_policies == 0 && n_keys == 0 ? 0 : -ENOTEMPTY;
}

/* The results signing key above all: results signed before and after the move verify with one key. */
static int copy_keys(Storage *from, Storage *to, StorageCopyStats *stats) {
        StorageKey *l = NULL;
        size_t n = 0;
        int r;

        r = storage_key_list(from, &l, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                Blob kept = {};

                r = storage_key_claim(to, l[i].name, &l[i].pem, &kept);
                /* Another key under the name: an instance runs on the target meanwhile. */
                if (r >= 0 && (kept.size != l[i].pem.size || memcmp(kept.data, l[i].pem.data, kept.size) != 0))
                        r = -ENOTEMPTY;
                (void) erase_and_free_size(kept.data, kept.size);
                if (r >= 0)
                        stats->keys++;
        }
        storage_key_list_free(l, n);
        return r;
}

/* The node's history log (registration, enrolment, verdict changes, TIMEOUTs), oldest first, with its times. */
static int copy_events(Storage *from, Storage *to, const char *node_id, StorageCopyStats *stats) {
        StorageEvent *l = NULL;
        size_t n = 0;
        int r;

        r = storage_event_list(from, node_id, &l, &n);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = storage_event_put(to, node_id, &l[i]);
                if (r >= 0)
                        stats->events++;
        }
        storage_event_list_free(l, n);
        return r;
}

static int copy_content(Storage *from, Storage *to, const char *digest) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *kind = NULL;
        char d[POLICY_DIGEST_HEX_SIZE];
        size_t size;
        int r;

        if (!digest)
                return 0;
        r = storage_policy_get(from, digest, &kind, &data, &size);
        if (r < 0)
                return log_debug_errno(r, "Policy content %s not readable: %m", digest);
        r = storage_policy_put(to, kind, data, size, d);
        if (r >= 0 && strcmp(d, digest) != 0)
                r = -EBADMSG;         /* stored under a digest its content does not have */
        return r;
}

static int copy_policies(Storage *from, Storage *to, StorageCopyStats *stats) {
        PolicyEntry *l = NULL;
        size_t n = 0;
        int r;

        r = storage_policy_list(from, &l, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = copy_content(from, to, l[i].digest);
                if (r >= 0)
                        r = storage_policy_name_set(to, l[i].kind, l[i].name, l[i].digest, false);
        }
        policy_entry_list_free(l, n);
        if (r >= 0)
                stats->policies = n;
        return r;
}

/* The node row with its history, oldest attestation first, and its push state, in one commit. */
static int copy_history(Storage *from, Storage *to, const Node *node, StorageCopyStats *stats) {
        _cleanup_free_ VerdictCommit *c = NULL;
        Attestation *l = NULL;
        PushState ps = {};
        bool have_ps;
        size_t n = 0, k;
        int r;

        r = storage_push_state_get(from, node->id, &ps);
        if (r < 0 && r != -ENOENT)
                return r;
        have_ps = r >= 0;
        r = storage_attestation_list(from, node->id, 0, &l, &n);
        k = MAX(n, (size_t) 1);
        if (r >= 0 && !(c = calloc(k, sizeof *c)))
                r = -ENOMEM;
        if (r >= 0) {
                /* Listed newest first. */
                for (size_t i = 0; i < k; i++)
                        c[i] = (VerdictCommit) { .node = node, .attestation = n > 0 ? &l[n - 1 - i] : NULL };
                c[k - 1].push_state = have_ps ? &ps : NULL;
                r = storage_verdict_commit(to, c, k);
        }
        if (r >= 0)
                stats->attestations += n;
        attestation_list_free(l, n);
        push_state_done(&ps);
        return r;
}

static int copy_secrets(Storage *from, Storage *to, const char *node_id, StorageCopyStats *stats) {
        char **names = NULL;
        int r;

        r = storage_secret_list(from, node_id, &names);
        if (r < 0)
                return r;
        for (char **p = names; r >= 0 && *p; p++) {
                Blob sealed = {};

                r = storage_secret_get(from, node_id, *p, &sealed);
                if (r >= 0)
                        r = storage_secret_put(to, node_id, *p, &sealed, false, SECRETS_PER_NODE_MAX);
                blob_done(&sealed);
                if (r >= 0)
                        stats->secrets++;
        }
        strv_free(names);
        return r;
}

static int copy_node(Storage *from, Storage *to, const Node *node, StorageCopyStats *stats) {
        int r;

        r = copy_content(from, to, node->tpm_policy);
        r = r ?: copy_content(from, to, node->boot_policy);
        r = r ?: copy_content(from, to, node->runtime_policy);
        for (size_t i = 0; r >= 0 && i < node->n_policies; i++)
                r = copy_content(from, to, node->policies[i].digest);
        if (r >= 0)
                r = storage_node_put_policies(to, node);
        if (r >= 0)
                r = copy_history(from, to, node, stats);
        if (r >= 0)
                r = copy_events(from, to, node->id, stats);
        if (r >= 0)
                r = copy_secrets(from, to, node->id, stats);
        if (r < 0)
                return log_debug_errno(r, "Node %s not copied: %m", node->id);
        stats->nodes++;
        return 0;
}

int storage_copy(Storage *from, Storage *to, StorageCopyStats *ret_stats) {
        StorageCopyStats stats = {};
        Node **nodes = NULL;
        size_t n = 0;
        int r;

        assert_return(from && to, -EINVAL);
        r = target_is_empty(to);
        if (r < 0)
                return r;
        r = copy_keys(from, to, &stats);
        if (r >= 0)
                r = copy_policies(from, to, &stats);
        if (r >= 0)
                r = storage_node_list(from, &nodes, &n);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = copy_node(from, to, nodes[i], &stats);
        node_list_free(nodes, n);
        if (r < 0)
                return r;
        if (ret_stats)
                *ret_stats = stats;
        return 0;
}
