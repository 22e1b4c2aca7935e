/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc-binding.h"
#include "cc-cert.h"
#include "cc-evidence.h"
#include "snp-verify.h"
#include "tdx-pck.h"
#include "tdx-verify.h"

const char *cc_kind_to_string(CcKind k) {
        return k == CC_KIND_SEV_SNP ? "sev-snp" : k == CC_KIND_TDX ? "tdx" : NULL;
}

CcKind cc_kind_from_string(const char *s) {
        if (s && strcmp(s, "sev-snp") == 0)
                return CC_KIND_SEV_SNP;
        if (s && strcmp(s, "tdx") == 0)
                return CC_KIND_TDX;
        return CC_KIND_NONE;
}

CcTrust *cc_trust_free(CcTrust *t) {
        if (!t)
                return NULL;
        if (t->snp_ca)
                sk_X509_pop_free(t->snp_ca, X509_free);
        if (t->snp_certs)
                sk_X509_pop_free(t->snp_certs, X509_free);
        for (size_t i = 0; i < t->n_snp_crls; i++)
                X509_CRL_free(t->snp_crls[i]);
        free(t->snp_crls);
        if (t->tdx_roots)
                sk_X509_pop_free(t->tdx_roots, X509_free);
        for (size_t i = 0; i < t->n_tdx_collateral; i++)
                tdx_collateral_free(t->tdx_collateral[i]);
        free(t->tdx_collateral);
        return mfree(t);
}

const TdxCollateral *cc_trust_tdx_collateral(const CcTrust *t, const uint8_t fmspc[static 6]) {
        for (size_t i = 0; t && i < t->n_tdx_collateral; i++)
                if (memcmp(t->tdx_collateral[i]->tcb_info.fmspc, fmspc, 6) == 0)
                        return t->tdx_collateral[i];
        return NULL;
}

CcValidated *cc_validated_free(CcValidated *v) {
        if (!v)
                return NULL;
        free(v->report);
        for (size_t i = 0; v->advisory_ids[i]; i++)
                free(v->advisory_ids[i]);
        return mfree(v);
}

int cc_evidence_check_form(CcKind kind, const uint8_t *report, size_t size) {
        SnpReport s;
        TdxQuote q;

        if (!report)
                return -EBADMSG;
        if (kind == CC_KIND_SEV_SNP)
                return snp_report_parse(report, size, &s) < 0 ? -EBADMSG : 0;
        if (kind == CC_KIND_TDX)
                return tdx_quote_parse(report, size, &q) < 0 ? -EBADMSG : 0;
        return -EBADMSG;
}

static int invalid(char reason[static CC_REASON_MAX], char *detail, size_t detail_size, const char *prefix,
                   const char *id, const char *message) {
        (void) snprintf(reason, CC_REASON_MAX, "%s.%s", prefix, id);
        if (detail && detail_size > 0)
                (void) snprintf(detail, detail_size, "%s", message);
        return 1;
}

/* The endorsement key certificates that may have signed r: the node's own
 * first, then the collected ones issued for its chip (VCEK) or of the VLEK
 * kind (the host's copy may be one TCB behind the operator's). */
static int snp_candidates(const CcValidationInput *in, const SnpReport *r, STACK_OF(X509) **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *l = sk_X509_new_null();
        STACK_OF(X509) *certs = in->trust->snp_certs;

        if (!l)
                return -ENOMEM;
        if (in->cert) {
                X509 *x = NULL;

                if (cc_cert_parse(in->cert, in->cert_size, &x) < 0)
                        return -EBADMSG;
                if (!sk_X509_push(l, x)) {
                        X509_free(x);
                        return -ENOMEM;
                }
        }
        for (int i = 0; certs && i < sk_X509_num(certs); i++) {
                X509 *x = sk_X509_value(certs, i);
                SnpCertInfo info;
                bool match;

                /* Milan and Genoa VCEKs name 64 bytes of chip id, Turin's 8, VLEKs none. */
                if (snp_cert_info(x, SNP_PRODUCT_MILAN, &info) >= 0 && info.hwid_size == 64)
                        match = r->signing_key == SNP_SIGNING_KEY_VCEK && memcmp(info.hwid, r->chip_id, 64) == 0;
                else if (snp_cert_info(x, SNP_PRODUCT_TURIN, &info) >= 0 && info.hwid_size == 8)
                        match = r->signing_key == SNP_SIGNING_KEY_VCEK && memcmp(info.hwid, r->chip_id, 8) == 0;
                else
                        match = r->signing_key == SNP_SIGNING_KEY_VLEK;
                if (match && (!X509_up_ref(x) || !sk_X509_push(l, x)))
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* AMD's CRL for the chain of product: issued by the ARK of that name. */
static X509_CRL *snp_crl_for(const CcTrust *t, SnpProduct product) {
        char want[32], cn[64];

        (void) snprintf(want, sizeof want, "ARK-%s", snp_product_to_string(product) ?: "");
        for (int i = 0; t->snp_ca && i < sk_X509_num(t->snp_ca); i++) {
                X509 *ark = sk_X509_value(t->snp_ca, i);

                if (!cc_cert_is_self_signed(ark) || cc_cert_subject_cn(ark, cn, sizeof cn) < 0 || strcmp(cn, want) != 0)
                        continue;
                for (size_t k = 0; k < t->n_snp_crls; k++)
                        if (X509_NAME_cmp(X509_CRL_get_issuer(t->snp_crls[k]), X509_get_subject_name(ark)) == 0)
                                return t->snp_crls[k];
        }
        return NULL;
}

static int snp_validate(const CcValidationInput *in, CcValidated *v, char reason[static CC_REASON_MAX],
                        char *detail, size_t detail_size) {
        _cleanup_x509_stack_ STACK_OF(X509) *candidates = NULL;
        SnpVerdict first = _SNP_VERDICT_MAX;
        SnpVerifyResult res = {};
        SnpReport rep;
        int r;

        if (snp_report_parse(in->report, in->report_size, &rep) < 0)
                return -EBADMSG;
        if (!in->trust->snp_ca)
                return invalid(reason, detail, detail_size, "sev_snp", "no_trust_anchors",
                               "The verifier has no AMD trust anchors.");
        r = snp_candidates(in, &rep, &candidates);
        if (r == -EBADMSG)
                return invalid(reason, detail, detail_size, "sev_snp", "certificate_format",
                               "The node's endorsement key certificate is not one.");
        if (r < 0)
                return r;
        for (int i = 0; i < sk_X509_num(candidates); i++) {
                SnpVerifyParams p = { .cert = sk_X509_value(candidates, i), .ca = in->trust->snp_ca, .at = in->at };
                SnpVerdict verdict;

                r = snp_verify(&p, in->report, in->report_size, &rep, &verdict, &res);
                if (r < 0)
                        return r;
                if (verdict == SNP_VALID) {
                        /* The CRL applies once the chain, and so the product, is known. */
                        p.crl = snp_crl_for(in->trust, res.product);
                        if (p.crl) {
                                r = snp_verify(&p, in->report, in->report_size, &rep, &verdict, &res);
                                if (r < 0)
                                        return r;
                        }
                }
                if (first == _SNP_VERDICT_MAX || verdict == SNP_VALID)
                        first = verdict;
                if (verdict == SNP_VALID)
                        break;
        }
        if (first == _SNP_VERDICT_MAX)
                return invalid(reason, detail, detail_size, "sev_snp", "no_certificate",
                               rep.signing_key == SNP_SIGNING_KEY_VLEK ?
                               "No VLEK certificate was sent or collected." :
                               "No VCEK certificate for this chip was sent or collected.");
        if (first != SNP_VALID)
                return invalid(reason, detail, detail_size, "sev_snp", snp_verdict_to_string(first),
                               snp_verdict_to_message(first));
        r = cc_binding_check(CC_BINDING_SNP, rep.report_data, in->nonce, in->nonce_size, in->ak_name, in->ak_name_size);
        if (r < 0)
                return r;
        if (r == 0)
                return invalid(reason, detail, detail_size, "sev_snp", "binding_mismatch",
                               "report_data does not bind this attestation's nonce and the node's AK.");
        (void) snprintf(v->product, sizeof v->product, "%s", snp_product_to_string(res.product) ?: "");
        return 0;
}

static int tdx_validate(const CcValidationInput *in, CcValidated *v, char reason[static CC_REASON_MAX],
                        char *detail, size_t detail_size) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        const TdxCollateral *coll;
        TdxVerifyResult res = {};
        TdxVerdict verdict;
        TdxPckInfo pck;
        TdxQuote q;
        char msg[128];
        int r;

        if (tdx_quote_parse(in->report, in->report_size, &q) < 0)
                return -EBADMSG;
        if (!in->trust->tdx_roots)
                return invalid(reason, detail, detail_size, "tdx", "no_trust_anchors",
                               "The verifier has no Intel trust anchors.");
        r = cc_cert_parse_bundle(q.pck_chain, q.pck_chain_size, CC_CERT_BUNDLE_MAX, &chain);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || sk_X509_num(chain) < 1 || tdx_pck_info(sk_X509_value(chain, 0), &pck) < 0)
                return invalid(reason, detail, detail_size, "tdx", tdx_verdict_to_string(TDX_PCK_INVALID),
                               tdx_verdict_to_message(TDX_PCK_INVALID));
        coll = cc_trust_tdx_collateral(in->trust, pck.fmspc);
        if (!coll) {
                (void) snprintf(msg, sizeof msg, "No collateral for FMSPC %02x%02x%02x%02x%02x%02x.",
                                pck.fmspc[0], pck.fmspc[1], pck.fmspc[2], pck.fmspc[3], pck.fmspc[4], pck.fmspc[5]);
                return invalid(reason, detail, detail_size, "tdx", "no_collateral", msg);
        }
        TdxVerifyParams p = { .roots = in->trust->tdx_roots, .collateral = coll, .at = in->at };
        r = tdx_verify(&p, &q, &verdict, &res);
        if (r < 0)
                return r;
        if (verdict != TDX_VALID)
                return invalid(reason, detail, detail_size, "tdx", tdx_verdict_to_string(verdict),
                               tdx_verdict_to_message(verdict));
        r = cc_binding_check(CC_BINDING_TDX, q.body.report_data, in->nonce, in->nonce_size, in->ak_name, in->ak_name_size);
        if (r < 0)
                return r;
        if (r == 0)
                return invalid(reason, detail, detail_size, "tdx", tdx_verdict_to_string(TDX_BINDING_MISMATCH),
                               tdx_verdict_to_message(TDX_BINDING_MISMATCH));
        if (res.has_tcb_status)
                (void) snprintf(v->tcb_status, sizeof v->tcb_status, "%s", tdx_tcb_status_to_string(res.tcb_status) ?: "");
        for (size_t i = 0; i < res.advisories.n && i < TDX_ADVISORY_IDS_MAX; i++) {
                v->advisory_ids[i] = strdup(res.advisories.ids[i]);
                if (!v->advisory_ids[i])
                        return -ENOMEM;
        }
        return 0;
}

int cc_evidence_validate(const CcValidationInput *in, CcValidated **ret, char reason[static CC_REASON_MAX],
                         char *detail, size_t detail_size) {
        _cleanup_(cc_validated_freep) CcValidated *v = NULL;
        int r;

        assert_return(in && in->trust && reason, -EINVAL);
        assert_return(in->report && in->nonce && in->nonce_size > 0 && in->ak_name && in->ak_name_size > 0, -EINVAL);
        reason[0] = 0;
        v = calloc(1, sizeof *v);
        if (!v)
                return -ENOMEM;
        v->kind = in->kind;
        if (in->kind == CC_KIND_SEV_SNP)
                r = snp_validate(in, v, reason, detail, detail_size);
        else if (in->kind == CC_KIND_TDX)
                r = tdx_validate(in, v, reason, detail, detail_size);
        else
                return -EINVAL;
        if (r != 0)
                return r;
        v->report = malloc(in->report_size);
        if (!v->report)
                return -ENOMEM;
        memcpy(v->report, in->report, in->report_size);
        v->report_size = in->report_size;
        if (ret)
                *ret = TAKE_PTR(v);
        return 0;
}
