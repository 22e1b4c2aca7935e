/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operator's views over time and over the fleet: a node's attestations
 * (GET /admin/v1/nodes/{id}/history) and the nodes counted by state and verdict
 * (GET /admin/v1/summary). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ear.h"
#include "json-util.h"
#include "parse-util.h"
#include "verifierd.h"

#define HISTORY_LIMIT_DEFAULT 20u
#define HISTORY_LIMIT_MAX 10000u

/* The failure ids of a stored failures array (our own JSON). */
static json_object *failure_ids(const Attestation *a) {
        _cleanup_json_ json_object *f = a->failures ? json_tokener_parse(a->failures) : NULL;
        json_object *ids = json_object_new_array();

        for (size_t i = 0; ids && f && json_object_is_type(f, json_type_array) && i < json_object_array_length(f); i++) {
                json_object *id;
                if (json_object_object_get_ex(json_object_array_get_idx(f, i), "id", &id))
                        (void) json_object_array_add(ids, json_object_get(id));
        }
        return ids;
}

static json_object *history_entry(const Attestation *a) {
        json_object *o = json_object_new_object();
        json_object *policies = a->appraisal ? json_tokener_parse(a->appraisal) : json_object_new_array();
        char when[64];

        if (!o) {
                json_object_put(policies);
                return NULL;
        }
        (void) format_timestamp_iso(a->updated_usec, when, sizeof when);
        (void) json_add_int(o, "index", (int64_t) a->index);
        (void) json_add_string(o, "time", when);
        (void) json_add_int(o, "time_usec", (int64_t) a->updated_usec);
        (void) json_add_string(o, "evaluation", a->evaluation);
        (void) json_add_string(o, "failure_reason", a->failure_reason);
        (void) json_object_object_add(o, "failures", failure_ids(a));
        (void) json_object_object_add(o, "policies", policies);
        return o;
}

/* ?limit=N (default HISTORY_LIMIT_DEFAULT) and ?since=µs since the epoch. */
static int history_args(Request *q, uint64_t *ret_limit, uint64_t *ret_since) {
        const char *limit = http_request_query(q->http, "limit"), *since = http_request_query(q->http, "since");

        *ret_limit = HISTORY_LIMIT_DEFAULT;
        *ret_since = 0;
        if ((limit && (safe_atou64(limit, ret_limit) < 0 || *ret_limit == 0 || *ret_limit > HISTORY_LIMIT_MAX)) ||
            (since && safe_atou64(since, ret_since) < 0)) {
                reply_error(q, 400, "invalid_argument", NULL, "limit is 1…%u, since µs since the epoch.", HISTORY_LIMIT_MAX);
                return -EINVAL;
        }
        return 0;
}

void node_history(Request *q, const char *id) {
        _cleanup_(node_freep) Node *n = NULL;
        json_object *o, *a;
        Attestation *l = NULL;
        uint64_t limit, since;
        size_t k = 0;

        if (history_args(q, &limit, &since) < 0 || request_load_node(q, id, &n) < 0)
                return;
        if (storage_attestation_list(q->manager->storage, id, limit, &l, &k) < 0)
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        o = json_object_new_object();
        a = json_object_new_array();
        (void) json_add_string(o, "agent_id", id);
        (void) json_object_object_add(o, "attestations", a);
        /* Newest first: the first one older than since ends the list. */
        for (size_t i = 0; a && i < k && l[i].updated_usec >= since; i++)
                (void) json_object_array_add(a, history_entry(&l[i]));
        attestation_list_free(l, k);
        if (!o || !a)
                return reply_error(q, 500, "oom", NULL, "Out of memory.");
        reply_v2(q, 200, o);
}

static int count_into(json_object *o, const char *key, uint64_t n) {
        json_object *v;
        int64_t have = json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;

        return json_add_int(o, key, have + (int64_t) n);
}

void nodes_summary(Request *q) {
        json_object *o = json_object_new_object(), *by_state = json_object_new_object(),
                    *by_verdict = json_object_new_object();
        NodeCount *l = NULL;
        uint64_t total = 0;
        size_t n = 0;

        if (!o || !by_state || !by_verdict || storage_node_summary(q->manager->storage, &l, &n) < 0) {
                json_object_put(o);
                json_object_put(by_state);
                json_object_put(by_verdict);
                return reply_error(q, 500, "storage", NULL, "Storage failure.");
        }
        for (size_t i = 0; i < n; i++) {
                (void) count_into(by_state, node_state_to_string(l[i].state), l[i].n);
                (void) count_into(by_verdict, l[i].verdict ?: "NONE", l[i].n);
                total += l[i].n;
        }
        node_count_list_free(l, n);
        (void) json_add_int(o, "total", (int64_t) total);
        (void) json_object_object_add(o, "by_state", by_state);
        (void) json_object_object_add(o, "by_verdict", by_verdict);
        reply_v2(q, 200, o);
}
