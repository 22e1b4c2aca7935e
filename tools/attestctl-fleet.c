/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fleet over time and at a glance: attestctl history, attestctl nodes
 * --summary and the --state/--verdict filters of attestctl nodes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "attestctl.h"
#include "attestctl-admin.h"
#include "attestctl-fleet.h"
#include "attestctl-util.h"
#include "conf-parser.h"
#include "json-util.h"
#include "log.h"
#include "parse-util.h"
#include "registration-request.h"

static const char *str_or_dash(json_object *o, const char *key) {
        json_object *v;
        return json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null) ? json_object_get_string(v) : "-";
}

static void nodes_help(FILE *f) {
        fprintf(f, "Usage: attestctl nodes [--summary | --state STATE --verdict VERDICT] [--json]\n");
}

int nodes_parse_args(int argc, char *argv[], NodesArgs *a) {
        const VerbOption options[] = {
                { "json",    .flag = &a->json    },
                { "summary", .flag = &a->summary },
                { "state",   &a->state           },
                { "verdict", &a->verdict         },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, nodes_help);
        if (first <= 0)
                return first < 0 ? first : -EALREADY;
        if (first != argc) {
                log_error("'nodes' takes no arguments.");
                return -EINVAL;
        }
        if (a->summary && (a->state || a->verdict)) {
                log_error("--summary counts all nodes; it takes no filter.");
                return -EINVAL;
        }
        return 0;
}

/* The value of a node's member as the filter sees it: a node without a verdict has NONE. */
static bool matches(json_object *n, const char *key, const char *want) {
        const char *v = str_or_dash(n, key);

        if (!want)
                return true;
        return strcasecmp(strcmp(v, "-") == 0 ? "NONE" : v, want) == 0;
}

json_object *nodes_filter(json_object *nodes, const NodesArgs *a) {
        json_object *out = json_object_new_array();

        for (size_t i = 0; out && i < json_object_array_length(nodes); i++) {
                json_object *n = json_object_array_get_idx(nodes, i);
                if (matches(n, "state", a->state) && matches(n, "verdict", a->verdict))
                        (void) json_object_array_add(out, json_object_get(n));
        }
        return out;
}

static void print_counts(const char *title, json_object *counts) {
        printf("%s:\n", title);
        json_object_object_foreach(counts, key, v)
                printf("  %-12s %s\n", key, json_object_get_string(v));
}

int nodes_summary(bool json) {
        _cleanup_json_ json_object *results = NULL;
        json_object *by_state, *by_verdict;
        int r;

        r = admin_call("GET", "/admin/v1/summary", NULL, 0, &results);
        if (r != EXIT_PASS)
                return r;
        if (!json_object_object_get_ex(results, "by_state", &by_state) ||
            !json_object_object_get_ex(results, "by_verdict", &by_verdict))
                return log_error("Unexpected answer from the verifier."), EXIT_UNUSABLE;
        if (json) {
                attestctl_print_json(results);
                return EXIT_PASS;
        }
        printf("Nodes: %s\n", str_or_dash(results, "total"));
        print_counts("By state", by_state);
        print_counts("By verdict", by_verdict);
        return EXIT_PASS;
}

typedef struct HistoryArgs {
        const char *node;
        uint64_t limit;
        uint64_t since_usec;
        bool json;
} HistoryArgs;

/* TIME: "@SECONDS" since the epoch, "YYYY-MM-DD[THH:MM[:SS]][Z]" in UTC, or a
 * duration ("2h", "30min") meaning that long ago. */
static int parse_since(const char *s, uint64_t *ret_usec) {
        static const char *const formats[] = { "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
                                               "%Y-%m-%dT%H:%M", "%Y-%m-%d" };
        uint64_t sec;
        struct tm tm;

        if (s[0] == '@')
                return safe_atou64(s + 1, &sec) < 0 ? -EINVAL : (*ret_usec = sec * 1000000u, 0);
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                const char *end;
                tm = (struct tm) {};
                end = strptime(s, formats[i], &tm);
                if (end && *end == '\0') {
                        *ret_usec = (uint64_t) timegm(&tm) * 1000000u;
                        return 0;
                }
        }
        if (config_parse_sec(s, &sec) < 0 || sec > (uint64_t) time(NULL))
                return -EINVAL;
        *ret_usec = ((uint64_t) time(NULL) - sec) * 1000000u;
        return 0;
}

static void history_help(FILE *f) {
        fprintf(f, "Usage: attestctl history NODE [--limit N] [--since TIME] [--json]\n");
}

static int history_parse_args(int argc, char *argv[], HistoryArgs *a) {
        const char *limit = NULL, *since = NULL;
        const VerbOption options[] = {
                { "limit", &limit         },
                { "since", &since         },
                { "json",  .flag = &a->json },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, history_help);
        if (first <= 0)
                return first < 0 ? first : -EALREADY;
        if (limit && (safe_atou64(limit, &a->limit) < 0 || a->limit == 0))
                return log_error_errno(-EINVAL, "--limit takes a positive number: %s", limit);
        if (since && parse_since(since, &a->since_usec) < 0)
                return log_error_errno(-EINVAL, "--since takes @SECONDS, YYYY-MM-DD[THH:MM[:SS]][Z] "
                                       "or a duration like 2h: %s", since);
        if (first != argc - 1)
                return log_error_errno(-EINVAL, "Usage: attestctl history NODE [--limit N] [--since TIME] [--json]");
        a->node = argv[first];
        if (!agent_id_is_valid(a->node))
                return log_error_errno(-EINVAL, "Invalid node id '%s'.", a->node);
        return 0;
}

/* One line: time, verdict, failure ids, then each policy's engine, digest prefix and status. */
static void print_entry(json_object *e) {
        json_object *f, *p;
        size_t printed = 0;

        printf("%-8s %-32s %-5s ", str_or_dash(e, "index"), str_or_dash(e, "time"), str_or_dash(e, "evaluation"));
        if (json_object_object_get_ex(e, "failures", &f))
                for (size_t i = 0; i < json_object_array_length(f); i++, printed++)
                        printf("%s%s", printed ? "," : "", json_object_get_string(json_object_array_get_idx(f, i)));
        printf("%s", printed ? " " : "- ");
        if (json_object_object_get_ex(e, "policies", &p))
                for (size_t i = 0; i < json_object_array_length(p); i++) {
                        json_object *x = json_object_array_get_idx(p, i);
                        printf(" %s:%.12s", str_or_dash(x, "engine"), str_or_dash(x, "policy"));
                }
        printf("\n");
}

int verb_history(int argc, char *argv[]) {
        _cleanup_json_ json_object *results = NULL;
        _cleanup_free_ char *path = NULL;
        HistoryArgs a = { .limit = 20 };
        json_object *l;
        int r;

        r = history_parse_args(argc, argv, &a);
        if (r < 0)
                return r == -EALREADY ? EXIT_PASS : EXIT_UNUSABLE;
        if (asprintf(&path, "/admin/v1/nodes/%s/history?limit=%llu&since=%llu", a.node, (unsigned long long) a.limit,
                     (unsigned long long) a.since_usec) < 0)
                return log_oom(), EXIT_UNUSABLE;
        r = admin_call("GET", path, NULL, 0, &results);
        if (r != EXIT_PASS)
                return r;
        if (!json_object_object_get_ex(results, "attestations", &l) || !json_object_is_type(l, json_type_array))
                return log_error("Unexpected answer from the verifier."), EXIT_UNUSABLE;
        if (a.json) {
                attestctl_print_json(l);
                return EXIT_PASS;
        }
        printf("%-8s %-32s %-5s %s  %s\n", "INDEX", "TIME", "RESULT", "FAILURES", "POLICIES");
        for (size_t i = 0; i < json_object_array_length(l); i++)
                print_entry(json_object_array_get_idx(l, i));
        return EXIT_PASS;
}
