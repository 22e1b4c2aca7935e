/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/objects.h>

#include "cursor.h"
#include "macro.h"
#include "tdx-pck.h"

#define DER_INTEGER      0x02
#define DER_OCTET_STRING 0x04
#define DER_OID          0x06
#define DER_ENUMERATED   0x0a
#define DER_SEQUENCE     0x30

/* 1.2.840.113741.1.13.1, DER content octets; its fields add one or two arcs. */
static const uint8_t sgx_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };

DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OBJECT *, ASN1_OBJECT_free);

/* One TLV with a single-byte tag and a definite length of up to three bytes. */
static int der_read(const uint8_t *b, size_t n, size_t *o, uint8_t *ret_tag, const uint8_t **ret, size_t *ret_len) {
        size_t p = *o, len = 0;
        uint8_t tag, first;

        if (cursor_read_u8(b, n, &p, &tag) < 0 || cursor_read_u8(b, n, &p, &first) < 0)
                return -EBADMSG;
        if (first < 0x80)
                len = first;
        else {
                unsigned k = first & 0x7fu;
                if (k == 0 || k > 3)
                        return -EBADMSG;
                for (unsigned i = 0; i < k; i++) {
                        uint8_t x;
                        if (cursor_read_u8(b, n, &p, &x) < 0)
                                return -EBADMSG;
                        len = len << 8 | x;
                }
        }
        if (cursor_read_span(b, n, &p, len, ret) < 0)
                return -EBADMSG;
        *ret_tag = tag;
        *ret_len = len;
        *o = p;
        return 0;
}

static int der_expect(const uint8_t *b, size_t n, size_t *o, uint8_t tag, const uint8_t **ret, size_t *ret_len) {
        uint8_t t;
        if (der_read(b, n, o, &t, ret, ret_len) < 0 || t != tag)
                return -EBADMSG;
        return 0;
}

/* SEQUENCE { OID, value }: returns the OID's arcs after the SGX prefix (one or two). */
static int read_field(const uint8_t *b, size_t n, size_t *o, uint8_t arcs[static 2], size_t *ret_n_arcs,
                      uint8_t *ret_tag, const uint8_t **ret, size_t *ret_len) {
        const uint8_t *seq, *oid;
        size_t seq_len, oid_len, p = 0;

        if (der_expect(b, n, o, DER_SEQUENCE, &seq, &seq_len) < 0 ||
            der_expect(seq, seq_len, &p, DER_OID, &oid, &oid_len) < 0 ||
            oid_len <= sizeof sgx_oid || oid_len > sizeof sgx_oid + 2 ||
            memcmp(oid, sgx_oid, sizeof sgx_oid) != 0 ||
            der_read(seq, seq_len, &p, ret_tag, ret, ret_len) < 0 || p != seq_len)
                return -EBADMSG;
        *ret_n_arcs = oid_len - sizeof sgx_oid;
        memcpy(arcs, oid + sizeof sgx_oid, *ret_n_arcs);
        return 0;
}

static int integer_value(const uint8_t *p, size_t len, uint16_t *ret) {
        uint32_t v = 0;

        if (len == 0 || len > 3 || (p[0] & 0x80))
                return -EBADMSG;
        for (size_t i = 0; i < len; i++)
                v = v << 8 | p[i];
        if (v > UINT16_MAX)
                return -EBADMSG;
        *ret = (uint16_t) v;
        return 0;
}

/* The TCB field: components .2.1–.2.16, pcesvn .2.17, cpusvn .2.18 (unused: the components say it all). */
static int parse_tcb(const uint8_t *b, size_t n, TdxPckInfo *info) {
        uint32_t seen = 0;
        size_t o = 0;

        while (o < n) {
                uint8_t arcs[2], tag;
                const uint8_t *v;
                size_t n_arcs, len;
                uint16_t x;

                if (read_field(b, n, &o, arcs, &n_arcs, &tag, &v, &len) < 0 || n_arcs != 2 || arcs[0] != 2)
                        return -EBADMSG;
                if (arcs[1] >= 1 && arcs[1] <= 17) {
                        if (tag != DER_INTEGER || integer_value(v, len, &x) < 0 || (arcs[1] <= 16 && x > 255))
                                return -EBADMSG;
                        if (arcs[1] <= 16)
                                info->cpusvn_components[arcs[1] - 1] = (uint8_t) x;
                        else
                                info->pcesvn = x;
                } else if (arcs[1] != 18)
                        continue;      /* later additions are not ours to judge */
                if (seen & (UINT32_C(1) << arcs[1]))
                        return -EBADMSG;
                seen |= UINT32_C(1) << arcs[1];
        }
        /* .2.1 … .2.17 all present */
        return (seen & 0x3fffeu) == 0x3fffeu ? 0 : -EBADMSG;
}

static int parse_sgx_extension(const uint8_t *b, size_t n, TdxPckInfo *info) {
        const uint8_t *body;
        size_t body_len, o = 0, p = 0;
        unsigned seen = 0;

        if (der_expect(b, n, &o, DER_SEQUENCE, &body, &body_len) < 0 || o != n)
                return -EBADMSG;
        while (p < body_len) {
                uint8_t arcs[2], tag;
                const uint8_t *v;
                size_t n_arcs, len;

                if (read_field(body, body_len, &p, arcs, &n_arcs, &tag, &v, &len) < 0 || n_arcs != 1)
                        return -EBADMSG;
                switch (arcs[0]) {
                case 2:
                        if (tag != DER_SEQUENCE || parse_tcb(v, len, info) < 0)
                                return -EBADMSG;
                        break;
                case 3:
                        if (tag != DER_OCTET_STRING || len != sizeof info->pce_id)
                                return -EBADMSG;
                        memcpy(info->pce_id, v, len);
                        break;
                case 4:
                        if (tag != DER_OCTET_STRING || len != sizeof info->fmspc)
                                return -EBADMSG;
                        memcpy(info->fmspc, v, len);
                        break;
                default:
                        continue;   /* PPID, SGX type, platform instance …: not needed here */
                }
                if (seen & (1u << arcs[0]))
                        return -EBADMSG;
                seen |= 1u << arcs[0];
        }
        return seen == ((1u << 2) | (1u << 3) | (1u << 4)) ? 0 : -EBADMSG;
}

int tdx_pck_info(X509 *pck, TdxPckInfo *ret) {
        _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        const ASN1_OCTET_STRING *d;
        TdxPckInfo info = {};
        int i;

        assert_return(pck && ret, -EINVAL);
        if (!obj)
                return -ENOMEM;
        i = X509_get_ext_by_OBJ(pck, obj, -1);
        if (i < 0)
                return -ENOENT;
        if (X509_get_ext_by_OBJ(pck, obj, i) >= 0)
                return -EBADMSG;
        d = X509_EXTENSION_get_data(X509_get_ext(pck, i));
        if (parse_sgx_extension(ASN1_STRING_get0_data(d), (size_t) ASN1_STRING_length(d), &info) < 0)
                return -EBADMSG;
        *ret = info;
        return 0;
}
