/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <libcryptsetup.h>
#include <stddef.h>

/* The logic behind the token ABI; see cryptsetup-token-attest.c. Returns
 * a passphrase the caller frees with attest_token_free_passphrase(). */
int attest_token_unlock(struct crypt_device *cd, int token, char **ret_passphrase, size_t *ret_size);
void attest_token_free_passphrase(void *p, size_t size);
int attest_token_check(struct crypt_device *cd, const char *json);
void attest_token_show(struct crypt_device *cd, const char *json);
