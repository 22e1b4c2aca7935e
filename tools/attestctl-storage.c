/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl storage copy: moves a stopped verifier's whole state into another
 * storage, e.g. from the embedded SQLite database into the PostgreSQL database
 * that several instances share. Works on the databases, not through a verifier. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-util.h"
#include "attestctl-verbs.h"
#include "log.h"
#include "storage-copy.h"

#define STORAGE_COPY_USAGE "storage copy --from sqlite:PATH|URL --to sqlite:PATH|URL"

static int verb_storage_copy(int argc, char *argv[]) {
        static const struct option options[] = {
                { "from", required_argument, NULL, 'f' },
                { "to",   required_argument, NULL, 't' },
                {}
        };
        _cleanup_(storage_closep) Storage *from = NULL, *to = NULL;
        const char *from_spec = NULL, *to_spec = NULL;
        StorageCopyStats stats = {};
        int c, r;

        if (attestctl_help_requested(argc, argv, STORAGE_COPY_USAGE))
                return EXIT_PASS;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'f': from_spec = optarg; break;
                case 't': to_spec = optarg; break;
                default: return EXIT_UNUSABLE;
                }
        if (optind != argc || !from_spec || !to_spec)
                return log_error("Usage: attestctl " STORAGE_COPY_USAGE), EXIT_UNUSABLE;
        if (strcmp(from_spec, to_spec) == 0)
                return log_error("--from and --to name the same storage."), EXIT_UNUSABLE;

        /* Passwords come from libpq's own files or PGPASSWORD, never from the command line. */
        r = storage_open_location(from_spec, NULL, &from);
        if (r < 0)
                return log_error_errno(r, "Failed to open %s: %m", from_spec), EXIT_UNUSABLE;
        r = storage_open_location(to_spec, NULL, &to);
        if (r < 0)
                return log_error_errno(r, "Failed to open the target storage: %m"), EXIT_UNUSABLE;
        r = storage_copy(from, to, &stats);
        if (r == -ENOTEMPTY)
                return log_error("The target storage holds nodes, policies or the keys of a verifier that ran on it "
                                 "already: refusing to copy into it."), EXIT_VIOLATION;
        if (r < 0)
                return log_error_errno(r, "Copy failed (the target may be partly filled: empty it before trying again): %m"),
                       EXIT_VIOLATION;
        printf("Copied %zu nodes, %zu named policies, %zu attestations, %zu history events, %zu secrets and %zu keys.\n",
               stats.nodes, stats.policies, stats.attestations, stats.events, stats.secrets, stats.keys);
        return EXIT_PASS;
}

int verb_storage(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "copy", verb_storage_copy, "Copy a stopped verifier's state into an empty storage" },
        };
        return dispatch_verbs("storage", verbs, ELEMENTSOF(verbs), argc, argv);
}
