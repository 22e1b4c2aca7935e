/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The attributes of a "secret" answer: a SecretWrapped as JSON.
 *   {"kem": "rsa-oaep"|"ecdh-hkdf", "hash": "sha256", "encapsulated": b64,
 *    "iv": b64, "ciphertext": b64, "tag": b64} */

#include <json-c/json.h>

#include "secret-wrap.h"

json_object *secret_wrapped_to_json(const SecretWrapped *w);
/* -EBADMSG for a missing or malformed field or a size out of bounds. */
int secret_wrapped_from_json(json_object *o, SecretWrapped *ret);
