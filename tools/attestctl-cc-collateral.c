/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl cc collateral check: what a verifier's confidential-computing
 * collateral directory holds, and what of it is missing, expired or unusable,
 * judged by the same reader the verifier loads it with. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "attestctl.h"
#include "attestctl-cc.h"
#include "attestctl-util.h"
#include "cc-collateral.h"
#include "log.h"
#include "push-request.h"

typedef struct CheckArgs {
        const char *directory;
        const char *snp_anchors;
        const char *tdx_anchors;
        const char *at;
        bool json;
} CheckArgs;

static void check_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl cc collateral check DIRECTORY [--snp-trust-anchors FILE]\n"
                "                                     [--tdx-trust-anchors FILE] [--at TIME] [--json]\n\n"
                "Report what a collateral directory ([CC] collateral_directory= of\n"
                "verifierd.conf) holds: each certificate, CRL and TDX collateral with its\n"
                "status (ok, expiring, expired, not-yet-valid, invalid, ignored) and what is\n"
                "missing. Exit 0 when nothing is expired, invalid or missing, 1 otherwise.\n\n"
                "  --snp-trust-anchors FILE  AMD roots as verifierd.conf names them (default: shipped)\n"
                "  --tdx-trust-anchors FILE  Intel root as verifierd.conf names it (default: shipped)\n"
                "  --at TIME                 Judge at this RFC 3339 time (default: now)\n"
                "  --json                    Machine-readable output\n");
}

static void format_day(time_t t, char *buf, size_t size) {
        struct tm tm;

        if (t == 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                (void) snprintf(buf, size, "-");
}

static void print_json(const CcCollateralReport *rep) {
        json_object *o = json_object_new_object(), *items = json_object_new_array();

        for (size_t i = 0; i < rep->n; i++) {
                const CcItem *it = &rep->items[i];
                json_object *j = json_object_new_object();
                char when[32];

                json_object_object_add(j, "path", json_object_new_string(it->path));
                json_object_object_add(j, "kind", json_object_new_string(it->kind));
                json_object_object_add(j, "status", json_object_new_string(cc_item_status_to_string(it->status)));
                json_object_object_add(j, "detail", json_object_new_string(it->detail));
                format_day(it->not_after, when, sizeof when);
                json_object_object_add(j, "expires", it->not_after ? json_object_new_string(when) : NULL);
                json_object_array_add(items, j);
        }
        json_object_object_add(o, "ok", json_object_new_boolean(!cc_collateral_report_has_problems(rep)));
        json_object_object_add(o, "items", items);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

static void print_table(const CcCollateralReport *rep) {
        printf("%-13s %-14s %-20s %s\n", "STATUS", "KIND", "EXPIRES", "PATH — DETAIL");
        for (size_t i = 0; i < rep->n; i++) {
                const CcItem *it = &rep->items[i];
                char when[32];

                format_day(it->not_after, when, sizeof when);
                printf("%-13s %-14s %-20s %s — %s\n", cc_item_status_to_string(it->status), it->kind, when, it->path,
                       it->detail);
        }
}

static int verb_collateral_check(int argc, char *argv[]) {
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        CcCollateralReport rep = {};
        CheckArgs a = {};
        const VerbOption options[] = {
                { "snp-trust-anchors", &a.snp_anchors },
                { "tdx-trust-anchors", &a.tdx_anchors },
                { "at",                &a.at          },
                { "json",              .flag = &a.json },
                {}
        };
        uint64_t at;
        int first, r, ret;

        first = attestctl_parse_options(argc, argv, options, check_help);
        if (first <= 0)
                return first < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (first + 1 != argc) {
                log_error("Expected exactly one DIRECTORY; see 'attestctl cc collateral check --help'.");
                return EXIT_UNUSABLE;
        }
        a.directory = argv[first];
        if (a.at && push_parse_rfc3339(a.at, &at) < 0) {
                log_error("--at must be an RFC 3339 time such as 2025-01-31T12:00:00Z.");
                return EXIT_UNUSABLE;
        }
        /* A directory that is not there is a mistake here, though the verifier starts without one. */
        if (access(a.directory, R_OK | X_OK) < 0) {
                log_error_errno(-errno, "Cannot read %s: %m", a.directory);
                return EXIT_UNUSABLE;
        }
        log_set_max_level(LOG_ERR);     /* the report says it all, once */
        r = cc_collateral_load(a.directory, a.snp_anchors, a.tdx_anchors, a.at ? (time_t) at : time(NULL), &t, &rep);
        if (r < 0) {
                cc_collateral_report_done(&rep);
                return EXIT_UNUSABLE;
        }
        if (a.json)
                print_json(&rep);
        else
                print_table(&rep);
        ret = cc_collateral_report_has_problems(&rep) ? EXIT_VIOLATION : EXIT_PASS;
        cc_collateral_report_done(&rep);
        return ret;
}

static int verb_collateral(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "check", verb_collateral_check, "Report present, missing and expired collateral" },
        };
        return dispatch_verbs("cc collateral", verbs, ELEMENTSOF(verbs), argc, argv);
}

int verb_cc(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "collateral", verb_collateral, "Inspect the verifier's confidential-computing collateral" },
        };
        return dispatch_verbs("cc", verbs, ELEMENTSOF(verbs), argc, argv);
}
