/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-memory half of push sessions (verifierd-session.h): unproven
 * sessions, a few per node, and a token bucket per client address. Both are
 * plain arrays scanned linearly: they stay small (sessions live for the
 * challenge lifetime, budgets are capped) and are touched only when a
 * session is created or proven, which a node does every few minutes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memory-util.h"
#include "verifierd-session.h"

#define USEC_PER_MINUTE (60u * 1000000ULL)
#define TOKEN_UNIT 1000000ULL   /* a bucket counts millionths of a session */

typedef struct RateBucket {
        uint8_t key[16];        /* IPv6 /64, or an IPv4 address v4-mapped */
        uint64_t tokens;        /* in TOKEN_UNITs */
        uint64_t updated_usec;
} RateBucket;

struct SessionTable {
        PendingSession *pending;
        size_t n_pending, n_alloc;
        RateBucket *buckets;    /* SESSION_RATE_ADDRESSES_MAX slots */
        size_t n_buckets;
        uint64_t pruned_usec;
};

void pending_session_done(PendingSession *s) {
        free(s->node_id);
        erase_memory(s, sizeof *s);
}

int session_table_new(SessionTable **ret) {
        SessionTable *t = calloc(1, sizeof *t);

        if (!t)
                return -ENOMEM;
        t->buckets = calloc(SESSION_RATE_ADDRESSES_MAX, sizeof *t->buckets);
        if (!t->buckets) {
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

SessionTable *session_table_free(SessionTable *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_pending; i++)
                pending_session_done(&t->pending[i]);
        free(t->pending);
        free(t->buckets);
        free(t);
        return NULL;
}

/* Moves the last entry into slot i: order does not matter. */
static void pending_drop(SessionTable *t, size_t i) {
        pending_session_done(&t->pending[i]);
        t->pending[i] = t->pending[--t->n_pending];
}

static void pending_expire(SessionTable *t, uint64_t now_usec) {
        for (size_t i = 0; i < t->n_pending;)
                if (t->pending[i].expires_usec < now_usec)
                        pending_drop(t, i);
                else
                        i++;
}

/* Makes room for one more session of node: its oldest goes at the limit. */
static void pending_make_room(SessionTable *t, const char *node_id) {
        size_t n = 0, oldest = SIZE_MAX;

        for (size_t i = 0; i < t->n_pending; i++) {
                if (strcmp(t->pending[i].node_id, node_id) != 0)
                        continue;
                n++;
                if (oldest == SIZE_MAX || t->pending[i].created_usec < t->pending[oldest].created_usec)
                        oldest = i;
        }
        if (n >= SESSIONS_PENDING_PER_NODE)
                pending_drop(t, oldest);
}

int session_pending_add(SessionTable *t, const PendingSession *s, uint64_t now_usec) {
        PendingSession copy = *s;

        pending_expire(t, now_usec);
        pending_make_room(t, s->node_id);
        if (t->n_pending == t->n_alloc) {
                size_t n = t->n_alloc ? 2 * t->n_alloc : 16;
                PendingSession *p = reallocarray(t->pending, n, sizeof *p);

                if (!p)
                        return -ENOMEM;
                t->pending = p;
                t->n_alloc = n;
        }
        copy.node_id = strdup(s->node_id);
        if (!copy.node_id)
                return -ENOMEM;
        t->pending[t->n_pending++] = copy;
        return 0;
}

int session_pending_take(SessionTable *t, const char *id, uint64_t now_usec, PendingSession *ret) {
        for (size_t i = 0; i < t->n_pending; i++) {
                if (strcmp(t->pending[i].id, id) != 0)
                        continue;
                *ret = t->pending[i];
                t->pending[i] = t->pending[--t->n_pending];
                return ret->expires_usec < now_usec ? -ETIME : 0;
        }
        return -ENOENT;
}

/* One budget per IPv4 address and per IPv6 /64: a host gets a /64, so
 * counting IPv6 addresses one by one would give it 2^64 budgets. */
static void address_key(const char *address, uint8_t key[static 16]) {
        struct in_addr a4;

        memset(key, 0, 16);
        if (inet_pton(AF_INET6, address, key) == 1) {
                if (!IN6_IS_ADDR_V4MAPPED((struct in6_addr *) key))
                        memset(key + 8, 0, 8);
                return;
        }
        if (inet_pton(AF_INET, address, &a4) == 1) {
                key[10] = key[11] = 0xff;
                memcpy(key + 12, &a4, 4);
        }
        /* else (a Unix socket caller): the all-zero key */
}

static void bucket_refill(RateBucket *b, uint64_t per_minute, uint64_t now_usec) {
        uint64_t full = per_minute * TOKEN_UNIT, elapsed;

        if (now_usec <= b->updated_usec)
                return;
        elapsed = now_usec - b->updated_usec;
        /* elapsed × per_minute / minute, in TOKEN_UNITs; saturate instead of overflowing */
        if (elapsed >= USEC_PER_MINUTE || full - b->tokens <= elapsed / 60u * per_minute)
                b->tokens = full;
        else
                b->tokens += elapsed * per_minute / 60u;
        b->updated_usec = now_usec;
}

/* The address's bucket; a new one starts full. When all slots are taken,
 * a full bucket (one that carries no debt) is reused, else the one idle
 * longest: a stranger with many addresses may win a fresh budget back, but
 * never takes one away from anybody. */
static RateBucket *bucket_find(SessionTable *t, const uint8_t key[static 16], uint64_t per_minute, uint64_t now_usec) {
        RateBucket *victim = NULL;

        for (size_t i = 0; i < t->n_buckets; i++) {
                RateBucket *b = &t->buckets[i];

                if (memcmp(b->key, key, 16) == 0)
                        return b;
                bucket_refill(b, per_minute, now_usec);
                if (!victim || b->tokens == per_minute * TOKEN_UNIT ||
                    (victim->tokens < per_minute * TOKEN_UNIT && b->updated_usec < victim->updated_usec))
                        victim = b;
        }
        if (t->n_buckets < SESSION_RATE_ADDRESSES_MAX)
                victim = &t->buckets[t->n_buckets++];
        memcpy(victim->key, key, 16);
        victim->tokens = per_minute * TOKEN_UNIT;
        victim->updated_usec = now_usec;
        return victim;
}

uint64_t session_rate_charge(SessionTable *t, const char *address, uint64_t per_minute, uint64_t now_usec) {
        uint8_t key[16];
        RateBucket *b;

        if (per_minute == 0)
                return 0;
        address_key(address ?: "", key);
        b = bucket_find(t, key, per_minute, now_usec);
        bucket_refill(b, per_minute, now_usec);
        if (b->tokens >= TOKEN_UNIT) {
                b->tokens -= TOKEN_UNIT;
                return 0;
        }
        /* seconds until one whole session has refilled, rounded up */
        return ((TOKEN_UNIT - b->tokens) * 60u + per_minute * TOKEN_UNIT - 1) / (per_minute * TOKEN_UNIT);
}

bool session_prune_due(SessionTable *t, uint64_t now_usec) {
        if (t->pruned_usec != 0 && now_usec - t->pruned_usec < SESSION_PRUNE_INTERVAL_USEC)
                return false;
        t->pruned_usec = now_usec;
        return true;
}
