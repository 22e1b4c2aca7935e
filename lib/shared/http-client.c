/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http-client.h"
#include "log.h"
#include "macro.h"

typedef struct Buffer {
        char *data;
        size_t size;
        bool overflow;
} Buffer;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Buffer *b = userdata;
        size_t n = size * nmemb;
        char *p;

        if (n > HTTP_CLIENT_RESPONSE_MAX - b->size) {
                b->overflow = true;
                return 0;
        }
        p = realloc(b->data, b->size + n + 1);
        if (!p)
                return 0;
        memcpy(p + b->size, ptr, n);
        b->data = p;
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
