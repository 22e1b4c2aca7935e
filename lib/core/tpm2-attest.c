/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "macro.h"
#include "cursor.h"
#include "tpm2b.h"
#include "tpm2-attest.h"

static int read_pcr_selection(const uint8_t *buf, size_t len, size_t *off, PcrSelection *ret) {
        PcrSelection sel = {};
        uint32_t count;

        if (cursor_read_be32(buf, len, off, &count) < 0 || count > TPM2_PCR_SELECTIONS_MAX)
                return -EBADMSG;
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *select;
                uint8_t size;

                if (cursor_read_be16(buf, len, off, &sel.banks[i].hash_alg) < 0 ||
                    cursor_read_u8(buf, len, off, &size) < 0 ||
                    size > TPM2_PCR_SELECT_SIZE_MAX ||
                    cursor_read_span(buf, len, off, size, &select) < 0 ||
                    pcr_select_to_mask(select, size, &sel.banks[i].mask) < 0)
                        return -EBADMSG;
                if (!hash_alg_from_tpm_id(sel.banks[i].hash_alg))
                        return -EBADMSG;
        }
        sel.count = count;
        *ret = sel;
        return 0;
}

static int read_clock_info(const uint8_t *buf, size_t len, size_t *off, Tpm2ClockInfo *ret) {
        uint8_t safe;

        if (cursor_read_be64(buf, len, off, &ret->clock) < 0 ||
            cursor_read_be32(buf, len, off, &ret->reset_count) < 0 ||
            cursor_read_be32(buf, len, off, &ret->restart_count) < 0 ||
            cursor_read_u8(buf, len, off, &safe) < 0)
                return -EBADMSG;
        /* TPMI_YES_NO: anything but 0 or 1 is malformed. */
        if (safe > 1)
                return -EBADMSG;
        ret->safe = safe;
        return 0;
}

int tpm2_attest_parse(const uint8_t *buf, size_t len, Tpm2Attest *ret) {
        Tpm2Attest a = {};
        size_t off = 0;

        assert(buf || len == 0);
        assert(ret);
        if (len > TPM2_ATTEST_SIZE_MAX)
                return -EBADMSG;

        if (cursor_read_be32(buf, len, &off, &a.magic) < 0 ||
            cursor_read_be16(buf, len, &off, &a.type) < 0 ||
            tpm2b_read_into(buf, len, &off, TPM2_NAME_SIZE_MAX, true, a.qualified_signer, &a.qualified_signer_size) < 0 ||
            tpm2b_read_into(buf, len, &off, TPM2_DATA_SIZE_MAX, true, a.extra_data, &a.extra_data_size) < 0 ||
            read_clock_info(buf, len, &off, &a.clock_info) < 0 ||
            cursor_read_be64(buf, len, &off, &a.firmware_version) < 0)
                return -EBADMSG;

        switch (a.type) {
        case TPM2_ST_ATTEST_QUOTE:
                if (read_pcr_selection(buf, len, &off, &a.quote.pcr_select) < 0 ||
                    tpm2b_read_into(buf, len, &off, TPM2_DIGEST_SIZE_MAX, true, a.quote.pcr_digest, &a.quote.pcr_digest_size) < 0)
                        return -EBADMSG;
                break;
        case TPM2_ST_ATTEST_CERTIFY:
                if (tpm2b_read_into(buf, len, &off, TPM2_NAME_SIZE_MAX, true, a.certify.name, &a.certify.name_size) < 0 ||
                    tpm2b_read_into(buf, len, &off, TPM2_NAME_SIZE_MAX, true, a.certify.qualified_name,
                               &a.certify.qualified_name_size) < 0)
                        return -EBADMSG;
                break;
        default:
                return -EBADMSG;
        }
        if (off != len)
                return -EBADMSG;

        *ret = a;
        return 0;
}
