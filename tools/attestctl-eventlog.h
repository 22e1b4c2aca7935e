/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pcr-values.h"
#include "tcg-eventlog.h"

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* Reads and parses an event log file; logs why it failed. */
int eventlog_load(const char *path, TcgEventLog **ret);

/* Reads a PCR values file in the replay JSON format; logs why it failed. */
int pcr_values_load(const char *path, PcrValues *ret);

/* Compares a log with PCR values and reports each mismatch with its events on
 * stderr. Returns 0 when all match, 1 on a mismatch, negative on error. */
int eventlog_check_pcrs(const TcgEventLog *log, const PcrValues *pcrs);

int verb_eventlog(int argc, char *argv[]);
