/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* A secret's name: 1..SECRET_NAME_MAX of [A-Za-z0-9._-], not starting with
 * '.', so that it is safe in URLs, file names and log lines alike. */
bool secret_name_is_valid(const char *name);
