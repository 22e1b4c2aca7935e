/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "webhook" failure action: POSTs the event, signed with HMAC-SHA256,
 * retrying with exponential backoff (attest-failure-actions(7)). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "json-parse.h"
#include "memory-util.h"
#include "plugin-util.h"
#include "webhook-sign.h"

#define WEBHOOK_CONFIG_SIZE_MAX (64u * 1024u)
#define WEBHOOK_SECRET_MAX      1024u
#define WEBHOOK_RETRIES_MAX     10
#define WEBHOOK_BACKOFF_MAX_MS  60000u

typedef struct Webhook {
        char *url;
        uint8_t secret[WEBHOOK_SECRET_MAX];
        size_t secret_size;
        int retries;
        uint64_t backoff_ms;
        uint64_t timeout_ms;
} Webhook;

static void webhook_free_instance(void *instance) {
        Webhook *w = instance;

        if (!w)
                return;
        free(w->url);
        erase_and_free_size(w, sizeof(*w));
}

static int read_secret_file(const char *path, Webhook *w) {
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return -errno;
        n = fread(w->secret, 1, sizeof(w->secret), f);
        fclose(f);
        while (n > 0 && (w->secret[n - 1] == '\n' || w->secret[n - 1] == '\r'))
                n--;
        w->secret_size = n;
        return n == 0 ? -EBADMSG : 0;
}

static int int_member(json_object *root, const char *key, int64_t min, int64_t max, int64_t def, int64_t *ret) {
        json_object *v;

        *ret = def;
        if (!json_object_object_get_ex(root, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min || json_object_get_int64(v) > max)
                return -EBADMSG;
        *ret = json_object_get_int64(v);
        return 0;
}

static int parse_config(json_object *root, void *userdata, const char **why) {
        Webhook *w = userdata;
        json_object *url = json_get_typed(root, "url", json_type_string);
        json_object *secret = json_get_typed(root, "secret", json_type_string);
        json_object *file = json_get_typed(root, "secret_file", json_type_string);
        int64_t retries, backoff, timeout;

        if (!url || (strncmp(json_object_get_string(url), "http://", 7) != 0 &&
                     strncmp(json_object_get_string(url), "https://", 8) != 0)) {
                *why = "\"url\" must be an http:// or https:// URL";
                return -EBADMSG;
        }
        if (!!secret == !!file) {
                *why = "exactly one of \"secret\" and \"secret_file\" is needed";
                return -EBADMSG;
        }
        if (secret) {
                w->secret_size = (size_t) json_object_get_string_len(secret);
                if (w->secret_size == 0 || w->secret_size > sizeof(w->secret)) {
                        *why = "\"secret\" must have 1 to 1024 bytes";
                        return -EBADMSG;
                }
                memcpy(w->secret, json_object_get_string(secret), w->secret_size);
        } else if (read_secret_file(json_object_get_string(file), w) < 0) {
                *why = "\"secret_file\" cannot be read or is empty";
                return -EBADMSG;
        }
        if (int_member(root, "retries", 0, WEBHOOK_RETRIES_MAX, 3, &retries) < 0 ||
            int_member(root, "backoff_ms", 1, WEBHOOK_BACKOFF_MAX_MS, 500, &backoff) < 0 ||
            int_member(root, "timeout_ms", 1, 600000, 5000, &timeout) < 0) {
                *why = "\"retries\" (0-10), \"backoff_ms\" (1-60000), \"timeout_ms\" (1-600000) are integers";
                return -EBADMSG;
        }
        w->retries = (int) retries;
        w->backoff_ms = (uint64_t) backoff;
        w->timeout_ms = (uint64_t) timeout;
        w->url = strdup(json_object_get_string(url));
        return w->url ? 0 : -ENOMEM;
}

static int webhook_configure(const char *config, size_t size, void **ret, char *error, size_t error_size) {
        Webhook *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        r = plugin_parse_json(config, size, WEBHOOK_CONFIG_SIZE_MAX, "webhook action", parse_config, w, error,
                              error_size);
        if (r < 0) {
                webhook_free_instance(w);
                return r;
        }
        *ret = w;
        return 0;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
        return size * nmemb;
}

/* 0 delivered, -EAGAIN worth retrying, another negative errno not. */
static int post_once(const Webhook *w, const char *event, size_t size) {
        char sig_header[128], ts_header[64];
        struct curl_slist *headers = NULL;
        long status = 0;
        CURLcode c;
        CURL *curl;
        int r;

        r = webhook_sign_headers(w->secret, w->secret_size, (uint64_t) time(NULL), event, size,
                                 ts_header, sizeof(ts_header), sig_header, sizeof(sig_header));
        if (r < 0)
                return r;
        curl = curl_easy_init();
        if (!curl)
                return -ENOMEM;
        headers = curl_slist_append(headers, "Content-Type: application/json");
        headers = curl_slist_append(headers, "Expect:");
        headers = curl_slist_append(headers, ts_header);
        headers = curl_slist_append(headers, sig_header);
        curl_easy_setopt(curl, CURLOPT_URL, w->url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, event);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) w->timeout_ms);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        c = curl_easy_perform(curl);
        if (c == CURLE_OK)
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
        if (c != CURLE_OK || status >= 500 || status == 429)
                return -EAGAIN;
        return status >= 200 && status < 300 ? 0 : -EBADR;
}

static int webhook_run(void *instance, const char *event, size_t size) {
        const Webhook *w = instance;
        uint64_t delay = w->backoff_ms;
        int r;

        for (int attempt = 0;; attempt++) {
                r = post_once(w, event, size);
                if (r != -EAGAIN || attempt >= w->retries)
                        return r;
                (void) usleep((useconds_t) (delay * 1000u));
                delay = delay * 2 > WEBHOOK_BACKOFF_MAX_MS ? WEBHOOK_BACKOFF_MAX_MS : delay * 2;
        }
}

static const AttestFailureAction vtable = {
        .struct_size = sizeof(AttestFailureAction),
        .configure = webhook_configure,
        .free_instance = webhook_free_instance,
        .run = webhook_run,
};

ATTEST_DEFINE_PLUGIN("webhook", ATTEST_PLUGIN_FAILURE_ACTION, vtable)
