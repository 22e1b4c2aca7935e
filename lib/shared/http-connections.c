/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http-connections.h"
#include "log.h"

#define SWEEP_INTERVAL_USEC 1000000ULL

struct HttpConnection {
        HttpConnection *prev, *next;
        int fd;
        HttpPeerKey key;
        bool counted;              /* admitted: holds a place in the limits */
        bool exempt;               /* not limited per client */
        uint64_t deadline;         /* CLOCK_MONOTONIC µs; 0 = none running */
};

enum { PEER_IPV4 = 4, PEER_IPV6 = 6, PEER_UNIX = 'u' };

void http_peer_key(const struct sockaddr *sa, uid_t uid, HttpPeerKey *ret) {
        *ret = (HttpPeerKey) {};
        if (!sa) {
                ret->bytes[0] = PEER_UNIX;
                memcpy(ret->bytes + 1, &uid, sizeof uid);
        } else if (sa->sa_family == AF_INET) {
                ret->bytes[0] = PEER_IPV4;
                memcpy(ret->bytes + 1, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        } else if (sa->sa_family == AF_INET6) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
                /* A v4-mapped peer of a dual-stack socket is that IPv4 address. */
                if (IN6_IS_ADDR_V4MAPPED(a)) {
                        ret->bytes[0] = PEER_IPV4;
                        memcpy(ret->bytes + 1, a->s6_addr + 12, 4);
                } else {
                        ret->bytes[0] = PEER_IPV6;
                        memcpy(ret->bytes + 1, a->s6_addr, 8);
                }
        }
}

static uint64_t now_usec(sd_event *e) {
        uint64_t t;

        return sd_event_now(e, CLOCK_MONOTONIC, &t) >= 0 ? t : 0;
}

static unsigned count_peer(const HttpConnections *t, const HttpPeerKey *key) {
        unsigned n = 0;

        for (const HttpConnection *c = t->list; c; c = c->next)
                if (c->counted && !c->exempt && memcmp(&c->key, key, sizeof *key) == 0)
                        n++;
        return n;
}

static void sweep_arm(HttpConnections *t) {
        int enabled = SD_EVENT_OFF;

        if (!t->sweep || (sd_event_source_get_enabled(t->sweep, &enabled) >= 0 && enabled != SD_EVENT_OFF))
                return;
        if (sd_event_source_set_time(t->sweep, now_usec(t->event) + SWEEP_INTERVAL_USEC) >= 0)
                (void) sd_event_source_set_enabled(t->sweep, SD_EVENT_ONESHOT);
}

static int on_sweep(sd_event_source *s, uint64_t usec, void *userdata) {
        HttpConnections *t = userdata;
        bool pending = false;

        for (HttpConnection *c = t->list; c; c = c->next) {
                if (c->deadline == 0)
                        continue;
                if (c->deadline > usec) {
                        pending = true;
                        continue;
                }
                /* The server's event loop sees the end of the stream and closes it. */
                log_debug("Closing a connection whose request did not arrive in time.");
                (void) shutdown(c->fd, SHUT_RDWR);
                c->deadline = 0;
        }
        if (pending)
                sweep_arm(t);
        return 0;
}

int http_connections_init(HttpConnections *t, sd_event *event, const HttpLimits *limits) {
        int r;

        *t = (HttpConnections) { .event = event, .limits = *limits };
        r = sd_event_add_time(event, &t->sweep, CLOCK_MONOTONIC, 0, SWEEP_INTERVAL_USEC / 10, on_sweep, t);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(t->sweep, SD_EVENT_OFF);
}

void http_connections_done(HttpConnections *t) {
        while (t->list)
                http_connection_close(t, t->list);
        t->sweep = sd_event_source_disable_unref(t->sweep);
}

HttpConnection *http_connection_open(HttpConnections *t, int fd, const HttpPeerKey *key, bool exempt) {
        HttpConnection *c = calloc(1, sizeof *c);

        if (!c)
                return NULL;
        *c = (HttpConnection) { .fd = fd, .key = *key, .exempt = exempt, .next = t->list };
        if (t->list)
                t->list->prev = c;
        t->list = c;

        if (t->n_counted >= t->limits.max_connections ||
            (!exempt && count_peer(t, key) >= t->limits.max_connections_per_address)) {
                log_debug("Refusing a connection: %s.", t->n_counted >= t->limits.max_connections ?
                          "connection limit reached" : "too many connections from its address");
                (void) shutdown(fd, SHUT_RDWR);
                return c;
        }
        c->counted = true;
        t->n_counted++;
        http_connection_request_done(t, c);
        return c;
}

void http_connection_close(HttpConnections *t, HttpConnection *c) {
        if (!c)
                return;
        if (c->counted)
                t->n_counted--;
        if (c->prev)
                c->prev->next = c->next;
        else
                t->list = c->next;
        if (c->next)
                c->next->prev = c->prev;
        free(c);
}

bool http_connection_refused(const HttpConnection *c) {
        return c && !c->counted;
}

void http_connection_request_read(HttpConnection *c) {
        if (c)
                c->deadline = 0;
}

void http_connection_request_done(HttpConnections *t, HttpConnection *c) {
        if (!c || !c->counted || t->limits.request_timeout_usec == 0)
                return;
        c->deadline = now_usec(t->event) + t->limits.request_timeout_usec;
        sweep_arm(t);
}
