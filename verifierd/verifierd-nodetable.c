/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-memory table of nodes' push runtime, by node id (chained hash, grows ×2). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpm2-public.h"
#include "verifierd.h"
#include "verifierd-push.h"

#define NODE_TABLE_INITIAL 256u

uint64_t now_realtime_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* FNV-1a */
static size_t hash_id(const char *id) {
        uint64_t h = UINT64_C(14695981039346656037);
        for (const unsigned char *p = (const unsigned char *) id; *p; p++)
                h = (h ^ *p) * UINT64_C(1099511628211);
        return (size_t) h;
}

int node_table_init(NodeTable *t) {
        *t = (NodeTable) {};
        t->buckets = calloc(NODE_TABLE_INITIAL, sizeof *t->buckets);
        if (!t->buckets)
                return -ENOMEM;
        t->n_buckets = NODE_TABLE_INITIAL;
        return 0;
}

void node_table_done(NodeTable *t) {
        for (size_t i = 0; i < t->n_buckets; i++)
                for (NodeRuntime *e = t->buckets[i], *next; e; e = next) {
                        next = e->next;
                        EVP_PKEY_free(e->ak);
                        free(e->pending.evidence);
                        free(e);
                }
        free(t->buckets);
        *t = (NodeTable) {};
}

NodeRuntime *node_table_get(NodeTable *t, const char *id) {
        for (NodeRuntime *e = t->buckets[hash_id(id) % t->n_buckets]; e; e = e->next)
                if (strcmp(e->id, id) == 0)
                        return e;
        return NULL;
}

static void node_table_grow(NodeTable *t) {
        size_t n = t->n_buckets * 2;
        NodeRuntime **b = calloc(n, sizeof *b);

        if (!b)
                return;         /* longer chains, still correct */
        for (size_t i = 0; i < t->n_buckets; i++)
                for (NodeRuntime *e = t->buckets[i], *next; e; e = next) {
                        size_t k = hash_id(e->id) % n;
                        next = e->next;
                        e->next = b[k];
                        b[k] = e;
                }
        free(t->buckets);
        t->buckets = b;
        t->n_buckets = n;
}

int node_table_ensure(NodeTable *t, const char *id, NodeRuntime **ret) {
        NodeRuntime *e = node_table_get(t, id);
        size_t len, k;

        if (!e) {
                len = strlen(id);
                e = calloc(1, sizeof *e + len + 1);
                if (!e)
                        return -ENOMEM;
                memcpy(e->id, id, len + 1);
                if (t->n_entries >= t->n_buckets)
                        node_table_grow(t);
                k = hash_id(id) % t->n_buckets;
                e->next = t->buckets[k];
                t->buckets[k] = e;
                t->n_entries++;
        }
        *ret = e;
        return 0;
}

void node_runtime_set_pending(NodeTable *t, NodeRuntime *rt, bool pending) {
        if (rt->has_pending == pending)
                return;
        rt->has_pending = pending;
        if (pending)
                t->n_pending++;
        else {
                t->n_pending--;
                rt->pending.evidence = mfree(rt->pending.evidence);
        }
}

int node_runtime_ak(NodeRuntime *rt, const Blob *aik_tpm, EVP_PKEY **ret_key, uint16_t *ret_type) {
        _cleanup_(tpm2_public_freep) Tpm2Public *ak = NULL;
        uint8_t digest[sizeof rt->ak_digest];
        EVP_PKEY *key = NULL;
        int r;

        r = hash_alg_digest(hash_alg_from_name("sha256"), aik_tpm->data, aik_tpm->size, digest);
        if (r < 0)
                return r;
        if (!rt->ak || memcmp(digest, rt->ak_digest, sizeof digest) != 0) {
                r = tpm2_public_parse(aik_tpm->data, aik_tpm->size, &ak);
                if (r >= 0)
                        r = tpm2_public_to_evp_pkey(ak, &key);
                if (r < 0)
                        return r;
                EVP_PKEY_free(rt->ak);
                rt->ak = key;
                rt->ak_type = ak->area.type;
                memcpy(rt->ak_digest, digest, sizeof digest);
        }
        *ret_key = rt->ak;
        if (ret_type)
                *ret_type = rt->ak_type;
        return 0;
}
