/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

/* Parses one JSON document spanning all of text (trailing whitespace allowed).
 * -EBADMSG for bad syntax or trailing bytes, -E2BIG above max_size. */
int json_parse_text(const char *text, size_t len, size_t max_size, json_object **ret);

/* The member key of obj when it has the given type, else NULL. */
json_object *json_get_typed(json_object *obj, const char *key, json_type type);
