/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "attest-limits.h"
#include "secret-name.h"

bool secret_name_is_valid(const char *name) {
        size_t n;

        if (!name || name[0] == 0 || name[0] == '.')
                return false;
        n = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
        return name[n] == 0 && n <= SECRET_NAME_MAX;
}
