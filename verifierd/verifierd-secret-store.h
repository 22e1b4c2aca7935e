/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The secrets the verifier keeps for nodes, sealed (AES-256-GCM, bound to
 * node and name) under a master key from a systemd credential or a key file,
 * and stored sealed in the verifier's storage, where every instance finds them;
 * and the single-use challenges of secret requests, in memory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "memory-util.h"
#include "storage.h"

#define SECRET_KEY_CREDENTIAL "verifierd-secret-key"

typedef struct SecretStore SecretStore;

/* Loads the master key: $CREDENTIALS_DIRECTORY/verifierd-secret-key when the
 * service has that credential, else key_file (may be NULL). Without either
 * the store is open but disabled: every operation is -ENOKEY. Secrets left as
 * files under state_directory (NULL: none) by earlier versions move into storage,
 * which must outlive the store. */
int secret_store_open(Storage *storage, const char *state_directory, const char *key_file, SecretStore **ret);
SecretStore *secret_store_free(SecretStore *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(SecretStore *, secret_store_free);
bool secret_store_enabled(const SecretStore *s);

/* -EEXIST when the secret exists and !replace; -E2BIG above SECRETS_PER_NODE_MAX. */
int secret_store_put(SecretStore *s, const char *node, const char *name, const uint8_t *value, size_t size,
                     bool replace);
/* -ENOENT when there is no such secret, -EBADMSG when it does not unseal. */
int secret_store_get(SecretStore *s, const char *node, const char *name, SecretBuffer *ret);
int secret_store_delete(SecretStore *s, const char *node, const char *name);
/* Removes all secrets of a node (when the node is removed). */
int secret_store_delete_node(SecretStore *s, const char *node);
/* Names, sorted, NULL-terminated; an empty list for a node without secrets. */
int secret_store_list(SecretStore *s, const char *node, char ***ret);

/* A fresh random challenge for node and name, replacing any earlier one. */
int secret_challenge_issue(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                           uint8_t ret[SECRET_CHALLENGE_SIZE]);
/* The challenge of node and name, left in place: -ENOENT when none was
 * issued, it was used already or it expired. */
int secret_challenge_peek(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                          uint8_t ret[SECRET_CHALLENGE_SIZE]);
/* Takes (removes) the challenge of node and name: -ENOENT when none was
 * issued, it was used already or it expired. */
int secret_challenge_take(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                          uint8_t ret[SECRET_CHALLENGE_SIZE]);
