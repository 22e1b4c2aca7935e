/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* A small blocking HTTP client for local admin calls: one request over a Unix
 * socket. ret_status is the HTTP status; ret_body the NUL-terminated answer. */

#define HTTP_CLIENT_RESPONSE_MAX (64u * 1024u * 1024u)
#define HTTP_CLIENT_TIMEOUT_SEC 30L

int http_unix_request(const char *socket_path, const char *method, const char *path,
                      const char *body, size_t body_size, long *ret_status, char **ret_body);

/* A connection kept between requests: a curl handle whose connection cache
 * (HTTP keep-alive, TLS sessions) serves the next request to the same server,
 * and which opens a new connection to another one. One thread's at a time. */
typedef struct HttpClient HttpClient;

HttpClient *http_client_new(void);
HttpClient *http_client_free(HttpClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpClient *, http_client_free);

/* One request to a TCP server, HTTPS with the server's certificate checked
 * against a pinned CA bundle (or plain HTTP when the URL says so). No
 * redirects are followed; only http and https are spoken. */
typedef struct HttpClientRequest {
        const char *url;
        const char *method;         /* "GET", "POST", "PUT", "PATCH", … */
        const char *ca_file;        /* PEM CA bundle the server must chain to; NULL: system store */
        const char *content_type;   /* of body; NULL: application/json */
        const char *bearer_token;   /* sent as "Authorization: Bearer …" when set */
        const char *body;           /* NULL: no body */
        size_t body_size;
        long timeout_sec;           /* 0: HTTP_CLIENT_TIMEOUT_SEC */
        const atomic_bool *cancel;  /* when set (from another thread), the request ends with -ECANCELED */
        const char *client_cert;    /* PEM certificate (chain) presented to the server, or NULL */
        const char *client_key;     /* its PEM key; NULL: in client_cert */
        HttpClient *client;         /* the connections to reuse; NULL: a connection of its own */
} HttpClientRequest;

typedef struct HttpClientResponse {
        long status;
        char *body;                 /* NUL-terminated, possibly empty */
        size_t body_size;
        char *location;             /* the Location header, or NULL */
        uint64_t retry_after_sec;   /* Retry-After in seconds, 0 when absent */
        char *content_type;         /* the media type (lower case, no parameters), or NULL when absent */
} HttpClientResponse;

void http_client_response_done(HttpClientResponse *r);

/* 0 with *ret filled whatever the HTTP status; -ECONNREFUSED when the server
 * cannot be reached, -EPERM when its certificate does not verify, -ETIMEDOUT,
 * -EFBIG for an answer over HTTP_CLIENT_RESPONSE_MAX, -ECANCELED when
 * cancelled, -EIO otherwise. */
int http_client_request(const HttpClientRequest *req, HttpClientResponse *ret);

/* Header lines as curl hands them over ("Name: value\r\n", not NUL-terminated):
 * true when the line is the header name (case-insensitive), with the value
 * trimmed of surrounding blanks and the line end. */
bool http_header_value(const char *line, size_t n, const char *name, const char **ret_value, size_t *ret_len);

/* Retry-After in its delta-seconds form, at most HTTP_RETRY_AFTER_MAX_SEC;
 * anything else (an HTTP date included) is -EINVAL. */
int http_parse_retry_after(const char *value, size_t len, uint64_t *ret);

/* The media type of a Content-Type value, lower-cased and without its
 * parameters ("Application/JSON; charset=utf-8" → "application/json");
 * -EINVAL unless it is type/subtype in token characters, at most
 * HTTP_MEDIA_TYPE_MAX bytes. */
int http_media_type(const char *value, size_t len, char **ret);
/* application/json or a structured application/…+json type (JSON:API's
 * application/vnd.api+json). */
bool http_media_type_is_json(const char *type);
