/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "tpm-ak.h"
#include "tpm-devid.h"
#include "tpm-ek.h"

#define AGENT_DEFAULT_STATE_DIR AGENT_STATEDIR

/* Exit codes, as for every hostattest program. */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

#define AGENT_DEFAULT_CONFIG SYSCONFDIR "/agent.conf"
#define AGENT_DEFAULT_UEFI_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define AGENT_DEFAULT_IMA_LOG "/sys/kernel/security/ima/ascii_runtime_measurements"

/* Settings: agent.conf and its drop-ins, overridden by the command line. */
typedef struct AgentConfig {
        const char *tcti;
        const char *state_dir;
        EkType ek_type;
        AkType ak_type;
        const char *agent_id;
        const char *registrar_url;
        const char *verifier_url;
        const char *ca_file;
        const char *api_version;
        const char *uefi_log_path;
        const char *ima_log_path;
        const char *tsm_report_path;          /* configfs-tsm report directory (tsm-report.h) */
        const char *sev_guest_device;         /* SEV-SNP reports without configfs-tsm (sev-guest.h) */
        DevIdConfig devid[_DEVID_KIND_MAX];   /* IAK and IDevID, when provisioned */
} AgentConfig;

extern AgentConfig arg_config;

/* Which settings the command line gave (those the files do not override). */
typedef struct AgentConfigSet {
        bool tcti, state_dir, ek_type, ak_type, agent_id, registrar_url, verifier_url, ca_file, api_version;
        bool uefi_log_path, ima_log_path;
        bool devid_handle[_DEVID_KIND_MAX], devid_certificate[_DEVID_KIND_MAX];
} AgentConfigSet;

/* Reads path and path.d/ *.conf into c, except for settings in set. */
int agent_config_load(const char *path, AgentConfig *c, const AgentConfigSet *set);
void agent_config_done(void);

/* The host's TPM identity: the TPM, its EK, and the AK kept in the state directory. */
typedef struct AgentIdentity {
        bool locked;   /* holds the process-wide TPM lock: one TPM user at a time */
        Tpm *tpm;
        TpmEk ek;      /* borrowed from the process's kept identity: not flushed */
        TpmAk ak;
        TpmDevIdKey devid[_DEVID_KIND_MAX];   /* loaded by agent_identity_open_devid() when configured */
} AgentIdentity;

/* Takes the TPM lock until agent_identity_done(): the TPM (a swtpm or a raw
 * device) serves one client, and the agent's threads take turns. The EK and
 * AK are made and loaded by the first call and kept loaded for the next ones
 * (agent-identity.c), until agent_identity_close(). */
int agent_identity_open(const AgentConfig *c, AgentIdentity *ret);
/* As agent_identity_open(), and loads the configured IAK and IDevID with
 * their certificates: a configured key that is absent or of the wrong kind
 * fails the whole identity. */
int agent_identity_open_devid(const AgentConfig *c, AgentIdentity *ret);
void agent_identity_done(AgentIdentity *id);
#define _cleanup_agent_identity_ _cleanup_(agent_identity_done)

/* Opens the identity (with the IAK and IDevID when devid) and runs use on it.
 * When use fails and the TPM turns out to have lost the kept EK and AK (reset
 * or restarted under the agent), they are loaded again and use runs once more. */
typedef int (*AgentIdentityUse)(AgentIdentity *id, void *userdata);
int agent_identity_run(const AgentConfig *c, bool devid, AgentIdentityUse use, void *userdata);
/* Flushes the kept EK and AK and closes the TPM; at exit. */
void agent_identity_close(void);

/* The agent id: the configured one, else /etc/machine-id. */
int agent_id_get(const AgentConfig *c, char **ret);

int verb_identity(int argc, char *argv[]);
int verb_quote(int argc, char *argv[]);
int verb_certify(int argc, char *argv[]);
int verb_activate_credential(int argc, char *argv[]);
int verb_register(int argc, char *argv[]);
int verb_run(int argc, char *argv[]);

/* [Registrar] URL= and [Verifier] URL= may list several instances, separated by
 * whitespace or commas (agent-urls.c). */
#define AGENT_URLS_MAX 16u
#define AGENT_URL_MAX 2048u
size_t agent_url_count(const char *list);
/* The index'th URL (modulo their count); NULL for none. */
int agent_url_pick(const char *list, unsigned index, char **ret);
/* Each entry an http:// or https:// URL with a host; logs the first bad one, naming
 * setting, and returns -EINVAL (-E2BIG for too many). A NULL list is fine. */
int agent_url_list_check(const char *list, const char *setting);
