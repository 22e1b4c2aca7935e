/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push side's shared state: plugins, compiled policies by content digest,
 * failure action instances; the push state encodings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "log.h"
#include "verifierd.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"
#include "verifierd-push.h"

#define ACTION_CONFIG_MAX (64u * 1024u)
#define POLICY_SLOTS_MAX 4096u
#define ACTIONS_STOP_TIMEOUT_USEC (5ULL * 1000000ULL)

static void slot_compile(Manager *m, PolicySlot *s) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *kind = NULL;
        size_t size;
        int r;

        r = storage_policy_get(m->storage, s->digest, &kind, &data, &size);
        if (r < 0) {
                (void) snprintf(s->error, sizeof s->error, "policy content unavailable: %s", strerror(-r));
                goto fail;
        }
        r = policy_compile(m, s->kind, data, size, &s->compiled, s->error, sizeof s->error);
        if (r >= 0)
                return;
fail:
        s->error_r = r;
        log_struct(LOG_ERR, MESSAGE_PLUGIN_PROBLEM, "The %s policy %s is unusable: %s; nodes using it fail.",
                   s->kind, s->digest, s->error);
}

const PolicySlot *push_policy(Manager *m, const char *kind, const char *digest) {
        PushContext *c = &m->push;
        PolicySlot *s;

        for (size_t i = 0; i < c->n_slots; i++)
                if (strcmp(c->slots[i].digest, digest) == 0 && strcmp(c->slots[i].kind, kind) == 0)
                        return &c->slots[i];
        if (strlen(digest) >= POLICY_DIGEST_HEX_SIZE || strlen(kind) >= sizeof s->kind || c->n_slots >= POLICY_SLOTS_MAX)
                return NULL;
        s = reallocarray(c->slots, c->n_slots + 1, sizeof *s);
        if (!s)
                return NULL;
        c->slots = s;
        s = &c->slots[c->n_slots++];
        *s = (PolicySlot) {};
        strcpy(s->kind, kind);
        strcpy(s->digest, digest);
        slot_compile(m, s);
        return s;
}

size_t node_policy_refs(const Node *n, PolicyRef ret[static NODE_POLICY_REFS_MAX]) {
        const PolicyRef fixed[] = {
                { "tpm", n->tpm_policy }, { "boot", n->boot_policy }, { "runtime", n->runtime_policy },
        };
        size_t k = 0;

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (fixed[i].digest)
                        ret[k++] = fixed[i];
        for (size_t i = 0; i < n->n_policies && k < NODE_POLICY_REFS_MAX; i++)
                ret[k++] = (PolicyRef) { n->policies[i].engine, n->policies[i].digest };
        return k;
}

static bool tenant_uses_action(const Manager *m, const char *name) {
        for (char **a = m->tenant.failure_actions; a && *a; a++)
                if (strcmp(*a, name) == 0)
                        return true;
        return false;
}

/* One instance per loaded failure action, configured from <action_directory>/<name>.json ("{}" without one). */
static int configure_actions(Manager *m) {
        PushContext *c = &m->push;

        c->actions = calloc(c->plugins->n_plugins, sizeof *c->actions);
        if (!c->actions && c->plugins->n_plugins > 0)
                return -ENOMEM;
        for (size_t i = 0; i < c->plugins->n_plugins; i++) {
                const Plugin *p = c->plugins->plugins[i];
                _cleanup_free_ uint8_t *conf = NULL;
                _cleanup_free_ char *path = NULL;
                size_t size = 2;
                char error[256] = "";
                void *inst = NULL;
                bool unconfigured;
                int r;

                if (p->kind != ATTEST_PLUGIN_FAILURE_ACTION)
                        continue;
                if (asprintf(&path, "%s/%s.json", m->config.action_directory, p->name) < 0)
                        return -ENOMEM;
                r = read_full_file(path, ACTION_CONFIG_MAX, &conf, &size);
                unconfigured = r == -ENOENT;
                if (r == -ENOENT) {
                        conf = (uint8_t *) strdup("{}");
                        size = 2;
                        r = conf ? 0 : -ENOMEM;
                }
                if (r >= 0)
                        r = p->action->configure((const char *) conf, size, &inst, error, sizeof error);
                if (r < 0) {
                        /* An installed action nobody configured and tenant.conf does not name
                         * (webhook without its URL) is not a problem worth a warning at each start. */
                        bool wanted = tenant_uses_action(m, p->name) || !unconfigured;
                        log_struct(wanted ? LOG_WARNING : LOG_DEBUG, MESSAGE_PLUGIN_PROBLEM,
                                   "Failure action %s not configured (%s): %s", p->name, path,
                                   error[0] ? error : strerror(-r));
                        continue;
                }
                c->actions[c->n_actions++] = (FailureActions) { .plugin = p, .instance = inst };
        }
        return 0;
}

int push_context_init(Manager *m) {
        PushContext *c = &m->push;
        int r;

        r = node_table_init(&c->nodes);
        if (r >= 0)
                r = policy_cache_new(&c->cache);
        if (r < 0)
                return log_oom();
        r = plugin_set_load(m->config.plugin_directory, &c->plugins);
        if (r < 0)
                return log_error_errno(r, "Failed to load plugins from %s: %m", m->config.plugin_directory);
        log_info("Loaded %zu plugins from %s.", c->plugins->n_plugins, m->config.plugin_directory);
        r = configure_actions(m);
        if (r < 0)
                return log_oom();
        return 0;
}

int push_context_done(Manager *m) {
        PushContext *c = &m->push;

        verdict_flush(m);
        if (verdict_actions_wait(ACTIONS_STOP_TIMEOUT_USEC) < 0) {
                /* Left to the process's exit: the running actions use them. */
                log_warning("Failure actions still running at exit.");
                return -ETIMEDOUT;
        }
        c->flush = sd_event_source_disable_unref(c->flush);
        c->flush_timer = sd_event_source_disable_unref(c->flush_timer);
        c->liveness = sd_event_source_unref(c->liveness);
        c->replayer = ima_replayer_free(c->replayer);
        for (size_t i = 0; i < c->n_slots; i++)
                if (c->slots[i].compiled)
                        policy_cache_release(c->cache, c->slots[i].compiled);
        free(c->slots);
        for (size_t i = 0; i < c->n_actions; i++)
                c->actions[i].plugin->action->free_instance(c->actions[i].instance);
        free(c->actions);
        policy_cache_free(c->cache);
        plugin_set_free(c->plugins);
        node_table_done(&c->nodes);
        *c = (PushContext) {};
        return 0;
}

/* Clock info: u64 clock, u32 resetCount, u32 restartCount, u8 safe, big endian. */
#define CLOCK_BLOB_SIZE 17u

static void put_be(uint8_t *p, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n) {
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v = v << 8 | p[i];
        return v;
}

int push_clock_encode(const Tpm2ClockInfo *c, Blob *ret) {
        uint8_t b[CLOCK_BLOB_SIZE];

        put_be(b, c->clock, 8);
        put_be(b + 8, c->reset_count, 4);
        put_be(b + 12, c->restart_count, 4);
        b[16] = c->safe ? 1 : 0;
        return blob_set(ret, b, sizeof b);
}

int push_clock_decode(const Blob *b, Tpm2ClockInfo *ret) {
        if (!b->data || b->size != CLOCK_BLOB_SIZE || b->data[16] > 1)
                return -EBADMSG;
        *ret = (Tpm2ClockInfo) {
                .clock = get_be(b->data, 8),
                .reset_count = (uint32_t) get_be(b->data + 8, 4),
                .restart_count = (uint32_t) get_be(b->data + 12, 4),
                .safe = b->data[16] == 1,
        };
        return 0;
}

/* IMA state: u64 entries, u8 banks, then per bank u16 TPM_ALG_ID and its value. */
int push_ima_state_encode(const ImaReplayState *s, Blob *ret) {
        uint8_t b[9 + IMA_REPLAY_BANKS_MAX * (2 + HASH_ALG_MAX_DIGEST_SIZE)];
        size_t o = 9;

        put_be(b, s->n_entries, 8);
        b[8] = (uint8_t) s->n_banks;
        for (size_t i = 0; i < s->n_banks && i < IMA_REPLAY_BANKS_MAX; i++) {
                put_be(b + o, s->banks[i].alg->tpm_alg_id, 2);
                memcpy(b + o + 2, s->banks[i].value, s->banks[i].alg->size);
                o += 2 + s->banks[i].alg->size;
        }
        return blob_set(ret, b, o);
}

int push_ima_state_decode(const Blob *b, ImaReplayState *ret) {
        ImaPcrValue banks[IMA_REPLAY_BANKS_MAX];
        size_t n, o = 9;

        if (!b->data || b->size < 9 || (n = b->data[8]) == 0 || n > IMA_REPLAY_BANKS_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (b->size - o < 2)
                        return -EBADMSG;
                banks[i].alg = hash_alg_from_tpm_id((uint16_t) get_be(b->data + o, 2));
                if (!banks[i].alg || b->size - o - 2 < banks[i].alg->size)
                        return -EBADMSG;
                memcpy(banks[i].value, b->data + o + 2, banks[i].alg->size);
                o += 2 + banks[i].alg->size;
        }
        if (o != b->size)
                return -EBADMSG;
        return ima_replay_state_restore(ret, get_be(b->data, 8), banks, n);
}

static int blob_copy(Blob *dst, const Blob *src) {
        return blob_set(dst, src->data, src->size);
}

/* A failure leaves the anchor where the last pass of this boot left it (or at
 * the log's start), so the next attestation asks for the entries since then
 * again and evaluates them under the policy of that moment: an entry outside
 * the policy fails every attestation until the policy allows it, the operator
 * reactivates the node or the node reboots. */
int push_ima_next(const PushState *old, const ImaReplayState *after, bool pass, bool fresh, PushState *s) {
        int r;

        if (!after) {
                s->ima_restart = old->ima_restart;
                r = blob_copy(&s->ima_state, &old->ima_state);
                return r ?: blob_copy(&s->ima_state_latest, &old->ima_state_latest);
        }
        r = push_ima_state_encode(after, &s->ima_state_latest);
        if (r < 0 || pass)
                return r ?: push_ima_state_encode(after, &s->ima_state);
        s->ima_restart = fresh;         /* no pass in this boot yet: from entry 0 again */
        return fresh ? 0 : blob_copy(&s->ima_state, &old->ima_state);
}

int push_state_accept(const PushState *old, PushState *ret) {
        PushState s = { .boot_time = old->boot_time, .next_index = old->next_index, .ima_restart = old->ima_restart };
        const Blob *anchor = &old->ima_state;
        int r;

        if (old->ima_state_latest.size > 0) {
                anchor = &old->ima_state_latest;
                s.ima_restart = false;
        }
        r = blob_copy(&s.clock, &old->clock);
        r = r ?: blob_copy(&s.enrolment_clock, &old->enrolment_clock);
        r = r ?: blob_copy(&s.ima_state, anchor);
        r = r ?: blob_copy(&s.ima_state_latest, &old->ima_state_latest);
        if (r < 0) {
                push_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}
