/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Exit codes shared by every verb. */
enum {
        EXIT_PASS = 0,         /* valid, pass, ok */
        EXIT_VIOLATION = 1,    /* verification failed, policy violated, mismatch */
        EXIT_UNUSABLE = 2,     /* unusable input or usage */
};

/* Options that stand before the verb and apply to all of them. */
typedef struct AttestctlGlobals {
        const char *admin_socket;
        bool admin_socket_set;     /* given on the command line: local even when a URL is configured */
        const char *url, *cert, *key, *cacert;   /* a remote verifier's admin API over mutual TLS */
} AttestctlGlobals;

extern AttestctlGlobals arg_globals;

/* A verb gets argv starting at its own name and returns an exit code. */
typedef int (*VerbFunction)(int argc, char *argv[]);

typedef struct Verb {
        const char *name;
        VerbFunction run;
        const char *summary;
} Verb;

/* Runs the sub-verb of a verb group ("quote verify"), or prints the group's help. */
int dispatch_verbs(const char *group, const Verb *verbs, size_t n_verbs, int argc, char *argv[]);
