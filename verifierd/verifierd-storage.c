/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opens the storage verifierd.conf's [Storage] names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "memory-util.h"
#include "verifierd.h"

#define DB_PASSWORD_CREDENTIAL "verifierd-db-password"
#define DB_PASSWORD_MAX 4096u

/* The database password from the service's credential, or NULL without one
 * (libpq then reads ~/.pgpass or PGPASSFILE, or uses no password at all).
 * Never from verifierd.conf, which is world-readable. */
static int db_password_load(char **ret) {
        _cleanup_free_ char *path = NULL;
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        uint8_t *data = NULL;
        size_t size;
        char *pw;
        int r;

        *ret = NULL;
        if (!creds)
                return 0;
        if (asprintf(&path, "%s/%s", creds, DB_PASSWORD_CREDENTIAL) < 0)
                return -ENOMEM;
        r = read_full_file(path, DB_PASSWORD_MAX, &data, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read credential %s: %m", DB_PASSWORD_CREDENTIAL);
        while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
                size--;
        if (memchr(data, '\0', size)) {
                erase_and_free_size(data, size);
                return log_error_errno(-EINVAL, "Credential %s contains a NUL byte.", DB_PASSWORD_CREDENTIAL);
        }
        pw = strndup((const char *) data, size);
        erase_and_free_size(data, size);
        if (!pw)
                return -ENOMEM;
        *ret = pw;
        return 0;
}

int verifier_storage_open(const VerifierConfig *c, Storage **ret) {
        _cleanup_erase_string_ char *password = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        if (c->storage_backend == STORAGE_BACKEND_POSTGRESQL) {
                r = db_password_load(&password);
                if (r < 0)
                        return r;
                return storage_open_postgresql(c->storage_url, password, ret);
        }
        if (mkdir(c->state_directory, 0750) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create %s: %m", c->state_directory);
        if (asprintf(&path, "%s/verifier.db", c->state_directory) < 0)
                return log_oom();
        return storage_open_sqlite(path, ret);
}

unsigned verifier_storage_schema_version(const VerifierConfig *c) {
        return c->storage_backend == STORAGE_BACKEND_POSTGRESQL ? storage_postgresql_schema_version() :
                                                                  storage_sqlite_schema_version();
}
