/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/* One call to the verifier's admin API over --admin-socket. On a 2xx answer
 * returns EXIT_PASS with *ret_results (the envelope's results, may be NULL);
 * otherwise prints the verifier's message and returns the exit code. */
int admin_call(const char *method, const char *path, const char *body, size_t body_size, json_object **ret_results);

/* As admin_call, for answers that are not JSON (policy contents). */
int admin_call_raw(const char *method, const char *path, char **ret_body);

/* Reads a policy file for sending: absolute or relative path, "-" for stdin. */
int admin_read_policy(const char *path, char **ret, size_t *ret_size);

/* Prints a JSON value for --json. */
void admin_print_json(json_object *o);
