/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PostgreSQL backend's per-connection cache of results, by statement and key, so that a
 * request reads each row in as few round trips as it can (storage-pg.h, pg_query_row_cached()). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "storage-pg.h"

/* The first of the PG_RESULT_CACHE_WAYS slots where statement and key may be kept; NULL for a
 * key too long to keep. */
static PgCacheSlot *cache_set(PgResultCache *c, const char *sql, const char *key) {
        uint64_t h = (uint64_t) (uintptr_t) sql * UINT64_C(0x9e3779b97f4a7c15);
        size_t n = strlen(key);

        if (n >= PG_CACHE_KEY_MAX)
                return NULL;
        for (size_t i = 0; i < n; i++)
                h = (h ^ (uint8_t) key[i]) * UINT64_C(0x100000001b3);
        /* Ids differ in their last characters: mixed so that those reach the set number. */
        h ^= h >> 33;
        h *= UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 33;
        return &c->slots[h % (PG_RESULT_CACHE_SLOTS / PG_RESULT_CACHE_WAYS) * PG_RESULT_CACHE_WAYS];
}

static bool slot_holds(const PgCacheSlot *slot, const char *sql, const char *key) {
        return slot && slot->res && slot->sql == sql && strcmp(slot->key, key) == 0;
}

/* The slot that keeps statement and key, or NULL. */
static PgCacheSlot *cache_slot(PgResultCache *c, const char *sql, const char *key) {
        PgCacheSlot *set = cache_set(c, sql, key);

        for (size_t i = 0; set && i < PG_RESULT_CACHE_WAYS; i++)
                if (slot_holds(&set[i], sql, key))
                        return &set[i];
        return NULL;
}

/* How much a slot is worth keeping: nothing, expired, read by anyone, fetched ahead for a read
 * not made yet; then the newer. */
static uint64_t slot_worth(const PgResultCache *c, const PgCacheSlot *slot, uint64_t now) {
        if (!slot->res)
                return 0;
        if (now - slot->stored_usec >= c->lifetime_usec)
                return 1;
        return (slot->uses > 0 ? UINT64_C(1) << 62 : UINT64_C(1) << 61) + slot->stored_usec / 2;
}

/* Where to keep statement and key: its slot, else the one of its set least worth keeping (the
 * requests of one turn keep the rows read ahead for them side by side). */
static PgCacheSlot *cache_victim(PgResultCache *c, const char *sql, const char *key) {
        PgCacheSlot *set = cache_set(c, sql, key), *victim;
        uint64_t now = pg_coarse_usec();

        if (!set)
                return NULL;
        victim = cache_slot(c, sql, key);
        if (victim)
                return victim;
        victim = &set[0];
        for (size_t i = 1; i < PG_RESULT_CACHE_WAYS; i++)
                if (slot_worth(c, &set[i], now) < slot_worth(c, victim, now))
                        victim = &set[i];
        return victim;
}

static void slot_clear(PgCacheSlot *slot) {
        PQclear(slot->res);
        *slot = (PgCacheSlot) {};
}

/* Keeps res, taken, for uses PG_CACHE_ONCE reads (0: any number); freed when it cannot be kept. */
static void slot_keep(PgResultCache *c, const char *sql, const char *key, PGresult *res, unsigned uses) {
        PgCacheSlot *slot = cache_victim(c, sql, key);

        if (!slot || !res) {
                PQclear(res);
                return;         /* not kept: the next read asks the database */
        }
        slot_clear(slot);
        slot->res = res;
        slot->sql = sql;
        (void) snprintf(slot->key, sizeof slot->key, "%s", key);  /* fits: cache_set() checked */
        slot->stored_usec = pg_coarse_usec();
        slot->uses = uses;
}

void pg_cache_set_lifetime(Storage *s, uint64_t usec) {
        pg_result_cache(s)->lifetime_usec = usec;
}

void pg_cache_put(Storage *s, const char *sql, const char *key, PGresult *res, unsigned uses) {
        slot_keep(pg_result_cache(s), sql, key, res, uses);
}

bool pg_cache_has(Storage *s, const char *sql, const char *key) {
        PgResultCache *c = pg_result_cache(s);
        PgCacheSlot *slot = cache_slot(c, sql, key);

        return slot_holds(slot, sql, key) && pg_coarse_usec() - slot->stored_usec < c->lifetime_usec;
}

int pg_query_row_cached(Storage *s, const char *sql, const PgParams *p, const char *key, PgCacheUse use,
                        PGresult **ret) {
        PgResultCache *c = pg_result_cache(s);
        PgCacheSlot *slot = cache_slot(c, sql, key);
        PGresult *res;
        int r;

        if (slot_holds(slot, sql, key)) {
                if (pg_coarse_usec() - slot->stored_usec < c->lifetime_usec) {
                        if (use == PG_CACHE_ONCE && slot->uses <= 1) {
                                *ret = TAKE_PTR(slot->res);
                                slot_clear(slot);
                                return 0;
                        }
                        res = PQcopyResult(slot->res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
                        if (!res)
                                return -ENOMEM;
                        if (use == PG_CACHE_ONCE)
                                slot->uses--;
                        *ret = res;
                        return 0;
                }
                slot_clear(slot);
        }
        if (use == PG_CACHE_PEEK)
                return -ENODATA;
        r = pg_query_row(s, sql, p, &res);
        if (r < 0)
                return r;
        /* A ONCE row is kept only when fetched ahead (pg_cache_put()): for a read of the same request. */
        if (use == PG_CACHE_SHARED)
                slot_keep(c, sql, key, PQcopyResult(res, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES), 0);
        *ret = res;
        return 0;
}

void pg_cache_forget(Storage *s, const char *sql, const char *key) {
        PgResultCache *c = pg_result_cache(s);
        PgCacheSlot *slot;

        if (sql && key) {
                slot = cache_slot(c, sql, key);
                if (slot_holds(slot, sql, key))
                        slot_clear(slot);
                return;
        }
        for (size_t i = 0; i < PG_RESULT_CACHE_SLOTS; i++)
                if (c->slots[i].res && (!sql || c->slots[i].sql == sql))
                        slot_clear(&c->slots[i]);
}
