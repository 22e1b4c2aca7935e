/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* A small blocking HTTP client for local admin calls: one request over a Unix
 * socket. ret_status is the HTTP status; ret_body the NUL-terminated answer. */

#define HTTP_CLIENT_RESPONSE_MAX (64u * 1024u * 1024u)
#define HTTP_CLIENT_TIMEOUT_SEC 30L

int http_unix_request(const char *socket_path, const char *method, const char *path,
                      const char *body, size_t body_size, long *ret_status, char **ret_body);
