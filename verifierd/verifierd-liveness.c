/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Liveness: an enrolled node without an attestation for 5 × its interval is
 * TIMEOUT until its next passing attestation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-push.h"

#define LIVENESS_FACTOR 5u
#define LIVENESS_PERIOD_USEC (1000000ULL)

static void mark_timeout(Manager *m, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        char *v;

        if (storage_node_get(m->storage, id, &n) < 0)
                return;
        v = strdup("TIMEOUT");
        if (!v)
                return (void) log_oom();
        free(n->verdict);
        n->verdict = v;
        if (storage_verdict_commit(m->storage, &(VerdictCommit) {
                        .node = n, .event_kind = "TIMEOUT", .event_detail = "no attestation for 5 intervals" }, 1) < 0) {
                log_warning("Cannot store the TIMEOUT of node %s.", id);
                return;
        }
        log_struct(LOG_WARNING, MESSAGE_VERDICT_TIMEOUT, "Node %s has not attested for %u × %llu s: TIMEOUT.", id,
                   LIVENESS_FACTOR, (unsigned long long) n->interval_sec);
}

static int on_liveness(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        char **ids = NULL;
        size_t n = 0;

        if (storage_node_list_overdue(m->storage, now_realtime_usec(), LIVENESS_FACTOR, &ids, &n) >= 0) {
                for (size_t i = 0; i < n; i++) {
                        mark_timeout(m, ids[i]);
                        free(ids[i]);
                }
                free(ids);
        }
        (void) sd_event_source_set_time(s, usec + LIVENESS_PERIOD_USEC);
        return 0;
}

int liveness_start(Manager *m) {
        uint64_t now;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->push.liveness, CLOCK_MONOTONIC, now + LIVENESS_PERIOD_USEC, 0,
                                      on_liveness, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->push.liveness, SD_EVENT_ON);
        return r;
}
