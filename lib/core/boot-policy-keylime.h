/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "boot-policy.h"

/* A Keylime measured-boot reference state is recognised by its keys. */
bool boot_policy_is_keylime(json_object *root);

/* Compiles it into p (allocated, zeroed but for secure_boot). */
int boot_policy_parse_keylime(BootPolicy *p, json_object *root, const char **err);
