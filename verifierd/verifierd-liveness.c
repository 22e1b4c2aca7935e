/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Liveness: an enrolled node without an attestation for 5 × its interval is
 * TIMEOUT until its next passing attestation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "failure-event.h"
#include "log.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-push.h"

#define LIVENESS_FACTOR 5u
#define LIVENESS_PERIOD_USEC (1000000ULL)

/* A node this instance set TIMEOUT: it alone reports it and runs the failure actions. */
static void timed_out(Manager *m, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        int r;

        r = storage_node_get(m->storage, id, &n);
        if (r < 0) {
                log_node(LOG_WARNING, MESSAGE_VERDICT_TIMEOUT, id,
                         "Node %s has not attested for %u intervals: TIMEOUT.",
                         id, LIVENESS_FACTOR);
                return;
        }
        log_node(LOG_WARNING, MESSAGE_VERDICT_TIMEOUT, id, "Node %s has not attested for %u × %llu s: TIMEOUT.", id,
                 LIVENESS_FACTOR, (unsigned long long) n->interval_sec);
        failure_actions_start(m, n, FAILURE_KIND_TIMEOUT, NULL, 0);
}

/* Every instance sweeps; the storage hands each overdue node to exactly one of
 * them, so a dead instance's nodes are still swept by the others. */
static int on_liveness(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        char **ids = NULL;
        size_t n = 0;
        int r;

        r = storage_node_timeout_claim(m->storage, now_realtime_usec(), LIVENESS_FACTOR, "no attestation for 5 intervals",
                                       &ids, &n);
        if (r < 0)
                log_warning_errno(r, "Cannot store TIMEOUT verdicts: %m");
        for (size_t i = 0; r >= 0 && i < n; i++)
                timed_out(m, ids[i]);
        strv_free(ids);
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
