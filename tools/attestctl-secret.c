/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl secret add|list|remove: the secrets the verifier releases to a
 * node after it passed. Values go in, never come out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attest-limits.h"
#include "attestctl.h"
#include "attestctl-admin.h"
#include "attestctl-secret.h"
#include "attestctl-util.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "memory-util.h"
#include "registration-request.h"
#include "secret-name.h"

static int secret_path(const char *node, const char *name, char **ret) {
        if (!agent_id_is_valid(node))
                return log_error("Invalid node id '%s'.", node), EXIT_UNUSABLE;
        if (name && !secret_name_is_valid(name))
                return log_error("Invalid secret name '%s': 1-%u of A-Z a-z 0-9 . _ -, not starting with '.'.",
                                 name, SECRET_NAME_MAX), EXIT_UNUSABLE;
        if (asprintf(ret, "/admin/v1/nodes/%s/secrets%s%s", node, name ? "/" : "", name ?: "") < 0)
                return log_oom(), EXIT_UNUSABLE;
        return 0;
}

int secret_put_remote(const char *node, const char *name, const uint8_t *value, size_t size, bool replace) {
        _cleanup_free_ char *path = NULL, *b64 = NULL;
        _cleanup_json_ json_object *body = NULL;
        const char *text;
        int r;

        r = secret_path(node, name, &path);
        if (r != 0)
                return r;
        b64 = base64_encode(value, size);
        body = json_object_new_object();
        if (!b64 || !body || json_add_string(body, "secret", b64) < 0 || json_add_bool(body, "replace", replace) < 0)
                return log_oom(), EXIT_UNUSABLE;
        erase_memory(b64, strlen(b64));
        text = json_object_to_json_string_ext(body, JSON_TEXT_PLAIN);
        r = admin_call("POST", path, text, strlen(text), NULL);
        erase_memory((char *) text, strlen(text));
        return r;
}

int secret_remove_remote(const char *node, const char *name) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = secret_path(node, name, &path);
        if (r != 0)
                return r;
        return admin_call("DELETE", path, NULL, 0, NULL);
}

/* The value: a file, or standard input (one trailing newline dropped from a terminal's line). */
static int read_value(const char *file, SecretBuffer *ret) {
        uint8_t buf[SECRET_SIZE_MAX + 1];
        size_t n = 0;
        ssize_t k;
        int r;

        if (file) {
                r = attestctl_read_file(file, SECRET_SIZE_MAX, "secret", &ret->data, &ret->size);
                return r < 0 ? EXIT_UNUSABLE : 0;
        }
        while (n < sizeof(buf) && (k = read(STDIN_FILENO, buf + n, sizeof(buf) - n)) > 0)
                n += (size_t) k;
        if (n > SECRET_SIZE_MAX) {
                erase_memory(buf, sizeof(buf));
                return log_error("A secret is at most %u bytes.", SECRET_SIZE_MAX), EXIT_UNUSABLE;
        }
        if (isatty(STDIN_FILENO) && n > 0 && buf[n - 1] == '\n')
                n--;
        ret->data = malloc(n ?: 1);
        if (!ret->data) {
                erase_memory(buf, sizeof(buf));
                return log_oom(), EXIT_UNUSABLE;
        }
        memcpy(ret->data, buf, n);
        ret->size = n;
        erase_memory(buf, sizeof(buf));
        return 0;
}

#define SECRET_ADD_USAGE "secret add NODE NAME [--file FILE] [--replace]"
#define SECRET_LIST_USAGE "secret list NODE [--json]"
#define SECRET_REMOVE_USAGE "secret remove NODE NAME"

static int verb_secret_add(int argc, char *argv[]) {
        static const struct option options[] = {
                { "file",    required_argument, NULL, 'f' },
                { "replace", no_argument,       NULL, 'r' },
                {}
        };
        _cleanup_secret_buffer_ SecretBuffer value = {};
        const char *file = NULL;
        bool replace = false;
        int c, r;

        if (attestctl_help_requested(argc, argv, SECRET_ADD_USAGE))
                return EXIT_PASS;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'f': file = optarg; break;
                case 'r': replace = true; break;
                default: return EXIT_UNUSABLE;
                }
        if (optind != argc - 2)
                return log_error("Usage: attestctl " SECRET_ADD_USAGE), EXIT_UNUSABLE;
        r = read_value(file, &value);
        if (r != 0)
                return r;
        if (value.size == 0)
                return log_error("The secret is empty."), EXIT_UNUSABLE;
        return secret_put_remote(argv[optind], argv[optind + 1], value.data, value.size, replace);
}

static int verb_secret_list(int argc, char *argv[]) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                {}
        };
        _cleanup_json_ json_object *results = NULL;
        _cleanup_free_ char *path = NULL;
        json_object *names;
        bool json = false;
        int c, r;

        if (attestctl_help_requested(argc, argv, SECRET_LIST_USAGE))
                return EXIT_PASS;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'j': json = true; break;
                default: return EXIT_UNUSABLE;
                }
        if (optind != argc - 1)
                return log_error("Usage: attestctl " SECRET_LIST_USAGE), EXIT_UNUSABLE;
        r = secret_path(argv[optind], NULL, &path);
        if (r != 0)
                return r;
        r = admin_call("GET", path, NULL, 0, &results);
        if (r != EXIT_PASS)
                return r;
        if (!json_object_object_get_ex(results, "secrets", &names) || !json_object_is_type(names, json_type_array))
                return log_error("Unexpected answer from the verifier."), EXIT_UNUSABLE;
        if (json) {
                attestctl_print_json(names);
                return EXIT_PASS;
        }
        for (size_t i = 0; i < json_object_array_length(names); i++)
                printf("%s\n", json_object_get_string(json_object_array_get_idx(names, i)));
        return EXIT_PASS;
}

static int verb_secret_remove(int argc, char *argv[]) {
        if (attestctl_help_requested(argc, argv, SECRET_REMOVE_USAGE))
                return EXIT_PASS;
        if (argc != 3)
                return log_error("Usage: attestctl " SECRET_REMOVE_USAGE), EXIT_UNUSABLE;
        return secret_remove_remote(argv[1], argv[2]);
}

int verb_secret(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "add",    verb_secret_add,    "Store a secret for a node (value from --file or stdin)" },
                { "list",   verb_secret_list,   "List the names of a node's secrets" },
                { "remove", verb_secret_remove, "Remove a node's secret" },
        };
        return dispatch_verbs("secret", verbs, ELEMENTSOF(verbs), argc, argv);
}
