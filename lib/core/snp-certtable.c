/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "attest-limits.h"
#include "cursor.h"
#include "macro.h"
#include "snp-certtable.h"

#define ENTRY_SIZE 24u

/* AMD's GUIDs in RFC 4122 byte order. Tables from different host stacks
 * have been seen in either byte order of the first three fields, so both
 * spellings are recognised. */
static const uint8_t guids[_SNP_CERT_KIND_MAX][16] = {
        [SNP_CERT_ARK]  = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae },
        [SNP_CERT_ASK]  = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 },
        [SNP_CERT_VCEK] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd },
        [SNP_CERT_VLEK] = { 0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 },
};

static void swap_fields(const uint8_t in[static 16], uint8_t out[static 16]) {
        const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
        for (size_t i = 0; i < 16; i++)
                out[i] = in[order[i]];
}

static int guid_kind(const uint8_t g[static 16]) {
        uint8_t swapped[16];

        swap_fields(g, swapped);
        for (int k = 0; k < _SNP_CERT_KIND_MAX; k++)
                if (memcmp(g, guids[k], 16) == 0 || memcmp(swapped, guids[k], 16) == 0)
                        return k;
        return -1;
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int snp_cert_table_parse(const uint8_t *buf, size_t size, SnpCertTable *ret) {
        SnpCertTable t = {};
        size_t off = 0, end_of_entries;

        assert_return(ret, -EINVAL);
        if (!buf && size > 0)
                return -EINVAL;
        if (size > CC_AUXBLOB_SIZE_MAX)
                return -E2BIG;
        for (;;) {
                const uint8_t *guid;
                uint32_t o = 0, n = 0;
                int k;

                if (cursor_need(size, off, ENTRY_SIZE) < 0)
                        return -EBADMSG;        /* no terminator */
                guid = buf + off;
                off += 16;
                if (cursor_read_le32(buf, size, &off, &o) < 0 || cursor_read_le32(buf, size, &off, &n) < 0)
                        return -EBADMSG;
                if (all_zero(guid, 16) && o == 0 && n == 0)
                        break;
                if (t.n_entries >= CC_AUXBLOB_ENTRIES_MAX)
                        return -E2BIG;
                t.n_entries++;
                if (cursor_need(size, o, n) < 0 || n == 0)
                        return -EBADMSG;
                k = guid_kind(guid);
                if (k < 0)
                        continue;               /* another vendor's item: not ours to judge */
                if (t.cert[k])
                        return -EBADMSG;
                t.cert[k] = buf + o;
                t.cert_size[k] = n;
        }
        end_of_entries = off;
        /* A certificate that overlaps the entries would be read as two things. */
        for (int k = 0; k < _SNP_CERT_KIND_MAX; k++)
                if (t.cert[k] && (size_t) (t.cert[k] - buf) < end_of_entries)
                        return -EBADMSG;
        *ret = t;
        return 0;
}
