/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* agent.conf: INI with drop-ins; the command line wins over the files. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "agent.h"
#include "conf-parser.h"
#include "log.h"

/* Settings as read from the files, before the command line is applied. */
typedef struct AgentConfigFile {
        char *tcti;
        char *state_dir;
        char *ek_type;
        char *ak_type;
        char *agent_id;
        char *registrar_url;
        char *verifier_url;
        char *ca_file;
        char *api_version;
        char *uefi_log;
        char *ima_log;
} AgentConfigFile;

static const ConfigItem agent_config_items[] = {
        { "TPM",       "TCTI",           config_parse_string, offsetof(AgentConfigFile, tcti)          },
        { "TPM",       "EKType",         config_parse_string, offsetof(AgentConfigFile, ek_type)       },
        { "TPM",       "AKType",         config_parse_string, offsetof(AgentConfigFile, ak_type)       },
        { "Agent",     "StateDirectory", config_parse_path,   offsetof(AgentConfigFile, state_dir)     },
        { "Agent",     "AgentId",        config_parse_string, offsetof(AgentConfigFile, agent_id)      },
        { "Agent",     "CAFile",         config_parse_path,   offsetof(AgentConfigFile, ca_file)       },
        { "Registrar", "URL",            config_parse_string, offsetof(AgentConfigFile, registrar_url) },
        { "Registrar", "APIVersion",     config_parse_string, offsetof(AgentConfigFile, api_version)   },
        { "Verifier",  "URL",            config_parse_string, offsetof(AgentConfigFile, verifier_url)  },
        { "Evidence",  "UEFILog",        config_parse_path,   offsetof(AgentConfigFile, uefi_log)      },
        { "Evidence",  "IMALog",         config_parse_path,   offsetof(AgentConfigFile, ima_log)       },
};

/* The file values outlive main(): the config struct points into them. */
static AgentConfigFile file_config;

static void file_config_free(void) {
        char **fields[] = {
                &file_config.tcti, &file_config.state_dir, &file_config.ek_type, &file_config.ak_type,
                &file_config.agent_id, &file_config.registrar_url, &file_config.verifier_url,
                &file_config.ca_file, &file_config.api_version, &file_config.uefi_log, &file_config.ima_log,
        };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                *fields[i] = mfree(*fields[i]);
}

void agent_config_done(void) {
        file_config_free();
}

static void fill(const char **setting, bool from_cmdline, char *file_value) {
        if (!from_cmdline && file_value)
                *setting = file_value;
}

int agent_config_load(const char *path, AgentConfig *c, const AgentConfigSet *set) {
        int r;

        r = config_parse_with_dropins(path, agent_config_items, ELEMENTSOF(agent_config_items), &file_config);
        if (r < 0)
                return r;

        fill(&c->tcti, set->tcti, file_config.tcti);
        fill(&c->state_dir, set->state_dir, file_config.state_dir);
        fill(&c->agent_id, set->agent_id, file_config.agent_id);
        fill(&c->registrar_url, set->registrar_url, file_config.registrar_url);
        fill(&c->verifier_url, set->verifier_url, file_config.verifier_url);
        fill(&c->ca_file, set->ca_file, file_config.ca_file);
        fill(&c->api_version, set->api_version, file_config.api_version);
        fill(&c->uefi_log_path, set->uefi_log_path, file_config.uefi_log);
        fill(&c->ima_log_path, set->ima_log_path, file_config.ima_log);

        if (!set->ek_type && file_config.ek_type && ek_type_from_string(file_config.ek_type, &c->ek_type) < 0)
                return log_error_errno(-EINVAL, "%s: unknown EKType=%s.", path, file_config.ek_type);
        if (!set->ak_type && file_config.ak_type && ak_type_from_string(file_config.ak_type, &c->ak_type) < 0)
                return log_error_errno(-EINVAL, "%s: unknown AKType=%s.", path, file_config.ak_type);
        return 0;
}
