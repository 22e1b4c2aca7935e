/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validation of a confidential VM's report pushed with an attestation
 * (evidence types "sev-snp" and "tdx"): the report verifies against the
 * verifier's trust anchors and collateral, and its report data binds the
 * attestation's nonce and the node's AK name (cc-binding.h), so the report
 * and the vTPM quote come from one machine in one attestation. Policy (which
 * measurements, TCB, debug) is for the snp and tdx engines. Pure: the caller
 * loads the trust material and chooses the time. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "macro.h"
#include "tdx-collateral.h"

typedef enum CcKind {
        CC_KIND_NONE    = 0,
        CC_KIND_SEV_SNP = 1,    /* = ATTEST_CC_SEV_SNP */
        CC_KIND_TDX     = 2,    /* = ATTEST_CC_TDX */
} CcKind;

/* "sev-snp", "tdx" (the push protocol's evidence types); NULL / CC_KIND_NONE otherwise. */
const char *cc_kind_to_string(CcKind k);
CcKind cc_kind_from_string(const char *s);

/* What the verifier trusts and the operator collected. Shared read-only by
 * concurrent validations. */
typedef struct CcTrust {
        STACK_OF(X509) *snp_ca;         /* ARKs (self-signed: the anchors), ASKs and ASVKs */
        STACK_OF(X509) *snp_certs;      /* VCEKs and VLEKs collected by the operator */
        X509_CRL **snp_crls;            /* AMD's CRLs, one per ARK */
        size_t n_snp_crls;
        STACK_OF(X509) *tdx_roots;      /* Intel SGX Root CA */
        TdxCollateral **tdx_collateral; /* one per FMSPC */
        size_t n_tdx_collateral;
} CcTrust;

CcTrust *cc_trust_free(CcTrust *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(CcTrust *, cc_trust_free);

/* Which collateral judges a platform: the one whose TCB Info names fmspc, or NULL. */
const TdxCollateral *cc_trust_tdx_collateral(const CcTrust *t, const uint8_t fmspc[static 6]);

typedef struct CcValidationInput {
        CcKind kind;
        const uint8_t *report;          /* ATTESTATION_REPORT or TDX quote */
        size_t report_size;
        const uint8_t *cert;            /* SEV-SNP: the VCEK/VLEK the node sent (DER or PEM), or NULL */
        size_t cert_size;
        const uint8_t *nonce;
        size_t nonce_size;
        const uint8_t *ak_name;         /* TPM name of the node's AK */
        size_t ak_name_size;
        const CcTrust *trust;
        time_t at;                      /* certificates, CRLs and collateral are judged at this time */
} CcValidationInput;

/* A validated report, for the engines. */
typedef struct CcValidated {
        CcKind kind;
        uint8_t *report;                /* a copy of the bytes validated */
        size_t report_size;
        char product[8];                /* SEV-SNP: "Milan" … */
        char tcb_status[48];            /* TDX */
        char *advisory_ids[TDX_ADVISORY_IDS_MAX + 1];   /* TDX: NULL-terminated */
} CcValidated;

CcValidated *cc_validated_free(CcValidated *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(CcValidated *, cc_validated_free);

#define CC_REASON_MAX 64u

/* 0 with *ret set (ret may be NULL) when the report is valid; 1 when not, with a failure id in
 * reason ("sev_snp.bad_signature", "tdx.binding_mismatch", "sev_snp.no_certificate", …)
 * and a sentence in detail; -EBADMSG when the report does not parse (a caller
 * that checked the form first does not see it); -ENOMEM, -EINVAL otherwise. */
int cc_evidence_validate(const CcValidationInput *in, CcValidated **ret, char reason[static CC_REASON_MAX],
                         char *detail, size_t detail_size);

/* Only the form: the report parses as its kind says. 0 or -EBADMSG. */
int cc_evidence_check_form(CcKind kind, const uint8_t *report, size_t size);
