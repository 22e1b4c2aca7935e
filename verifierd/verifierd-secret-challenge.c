/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Challenges of secret requests: random, for one node and name, good once
 * and for SECRET_CHALLENGE_TTL_SEC. Kept in memory: a restart only makes a
 * node ask again. At most one per node and name, SECRETS_PER_NODE_MAX per
 * node; the table grows with the nodes that ask and shrinks as they expire. */
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

/* Drops the node's oldest challenge once it has SECRETS_PER_NODE_MAX: only
 * the node itself (with its token) asks for challenges, so a stranger can
 * neither fill the table nor push another node's challenge out of it. */
static void node_make_room(SecretStore *s, const char *node) {
        SecretChallenge *oldest = NULL;
        size_t n = 0;

        for (size_t i = 0; i < s->n_challenges; i++) {
                SecretChallenge *c = &s->challenges[i];

                if (strcmp(c->node, node) != 0)
                        continue;
                n++;
                if (!oldest || c->expires_usec < oldest->expires_usec)
                        oldest = c;
        }
        if (n >= SECRETS_PER_NODE_MAX)
                drop(s, oldest);
}

/* A slot for a new challenge, growing the table as needed. */
static SecretChallenge *new_slot(SecretStore *s, const char *node) {
        node_make_room(s, node);
        if (s->n_challenges == s->n_alloc) {
                size_t n = s->n_alloc ? 2 * s->n_alloc : 16;
                SecretChallenge *c = reallocarray(s->challenges, n, sizeof *c);

                if (!c)
                        return NULL;
                s->challenges = c;
                s->n_alloc = n;
        }
        return &s->challenges[s->n_challenges++];
}

int secret_challenge_peek(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
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
        return 0;
}

int secret_challenge_take(SecretStore *s, const char *node, const char *name, uint64_t now_usec,
                          uint8_t ret[SECRET_CHALLENGE_SIZE]) {
        SecretChallenge *c;
        int r;

        r = secret_challenge_peek(s, node, name, now_usec, ret);
        if (r < 0)
                return r;
        c = find(s, node, name);
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
        c = new_slot(s, node);
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
