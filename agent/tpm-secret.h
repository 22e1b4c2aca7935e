/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "memory-util.h"
#include "tpm-context.h"

/* Where to fetch a secret from. */
typedef struct SecretRequest {
        const char *verifier_url;   /* base URL, no trailing path */
        const char *ca_file;        /* NULL: system store */
        const char *node_id;
        const char *name;
        bool ecc;                   /* decryption key type: ECC P-256 rather than RSA 2048 */
} SecretRequest;

/* Fetches a node's secret as the verifier releases it: a fresh TPM
 * decryption key certified by the AK over the verifier's challenge, the
 * answer unwrapped inside the TPM. -EACCES when the verifier refuses, with
 * its reason in *ret_refusal (may be NULL); the secret goes to *ret, to be
 * wiped by secret_buffer_done(). The secret itself is never logged. */
int tpm_secret_fetch(Tpm *t, ESYS_TR ak, const SecretRequest *req, SecretBuffer *ret, char **ret_refusal);

/* Opens a session of the push protocol and proves the AK: the bearer token
 * the secret endpoints want (req->name unused). A session of its own rather
 * than the push cycle's, so that a node that no longer pushes (TERMINATED)
 * can fetch. -EACCES when the verifier refuses, its reason in *ret_refusal. */
int tpm_secret_session(Tpm *t, ESYS_TR ak, const SecretRequest *req, char **ret_token, char **ret_refusal);
