/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Requests that wait to share one round trip to the database. With PostgreSQL each
 * of a node's requests needs the database before it can be answered: the capabilities
 * their session, node row and push state, the evidence its claim. The requests that
 * come in one turn of the event loop are deferred; once the listeners have read what
 * was ready, one round trip serves them all (storage_batch_run()), and each runs again
 * as if alone (http_deferred_rerun()),
 * finding its rows kept. The pending attestations the capabilities issue go to the database
 * in the transaction of the next round trip, the next turn's or one of their own, and their
 * answers are held until it is committed: the evidence may reach another instance at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "memory-util.h"
#include "verifierd.h"
#include "verifierd-push.h"

typedef struct SessionWait {
        HttpDeferred *deferred;
        char id[SESSION_ID_HEX_MAX + 1];
} SessionWait;

typedef struct ClaimWait {
        HttpDeferred *deferred;
        EvidenceClaim claim;            /* points into the request's kept state */
        EvidenceClaimResult *result;    /* in the request's kept state */
} ClaimWait;

/* An answer sent once the pending attestation it tells of is in the database. */
typedef struct HeldAnswer {
        HttpDeferred *deferred;
        HttpResponse response;
} HeldAnswer;

typedef struct RoundTrip {
        sd_event_source *source;
        HeldAnswer *held;
        size_t n_held, held_allocated;
        SessionWait *sessions;
        size_t n_sessions, sessions_allocated;
        ClaimWait *claims;
        size_t n_claims, claims_allocated;
        bool rerunning;                 /* pending attestations wait for the next round trip */
} RoundTrip;

static int on_round_trip(sd_event_source *s, void *userdata);

/* At idle priority, as the group commit: it runs once the requests that are ready now have been read. */
static int schedule(Manager *m, RoundTrip **ret) {
        RoundTrip *t = m->push.round_trip;
        int r;

        if (!t) {
                t = calloc(1, sizeof *t);
                if (!t)
                        return -ENOMEM;
                r = sd_event_add_defer(m->event, &t->source, on_round_trip, m);
                if (r >= 0)
                        r = sd_event_source_set_priority(t->source, SD_EVENT_PRIORITY_IDLE);
                if (r < 0) {
                        sd_event_source_unref(t->source);
                        free(t);
                        return r;
                }
                m->push.round_trip = t;
        }
        r = sd_event_source_set_enabled(t->source, SD_EVENT_ONESHOT);
        if (r < 0)
                return r;
        *ret = t;
        return 0;
}

bool round_trip_wait_session(Request *q) {
        uint8_t digest[SESSION_TOKEN_DIGEST_SIZE];
        char id[SESSION_ID_HEX_MAX + 1];
        RoundTrip *t;

        if (!storage_batches(q->manager->storage) || q->http->runs > 0 || q->manager->stopping)
                return false;
        if (session_bearer(q, id, digest) < 0)
                return false;   /* refused by the handler, with no round trip */
        if (schedule(q->manager, &t) < 0 ||
            array_reserve((void **) &t->sessions, &t->sessions_allocated, t->n_sessions + 1, sizeof *t->sessions) < 0)
                return false;   /* the handler reads alone */
        t->sessions[t->n_sessions] = (SessionWait) { .deferred = http_request_defer(q->http) };
        (void) snprintf(t->sessions[t->n_sessions++].id, sizeof t->sessions[0].id, "%s", id);
        return true;
}

bool round_trip_wait_claim(Request *q, const EvidenceClaim *claim, EvidenceClaimResult *result) {
        RoundTrip *t;

        if (!storage_batches(q->manager->storage) || q->http->runs > 0 || q->manager->stopping)
                return false;
        if (schedule(q->manager, &t) < 0 ||
            array_reserve((void **) &t->claims, &t->claims_allocated, t->n_claims + 1, sizeof *t->claims) < 0)
                return false;
        t->claims[t->n_claims++] = (ClaimWait) {
                .deferred = http_request_defer(q->http), .claim = *claim, .result = result,
        };
        return true;
}

/* The capabilities run again; their answers held for the next round trip. */
static void rerun_held(RoundTrip *t, const SessionWait *sessions, size_t n) {
        t->rerunning = true;
        for (size_t i = 0; i < n; i++) {
                HttpResponse resp = {};

                if (!http_deferred_rerun_hold(sessions[i].deferred, &resp))
                        continue;
                if (array_reserve((void **) &t->held, &t->held_allocated, t->n_held + 1, sizeof *t->held) < 0) {
                        http_deferred_complete(sessions[i].deferred, &resp);
                        continue;
                }
                t->held[t->n_held++] = (HeldAnswer) { .deferred = sessions[i].deferred, .response = resp };
        }
        t->rerunning = false;
}

void round_trip_run(Manager *m) {
        RoundTrip *t = m->push.round_trip;
        _cleanup_free_ SessionWait *sessions = NULL;
        _cleanup_free_ ClaimWait *claims = NULL;
        _cleanup_free_ HeldAnswer *held = NULL;
        _cleanup_free_ EvidenceClaim *c = NULL;
        _cleanup_free_ EvidenceClaimResult *res = NULL;
        _cleanup_free_ const char **ids = NULL;
        size_t n_sessions, n_claims, n_held;
        int r;

        if (!t)
                return;
        /* Taken out first: the requests run again below may queue for the next round trip. */
        sessions = TAKE_PTR(t->sessions);
        n_sessions = t->n_sessions;
        claims = TAKE_PTR(t->claims);
        n_claims = t->n_claims;
        held = TAKE_PTR(t->held);
        n_held = t->n_held;
        t->n_sessions = t->sessions_allocated = t->n_claims = t->claims_allocated = 0;
        t->n_held = t->held_allocated = 0;

        ids = calloc(n_sessions ?: 1, sizeof *ids);
        c = calloc(n_claims ?: 1, sizeof *c);
        res = calloc(n_claims ?: 1, sizeof *res);
        if (!ids || !c || !res)
                r = -ENOMEM;
        else if (n_sessions > 0 || n_claims > 0) {
                for (size_t i = 0; i < n_sessions; i++)
                        ids[i] = sessions[i].id;
                for (size_t i = 0; i < n_claims; i++)
                        c[i] = claims[i].claim;
                /* A session not read ahead is read by its request, which answers what it finds. */
                r = storage_batch_run(m->storage, &(const StorageBatch) {
                                              .session_ids = ids, .n_sessions = n_sessions,
                                              .claims = c, .n_claims = n_claims, .results = res,
                                      });
                m->metrics.round_trips++;
                m->metrics.round_trip_requests += n_sessions + n_claims;
        } else
                r = 0;
        for (size_t i = 0; i < n_claims; i++)
                *claims[i].result = r >= 0 ? res[i] : (EvidenceClaimResult) { .r = r };
        /* The pending attestations of the answers held went with that round trip, or go now.
         * One that failed is not fatal: the evidence can still come here (verifierd-pending.c). */
        r = storage_flush(m->storage);
        if (r < 0)
                log_debug_errno(r, "Sharing the pending attestations failed: %m");
        for (size_t i = 0; i < n_held; i++)
                http_deferred_complete(held[i].deferred, &held[i].response);

        rerun_held(t, sessions, n_sessions);
        for (size_t i = 0; i < n_claims; i++)
                http_deferred_rerun(claims[i].deferred);
        /* At the next turn, alone if no request needs a round trip by then. */
        if (t->n_held > 0)
                (void) sd_event_source_set_enabled(t->source, SD_EVENT_ONESHOT);
}

bool round_trip_flushes_later(Manager *m) {
        return m->push.round_trip && m->push.round_trip->rerunning;
}

static int on_round_trip(sd_event_source *s, void *userdata) {
        round_trip_run(userdata);
        return 0;
}

void round_trip_done(Manager *m) {
        RoundTrip *t = m->push.round_trip;

        if (!t)
                return;
        /* Twice: the answers held by the first go out with the second. */
        round_trip_run(m);
        round_trip_run(m);
        sd_event_source_disable_unref(t->source);
        free(t->sessions);
        free(t->claims);
        free(t->held);
        free(t);
        m->push.round_trip = NULL;
}
