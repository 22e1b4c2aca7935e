/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl luks enroll|remove: a LUKS2 keyslot whose passphrase the
 * verifier keeps as a node's secret, with an "attest" token that tells
 * libcryptsetup-token-attest.so which secret to ask the agent for. */
#include <errno.h>
#include <getopt.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "attest-limits.h"
#include "attestctl.h"
#include "attestctl-secret.h"
#include "attestctl-util.h"
#include "conf-parser.h"
#include "hexdecode.h"
#include "log.h"
#include "luks-attest-token.h"
#include "memory-util.h"
#include "parse-util.h"
#include "secret-name.h"

#define LUKS_PASSPHRASE_BYTES 32
/* The passphrase is 256 random bits: key stretching adds nothing, so the
 * keyslot uses PBKDF2 with few iterations (as for other hardware-held keys). */
#define LUKS_PBKDF2_ITERATIONS 1000
#define LUKS_TOKENS_MAX 32

DEFINE_TRIVIAL_CLEANUP_FUNC(struct crypt_device *, crypt_free);

typedef struct LuksArgs {
        const char *node, *secret, *unlock_key_file;
        uint32_t timeout_sec;
        bool replace, keep_secret;
} LuksArgs;

static int open_luks2(const char *device, struct crypt_device **ret) {
        struct crypt_device *cd = NULL;
        int r;

        r = crypt_init(&cd, device);
        if (r >= 0)
                r = crypt_load(cd, CRYPT_LUKS2, NULL);
        if (r < 0) {
                crypt_free(cd);
                return log_error_errno(r, "%s is not a LUKS2 volume or cannot be opened: %m", device);
        }
        *ret = cd;
        return 0;
}

/* The passphrase the new keyslot is added with: --unlock-key-file, or stdin. */
static int read_unlock_key(const char *file, SecretBuffer *ret) {
        int r = attestctl_read_file(file ?: "-", 8192, "unlock key", &ret->data, &ret->size);
        if (r < 0)
                return r;
        if (!file && ret->size > 0 && ret->data[ret->size - 1] == '\n')
                ret->size--;
        return ret->size > 0 ? 0 : log_error_errno(-EINVAL, "The unlock passphrase is empty.");
}

static int new_passphrase(char **ret) {
        uint8_t raw[LUKS_PASSPHRASE_BYTES];
        char *b64;

        if (RAND_bytes(raw, sizeof(raw)) != 1)
                return -EIO;
        b64 = base64_encode(raw, sizeof(raw));
        erase_memory(raw, sizeof(raw));
        if (!b64)
                return -ENOMEM;
        *ret = b64;
        return 0;
}

static int add_keyslot(struct crypt_device *cd, const SecretBuffer *unlock, const char *pass) {
        struct crypt_pbkdf_type pbkdf = {
                .type = CRYPT_KDF_PBKDF2,
                .hash = "sha256",
                .iterations = LUKS_PBKDF2_ITERATIONS,
                .flags = CRYPT_PBKDF_NO_BENCHMARK,
        };
        int r;

        r = crypt_set_pbkdf_type(cd, &pbkdf);
        if (r < 0)
                return r;
        return crypt_keyslot_add_by_passphrase(cd, CRYPT_ANY_SLOT, (const char *) unlock->data, unlock->size,
                                               pass, strlen(pass));
}

static int enroll(const char *device, const LuksArgs *a) {
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        _cleanup_secret_buffer_ SecretBuffer unlock = {};
        _cleanup_erase_string_ char *pass = NULL;
        _cleanup_free_ char *json = NULL;
        int r, slot, token;

        if (open_luks2(device, &cd) < 0 || read_unlock_key(a->unlock_key_file, &unlock) < 0)
                return EXIT_UNUSABLE;
        if (crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, (const char *) unlock.data, unlock.size, 0) < 0)
                return log_error("The unlock passphrase does not open %s.", device), EXIT_VIOLATION;
        if (new_passphrase(&pass) < 0)
                return log_error("Failed to generate a passphrase."), EXIT_UNUSABLE;
        /* The verifier first: a keyslot nobody can obtain the passphrase of helps no one. */
        r = secret_put_remote(a->node, a->secret, (const uint8_t *) pass, strlen(pass), a->replace);
        if (r != EXIT_PASS)
                return r;
        slot = add_keyslot(cd, &unlock, pass);
        if (slot < 0) {
                log_error_errno(slot, "Failed to add a keyslot to %s: %m", device);
                goto undo_secret;
        }
        r = luks_attest_token_format(a->secret, slot, a->timeout_sec, &json);
        token = r < 0 ? r : crypt_token_json_set(cd, CRYPT_ANY_TOKEN, json);
        if (token < 0) {
                log_error_errno(token, "Failed to write the attest token to %s: %m", device);
                (void) crypt_keyslot_destroy(cd, slot);
                goto undo_secret;
        }
        printf("Enrolled %s: keyslot %d, token %d, secret %s of node %s.\n", device, slot, token, a->secret, a->node);
        return EXIT_PASS;

undo_secret:
        (void) secret_remove_remote(a->node, a->secret);
        return EXIT_UNUSABLE;
}

/* Removes one attest token, its keyslots and (unless kept) its secret. */
static int remove_token(struct crypt_device *cd, int token, const char *json, const LuksArgs *a) {
        LuksAttestToken t;
        int r;

        if (luks_attest_token_parse(json, &t) < 0)
                return log_error_errno(-EINVAL, "Token %d of type attest is malformed; leaving it.", token);
        for (int slot = 0; slot < crypt_keyslot_max(CRYPT_LUKS2); slot++)
                if (crypt_token_is_assigned(cd, token, slot) == 0) {
                        r = crypt_keyslot_destroy(cd, slot);
                        if (r < 0)
                                return log_error_errno(r, "Failed to remove keyslot %d: %m", slot);
                }
        r = crypt_token_json_set(cd, token, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to remove token %d: %m", token);
        printf("Removed token %d (secret %s).\n", token, t.secret);
        if (!a->keep_secret && secret_remove_remote(a->node, t.secret) != EXIT_PASS)
                log_warning("The secret %s stays at the verifier; remove it with 'attestctl secret remove'.", t.secret);
        return 0;
}

static int unenroll(const char *device, const LuksArgs *a) {
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        unsigned removed = 0;
        const char *type, *json;

        if (open_luks2(device, &cd) < 0)
                return EXIT_UNUSABLE;
        for (int token = 0; token < LUKS_TOKENS_MAX; token++) {
                crypt_token_info info = crypt_token_status(cd, token, &type);
                if ((info != CRYPT_TOKEN_EXTERNAL && info != CRYPT_TOKEN_EXTERNAL_UNKNOWN) ||
                    strcmp(type, LUKS_ATTEST_TOKEN_TYPE) != 0)
                        continue;
                if (crypt_token_json_get(cd, token, &json) < 0 || remove_token(cd, token, json, a) < 0)
                        return EXIT_UNUSABLE;
                removed++;
        }
        if (removed == 0)
                return log_error("%s has no attest token.", device), EXIT_VIOLATION;
        return EXIT_PASS;
}

static int parse_luks_args(int argc, char *argv[], LuksArgs *a) {
        enum { ARG_NODE = 0x100, ARG_SECRET, ARG_UNLOCK, ARG_TIMEOUT, ARG_REPLACE, ARG_KEEP };
        static const struct option options[] = {
                { "node",            required_argument, NULL, ARG_NODE    },
                { "secret",          required_argument, NULL, ARG_SECRET  },
                { "unlock-key-file", required_argument, NULL, ARG_UNLOCK  },
                { "timeout",         required_argument, NULL, ARG_TIMEOUT },
                { "replace",         no_argument,       NULL, ARG_REPLACE },
                { "keep-secret",     no_argument,       NULL, ARG_KEEP    },
                {}
        };
        static char host[256];
        int c;

        *a = (LuksArgs) { .timeout_sec = LUKS_ATTEST_TOKEN_TIMEOUT_DEFAULT };
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case ARG_NODE:    a->node = optarg; break;
                case ARG_SECRET:  a->secret = optarg; break;
                case ARG_UNLOCK:  a->unlock_key_file = optarg; break;
                case ARG_REPLACE: a->replace = true; break;
                case ARG_KEEP:    a->keep_secret = true; break;
                case ARG_TIMEOUT: {
                        uint64_t t;
                        if (config_parse_sec(optarg, &t) < 0 || t == 0 || t > LUKS_TOKEN_TIMEOUT_MAX)
                                return log_error_errno(-EINVAL, "Invalid --timeout '%s': a duration from 1s to %us.",
                                                       optarg, LUKS_TOKEN_TIMEOUT_MAX);
                        a->timeout_sec = (uint32_t) t;
                        break;
                }
                default:
                        return -EINVAL;
                }
        /* Nodes are registered under their host name unless configured otherwise. */
        if (!a->node) {
                if (gethostname(host, sizeof(host) - 1) < 0)
                        return log_error_errno(-errno, "No --node given and no host name: %m");
                a->node = host;
        }
        return optind;
}

#define LUKS_ENROL_USAGE \
        "luks enrol DEVICE --secret NAME [--node ID] [--unlock-key-file FILE] [--timeout TIME] [--replace]"
#define LUKS_REMOVE_USAGE "luks remove DEVICE [--node ID] [--keep-secret]"

static int verb_luks_enroll(int argc, char *argv[]) {
        LuksArgs a;
        int i;

        if (attestctl_help_requested(argc, argv, LUKS_ENROL_USAGE))
                return EXIT_PASS;
        i = parse_luks_args(argc, argv, &a);
        if (i < 0)
                return EXIT_UNUSABLE;
        if (i != argc - 1 || !a.secret)
                return log_error("Usage: attestctl " LUKS_ENROL_USAGE), EXIT_UNUSABLE;
        if (!secret_name_is_valid(a.secret))
                return log_error("Invalid secret name '%s'.", a.secret), EXIT_UNUSABLE;
        return enroll(argv[i], &a);
}

static int verb_luks_remove(int argc, char *argv[]) {
        LuksArgs a;
        int i;

        if (attestctl_help_requested(argc, argv, LUKS_REMOVE_USAGE))
                return EXIT_PASS;
        i = parse_luks_args(argc, argv, &a);
        if (i < 0)
                return EXIT_UNUSABLE;
        if (i != argc - 1)
                return log_error("Usage: attestctl " LUKS_REMOVE_USAGE), EXIT_UNUSABLE;
        return unenroll(argv[i], &a);
}

int verb_luks(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "enrol",  verb_luks_enroll, "Add a keyslot unlocked by a secret the verifier releases" },
                { "remove", verb_luks_remove, "Remove the attest token, its keyslot and its secret" },
        };
        return dispatch_verbs("luks", verbs, ELEMENTSOF(verbs), argc, argv);
}
