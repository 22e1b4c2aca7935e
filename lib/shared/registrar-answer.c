/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "attest-limits.h"
#include "macro.h"
#include "registrar-answer.h"

/* The envelope's "results" object. */
static int answer_results(const char *body, size_t size, json_object **ret_doc, json_object **ret_results) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *results;
        int r;

        if (!body)
                return -EINVAL;
        if (size > REG_ANSWER_MAX)
                return -E2BIG;
        r = json_parse_object(body, size, &doc);
        if (r < 0)
                return r == -E2BIG ? -E2BIG : -EBADMSG;
        if (!json_object_object_get_ex(doc, "results", &results) ||
            !json_object_is_type(results, json_type_object))
                return -EBADMSG;
        *ret_results = results;
        *ret_doc = TAKE_PTR(doc);
        return 0;
}

int registrar_answer_blob(const char *body, size_t size, uint8_t **ret_blob, size_t *ret_blob_size) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *results;
        int r;

        if (!ret_blob || !ret_blob_size)
                return -EINVAL;
        r = answer_results(body, size, &doc, &results);
        if (r < 0)
                return r;
        r = json_get_base64(results, "blob", CREDENTIAL_BLOB_SIZE_MAX, ret_blob, ret_blob_size);
        if (r == -E2BIG)
                return r;
        return r < 0 ? -EBADMSG : 0;
}

static bool url_is_acceptable(const char *s) {
        if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || (unsigned char) *p >= 0x7f)
                        return false;
        return true;
}

int registrar_answer_activation(const char *body, size_t size, char **ret_verifier_url) {
        _cleanup_json_ json_object *doc = NULL;
        json_object *results;
        const char *url;
        int r;

        if (!ret_verifier_url)
                return -EINVAL;
        r = answer_results(body, size, &doc, &results);
        if (r < 0)
                return r;
        r = json_get_string(results, "verifier_url", REG_VERIFIER_URL_MAX, &url);
        if (r == -ENOENT) {
                *ret_verifier_url = NULL;
                return 0;
        }
        if (r < 0 || !url_is_acceptable(url))
                return -EBADMSG;
        *ret_verifier_url = strdup(url);
        return *ret_verifier_url ? 0 : -ENOMEM;
}

char *registrar_answer_status(const char *body, size_t size) {
        _cleanup_json_ json_object *doc = NULL;
        const char *s;

        if (!body || size > REG_ANSWER_MAX || json_parse_object(body, size, &doc) < 0)
                return NULL;
        if (json_get_string(doc, "status", REG_ANSWER_STATUS_MAX, &s) < 0)
                return NULL;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p < ' ' || (unsigned char) *p >= 0x7f)
                        return NULL;
        return strdup(s);
}
