/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "json-util.h"
#include "limits.h"
#include "parse-util.h"
#include "verifierd-policy.h"

#define POLICY_NAME_MAX 64u
#define TPM_POLICY_PCR_MAX 23u

bool policy_kind_is_valid(const char *kind) {
        return strcmp(kind, "tpm") == 0 || strcmp(kind, "boot") == 0 || strcmp(kind, "runtime") == 0;
}

bool policy_name_is_valid(const char *name) {
        size_t n = strlen(name);
        return n > 0 && n <= POLICY_NAME_MAX && name[0] != '.' &&
               strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static bool is_hex_digest(json_object *v) {
        const char *s;
        size_t n;

        if (!json_object_is_type(v, json_type_string))
                return false;
        s = json_object_get_string(v);
        n = strlen(s);
        if (strncmp(s, "0x", 2) == 0) {
                s += 2;
                n -= 2;
        }
        return n > 0 && n <= 128 && n % 2 == 0 && strspn(s, "0123456789abcdefABCDEF") == n;
}

/* {"<pcr>": ["<hex>", …] | "<hex>", "mask": "0x…"} */
static int tpm_policy_validate(json_object *o) {
        json_object_object_foreach(o, key, v) {
                uint32_t pcr;
                if (strcmp(key, "mask") == 0) {
                        if (!json_object_is_type(v, json_type_string))
                                return -EBADMSG;
                        continue;
                }
                if (safe_atou32(key, &pcr) < 0 || pcr > TPM_POLICY_PCR_MAX)
                        return -EBADMSG;
                if (json_object_is_type(v, json_type_array)) {
                        size_t n = json_object_array_length(v);
                        for (size_t i = 0; i < n; i++)
                                if (!is_hex_digest(json_object_array_get_idx(v, i)))
                                        return -EBADMSG;
                } else if (!is_hex_digest(v))
                        return -EBADMSG;
        }
        return 0;
}

int policy_validate(const char *kind, const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!policy_kind_is_valid(kind) || size == 0)
                return -EINVAL;
        r = json_parse_object_max((const char *) data, size, HTTP_ADMIN_BODY_MAX, &o);
        if (r < 0)
                return r;
        if (strcmp(kind, "tpm") == 0)
                return tpm_policy_validate(o);
        return 0;
}
