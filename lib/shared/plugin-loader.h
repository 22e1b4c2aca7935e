/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loads libattest-plugin-<name>.so files from one directory and keeps a cache
 * of compiled policies keyed by (plugin, SHA-256 of the policy bytes), shared
 * by every node that uses the same policy. A plugin that fails to load is
 * skipped with a warning; loading never aborts the process. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/attest-plugin.h"
#include "macro.h"

#define PLUGIN_FILE_PREFIX "libattest-plugin-"
#define PLUGIN_FILE_SUFFIX ".so"
#define PLUGIN_FILES_MAX   256u          /* plugins loaded from one directory */

typedef struct Plugin {
        char *name;
        char *path;
        void *dl;
        AttestPluginKind kind;
        const AttestPluginInfo *info;
        const AttestPolicyEngine *engine;    /* kind ATTEST_PLUGIN_POLICY_ENGINE */
        const AttestFailureAction *action;   /* kind ATTEST_PLUGIN_FAILURE_ACTION */
} Plugin;

typedef struct PluginSet {
        Plugin **plugins;
        size_t n_plugins;
} PluginSet;

/* Whether name is a valid plugin name ([a-z][a-z0-9_-]*, at most ATTEST_PLUGIN_NAME_MAX). */
bool plugin_name_is_valid(const char *name);

/* Loads one plugin file. Negative errno when it is unusable: -EINVAL bad
 * file name, -ELIBBAD dlopen failed or no entry symbol, -EPROTO wrong ABI
 * version, struct_size, kind or name, -EBADMSG a vtable lacking a function.
 * *ret_error (optional, static or in a thread-local buffer) says why. */
int plugin_load(const char *path, Plugin **ret, const char **ret_error);
Plugin *plugin_free(Plugin *p);
DEFINE_POINTER_CLEANUP_FUNC(Plugin, plugin_free);

/* Loads every plugin of dir; those that fail are logged as warnings and
 * skipped. A missing directory gives an empty set. */
int plugin_set_load(const char *dir, PluginSet **ret);
PluginSet *plugin_set_free(PluginSet *s);
DEFINE_POINTER_CLEANUP_FUNC(PluginSet, plugin_set_free);

/* The plugin called name of kind, or NULL. */
const Plugin *plugin_set_find(const PluginSet *s, const char *name, AttestPluginKind kind);

/* ---- Compiled policy cache ---- */

typedef struct CompiledPolicy {
        const Plugin *plugin;
        uint8_t sha256[32];
        void *compiled;                 /* the engine's, read-only */
        AttestRequirements requirements;
        unsigned n_ref;                 /* under the cache's lock */
} CompiledPolicy;

typedef struct PolicyCache PolicyCache;

int policy_cache_new(PolicyCache **ret);
/* All entries must have been released. */
PolicyCache *policy_cache_free(PolicyCache *c);
DEFINE_POINTER_CLEANUP_FUNC(PolicyCache, policy_cache_free);

/* The compiled form of policy for the engine plugin p, compiled on first use,
 * with a reference taken. Thread-safe. -EINVAL when p is not a policy engine;
 * a compile error returns the engine's errno with its message in error. */
int policy_cache_get(PolicyCache *c, const Plugin *p, const uint8_t *policy, size_t size,
                     CompiledPolicy **ret, char *error, size_t error_size);
/* Takes another reference on cp, which must hold one already. Returns cp. */
CompiledPolicy *policy_cache_ref(PolicyCache *c, CompiledPolicy *cp);
/* Drops a reference; the last one frees the compiled policy. Returns NULL. */
CompiledPolicy *policy_cache_release(PolicyCache *c, CompiledPolicy *cp);
size_t policy_cache_size(PolicyCache *c);

/* ---- Evaluation ---- */

typedef struct PolicyFailure {
        char *id;
        AttestSeverity severity;
        char *context;                  /* JSON object text or NULL */
} PolicyFailure;

typedef struct PolicyOutcome {
        bool pass;
        PolicyFailure *failures;
        size_t n_failures;
        uint8_t *state;                 /* new per-node engine state when set_state was called */
        size_t state_size;
        bool state_changed;
} PolicyOutcome;

#define POLICY_FAILURES_MAX 1000u       /* failures kept per evaluation */

/* Evaluates one compiled policy. An engine error becomes a failure
 * "<plugin>.engine_error" and a FAIL; a pass that reports a failure of
 * severity ERROR or above is turned into a FAIL. Negative errno only for
 * allocation failures. */
int policy_evaluate(const CompiledPolicy *cp, const AttestEvidence *ev, const AttestNodeState *state,
                    PolicyOutcome *ret);
void policy_outcome_done(PolicyOutcome *o);
