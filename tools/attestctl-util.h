/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "pcr-values.h"

/* Reads a whole input file ("-" is stdin) of at most max_size bytes. On
 * failure logs "Failed to read <what> <path>: <reason>" and returns the error. */
int attestctl_read_file(const char *path, size_t max_size, const char *what, uint8_t **ret, size_t *ret_size);

/* One long option of a verb: with an argument, optarg goes to *arg; without, *flag is set. */
typedef struct VerbOption {
        const char *name;
        const char **arg;
        bool *flag;
} VerbOption;

#define VERB_OPTIONS_MAX 32

/* Parses a verb's options (options ends with an entry without a name) and
 * -h/--help, which prints help(stdout). Returns the index of the first
 * positional argument, 0 after --help, -EINVAL on an unknown option or a
 * missing argument (getopt has said which). */
int attestctl_parse_options(int argc, char *argv[], const VerbOption *options, void (*help)(FILE *f));

/* Whether --help or -h is among a verb's arguments (before "--"); if so prints
 * "Usage: attestctl <usage>" on stdout, for verbs without options of their own to parse it. */
bool attestctl_help_requested(int argc, char *argv[], const char *usage);

/* Pretty JSON on stdout, as every --json output. */
void attestctl_print_json(json_object *o);

/* Each bank's name, then "  <pcr>: <hex>" for every PCR it holds. */
void attestctl_print_pcr_values(const PcrValues *v);
