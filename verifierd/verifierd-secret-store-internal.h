/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the two halves of the secret store (files, challenges). */

#include "secret-wrap.h"
#include "storage.h"
#include "verifierd-secret-store.h"

typedef struct SecretChallenge {
        char *node, *name;
        uint8_t challenge[SECRET_CHALLENGE_SIZE];
        uint64_t expires_usec;
} SecretChallenge;

struct SecretStore {
        Storage *storage;       /* not owned */
        uint8_t key[SECRET_WRAP_KEY_SIZE];
        bool have_key;
        SecretChallenge *challenges;
        size_t n_challenges, n_alloc;
};

void challenge_done(SecretChallenge *c);
/* -EINVAL for a bad node id or secret name (name may be NULL), -ENOKEY when disabled. */
int check_args(SecretStore *s, const char *node, const char *name);
