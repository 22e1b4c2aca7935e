/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pcr-values.h"
#include "tcg-eventlog.h"

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Reads a whole input file ("-" is stdin) of at most max_size bytes; logs why it failed. */
int attestctl_read_file(const char *path, size_t max_size, const char *what, uint8_t **ret, size_t *ret_size);

/* Reads and parses an event log file; logs why it failed. */
int eventlog_load(const char *path, TcgEventLog **ret);

/* Reads a PCR values file in the replay JSON format; logs why it failed. */
int pcr_values_load(const char *path, PcrValues *ret);

/* Compares a log with PCR values and reports each mismatch with its events on
 * stderr. Returns 0 when all match, 1 on a mismatch, negative on error. */
int eventlog_check_pcrs(const TcgEventLog *log, const PcrValues *pcrs);

/* Pretty JSON on stdout, as every --json output. */
void attestctl_print_json(json_object *o);

int verb_eventlog(int argc, char *argv[]);
