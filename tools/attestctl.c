/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-verbs.h"
#include "log.h"
#include "macro.h"

#define DEFAULT_ADMIN_SOCKET "/run/hostattest/verifierd.sock"

AttestctlGlobals arg_globals = {
        .admin_socket = DEFAULT_ADMIN_SOCKET,
};

static const Verb verbs[] = {
        ATTESTCTL_VERBS
        {}
};

static void help(FILE *f) {
        fprintf(f,
                "Usage: attestctl [--admin-socket PATH | --url URL --cert FILE --key FILE [--cacert FILE]] VERB [ARGS…]\n\n"
                "Operate and debug hostattest.\n\n"
                "Verbs:\n");
        for (const Verb *v = verbs; v->name; v++)
                fprintf(f, "  %-22s %s\n", v->name, v->summary);
        fprintf(f,
                "\nOptions:\n"
                "  -h --help                 Show this help\n"
                "     --version              Show the version\n"
                "     --admin-socket PATH    The verifier's admin socket (default %s)\n"
                "     --url https://HOST:PORT\n"
                "                            A remote verifier's admin API, with a client certificate:\n"
                "     --cert FILE, --key FILE, --cacert FILE\n"
                "                            (also [Verifier] in ~/.config/hostattest/attestctl.conf)\n"
                "\nSee attestctl(1).\n", DEFAULT_ADMIN_SOCKET);
}

/* One spelling per verb in help and man page; the other English spelling works too. */
static const char *verb_canonical(const char *name) {
        return strcmp(name, "enroll") == 0 ? "enrol" : name;
}

int dispatch_verbs(const char *group, const Verb *list, size_t n, int argc, char *argv[]) {
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                FILE *f = argc < 2 ? stderr : stdout;
                fprintf(f, "Usage: attestctl %s VERB …\n\n", group);
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "  %-16s %s\n", list[i].name, list[i].summary);
                return argc < 2 ? EXIT_UNUSABLE : EXIT_PASS;
        }
        for (size_t i = 0; i < n; i++)
                if (strcmp(verb_canonical(argv[1]), list[i].name) == 0)
                        return list[i].run(argc - 1, argv + 1);
        log_error("Unknown verb 'attestctl %s %s'; see 'attestctl %s --help'.", group, argv[1], group);
        return EXIT_UNUSABLE;
}

int main(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_ADMIN_SOCKET, ARG_URL, ARG_CERT, ARG_KEY, ARG_CACERT };
        static const struct option options[] = {
                { "help",         no_argument,       NULL, 'h'              },
                { "version",      no_argument,       NULL, ARG_VERSION      },
                { "admin-socket", required_argument, NULL, ARG_ADMIN_SOCKET },
                { "url",          required_argument, NULL, ARG_URL          },
                { "cert",         required_argument, NULL, ARG_CERT         },
                { "key",          required_argument, NULL, ARG_KEY          },
                { "cacert",       required_argument, NULL, ARG_CACERT       },
                {}
        };
        int c;

        log_set_target(LOG_TARGET_STDERR);
        log_parse_environment();

        /* '+' stops at the verb: everything after it belongs to the verb. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help(stdout);
                        return EXIT_PASS;
                case ARG_VERSION:
                        puts(PACKAGE_VERSION);
                        return EXIT_PASS;
                case ARG_ADMIN_SOCKET:
                        arg_globals.admin_socket = optarg;
                        arg_globals.admin_socket_set = true;
                        break;
                case ARG_URL:
                        arg_globals.url = optarg;
                        break;
                case ARG_CERT:
                        arg_globals.cert = optarg;
                        break;
                case ARG_KEY:
                        arg_globals.key = optarg;
                        break;
                case ARG_CACERT:
                        arg_globals.cacert = optarg;
                        break;
                default:
                        return EXIT_UNUSABLE;
                }

        if (arg_globals.admin_socket_set && arg_globals.url) {
                log_error("--admin-socket and --url exclude each other: the verifier is local or remote.");
                return EXIT_UNUSABLE;
        }
        if (optind >= argc) {
                help(stderr);
                return EXIT_UNUSABLE;
        }
        for (const Verb *v = verbs; v->name; v++)
                if (strcmp(verb_canonical(argv[optind]), v->name) == 0) {
                        int verb_argc = argc - optind;
                        char **verb_argv = argv + optind;
                        optind = 0;   /* full getopt reset for the verb's own options */
                        return v->run(verb_argc, verb_argv);
                }
        log_error("Unknown verb '%s'; see 'attestctl --help'.", argv[optind]);
        return EXIT_UNUSABLE;
}
