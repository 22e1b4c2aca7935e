/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <openssl/evp.h>

#include "tpm2-public.h"

/* Largest key or TPM structure file a verb reads. */
#define ATTESTCTL_KEY_FILE_MAX (64u * 1024u)

/* Loads a public key from a TPM2B_PUBLIC (tpm2-tools "tss" format), a bare
 * TPMT_PUBLIC, or a PEM SubjectPublicKeyInfo. *ret_public (optional) is set
 * to NULL for PEM, which carries no TPM name. Logs the reason on failure. */
int attestctl_load_public_key(const char *path, Tpm2Public **ret_public, EVP_PKEY **ret_pkey);

/* Reads a whole file of at most max bytes, logging on failure. */
int attestctl_read_file(const char *path, size_t max, uint8_t **ret, size_t *ret_size);
