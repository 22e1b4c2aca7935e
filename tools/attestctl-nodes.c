/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attestctl.h"
#include "attestctl-admin.h"
#include "attestctl-fleet.h"
#include "attestctl-util.h"
#include "attest-limits.h"
#include "attestctl-nodes.h"
#include "conf-parser.h"
#include "json-util.h"
#include "log.h"
#include "parse-util.h"
#include "registration-request.h"

static const char *str_of(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return "-";
        return json_object_get_string(v);
}

/* --json, --ear when ear is given (and --help); returns the index of the first
 * positional argument or < 0. */
static int parse_flags(int argc, char *argv[], const char *usage, bool *json, bool *ear) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                { "ear",  no_argument, NULL, 'e' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: %s\n", usage);
                        return -EALREADY;
                case 'j':
                        *json = true;
                        break;
                case 'e':
                        if (!ear)
                                return -EINVAL;
                        *ear = true;
                        break;
                default:
                        return -EINVAL;
                }
        return optind;
}

static int compare_ek_digest(const void *a, const void *b) {
        return strcmp(str_of(*(json_object *const *) a, "ek_digest"), str_of(*(json_object *const *) b, "ek_digest"));
}

/* One line per EK that more than one node id holds: one TPM, several ids (a
 * reinstalled host, or a copied identity). Sorted by EK so that it scales. */
static int print_shared_eks(json_object *nodes) {
        size_t n = json_object_array_length(nodes);
        _cleanup_free_ json_object **by_ek = calloc(n ?: 1, sizeof *by_ek);

        if (!by_ek)
                return log_oom();
        for (size_t i = 0; i < n; i++)
                by_ek[i] = json_object_array_get_idx(nodes, i);
        qsort(by_ek, n, sizeof *by_ek, compare_ek_digest);
        for (size_t i = 0, j; i < n; i = j) {
                for (j = i + 1; j < n && compare_ek_digest(by_ek + i, by_ek + j) == 0; j++)
                        ;
                if (j - i < 2 || strcmp(str_of(by_ek[i], "ek_digest"), "-") == 0)
                        continue;
                printf("One EK, %zu nodes:", j - i);
                for (size_t k = i; k < j; k++)
                        printf(" %s", str_of(by_ek[k], "agent_id"));
                printf("\n");
        }
        return 0;
}

int verb_nodes(int argc, char *argv[]) {
        _cleanup_json_ json_object *results = NULL, *nodes = NULL;
        NodesArgs a = {};
        json_object *all;
        int r;

        r = nodes_parse_args(argc, argv, &a);
        if (r < 0)
                return r == -EALREADY ? EXIT_PASS : EXIT_UNUSABLE;
        if (a.summary)
                return nodes_summary(a.json);
        r = admin_call("GET", "/admin/v1/nodes", NULL, 0, &results);
        if (r != EXIT_PASS)
                return r;
        if (!json_object_object_get_ex(results, "nodes", &all))
                return log_error("Unexpected answer from the verifier."), EXIT_UNUSABLE;
        nodes = nodes_filter(all, &a);
        if (!nodes)
                return log_oom(), EXIT_UNUSABLE;
        if (a.json) {
                attestctl_print_json(nodes);
                return EXIT_PASS;
        }
        printf("%-36s %-11s %-8s %-8s %s\n", "NODE", "STATE", "VERDICT", "PASSED", "LAST ATTESTATION");
        for (size_t i = 0; i < json_object_array_length(nodes); i++) {
                json_object *n = json_object_array_get_idx(nodes, i);
                printf("%-36s %-11s %-8s %-8s %s\n", str_of(n, "agent_id"), str_of(n, "state"), str_of(n, "verdict"),
                       str_of(n, "attestations_passed"), str_of(n, "last_attestation"));
        }
        if (print_shared_eks(nodes) < 0)
                return EXIT_UNUSABLE;
        return EXIT_PASS;
}

static int node_path(const char *id, const char *suffix, char **ret) {
        if (!agent_id_is_valid(id)) {
                log_error("Invalid node id '%s'.", id);
                return EXIT_UNUSABLE;
        }
        if (asprintf(ret, "/admin/v1/nodes/%s%s", id, suffix) < 0)
                return log_oom(), EXIT_UNUSABLE;
        return 0;
}

static void print_policy_object(const char *label, json_object *p) {
        if (!p || !json_object_is_type(p, json_type_object)) {
                printf("%20s: -\n", label);
                return;
        }
        printf("%20s: %s%s%s%s\n", label, str_of(p, "digest"), strcmp(str_of(p, "name"), "-") ? " (" : "",
               strcmp(str_of(p, "name"), "-") ? str_of(p, "name") : "", strcmp(str_of(p, "name"), "-") ? ")" : "");
}

static void print_policy(const char *label, json_object *n, const char *key) {
        json_object *p = NULL;
        (void) json_object_object_get_ex(n, key, &p);
        print_policy_object(label, p);
}

/* Policies for other engines, one line each: "Policy (exec): <digest> (name)". */
static void print_engine_policies(json_object *n) {
        json_object *all;
        char label[64];

        if (!json_object_object_get_ex(n, "policies", &all) || !json_object_is_type(all, json_type_object))
                return;
        json_object_object_foreach(all, engine, p) {
                (void) snprintf(label, sizeof label, "Policy (%s)", engine);
                print_policy_object(label, p);
        }
}

/* The other node ids registered with this node's EK. */
static void print_shared_ek(json_object *n) {
        json_object *a;
        size_t k;

        if (!json_object_object_get_ex(n, "ek_shared_with", &a) || !json_object_is_type(a, json_type_array))
                return;
        k = json_object_array_length(a);
        printf("%20s:%s", "EK shared with", k == 0 ? " -" : "");
        for (size_t i = 0; i < k; i++)
                printf(" %s", json_object_get_string(json_object_array_get_idx(a, i)));
        printf("\n");
}

/* The latest push attestation: result, reason and each failure. */
static void print_latest(json_object *n) {
        json_object *a, *f, *ctx;

        if (!json_object_object_get_ex(n, "latest_attestation", &a)) {
                printf("%20s: -\n", "Last result");
                return;
        }
        printf("%20s: %s", "Last result", str_of(a, "evaluation"));
        if (strcmp(str_of(a, "failure_reason"), "-") != 0)
                printf(" (%s)", str_of(a, "failure_reason"));
        printf(", attestation %s at %s\n", str_of(a, "index"), str_of(a, "updated_at"));
        if (json_object_object_get_ex(a, "validation", &ctx))
                printf("%20s: %s\n", "Detail", str_of(ctx, "detail"));
        if (!json_object_object_get_ex(a, "failures", &f) || !json_object_is_type(f, json_type_array))
                return;
        for (size_t i = 0; i < json_object_array_length(f); i++) {
                json_object *e = json_object_array_get_idx(f, i);
                printf("%20s  %s [%s]", i == 0 ? "Failures:" : "", str_of(e, "id"), str_of(e, "severity"));
                if (json_object_object_get_ex(e, "context", &ctx) && !json_object_is_type(ctx, json_type_null))
                        printf(" %s", json_object_to_json_string_ext(ctx, JSON_TEXT_PLAIN));
                printf("\n");
        }
}

/* The signed result (EAR) of the latest attestation, for a relying party. */
static int print_ear(json_object *n) {
        json_object *a, *ear;

        if (!json_object_object_get_ex(n, "latest_attestation", &a) || !json_object_object_get_ex(a, "ear", &ear) ||
            !json_object_is_type(ear, json_type_string))
                return log_error("Node %s has no signed result yet.", str_of(n, "agent_id")), EXIT_VIOLATION;
        puts(json_object_get_string(ear));
        return EXIT_PASS;
}

int verb_status(int argc, char *argv[]) {
        _cleanup_json_ json_object *n = NULL;
        _cleanup_free_ char *path = NULL;
        static const char *const fields[][2] = {
                { "Node", "agent_id" }, { "State", "state" }, { "Verdict", "verdict" },
                { "Registered", "registered_at" }, { "Activated", "activated_at" }, { "Enrolled", "enrolled_at" },
                { "Last attestation", "last_attestation" }, { "Attested by", "attested_by" },
                { "Passed", "attestations_passed" },
                { "Attest count", "attest_count" }, { "Interval (s)", "interval" },
                { "Failure actions", "failure_actions" }, { "Registrations", "regcount" },
        };
        bool json = false, ear = false;
        int r;

        r = parse_flags(argc, argv, "attestctl status NODE [--json|--ear]", &json, &ear);
        if (r < 0)
                return r == -EALREADY ? EXIT_PASS : EXIT_UNUSABLE;
        if (r != argc - 1)
                return log_error("Usage: attestctl status NODE [--json|--ear]"), EXIT_UNUSABLE;
        r = node_path(argv[r], "", &path);
        if (r != 0)
                return r;
        r = admin_call("GET", path, NULL, 0, &n);
        if (r != EXIT_PASS)
                return r;
        if (ear)
                return print_ear(n);
        if (json) {
                attestctl_print_json(n);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                printf("%20s: %s\n", fields[i][0], str_of(n, fields[i][1]));
        print_policy("TPM policy", n, "tpm_policy");
        print_policy("Boot policy", n, "boot_policy");
        print_policy("Runtime policy", n, "runtime_policy");
        print_engine_policies(n);
        print_shared_ek(n);
        print_latest(n);
        return EXIT_PASS;
}

/* FILE|NAME: an existing file or anything with a '/' is a file, else a stored name. */
static int add_policy_arg(json_object *body, const char *kind, const char *arg) {
        char key[40];
        struct stat st;

        if (!*arg)
                return log_error_errno(-EINVAL, "--%s-policy needs a file or a policy name; to detach the %s policy "
                                       "use --no-policy %s.", kind, kind, kind);
        if (strchr(arg, '/') || stat(arg, &st) == 0) {
                _cleanup_free_ char *content = NULL;
                size_t size;
                if (attestctl_read_file(arg, HTTP_ADMIN_BODY_MAX, "policy", (uint8_t **) &content, &size) < 0)
                        return -EINVAL;
                (void) snprintf(key, sizeof key, "%s_policy", kind);
                return json_add_string(body, key, content);
        }
        (void) snprintf(key, sizeof key, "%s_policy_name", kind);
        return json_add_string(body, key, arg);
}

/* --no-policy tpm|boot|runtime: "<kind>_policy": null. */
static int detach_policy(json_object *body, const char *kind) {
        char key[40];

        (void) snprintf(key, sizeof key, "%s_policy", kind);
        return json_object_object_add(body, key, NULL) < 0 ? log_oom() : 0;
}

/* --policy ENGINE=FILE|NAME and --no-policy ENGINE: body.policies.ENGINE. */
static int add_engine_policy(json_object *body, const char *arg, bool remove) {
        _cleanup_free_ char *engine = NULL;
        const char *eq = remove ? NULL : strchr(arg, '=');
        json_object *policies, *spec;
        struct stat st;

        if (remove && (strcmp(arg, "tpm") == 0 || strcmp(arg, "boot") == 0 || strcmp(arg, "runtime") == 0))
                return detach_policy(body, arg);
        if (remove && !*arg)
                return log_error_errno(-EINVAL, "--no-policy takes tpm, boot, runtime or an engine name.");
        if (!remove && (!eq || eq == arg || !eq[1]))
                return log_error_errno(-EINVAL, "--policy takes ENGINE=FILE or ENGINE=NAME, not '%s'.", arg);
        engine = eq ? strndup(arg, (size_t) (eq - arg)) : strdup(arg);
        if (!engine)
                return log_oom();
        if (!json_object_object_get_ex(body, "policies", &policies)) {
                policies = json_object_new_object();
                if (!policies || json_object_object_add(body, "policies", policies) < 0)
                        return log_oom();
        }
        if (remove)
                return json_object_object_add(policies, engine, NULL) < 0 ? log_oom() : 0;
        spec = json_object_new_object();
        if (!spec || json_object_object_add(policies, engine, spec) < 0)
                return log_oom();
        if (strchr(eq + 1, '/') || stat(eq + 1, &st) == 0) {
                _cleanup_free_ char *content = NULL;
                size_t size;
                if (attestctl_read_file(eq + 1, HTTP_ADMIN_BODY_MAX, "policy", (uint8_t **) &content, &size) < 0)
                        return -EINVAL;
                return json_add_string(spec, "content", content);
        }
        return json_add_string(spec, "name", eq + 1);
}

static int parse_enrol_args(int argc, char *argv[], json_object *body, const char **ret_id) {
        enum { ARG_TPM = 0x100, ARG_BOOT, ARG_RUNTIME, ARG_COUNT, ARG_INTERVAL, ARG_POLICY, ARG_NO_POLICY, ARG_FORCE };
        static const struct option options[] = {
                { "help",           no_argument,       NULL, 'h'         },
                { "tpm-policy",     required_argument, NULL, ARG_TPM     },
                { "boot-policy",    required_argument, NULL, ARG_BOOT    },
                { "runtime-policy", required_argument, NULL, ARG_RUNTIME },
                { "attest-count",   required_argument, NULL, ARG_COUNT   },
                { "interval",       required_argument, NULL, ARG_INTERVAL },
                { "policy",         required_argument, NULL, ARG_POLICY  },
                { "no-policy",      required_argument, NULL, ARG_NO_POLICY },
                { "force",          no_argument,       NULL, ARG_FORCE   },
                {}
        };
        bool update = strcmp(argv[0], "update") == 0;
        uint64_t v;
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        printf("Usage: attestctl %s NODE [--tpm-policy FILE|NAME] [--boot-policy FILE|NAME]\n"
                               "       [--runtime-policy FILE|NAME] [--policy ENGINE=FILE|NAME]…\n"
                               "       [--no-policy tpm|boot|runtime|ENGINE]… [--attest-count N] [--interval TIME]%s\n",
                               argv[0], update ? "" : " [--force]");
                        return -EALREADY;
                case ARG_TPM:
                        r = add_policy_arg(body, "tpm", optarg);
                        break;
                case ARG_BOOT:
                        r = add_policy_arg(body, "boot", optarg);
                        break;
                case ARG_RUNTIME:
                        r = add_policy_arg(body, "runtime", optarg);
                        break;
                case ARG_FORCE:
                        if (update)
                                return log_error_errno(-EINVAL, "--force is for enrol: update never resets a node.");
                        r = json_add_bool(body, "force", true);
                        break;
                case ARG_POLICY:
                case ARG_NO_POLICY:
                        r = add_engine_policy(body, optarg, c == ARG_NO_POLICY);
                        break;
                case ARG_COUNT:
                        if (safe_atou64(optarg, &v) < 0 || v > INT64_MAX)
                                return log_error_errno(-EINVAL, "Invalid --attest-count '%s': a number, 0 for no limit.",
                                                       optarg);
                        r = json_add_int(body, "attest_count", (int64_t) v);
                        break;
                case ARG_INTERVAL:
                        /* As tenant.conf's interval=: "30", "30s", "5min", "2h". */
                        if (config_parse_sec(optarg, &v) < 0 || v == 0 || v > INT64_MAX)
                                return log_error_errno(-EINVAL, "Invalid --interval '%s': a duration of at least 1s, "
                                                       "e.g. 30s, 5min or 2h.", optarg);
                        r = json_add_int(body, "interval", (int64_t) v);
                        break;
                default:
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
        }
        if (optind != argc - 1)
                return log_error_errno(-EINVAL, "Usage: attestctl %s NODE [OPTIONS…]", argv[0]);
        if (update && json_object_object_length(body) == 0)
                return log_error_errno(-EINVAL, "Nothing to change for node %s: give a policy option, --no-policy, "
                                       "--attest-count or --interval.", argv[optind]);
        *ret_id = argv[optind];
        return 0;
}

int verb_enrol(int argc, char *argv[]) {
        _cleanup_json_ json_object *body = json_object_new_object(), *n = NULL;
        _cleanup_free_ char *path = NULL;
        const char *id = NULL, *text;
        bool update = strcmp(argv[0], "update") == 0;
        int r;

        if (!body)
                return log_oom(), EXIT_UNUSABLE;
        r = parse_enrol_args(argc, argv, body, &id);
        if (r < 0)
                return r == -EALREADY ? EXIT_PASS : EXIT_UNUSABLE;
        r = node_path(id, update ? "/update" : "/enrol", &path);
        if (r != 0)
                return r;
        text = json_object_to_json_string_ext(body, JSON_TEXT_PLAIN);
        r = admin_call("POST", path, text, strlen(text), &n);
        if (r != EXIT_PASS)
                return r;
        printf("Node %s is %s.\n", id, str_of(n, "state"));
        return EXIT_PASS;
}

int verb_node_action(int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL;
        const char *action = argv[0];
        bool remove = strcmp(action, "remove") == 0;
        long status = 0;
        int r;

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("Usage: attestctl %s NODE\n", action);
                return EXIT_PASS;
        }
        if (argc != 2)
                return log_error("Usage: attestctl %s NODE", action), EXIT_UNUSABLE;
        r = node_path(argv[1], remove ? "" : strcmp(action, "stop") == 0 ? "/stop" : "/reactivate", &path);
        if (r != 0)
                return r;
        /* Idempotent as systemctl's stop: removing a node that is gone is done already. */
        r = admin_call_expect(remove ? "DELETE" : "POST", path, remove ? NULL : "{}", remove ? 0 : 2, remove ? 404 : 0,
                              &status, NULL);
        if (r == EXIT_PASS && status == 404)
                printf("Node %s does not exist (removed already).\n", argv[1]);
        else if (r == EXIT_PASS)
                printf("Node %s %s.\n", argv[1], remove ? "removed" : strcmp(action, "stop") == 0 ? "stopped" : "reactivated");
        return r;
}
