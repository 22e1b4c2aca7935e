/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The JSON of a LUKS2 token of type "attest":
 *   {"type":"attest","keyslots":["1"],"attest-secret":"root-disk",
 *    "attest-timeout":90}
 * attest-secret names the secret the verifier releases to this node;
 * attest-timeout (seconds, optional) bounds the wait for the agent. */

#include <stdint.h>

#include "attest-limits.h"

#define LUKS_ATTEST_TOKEN_TYPE "attest"
#define LUKS_ATTEST_TOKEN_TIMEOUT_DEFAULT 90u

typedef struct LuksAttestToken {
        char secret[SECRET_NAME_MAX + 1];
        uint32_t timeout_sec;
        unsigned n_keyslots;
} LuksAttestToken;

/* -EBADMSG for bad JSON, -E2BIG above LUKS_TOKEN_JSON_MAX, -EINVAL when a
 * field is missing, has the wrong type or a bad value. */
int luks_attest_token_parse(const char *json, LuksAttestToken *ret);

/* The token JSON for one keyslot; caller frees. */
int luks_attest_token_format(const char *secret, int keyslot, uint32_t timeout_sec, char **ret);
