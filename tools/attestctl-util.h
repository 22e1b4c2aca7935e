/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "pcr-values.h"

/* Reads a whole input file ("-" is stdin) of at most max_size bytes. On
 * failure logs "Failed to read <what> <path>: <reason>" and returns the error. */
int attestctl_read_file(const char *path, size_t max_size, const char *what, uint8_t **ret, size_t *ret_size);

/* Whether --help or -h is among a verb's arguments (before "--"); if so prints
 * "Usage: attestctl <usage>" on stdout, for verbs without options of their own to parse it. */
bool attestctl_help_requested(int argc, char *argv[], const char *usage);

/* Pretty JSON on stdout, as every --json output. */
void attestctl_print_json(json_object *o);

/* Each bank's name, then "  <pcr>: <hex>" for every PCR it holds. */
void attestctl_print_pcr_values(const PcrValues *v);
