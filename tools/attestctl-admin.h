/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/* One call to the verifier's admin API over --admin-socket. On a 2xx answer
 * returns EXIT_PASS with *ret_results (the envelope's results, may be NULL);
 * otherwise prints the verifier's message and returns the exit code. */
int admin_call(const char *method, const char *path, const char *body, size_t body_size, json_object **ret_results);

/* As admin_call, and an answer with the status expected (besides 2xx) is no
 * error either: the caller reads *ret_status. */
int admin_call_expect(const char *method, const char *path, const char *body, size_t body_size, long expected,
                      long *ret_status, json_object **ret_results);

/* > 0 when admin requests go to a remote verifier (--url or attestctl.conf), 0 for
 * the local admin socket, < 0 when attestctl.conf cannot be read (logged). */
int admin_is_remote(void);
/* One request to the remote verifier over HTTPS with the client certificate;
 * logs and returns < 0 when it cannot be made. */
int admin_remote_request(const char *method, const char *path, const char *body, size_t body_size, long *ret_status,
                         char **ret_body);

/* As admin_call, for answers that are not JSON (policy contents). */
int admin_call_raw(const char *method, const char *path, char **ret_body);
