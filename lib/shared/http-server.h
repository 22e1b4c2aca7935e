/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "macro.h"

/* libmicrohttpd driven by sd-event: each listening socket gets an MHD daemon in
 * external-epoll mode whose epoll fd and timeout are sd-event sources, so requests
 * are answered on the caller's event loop without threads. */

typedef struct HttpServer HttpServer;

typedef struct HttpRequest {
        const char *method;
        const char *path;
        const uint8_t *body;      /* NUL-terminated; body_size excludes the NUL */
        size_t body_size;
        bool body_too_large;      /* over the limit admitted for it: body is empty */
        bool server_busy;         /* no room for the body in the pending body budget: answer 503 */
        unsigned listener_kind;   /* as given to http_server_add_listener() */
        bool have_peer;           /* peer credentials of a Unix socket caller */
        uid_t peer_uid;
        gid_t peer_gid;
        pid_t peer_pid;
        const gid_t *peer_groups;   /* supplementary groups at connect time */
        size_t n_peer_groups;
        bool client_cert_verified;  /* TLS client certificate checked against the client CA */
        const char *remote_addr;    /* numeric, for logs; "" for Unix sockets */
        const char *authorization;  /* the Authorization header, or NULL */
        unsigned runs;              /* times the handler ran for it before (http_deferred_rerun()) */
        void *internal;             /* for http_request_defer() */
} HttpRequest;

typedef struct HttpResponse {
        unsigned status;
        char *body;                 /* owned */
        const char *content_type;   /* static; default application/json */
        char *location;             /* owned, optional */
        unsigned retry_after;       /* seconds; 0 = none */
} HttpResponse;

void http_response_done(HttpResponse *r);
/* Sets status and takes body (NULL body → -ENOMEM as 500). */
int http_response_set(HttpResponse *r, unsigned status, char *body);

typedef void (*HttpHandler)(const HttpRequest *req, HttpResponse *resp, void *userdata);

/* A handler that cannot answer yet (a write to be committed with others)
 * defers: the connection is suspended and whatever the handler put into resp
 * is dropped. The answer is given later, exactly once, with
 * http_deferred_complete(), which takes over resp's contents. */
typedef struct HttpDeferred HttpDeferred;

/* The subject DN of the verified TLS client certificate; -ENODATA without one. */
int http_request_client_subject(const HttpRequest *req, char *buf, size_t size);

/* The value of a query string argument, decoded; NULL when absent. */
const char *http_request_query(const HttpRequest *req, const char *key);

HttpDeferred *http_request_defer(const HttpRequest *req);
void http_deferred_complete(HttpDeferred *d, HttpResponse *resp);
/* Runs the handler again for a deferred request (one that waited for a round trip
 * shared with others), with runs one more: it answers now or defers again. */
void http_deferred_rerun(HttpDeferred *d);
/* The same, but an answer is given to the caller in *ret (true) to be sent later with
 * http_deferred_complete(): false when the handler deferred again. */
bool http_deferred_rerun_hold(HttpDeferred *d, HttpResponse *ret);
/* What a handler keeps of a request between its runs (a parsed body, a result),
 * freed with free_data when replaced or when the request ends. */
void http_request_keep(const HttpRequest *req, void *data, void (*free_data)(void *));
void *http_request_kept(const HttpRequest *req);

typedef struct HttpTlsConfig {
        const char *cert_pem;       /* server certificate chain, PEM text */
        const char *key_pem;
        const char *client_ca_pem;  /* optional: request client certificates checked against it */
} HttpTlsConfig;

/* Called once a request's headers are in, before any of its body is read
 * (req->body is empty): returns the largest body the request may send, or 0
 * with an answer in resp to refuse it without reading the body. */
typedef size_t (*HttpAdmitHandler)(const HttpRequest *req, HttpResponse *resp, void *userdata);

/* What one client may take of the server, so that a flood from one address
 * or slow senders cannot starve the others. */
typedef struct HttpLimits {
        unsigned max_connections;             /* over all listeners */
        unsigned max_connections_per_address; /* per IPv4 address, IPv6 /64 or Unix user (root exempt) */
        uint64_t request_timeout_usec;        /* for headers and body of one request, from its first byte
                                               * or the end of the previous one on the connection */
        uint64_t max_pending_body_bytes;      /* bodies being received or awaiting their answer; beyond: 503 */
} HttpLimits;

int http_server_new(sd_event *event, const HttpLimits *limits, HttpHandler handler, HttpAdmitHandler admit,
                    void *userdata, HttpServer **ret);
HttpServer *http_server_free(HttpServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpServer *, http_server_free);

/* Serves the listening socket fd (taken over) with TLS when tls is non-NULL. A client
 * certificate counts as verified only when it chains to the client CA and, if it
 * names extended key usages, includes clientAuth. */
int http_server_add_listener(HttpServer *s, int fd, unsigned kind, const HttpTlsConfig *tls);

/* Stops accepting new connections; requests in flight finish. */
void http_server_quiesce(HttpServer *s);
/* Connections currently open over all listeners. */
unsigned http_server_n_connections(HttpServer *s);

/* Opens a TCP listening socket for "ADDR:PORT" ("[v6]:PORT" for IPv6); ret_loopback
 * says whether the address is a loopback one. */
int http_listen_tcp(const char *address, int *ret_fd, bool *ret_loopback);
/* Opens a Unix listening socket at path (replacing a stale one) with the given mode. */
int http_listen_unix(const char *path, unsigned mode, int *ret_fd);
/* Whether fd is a listening socket bound to a loopback address or a Unix socket. */
bool http_socket_is_local(int fd);
/* "ADDR:PORT" ("[v6]:PORT") of a TCP socket, for messages. */
int http_socket_address(int fd, char *buf, size_t size);
