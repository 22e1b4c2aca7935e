/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET /metrics in the Prometheus text format, on a listener of its own: plain
 * HTTP for a monitoring network, loopback unless the administrator says otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "verifierd.h"
#include "verifierd-evalpool.h"
#include "verifierd-metrics.h"

static const double bucket_bounds[METRICS_BUCKETS] = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char *const route_names[METRICS_ROUTES] = {
        "other", "version", "jwks", "admin", "registrar", "sessions", "attestations", "secrets", "agents",
        "keylime_admin", "metrics",
};

enum { ROUTE_OTHER, ROUTE_VERSION, ROUTE_JWKS, ROUTE_ADMIN, ROUTE_REGISTRAR, ROUTE_SESSIONS, ROUTE_ATTESTATIONS,
       ROUTE_SECRETS, ROUTE_AGENTS, ROUTE_KEYLIME_ADMIN, ROUTE_METRICS };

static const char *const registration_results[] = { "registered", "activated", "refused", "error" };
static const char *const attestation_results[] = { "pass", "fail", "broken" };

static void histogram_observe(Histogram *h, double v) {
        for (size_t i = 0; i < METRICS_BUCKETS; i++)
                if (v <= bucket_bounds[i]) {
                        h->counts[i]++;
                        break;
                }
        h->count++;
        h->sum += v;
}

void metrics_verdict(Metrics *m, bool pass, bool broken, double seconds) {
        m->attestations[pass ? 0 : broken ? 2 : 1]++;
        histogram_observe(&m->attestation_duration, seconds);
}

/* Failure ids come from engines, third-party ones included: the first
 * METRICS_FAILURE_IDS_MAX get a series each, so that the scrape stays bounded. */
void metrics_failure(Metrics *m, const char *id) {
        for (size_t i = 0; i < m->n_failures; i++)
                if (strcmp(m->failures[i].id, id) == 0) {
                        m->failures[i].n++;
                        return;
                }
        if (m->n_failures < METRICS_FAILURE_IDS_MAX) {
                FailureCount *f = &m->failures[m->n_failures++];
                (void) snprintf(f->id, sizeof f->id, "%s", id);
                f->n = 1;
                return;
        }
        m->failures[METRICS_FAILURE_IDS_MAX].n++;
}

uint64_t metrics_now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void metrics_commit(Metrics *m, double seconds) {
        histogram_observe(&m->commit_duration, seconds);
}

static bool is_version(const char *s) {
        return s[0] == 'v' && s[1] >= '0' && s[1] <= '9';
}

/* The route of the segments of an unversioned path or of one after the version. */
static unsigned route_of(const char *method, const char *const *seg, size_t n) {
        if (n == 0)
                return ROUTE_OTHER;
        if (strcmp(seg[0], "version") == 0)
                return ROUTE_VERSION;
        if (strcmp(seg[0], ".well-known") == 0)
                return ROUTE_JWKS;
        if (strcmp(seg[0], "admin") == 0)
                return ROUTE_ADMIN;
        if (!is_version(seg[0]) || n < 2)
                return ROUTE_OTHER;
        if (strcmp(seg[1], "sessions") == 0)
                return ROUTE_SESSIONS;
        if (strcmp(seg[1], "allowlists") == 0 || strcmp(seg[1], "mbpolicies") == 0)
                return ROUTE_KEYLIME_ADMIN;
        if (strcmp(seg[1], "agents") != 0)
                return ROUTE_OTHER;
        if (n >= 4 && strcmp(seg[3], "attestations") == 0)
                return ROUTE_ATTESTATIONS;
        if (n >= 4 && strcmp(seg[3], "secrets") == 0)
                return ROUTE_SECRETS;
        if ((n <= 3 && (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)) ||
            (n == 4 && strcmp(seg[3], "activate") == 0))
                return ROUTE_REGISTRAR;
        return ROUTE_AGENTS;
}

static void count_registration(Metrics *m, const char *method, const char *const *seg, size_t n, unsigned status) {
        bool activation = strcmp(method, "PUT") == 0 || (n == 4 && strcmp(seg[3], "activate") == 0);

        if (status >= 500)
                m->registrations[3]++;
        else if (status >= 400)
                m->registrations[2]++;
        else
                m->registrations[activation ? 1 : 0]++;
}

static void count_request(Metrics *m, unsigned route, unsigned status) {
        CodeCount *c = m->requests[route];

        for (size_t i = 0; i < METRICS_CODES; i++)
                if (c[i].code == status || c[i].code == 0) {
                        c[i].code = status;
                        c[i].n++;
                        return;
                }
}

void metrics_request(Metrics *m, const char *method, const char *const *seg, size_t n, unsigned status) {
        unsigned route = route_of(method, seg, n);

        if (status == 0)
                return;         /* deferred: counted when answered */
        if (route == ROUTE_REGISTRAR)
                count_registration(m, method, seg, n, status);
        count_request(m, route, status);
}

/* A label value: backslash, double quote and line feed escaped. */
static void put_label(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == '\\' || *s == '"')
                        fputc('\\', f);
                if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
}

static void put_header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_histogram(FILE *f, const char *name, const char *help, const Histogram *h) {
        uint64_t cumulative = 0;

        put_header(f, name, "histogram", help);
        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                cumulative += h->counts[i];
                fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, bucket_bounds[i], (unsigned long long) cumulative);
        }
        fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long) h->count);
        fprintf(f, "%s_sum %.6f\n%s_count %llu\n", name, h->sum, name, (unsigned long long) h->count);
}

static void put_counters(FILE *f, const Metrics *m) {
        put_header(f, "hostattest_attestations_total", "counter", "Verdicts committed, by result.");
        for (size_t i = 0; i < ELEMENTSOF(attestation_results); i++)
                fprintf(f, "hostattest_attestations_total{result=\"%s\"} %llu\n", attestation_results[i],
                        (unsigned long long) m->attestations[i]);
        put_header(f, "hostattest_attestation_failures_total", "counter", "Failures of committed verdicts, by id.");
        for (size_t i = 0; i < m->n_failures; i++) {
                fputs("hostattest_attestation_failures_total{id=\"", f);
                put_label(f, m->failures[i].id);
                fprintf(f, "\"} %llu\n", (unsigned long long) m->failures[i].n);
        }
        if (m->failures[METRICS_FAILURE_IDS_MAX].n > 0)
                fprintf(f, "hostattest_attestation_failures_total{id=\"other\"} %llu\n",
                        (unsigned long long) m->failures[METRICS_FAILURE_IDS_MAX].n);
        put_header(f, "hostattest_registrations_total", "counter", "Registration requests, by result.");
        for (size_t i = 0; i < ELEMENTSOF(registration_results); i++)
                fprintf(f, "hostattest_registrations_total{result=\"%s\"} %llu\n", registration_results[i],
                        (unsigned long long) m->registrations[i]);
        put_header(f, "hostattest_storage_round_trips_total", "counter",
                   "Round trips to the database shared by the requests of one turn of the event loop.");
        fprintf(f, "hostattest_storage_round_trips_total %llu\n", (unsigned long long) m->round_trips);
        put_header(f, "hostattest_storage_round_trip_requests_total", "counter", "Requests served by those round trips.");
        fprintf(f, "hostattest_storage_round_trip_requests_total %llu\n", (unsigned long long) m->round_trip_requests);
        put_header(f, "hostattest_http_requests_total", "counter", "Requests answered, by route and status.");
        for (size_t r = 0; r < METRICS_ROUTES; r++)
                for (size_t i = 0; i < METRICS_CODES && m->requests[r][i].code; i++)
                        fprintf(f, "hostattest_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n", route_names[r],
                                m->requests[r][i].code, (unsigned long long) m->requests[r][i].n);
}

static int put_nodes(FILE *f, Manager *manager) {
        NodeCount *l = NULL;
        size_t n = 0;
        int r;

        r = storage_node_summary(manager->storage, &l, &n);
        if (r < 0)
                return r;
        put_header(f, "hostattest_nodes", "gauge", "Nodes, by state and verdict.");
        for (size_t i = 0; i < n; i++)
                fprintf(f, "hostattest_nodes{state=\"%s\",verdict=\"%s\"} %llu\n", node_state_to_string(l[i].state),
                        l[i].verdict ?: "NONE", (unsigned long long) l[i].n);
        node_count_list_free(l, n);
        return 0;
}

static void put_gauges(FILE *f, Manager *manager) {
        put_header(f, "hostattest_evaluation_queue_depth", "gauge", "Evaluations queued or running on the workers.");
        fprintf(f, "hostattest_evaluation_queue_depth %zu\n", manager->push.pool ? eval_pool_in_flight(manager->push.pool) : 0);
        put_header(f, "hostattest_open_connections", "gauge", "Open HTTP connections, all listeners.");
        fprintf(f, "hostattest_open_connections %u\n", http_server_n_connections(manager->server));
        put_header(f, "hostattest_build_info", "gauge", "The verifier's version.");
        fprintf(f, "hostattest_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
}

int metrics_render(Manager *manager, char **ret) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        int r;

        if (!f)
                return -ENOMEM;
        put_counters(f, &manager->metrics);
        r = put_nodes(f, manager);
        put_histogram(f, "hostattest_attestation_duration_seconds",
                      "From the receipt of evidence to its committed verdict.", &manager->metrics.attestation_duration);
        put_histogram(f, "hostattest_storage_commit_seconds", "One group commit of verdicts.",
                      &manager->metrics.commit_duration);
        put_gauges(f, manager);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(text);
                return r;
        }
        *ret = text;
        return 0;
}

void metrics_serve(Manager *manager, const char *method, const char *path, HttpResponse *resp) {
        char *text = NULL;
        int r;

        resp->content_type = "text/plain; version=0.0.4";
        if (strcmp(path, "/metrics") != 0) {
                (void) http_response_set(resp, 404, strdup("Not found: this listener serves /metrics only.\n"));
                return;
        }
        if (strcmp(method, "GET") != 0) {
                (void) http_response_set(resp, 405, strdup("Use GET.\n"));
                return;
        }
        r = metrics_render(manager, &text);
        if (r < 0) {
                log_warning_errno(r, "Failed to render the metrics: %m");
                (void) http_response_set(resp, 500, strdup("Metrics unavailable.\n"));
                return;
        }
        (void) http_response_set(resp, 200, text);
        count_request(&manager->metrics, ROUTE_METRICS, 200);
}

int metrics_listen(Manager *manager) {
        const VerifierConfig *c = &manager->config;
        bool loopback;
        int fd, r;

        if (!c->metrics_listen)
                return 0;
        r = http_listen_tcp(c->metrics_listen, &fd, &loopback);
        if (r < 0)
                return log_error_errno(r, "Failed to listen on %s for metrics: %m", c->metrics_listen);
        if (!loopback && !c->metrics_allow_remote) {
                safe_close(fd);
                return log_error_errno(-EPERM, "Refusing to serve metrics in plain HTTP on %s, not a loopback address: "
                                       "set metrics_allow_remote=yes in [Server] for a monitoring network.",
                                       c->metrics_listen);
        }
        r = http_server_add_listener(manager->server, fd, LISTENER_METRICS, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to serve metrics on %s: %m", c->metrics_listen);
        listener_note(manager, fd, "metrics");
        return 0;
}
