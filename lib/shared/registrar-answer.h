/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Answers of a Keylime-v2 registrar to an agent, in the v2 envelope
 * {"code", "status", "results": {…}}. The bytes come from the network:
 * sizes are limited (limits.h) and anything malformed is -EBADMSG, an
 * oversized body or field -E2BIG. */

/* POST /v2.N/agents/{id} → results.blob: the credential blob, base64 decoded
 * (at most CREDENTIAL_BLOB_SIZE_MAX bytes; its layout is checked on use). */
int registrar_answer_blob(const char *body, size_t size, uint8_t **ret_blob, size_t *ret_blob_size);

/* PUT /v2.N/agents/{id} → results.verifier_url when the registrar names the
 * verifier to push to (an http or https URL without spaces or control
 * characters); *ret is NULL when it names none. */
int registrar_answer_activation(const char *body, size_t size, char **ret_verifier_url);

/* The "status" text of an error answer, for messages; NULL when there is none
 * usable. At most REG_ANSWER_STATUS_MAX characters, printable ASCII only. */
char *registrar_answer_status(const char *body, size_t size);
