/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-admin.h"
#include "attestctl-util.h"
#include "attest-limits.h"
#include "attestctl-policy.h"
#include "json-util.h"
#include "log.h"

/* Policies stored in the verifier: KIND is tpm, boot, runtime or the name of
 * another policy engine (e.g. exec); the verifier says whether it is loaded. */

static bool kind_is_valid(const char *kind) {
        size_t n = strlen(kind);

        if (strcmp(kind, "mb") == 0 || strcmp(kind, "ima") == 0)
                return false;           /* their policies are the boot and runtime kinds */
        return n > 0 && n <= 32 && kind[0] >= 'a' && kind[0] <= 'z' &&
               strspn(kind, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int policy_path(const char *kind, const char *name, char **ret) {
        if (!kind_is_valid(kind)) {
                log_error("Unknown policy kind '%s' (tpm, boot, runtime or an engine name; mb and ima are boot and runtime).",
                          kind);
                return EXIT_UNUSABLE;
        }
        /* The verifier's rule, checked here so that the name never reaches the URL. */
        size_t n = strlen(name);
        if (n == 0 || n > 64 || name[0] == '.' ||
            strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
                log_error("Invalid policy name '%s': use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-', "
                          "not starting with '.'.", name);
                return EXIT_UNUSABLE;
        }
        if (asprintf(ret, "/admin/v1/policies/%s/%s", kind, name) < 0)
                return log_oom(), EXIT_UNUSABLE;
        return 0;
}

static bool wants_help(int argc, char *argv[]) {
        return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

/* policy add (PUT: a new name) and policy update (POST: new content for a name). */
int verb_policy_add(int argc, char *argv[]) {
        _cleanup_json_ json_object *results = NULL;
        _cleanup_free_ char *path = NULL, *content = NULL;
        bool update = strcmp(argv[0], "update") == 0;
        size_t size;
        int r;

        if (wants_help(argc, argv) || argc != 4) {
                fprintf(wants_help(argc, argv) ? stdout : stderr, "Usage: attestctl policy %s KIND NAME FILE\n", argv[0]);
                return wants_help(argc, argv) ? EXIT_PASS : EXIT_UNUSABLE;
        }
        r = policy_path(argv[1], argv[2], &path);
        if (r != 0)
                return r;
        if (attestctl_read_file(argv[3], HTTP_ADMIN_BODY_MAX, "policy", (uint8_t **) &content, &size) < 0)
                return EXIT_UNUSABLE;
        r = admin_call(update ? "POST" : "PUT", path, content, size, &results);
        if (r != EXIT_PASS)
                return r;
        if (update) {
                json_object *n = NULL;
                (void) json_object_object_get_ex(results, "nodes", &n);
                printf("Updated %s policy '%s': %s node(s) use it from their next attestation.\n", argv[1], argv[2],
                       n ? json_object_get_string(n) : "?");
        } else
                printf("Stored %s policy '%s'.\n", argv[1], argv[2]);
        return EXIT_PASS;
}

int verb_policy_list(int argc, char *argv[]) {
        _cleanup_json_ json_object *results = NULL;
        json_object *l;
        bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
        int r;

        if (wants_help(argc, argv)) {
                printf("Usage: attestctl policy list [--json]\n");
                return EXIT_PASS;
        }
        if (argc > 2 || (argc == 2 && !json)) {
                fprintf(stderr, "Usage: attestctl policy list [--json]\n");
                return EXIT_UNUSABLE;
        }
        r = admin_call("GET", "/admin/v1/policies", NULL, 0, &results);
        if (r != EXIT_PASS)
                return r;
        if (!json_object_object_get_ex(results, "policies", &l))
                return log_error("Unexpected answer from the verifier."), EXIT_UNUSABLE;
        if (json) {
                attestctl_print_json(l);
                return EXIT_PASS;
        }
        printf("%-8s %-24s %-12s %-6s %s\n", "KIND", "NAME", "SIZE", "NODES", "SHA256");
        for (size_t i = 0; i < json_object_array_length(l); i++) {
                json_object *p = json_object_array_get_idx(l, i), *k, *n, *s, *c, *d;
                if (!json_object_object_get_ex(p, "kind", &k) || !json_object_object_get_ex(p, "name", &n) ||
                    !json_object_object_get_ex(p, "size", &s) || !json_object_object_get_ex(p, "nodes", &c) ||
                    !json_object_object_get_ex(p, "digest", &d))
                        continue;
                printf("%-8s %-24s %-12s %-6s %s\n", json_object_get_string(k), json_object_get_string(n),
                       json_object_get_string(s), json_object_get_string(c), json_object_get_string(d));
        }
        return EXIT_PASS;
}

/* The content, after the digest and the nodes that use the name; --content
 * prints the content alone (to edit and update it), --json the rest. */
int verb_policy_show(int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL, *nodes_path = NULL, *body = NULL;
        _cleanup_json_ json_object *info = NULL;
        bool content_only = false, json = false;
        json_object *nodes = NULL;
        int r;

        for (; argc > 1 && argv[1][0] == '-' && !wants_help(argc, argv); argc--, argv++)
                if (strcmp(argv[1], "--content") == 0)
                        content_only = true;
                else if (strcmp(argv[1], "--json") == 0)
                        json = true;
                else
                        return log_error("Unknown option '%s' of policy show.", argv[1]), EXIT_UNUSABLE;
        if (argc != 3 || (content_only && json)) {
                fprintf(wants_help(argc, argv) ? stdout : stderr,
                        "Usage: attestctl policy show [--content|--json] KIND NAME\n");
                return wants_help(argc, argv) ? EXIT_PASS : EXIT_UNUSABLE;
        }
        r = policy_path(argv[1], argv[2], &path);
        if (r != 0)
                return r;
        if (!content_only) {
                if (asprintf(&nodes_path, "%s/nodes", path) < 0)
                        return log_oom(), EXIT_UNUSABLE;
                r = admin_call("GET", nodes_path, NULL, 0, &info);
                if (r != EXIT_PASS)
                        return r;
                if (json) {
                        attestctl_print_json(info);
                        return EXIT_PASS;
                }
                (void) json_object_object_get_ex(info, "nodes", &nodes);
        }
        r = admin_call_raw("GET", path, &body);
        if (r != EXIT_PASS)
                return r;
        if (!content_only) {
                json_object *d = NULL;
                size_t k = nodes ? json_object_array_length(nodes) : 0;

                (void) json_object_object_get_ex(info, "digest", &d);
                printf("# %s policy '%s', sha256 %s\n# Nodes (%zu):", argv[1], argv[2], d ? json_object_get_string(d) : "?", k);
                for (size_t i = 0; i < k; i++)
                        printf(" %s", json_object_get_string(json_object_array_get_idx(nodes, i)));
                printf("\n");
        }
        fputs(body, stdout);
        if (*body && body[strlen(body) - 1] != '\n')
                putchar('\n');
        return EXIT_PASS;
}

int verb_policy_remove(int argc, char *argv[]) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (argc != 3) {
                fprintf(wants_help(argc, argv) ? stdout : stderr, "Usage: attestctl policy remove KIND NAME\n");
                return wants_help(argc, argv) ? EXIT_PASS : EXIT_UNUSABLE;
        }
        r = policy_path(argv[1], argv[2], &path);
        if (r != 0)
                return r;
        r = admin_call("DELETE", path, NULL, 0, NULL);
        if (r == EXIT_PASS)
                printf("Removed %s policy '%s'.\n", argv[1], argv[2]);
        return r;
}
