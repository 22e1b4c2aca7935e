/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-client.h"
#include "attest-limits.h"
#include "parse-util.h"
#include "log.h"
#include "macro.h"

typedef struct Buffer {
        char *data;
        size_t size;
        size_t alloc;
        bool overflow;
} Buffer;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Buffer *b = userdata;
        size_t n = size * nmemb;

        if (n > HTTP_CLIENT_RESPONSE_MAX - b->size) {
                b->overflow = true;
                return 0;
        }
        /* Doubling: a large answer arrives in many small pieces. */
        if (b->size + n + 1 > b->alloc) {
                size_t a = MIN(MAX(b->alloc * 2, b->size + n + 1), (size_t) HTTP_CLIENT_RESPONSE_MAX + 1);
                char *p = realloc(b->data, a);

                if (!p)
                        return 0;
                b->data = p;
                b->alloc = a;
        }
        memcpy(b->data + b->size, ptr, n);
        b->size += n;
        b->data[b->size] = 0;
        return n;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(CURL *, curl_easy_cleanup);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct curl_slist *, curl_slist_free_all);

int http_unix_request(const char *socket_path, const char *method, const char *path,
                      const char *body, size_t body_size, long *ret_status, char **ret_body) {
        _cleanup_(curl_easy_cleanupp) CURL *c = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL;
        Buffer b = {};
        CURLcode cc;
        long status = 0;

        c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        if (asprintf(&url, "http://localhost%s", path) < 0)
                return -ENOMEM;
        headers = curl_slist_append(NULL, "Content-Type: application/json");
        if (!headers)
                return -ENOMEM;

        (void) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
        (void) curl_easy_setopt(c, CURLOPT_URL, url);
        (void) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        (void) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        (void) curl_easy_setopt(c, CURLOPT_TIMEOUT, HTTP_CLIENT_TIMEOUT_SEC);
        (void) curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void) curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
        (void) curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        if (body) {
                (void) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                (void) curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_size);
        }

        cc = curl_easy_perform(c);
        if (cc != CURLE_OK) {
                free(b.data);
                if (b.overflow)
                        return log_debug_errno(-EFBIG, "Answer from %s too large.", socket_path);
                log_debug("HTTP request to %s failed: %s", socket_path, curl_easy_strerror(cc));
                return cc == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO;
        }
        (void) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        *ret_status = status;
        *ret_body = b.data ?: strdup("");
        return *ret_body ? 0 : -ENOMEM;
}

bool http_header_value(const char *line, size_t n, const char *name, const char **ret_value, size_t *ret_len) {
        size_t k = strlen(name);

        if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
                return false;
        line += k + 1;
        n -= k + 1;
        while (n > 0 && (*line == ' ' || *line == '\t'))
                line++, n--;
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
                n--;
        *ret_value = line;
        *ret_len = n;
        return true;
}

int http_parse_retry_after(const char *value, size_t len, uint64_t *ret) {
        char num[16];
        uint64_t sec;

        /* Only the delta-seconds form; an HTTP date is -EINVAL, the caller treats it as absent. */
        if (len == 0 || len >= sizeof(num))
                return -EINVAL;
        memcpy(num, value, len);
        num[len] = 0;
        if (safe_atou64(num, &sec) < 0 || sec > HTTP_RETRY_AFTER_MAX_SEC)
                return -EINVAL;
        *ret = sec;
        return 0;
}

/* RFC 9110 token characters, and the one slash between type and subtype. */
static bool media_type_char(char c, bool *slash) {
        if (c == '/') {
                if (*slash)
                        return false;
                return (*slash = true);
        }
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

int http_media_type(const char *value, size_t len, char **ret) {
        const char *semicolon = memchr(value, ';', len);
        bool slash = false;
        char *t;

        if (semicolon)
                len = semicolon - value;
        while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
                len--;
        /* A NUL would end the copy early: "app/\0json" must not become "app/". */
        if (len == 0 || len > HTTP_MEDIA_TYPE_MAX || memchr(value, 0, len) ||
            value[0] == '/' || value[len - 1] == '/')
                return -EINVAL;
        t = strndup(value, len);
        if (!t)
                return -ENOMEM;
        for (char *p = t; *p; p++) {
                *p = (char) tolower((unsigned char) *p);
                if (!media_type_char(*p, &slash)) {
                        free(t);
                        return -EINVAL;
                }
        }
        if (!slash) {
                free(t);
                return -EINVAL;
        }
        *ret = t;
        return 0;
}

bool http_media_type_is_json(const char *type) {
        size_t n;

        if (!type)
                return false;
        if (strcmp(type, "application/json") == 0)
                return true;
        n = strlen(type);
        return strncmp(type, "application/", 12) == 0 && n > 17 && strcmp(type + n - 5, "+json") == 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
        HttpClientResponse *r = userdata;
        size_t n = size * nmemb, len;
        const char *v;

        if (http_header_value(ptr, n, "Location", &v, &len)) {
                if (len > 0 && len <= HTTP_HEADER_VALUE_MAX && !memchr(v, 0, len)) {
                        free(r->location);
                        r->location = strndup(v, len);
                }
        } else if (http_header_value(ptr, n, "Retry-After", &v, &len))
                (void) http_parse_retry_after(v, len, &r->retry_after_sec);
        else if (http_header_value(ptr, n, "Content-Type", &v, &len)) {
                r->content_type = mfree(r->content_type);
                /* An unusable type is kept as one that is not JSON. */
                if (http_media_type(v, len, &r->content_type) < 0)
                        r->content_type = strdup("invalid");
        }
        return n;
}

void http_client_response_done(HttpClientResponse *r) {
        if (!r)
                return;
        r->body = mfree(r->body);
        r->location = mfree(r->location);
        r->content_type = mfree(r->content_type);
        r->body_size = 0;
}

static int curl_to_errno(CURLcode cc) {
        switch (cc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
                return -ECONNREFUSED;
        case CURLE_SSL_CONNECT_ERROR:
                /* The handshake broke off: mostly a peer that accepted and
                 * closed (a forwarder whose backend is down). A certificate
                 * that does not verify has its own code below. */
                return -ECONNRESET;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
                return -EPERM;
        case CURLE_OPERATION_TIMEDOUT:
                return -ETIMEDOUT;
        case CURLE_WRITE_ERROR:
                return -EFBIG;
        case CURLE_ABORTED_BY_CALLBACK:
                return -ECANCELED;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
                return -EINVAL;
        default:
                return -EIO;
        }
}

/* Called by curl about once a second, also while connecting. */
static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        const atomic_bool *cancel = userdata;
        return atomic_load(cancel) ? 1 : 0;
}

struct HttpClient {
        CURL *curl;
};

HttpClient *http_client_new(void) {
        HttpClient *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->curl = curl_easy_init();
        if (!c->curl)
                return mfree(c);
        return c;
}

HttpClient *http_client_free(HttpClient *c) {
        if (!c)
                return NULL;
        curl_easy_cleanup(c->curl);
        return mfree(c);
}

int http_client_request(const HttpClientRequest *req, HttpClientResponse *ret) {
        _cleanup_(curl_easy_cleanupp) CURL *own = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *ctype = NULL, *auth = NULL;
        HttpClientResponse r = {};
        Buffer b = {};
        CURLcode cc;
        CURL *c;

        if (!req || !req->url || !req->method || !ret)
                return -EINVAL;

        /* A kept handle was reset after its last request; its live connections
         * and TLS sessions stay for this one. */
        c = req->client ? req->client->curl : (own = curl_easy_init());
        if (!c)
                return -ENOMEM;
        /* Without a body there is no content to type: some servers then try to parse one. */
        if (asprintf(&ctype, "%s: %s", req->body ? "Content-Type" : "Accept",
                     req->content_type ?: "application/json") < 0)
                return -ENOMEM;
        headers = curl_slist_append(NULL, ctype);
        if (!headers)
                return -ENOMEM;
        if (req->bearer_token) {
                if (asprintf(&auth, "Authorization: Bearer %s", req->bearer_token) < 0 ||
                    !curl_slist_append(headers, auth))
                        return -ENOMEM;
        }

        (void) curl_easy_setopt(c, CURLOPT_URL, req->url);
        (void) curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        (void) curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        (void) curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        (void) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        (void) curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_sec > 0 ? req->timeout_sec : HTTP_CLIENT_TIMEOUT_SEC);
        (void) curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        (void) curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        (void) curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (req->ca_file) {
                /* Pinned: this bundle and nothing from the system store. */
                (void) curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_file);
                (void) curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        }
        if (req->client_cert) {
                (void) curl_easy_setopt(c, CURLOPT_SSLCERT, req->client_cert);
                (void) curl_easy_setopt(c, CURLOPT_SSLKEY, req->client_key ?: req->client_cert);
        }
        (void) curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
        (void) curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        (void) curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        (void) curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
        if (req->body) {
                (void) curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
                (void) curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_size);
        }
        if (req->cancel) {
                (void) curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
                (void) curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
                (void) curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *) req->cancel);
        }

        cc = curl_easy_perform(c);
        (void) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        if (req->client)
                curl_easy_reset(c);   /* no pointers into this call's buffers stay behind */
        if (cc != CURLE_OK) {
                free(b.data);
                http_client_response_done(&r);
                if (b.overflow)
                        return log_debug_errno(-EFBIG, "Answer from %s too large.", req->url);
                log_debug("HTTP %s %s failed: %s", req->method, req->url, curl_easy_strerror(cc));
                return curl_to_errno(cc);
        }
        r.body = b.data ?: strdup("");
        if (!r.body) {
                http_client_response_done(&r);
                return -ENOMEM;
        }
        r.body_size = b.data ? b.size : 0;
        *ret = r;
        return 0;
}
