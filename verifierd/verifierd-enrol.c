/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf-parser.h"
#include "fileio.h"
#include "json-util.h"
#include "attest-limits.h"
#include "log.h"
#include "verifierd.h"
#include "verifierd-identity.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static const char *const default_kinds[DEFAULT_POLICIES] = { "tpm", "boot", "runtime" };

static const char *default_spec(Manager *m, size_t i) {
        const char *specs[DEFAULT_POLICIES] = { m->tenant.tpm_policy, m->tenant.boot_policy, m->tenant.runtime_policy };
        return specs[i];
}

/* The file's derived name follows its content: created on first use, repointed
 * (with every node enrolled with it) when the file changed since the last start. */
static int name_default_file(Manager *m, const char *kind, const char *path, const char *digest) {
        char name[POLICY_NAME_MAX + 1];
        _cleanup_free_ char *old = NULL;
        int r;

        r = policy_name_for_file(path, name);
        if (r < 0)
                return log_error_errno(r, "%s: no policy name can be made of %s.", m->config.tenant_config, path);
        r = storage_policy_name_get(m->storage, kind, name, &old);
        if (r == -ENOENT) {
                r = storage_policy_name_set(m->storage, kind, name, digest, false);
                /* Another instance on the same database named it first: as if it had been there. */
                if (r == -EEXIST)
                        r = storage_policy_name_get(m->storage, kind, name, &old);
        }
        if (r >= 0 && old && strcmp(old, digest) != 0) {
                r = storage_policy_name_update(m->storage, kind, name, digest);
                if (r >= 0)
                        log_notice("Default %s policy %s changed: stored as '%s', %d node(s) use it from their next "
                                   "attestation.", kind, path, name, r);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to name default %s policy %s as '%s': %m", kind, path, name);
        return 0;
}

/* A policy file is read, compiled by its engine and stored here once under a name
 * derived from its path; enrolments reference the name, and the compiled form
 * stays in the cache for evaluation. */
static int load_default_file(Manager *m, DefaultPolicy *d, const char *kind, const char *path) {
        char error[POLICY_ERROR_MAX] = "";
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        r = read_full_file(path, HTTP_ADMIN_BODY_MAX, &buf, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read default %s policy %s: %m", kind, path);
        r = policy_compile(m, kind, buf, size, &d->compiled, error, sizeof error);
        /* A missing plugin does not take the daemon down: its nodes fail at evaluation, saying so. */
        if (r == -ENOPKG)
                log_struct(LOG_ERR, MESSAGE_PLUGIN_PROBLEM, "Default %s policy %s cannot be checked: %s; nodes using it fail.",
                           kind, path, error);
        else if (r < 0)
                return log_error_errno(r, "Default %s policy %s is refused: %s", kind, path, error);
        r = storage_policy_put(m->storage, kind, buf, size, d->digest);
        if (r < 0)
                return log_error_errno(r, "Failed to store default %s policy %s: %m", kind, path);
        r = name_default_file(m, kind, path, d->digest);
        if (r < 0)
                return r;
        log_info("Default %s policy %s loaded (sha256 %s).", kind, path, d->digest);
        return 0;
}

/* policy.ENGINE = FILE|NAME: a file is compiled and stored now, a name must be stored already. */
static int engine_default_load(Manager *m, EngineDefault *e, const char *setting) {
        const char *eq = strchr(setting, '=');
        size_t k = eq ? (size_t) (eq - setting) : 0;
        _cleanup_free_ char *digest = NULL;
        int r;

        if (!eq || k >= sizeof e->engine)
                return -EINVAL;
        memcpy(e->engine, setting, k);
        e->engine[k] = 0;
        e->spec = eq + 1;
        if (!policy_kind_is_engine(e->engine))
                return log_error_errno(-EINVAL, "%s: policy.%s: not an engine name (tpm, boot and runtime have their own "
                                       "settings; mb and ima are boot and runtime).", m->config.tenant_config, e->engine);
        if (e->spec[0] == '/')
                return load_default_file(m, &e->policy, e->engine, e->spec);
        if (!policy_name_is_valid(e->spec))
                return log_error_errno(-EINVAL, "%s: policy.%s: '%s' is neither an absolute path nor a policy name.",
                                       m->config.tenant_config, e->engine, e->spec);
        r = storage_policy_name_get(m->storage, e->engine, e->spec, &digest);
        if (r < 0)
                return log_error_errno(r, "%s: policy.%s: no %s policy named '%s' is stored: %m", m->config.tenant_config,
                                       e->engine, e->engine, e->spec);
        return 0;
}

static int engine_defaults_load(Manager *m) {
        size_t n = strv_length(m->tenant.engine_policies);

        if (n == 0)
                return 0;
        if (n > NODE_ENGINE_POLICIES_MAX)
                return log_error_errno(-E2BIG, "%s: at most %u policy.ENGINE settings.", m->config.tenant_config,
                                       NODE_ENGINE_POLICIES_MAX);
        m->engine_defaults = calloc(n, sizeof *m->engine_defaults);
        if (!m->engine_defaults)
                return log_oom();
        for (; m->n_engine_defaults < n; m->n_engine_defaults++) {
                int r = engine_default_load(m, &m->engine_defaults[m->n_engine_defaults],
                                            m->tenant.engine_policies[m->n_engine_defaults]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tenant_policies_load(Manager *m) {
        for (size_t i = 0; i < DEFAULT_POLICIES; i++) {
                const char *spec = default_spec(m, i);
                _cleanup_free_ char *digest = NULL;
                int r;

                if (!spec)
                        continue;
                if (spec[0] == '/')
                        r = load_default_file(m, &m->defaults[i], default_kinds[i], spec);
                else if (!policy_name_is_valid(spec))
                        r = log_error_errno(-EINVAL, "Default %s policy '%s' is neither an absolute path nor a policy name.",
                                            default_kinds[i], spec);
                else if ((r = storage_policy_name_get(m->storage, default_kinds[i], spec, &digest)) < 0)
                        log_error_errno(r, "Default %s policy '%s' is not stored: %m", default_kinds[i], spec);
                if (r < 0)
                        return log_error_errno(r, "%s: Default %s policy '%s' cannot be used.", m->config.tenant_config,
                                               default_kinds[i], spec);
        }
        return engine_defaults_load(m);
}

void tenant_policies_done(Manager *m) {
        for (size_t i = 0; i < DEFAULT_POLICIES; i++)
                if (m->defaults[i].compiled)
                        m->defaults[i].compiled = policy_cache_release(m->push.cache, m->defaults[i].compiled);
        for (size_t i = 0; i < m->n_engine_defaults; i++)
                if (m->engine_defaults[i].policy.compiled)
                        policy_cache_release(m->push.cache, m->engine_defaults[i].policy.compiled);
        m->engine_defaults = mfree(m->engine_defaults);
        m->n_engine_defaults = 0;
}

/* The name is looked up at each enrolment: a file's derived name or a stored
 * name, repointed by policy updates and restarts with changed files. */
static int set_policy(Manager *m, size_t i, char **digest, char **name) {
        const char *spec = default_spec(m, i);
        char nm[POLICY_NAME_MAX + 1];
        _cleanup_free_ char *d = NULL, *n = NULL;
        int r;

        if (spec) {
                r = policy_name_for_spec(spec, nm);
                if (r >= 0)
                        r = storage_policy_name_get(m->storage, default_kinds[i], nm, &d);
                if (r < 0)
                        return log_error_errno(r, "Default %s policy '%s' cannot be used: %m", default_kinds[i], spec);
                n = strdup(nm);
                if (!n)
                        return -ENOMEM;
        }
        free(*digest);
        *digest = TAKE_PTR(d);
        free(*name);
        *name = TAKE_PTR(n);
        return 0;
}

/* The node's engine policies become tenant.conf's policy.ENGINE= defaults. */
static int set_engine_policies(Manager *m, Node *n) {
        while (n->n_policies > 0)
                (void) node_policy_remove(n, n->policies[0].engine);
        for (size_t i = 0; i < m->n_engine_defaults; i++) {
                const EngineDefault *e = &m->engine_defaults[i];
                char nm[POLICY_NAME_MAX + 1];
                _cleanup_free_ char *d = NULL;
                int r;

                r = policy_name_for_spec(e->spec, nm);
                if (r >= 0 && (r = storage_policy_name_get(m->storage, e->engine, nm, &d)) >= 0)
                        r = node_policy_set(n, e->engine, d, nm);
                if (r < 0)
                        return log_error_errno(r, "Default %s policy '%s' cannot be used: %m", e->engine, e->spec);
        }
        return 0;
}

static char *strv_join(char **l) {
        size_t n = 1;
        char *s;

        for (char **i = l; i && *i; i++)
                n += strlen(*i) + 1;
        s = calloc(1, n);
        if (!s)
                return NULL;
        for (char **i = l; i && *i; i++) {
                if (i != l)
                        strcat(s, " ");
                strcat(s, *i);
        }
        return s;
}

int enrol_with_defaults(Manager *m, Node *n) {
        TenantConfig *t = &m->tenant;
        char *fa;
        int r;

        r = set_policy(m, 0, &n->tpm_policy, &n->tpm_policy_name);
        if (r >= 0)
                r = set_policy(m, 1, &n->boot_policy, &n->boot_policy_name);
        if (r >= 0)
                r = set_policy(m, 2, &n->runtime_policy, &n->runtime_policy_name);
        if (r < 0)
                return r;
        r = set_engine_policies(m, n);
        if (r < 0)
                return r;
        fa = strv_join(t->failure_actions);
        if (!fa)
                return -ENOMEM;
        free(n->failure_actions);
        n->failure_actions = fa;
        node_mark_enrolled(n, t->attest_count, t->interval_sec);
        return 0;
}

void node_mark_enrolled(Node *n, uint64_t attest_count, uint64_t interval_sec) {
        n->attest_count = attest_count;
        n->interval_sec = interval_sec;
        n->state = NODE_ENROLLED;
        n->enrolled_usec = now_usec();
        n->attestations_passed = 0;
        free(n->verdict);
        n->verdict = strdup("PENDING");
}

static int add_usec(json_object *o, const char *key, uint64_t usec) {
        char ts[64];

        if (usec == 0)
                return json_add_string(o, key, NULL);
        if (format_timestamp_iso(usec, ts, sizeof ts) < 0)
                return -EINVAL;
        return json_add_string(o, key, ts);
}

static int add_policy(json_object *o, const char *key, const char *digest, const char *name) {
        json_object *p;

        if (!digest)
                return json_add_string(o, key, NULL);
        p = json_object_new_object();
        if (!p || json_object_object_add(o, key, p) < 0) {
                json_object_put(p);
                return -ENOMEM;
        }
        if (json_add_string(p, "digest", digest) < 0 || json_add_string(p, "name", name) < 0)
                return -ENOMEM;
        return 0;
}

json_object *node_to_json(const Node *n, bool detail) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r = 0;

        if (!o)
                return NULL;
        r = r ?: json_add_string(o, "agent_id", n->id);
        r = r ?: json_add_string(o, "state", node_state_to_string(n->state));
        r = r ?: json_add_string(o, "verdict", n->verdict);
        r = r ?: add_usec(o, "registered_at", n->registered_usec);
        r = r ?: add_usec(o, "activated_at", n->activated_usec);
        r = r ?: add_usec(o, "enrolled_at", n->enrolled_usec);
        r = r ?: add_usec(o, "last_attestation", n->last_attestation_usec);
        r = r ?: json_add_string(o, "attested_by", n->attested_by);
        r = r ?: json_add_int(o, "attest_count", (int64_t) n->attest_count);
        r = r ?: json_add_int(o, "interval", (int64_t) n->interval_sec);
        r = r ?: json_add_int(o, "attestations_passed", (int64_t) n->attestations_passed);
        r = r ?: node_json_add_ek_digest(n, o);
        if (detail) {
                r = r ?: add_policy(o, "tpm_policy", n->tpm_policy, n->tpm_policy_name);
                r = r ?: add_policy(o, "boot_policy", n->boot_policy, n->boot_policy_name);
                r = r ?: add_policy(o, "runtime_policy", n->runtime_policy, n->runtime_policy_name);
                r = r ?: node_policies_to_json(n, o);
                r = r ?: json_add_string(o, "failure_actions", n->failure_actions);
                r = r ?: json_add_int(o, "regcount", n->regcount);
                r = r ?: json_add_bool(o, "ek_certificate", n->ekcert.data != NULL);
                r = r ?: json_add_bool(o, "iak", n->iak_tpm.data != NULL);
                r = r ?: json_add_string(o, "ip", n->ip);
                r = r ?: json_add_int(o, "port", n->port);
        }
        return r < 0 ? NULL : TAKE_PTR(o);
}
