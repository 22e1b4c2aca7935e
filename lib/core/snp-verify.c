/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "cc-cert.h"
#include "memory-util.h"
#include "snp-verify.h"

/* AMD's certificate extensions (AMD SEV-SNP "Versioned Chip Endorsement Key
 * (VCEK) Certificate and KDS Interface Specification"). */
#define AMD_OID_SPL_BOOTLOADER "1.3.6.1.4.1.3704.1.3.1"
#define AMD_OID_SPL_TEE        "1.3.6.1.4.1.3704.1.3.2"
#define AMD_OID_SPL_SNP        "1.3.6.1.4.1.3704.1.3.3"
#define AMD_OID_SPL_MICROCODE  "1.3.6.1.4.1.3704.1.3.8"
#define AMD_OID_SPL_FMC        "1.3.6.1.4.1.3704.1.3.9"
#define AMD_OID_HWID           "1.3.6.1.4.1.3704.1.4"

#define CN_MAX 64

DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OBJECT *, ASN1_OBJECT_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_INTEGER *, ASN1_INTEGER_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(ASN1_OCTET_STRING *, ASN1_OCTET_STRING_free);

static const char *const verdict_ids[_SNP_VERDICT_MAX] = {
        [SNP_VALID]              = "valid",
        [SNP_UNSIGNED]           = "unsigned",
        [SNP_CHAIN_UNTRUSTED]    = "chain_untrusted",
        [SNP_CHAIN_SHAPE]        = "chain_shape",
        [SNP_CERT_ALGORITHM]     = "cert_algorithm",
        [SNP_KEY_KIND_MISMATCH]  = "signing_key_mismatch",
        [SNP_PRODUCT_MISMATCH]   = "product_mismatch",
        [SNP_CRL_INVALID]        = "crl_invalid",
        [SNP_REVOKED]            = "revoked",
        [SNP_HWID_MISMATCH]      = "hwid_mismatch",
        [SNP_TCB_MISMATCH]       = "tcb_mismatch",
        [SNP_BAD_SIGNATURE]      = "bad_signature",
        [SNP_POLICY_DEBUG]       = "policy_debug",
        [SNP_POLICY_SMT]         = "policy_smt",
        [SNP_POLICY_MIGRATE_MA]  = "policy_migrate_ma",
        [SNP_POLICY_ABI]         = "policy_abi",
        [SNP_POLICY_VMPL]        = "policy_vmpl",
        [SNP_POLICY_MEASUREMENT] = "policy_measurement",
        [SNP_POLICY_REPORT_DATA] = "policy_report_data",
        [SNP_POLICY_HOST_DATA]   = "policy_host_data",
        [SNP_POLICY_TCB]         = "policy_tcb",
};

static const char *const verdict_messages[_SNP_VERDICT_MAX] = {
        [SNP_VALID]              = "The report is signed by a key AMD certified for this chip and TCB.",
        [SNP_UNSIGNED]           = "The report is not signed (signing_key is none).",
        [SNP_CHAIN_UNTRUSTED]    = "The certificate does not chain to a trusted AMD root.",
        [SNP_CHAIN_SHAPE]        = "The chain is not VCEK/VLEK, ASK/ASVK and ARK of one product.",
        [SNP_CERT_ALGORITHM]     = "A certificate is not signed with RSA-PSS/SHA-384, or its key is not P-384.",
        [SNP_KEY_KIND_MISMATCH]  = "The report's signing_key does not name the kind of certificate given (VCEK or VLEK).",
        [SNP_PRODUCT_MISMATCH]   = "The report's CPUID family and model belong to another product than the chain.",
        [SNP_CRL_INVALID]        = "The CRL is not issued by this chain's ARK, is badly signed, or is not current.",
        [SNP_REVOKED]            = "The CRL revokes a certificate of the chain.",
        [SNP_HWID_MISMATCH]      = "The VCEK was issued for another chip than the report's chip_id.",
        [SNP_TCB_MISMATCH]       = "The certificate was issued for another TCB than the report's reported_tcb.",
        [SNP_BAD_SIGNATURE]      = "The report's signature does not verify with the certificate's key.",
        [SNP_POLICY_DEBUG]       = "The guest policy allows debugging.",
        [SNP_POLICY_SMT]         = "The guest policy allows SMT.",
        [SNP_POLICY_MIGRATE_MA]  = "The guest policy allows a migration agent.",
        [SNP_POLICY_ABI]         = "The guest policy's minimum ABI version is below the required one.",
        [SNP_POLICY_VMPL]        = "The report was requested from a less privileged VMPL than allowed.",
        [SNP_POLICY_MEASUREMENT] = "The launch measurement is not an allowed one.",
        [SNP_POLICY_REPORT_DATA] = "report_data differs from the expected value.",
        [SNP_POLICY_HOST_DATA]   = "host_data differs from the expected value.",
        [SNP_POLICY_TCB]         = "The reported TCB is below the required minimum.",
};

const char *snp_verdict_to_string(SnpVerdict v) {
        return (unsigned) v < _SNP_VERDICT_MAX ? verdict_ids[v] : NULL;
}

const char *snp_verdict_to_message(SnpVerdict v) {
        return (unsigned) v < _SNP_VERDICT_MAX ? verdict_messages[v] : NULL;
}

/* The extension's content octets, or NULL when the certificate lacks it. */
static const ASN1_OCTET_STRING *find_ext(X509 *x, const char *oid) {
        _cleanup_(ASN1_OBJECT_freep) ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
        int i;

        if (!obj)
                return NULL;
        i = X509_get_ext_by_OBJ(x, obj, -1);
        if (i < 0 || X509_get_ext_by_OBJ(x, obj, i) >= 0)   /* twice is as bad as missing */
                return NULL;
        return X509_EXTENSION_get_data(X509_get_ext(x, i));
}

/* An SPL extension: a DER INTEGER 0..255. -ENOENT when absent. */
static int ext_spl(X509 *x, const char *oid, uint8_t *ret) {
        const ASN1_OCTET_STRING *d = find_ext(x, oid);
        _cleanup_(ASN1_INTEGER_freep) ASN1_INTEGER *i = NULL;
        const unsigned char *p;
        int64_t v;

        if (!d)
                return -ENOENT;
        p = ASN1_STRING_get0_data(d);
        i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(d));
        if (!i || p != ASN1_STRING_get0_data(d) + ASN1_STRING_length(d) ||
            !ASN1_INTEGER_get_int64(&v, i) || v < 0 || v > 255) {
                ERR_clear_error();
                return -EBADMSG;
        }
        *ret = (uint8_t) v;
        return 0;
}

/* The hwID extension: the raw id (as older KDS certificates carry it) or the
 * id wrapped in an OCTET STRING (newer ones). Either way exactly n bytes. */
static int ext_hwid(X509 *x, uint8_t *buf, size_t n) {
        const ASN1_OCTET_STRING *d = find_ext(x, AMD_OID_HWID);
        _cleanup_(ASN1_OCTET_STRING_freep) ASN1_OCTET_STRING *inner = NULL;
        const unsigned char *p;

        if (!d)
                return -ENOENT;
        if ((size_t) ASN1_STRING_length(d) == n) {
                memcpy(buf, ASN1_STRING_get0_data(d), n);
                return 0;
        }
        p = ASN1_STRING_get0_data(d);
        inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(d));
        if (!inner || p != ASN1_STRING_get0_data(d) + ASN1_STRING_length(d) ||
            (size_t) ASN1_STRING_length(inner) != n) {
                ERR_clear_error();
                return -EBADMSG;
        }
        memcpy(buf, ASN1_STRING_get0_data(inner), n);
        return 0;
}

/* Product and kind from the chain's names: the leaf is "SEV-VCEK" or
 * "SEV-VLEK", its issuer "SEV-<product>" or "SEV-VLEK-<product>", the root
 * "ARK-<product>". Signatures already tie them together; the names say which
 * TCB layout applies and that a VCEK is not passed off as a VLEK. */
static SnpVerdict check_chain_names(STACK_OF(X509) *chain, uint8_t *ret_kind, SnpProduct *ret_product) {
        char leaf[CN_MAX], ask[CN_MAX], ark[CN_MAX], want_ark[CN_MAX];
        const char *product_name;
        SnpProduct product;
        uint8_t kind;

        if (sk_X509_num(chain) != 3 ||
            cc_cert_subject_cn(sk_X509_value(chain, 0), leaf, sizeof leaf) < 0 ||
            cc_cert_subject_cn(sk_X509_value(chain, 1), ask, sizeof ask) < 0 ||
            cc_cert_subject_cn(sk_X509_value(chain, 2), ark, sizeof ark) < 0)
                return SNP_CHAIN_SHAPE;

        if (strcmp(leaf, "SEV-VCEK") == 0 && strncmp(ask, "SEV-", 4) == 0 && strncmp(ask, "SEV-VLEK-", 9) != 0) {
                kind = SNP_SIGNING_KEY_VCEK;
                product_name = ask + 4;
        } else if (strcmp(leaf, "SEV-VLEK") == 0 && strncmp(ask, "SEV-VLEK-", 9) == 0) {
                kind = SNP_SIGNING_KEY_VLEK;
                product_name = ask + 9;
        } else
                return SNP_CHAIN_SHAPE;

        product = snp_product_from_string(product_name);
        if (product == SNP_PRODUCT_UNKNOWN)
                return SNP_CHAIN_SHAPE;
        (void) snprintf(want_ark, sizeof want_ark, "ARK-%s", snp_product_to_string(product));
        if (strcmp(ark, want_ark) != 0)
                return SNP_CHAIN_SHAPE;
        *ret_kind = kind;
        *ret_product = product;
        return SNP_VALID;
}

static bool is_p384(X509 *x) {
        EVP_PKEY *k = X509_get0_pubkey(x);
        char group[32];

        return k && EVP_PKEY_is_a(k, "EC") &&
               EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, NULL) == 1 &&
               strcmp(group, "secp384r1") == 0;
}

static SnpVerdict check_chain_properties(const SnpVerifyParams *p, const SnpReport *r,
                                         STACK_OF(X509) *chain, SnpProduct *ret_product) {
        SnpVerdict v;
        uint8_t kind;

        v = check_chain_names(chain, &kind, ret_product);
        if (v != SNP_VALID)
                return v;
        /* Every AMD signature is RSA-PSS with SHA-384, the ARK's own included. */
        for (int i = 0; i < sk_X509_num(chain); i++)
                if (!cc_cert_signature_is(sk_X509_value(chain, i), NID_rsassaPss, NID_sha384))
                        return SNP_CERT_ALGORITHM;
        if (!is_p384(p->cert))
                return SNP_CERT_ALGORITHM;
        if (kind != r->signing_key)
                return SNP_KEY_KIND_MISMATCH;
        if (r->cpuid_fam_id != 0 && snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id) != *ret_product)
                return SNP_PRODUCT_MISMATCH;
        return SNP_VALID;
}

/* Verdict SNP_VALID comes with the chain (leaf, ASK/ASVK, ARK). */
static int check_chain(const SnpVerifyParams *p, const SnpReport *r, SnpVerifyResult *res,
                       SnpVerdict *ret_verdict, STACK_OF(X509) **ret_chain) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        int k;

        k = cc_cert_verify_chain(p->cert, p->ca, p->at, &chain, &res->detail);
        if (k == -EPERM) {
                *ret_verdict = SNP_CHAIN_UNTRUSTED;
                return 0;
        }
        if (k < 0)
                return k;
        *ret_verdict = check_chain_properties(p, r, chain, &res->product);
        if (*ret_verdict == SNP_VALID)
                *ret_chain = TAKE_PTR(chain);
        return 0;
}

/* AMD's CRL is issued by the ARK and lists revoked ASKs/ASVKs. */
static SnpVerdict check_crl(X509_CRL *crl, STACK_OF(X509) *chain, time_t at) {
        switch (cc_crl_check(crl, sk_X509_value(chain, 2), sk_X509_value(chain, 1), at)) {
        case CC_CRL_OK:
                return SNP_VALID;
        case CC_CRL_REVOKED:
                return SNP_REVOKED;
        default:
                return SNP_CRL_INVALID;
        }
}

int snp_cert_info(X509 *cert, SnpProduct product, SnpCertInfo *ret) {
        SnpCertInfo info = {};
        int k;

        assert_return(cert && ret, -EINVAL);
        if (ext_spl(cert, AMD_OID_SPL_BOOTLOADER, &info.tcb.bootloader) < 0 ||
            ext_spl(cert, AMD_OID_SPL_TEE, &info.tcb.tee) < 0 ||
            ext_spl(cert, AMD_OID_SPL_SNP, &info.tcb.snp) < 0 ||
            ext_spl(cert, AMD_OID_SPL_MICROCODE, &info.tcb.microcode) < 0)
                return -EBADMSG;
        k = ext_spl(cert, AMD_OID_SPL_FMC, &info.tcb.fmc);
        if (k < 0 && k != -ENOENT)
                return -EBADMSG;
        info.has_fmc = k >= 0;

        /* Turin certificates name the chip by the first 8 bytes of its id. */
        info.hwid_size = product == SNP_PRODUCT_TURIN ? 8 : sizeof info.hwid;
        k = ext_hwid(cert, info.hwid, info.hwid_size);
        if (k == -ENOENT)
                info.hwid_size = 0;
        else if (k < 0)
                return -EBADMSG;
        *ret = info;
        return 0;
}

static SnpVerdict check_cert_info(X509 *cert, const SnpReport *r, SnpProduct product) {
        SnpTcb t = snp_tcb_decode(r->reported_tcb, product);
        SnpCertInfo info;

        if (snp_cert_info(cert, product, &info) < 0)
                return SNP_TCB_MISMATCH;
        /* A VCEK belongs to one chip; a VLEK to a cloud provider, so it names none. */
        if (r->signing_key == SNP_SIGNING_KEY_VCEK &&
            (info.hwid_size == 0 || memcmp(info.hwid, r->chip_id, info.hwid_size) != 0))
                return SNP_HWID_MISMATCH;
        /* The certificate is issued for one TCB: each SPL it names must be the report's. */
        if (info.tcb.bootloader != t.bootloader || info.tcb.tee != t.tee || info.tcb.snp != t.snp ||
            info.tcb.microcode != t.microcode || (product == SNP_PRODUCT_TURIN && (!info.has_fmc || info.tcb.fmc != t.fmc)))
                return SNP_TCB_MISMATCH;
        return SNP_VALID;
}

static int check_signature(X509 *cert, const uint8_t *raw, const SnpReport *r, SnpVerdict *ret) {
        int k = cc_ecdsa_verify_raw(X509_get0_pubkey(cert), EVP_sha384(), r->signature, 48, raw, SNP_REPORT_SIGNED_SIZE);
        if (k < 0)
                return k;
        *ret = k ? SNP_VALID : SNP_BAD_SIGNATURE;
        return 0;
}

int snp_verify(const SnpVerifyParams *p, const uint8_t *raw, size_t raw_size, const SnpReport *report,
               SnpVerdict *ret_verdict, SnpVerifyResult *ret_result) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        SnpVerifyResult res = {};
        SnpVerdict v;
        int r;

        assert_return(p && p->cert && p->ca && raw && report && ret_verdict, -EINVAL);
        assert_return(raw_size == SNP_REPORT_SIZE, -EINVAL);

        if (report->signing_key == SNP_SIGNING_KEY_NONE)
                v = SNP_UNSIGNED;
        else {
                r = check_chain(p, report, &res, &v, &chain);
                if (r < 0)
                        return r;
        }
        if (v == SNP_VALID && p->crl)
                v = check_crl(p->crl, chain, p->at);
        if (v == SNP_VALID)
                v = check_cert_info(p->cert, report, res.product);
        if (v == SNP_VALID) {
                r = check_signature(p->cert, raw, report, &v);
                if (r < 0)
                        return r;
        }
        *ret_verdict = v;
        if (ret_result)
                *ret_result = res;
        return 0;
}

static bool tcb_at_least(SnpTcb have, SnpTcb min) {
        return have.fmc >= min.fmc && have.bootloader >= min.bootloader && have.tee >= min.tee &&
               have.snp >= min.snp && have.microcode >= min.microcode;
}

static bool measurement_allowed(const SnpReport *r, const SnpPolicy *p) {
        if (p->n_measurements == 0)
                return true;
        for (size_t i = 0; i < p->n_measurements; i++)
                if (memcmp(p->measurements[i], r->measurement, sizeof r->measurement) == 0)
                        return true;
        return false;
}

SnpVerdict snp_report_check_policy(const SnpReport *r, SnpProduct product, const SnpPolicy *p) {
        assert(r && p);

        if (p->forbid_debug && (r->policy & SNP_GUEST_POLICY_DEBUG))
                return SNP_POLICY_DEBUG;
        if (p->forbid_smt && (r->policy & SNP_GUEST_POLICY_SMT))
                return SNP_POLICY_SMT;
        if (p->forbid_migrate_ma && (r->policy & SNP_GUEST_POLICY_MIGRATE_MA))
                return SNP_POLICY_MIGRATE_MA;
        if (p->check_abi &&
            (SNP_GUEST_POLICY_ABI_MAJOR(r->policy) < p->abi_major_min ||
             (SNP_GUEST_POLICY_ABI_MAJOR(r->policy) == p->abi_major_min && SNP_GUEST_POLICY_ABI_MINOR(r->policy) < p->abi_minor_min)))
                return SNP_POLICY_ABI;
        if (p->check_vmpl && r->vmpl > p->vmpl_max)
                return SNP_POLICY_VMPL;
        if (!measurement_allowed(r, p))
                return SNP_POLICY_MEASUREMENT;
        if (p->report_data && memcmp_const_time(p->report_data, r->report_data, sizeof r->report_data) != 0)
                return SNP_POLICY_REPORT_DATA;
        if (p->host_data && memcmp(p->host_data, r->host_data, sizeof r->host_data) != 0)
                return SNP_POLICY_HOST_DATA;
        if (p->check_tcb && !tcb_at_least(snp_tcb_decode(r->reported_tcb, product), p->tcb_min))
                return SNP_POLICY_TCB;
        return SNP_VALID;
}
