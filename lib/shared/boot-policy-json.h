/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "boot-policy.h"

/* A reference state that accepts exactly this boot (attest-boot-policy(5)).
 * The log s was read from must still exist (certificate subjects). */
int boot_state_to_policy_json(const BootState *s, json_object **ret);

/* A policy as a reference state of attest-boot-policy(5) (a Keylime one converted). */
int boot_policy_to_json(const BootPolicy *p, json_object **ret);

/* [{"id", "expected", "actual", "event"}, …] */
int boot_failures_to_json(const BootFailures *f, json_object **ret);
