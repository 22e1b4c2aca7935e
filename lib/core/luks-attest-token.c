/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-parse.h"
#include "luks-attest-token.h"
#include "macro.h"
#include "parse-util.h"
#include "secret-name.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static int check_keyslots(json_object *slots, unsigned *ret) {
        size_t n = json_object_array_length(slots);
        uint32_t v;

        if (n == 0 || n > LUKS_TOKEN_KEYSLOTS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(slots, i);
                if (!json_object_is_type(s, json_type_string) ||
                    safe_atou32(json_object_get_string(s), &v) < 0)
                        return -EINVAL;
        }
        *ret = (unsigned) n;
        return 0;
}

static int read_timeout(json_object *root, uint32_t *ret) {
        json_object *t;
        int64_t v;

        if (!json_object_object_get_ex(root, "attest-timeout", &t)) {
                *ret = LUKS_ATTEST_TOKEN_TIMEOUT_DEFAULT;
                return 0;
        }
        if (!json_object_is_type(t, json_type_int))
                return -EINVAL;
        v = json_object_get_int64(t);
        if (v < 1 || v > LUKS_TOKEN_TIMEOUT_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

int luks_attest_token_parse(const char *json, LuksAttestToken *ret) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        LuksAttestToken t = {};
        json_object *type, *slots, *secret;
        int r;

        assert_return(json, -EINVAL);
        assert_return(ret, -EINVAL);

        r = json_parse_text(json, strlen(json), LUKS_TOKEN_JSON_MAX, &root);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object))
                return -EINVAL;
        type = json_get_typed(root, "type", json_type_string);
        if (!type || strcmp(json_object_get_string(type), LUKS_ATTEST_TOKEN_TYPE) != 0)
                return -EINVAL;
        slots = json_get_typed(root, "keyslots", json_type_array);
        if (!slots || check_keyslots(slots, &t.n_keyslots) < 0)
                return -EINVAL;
        secret = json_get_typed(root, "attest-secret", json_type_string);
        if (!secret || !secret_name_is_valid(json_object_get_string(secret)))
                return -EINVAL;
        strcpy(t.secret, json_object_get_string(secret));
        r = read_timeout(root, &t.timeout_sec);
        if (r < 0)
                return r;
        *ret = t;
        return 0;
}

int luks_attest_token_format(const char *secret, int keyslot, uint32_t timeout_sec, char **ret) {
        char *s;

        assert_return(secret_name_is_valid(secret), -EINVAL);
        assert_return(keyslot >= 0, -EINVAL);
        assert_return(timeout_sec >= 1 && timeout_sec <= LUKS_TOKEN_TIMEOUT_MAX, -EINVAL);
        assert_return(ret, -EINVAL);

        if (asprintf(&s, "{\"type\":\"" LUKS_ATTEST_TOKEN_TYPE "\",\"keyslots\":[\"%d\"],"
                     "\"attest-secret\":\"%s\",\"attest-timeout\":%u}", keyslot, secret, timeout_sec) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
