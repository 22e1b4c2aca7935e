/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-admin.h"
#include "http-client.h"
#include "json-util.h"
#include "attest-limits.h"
#include "log.h"

static int exit_code_for(long status) {
        if (status >= 200 && status < 300)
                return EXIT_PASS;
        if (status == 400 || status == 413 || status == 422)
                return EXIT_UNUSABLE;
        return EXIT_VIOLATION;
}

static int do_call(const char *method, const char *path, const char *body, size_t body_size, long *ret_status,
                   char **ret_body) {
        int r = admin_is_remote();

        if (r < 0)
                return EXIT_UNUSABLE;
        if (r > 0)
                return admin_remote_request(method, path, body, body_size, ret_status, ret_body) < 0 ? EXIT_UNUSABLE : 0;
        r = http_unix_request(arg_globals.admin_socket, method, path, body, body_size, ret_status, ret_body);
        if (r < 0) {
                log_error_errno(r, "Cannot reach the verifier at %s: %m", arg_globals.admin_socket);
                return EXIT_UNUSABLE;
        }
        return 0;
}

int admin_call_expect(const char *method, const char *path, const char *body, size_t body_size, long expected,
                      long *ret_status, json_object **ret_results) {
        _cleanup_free_ char *answer = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *results = NULL, *status_text = NULL;
        long status;
        int r;

        r = do_call(method, path, body, body_size, &status, &answer);
        if (r != 0)
                return r;
        if (json_parse_object(answer, strlen(answer), &o) < 0) {
                log_error("The verifier answered %ld with something that is not JSON.", status);
                return EXIT_UNUSABLE;
        }
        (void) json_object_object_get_ex(o, "results", &results);
        (void) json_object_object_get_ex(o, "status", &status_text);
        if ((status < 200 || status >= 300) && status != expected) {
                log_error("Verifier refused (%ld): %s", status, status_text ? json_object_get_string(status_text) : "?");
                return exit_code_for(status);
        }
        if (ret_status)
                *ret_status = status;
        if (ret_results)
                *ret_results = results ? json_object_get(results) : NULL;
        return EXIT_PASS;
}

int admin_call(const char *method, const char *path, const char *body, size_t body_size, json_object **ret_results) {
        return admin_call_expect(method, path, body, body_size, 0, NULL, ret_results);
}

int admin_call_raw(const char *method, const char *path, char **ret_body) {
        _cleanup_free_ char *answer = NULL;
        long status;
        int r;

        r = do_call(method, path, NULL, 0, &status, &answer);
        if (r != 0)
                return r;
        if (status < 200 || status >= 300) {
                _cleanup_json_ json_object *o = NULL;
                json_object *st = NULL;
                if (json_parse_object(answer, strlen(answer), &o) >= 0)
                        (void) json_object_object_get_ex(o, "status", &st);
                log_error("Verifier refused (%ld): %s", status, st ? json_object_get_string(st) : "?");
                return exit_code_for(status);
        }
        *ret_body = TAKE_PTR(answer);
        return EXIT_PASS;
}
