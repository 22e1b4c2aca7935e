/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "secret-name.h"
#include "secret-wrap.h"
#include "storage.h"
#include "verifierd-secret-store-internal.h"

#define SECRET_SUFFIX ".secret"

void challenge_done(SecretChallenge *c) {
        free(c->node);
        free(c->name);
        erase_memory(c, sizeof(*c));
}

SecretStore *secret_store_free(SecretStore *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_challenges; i++)
                challenge_done(&s->challenges[i]);
        free(s->challenges);
        erase_memory(s->key, sizeof(s->key));
        free(s);
        return NULL;
}

bool secret_store_enabled(const SecretStore *s) {
        return s && s->have_key;
}

/* 32 raw bytes, or 64 hex digits with an optional newline. */
static int parse_key(const uint8_t *data, size_t size, uint8_t key[SECRET_WRAP_KEY_SIZE]) {
        if (size == SECRET_WRAP_KEY_SIZE) {
                memcpy(key, data, SECRET_WRAP_KEY_SIZE);
                return 0;
        }
        if (size > 0 && data[size - 1] == '\n')
                size--;
        if (size != 2 * SECRET_WRAP_KEY_SIZE)
                return -EINVAL;
        return hex_decode_into((const char *) data, size, key, SECRET_WRAP_KEY_SIZE) < 0 ? -EINVAL : 0;
}

/* Absent, or the unit's SetCredential= default "none": no key from systemd. */
static bool credential_says_none(const char *path) {
        uint8_t *data = NULL;
        size_t size, n;
        bool none;
        int r;

        r = read_full_file(path, SECRET_KEY_FILE_MAX, &data, &size);
        if (r < 0)
                return r == -ENOENT;   /* other errors: load_key() reports them */
        n = size > 0 && data[size - 1] == '\n' ? size - 1 : size;
        none = n == 0 || (n == 4 && memcmp(data, "none", 4) == 0);
        erase_and_free_size(data, size);
        return none;
}

static int load_key(SecretStore *s, const char *key_file) {
        _cleanup_free_ char *cred = NULL;
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        uint8_t *data = NULL;
        size_t size;
        int r;

        if (creds) {
                if (asprintf(&cred, "%s/%s", creds, SECRET_KEY_CREDENTIAL) < 0)
                        return -ENOMEM;
                if (!credential_says_none(cred))
                        key_file = cred;
        }
        if (!key_file) {
                log_notice("No secret key configured (credential %s or key_file): secrets are disabled.",
                           SECRET_KEY_CREDENTIAL);
                return 0;
        }
        r = read_full_file(key_file, SECRET_KEY_FILE_MAX, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read secret key %s: %m", key_file);
        r = parse_key(data, size, s->key);
        erase_and_free_size(data, size);
        if (r < 0)
                return log_error_errno(r, "%s: a secret key is 32 bytes, or 64 hex digits.", key_file);
        s->have_key = true;
        log_info("Secrets are sealed with the key from %s.", key_file == cred ? "the credential " SECRET_KEY_CREDENTIAL : key_file);
        return 0;
}

/* Secrets were sealed files under <state_directory>/secrets/<node>/<name>.secret,
 * which other instances cannot see: they move into the storage once, and the
 * files go. A secret the storage already has is kept there. */
static int import_node_files(SecretStore *s, const char *node_dir, const char *node) {
        DIR *d = opendir(node_dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return -errno;
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *name = NULL;
                size_t n = strlen(de->d_name);
                Blob sealed = {};

                if (n <= STRLEN(SECRET_SUFFIX) || de->d_name[0] == '.' ||
                    strcmp(de->d_name + n - STRLEN(SECRET_SUFFIX), SECRET_SUFFIX) != 0)
                        continue;
                name = strndup(de->d_name, n - STRLEN(SECRET_SUFFIX));
                if (!name || asprintf(&path, "%s/%s", node_dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = read_full_file(path, SECRET_SIZE_MAX + SECRET_SEAL_OVERHEAD, &sealed.data, &sealed.size);
                if (r >= 0)
                        r = storage_secret_put(s->storage, node, name, &sealed, false, SECRETS_PER_NODE_MAX);
                blob_done(&sealed);
                if (r == -EEXIST)
                        r = 0;
                if (r >= 0 && unlink(path) < 0)
                        r = -errno;
        }
        closedir(d);
        if (r >= 0)
                (void) rmdir(node_dir);
        return r;
}

static int import_files(SecretStore *s, const char *state_directory) {
        _cleanup_free_ char *dir = NULL;
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (asprintf(&dir, "%s/secrets", state_directory) < 0)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : log_error_errno(-errno, "Failed to open %s: %m", dir);
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *node_dir = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&node_dir, "%s/%s", dir, de->d_name) < 0)
                        r = -ENOMEM;
                else
                        r = import_node_files(s, node_dir, de->d_name);
                if (r >= 0)
                        log_info("Secrets of node %s moved from %s into the database.", de->d_name, node_dir);
        }
        closedir(d);
        if (r < 0)
                return log_error_errno(r, "Failed to move the secrets under %s into the database: %m", dir);
        (void) rmdir(dir);
        return 0;
}

int secret_store_open(Storage *storage, const char *state_directory, const char *key_file, SecretStore **ret) {
        _cleanup_(secret_store_freep) SecretStore *s = NULL;
        int r;

        assert_return(storage && ret, -EINVAL);
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->storage = storage;
        r = load_key(s, key_file);
        if (r < 0)
                return r;
        if (state_directory) {
                r = import_files(s, state_directory);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int check_args(SecretStore *s, const char *node, const char *name) {
        if (!s || !node || !*node || node[0] == '.' || strchr(node, '/'))
                return -EINVAL;
        if (name && !secret_name_is_valid(name))
                return -EINVAL;
        return s->have_key ? 0 : -ENOKEY;
}

int secret_store_list(SecretStore *s, const char *node, char ***ret) {
        int r;

        r = check_args(s, node, NULL);
        if (r < 0)
                return r;
        return storage_secret_list(s->storage, node, ret);
}

int secret_store_put(SecretStore *s, const char *node, const char *name, const uint8_t *value, size_t size,
                     bool replace) {
        _cleanup_free_ uint8_t *aad = NULL;
        size_t aad_size;
        Blob sealed = {};
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        if (!value || size == 0 || size > SECRET_SIZE_MAX)
                return -EINVAL;
        r = secret_aad(node, name, &aad, &aad_size);
        if (r >= 0)
                r = secret_seal(s->key, aad, aad_size, value, size, &sealed.data, &sealed.size);
        if (r >= 0)
                r = storage_secret_put(s->storage, node, name, &sealed, replace, SECRETS_PER_NODE_MAX);
        blob_done(&sealed);
        return r;
}

int secret_store_get(SecretStore *s, const char *node, const char *name, SecretBuffer *ret) {
        _cleanup_free_ uint8_t *aad = NULL;
        size_t aad_size, n;
        Blob sealed = {};
        uint8_t *plain;
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        if (!ret)
                return -EINVAL;
        r = storage_secret_get(s->storage, node, name, &sealed);
        if (r < 0)
                return r;
        r = secret_aad(node, name, &aad, &aad_size);
        if (r >= 0)
                r = secret_unseal(s->key, aad, aad_size, sealed.data, sealed.size, &plain, &n);
        blob_done(&sealed);
        if (r < 0)
                return r;
        *ret = (SecretBuffer) { .data = plain, .size = n };
        return 0;
}

int secret_store_delete(SecretStore *s, const char *node, const char *name) {
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        return storage_secret_delete(s->storage, node, name);
}

int secret_store_delete_node(SecretStore *s, const char *node) {
        int r;

        r = check_args(s, node, NULL);
        if (r == -ENOKEY)
                return 0;
        if (r < 0)
                return r;
        return storage_secret_delete(s->storage, node, NULL);
}
