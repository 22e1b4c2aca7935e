/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "conf-parser.h"
#include "json-util.h"
#include "attest-limits.h"
#include "log.h"
#include "parse-util.h"
#include "verifierd.h"
#include "verifierd-messages.h"

#define PATH_SEGMENTS_MAX 8
#define PATH_MAX_LEN 1024

static const char *const supported_versions[] = { "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0" };
#define CURRENT_VERSION "2.6"


static const char *status_title(unsigned status) {
        switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 413: return "Payload Too Large";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default:  return "Error";
        }
}

void reply_error(Request *q, unsigned status, const char *code, const char *pointer, const char *fmt, ...) {
        char detail[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);

        if (q->major == 3) {
                q->resp->content_type = "application/vnd.api+json";
                (void) http_response_set(q->resp, status, json_v3_error(status, code, status_title(status), detail, pointer));
        } else
                (void) http_response_set(q->resp, status, json_v2_envelope(status, detail, NULL));
}

void reply_v2(Request *q, unsigned status, json_object *results) {
        (void) http_response_set(q->resp, status, json_v2_envelope(status, "Success", results));
}

void reply_v3(Request *q, unsigned status, const char *type, const char *id, json_object *attributes) {
        q->resp->content_type = "application/vnd.api+json";
        (void) http_response_set(q->resp, status, json_v3_document(type, id, attributes, NULL));
}

void listener_note(Manager *m, int fd, const char *what) {
        struct sockaddr_un un;
        socklen_t len = sizeof un;
        char address[sizeof un.sun_path + 8] = "?", entry[sizeof address + 64];

        if (http_socket_address(fd, address, sizeof address) < 0 &&
            getsockname(fd, (struct sockaddr *) &un, &len) >= 0 && un.sun_family == AF_UNIX)
                (void) snprintf(address, sizeof address, "%.*s", (int) sizeof un.sun_path, un.sun_path);
        (void) snprintf(entry, sizeof entry, "%s (%s)", address, what);
        if (strv_extend(&m->listening, entry) < 0)
                log_oom();
}

const char *request_caller(const Request *q, char buf[static REQUEST_CALLER_MAX]) {
        char subject[REQUEST_CALLER_MAX - 8];

        if (q->http->have_peer)
                (void) snprintf(buf, REQUEST_CALLER_MAX, "uid=%u", (unsigned) q->http->peer_uid);
        else if (http_request_client_subject(q->http, subject, sizeof subject) >= 0)
                (void) snprintf(buf, REQUEST_CALLER_MAX, "cert=%s", subject);
        else
                (void) snprintf(buf, REQUEST_CALLER_MAX, "unknown");
        return buf;
}

/* Bodies up to this size leave the parser's buffers in place for the next. */
#define JSON_PARSER_KEEP_MAX (256u * 1024u)

int request_json(Request *q, json_object **ret) {
        Manager *m = q->manager;
        int r;

        if (q->http->body_too_large) {
                reply_error(q, 413, "body_too_large", NULL, "Request body too large.");
                return -E2BIG;
        }
        if (!m->parser)
                m->parser = json_parser_new();
        /* The body is within the limit admitted for its route (request_admit()). */
        r = m->parser ? json_parse_object_with(m->parser, (const char *) q->http->body, q->http->body_size,
                                               MAX(HTTP_ADMIN_BODY_MAX, HTTP_EVIDENCE_BODY_MAX), ret) : -ENOMEM;
        /* Its string buffer keeps the size of the longest string parsed: not after a large body. */
        if (m->parser && q->http->body_size > JSON_PARSER_KEEP_MAX) {
                json_tokener_free(m->parser);
                m->parser = NULL;
        }
        if (r < 0) {
                reply_error(q, 400, "invalid_json", NULL, "Request body is not a JSON object%s.",
                            r == -E2BIG ? " (nested too deeply)" : "");
                return r;
        }
        return 0;
}

static void reply_version(Request *q) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();

        if (!o || !a) {
                json_object_put(o);
                json_object_put(a);
                reply_error(q, 500, "oom", NULL, "Out of memory.");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(supported_versions); i++)
                (void) json_object_array_add(a, json_object_new_string(supported_versions[i]));
        (void) json_add_string(o, "current_version", CURRENT_VERSION);
        (void) json_object_object_add(o, "supported_versions", a);
        /* Which storage this instance runs on: with several instances, they must all say postgresql. */
        (void) json_add_string(o, "storage", storage_backend_to_string(q->manager->config.storage_backend));
        reply_v2(q, 200, o);
}

/* "v2", "v2.3", "v3.0" → major, minor; a bare major means its newest minor. */
static int parse_version(const char *s, unsigned *ret_major, unsigned *ret_minor) {
        char buf[8];
        const char *best = NULL;

        if (s[0] != 'v' || strlen(s) >= sizeof buf)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(supported_versions); i++) {
                const char *v = supported_versions[i];
                if (strcmp(s + 1, v) == 0 || (strchr(s + 1, '.') == NULL && strncmp(s + 1, v, strlen(s + 1)) == 0 &&
                                              v[strlen(s + 1)] == '.'))
                        best = v;
        }
        if (!best)
                return -ENOENT;
        *ret_major = (unsigned) (best[0] - '0');
        *ret_minor = (unsigned) (best[2] - '0');
        return 0;
}

static bool peer_is_admin(Manager *m, const HttpRequest *h) {
        if (!h->have_peer)
                return false;
        if (h->peer_uid == 0)
                return true;
        if (!m->have_admin_gid)
                return false;
        if (h->peer_gid == m->admin_gid)
                return true;
        for (size_t i = 0; i < h->n_peer_groups; i++)
                if (h->peer_groups[i] == m->admin_gid)
                        return true;
        return false;
}

static size_t split_path(char *path, const char **seg, size_t max) {
        size_t n = 0;
        char *save = NULL;

        for (char *p = strtok_r(path, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
                if (n >= max)
                        return SIZE_MAX;
                seg[n++] = p;
        }
        return n;
}

/* Logs and answers a request for the admin API from a caller who may not use it. */
static void refuse_admin(Request *q) {
        log_struct(LOG_WARNING, MESSAGE_ADMIN_REFUSED, "Refused admin request %s %s from %s (uid %u).",
                   q->http->method, q->http->path, q->http->have_peer ? "local peer" : q->http->remote_addr,
                   q->http->have_peer ? (unsigned) q->http->peer_uid : 0u);
        reply_error(q, 403, "forbidden", NULL, "Admin access requires root, group %s or a client certificate.",
                    q->manager->config.admin_group);
}

static void dispatch(Request *q, const char **seg, size_t n) {
        /* The Unix socket is for administrators only, whatever the path. */
        if (q->http->listener_kind == LISTENER_UNIX && !q->admin) {
                q->major = 2;
                return refuse_admin(q);
        }
        if (n == 1 && strcmp(seg[0], "version") == 0) {
                if (strcmp(q->http->method, "GET") != 0)
                        return reply_error(q, 405, "method_not_allowed", NULL, "Use GET.");
                return reply_version(q);
        }
        if (n >= 1 && strcmp(seg[0], "admin") == 0) {
                q->seg = seg + 1;
                q->n_seg = n - 1;
                if (!q->admin)
                        return refuse_admin(q);
                if (!route_admin(q))
                        reply_error(q, 404, "not_found", NULL, "No such admin resource.");
                return;
        }
        if (route_well_known(q, seg, n))
                return;
        if (n == 0 || parse_version(seg[0], &q->major, &q->minor) < 0) {
                q->major = 2;
                return reply_error(q, 404, "not_found", NULL, "Unknown path or API version.");
        }
        q->seg = seg + 1;
        q->n_seg = n - 1;
        if (route_registrar(q) || route_sessions(q) || route_attestations(q))
                return;
        if (route_secrets(q))
                return;
        if (q->admin && route_keylime_admin(q))
                return;
        if (!q->admin && q->major == 2 && q->n_seg >= 1 &&
            (strcmp(q->seg[0], "allowlists") == 0 || strcmp(q->seg[0], "mbpolicies") == 0 ||
             (strcmp(q->seg[0], "agents") == 0 && strcmp(q->http->method, "POST") != 0 &&
              strcmp(q->http->method, "PUT") != 0)))
                return refuse_admin(q);
        return reply_error(q, 404, "not_found", NULL, "No such resource.");
}

static Request request_new(Manager *m, const HttpRequest *req, HttpResponse *resp) {
        return (Request) {
                .manager = m,
                .http = req,
                .resp = resp,
                .major = 2,
                .admin = (req->listener_kind == LISTENER_UNIX && peer_is_admin(m, req)) ||
                         (req->listener_kind == LISTENER_TCP && req->client_cert_verified),
        };
}

/* Splits the request's path into seg (pointing into buf); answers and returns
 * false when it is unusable. */
static bool request_split(Request *q, char buf[static PATH_MAX_LEN], const char *seg[static PATH_SEGMENTS_MAX],
                          size_t *ret_n) {
        if (strlen(q->http->path) >= PATH_MAX_LEN) {
                reply_error(q, 414, "uri_too_long", NULL, "Path too long.");
                return false;
        }
        strcpy(buf, q->http->path);
        *ret_n = split_path(buf, seg, PATH_SEGMENTS_MAX);
        if (*ret_n == SIZE_MAX) {
                reply_error(q, 404, "not_found", NULL, "No such resource.");
                return false;
        }
        return true;
}

/* PATCH /v3.N/agents/{id}/attestations/{index}: the only route that takes a large body from a node. */
static bool is_evidence_route(const Request *q, const char *const *seg, size_t n) {
        unsigned major, minor;

        return n == 5 && strcmp(q->http->method, "PATCH") == 0 && parse_version(seg[0], &major, &minor) >= 0 &&
               major == 3 && strcmp(seg[1], "agents") == 0 && strcmp(seg[3], "attestations") == 0;
}

size_t http_admit(const HttpRequest *req, HttpResponse *resp, void *userdata) {
        Manager *m = userdata;
        char path[PATH_MAX_LEN];
        const char *seg[PATH_SEGMENTS_MAX];
        Request q = request_new(m, req, resp);
        size_t n;
        int r;

        if (req->listener_kind == LISTENER_METRICS)
                return 1;       /* a GET: no body worth reading (0 would refuse the request) */
        if (q.admin)
                return HTTP_ADMIN_BODY_MAX;
        /* The admin socket reads nothing from a caller it will refuse anyway. */
        if (req->listener_kind == LISTENER_UNIX) {
                refuse_admin(&q);
                return 0;
        }
        if (!request_split(&q, path, seg, &n))
                return 0;
        if (!is_evidence_route(&q, seg, n))
                return HTTP_UNAUTH_BODY_MAX;
        q.major = 3;
        if (evidence_expected(&q, seg[2], seg[4]))
                return m->config.max_evidence_size;
        r = session_authenticate(&q, seg[2], NULL);
        if (r < 0) {
                reply_error(&q, r == -EACCES ? 401 : 500, r == -EACCES ? "unauthorized" : "storage", NULL,
                            r == -EACCES ? "Missing, invalid or expired bearer token." : "Storage failure.");
                return 0;
        }
        return m->config.max_evidence_size;
}

void http_handler(const HttpRequest *req, HttpResponse *resp, void *userdata) {
        char path[PATH_MAX_LEN];
        const char *seg[PATH_SEGMENTS_MAX];
        Request q = request_new(userdata, req, resp);
        size_t n;

        if (req->listener_kind == LISTENER_METRICS)
                return metrics_serve(userdata, req->method, req->path, resp);
        if (!request_split(&q, path, seg, &n))
                return;
        if (req->server_busy) {
                if (n > 0)
                        (void) parse_version(seg[0], &q.major, &q.minor);
                return reply_error(&q, 503, "busy", NULL, "Too many request bodies in flight; retry later.");
        }
        dispatch(&q, seg, n);
        metrics_request(&q.manager->metrics, req->method, seg, n, resp->status);
        log_debug("%s %s → %u", req->method, req->path, resp->status);
}
