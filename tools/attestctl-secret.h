/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int verb_secret(int argc, char *argv[]);
int verb_luks(int argc, char *argv[]);

/* Stores value as secret name of node at the verifier; an exit code. */
int secret_put_remote(const char *node, const char *name, const uint8_t *value, size_t size, bool replace);
/* Removes it; an exit code. */
int secret_remove_remote(const char *node, const char *name);
