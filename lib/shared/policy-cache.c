/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "plugin-loader.h"

/* Few distinct policies exist (they are shared by many nodes): a list will do. */
struct PolicyCache {
        pthread_mutex_t lock;
        CompiledPolicy **entries;
        size_t n_entries, n_allocated;
};

int policy_cache_new(PolicyCache **ret) {
        PolicyCache *c;

        assert_return(ret, -EINVAL);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        pthread_mutex_init(&c->lock, NULL);
        *ret = c;
        return 0;
}

static CompiledPolicy *compiled_policy_free(CompiledPolicy *cp) {
        if (!cp)
                return NULL;
        if (cp->compiled)
                cp->plugin->engine->free_compiled(cp->compiled);
        return mfree(cp);
}

PolicyCache *policy_cache_free(PolicyCache *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_entries; i++) {
                log_debug("Policy cache freed with a compiled %s policy still referenced.",
                          c->entries[i]->plugin->name);
                compiled_policy_free(c->entries[i]);
        }
        free(c->entries);
        pthread_mutex_destroy(&c->lock);
        return mfree(c);
}

size_t policy_cache_size(PolicyCache *c) {
        size_t n;

        pthread_mutex_lock(&c->lock);
        n = c->n_entries;
        pthread_mutex_unlock(&c->lock);
        return n;
}

static CompiledPolicy *cache_find(PolicyCache *c, const Plugin *p, const uint8_t sha256[static 32]) {
        for (size_t i = 0; i < c->n_entries; i++)
                if (c->entries[i]->plugin == p && memcmp(c->entries[i]->sha256, sha256, 32) == 0)
                        return c->entries[i];
        return NULL;
}

static int cache_append(PolicyCache *c, CompiledPolicy *cp) {
        if (c->n_entries == c->n_allocated) {
                size_t n = MAX(c->n_allocated * 2, 8u);
                CompiledPolicy **e = reallocarray(c->entries, n, sizeof(*e));

                if (!e)
                        return -ENOMEM;
                c->entries = e;
                c->n_allocated = n;
        }
        c->entries[c->n_entries++] = cp;
        return 0;
}

static int compile(const Plugin *p, const uint8_t *policy, size_t size, const uint8_t sha256[static 32],
                   CompiledPolicy **ret, char *error, size_t error_size) {
        CompiledPolicy *cp;
        int r;

        cp = calloc(1, sizeof(*cp));
        if (!cp)
                return -ENOMEM;
        cp->plugin = p;
        memcpy(cp->sha256, sha256, 32);
        if (error && error_size > 0)
                error[0] = 0;
        r = p->engine->compile(policy, size, &cp->compiled, error, error_size);
        if (r >= 0 && !cp->compiled)
                r = -EBADMSG;
        if (r < 0) {
                free(cp);
                return r;
        }
        if (error && error_size > 0)
                error[error_size - 1] = 0;
        cp->requirements.struct_size = sizeof(cp->requirements);
        p->engine->requirements(cp->compiled, &cp->requirements);
        *ret = cp;
        return 0;
}

int policy_cache_get(PolicyCache *c, const Plugin *p, const uint8_t *policy, size_t size,
                     CompiledPolicy **ret, char *error, size_t error_size) {
        uint8_t sha256[32];
        CompiledPolicy *cp;
        int r = 0;

        assert_return(c && p && (policy || size == 0) && ret, -EINVAL);
        if (p->kind != ATTEST_PLUGIN_POLICY_ENGINE || !p->engine)
                return -EINVAL;
        if (EVP_Digest(policy, size, sha256, NULL, EVP_sha256(), NULL) != 1)
                return -EIO;

        /* Compiling under the lock: a policy is compiled once even when many
         * nodes ask for it at the same moment. */
        pthread_mutex_lock(&c->lock);
        cp = cache_find(c, p, sha256);
        if (!cp) {
                r = compile(p, policy, size, sha256, &cp, error, error_size);
                if (r >= 0 && (r = cache_append(c, cp)) < 0)
                        cp = compiled_policy_free(cp);
        }
        if (r >= 0)
                cp->n_ref++;
        pthread_mutex_unlock(&c->lock);
        if (r < 0)
                return r;
        *ret = cp;
        return 0;
}

CompiledPolicy *policy_cache_ref(PolicyCache *c, CompiledPolicy *cp) {
        pthread_mutex_lock(&c->lock);
        assert(cp->n_ref > 0);
        cp->n_ref++;
        pthread_mutex_unlock(&c->lock);
        return cp;
}

CompiledPolicy *policy_cache_release(PolicyCache *c, CompiledPolicy *cp) {
        if (!c || !cp)
                return NULL;
        pthread_mutex_lock(&c->lock);
        assert(cp->n_ref > 0);
        if (--cp->n_ref == 0) {
                for (size_t i = 0; i < c->n_entries; i++)
                        if (c->entries[i] == cp) {
                                c->entries[i] = c->entries[--c->n_entries];
                                break;
                        }
                compiled_policy_free(cp);
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}
