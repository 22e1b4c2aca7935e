/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "credential-blob.h"
#include "cursor.h"
#include "limits.h"

static int read_sized(const uint8_t *buf, size_t len, size_t *offset, size_t max,
                      const uint8_t **ret, size_t *ret_size) {
        size_t o = *offset;
        uint16_t size;

        if (cursor_read_be16(buf, len, &o, &size) < 0)
                return -EBADMSG;
        if (size == 0 || size > max)
                return -EBADMSG;
        if (cursor_need(len, o, size) < 0)
                return -EBADMSG;
        *ret = buf + o;
        *ret_size = size;
        *offset = o + size;
        return 0;
}

int credential_blob_parse(const uint8_t *buf, size_t len, CredentialBlob *ret) {
        CredentialBlob b = {};
        uint32_t magic, version;
        size_t o = 0;

        if (!buf || !ret)
                return -EINVAL;
        if (len > TPM2_CREDENTIAL_BLOB_SIZE_MAX)
                return -EBADMSG;

        if (cursor_read_be32(buf, len, &o, &magic) < 0 || magic != CREDENTIAL_BLOB_MAGIC)
                return -EBADMSG;
        if (cursor_read_be32(buf, len, &o, &version) < 0 || version != CREDENTIAL_BLOB_VERSION)
                return -EBADMSG;
        if (read_sized(buf, len, &o, TPM2_ID_OBJECT_SIZE_MAX, &b.id_object, &b.id_object_size) < 0)
                return -EBADMSG;
        if (read_sized(buf, len, &o, TPM2_ENCRYPTED_SECRET_SIZE_MAX, &b.secret, &b.secret_size) < 0)
                return -EBADMSG;
        if (o != len)
                return -EBADMSG;

        *ret = b;
        return 0;
}
