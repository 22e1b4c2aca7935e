/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Offline verification of SEV-SNP attestation reports: the endorsement key's
 * certificate (VCEK or VLEK) up to AMD's root (ARK) through the ASK or ASVK,
 * the certificate's TCB and hardware id against the report, and the report's
 * signature. Trust anchors, CRL and time come from the caller. */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "snp-report.h"

typedef enum SnpVerdict {
        SNP_VALID = 0,
        SNP_UNSIGNED,                /* signing_key says no key signed the report */
        SNP_CHAIN_UNTRUSTED,         /* the certificate does not chain to a trusted ARK */
        SNP_CHAIN_SHAPE,             /* the chain is not VCEK/VLEK → ASK/ASVK → ARK of one product */
        SNP_CERT_ALGORITHM,          /* a certificate is not RSA-PSS/SHA-384 or the key not P-384 */
        SNP_KEY_KIND_MISMATCH,       /* report says VCEK, certificate is a VLEK (or the reverse) */
        SNP_PRODUCT_MISMATCH,        /* the report's CPUID names another product than the chain */
        SNP_CRL_INVALID,             /* the CRL is not AMD's for this chain, or not current */
        SNP_REVOKED,                 /* the CRL lists the ASK/ASVK or the certificate */
        SNP_HWID_MISMATCH,           /* VCEK issued for another chip than the report's chip_id */
        SNP_TCB_MISMATCH,            /* VCEK issued for another TCB than the report's reported_tcb */
        SNP_BAD_SIGNATURE,           /* the report was not signed by this certificate's key */
        /* Policy, checked only when asked for (snp_report_check_policy()). */
        SNP_POLICY_DEBUG,            /* the guest policy allows debugging */
        SNP_POLICY_SMT,              /* the guest policy allows SMT */
        SNP_POLICY_MIGRATE_MA,       /* the guest policy allows a migration agent */
        SNP_POLICY_ABI,              /* the guest policy's minimum ABI is below the required one */
        SNP_POLICY_VMPL,             /* the report comes from a less privileged VMPL */
        SNP_POLICY_MEASUREMENT,      /* the launch measurement is not an allowed one */
        SNP_POLICY_REPORT_DATA,      /* report_data differs from the expected value */
        SNP_POLICY_HOST_DATA,        /* host_data differs from the expected value */
        SNP_POLICY_TCB,              /* the reported TCB is below the required minimum */
        _SNP_VERDICT_MAX,
} SnpVerdict;

/* Stable id ("bad_signature") and a sentence. */
const char *snp_verdict_to_string(SnpVerdict v);
const char *snp_verdict_to_message(SnpVerdict v);

typedef struct SnpVerifyParams {
        X509 *cert;                  /* the VCEK or VLEK */
        STACK_OF(X509) *ca;          /* ARKs (self-signed, the anchors) and ASKs/ASVKs */
        X509_CRL *crl;               /* optional: AMD's CRL of the ARK */
        time_t at;                   /* certificates and CRL are judged at this time */
} SnpVerifyParams;

typedef struct SnpVerifyResult {
        SnpProduct product;          /* from the chain; UNKNOWN if it did not verify */
        const char *detail;          /* static text with more about the failure, or NULL */
} SnpVerifyResult;

/* Verifies a parsed report and its raw bytes (the signature covers them).
 * Returns 0 with a verdict, or a negative errno when verification could not
 * run (-ENOMEM, -EINVAL). */
int snp_verify(const SnpVerifyParams *p, const uint8_t *raw, size_t raw_size, const SnpReport *report,
               SnpVerdict *ret_verdict, SnpVerifyResult *ret_result);

/* What an endorsement key certificate says about the chip it was issued for. */
typedef struct SnpCertInfo {
        SnpTcb tcb;
        bool has_fmc;                /* Turin certificates name an FMC SPL */
        uint8_t hwid[64];
        size_t hwid_size;            /* 64 (Milan, Genoa), 8 (Turin), 0 (VLEK: none) */
} SnpCertInfo;

/* Reads AMD's extensions of a VCEK or VLEK: the SPLs (DER INTEGERs 0–255) and
 * the hardware id, raw or wrapped in an OCTET STRING as older and newer KDS
 * certificates have it. The product decides the hwid's size. -EBADMSG when an
 * SPL is missing or malformed, or the hwid is malformed. */
int snp_cert_info(X509 *cert, SnpProduct product, SnpCertInfo *ret);

typedef struct SnpPolicy {
        bool forbid_debug;
        bool forbid_smt;
        bool forbid_migrate_ma;
        bool check_abi;
        uint8_t abi_major_min, abi_minor_min;
        bool check_vmpl;
        uint32_t vmpl_max;           /* 0: only VMPL0 reports */
        const uint8_t (*measurements)[48];
        size_t n_measurements;       /* 0: any measurement */
        const uint8_t *report_data;  /* 64 bytes, or NULL */
        const uint8_t *host_data;    /* 32 bytes, or NULL */
        bool check_tcb;
        SnpTcb tcb_min;              /* every component of reported_tcb at least this */
} SnpPolicy;

/* The first policy rule the report breaks, or SNP_VALID. product selects the
 * TCB layout. */
SnpVerdict snp_report_check_policy(const SnpReport *r, SnpProduct product, const SnpPolicy *p);
