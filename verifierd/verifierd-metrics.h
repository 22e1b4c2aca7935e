/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "http-server.h"
#include "storage.h"

/* Prometheus metrics of the verifier ([Server] metrics_listen=): counters kept
 * on the event loop (every update happens there), the rest read at the scrape. */

#define METRICS_BUCKETS 13u
#define METRICS_FAILURE_IDS_MAX 64u     /* distinct failure ids counted; more go to "other" */
#define METRICS_ROUTES 11u
#define METRICS_CODES 16u               /* distinct status codes per route */

typedef struct Histogram {
        uint64_t counts[METRICS_BUCKETS];   /* per bucket, not cumulative */
        uint64_t count;
        double sum;
} Histogram;

typedef struct FailureCount {
        char id[PUSH_FAILURE_ID_MAX + 1];
        uint64_t n;
} FailureCount;

typedef struct CodeCount {
        unsigned code;
        uint64_t n;
} CodeCount;

typedef struct Metrics {
        uint64_t attestations[3];           /* pass, fail, broken */
        FailureCount failures[METRICS_FAILURE_IDS_MAX + 1];  /* the last is "other" */
        size_t n_failures;
        uint64_t registrations[4];          /* registered, activated, refused, error */
        CodeCount requests[METRICS_ROUTES][METRICS_CODES];
        Histogram attestation_duration;     /* evidence received → verdict committed */
        Histogram commit_duration;          /* one group commit */
        uint64_t round_trips;               /* shared by the requests of one turn (verifierd-roundtrip.c) */
        uint64_t round_trip_requests;       /* the requests they served */
} Metrics;

typedef struct Manager Manager;

/* A committed verdict: its outcome, seconds since the evidence came; then each of its failure ids. */
void metrics_verdict(Metrics *m, bool pass, bool broken, double seconds);
void metrics_failure(Metrics *m, const char *id);
void metrics_commit(Metrics *m, double seconds);
/* CLOCK_MONOTONIC in µs, for the durations. */
uint64_t metrics_now_usec(void);
/* An answered request, by the path segments it came with (as dispatched). */
void metrics_request(Metrics *m, const char *method, const char *const *seg, size_t n, unsigned status);
/* The text exposition (format 0.0.4). */
int metrics_render(Manager *manager, char **ret);
/* Opens metrics_listen= as a listener of kind LISTENER_METRICS (no-op when unset). */
int metrics_listen(Manager *manager);
/* GET /metrics on the metrics listener, and nothing else there. */
void metrics_serve(Manager *manager, const char *method, const char *path, HttpResponse *resp);
