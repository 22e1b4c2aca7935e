/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "pcr-values.h"
#include "tcg-eventlog.h"

/* One event as JSON: number, pcr, type, digests per bank, size and the
 * decoded data (or its hex with the reason it did not decode). */
int tcg_event_to_json(const TcgEventLog *log, size_t index, json_object **ret);

/* The whole log: format, banks, Spec ID fields, events. */
int tcg_eventlog_to_json(const TcgEventLog *log, json_object **ret);

/* {"pcrs": {"sha256": {"0": "<hex>", …}, …}} with the PCRs each bank holds. */
int pcr_values_to_json(const PcrValues *v, json_object **ret);

/* Adds a hex string member. */
int json_add_hex(json_object *obj, const char *key, const void *data, size_t len);
