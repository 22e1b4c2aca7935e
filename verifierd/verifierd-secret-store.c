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
        free(s->dir);
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

int secret_store_open(const char *state_directory, const char *key_file, SecretStore **ret) {
        _cleanup_(secret_store_freep) SecretStore *s = NULL;
        int r;

        assert_return(state_directory && ret, -EINVAL);
        s = calloc(1, sizeof(*s));
        if (!s || asprintf(&s->dir, "%s/secrets", state_directory) < 0)
                return -ENOMEM;
        r = load_key(s, key_file);
        if (r < 0)
                return r;
        if (s->have_key && mkdir(s->dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create %s: %m", s->dir);
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

static char *secret_path(SecretStore *s, const char *node, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s%s%s%s", s->dir, node, name ? "/" : "", name ?: "", name ? SECRET_SUFFIX : "") < 0)
                return NULL;
        return p;
}

static bool is_secret_file(const char *f) {
        size_t n = strlen(f);
        return n > STRLEN(SECRET_SUFFIX) && strcmp(f + n - STRLEN(SECRET_SUFFIX), SECRET_SUFFIX) == 0 && f[0] != '.';
}

static void strv_free_n(char **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int secret_store_list(SecretStore *s, const char *node, char ***ret) {
        _cleanup_free_ char *dir = NULL;
        char **l;
        size_t n = 0;
        DIR *d;
        struct dirent *de;
        int r;

        r = check_args(s, node, NULL);
        if (r < 0)
                return r;
        dir = secret_path(s, node, NULL);
        l = calloc(SECRETS_PER_NODE_MAX + 1, sizeof(char *));
        if (!dir || !l) {
                free(l);
                return -ENOMEM;
        }
        d = opendir(dir);
        if (!d && errno != ENOENT) {
                free(l);
                return -errno;
        }
        while (d && (de = readdir(d)) && n < SECRETS_PER_NODE_MAX) {
                if (!is_secret_file(de->d_name))
                        continue;
                l[n] = strndup(de->d_name, strlen(de->d_name) - STRLEN(SECRET_SUFFIX));
                if (!l[n]) {
                        closedir(d);
                        strv_free_n(l, n);
                        return -ENOMEM;
                }
                n++;
        }
        if (d)
                closedir(d);
        qsort(l, n, sizeof(char *), cmp_str);
        *ret = l;
        return 0;
}

static size_t count_secrets(SecretStore *s, const char *node) {
        char **l = NULL;
        size_t n = 0;

        if (secret_store_list(s, node, &l) < 0)
                return 0;
        while (l[n])
                n++;
        strv_free_n(l, n);
        return n;
}

int secret_store_put(SecretStore *s, const char *node, const char *name, const uint8_t *value, size_t size,
                     bool replace) {
        _cleanup_free_ char *dir = NULL, *path = NULL;
        _cleanup_free_ uint8_t *aad = NULL, *sealed = NULL;
        size_t aad_size, sealed_size;
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        if (!value || size == 0 || size > SECRET_SIZE_MAX)
                return -EINVAL;
        dir = secret_path(s, node, NULL);
        path = secret_path(s, node, name);
        if (!dir || !path)
                return -ENOMEM;
        if (access(path, F_OK) == 0) {
                if (!replace)
                        return -EEXIST;
        } else if (count_secrets(s, node) >= SECRETS_PER_NODE_MAX)
                return -E2BIG;
        r = secret_aad(node, name, &aad, &aad_size);
        if (r >= 0)
                r = secret_seal(s->key, aad, aad_size, value, size, &sealed, &sealed_size);
        if (r < 0)
                return r;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        return write_file_atomic(path, sealed, sealed_size, 0600);
}

int secret_store_get(SecretStore *s, const char *node, const char *name, SecretBuffer *ret) {
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ uint8_t *aad = NULL, *sealed = NULL;
        size_t aad_size, sealed_size;
        uint8_t *plain;
        size_t n;
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        if (!ret)
                return -EINVAL;
        path = secret_path(s, node, name);
        if (!path)
                return -ENOMEM;
        r = read_full_file(path, SECRET_SIZE_MAX + SECRET_SEAL_OVERHEAD, &sealed, &sealed_size);
        if (r < 0)
                return r;
        r = secret_aad(node, name, &aad, &aad_size);
        if (r >= 0)
                r = secret_unseal(s->key, aad, aad_size, sealed, sealed_size, &plain, &n);
        if (r < 0)
                return r;
        *ret = (SecretBuffer) { .data = plain, .size = n };
        return 0;
}

int secret_store_delete(SecretStore *s, const char *node, const char *name) {
        _cleanup_free_ char *path = NULL, *dir = NULL;
        int r;

        r = check_args(s, node, name);
        if (r < 0)
                return r;
        path = secret_path(s, node, name);
        dir = secret_path(s, node, NULL);
        if (!path || !dir)
                return -ENOMEM;
        if (unlink(path) < 0)
                return -errno;
        (void) rmdir(dir);   /* when it was the last one */
        return 0;
}

int secret_store_delete_node(SecretStore *s, const char *node) {
        char **l = NULL;
        size_t n = 0;
        int r;

        r = secret_store_list(s, node, &l);
        if (r == -ENOKEY)
                return 0;
        if (r < 0)
                return r;
        for (; l[n]; n++)
                (void) secret_store_delete(s, node, l[n]);
        strv_free_n(l, n);
        return 0;
}
