/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http-server.h"
#include "attest-limits.h"
#include "log.h"

#define HTTP_CONNECTION_TIMEOUT_SEC 30u
#define HTTP_CONNECTION_LIMIT 1024u

typedef struct Listener {
        HttpServer *server;
        struct MHD_Daemon *daemon;
        unsigned kind;
        bool tls, client_ca;
        size_t max_body, max_body_admin;
        sd_event_source *io, *timer;
        struct Listener *next;
} Listener;

struct HttpServer {
        sd_event *event;
        HttpHandler handler;
        void *userdata;
        Listener *listeners;
};

/* Per-request state kept by MHD between calls of the access handler. */
typedef struct RequestState {
        uint8_t *body;
        size_t size, allocated, max;
        bool too_large;
        bool client_cert_verified;
        /* A deferred answer: the connection is suspended until it is ready. */
        Listener *listener;
        struct MHD_Connection *connection;
        bool deferred, ready;
        HttpResponse answer;
} RequestState;

#define PEER_GROUPS_MAX 64

void http_response_done(HttpResponse *r) {
        r->body = mfree(r->body);
        r->location = mfree(r->location);
}

int http_response_set(HttpResponse *r, unsigned status, char *body) {
        free(r->body);
        r->body = body;
        r->status = body ? status : 500;
        return body ? 0 : -ENOMEM;
}

static int listener_reschedule(Listener *l);

static void listener_run(Listener *l) {
        if (MHD_run(l->daemon) != MHD_YES)
                log_debug("MHD_run() failed.");
        (void) listener_reschedule(l);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        listener_run(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        listener_run(userdata);
        return 0;
}

static int listener_reschedule(Listener *l) {
        MHD_UNSIGNED_LONG_LONG timeout_ms;
        uint64_t now;
        int r;

        if (MHD_get_timeout(l->daemon, &timeout_ms) != MHD_YES)
                return sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
        r = sd_event_now(l->server->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        r = sd_event_source_set_time(l->timer, now + timeout_ms * 1000ULL);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

static int body_append(RequestState *st, const char *data, size_t n) {
        if (st->too_large || n > st->max - st->size) {
                st->too_large = true;
                st->body = mfree(st->body);
                st->size = st->allocated = 0;
                return 0;
        }
        if (st->size + n + 1 > st->allocated) {
                size_t a = MAX(st->allocated * 2, st->size + n + 1);
                uint8_t *p = realloc(st->body, MIN(a, st->max + 1));
                if (!p)
                        return -ENOMEM;
                st->body = p;
                st->allocated = MIN(a, st->max + 1);
        }
        memcpy(st->body + st->size, data, n);
        st->size += n;
        st->body[st->size] = 0;
        return 0;
}

static void fill_peer(struct MHD_Connection *c, HttpRequest *req, gid_t groups[static PEER_GROUPS_MAX]) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct ucred cred;
        socklen_t len = sizeof cred, glen = PEER_GROUPS_MAX * sizeof(gid_t);

        if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
                return;
        req->have_peer = true;
        req->peer_uid = cred.uid;
        req->peer_gid = cred.gid;
        req->peer_pid = cred.pid;
        /* With more groups than PEER_GROUPS_MAX the call fails: the caller is judged by its primary group. */
        if (getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
                req->peer_groups = groups;
                req->n_peer_groups = glen / sizeof(gid_t);
        }
}

static bool client_cert_ok(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        unsigned status = 0, n = 0;

        if (!ci || !ci->tls_session)
                return false;
        if (!gnutls_certificate_get_peers(ci->tls_session, &n) || n == 0)
                return false;
        return gnutls_certificate_verify_peers2(ci->tls_session, &status) == 0 && status == 0;
}

HttpDeferred *http_request_defer(const HttpRequest *req) {
        RequestState *st = req->internal;

        st->deferred = true;
        return (HttpDeferred *) st;
}

const char *http_request_query(const HttpRequest *req, const char *key) {
        const RequestState *st = req->internal;

        return st && st->connection ? MHD_lookup_connection_value(st->connection, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

void http_deferred_complete(HttpDeferred *d, HttpResponse *resp) {
        RequestState *st = (RequestState *) d;
        uint64_t now;

        st->answer = *resp;
        *resp = (HttpResponse) {};
        st->ready = true;
        MHD_resume_connection(st->connection);
        /* MHD answers the resumed connection on its next run: make that now. */
        if (sd_event_now(st->listener->server->event, CLOCK_MONOTONIC, &now) >= 0 &&
            sd_event_source_set_time(st->listener->timer, now) >= 0)
                (void) sd_event_source_set_enabled(st->listener->timer, SD_EVENT_ONESHOT);
}

static void format_remote(struct MHD_Connection *c, char *buf, size_t size) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;

        buf[0] = 0;
        if (sa && sa->sa_family == AF_INET)
                (void) inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr, buf, size);
        else if (sa && sa->sa_family == AF_INET6)
                (void) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr, buf, size);
}

static enum MHD_Result queue(struct MHD_Connection *c, HttpResponse *resp) {
        struct MHD_Response *m;
        enum MHD_Result ret;
        const char *body = resp->body ?: "";

        m = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_MUST_COPY);
        if (!m)
                return MHD_NO;
        (void) MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type ?: "application/json");
        if (resp->location)
                (void) MHD_add_response_header(m, MHD_HTTP_HEADER_LOCATION, resp->location);
        if (resp->retry_after > 0) {
                char ra[16];
                (void) snprintf(ra, sizeof ra, "%u", resp->retry_after);
                (void) MHD_add_response_header(m, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        }
        ret = MHD_queue_response(c, resp->status ?: 500, m);
        MHD_destroy_response(m);
        return ret;
}

/* A declared length over the limit: answer at once, without reading the body. */
static bool declared_too_large(struct MHD_Connection *c, size_t max) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long n;
        char *end;

        if (!cl || *cl < '0' || *cl > '9')
                return false;
        errno = 0;
        n = strtoull(cl, &end, 10);
        return *end == 0 && (errno == ERANGE || n > max);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
        Listener *l = cls;
        RequestState *st = *con_cls;
        gid_t groups[PEER_GROUPS_MAX];
        HttpRequest req = {};
        HttpResponse resp = {};
        char remote[64];
        enum MHD_Result ret;

        if (!st) {
                st = calloc(1, sizeof *st);
                if (!st)
                        return MHD_NO;
                *con_cls = st;
                st->client_cert_verified = l->tls && l->client_ca && client_cert_ok(c);
                st->max = st->client_cert_verified ? l->max_body_admin : l->max_body;
                st->too_large = declared_too_large(c, st->max);
                if (!st->too_large)
                        return MHD_YES;
                /* else answer now */
        } else if (st->ready) {
                ret = queue(c, &st->answer);
                http_response_done(&st->answer);
                st->deferred = st->ready = false;
                return ret;
        } else if (*upload_data_size > 0) {
                if (body_append(st, upload_data, *upload_data_size) < 0)
                        return MHD_NO;
                *upload_data_size = 0;
                return MHD_YES;
        }

        format_remote(c, remote, sizeof remote);
        req = (HttpRequest) {
                .method = method,
                .path = url,
                .body = st->body ?: (const uint8_t *) "",
                .body_size = st->size,
                .body_too_large = st->too_large,
                .listener_kind = l->kind,
                .remote_addr = remote,
        };
        fill_peer(c, &req, groups);
        req.client_cert_verified = st->client_cert_verified;
        req.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        st->listener = l;
        st->connection = c;
        req.internal = st;

        l->server->handler(&req, &resp, l->server->userdata);
        if (st->deferred) {
                http_response_done(&resp);
                MHD_suspend_connection(c);
                return MHD_YES;
        }
        ret = queue(c, &resp);
        http_response_done(&resp);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        RequestState *st = *con_cls;

        if (st) {
                free(st->body);
                http_response_done(&st->answer);
                free(st);
                *con_cls = NULL;
        }
}

_printf_(2, 0)
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512];
        (void) vsnprintf(buf, sizeof buf, fmt, ap);
        buf[strcspn(buf, "\n")] = 0;
        log_debug("libmicrohttpd: %s", buf);
}

int http_server_new(sd_event *event, HttpHandler handler, void *userdata, HttpServer **ret) {
        HttpServer *s = calloc(1, sizeof *s);

        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->handler = handler;
        s->userdata = userdata;
        *ret = s;
        return 0;
}

static Listener *listener_free(Listener *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->io);
        sd_event_source_disable_unref(l->timer);
        if (l->daemon)
                MHD_stop_daemon(l->daemon);
        free(l);
        return NULL;
}

HttpServer *http_server_free(HttpServer *s) {
        if (!s)
                return NULL;
        while (s->listeners) {
                Listener *n = s->listeners->next;
                listener_free(s->listeners);
                s->listeners = n;
        }
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

static struct MHD_Daemon *start_daemon(Listener *l, int fd, const HttpTlsConfig *tls) {
        unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
        struct MHD_OptionItem opts[8];
        size_t n = 0;

        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, fd, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONNECTION_TIMEOUT_SEC, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, HTTP_CONNECTION_LIMIT, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, NULL };
        if (tls) {
                flags |= MHD_USE_TLS;
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) tls->cert_pem };
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) tls->key_pem };
                if (tls->client_ca_pem)
                        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_TRUST, 0, (void *) tls->client_ca_pem };
        }
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };
        assert(n <= ELEMENTSOF(opts));

        return MHD_start_daemon(flags, 0, NULL, NULL, on_request, l,
                                MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
                                MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

int http_server_add_listener(HttpServer *s, int fd, unsigned kind, const HttpTlsConfig *tls,
                             size_t max_body, size_t max_body_admin) {
        const union MHD_DaemonInfo *di;
        Listener *l;
        int r;

        l = calloc(1, sizeof *l);
        if (!l) {
                safe_close(fd);
                return -ENOMEM;
        }
        *l = (Listener) { .server = s, .kind = kind, .tls = !!tls, .client_ca = tls && tls->client_ca_pem,
                           .max_body = max_body, .max_body_admin = max_body_admin };
        l->daemon = start_daemon(l, fd, tls);
        if (!l->daemon) {
                safe_close(fd);
                free(l);
                return -EINVAL;
        }
        l->next = s->listeners;
        s->listeners = l;

        di = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        if (!di)
                return -EINVAL;
        r = sd_event_add_io(s->event, &l->io, di->epoll_fd, EPOLLIN, on_io, l);
        if (r < 0)
                return r;
        /* Accuracy 1 µs: MHD asks for an immediate rerun while data is pending, and the
         * default accuracy (250 ms) would throttle uploads to a crawl. */
        r = sd_event_add_time(s->event, &l->timer, CLOCK_MONOTONIC, 0, 1, on_timer, l);
        if (r < 0)
                return r;
        return listener_reschedule(l);
}

void http_server_quiesce(HttpServer *s) {
        for (Listener *l = s->listeners; l; l = l->next) {
                int fd = MHD_quiesce_daemon(l->daemon);
                if (fd >= 0)
                        safe_close(fd);
        }
}

unsigned http_server_n_connections(HttpServer *s) {
        unsigned n = 0;

        for (Listener *l = s->listeners; l; l = l->next) {
                const union MHD_DaemonInfo *di = MHD_get_daemon_info(l->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
                if (di)
                        n += di->num_connections;
        }
        return n;
}
