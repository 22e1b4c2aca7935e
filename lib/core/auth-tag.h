/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Keylime's activation proof: HMAC-SHA384 keyed with the base64 text of the
 * decrypted credential (as ASCII bytes) over the agent id, in lowercase hex. */

#define AUTH_TAG_SIZE 48u
#define AUTH_TAG_HEX_SIZE (2u * AUTH_TAG_SIZE)

/* *ret is a NUL-terminated lowercase hex string of AUTH_TAG_HEX_SIZE characters. */
int auth_tag_compute(const uint8_t *credential, size_t credential_size, const char *agent_id, char **ret);

/* 0 when tag (hex, either case) matches, -EPERM when it does not, -EINVAL when it is not
 * a well-formed tag. The comparison is constant time. */
int auth_tag_verify(const uint8_t *credential, size_t credential_size, const char *agent_id, const char *tag);
