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
        char *tsm_report;
        char *sev_guest;
        char *devid_handle[_DEVID_KIND_MAX];
        char *devid_certificate[_DEVID_KIND_MAX];
} AgentConfigFile;

static const ConfigItem agent_config_items[] = {
        { "TPM",       "TCTI",           config_parse_string, offsetof(AgentConfigFile, tcti)          },
        { "TPM",       "EKType",         config_parse_string, offsetof(AgentConfigFile, ek_type)       },
        { "TPM",       "AKType",         config_parse_string, offsetof(AgentConfigFile, ak_type)       },
        { "TPM",       "IAKHandle",      config_parse_string, offsetof(AgentConfigFile, devid_handle[DEVID_IAK]) },
        { "TPM",       "IDevIDHandle",   config_parse_string, offsetof(AgentConfigFile, devid_handle[DEVID_IDEVID]) },
        { "TPM",       "IAKCertificate", config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IAK]) },
        { "TPM",       "IDevIDCertificate", config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IDEVID]) },
        /* The spellings of Keylime's agent configuration. */
        { "TPM",       "iak_handle",     config_parse_string, offsetof(AgentConfigFile, devid_handle[DEVID_IAK]) },
        { "TPM",       "idevid_handle",  config_parse_string, offsetof(AgentConfigFile, devid_handle[DEVID_IDEVID]) },
        { "TPM",       "iak_certificate", config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IAK]) },
        { "TPM",       "idevid_certificate", config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IDEVID]) },
        { "TPM",       "iak_cert",       config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IAK]) },
        { "TPM",       "idevid_cert",    config_parse_string, offsetof(AgentConfigFile, devid_certificate[DEVID_IDEVID]) },
        { "Agent",     "StateDirectory", config_parse_path,   offsetof(AgentConfigFile, state_dir)     },
        { "Agent",     "AgentId",        config_parse_string, offsetof(AgentConfigFile, agent_id)      },
        { "Agent",     "CAFile",         config_parse_path,   offsetof(AgentConfigFile, ca_file)       },
        { "Registrar", "URL",            config_parse_string, offsetof(AgentConfigFile, registrar_url) },
        { "Registrar", "APIVersion",     config_parse_string, offsetof(AgentConfigFile, api_version)   },
        { "Verifier",  "URL",            config_parse_string, offsetof(AgentConfigFile, verifier_url)  },
        { "Evidence",  "UEFILog",        config_parse_path,   offsetof(AgentConfigFile, uefi_log)      },
        { "Evidence",  "IMALog",         config_parse_path,   offsetof(AgentConfigFile, ima_log)       },
        { "Evidence",  "TSMReportDirectory", config_parse_path, offsetof(AgentConfigFile, tsm_report)   },
        { "Evidence",  "SEVGuestDevice", config_parse_path,   offsetof(AgentConfigFile, sev_guest)     },
};

/* The file values outlive main(): the config struct points into them. */
static AgentConfigFile file_config;

static void file_config_free(void) {
        char **fields[] = {
                &file_config.tcti, &file_config.state_dir, &file_config.ek_type, &file_config.ak_type,
                &file_config.agent_id, &file_config.registrar_url, &file_config.verifier_url,
                &file_config.ca_file, &file_config.api_version, &file_config.uefi_log, &file_config.ima_log,
                &file_config.tsm_report, &file_config.sev_guest,
        };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                *fields[i] = mfree(*fields[i]);
        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++) {
                file_config.devid_handle[k] = mfree(file_config.devid_handle[k]);
                file_config.devid_certificate[k] = mfree(file_config.devid_certificate[k]);
        }
}

void agent_config_done(void) {
        file_config_free();
}

static void fill(const char **setting, bool from_cmdline, char *file_value) {
        if (!from_cmdline && file_value)
                *setting = file_value;
}

static int devid_config_load(const char *path, AgentConfig *c, const AgentConfigSet *set) {
        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++) {
                const char *kind = devid_kind_to_string(k), *h = file_config.devid_handle[k];
                const char *cert = file_config.devid_certificate[k];

                if (!set->devid_handle[k] && h && tpm_persistent_handle_from_string(h, &c->devid[k].handle) < 0)
                        return log_error_errno(-EINVAL, "%s: %s handle '%s' is not a persistent handle (0x81xxxxxx).",
                                               path, kind, h);
                if (!set->devid_certificate[k] && cert) {
                        if (devid_certificate_source_check(cert) < 0)
                                return log_error_errno(-EINVAL, "%s: %s certificate '%s' is neither an absolute path nor nv:0x01xxxxxx.",
                                                       path, kind, cert);
                        c->devid[k].certificate = cert;
                }
        }
        return 0;
}

/* A certificate for a key that is not configured is a mistake, not a no-op. */
static int agent_config_check(const AgentConfig *c) {
        for (DevIdKind k = 0; k < _DEVID_KIND_MAX; k++)
                if (c->devid[k].certificate && c->devid[k].handle == 0)
                        return log_error_errno(-EINVAL, "An %s certificate is configured, but no %s handle.",
                                               devid_kind_to_string(k), devid_kind_to_string(k));
        return 0;
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
        fill(&c->tsm_report_path, false, file_config.tsm_report);
        fill(&c->sev_guest_device, false, file_config.sev_guest);

        if (!set->ek_type && file_config.ek_type && ek_type_from_string(file_config.ek_type, &c->ek_type) < 0)
                return log_error_errno(-EINVAL, "%s: unknown EKType=%s.", path, file_config.ek_type);
        if (!set->ak_type && file_config.ak_type && ak_type_from_string(file_config.ak_type, &c->ak_type) < 0)
                return log_error_errno(-EINVAL, "%s: unknown AKType=%s.", path, file_config.ak_type);
        r = devid_config_load(path, c, set);
        if (r < 0)
                return r;
        /* From the file or the command line alike. */
        r = agent_url_list_check(c->registrar_url, "Registrar URL");
        if (r < 0)
                return r;
        r = agent_url_list_check(c->verifier_url, "Verifier URL");
        if (r < 0)
                return r;
        return agent_config_check(c);
}
