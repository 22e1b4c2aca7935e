/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "http-server.h"

/* The connection budget of an HttpServer: who is connected, how many per
 * client, and by when each request must have arrived. A connection over a
 * limit is shut down at once; one whose request is late is shut down by a
 * sweep once a second. The server's event loop notices and closes both. */

/* Clients are told apart by IPv4 address, IPv6 /64 (one host usually holds a
 * whole /64) or, on a Unix socket, by user. */
typedef struct HttpPeerKey {
        uint8_t bytes[9];          /* family tag, then address prefix or uid */
} HttpPeerKey;

/* Fills ret for a TCP peer address (sa) or a Unix peer (sa NULL, uid). */
void http_peer_key(const struct sockaddr *sa, uid_t uid, HttpPeerKey *ret);

typedef struct HttpConnection HttpConnection;

typedef struct HttpConnections {
        sd_event *event;
        HttpLimits limits;
        HttpConnection *list;
        unsigned n_counted;
        sd_event_source *sweep;
} HttpConnections;

int http_connections_init(HttpConnections *t, sd_event *event, const HttpLimits *limits);
void http_connections_done(HttpConnections *t);

/* A connection just accepted on fd; exempt peers (root on a Unix socket) count
 * only against the overall limit. NULL on allocation failure. */
HttpConnection *http_connection_open(HttpConnections *t, int fd, const HttpPeerKey *key, bool exempt);
void http_connection_close(HttpConnections *t, HttpConnection *c);
/* Over a limit when it was accepted: nothing of it is to be served. */
bool http_connection_refused(const HttpConnection *c);
/* The request's headers and body are in: the handler's time is not limited. */
void http_connection_request_read(HttpConnection *c);
/* The answer is out: the next request on the connection has request_timeout again. */
void http_connection_request_done(HttpConnections *t, HttpConnection *c);
