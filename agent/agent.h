/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tpm-ak.h"
#include "tpm-ek.h"

#define AGENT_DEFAULT_STATE_DIR LOCALSTATEDIR "/agent"

/* Exit codes, as for every hostattest program. */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* Settings, from the command line for now. */
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
} AgentConfig;

extern AgentConfig arg_config;

/* The host's TPM identity: the TPM, its EK, and the AK kept in the state directory. */
typedef struct AgentIdentity {
        Tpm *tpm;
        TpmEk ek;
        TpmAk ak;
} AgentIdentity;

int agent_identity_open(const AgentConfig *c, AgentIdentity *ret);
void agent_identity_done(AgentIdentity *id);
#define _cleanup_agent_identity_ _cleanup_(agent_identity_done)

/* The agent id: the configured one, else /etc/machine-id. */
int agent_id_get(const AgentConfig *c, char **ret);

int verb_identity(int argc, char *argv[]);
int verb_quote(int argc, char *argv[]);
int verb_certify(int argc, char *argv[]);
int verb_activate_credential(int argc, char *argv[]);
int verb_register(int argc, char *argv[]);
int verb_run(int argc, char *argv[]);
