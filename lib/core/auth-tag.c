/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "auth-tag.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "memory-util.h"
#include "tpm2-kdf.h"

static int auth_tag_raw(const uint8_t *credential, size_t credential_size, const char *agent_id, uint8_t *out) {
        _cleanup_erase_string_ char *key = NULL;

        assert_return(credential || credential_size == 0, -EINVAL);
        assert_return(agent_id, -EINVAL);
        key = base64_encode(credential, credential_size);
        if (!key)
                return -ENOMEM;
        return tpm2_hmac(hash_alg_from_tpm_id(TPM2_ALG_ID_SHA384), (const uint8_t *) key, strlen(key),
                         (const uint8_t *) agent_id, strlen(agent_id), NULL, 0, out);
}

int auth_tag_compute(const uint8_t *credential, size_t credential_size, const char *agent_id, char **ret) {
        uint8_t tag[AUTH_TAG_SIZE];
        char *hex;
        int r;

        assert_return(ret, -EINVAL);
        r = auth_tag_raw(credential, credential_size, agent_id, tag);
        if (r < 0)
                return r;
        hex = hex_encode(tag, sizeof(tag));
        if (!hex)
                return -ENOMEM;
        *ret = hex;
        return 0;
}

int auth_tag_verify(const uint8_t *credential, size_t credential_size, const char *agent_id, const char *tag) {
        uint8_t expected[AUTH_TAG_SIZE], given[AUTH_TAG_SIZE];
        int r;

        assert_return(tag, -EINVAL);
        if (strlen(tag) != AUTH_TAG_HEX_SIZE || hex_decode_into(tag, AUTH_TAG_HEX_SIZE, given, sizeof(given)) < 0)
                return -EINVAL;
        r = auth_tag_raw(credential, credential_size, agent_id, expected);
        if (r < 0)
                return r;
        r = memcmp_const_time(expected, given, sizeof(expected)) == 0 ? 0 : -EPERM;
        erase_memory(expected, sizeof(expected));
        return r;
}
