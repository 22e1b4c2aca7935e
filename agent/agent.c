/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent.h"
#include "sev-guest.h"
#include "tsm-report.h"
#include "fileio.h"
#include "log.h"
#include "registrar-client.h"

AgentConfig arg_config = {
        .state_dir = AGENT_DEFAULT_STATE_DIR,
        .ek_type = EK_AUTO,
        .ak_type = AK_RSA2048,
        .api_version = "2.1",
        .uefi_log_path = AGENT_DEFAULT_UEFI_LOG,
        .ima_log_path = AGENT_DEFAULT_IMA_LOG,
        .tsm_report_path = TSM_REPORT_DEFAULT_DIRECTORY,
        .sev_guest_device = SEV_GUEST_DEFAULT_DEVICE,
};

typedef struct Verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *summary;
} Verb;

static const Verb verbs[] = {
        { "run",                 verb_run,                 "Run the agent service (the default)" },
        { "identity",            verb_identity,            "Show the EK and AK, and export their public parts" },
        { "quote",               verb_quote,               "Quote PCRs with the AK" },
        { "certify",             verb_certify,             "Certify the AK with itself over a challenge" },
        { "activate-credential", verb_activate_credential, "Activate a credential blob made for this EK and AK" },
        { "register",            verb_register,            "Register with the registrar and activate the AK" },
};

static void help(FILE *f) {
        fprintf(f,
                "Usage: attest-agent [OPTIONS] [VERB [ARGS…]]\n\n"
                "The hostattest agent: owns the TPM identity of this host.\n\nVerbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "  %-22s %s\n", verbs[i].name, verbs[i].summary);
        fprintf(f,
                "\nOptions:\n"
                "  -h --help               Show this help\n"
                "     --version            Show the version\n"
                "     --config FILE        Configuration file (default %s)\n"
                "     --tcti CONF          TPM access (default %s)\n"
                "     --state-directory DIR\n"
                "                          Where the AK is kept (default %s)\n"
                "     --ek-type TYPE       auto, rsa2048, ecc256 or ecc384 (default auto)\n"
                "     --ak-type TYPE       rsa or ecc (default rsa)\n"
                "     --agent-id ID        Node id (default: /etc/machine-id)\n"
                "     --registrar URL      Registrar base URL (https://host:port)\n"
                "     --verifier URL       Verifier base URL\n"
                "     --cacert FILE        CA certificate(s) the servers' TLS certificates must chain to\n"
                "     --api-version V      Registrar API version (default 2.1)\n"
                "     --uefi-log FILE      UEFI event log pushed (default %s)\n"
                "     --ima-log FILE       IMA ascii log pushed (default %s)\n"
                "     --iak-handle H       Persistent handle of the IAK (e.g. 0x81020000)\n"
                "     --idevid-handle H    Persistent handle of the IDevID (e.g. 0x81020001)\n"
                "     --iak-certificate SRC, --idevid-certificate SRC\n"
                "                          Their certificates: DER or PEM file, or nv:INDEX\n"
                "\nSee attest-agent(8).\n",
                AGENT_DEFAULT_CONFIG, TPM_DEFAULT_TCTI, AGENT_DEFAULT_STATE_DIR,
                AGENT_DEFAULT_UEFI_LOG, AGENT_DEFAULT_IMA_LOG);
}

static const char *arg_config_path = AGENT_DEFAULT_CONFIG;
static AgentConfigSet arg_set;

static int parse_devid_handle(DevIdKind k, const char *s) {
        if (tpm_persistent_handle_from_string(s, &arg_config.devid[k].handle) < 0)
                return log_error_errno(-EINVAL, "Invalid %s handle '%s' (expected a persistent handle, 0x81xxxxxx).",
                                       devid_kind_to_string(k), s);
        arg_set.devid_handle[k] = true;
        return 0;
}

static int parse_devid_certificate(DevIdKind k, const char *s) {
        if (devid_certificate_source_check(s) < 0)
                return log_error_errno(-EINVAL, "Invalid %s certificate '%s' (expected an absolute path or nv:0x01xxxxxx).",
                                       devid_kind_to_string(k), s);
        arg_config.devid[k].certificate = s;
        arg_set.devid_certificate[k] = true;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG, ARG_TCTI, ARG_STATE_DIR, ARG_EK_TYPE, ARG_AK_TYPE,
               ARG_AGENT_ID, ARG_REGISTRAR, ARG_VERIFIER, ARG_CA, ARG_API_VERSION, ARG_UEFI_LOG, ARG_IMA_LOG,
               ARG_IAK_HANDLE, ARG_IAK_CERT, ARG_IDEVID_HANDLE, ARG_IDEVID_CERT };
        static const struct option options[] = {
                { "help",        no_argument,       NULL, 'h'             },
                { "version",     no_argument,       NULL, ARG_VERSION     },
                { "config",      required_argument, NULL, ARG_CONFIG      },
                { "tcti",        required_argument, NULL, ARG_TCTI        },
                { "state-directory", required_argument, NULL, ARG_STATE_DIR },
                /* The earlier spelling; attest-verifierd and agent.conf say "directory". */
                { "state-dir",   required_argument, NULL, ARG_STATE_DIR   },
                { "ek-type",     required_argument, NULL, ARG_EK_TYPE     },
                { "ak-type",     required_argument, NULL, ARG_AK_TYPE     },
                { "agent-id",    required_argument, NULL, ARG_AGENT_ID    },
                { "registrar",   required_argument, NULL, ARG_REGISTRAR   },
                { "verifier",    required_argument, NULL, ARG_VERIFIER    },
                { "cacert",      required_argument, NULL, ARG_CA          },
                /* The earlier spelling; attestctl says --cacert. */
                { "ca",          required_argument, NULL, ARG_CA          },
                { "api-version", required_argument, NULL, ARG_API_VERSION },
                { "uefi-log",    required_argument, NULL, ARG_UEFI_LOG    },
                { "ima-log",     required_argument, NULL, ARG_IMA_LOG     },
                { "iak-handle",         required_argument, NULL, ARG_IAK_HANDLE    },
                { "iak-certificate",    required_argument, NULL, ARG_IAK_CERT      },
                { "idevid-handle",      required_argument, NULL, ARG_IDEVID_HANDLE },
                { "idevid-certificate", required_argument, NULL, ARG_IDEVID_CERT   },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(stdout);
                        return 0;
                case ARG_VERSION:
                        puts(PACKAGE_VERSION);
                        return 0;
                case ARG_TCTI:
                        arg_config.tcti = optarg;
                        arg_set.tcti = true;
                        break;
                case ARG_STATE_DIR:
                        arg_config.state_dir = optarg;
                        arg_set.state_dir = true;
                        break;
                case ARG_EK_TYPE:
                        if (ek_type_from_string(optarg, &arg_config.ek_type) < 0)
                                return log_error_errno(-EINVAL, "Unknown EK type '%s'.", optarg);
                        arg_set.ek_type = true;
                        break;
                case ARG_AK_TYPE:
                        if (ak_type_from_string(optarg, &arg_config.ak_type) < 0)
                                return log_error_errno(-EINVAL, "Unknown AK type '%s'.", optarg);
                        arg_set.ak_type = true;
                        break;
                case ARG_CONFIG:
                        arg_config_path = optarg;
                        break;
                case ARG_AGENT_ID:
                        arg_config.agent_id = optarg;
                        arg_set.agent_id = true;
                        break;
                case ARG_REGISTRAR:
                        arg_config.registrar_url = optarg;
                        arg_set.registrar_url = true;
                        break;
                case ARG_VERIFIER:
                        arg_config.verifier_url = optarg;
                        arg_set.verifier_url = true;
                        break;
                case ARG_CA:
                        arg_config.ca_file = optarg;
                        arg_set.ca_file = true;
                        break;
                case ARG_API_VERSION:
                        arg_config.api_version = optarg;
                        arg_set.api_version = true;
                        break;
                case ARG_UEFI_LOG:
                        arg_config.uefi_log_path = optarg;
                        arg_set.uefi_log_path = true;
                        break;
                case ARG_IMA_LOG:
                        arg_config.ima_log_path = optarg;
                        arg_set.ima_log_path = true;
                        break;
                case ARG_IAK_HANDLE:
                case ARG_IDEVID_HANDLE:
                        if (parse_devid_handle(c == ARG_IAK_HANDLE ? DEVID_IAK : DEVID_IDEVID, optarg) < 0)
                                return -EINVAL;
                        break;
                case ARG_IAK_CERT:
                case ARG_IDEVID_CERT:
                        if (parse_devid_certificate(c == ARG_IAK_CERT ? DEVID_IAK : DEVID_IDEVID, optarg) < 0)
                                return -EINVAL;
                        break;
                default:
                        return -EINVAL;
                }
        return 1;
}

int agent_id_get(const AgentConfig *c, char **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        if (c->agent_id) {
                *ret = strdup(c->agent_id);
                return *ret ? 0 : -ENOMEM;
        }
        r = read_full_file("/etc/machine-id", 64, &buf, &size);
        if (r < 0)
                return log_error_errno(r, "No --agent-id given and /etc/machine-id unreadable: %m");
        while (size > 0 && (buf[size - 1] == '\n' || buf[size - 1] == ' '))
                buf[--size] = 0;
        if (size == 0)
                return log_error_errno(-EINVAL, "/etc/machine-id is empty.");
        *ret = (char *) TAKE_PTR(buf);
        return 0;
}

int verb_register(int argc, char *argv[]) {
        _cleanup_agent_identity_ AgentIdentity id = {};
        _cleanup_(registration_done) Registration reg = {};
        _cleanup_free_ char *agent_id = NULL, *registrar = NULL;
        RegistrarClient client = {
                .ca_file = arg_config.ca_file,
                .api_version = arg_config.api_version,
        };

        /* One try, at the first of several registrar URLs (the daemon fails over between them). */
        if (agent_url_pick(arg_config.registrar_url, 0, &registrar) < 0)
                return log_oom(), EXIT_FAILED;
        client.base_url = registrar;
        if (argc != 1) {
                log_error("Usage: attest-agent --registrar URL [--cacert FILE] [--agent-id ID] register");
                return EXIT_USAGE;
        }
        if (!arg_config.registrar_url) {
                log_error("No registrar given (--registrar URL).");
                return EXIT_USAGE;
        }
        if (agent_id_get(&arg_config, &agent_id) < 0)
                return EXIT_USAGE;
        if (agent_identity_open_devid(&arg_config, &id) < 0)
                return EXIT_FAILED;
        if (registrar_register(&client, arg_config.state_dir, agent_id, &id, &reg) < 0)
                return EXIT_FAILED;

        printf("agent_id: %s\nregistration: %s\n", agent_id, reg.reused ? "kept" : "new");
        if (reg.verifier_url)
                printf("verifier_url: %s\n", reg.verifier_url);
        return EXIT_OK;
}

static int dispatch(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        if (agent_config_load(arg_config_path, &arg_config, &arg_set) < 0)
                return EXIT_USAGE;

        if (optind >= argc)
                return verb_run(1, (char *[]) { (char *) "run", NULL });

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(argv[optind], verbs[i].name) == 0) {
                        int verb_argc = argc - optind;
                        char **verb_argv = argv + optind;
                        optind = 0;
                        return verbs[i].run(verb_argc, verb_argv);
                }
        log_error("Unknown verb '%s'; see 'attest-agent --help'.", argv[optind]);
        return EXIT_USAGE;
}

int main(int argc, char *argv[]) {
        int r;

        log_set_target(LOG_TARGET_AUTO);
        log_parse_environment();
        /* TPM errors are reported by the agent with context; the TSS's own
         * stderr lines only when asked for through $TSS2_LOG. */
        (void) setenv("TSS2_LOG", "all+none", false);

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                log_error("Failed to initialise libcurl.");
                return EXIT_FAILED;
        }
        r = dispatch(argc, argv);
        agent_identity_close();
        agent_config_done();
        curl_global_cleanup();
        return r;
}
