/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binary measurement list: per record u32 pcr, the SHA-1 template hash,
 * u32 + template name, then (except for "ima") u32 + template data. The
 * legacy "ima" template is written as 20 digest bytes and u32 + name without
 * NUL, and is rebuilt here into the padded form the kernel hashed. */
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "ima-entry.h"
#include "ima-template.h"
#include "macro.h"

#define IMA_BINARY_TEMPLATE_HASH_SIZE 20

static int parse_legacy(const uint8_t *buf, size_t len, size_t *o, ImaEntryBuffer *b, ImaEntry *e) {
        const uint8_t *digest, *name;
        uint32_t name_len;

        if (cursor_read_span(buf, len, o, 20, &digest) < 0 || cursor_read_le32(buf, len, o, &name_len) < 0)
                return -EBADMSG;
        if (name_len > IMA_LEGACY_NAME_MAX)
                return -E2BIG;
        if (cursor_read_span(buf, len, o, name_len, &name) < 0)
                return -EBADMSG;
        if (memchr(name, 0, name_len))
                return -EBADMSG;
        return ima_template_build_legacy(digest, (const char *) name, name_len, b, e);
}

int ima_entry_parse_binary(const uint8_t *buf, size_t len, size_t *offset, ImaEntryBuffer *b, ImaEntry *ret) {
        const uint8_t *tname, *data;
        uint32_t tname_len, data_len;
        size_t o = *offset;
        ImaEntry e = {};
        int r, t;

        if (cursor_read_le32(buf, len, &o, &e.pcr) < 0)
                return -EBADMSG;
        if (e.pcr > IMA_PCR_MAX)
                return -E2BIG;
        if (cursor_read_bytes(buf, len, &o, e.template_hash, IMA_BINARY_TEMPLATE_HASH_SIZE) < 0)
                return -EBADMSG;
        e.template_hash_size = IMA_BINARY_TEMPLATE_HASH_SIZE;
        e.violation = true;
        for (size_t i = 0; i < IMA_BINARY_TEMPLATE_HASH_SIZE; i++)
                if (e.template_hash[i] != 0)
                        e.violation = false;

        if (cursor_read_le32(buf, len, &o, &tname_len) < 0)
                return -EBADMSG;
        if (tname_len > IMA_TEMPLATE_NAME_MAX)
                return -E2BIG;
        if (cursor_read_span(buf, len, &o, tname_len, &tname) < 0)
                return -EBADMSG;
        t = ima_template_from_string((const char *) tname, tname_len);
        if (t < 0)
                return t;
        e.template = (ImaTemplate) t;

        if (t == IMA_TEMPLATE_IMA)
                r = parse_legacy(buf, len, &o, b, &e);
        else {
                if (cursor_read_le32(buf, len, &o, &data_len) < 0)
                        return -EBADMSG;
                if (data_len > IMA_TEMPLATE_DATA_MAX)
                        return -E2BIG;
                if (cursor_read_span(buf, len, &o, data_len, &data) < 0)
                        return -EBADMSG;
                r = ima_template_parse_data(e.template, data, data_len, &e);
        }
        if (r < 0)
                return r;
        *ret = e;
        *offset = o;
        return 0;
}
