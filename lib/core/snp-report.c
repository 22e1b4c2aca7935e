/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "macro.h"
#include "snp-report.h"

/* 72-byte little-endian component → 48-byte big-endian; the 24 bytes above a
 * P-384 scalar must be zero, otherwise the value is not what the key signed. */
static int read_sig_component(const uint8_t *buf, size_t len, size_t *offset, uint8_t out[static 48]) {
        const uint8_t *p;

        if (cursor_read_span(buf, len, offset, SNP_ECDSA_COMPONENT_SIZE, &p) < 0)
                return -EBADMSG;
        for (size_t i = 48; i < SNP_ECDSA_COMPONENT_SIZE; i++)
                if (p[i] != 0)
                        return -EBADMSG;
        for (size_t i = 0; i < 48; i++)
                out[i] = p[47 - i];
        return 0;
}

static int parse_header(const uint8_t *b, size_t n, size_t *o, SnpReport *r) {
        uint32_t flags, reserved;

        if (cursor_read_le32(b, n, o, &r->version) < 0 ||
            cursor_read_le32(b, n, o, &r->guest_svn) < 0 ||
            cursor_read_le64(b, n, o, &r->policy) < 0 ||
            cursor_read_bytes(b, n, o, r->family_id, sizeof r->family_id) < 0 ||
            cursor_read_bytes(b, n, o, r->image_id, sizeof r->image_id) < 0 ||
            cursor_read_le32(b, n, o, &r->vmpl) < 0 ||
            cursor_read_le32(b, n, o, &r->signature_algo) < 0 ||
            cursor_read_le64(b, n, o, &r->current_tcb) < 0 ||
            cursor_read_le64(b, n, o, &r->platform_info) < 0 ||
            cursor_read_le32(b, n, o, &flags) < 0 ||
            cursor_read_le32(b, n, o, &reserved) < 0)
                return -EBADMSG;
        if (r->version < SNP_REPORT_VERSION_MIN || r->version > SNP_REPORT_VERSION_MAX)
                return -EBADMSG;
        if (r->signature_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
                return -EBADMSG;
        r->author_key_en = flags & 1u;
        r->mask_chip_key = flags & 2u;
        r->signing_key = (uint8_t) ((flags >> 2) & 7u);
        if (r->signing_key != SNP_SIGNING_KEY_VCEK && r->signing_key != SNP_SIGNING_KEY_VLEK &&
            r->signing_key != SNP_SIGNING_KEY_NONE)
                return -EBADMSG;
        return 0;
}

static int parse_body(const uint8_t *b, size_t n, size_t *o, SnpReport *r) {
        if (cursor_read_bytes(b, n, o, r->report_data, sizeof r->report_data) < 0 ||
            cursor_read_bytes(b, n, o, r->measurement, sizeof r->measurement) < 0 ||
            cursor_read_bytes(b, n, o, r->host_data, sizeof r->host_data) < 0 ||
            cursor_read_bytes(b, n, o, r->id_key_digest, sizeof r->id_key_digest) < 0 ||
            cursor_read_bytes(b, n, o, r->author_key_digest, sizeof r->author_key_digest) < 0 ||
            cursor_read_bytes(b, n, o, r->report_id, sizeof r->report_id) < 0 ||
            cursor_read_bytes(b, n, o, r->report_id_ma, sizeof r->report_id_ma) < 0 ||
            cursor_read_le64(b, n, o, &r->reported_tcb) < 0)
                return -EBADMSG;

        /* 0x188: CPUID family, model and stepping since version 3, reserved before. */
        if (cursor_read_u8(b, n, o, &r->cpuid_fam_id) < 0 ||
            cursor_read_u8(b, n, o, &r->cpuid_mod_id) < 0 ||
            cursor_read_u8(b, n, o, &r->cpuid_step) < 0 ||
            cursor_skip(n, o, 0x1A0 - 0x18B) < 0)
                return -EBADMSG;
        if (r->version < 3)
                r->cpuid_fam_id = r->cpuid_mod_id = r->cpuid_step = 0;

        if (cursor_read_bytes(b, n, o, r->chip_id, sizeof r->chip_id) < 0 ||
            cursor_read_le64(b, n, o, &r->committed_tcb) < 0 ||
            cursor_read_u8(b, n, o, &r->current_build) < 0 ||
            cursor_read_u8(b, n, o, &r->current_minor) < 0 ||
            cursor_read_u8(b, n, o, &r->current_major) < 0 ||
            cursor_skip(n, o, 1) < 0 ||
            cursor_read_u8(b, n, o, &r->committed_build) < 0 ||
            cursor_read_u8(b, n, o, &r->committed_minor) < 0 ||
            cursor_read_u8(b, n, o, &r->committed_major) < 0 ||
            cursor_skip(n, o, 1) < 0 ||
            cursor_read_le64(b, n, o, &r->launch_tcb) < 0 ||
            cursor_read_le64(b, n, o, &r->launch_mit_vector) < 0 ||
            cursor_read_le64(b, n, o, &r->current_mit_vector) < 0)
                return -EBADMSG;
        if (r->version < 5)
                r->launch_mit_vector = r->current_mit_vector = 0;
        return 0;
}

int snp_report_parse(const uint8_t *buf, size_t size, SnpReport *ret) {
        SnpReport r = {};
        size_t o = 0;

        assert_return(buf && ret, -EINVAL);
        if (size != SNP_REPORT_SIZE)
                return -EBADMSG;
        if (parse_header(buf, size, &o, &r) < 0 || parse_body(buf, size, &o, &r) < 0)
                return -EBADMSG;
        o = SNP_REPORT_SIGNED_SIZE;
        if (read_sig_component(buf, size, &o, r.signature) < 0 ||
            read_sig_component(buf, size, &o, r.signature + 48) < 0)
                return -EBADMSG;
        *ret = r;
        return 0;
}

SnpTcb snp_tcb_decode(uint64_t tcb, SnpProduct product) {
        uint8_t b[8];

        for (size_t i = 0; i < 8; i++)
                b[i] = (uint8_t) (tcb >> (8 * i));
        if (product == SNP_PRODUCT_TURIN)
                return (SnpTcb) { .fmc = b[0], .bootloader = b[1], .tee = b[2], .snp = b[3], .microcode = b[7] };
        return (SnpTcb) { .bootloader = b[0], .tee = b[1], .snp = b[6], .microcode = b[7] };
}

SnpProduct snp_product_from_cpuid(uint8_t family, uint8_t model) {
        /* Family 19h: Milan is model 0xh, Genoa (and its Bergamo/Siena siblings,
         * which AMD certifies as Genoa) 1xh and Axh; family 1Ah is Turin. */
        if (family == 0x19 && model <= 0x0f)
                return SNP_PRODUCT_MILAN;
        if (family == 0x19 && ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)))
                return SNP_PRODUCT_GENOA;
        if (family == 0x1a && model <= 0x1f)
                return SNP_PRODUCT_TURIN;
        return SNP_PRODUCT_UNKNOWN;
}

static const char *const product_names[] = {
        [SNP_PRODUCT_MILAN] = "Milan",
        [SNP_PRODUCT_GENOA] = "Genoa",
        [SNP_PRODUCT_TURIN] = "Turin",
};

const char *snp_product_to_string(SnpProduct p) {
        return (size_t) p < ELEMENTSOF(product_names) ? product_names[p] : NULL;
}

SnpProduct snp_product_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(product_names); i++)
                if (product_names[i] && s && strcmp(product_names[i], s) == 0)
                        return (SnpProduct) i;
        return SNP_PRODUCT_UNKNOWN;
}

const char *snp_signing_key_to_string(uint8_t k) {
        switch (k) {
        case SNP_SIGNING_KEY_VCEK: return "vcek";
        case SNP_SIGNING_KEY_VLEK: return "vlek";
        case SNP_SIGNING_KEY_NONE: return "none";
        default:                   return NULL;
        }
}
