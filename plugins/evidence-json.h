/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validated evidence as JSON, for external engines (attest-exec-engine(7)). */

#include <json-c/json.h>

#include "attest/attest-plugin.h"

/* A new object, or NULL on allocation failure. */
json_object *evidence_to_json(const AttestEvidence *ev);
