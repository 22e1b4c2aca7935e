/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "attest-limits.h"
#include "cursor.h"
#include "macro.h"
#include "tdx-quote.h"

static int parse_header(const uint8_t *b, size_t n, size_t *o, TdxQuote *q) {
        uint16_t key_type;
        uint32_t tee_type;

        if (cursor_read_le16(b, n, o, &q->version) < 0 ||
            cursor_read_le16(b, n, o, &key_type) < 0 ||
            cursor_read_le32(b, n, o, &tee_type) < 0 ||
            cursor_read_le16(b, n, o, &q->qe_svn) < 0 ||
            cursor_read_le16(b, n, o, &q->pce_svn) < 0 ||
            cursor_read_bytes(b, n, o, q->qe_vendor_id, sizeof q->qe_vendor_id) < 0 ||
            cursor_read_bytes(b, n, o, q->user_data, sizeof q->user_data) < 0)
                return -EBADMSG;
        if ((q->version != 4 && q->version != 5) || key_type != TDX_ATT_KEY_TYPE_ECDSA_P256 ||
            tee_type != TDX_TEE_TYPE_TDX)
                return -EBADMSG;
        return 0;
}

static int parse_body(const uint8_t *b, size_t n, size_t *o, bool td15, TdxReportBody *r) {
        int k = 0;

        k |= cursor_read_bytes(b, n, o, r->tee_tcb_svn, sizeof r->tee_tcb_svn);
        k |= cursor_read_bytes(b, n, o, r->mrseam, sizeof r->mrseam);
        k |= cursor_read_bytes(b, n, o, r->mrsignerseam, sizeof r->mrsignerseam);
        k |= cursor_read_bytes(b, n, o, r->seam_attributes, sizeof r->seam_attributes);
        k |= cursor_read_bytes(b, n, o, r->td_attributes, sizeof r->td_attributes);
        k |= cursor_read_bytes(b, n, o, r->xfam, sizeof r->xfam);
        k |= cursor_read_bytes(b, n, o, r->mrtd, sizeof r->mrtd);
        k |= cursor_read_bytes(b, n, o, r->mrconfigid, sizeof r->mrconfigid);
        k |= cursor_read_bytes(b, n, o, r->mrowner, sizeof r->mrowner);
        k |= cursor_read_bytes(b, n, o, r->mrownerconfig, sizeof r->mrownerconfig);
        k |= cursor_read_bytes(b, n, o, r->rtmr, sizeof r->rtmr);
        k |= cursor_read_bytes(b, n, o, r->report_data, sizeof r->report_data);
        r->td15 = td15;
        if (td15) {
                k |= cursor_read_bytes(b, n, o, r->tee_tcb_svn2, sizeof r->tee_tcb_svn2);
                k |= cursor_read_bytes(b, n, o, r->mrservicetd, sizeof r->mrservicetd);
        }
        return k < 0 ? -EBADMSG : 0;
}

/* Version 5 announces the body's type and size; version 4 has a TD 1.0 body. */
static int parse_body_header(const uint8_t *b, size_t n, size_t *o, TdxQuote *q) {
        uint32_t size;

        if (q->version == 4) {
                q->body_type = TDX_BODY_TYPE_TD10;
                return 0;
        }
        if (cursor_read_le16(b, n, o, &q->body_type) < 0 || cursor_read_le32(b, n, o, &size) < 0)
                return -EBADMSG;
        if (!(q->body_type == TDX_BODY_TYPE_TD10 && size == TDX_TD10_BODY_SIZE) &&
            !(q->body_type == TDX_BODY_TYPE_TD15 && size == TDX_TD15_BODY_SIZE))
                return -EBADMSG;
        return 0;
}

static int parse_qe_report(const uint8_t *b, size_t n, size_t *o, TdxQuote *q) {
        TdxQeReport *r = &q->qe_report;
        size_t start = *o;
        int k = 0;

        if (cursor_read_span(b, n, o, TDX_SGX_REPORT_SIZE, &q->qe_report_raw) < 0)
                return -EBADMSG;
        *o = start;
        k |= cursor_read_bytes(b, n, o, r->cpu_svn, sizeof r->cpu_svn);
        k |= cursor_read_le32(b, n, o, &r->miscselect);
        k |= cursor_skip(n, o, 28);
        k |= cursor_read_bytes(b, n, o, r->attributes, sizeof r->attributes);
        k |= cursor_read_bytes(b, n, o, r->mrenclave, sizeof r->mrenclave);
        k |= cursor_skip(n, o, 32);
        k |= cursor_read_bytes(b, n, o, r->mrsigner, sizeof r->mrsigner);
        k |= cursor_skip(n, o, 96);
        k |= cursor_read_le16(b, n, o, &r->isv_prod_id);
        k |= cursor_read_le16(b, n, o, &r->isv_svn);
        k |= cursor_skip(n, o, 60);
        k |= cursor_read_bytes(b, n, o, r->report_data, sizeof r->report_data);
        if (k < 0 || *o != start + TDX_SGX_REPORT_SIZE)
                return -EBADMSG;
        return 0;
}

/* Certification data type 6 holds the QE report and, nested, type 5: the PCK chain. */
static int parse_qe_cert_data(const uint8_t *b, size_t n, size_t *o, TdxQuote *q) {
        uint16_t auth_size, type;
        uint32_t chain_size;

        if (parse_qe_report(b, n, o, q) < 0 ||
            cursor_read_bytes(b, n, o, q->qe_report_signature, sizeof q->qe_report_signature) < 0 ||
            cursor_read_le16(b, n, o, &auth_size) < 0 ||
            auth_size > TDX_QE_AUTH_DATA_MAX ||
            cursor_read_span(b, n, o, auth_size, &q->qe_auth_data) < 0 ||
            cursor_read_le16(b, n, o, &type) < 0 ||
            cursor_read_le32(b, n, o, &chain_size) < 0)
                return -EBADMSG;
        q->qe_auth_data_size = auth_size;
        if (type != TDX_CERT_TYPE_PCK_CHAIN || chain_size == 0 || chain_size > TDX_PCK_CHAIN_MAX ||
            cursor_read_span(b, n, o, chain_size, &q->pck_chain) < 0)
                return -EBADMSG;
        q->pck_chain_size = chain_size;
        return 0;
}

static int parse_signature_data(const uint8_t *b, size_t n, size_t *o, TdxQuote *q) {
        uint32_t sig_size, cert_size;
        uint16_t type;
        size_t sig_end, cert_end;

        if (cursor_read_le32(b, n, o, &sig_size) < 0 ||
            cursor_need(n, *o, sig_size) < 0)
                return -EBADMSG;
        sig_end = *o + sig_size;
        if (cursor_read_bytes(b, sig_end, o, q->signature, sizeof q->signature) < 0 ||
            cursor_read_bytes(b, sig_end, o, q->attestation_key, sizeof q->attestation_key) < 0 ||
            cursor_read_le16(b, sig_end, o, &type) < 0 ||
            cursor_read_le32(b, sig_end, o, &cert_size) < 0 ||
            type != TDX_CERT_TYPE_QE_REPORT ||
            cursor_need(sig_end, *o, cert_size) < 0)
                return -EBADMSG;
        cert_end = *o + cert_size;
        /* Each nested size must account for exactly what it covers. */
        if (parse_qe_cert_data(b, cert_end, o, q) < 0 || *o != cert_end || cert_end != sig_end)
                return -EBADMSG;
        return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != 0)
                        return false;
        return true;
}

int tdx_quote_parse(const uint8_t *buf, size_t size, TdxQuote *ret) {
        TdxQuote q = {};
        size_t o = 0;

        assert_return(buf && ret, -EINVAL);
        if (size > TDX_QUOTE_SIZE_MAX)
                return -EBADMSG;
        if (parse_header(buf, size, &o, &q) < 0 ||
            parse_body_header(buf, size, &o, &q) < 0 ||
            parse_body(buf, size, &o, q.body_type == TDX_BODY_TYPE_TD15, &q.body) < 0)
                return -EBADMSG;
        q.signed_data = buf;
        q.signed_size = o;
        if (parse_signature_data(buf, size, &o, &q) < 0 || !all_zero(buf + o, size - o))
                return -EBADMSG;
        *ret = q;
        return 0;
}
