/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest-limits.h"
#include "conf-parser.h"
#include "log.h"
#include "verifierd-config.h"

static const ConfigItem verifier_items[] = {
        { "Server",    "listen",            config_parse_strv,   offsetof(VerifierConfig, listen)            },
        { "Server",    "admin_socket",      config_parse_path,   offsetof(VerifierConfig, admin_socket)      },
        { "Server",    "admin_group",       config_parse_string, offsetof(VerifierConfig, admin_group)       },
        { "Server",    "state_directory",   config_parse_path,   offsetof(VerifierConfig, state_directory)   },
        { "Server",    "tls_certificate",   config_parse_path,   offsetof(VerifierConfig, tls_certificate)   },
        { "Server",    "tls_key",           config_parse_path,   offsetof(VerifierConfig, tls_key)           },
        { "Server",    "tls_client_ca",     config_parse_path,   offsetof(VerifierConfig, tls_client_ca)     },
        { "Server",    "verifier_url",      config_parse_string, offsetof(VerifierConfig, verifier_url)      },
        { "Server",    "tenant_config",     config_parse_path,   offsetof(VerifierConfig, tenant_config)     },
        { "Server",    "max_connections",   config_parse_uint64, offsetof(VerifierConfig, max_connections)   },
        { "Server",    "max_connections_per_address", config_parse_uint64, offsetof(VerifierConfig, max_connections_per_address) },
        { "Server",    "request_timeout",   config_parse_sec,    offsetof(VerifierConfig, request_timeout_sec) },
        { "Server",    "max_evidence_size", config_parse_size,   offsetof(VerifierConfig, max_evidence_size) },
        { "Server",    "max_pending_body_bytes", config_parse_size, offsetof(VerifierConfig, max_pending_body_bytes) },
        { "Storage",   "backend",           config_parse_storage_backend, offsetof(VerifierConfig, storage_backend) },
        { "Storage",   "url",               config_parse_string, offsetof(VerifierConfig, storage_url)       },
        { "Server",    "instance_name",     config_parse_string, offsetof(VerifierConfig, instance_name)     },
        { "Registrar", "ek_ca_directory",   config_parse_path,   offsetof(VerifierConfig, ek_ca_directory)   },
        { "Registrar", "require_ek_cert",   config_parse_bool,   offsetof(VerifierConfig, require_ek_cert)   },
        { "Registrar", "iak_ca_directory",  config_parse_path,   offsetof(VerifierConfig, iak_ca_directory)  },
        { "Registrar", "require_iak",       config_parse_bool,   offsetof(VerifierConfig, require_iak)       },
        { "Registrar", "registration_timeout", config_parse_sec, offsetof(VerifierConfig, registration_timeout_sec) },
        { "Registrar", "duplicate_ek",      config_parse_duplicate_ek, offsetof(VerifierConfig, duplicate_ek) },
        { "Attestation", "plugin_directory",   config_parse_path,   offsetof(VerifierConfig, plugin_directory)   },
        { "Attestation", "action_directory",   config_parse_path,   offsetof(VerifierConfig, action_directory)   },
        { "Attestation", "history_retention",  config_parse_uint64, offsetof(VerifierConfig, history_retention)  },
        { "Attestation", "challenge_lifetime", config_parse_sec,    offsetof(VerifierConfig, challenge_lifetime_sec) },
        { "Attestation", "session_lifetime",   config_parse_sec,    offsetof(VerifierConfig, session_lifetime_sec) },
        { "Attestation", "session_rate_limit", config_parse_uint64, offsetof(VerifierConfig, session_rate_limit) },
        { "Attestation", "max_pending",        config_parse_uint64, offsetof(VerifierConfig, max_pending)        },
        { "Attestation", "evaluation_threads", config_parse_uint64, offsetof(VerifierConfig, evaluation_threads) },
        { "Secrets",   "key_file",          config_parse_path,   offsetof(VerifierConfig, secret_key_file)   },
        { "Secrets",   "max_age",           config_parse_sec,    offsetof(VerifierConfig, secret_max_age_sec) },
        { "Results",   "signing_key",       config_parse_path,   offsetof(VerifierConfig, results_signing_key) },
        { "Server",    "metrics_listen",    config_parse_string, offsetof(VerifierConfig, metrics_listen)    },
        { "Server",    "metrics_allow_remote", config_parse_bool, offsetof(VerifierConfig, metrics_allow_remote) },
        { "CC",        "collateral_directory", config_parse_path, offsetof(VerifierConfig, cc_collateral_directory) },
        { "CC",        "snp_trust_anchors", config_parse_path,   offsetof(VerifierConfig, cc_snp_trust_anchors) },
        { "CC",        "tdx_trust_anchors", config_parse_path,   offsetof(VerifierConfig, cc_tdx_trust_anchors) },
};

static const ConfigItem tenant_items[] = {
        { "Enrolment", "auto_enrol",        config_parse_bool,   offsetof(TenantConfig, auto_enrol)          },
        { "Enrolment", "tpm_policy",        config_parse_string, offsetof(TenantConfig, tpm_policy)          },
        { "Enrolment", "boot_policy",       config_parse_string, offsetof(TenantConfig, boot_policy)         },
        { "Enrolment", "runtime_policy",    config_parse_string, offsetof(TenantConfig, runtime_policy)      },
        { "Enrolment", "attest_count",      config_parse_uint64, offsetof(TenantConfig, attest_count)        },
        { "Enrolment", "interval",          config_parse_sec,    offsetof(TenantConfig, interval_sec)        },
        { "Enrolment", "failure_actions",   config_parse_strv,   offsetof(TenantConfig, failure_actions)     },
        { "Enrolment", "policy.*",          config_parse_engine_policy, offsetof(TenantConfig, engine_policies) },
};

/* "ENGINE=FILE|NAME" from policy.ENGINE: a later one for the same engine
 * replaces the earlier, an empty value drops it (as in a drop-in). */
int config_parse_engine_policy(const char *rvalue, void *data) {
        char ***l = data;
        const char *eq = strchr(rvalue, '=');
        size_t k = eq ? (size_t) (eq - rvalue) + 1 : 0;
        size_t j = 0;

        if (!eq || k == 1)
                return -EINVAL;
        for (size_t i = 0; *l && (*l)[i]; i++) {
                if (strncmp((*l)[i], rvalue, k) == 0)
                        free((*l)[i]);
                else
                        (*l)[j++] = (*l)[i];
        }
        if (*l)
                (*l)[j] = NULL;
        return eq[1] ? strv_extend(l, rvalue) : 0;
}

int config_parse_duplicate_ek(const char *rvalue, void *data) {
        static const char *const names[] = {
                [DUPLICATE_EK_ALLOW] = "allow",
                [DUPLICATE_EK_REFUSE] = "refuse",
                [DUPLICATE_EK_REPLACE] = "replace",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(rvalue, names[i]) == 0) {
                        *(DuplicateEk *) data = (DuplicateEk) i;
                        return 0;
                }
        return -EINVAL;
}

static const char *const storage_backend_names[] = {
        [STORAGE_BACKEND_SQLITE] = "sqlite",
        [STORAGE_BACKEND_POSTGRESQL] = "postgresql",
};

const char *storage_backend_to_string(StorageBackend b) {
        return (size_t) b < ELEMENTSOF(storage_backend_names) ? storage_backend_names[b] : NULL;
}

int config_parse_storage_backend(const char *rvalue, void *data) {
        for (size_t i = 0; i < ELEMENTSOF(storage_backend_names); i++)
                if (strcmp(rvalue, storage_backend_names[i]) == 0) {
                        *(StorageBackend *) data = (StorageBackend) i;
                        return 0;
                }
        return -EINVAL;
}

static int set_default(char **field, const char *value) {
        if (*field)
                return 0;
        *field = strdup(value);
        return *field ? 0 : -ENOMEM;
}

static int server_limits_check(const char *path, const VerifierConfig *c) {
        if (c->max_connections == 0 || c->max_connections > UINT32_MAX ||
            c->max_connections_per_address == 0 || c->max_connections_per_address > c->max_connections)
                return log_error_errno(-EINVAL, "%s: max_connections must be at least 1 and "
                                       "max_connections_per_address between 1 and max_connections.", path);
        if (c->request_timeout_sec == 0)
                return log_error_errno(-EINVAL, "%s: request_timeout must be at least 1s.", path);
        if (c->max_evidence_size < HTTP_UNAUTH_BODY_MAX || c->max_evidence_size > HTTP_EVIDENCE_BODY_MAX)
                return log_error_errno(-EINVAL, "%s: max_evidence_size must be between %uK and %uM.", path,
                                       HTTP_UNAUTH_BODY_MAX / 1024u, HTTP_EVIDENCE_BODY_MAX / 1024u / 1024u);
        if (c->max_pending_body_bytes < c->max_evidence_size || c->max_pending_body_bytes < HTTP_ADMIN_BODY_MAX)
                return log_error_errno(-EINVAL, "%s: max_pending_body_bytes must hold at least one request of "
                                       "max_evidence_size and one admin request (%uM).", path,
                                       HTTP_ADMIN_BODY_MAX / 1024u / 1024u);
        return 0;
}

/* Shown by attestctl status and stored in every node row it attests: a host name's characters. */
static bool instance_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > INSTANCE_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:", s[i]))
                        return false;
        return true;
}

static int instance_name_default(char **field) {
        char host[HOST_NAME_MAX + 1] = "";

        if (*field)
                return 0;
        if (gethostname(host, sizeof host) < 0 || !instance_name_is_valid(host))
                (void) snprintf(host, sizeof host, "%s", "verifier");   /* no usable host name */
        *field = strdup(host);
        return *field ? 0 : -ENOMEM;
}

int verifier_config_load(const char *path, VerifierConfig *ret) {
        VerifierConfig c = {
                .history_retention = DEFAULT_HISTORY_RETENTION,
                .challenge_lifetime_sec = DEFAULT_CHALLENGE_LIFETIME_SEC,
                .session_lifetime_sec = DEFAULT_SESSION_LIFETIME_SEC,
                .session_rate_limit = DEFAULT_SESSION_RATE_LIMIT,
                .max_pending = DEFAULT_MAX_PENDING,
                .secret_max_age_sec = DEFAULT_SECRET_MAX_AGE_SEC,
                .max_connections = DEFAULT_MAX_CONNECTIONS,
                .max_connections_per_address = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
                .request_timeout_sec = DEFAULT_REQUEST_TIMEOUT_SEC,
                .max_evidence_size = DEFAULT_MAX_EVIDENCE_SIZE,
                .max_pending_body_bytes = DEFAULT_MAX_PENDING_BODY_BYTES,
                .registration_timeout_sec = DEFAULT_REGISTRATION_TIMEOUT_SEC,
        };
        int r;

        r = config_parse_with_dropins(path, verifier_items, ELEMENTSOF(verifier_items), &c);
        if (r >= 0)
                r = set_default(&c.admin_socket, DEFAULT_ADMIN_SOCKET_PATH);
        if (r >= 0)
                r = set_default(&c.admin_group, DEFAULT_ADMIN_GROUP);
        if (r >= 0)
                r = set_default(&c.state_directory, LOCALSTATEDIR);
        if (r >= 0)
                r = set_default(&c.tenant_config, TENANT_CONFIG_FILE);
        if (r >= 0)
                r = set_default(&c.plugin_directory, PLUGINDIR);
        if (r >= 0)
                r = set_default(&c.action_directory, SYSCONFDIR "/actions");
        if (r >= 0 && c.instance_name && !instance_name_is_valid(c.instance_name))
                r = log_error_errno(-EINVAL, "%s: instance_name must be 1 to %u letters, digits, '.', '-', '_' or ':'.",
                                    path, INSTANCE_NAME_MAX);
        if (r >= 0)
                r = instance_name_default(&c.instance_name);
        if (r < 0) {
                verifier_config_done(&c);
                return r;
        }
        if (c.registration_timeout_sec == 0) {
                verifier_config_done(&c);
                return log_error_errno(-EINVAL, "%s: registration_timeout must be at least 1s.", path);
        }
        r = server_limits_check(path, &c);
        if (r < 0) {
                verifier_config_done(&c);
                return r;
        }
        if (c.session_rate_limit > SESSION_RATE_LIMIT_MAX) {
                verifier_config_done(&c);
                return log_error_errno(-EINVAL, "%s: session_rate_limit must be at most %u.", path,
                                       SESSION_RATE_LIMIT_MAX);
        }
        if (c.challenge_lifetime_sec == 0 || c.session_lifetime_sec == 0) {
                verifier_config_done(&c);
                return log_error_errno(-EINVAL, "%s: challenge_lifetime and session_lifetime must be at least 1s.", path);
        }
        if ((c.storage_backend == STORAGE_BACKEND_POSTGRESQL) != !!c.storage_url) {
                verifier_config_done(&c);
                return log_error_errno(-EINVAL, "%s: [Storage] url is needed with backend = postgresql, and only then.", path);
        }
        if (!c.tls_certificate != !c.tls_key) {
                verifier_config_done(&c);
                return log_error_errno(-EINVAL, "%s: tls_certificate and tls_key must be set together.", path);
        }
        *ret = c;
        return 0;
}

void verifier_config_done(VerifierConfig *c) {
        strv_free(c->listen);
        free(c->admin_socket);
        free(c->admin_group);
        free(c->state_directory);
        free(c->storage_url);
        free(c->instance_name);
        free(c->tls_certificate);
        free(c->tls_key);
        free(c->tls_client_ca);
        free(c->verifier_url);
        free(c->tenant_config);
        free(c->ek_ca_directory);
        free(c->iak_ca_directory);
        free(c->plugin_directory);
        free(c->action_directory);
        free(c->secret_key_file);
        free(c->results_signing_key);
        free(c->metrics_listen);
        free(c->cc_collateral_directory);
        free(c->cc_snp_trust_anchors);
        free(c->cc_tdx_trust_anchors);
        *c = (VerifierConfig) {};
}

int tenant_config_load(const char *path, TenantConfig *ret) {
        TenantConfig c = { .interval_sec = DEFAULT_INTERVAL_SEC };
        int r;

        r = config_parse_with_dropins(path, tenant_items, ELEMENTSOF(tenant_items), &c);
        if (r < 0) {
                tenant_config_done(&c);
                return r;
        }
        if (c.interval_sec == 0) {
                tenant_config_done(&c);
                return log_error_errno(-EINVAL, "%s: interval must be at least 1s.", path);
        }
        *ret = c;
        return 0;
}

void tenant_config_done(TenantConfig *c) {
        free(c->tpm_policy);
        free(c->boot_policy);
        free(c->runtime_policy);
        strv_free(c->failure_actions);
        strv_free(c->engine_policies);
        *c = (TenantConfig) {};
}
