/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Challenges of secret requests: random, for one node and name, good once
 * and for SECRET_CHALLENGE_TTL_SEC. Kept in memory: a restart only makes a
 * node ask again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "verifierd-secret-store-internal.h"

static SecretChallenge *find(SecretStore *s, const char *node, const char *name) {
        for (size_t i = 0; i < s->n_challenges; i++)
                if (strcmp(s->challenges[i].node, node) == 0 && strcmp(s->challenges[i].name, name) == 0)
                        return &s->challenges[i];
        return NULL;
}

static void drop(SecretStore *s, SecretChallenge *c) {
        size_t i = (size_t) (c - s->challenges);

        challenge_done(c);
        s->challenges[i] = s->challenges[--s->n_challenges];
}

static void expire(SecretStore *s, uint64_t now_usec) {
        for (size_t i = 0; i < s->n_challenges; )
                if (s->challenges[i].expires_usec <= now_usec)
                        drop(s, &s->challenges[i]);
                else
                        i++;
}

/* A slot for a new challenge: when full, the one closest to expiry goes. */
static SecretChallenge *new_slot(SecretStore *s) {
        SecretChallenge *oldest;

        if (!s->challenges) {
                s->challenges = calloc(SECRET_CHALLENGES_MAX, sizeof(SecretChallenge));
                if (!s->challenges)
                        return NULL;
        }
        if (s->n_challenges < SECRET_CHALLENGES_MAX)
                return &s->challenges[s->n_challenges++];
        oldest = &s->challenges[0];
        for (size_t i = 1; i < s->n_challenges; i++)
                if (s->challenges[i].expires_usec < oldest->expires_usec)
                        oldest = &s->challenges[i];
        challenge_done(oldest);
        return oldest;
}

int secret_challenge_take(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                          uint8_t ret[SECRET_CHALLENGE_SIZE]) {
        SecretChallenge *c;
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        expire(s, now_usec);
        c = find(s, node, name);
        if (!c)
                return -ENOENT;
        memcpy(ret, c->challenge, SECRET_CHALLENGE_SIZE);
        drop(s, c);
        return 0;
}

int secret_challenge_issue(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                           uint8_t ret[SECRET_CHALLENGE_SIZE]) {
        uint8_t earlier[SECRET_CHALLENGE_SIZE];
        SecretChallenge *c;
        int r;

        /* A new challenge voids the earlier one of the same node and name. */
        r = secret_challenge_take(s, node, name, now_usec, earlier);
        if (r < 0 && r != -ENOENT)
                return r;
        c = new_slot(s);
        if (!c)
                return -ENOMEM;
        *c = (SecretChallenge) { .node = strdup(node), .name = strdup(name),
                                 .expires_usec = now_usec + SECRET_CHALLENGE_TTL_SEC * UINT64_C(1000000) };
        if (!c->node || !c->name || RAND_bytes(c->challenge, sizeof(c->challenge)) != 1) {
                drop(s, c);
                return -ENOMEM;
        }
        memcpy(ret, c->challenge, SECRET_CHALLENGE_SIZE);
        return 0;
}
