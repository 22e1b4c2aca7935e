/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "storage.h"

#define SQLITE_PREFIX "sqlite:"

int storage_open_location(const char *location, const char *password, Storage **ret) {
        assert_return(location && ret, -EINVAL);

        if (strncmp(location, SQLITE_PREFIX, STRLEN(SQLITE_PREFIX)) == 0) {
                if (location[STRLEN(SQLITE_PREFIX)] == '\0')
                        return -EINVAL;
                return storage_open_sqlite(location + STRLEN(SQLITE_PREFIX), ret);
        }
        /* Anything else is a libpq connection string: a URI or "key=value" words. */
        return storage_open_postgresql(location, password, ret);
}
