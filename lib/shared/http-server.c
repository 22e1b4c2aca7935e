/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http-connections.h"
#include "http-server.h"
#include "attest-limits.h"
#include "log.h"

/* An idle connection is closed after this long; request_timeout is shorter. */
#define HTTP_CONNECTION_TIMEOUT_SEC 30u
#define RETRY_AFTER_BUSY_SEC 1u

typedef struct Listener {
        HttpServer *server;
        struct MHD_Daemon *daemon;
        unsigned kind;
        bool tls, client_ca;
        sd_event_source *io, *timer;
        sd_event_source *resumed;  /* runs MHD at the next turn: answers completed since its last
                                    * run, or work it has to do at once */
        struct Listener *next;
} Listener;

struct HttpServer {
        sd_event *event;
        HttpHandler handler;
        HttpAdmitHandler admit;
        void *userdata;
        Listener *listeners;
        HttpConnections connections;
        uint64_t pending_body;     /* bytes reserved by bodies in flight */
};

/* Per-request state kept by MHD between calls of the access handler. */
typedef struct RequestState {
        uint8_t *body;
        size_t size, allocated, max;
        size_t reserved;           /* of the server's pending body budget */
        bool too_large, over_budget;
        bool answered;             /* an answer is queued: nothing more of the request is handled */
        bool client_cert_verified;
        /* A deferred answer: the connection is suspended until it is ready. */
        Listener *listener;
        struct MHD_Connection *connection;
        bool deferred, ready;
        HttpResponse answer;
        /* For http_deferred_rerun(): MHD keeps both until the request completes. */
        const char *url, *method;
        unsigned runs;
        void *kept;
        void (*kept_free)(void *);
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

static int on_resumed(sd_event_source *s, void *userdata) {
        listener_run(userdata);
        return 0;
}

static int listener_reschedule(Listener *l) {
        MHD_UNSIGNED_LONG_LONG timeout_ms;
        uint64_t now, armed;
        int enabled, r;

        if (MHD_get_timeout(l->daemon, &timeout_ms) != MHD_YES)
                return sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
        /* MHD has more to do at once: the loop's next turn, without a timer set to now and
         * then back (a timerfd_settime() each). */
        if (timeout_ms == 0)
                return sd_event_source_set_enabled(l->resumed, SD_EVENT_ONESHOT);
        r = sd_event_now(l->server->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        /* While connections are busy MHD's timeout is the idle timeout of the oldest, later
         * after every request: the timer is moved only to fire sooner, not after each run
         * (a timerfd_settime() each). Firing early costs one MHD_run(), which sets it again. */
        if (sd_event_source_get_enabled(l->timer, &enabled) >= 0 && enabled != SD_EVENT_OFF &&
            sd_event_source_get_time(l->timer, &armed) >= 0 && armed <= now + timeout_ms * 1000ULL)
                return 0;
        r = sd_event_source_set_time(l->timer, now + timeout_ms * 1000ULL);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

/* Holds st's body at total bytes of the server's pending body budget; false when
 * that would exceed the budget. */
static bool budget_reserve(HttpServer *s, RequestState *st, uint64_t total) {
        uint64_t more;

        if (total <= st->reserved)
                return true;
        more = total - st->reserved;
        if (more > s->connections.limits.max_pending_body_bytes - MIN(s->pending_body, s->connections.limits.max_pending_body_bytes))
                return false;
        s->pending_body += more;
        st->reserved = total;
        return true;
}

static void budget_release(HttpServer *s, RequestState *st) {
        s->pending_body -= st->reserved;
        st->reserved = 0;
}

/* The rest of an unwanted body is read and dropped. */
static void body_drop(RequestState *st) {
        st->body = mfree(st->body);
        st->size = st->allocated = 0;
        budget_release(st->listener->server, st);
}

static int body_append(RequestState *st, const char *data, size_t n) {
        size_t a;
        uint8_t *p;

        if (st->too_large || st->over_budget)
                return 0;
        if (n > st->max - st->size) {
                st->too_large = true;
                body_drop(st);
                return 0;
        }
        if (st->size + n + 1 > st->allocated) {
                a = MIN(MAX(st->allocated * 2, st->size + n + 1), st->max + 1);
                if (!budget_reserve(st->listener->server, st, a)) {
                        st->over_budget = true;
                        body_drop(st);
                        return 0;
                }
                p = realloc(st->body, a);
                if (!p)
                        return -ENOMEM;
                st->body = p;
                st->allocated = a;
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

/* A client certificate that names extended key usages must name clientAuth: a
 * server or code-signing certificate from the same CA is no admin credential. */
static bool client_cert_usage_ok(gnutls_session_t session) {
        const gnutls_datum_t *certs;
        gnutls_x509_crt_t crt;
        unsigned n = 0;
        bool ok = false;

        certs = gnutls_certificate_get_peers(session, &n);
        if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
                return false;
        if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0)
                for (unsigned i = 0;; i++) {
                        char oid[128];
                        size_t size = sizeof oid;
                        int r = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, NULL);
                        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) {
                                ok = i == 0;    /* no extended key usage at all */
                                break;
                        }
                        if (r < 0)
                                break;
                        if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0) {
                                ok = true;
                                break;
                        }
                }
        gnutls_x509_crt_deinit(crt);
        return ok;
}

static bool client_cert_ok(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        unsigned status = 0, n = 0;

        if (!ci || !ci->tls_session)
                return false;
        if (!gnutls_certificate_get_peers(ci->tls_session, &n) || n == 0)
                return false;
        return gnutls_certificate_verify_peers2(ci->tls_session, &status) == 0 && status == 0 &&
               client_cert_usage_ok(ci->tls_session);
}

static HttpConnection *connection_of(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

HttpDeferred *http_request_defer(const HttpRequest *req) {
        RequestState *st = req->internal;

        st->deferred = true;
        return (HttpDeferred *) st;
}

int http_request_client_subject(const HttpRequest *req, char *buf, size_t size) {
        const RequestState *st = req->internal;
        const union MHD_ConnectionInfo *ci;
        const gnutls_datum_t *certs;
        gnutls_x509_crt_t crt;
        unsigned n = 0;
        int r = -ENODATA;

        if (!req->client_cert_verified || !st || !st->connection)
                return -ENODATA;
        ci = MHD_get_connection_info(st->connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        certs = ci && ci->tls_session ? gnutls_certificate_get_peers(ci->tls_session, &n) : NULL;
        if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
                return -ENODATA;
        if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
            gnutls_x509_crt_get_dn(crt, buf, &size) >= 0)
                r = 0;
        gnutls_x509_crt_deinit(crt);
        return r;
}

const char *http_request_query(const HttpRequest *req, const char *key) {
        const RequestState *st = req->internal;

        return st && st->connection ? MHD_lookup_connection_value(st->connection, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

void http_deferred_complete(HttpDeferred *d, HttpResponse *resp) {
        RequestState *st = (RequestState *) d;

        st->answer = *resp;
        *resp = (HttpResponse) {};
        st->ready = true;
        MHD_resume_connection(st->connection);
        /* MHD answers the resumed connection on its next run: make that the loop's next
         * turn, once for all the answers of a group commit, without moving the timer. */
        (void) sd_event_source_set_enabled(st->listener->resumed, SD_EVENT_ONESHOT);
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

/* The body is handed over to MHD, not copied: resp->body is NULL afterwards. */
static enum MHD_Result queue(struct MHD_Connection *c, HttpResponse *resp) {
        struct MHD_Response *m;
        enum MHD_Result ret;

        if (resp->body)
                m = MHD_create_response_from_buffer(strlen(resp->body), resp->body, MHD_RESPMEM_MUST_FREE);
        else
                m = MHD_create_response_from_buffer(0, (void *) "", MHD_RESPMEM_PERSISTENT);
        if (!m)
                return MHD_NO;
        resp->body = NULL;
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

/* The Content-Length of the request; false when it has none (chunked or no body). */
static bool declared_length(struct MHD_Connection *c, uint64_t *ret) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long n;
        char *end;

        if (!cl || *cl < '0' || *cl > '9')
                return false;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (*end != 0)
                return false;
        *ret = errno == ERANGE ? UINT64_MAX : n;
        return true;
}

/* The request as the handlers see it; the body is added once it is in. */
static void request_fill(Listener *l, struct MHD_Connection *c, const char *url, const char *method,
                         RequestState *st, HttpRequest *req, gid_t groups[static PEER_GROUPS_MAX],
                         char *remote, size_t remote_size) {
        format_remote(c, remote, remote_size);
        *req = (HttpRequest) {
                .method = method,
                .path = url,
                .body = st->body ?: (const uint8_t *) "",
                .body_size = st->size,
                .body_too_large = st->too_large,
                .server_busy = st->over_budget,
                .listener_kind = l->kind,
                .remote_addr = remote,
                .client_cert_verified = st->client_cert_verified,
                .authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                .runs = st->runs,
                .internal = st,
        };
        /* Peer credentials exist on the Unix socket only: no system calls for TCP clients. */
        if (!remote[0])
                fill_peer(c, req, groups);
}

/* Decides from the headers alone how much body the request may send. Returns
 * 1 to read the body, 0 to call the handler now (too large, or no room in the
 * budget), -1 when resp holds the refusal. */
static int request_admit(Listener *l, struct MHD_Connection *c, const char *url, const char *method,
                         RequestState *st, HttpResponse *resp) {
        HttpServer *s = l->server;
        gid_t groups[PEER_GROUPS_MAX];
        char remote[64];
        HttpRequest req;
        uint64_t declared;

        request_fill(l, c, url, method, st, &req, groups, remote, sizeof remote);
        st->max = s->admit ? s->admit(&req, resp, s->userdata) : HTTP_UNAUTH_BODY_MAX;
        if (st->max == 0)
                return -1;
        if (!declared_length(c, &declared) || declared == 0)
                return 1;
        if (declared > st->max)
                st->too_large = true;
        else if (!budget_reserve(s, st, declared + 1))
                st->over_budget = true;
        return st->too_large || st->over_budget ? 0 : 1;
}

static enum MHD_Result answer(struct MHD_Connection *c, HttpResponse *resp) {
        enum MHD_Result ret = queue(c, resp);

        http_response_done(resp);
        return ret;
}

/* Runs the server's handler for st's request: true with its answer in resp, false when it
 * deferred (resp is then empty). */
static bool run_handler(RequestState *st, HttpResponse *resp) {
        Listener *l = st->listener;
        gid_t groups[PEER_GROUPS_MAX];
        HttpRequest req;
        char remote[64];

        *resp = (HttpResponse) {};
        request_fill(l, st->connection, st->url, st->method, st, &req, groups, remote, sizeof remote);
        l->server->handler(&req, resp, l->server->userdata);
        if (st->deferred) {
                http_response_done(resp);
                return false;
        }
        if (req.server_busy && resp->retry_after == 0)
                resp->retry_after = RETRY_AFTER_BUSY_SEC;
        return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls) {
        Listener *l = cls;
        RequestState *st = *con_cls;
        HttpResponse resp = {};
        int r;

        if (!st) {
                if (http_connection_refused(connection_of(c)))
                        return MHD_NO;
                st = calloc(1, sizeof *st);
                if (!st)
                        return MHD_NO;
                *con_cls = st;
                st->listener = l;
                st->connection = c;
                st->client_cert_verified = l->tls && l->client_ca && client_cert_ok(c);
                r = request_admit(l, c, url, method, st, &resp);
                if (r < 0) {
                        st->answered = true;
                        return answer(c, &resp);
                }
                if (r > 0)
                        return MHD_YES;
                /* else the handler answers now, without the body */
        } else if (st->answered) {
                /* Answered before its body was in (refused, too large, no room): a
                 * body MHD still passes on is dropped, and no handler sees it again. */
                *upload_data_size = 0;
                return MHD_YES;
        } else if (st->ready) {
                st->deferred = st->ready = false;
                return answer(c, &st->answer);
        } else if (*upload_data_size > 0) {
                if (body_append(st, upload_data, *upload_data_size) < 0)
                        return MHD_NO;
                *upload_data_size = 0;
                return MHD_YES;
        }

        http_connection_request_read(connection_of(c));
        st->url = url;
        st->method = method;
        if (!run_handler(st, &resp)) {
                MHD_suspend_connection(c);
                return MHD_YES;
        }
        st->answered = true;
        return answer(c, &resp);
}

bool http_deferred_rerun_hold(HttpDeferred *d, HttpResponse *ret) {
        RequestState *st = (RequestState *) d;

        st->runs++;
        st->deferred = false;
        if (!run_handler(st, ret))
                return false;
        st->deferred = true;    /* until http_deferred_complete() */
        return true;
}

void http_deferred_rerun(HttpDeferred *d) {
        HttpResponse resp = {};

        if (http_deferred_rerun_hold(d, &resp))
                http_deferred_complete(d, &resp);
}

void http_request_keep(const HttpRequest *req, void *data, void (*free_data)(void *)) {
        RequestState *st = req->internal;

        if (st->kept_free && st->kept != data)
                st->kept_free(st->kept);
        st->kept = data;
        st->kept_free = free_data;
}

void *http_request_kept(const HttpRequest *req) {
        return ((const RequestState *) req->internal)->kept;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
        Listener *l = cls;
        RequestState *st = *con_cls;

        if (st) {
                budget_release(l->server, st);
                free(st->body);
                http_response_done(&st->answer);
                if (st->kept_free)
                        st->kept_free(st->kept);
                free(st);
                *con_cls = NULL;
        }
        http_connection_request_done(&l->server->connections, connection_of(c));
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
        Listener *l = cls;
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *addr = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = addr ? addr->client_addr : NULL;
        struct ucred cred = { .uid = (uid_t) -1 };
        socklen_t len = sizeof cred;
        HttpPeerKey key;

        if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
                http_connection_close(&l->server->connections, *socket_context);
                *socket_context = NULL;
                return;
        }
        if (!fd)
                return;
        if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
                http_peer_key(sa, 0, &key);
        else {
                (void) getsockopt(fd->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
                http_peer_key(NULL, cred.uid, &key);
                sa = NULL;
        }
        *socket_context = http_connection_open(&l->server->connections, fd->connect_fd, &key, !sa && cred.uid == 0);
}

_printf_(2, 0)
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[512];
        (void) vsnprintf(buf, sizeof buf, fmt, ap);
        buf[strcspn(buf, "\n")] = 0;
        log_debug("libmicrohttpd: %s", buf);
}

int http_server_new(sd_event *event, const HttpLimits *limits, HttpHandler handler, HttpAdmitHandler admit,
                    void *userdata, HttpServer **ret) {
        HttpServer *s = calloc(1, sizeof *s);
        int r;

        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->handler = handler;
        s->admit = admit;
        s->userdata = userdata;
        r = http_connections_init(&s->connections, event, limits);
        if (r < 0) {
                http_server_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static Listener *listener_free(Listener *l) {
        if (!l)
                return NULL;
        sd_event_source_disable_unref(l->io);
        sd_event_source_disable_unref(l->timer);
        sd_event_source_disable_unref(l->resumed);
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
        http_connections_done(&s->connections);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

static struct MHD_Daemon *start_daemon(Listener *l, int fd, const HttpTlsConfig *tls) {
        unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
        struct MHD_OptionItem opts[10];
        size_t n = 0;

        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, fd, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, HTTP_CONNECTION_TIMEOUT_SEC, NULL };
        /* The overall and per-client limits are the server's (on_connection); this
         * bounds what one listener accepts before they are applied. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, l->server->connections.limits.max_connections, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) on_completed, l };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) on_connection, l };
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

int http_server_add_listener(HttpServer *s, int fd, unsigned kind, const HttpTlsConfig *tls) {
        const union MHD_DaemonInfo *di;
        Listener *l;
        int r;

        l = calloc(1, sizeof *l);
        if (!l) {
                safe_close(fd);
                return -ENOMEM;
        }
        *l = (Listener) { .server = s, .kind = kind, .tls = !!tls, .client_ca = tls && tls->client_ca_pem };
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
        r = sd_event_add_defer(s->event, &l->resumed, on_resumed, l);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(l->resumed, SD_EVENT_OFF);
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
