/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define VERIFIERD_CONFIG_FILE SYSCONFDIR "/verifierd.conf"
#define TENANT_CONFIG_FILE SYSCONFDIR "/tenant.conf"
#define DEFAULT_ADMIN_SOCKET_PATH "/run/hostattest/verifierd.sock"
#define DEFAULT_ADMIN_GROUP "attest-admin"
#define INSTANCE_NAME_MAX 64u
#define DEFAULT_INTERVAL_SEC 2
#define DEFAULT_HISTORY_RETENTION 1000
#define DEFAULT_CHALLENGE_LIFETIME_SEC 60
#define DEFAULT_SESSION_LIFETIME_SEC 180
#define DEFAULT_MAX_PENDING 100000
#define DEFAULT_SECRET_MAX_AGE_SEC 300
#define DEFAULT_SESSION_RATE_LIMIT 50
#define SESSION_RATE_LIMIT_MAX 1000000
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 16
#define DEFAULT_REQUEST_TIMEOUT_SEC 10
#define DEFAULT_MAX_EVIDENCE_SIZE (32u * 1024u * 1024u)
#define DEFAULT_MAX_PENDING_BODY_BYTES (256u * 1024u * 1024u)
#define DEFAULT_REGISTRATION_TIMEOUT_SEC 600

/* [Registrar] duplicate_ek=: what a registration with an EK another node id holds does. */
typedef enum DuplicateEk {
        DUPLICATE_EK_ALLOW,        /* accepted, with a warning */
        DUPLICATE_EK_REFUSE,       /* 403 */
        DUPLICATE_EK_REPLACE,      /* the other nodes go once this one activated its credential */
} DuplicateEk;

/* [Storage] backend=: where the verifier's state lives. */
typedef enum StorageBackend {
        STORAGE_BACKEND_SQLITE,      /* <state_directory>/verifier.db, one instance */
        STORAGE_BACKEND_POSTGRESQL,  /* [Storage] url, shared by several instances */
} StorageBackend;

/* verifierd.conf, parsed once at startup. */
typedef struct VerifierConfig {
        char **listen;             /* ADDR:PORT, used when not socket-activated */
        char *admin_socket;
        char *admin_group;
        char *state_directory;
        StorageBackend storage_backend;
        char *storage_url;         /* a libpq connection string, without the password */
        char *instance_name;       /* stored with each verdict this instance takes; the host name by default */
        char *tls_certificate, *tls_key, *tls_client_ca;
        char *verifier_url;        /* announced to nodes at activation */
        char *tenant_config;
        /* What one client may take of the server (attest-verifierd(8), "Limits and abuse") */
        uint64_t max_connections;
        uint64_t max_connections_per_address;
        uint64_t request_timeout_sec;
        uint64_t max_evidence_size;
        uint64_t max_pending_body_bytes;
        char *ek_ca_directory;
        bool require_ek_cert;
        char *iak_ca_directory;    /* trust anchors for IAK and IDevID certificates */
        bool require_iak;
        uint64_t registration_timeout_sec; /* a registration never activated expires */
        DuplicateEk duplicate_ek;
        /* Push attestation */
        char *plugin_directory;    /* libattest-plugin-*.so */
        char *action_directory;    /* <action>.json configurations of failure actions */
        uint64_t history_retention;  /* attestations kept per node; 0 = all */
        uint64_t challenge_lifetime_sec;
        uint64_t session_lifetime_sec;
        uint64_t session_rate_limit; /* sessions a client address may open a minute; 0 = no limit */
        uint64_t max_pending;      /* attestations awaiting evidence before 503 */
        uint64_t evaluation_threads; /* workers validating and evaluating evidence; 0 = per CPU */
        char *secret_key_file;     /* when the service has no verifierd-secret-key credential */
        uint64_t secret_max_age_sec; /* a secret goes only to a node that passed this recently */
        char *results_signing_key; /* PEM EC key signing the EARs, else credential or state directory */
        char *metrics_listen;      /* ADDR:PORT serving GET /metrics, or NULL */
        bool metrics_allow_remote; /* metrics on a non-loopback address */
        /* Confidential VMs (cc-collateral.h) */
        char *cc_collateral_directory;
        char *cc_snp_trust_anchors; /* NULL: the AMD roots shipped */
        char *cc_tdx_trust_anchors; /* NULL: the Intel SGX Root CA shipped */
} VerifierConfig;

/* tenant.conf: the defaults a node is enrolled with. Policy settings name a
 * file (absolute path) or a named policy stored in the verifier. */
typedef struct TenantConfig {
        bool auto_enrol;
        char *tpm_policy;
        char *boot_policy;
        char *runtime_policy;
        uint64_t attest_count;     /* 0 = unlimited */
        uint64_t interval_sec;
        char **failure_actions;
        char **engine_policies;    /* "ENGINE=FILE|NAME" from policy.ENGINE= keys */
} TenantConfig;

int verifier_config_load(const char *path, VerifierConfig *ret);
void verifier_config_done(VerifierConfig *c);
int tenant_config_load(const char *path, TenantConfig *ret);
/* The parser of tenant.conf's policy.ENGINE= keys, given "ENGINE=VALUE". */
int config_parse_engine_policy(const char *rvalue, void *data);
/* sqlite | postgresql */
int config_parse_storage_backend(const char *rvalue, void *data);
const char *storage_backend_to_string(StorageBackend b);
/* allow | refuse | replace */
int config_parse_duplicate_ek(const char *rvalue, void *data);
void tenant_config_done(TenantConfig *c);
