/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cc-cert.h"
#include "tdx-pck.h"
#include "tdx-verify.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY_CTX *, EVP_PKEY_CTX_free);

static const char *const verdict_ids[_TDX_VERDICT_MAX] = {
        [TDX_VALID]                   = "valid",
        [TDX_PCK_CHAIN_UNTRUSTED]     = "pck_chain_untrusted",
        [TDX_PCK_INVALID]             = "pck_invalid",
        [TDX_BAD_QE_REPORT_SIGNATURE] = "bad_qe_report_signature",
        [TDX_QE_BINDING]              = "qe_binding",
        [TDX_BAD_QUOTE_SIGNATURE]     = "bad_signature",
        [TDX_CRL_INVALID]             = "crl_invalid",
        [TDX_REVOKED]                 = "revoked",
        [TDX_COLLATERAL_UNTRUSTED]    = "collateral_untrusted",
        [TDX_TCB_INFO_SIGNATURE]      = "tcb_info_signature",
        [TDX_QE_IDENTITY_SIGNATURE]   = "qe_identity_signature",
        [TDX_COLLATERAL_EXPIRED]      = "collateral_expired",
        [TDX_COLLATERAL_FOREIGN]      = "collateral_foreign",
        [TDX_QE_IDENTITY_MISMATCH]    = "qe_identity_mismatch",
        [TDX_QE_TCB_UNSUPPORTED]      = "qe_tcb_unsupported",
        [TDX_MODULE_MISMATCH]         = "tdx_module_mismatch",
        [TDX_TCB_UNSUPPORTED]         = "tcb_unsupported",
        [TDX_TCB_LEVEL_REVOKED]       = "tcb_revoked",
        [TDX_TCB_BELOW_MINIMUM]       = "tcb_below_minimum",
        [TDX_RTMR_MISMATCH]           = "rtmr_mismatch",
        [TDX_BINDING_MISMATCH]        = "binding_mismatch",
};

static const char *const verdict_messages[_TDX_VERDICT_MAX] = {
        [TDX_VALID]                   = "The quote, its PCK chain and the collateral verify.",
        [TDX_PCK_CHAIN_UNTRUSTED]     = "The quote's PCK certificate chain does not lead to a trusted Intel root.",
        [TDX_PCK_INVALID]             = "The PCK certificate lacks Intel's SGX extension or a P-256 key.",
        [TDX_BAD_QE_REPORT_SIGNATURE] = "The QE report is not signed by the PCK key.",
        [TDX_QE_BINDING]              = "The QE report does not vouch for the quote's attestation key.",
        [TDX_BAD_QUOTE_SIGNATURE]     = "The quote is not signed by its attestation key.",
        [TDX_CRL_INVALID]             = "A CRL is not issued by the chain's CA, is badly signed, or is not current.",
        [TDX_REVOKED]                 = "A CRL revokes the PCK certificate, its CA or a collateral signer.",
        [TDX_COLLATERAL_UNTRUSTED]    = "The TCB Info or QE Identity signer does not chain to a trusted Intel root.",
        [TDX_TCB_INFO_SIGNATURE]      = "TCB Info is not signed by its issuer.",
        [TDX_QE_IDENTITY_SIGNATURE]   = "QE Identity is not signed by its issuer.",
        [TDX_COLLATERAL_EXPIRED]      = "TCB Info or QE Identity is not valid at the time of verification.",
        [TDX_COLLATERAL_FOREIGN]      = "TCB Info is for another platform (FMSPC or PCE id).",
        [TDX_QE_IDENTITY_MISMATCH]    = "The quoting enclave is not the one QE Identity describes.",
        [TDX_QE_TCB_UNSUPPORTED]      = "No QE Identity TCB level matches the quoting enclave.",
        [TDX_MODULE_MISMATCH]         = "The TDX module is not one TCB Info describes.",
        [TDX_TCB_UNSUPPORTED]         = "No TCB Info level matches the platform or the TDX module.",
        [TDX_TCB_LEVEL_REVOKED]       = "The platform's TCB level is revoked.",
        [TDX_TCB_BELOW_MINIMUM]       = "The TCB status is worse than the required minimum.",
        [TDX_RTMR_MISMATCH]           = "The CC event log does not replay to the quote's RTMRs.",
        [TDX_BINDING_MISMATCH]        = "REPORTDATA does not bind the nonce and the AK name.",
};

const char *tdx_verdict_to_string(TdxVerdict v) {
        return (unsigned) v < _TDX_VERDICT_MAX ? verdict_ids[v] : NULL;
}

const char *tdx_verdict_to_message(TdxVerdict v) {
        return (unsigned) v < _TDX_VERDICT_MAX ? verdict_messages[v] : NULL;
}

/* Intel signs with ECDSA P-256/SHA-256 throughout. */
static bool intel_signed(X509 *x) {
        return cc_cert_signature_is(x, NID_X9_62_id_ecPublicKey, NID_sha256);
}

/* The certificates of an untrusted chain (from a quote or the collateral) may
 * only serve as intermediates: the anchors are the caller's roots alone. */
static int verify_untrusted_chain(STACK_OF(X509) *given, STACK_OF(X509) *roots, time_t at,
                                  STACK_OF(X509) **ret_chain, const char **ret_reason) {
        _cleanup_x509_stack_ STACK_OF(X509) *pool = sk_X509_new_null();
        X509 *leaf;

        if (!pool)
                return -ENOMEM;
        if (sk_X509_num(given) < 1) {
                *ret_reason = "empty certificate chain";
                return -EPERM;
        }
        leaf = sk_X509_value(given, 0);
        for (int i = 1; i < sk_X509_num(given); i++) {
                X509 *x = sk_X509_value(given, i);
                if (cc_cert_is_self_signed(x))
                        continue;
                if (!X509_up_ref(x) || !sk_X509_push(pool, x))
                        return -ENOMEM;
        }
        for (int i = 0; i < sk_X509_num(roots); i++) {
                X509 *x = sk_X509_value(roots, i);
                if (!X509_up_ref(x) || !sk_X509_push(pool, x))
                        return -ENOMEM;
        }
        return cc_cert_verify_chain(leaf, pool, at, ret_chain, ret_reason);
}

static bool chain_intel_signed(STACK_OF(X509) *chain) {
        for (int i = 0; i < sk_X509_num(chain); i++)
                if (!intel_signed(sk_X509_value(chain, i)))
                        return false;
        return true;
}

/* PCK chain: PCK → PCK Platform/Processor CA → root. */
static int check_pck(STACK_OF(X509) *roots, time_t at, const TdxQuote *q, TdxVerifyResult *res, TdxVerdict *ret_v,
                     STACK_OF(X509) **ret_chain, TdxPckInfo *ret_info) {
        _cleanup_x509_stack_ STACK_OF(X509) *given = NULL, *chain = NULL;
        int k;

        k = cc_cert_parse_bundle(q->pck_chain, q->pck_chain_size, CC_CERT_BUNDLE_MAX, &given);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                *ret_v = TDX_PCK_INVALID;
                return 0;
        }
        k = verify_untrusted_chain(given, roots, at, &chain, &res->detail);
        if (k == -EPERM || (k >= 0 && (sk_X509_num(chain) != 3 || !chain_intel_signed(chain)))) {
                *ret_v = TDX_PCK_CHAIN_UNTRUSTED;
                return 0;
        }
        if (k < 0)
                return k;
        if (tdx_pck_info(sk_X509_value(chain, 0), ret_info) < 0) {
                *ret_v = TDX_PCK_INVALID;
                return 0;
        }
        *ret_v = TDX_VALID;
        *ret_chain = TAKE_PTR(chain);
        return 0;
}

static TdxVerdict crl_verdict(CcCrlResult r) {
        switch (r) {
        case CC_CRL_OK:
                return TDX_VALID;
        case CC_CRL_REVOKED:
                return TDX_REVOKED;
        default:
                return TDX_CRL_INVALID;
        }
}

/* The root CRL covers the PCK's CA, the CA's CRL the PCK. */
static TdxVerdict check_pck_crls(const TdxVerifyParams *p, STACK_OF(X509) *chain) {
        TdxVerdict v;

        v = crl_verdict(cc_crl_check(p->collateral->root_ca_crl, sk_X509_value(chain, 2), sk_X509_value(chain, 1), p->at));
        if (v != TDX_VALID)
                return v;
        return crl_verdict(cc_crl_check(p->collateral->pck_crl, sk_X509_value(chain, 1), sk_X509_value(chain, 0), p->at));
}

static int attestation_key(const uint8_t xy[static 64], EVP_PKEY **ret) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        uint8_t point[65] = { 0x04 };
        char group[] = "prime256v1";
        OSSL_PARAM params[] = {
                OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
                OSSL_PARAM_END,
        };

        memcpy(point + 1, xy, 64);
        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, ret, EVP_PKEY_PUBLIC_KEY, params) != 1) {
                ERR_clear_error();
                return -EBADMSG;   /* not a point on the curve */
        }
        return 0;
}

/* QE report signed by the PCK; QE report data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes;
 * the quote signed by the attestation key. */
static int check_signatures(X509 *pck, const TdxQuote *q, TdxVerdict *ret_v) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *ak = NULL;
        static const uint8_t zero[32] = {};
        uint8_t digest[32];
        EVP_MD_CTX *md;
        int k;

        k = cc_ecdsa_verify_raw(X509_get0_pubkey(pck), EVP_sha256(), q->qe_report_signature, 32,
                                q->qe_report_raw, TDX_SGX_REPORT_SIZE);
        if (k <= 0) {
                *ret_v = TDX_BAD_QE_REPORT_SIGNATURE;
                return k;
        }

        md = EVP_MD_CTX_new();
        if (!md)
                return -ENOMEM;
        k = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
            EVP_DigestUpdate(md, q->attestation_key, sizeof q->attestation_key) == 1 &&
            EVP_DigestUpdate(md, q->qe_auth_data, q->qe_auth_data_size) == 1 &&
            EVP_DigestFinal_ex(md, digest, NULL) == 1;
        EVP_MD_CTX_free(md);
        if (!k)
                return -ENOMEM;
        if (memcmp(digest, q->qe_report.report_data, 32) != 0 || memcmp(zero, q->qe_report.report_data + 32, 32) != 0) {
                *ret_v = TDX_QE_BINDING;
                return 0;
        }

        if (attestation_key(q->attestation_key, &ak) < 0) {
                *ret_v = TDX_BAD_QUOTE_SIGNATURE;
                return 0;
        }
        k = cc_ecdsa_verify_raw(ak, EVP_sha256(), q->signature, 32, q->signed_data, q->signed_size);
        if (k < 0)
                return k;
        *ret_v = k ? TDX_VALID : TDX_BAD_QUOTE_SIGNATURE;
        return 0;
}

/* One signed collateral document: its issuer chain to the roots, not revoked by
 * the root CRL, its signature, and its validity window. */
static int check_document(const TdxVerifyParams *p, STACK_OF(X509) *issuer_chain, const char *text,
                          const uint8_t sig[static 64], time_t issue, time_t next, TdxVerdict bad_sig,
                          TdxVerifyResult *res, TdxVerdict *ret_v) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        int k;

        k = verify_untrusted_chain(issuer_chain, p->roots, p->at, &chain, &res->detail);
        if (k == -EPERM || (k >= 0 && (sk_X509_num(chain) != 2 || !chain_intel_signed(chain)))) {
                *ret_v = TDX_COLLATERAL_UNTRUSTED;
                return 0;
        }
        if (k < 0)
                return k;
        *ret_v = crl_verdict(cc_crl_check(p->collateral->root_ca_crl, sk_X509_value(chain, 1), sk_X509_value(chain, 0), p->at));
        if (*ret_v != TDX_VALID)
                return 0;
        k = cc_ecdsa_verify_raw(X509_get0_pubkey(sk_X509_value(chain, 0)), EVP_sha256(), sig, 32, text, strlen(text));
        if (k < 0)
                return k;
        if (k == 0)
                *ret_v = bad_sig;
        else if (p->at < issue || p->at > next)
                *ret_v = TDX_COLLATERAL_EXPIRED;
        else
                *ret_v = TDX_VALID;
        return 0;
}

static bool masked_equal(const uint8_t *a, const uint8_t *b, const uint8_t *mask, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((a[i] & mask[i]) != (b[i] & mask[i]))
                        return false;
        return true;
}

static void add_advisories(TdxAdvisories *to, const TdxAdvisories *from) {
        for (size_t i = 0; i < from->n; i++) {
                bool seen = false;
                for (size_t j = 0; j < to->n && !seen; j++)
                        seen = strcmp(to->ids[j], from->ids[i]) == 0;
                if (!seen && to->n < TDX_ADVISORY_IDS_MAX)
                        strcpy(to->ids[to->n++], from->ids[i]);
        }
}

/* The first level (Intel orders them best first) whose ISVSVN the given one reaches. */
static const TdxTcbLevel *match_isvsvn(const TdxTcbLevel *levels, size_t n, uint16_t isvsvn) {
        for (size_t i = 0; i < n; i++)
                if (isvsvn >= levels[i].isvsvn)
                        return levels + i;
        return NULL;
}

static TdxVerdict check_qe(const TdxQeIdentity *id, const TdxQeReport *qe, const TdxTcbLevel **ret_level) {
        uint8_t misc[4] = { qe->miscselect >> 24, qe->miscselect >> 16, qe->miscselect >> 8, qe->miscselect };
        uint8_t want[4] = { id->miscselect >> 24, id->miscselect >> 16, id->miscselect >> 8, id->miscselect };
        uint8_t mask[4] = { id->miscselect_mask >> 24, id->miscselect_mask >> 16, id->miscselect_mask >> 8, id->miscselect_mask };

        if (!masked_equal(misc, want, mask, 4) ||
            !masked_equal(qe->attributes, id->attributes, id->attributes_mask, sizeof qe->attributes) ||
            memcmp(qe->mrsigner, id->mrsigner, sizeof qe->mrsigner) != 0 || qe->isv_prod_id != id->isv_prod_id)
                return TDX_QE_IDENTITY_MISMATCH;
        *ret_level = match_isvsvn(id->levels, id->n_levels, qe->isv_svn);
        return *ret_level ? TDX_VALID : TDX_QE_TCB_UNSUPPORTED;
}

static bool module_matches(const TdxModuleIdentity *m, const TdxReportBody *b) {
        return memcmp(m->mrsigner, b->mrsignerseam, sizeof m->mrsigner) == 0 &&
               masked_equal(b->seam_attributes, m->attributes, m->attributes_mask, sizeof m->attributes);
}

/* TEE_TCB_SVN[1] is the module's major version: 0 means the module TCB Info
 * names directly; otherwise the identity "TDX_<major>" with its own levels,
 * matched by TEE_TCB_SVN[0]. *ret_level stays NULL for version 0. */
static TdxVerdict check_module(const TdxTcbInfo *t, const TdxReportBody *b, const TdxTcbLevel **ret_level) {
        char id[16];

        *ret_level = NULL;
        if (b->tee_tcb_svn[1] == 0)
                return t->has_module && module_matches(&t->module, b) ? TDX_VALID : TDX_MODULE_MISMATCH;
        (void) snprintf(id, sizeof id, "TDX_%02X", b->tee_tcb_svn[1]);
        for (size_t i = 0; i < t->n_module_identities; i++) {
                const TdxModuleIdentity *m = t->module_identities + i;
                if (strcasecmp(m->id, id) != 0)
                        continue;
                if (!module_matches(m, b))
                        return TDX_MODULE_MISMATCH;
                *ret_level = match_isvsvn(m->levels, m->n_levels, b->tee_tcb_svn[0]);
                return *ret_level ? TDX_VALID : TDX_TCB_UNSUPPORTED;
        }
        return TDX_MODULE_MISMATCH;
}

static const TdxTcbLevel *match_platform(const TdxTcbInfo *t, const TdxPckInfo *pck, const TdxReportBody *b) {
        /* With a module identity the first two TEE_TCB_SVN bytes are the module's, judged above. */
        size_t start = b->tee_tcb_svn[1] > 0 ? 2 : 0;

        for (size_t i = 0; i < t->n_levels; i++) {
                const TdxTcbLevel *l = t->levels + i;
                bool ok = pck->pcesvn >= l->pcesvn;
                for (size_t c = 0; ok && c < 16; c++)
                        ok = pck->cpusvn_components[c] >= l->sgx_components[c];
                for (size_t c = start; ok && c < 16; c++)
                        ok = b->tee_tcb_svn[c] >= l->tdx_components[c];
                if (ok)
                        return l;
        }
        return NULL;
}

/* An out-of-date or revoked module or QE drags the platform's status down with it. */
static TdxTcbStatus converge(TdxTcbStatus platform, TdxTcbStatus other) {
        if (other == TDX_TCB_REVOKED)
                return TDX_TCB_REVOKED;
        if (other != TDX_TCB_OUT_OF_DATE)
                return platform;
        if (platform == TDX_TCB_UP_TO_DATE || platform == TDX_TCB_SW_HARDENING_NEEDED)
                return TDX_TCB_OUT_OF_DATE;
        if (platform == TDX_TCB_CONFIGURATION_NEEDED || platform == TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
                return TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
        return platform;
}

static TdxVerdict evaluate_tcb(const TdxVerifyParams *p, const TdxQuote *q, const TdxPckInfo *pck, TdxVerifyResult *res) {
        const TdxCollateral *c = p->collateral;
        const TdxTcbLevel *qe_level, *module_level, *level;
        TdxVerdict v;

        if (memcmp(c->tcb_info.fmspc, pck->fmspc, sizeof pck->fmspc) != 0 ||
            memcmp(c->tcb_info.pce_id, pck->pce_id, sizeof pck->pce_id) != 0)
                return TDX_COLLATERAL_FOREIGN;
        v = check_qe(&c->qe_identity, &q->qe_report, &qe_level);
        if (v != TDX_VALID)
                return v;
        v = check_module(&c->tcb_info, &q->body, &module_level);
        if (v != TDX_VALID)
                return v;
        level = match_platform(&c->tcb_info, pck, &q->body);
        if (!level)
                return TDX_TCB_UNSUPPORTED;

        res->tcb_status = level->status;
        add_advisories(&res->advisories, &level->advisories);
        if (module_level) {
                res->tcb_status = converge(res->tcb_status, module_level->status);
                add_advisories(&res->advisories, &module_level->advisories);
        }
        res->tcb_status = converge(res->tcb_status, qe_level->status);
        add_advisories(&res->advisories, &qe_level->advisories);
        res->has_tcb_status = true;

        if (res->tcb_status == TDX_TCB_REVOKED)
                return TDX_TCB_LEVEL_REVOKED;
        if (p->check_min_status && res->tcb_status > p->min_status)
                return TDX_TCB_BELOW_MINIMUM;
        return TDX_VALID;
}

static int verify_quote(STACK_OF(X509) *roots, time_t at, const TdxQuote *q, TdxVerdict *ret_v,
                        TdxVerifyResult *res, STACK_OF(X509) **ret_chain, TdxPckInfo *ret_info) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        int k;

        k = check_pck(roots, at, q, res, ret_v, &chain, ret_info);
        if (k < 0 || *ret_v != TDX_VALID)
                return k;
        memcpy(res->fmspc, ret_info->fmspc, sizeof res->fmspc);
        k = check_signatures(sk_X509_value(chain, 0), q, ret_v);
        if (k < 0)
                return k;
        if (ret_chain)
                *ret_chain = TAKE_PTR(chain);
        return 0;
}

int tdx_verify_quote(STACK_OF(X509) *roots, time_t at, const TdxQuote *q, TdxVerdict *ret_verdict,
                     TdxVerifyResult *ret_result) {
        TdxVerifyResult res = {};
        TdxPckInfo info;
        TdxVerdict v;
        int k;

        assert_return(roots && q && ret_verdict, -EINVAL);
        k = verify_quote(roots, at, q, &v, &res, NULL, &info);
        if (k < 0)
                return k;
        *ret_verdict = v;
        if (ret_result)
                *ret_result = res;
        return 0;
}

int tdx_verify(const TdxVerifyParams *p, const TdxQuote *q, TdxVerdict *ret_verdict, TdxVerifyResult *ret_result) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        const TdxCollateral *c;
        TdxVerifyResult res = {};
        TdxPckInfo info = {};
        TdxVerdict v;
        int k;

        assert_return(p && p->roots && p->collateral && q && ret_verdict, -EINVAL);
        c = p->collateral;

        k = verify_quote(p->roots, p->at, q, &v, &res, &chain, &info);
        if (k >= 0 && v == TDX_VALID)
                v = check_pck_crls(p, chain);
        if (k >= 0 && v == TDX_VALID)
                k = check_document(p, c->tcb_info_issuer_chain, c->tcb_info_text, c->tcb_info_signature,
                                   c->tcb_info.issue_date, c->tcb_info.next_update, TDX_TCB_INFO_SIGNATURE, &res, &v);
        if (k >= 0 && v == TDX_VALID)
                k = check_document(p, c->qe_identity_issuer_chain, c->qe_identity_text, c->qe_identity_signature,
                                   c->qe_identity.issue_date, c->qe_identity.next_update, TDX_QE_IDENTITY_SIGNATURE,
                                   &res, &v);
        if (k < 0)
                return k;
        if (v == TDX_VALID)
                v = evaluate_tcb(p, q, &info, &res);
        *ret_verdict = v;
        if (ret_result)
                *ret_result = res;
        return 0;
}
