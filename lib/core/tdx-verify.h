/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Offline verification of TDX quotes with collateral the operator supplies:
 * the PCK chain to the Intel SGX Root CA and the CRLs, the QE report and its
 * binding to the attestation key, the quote's signature, TCB Info and QE
 * Identity (signatures, validity, FMSPC and PCE id), and the TCB status of
 * the platform, the TDX module and the QE. */

#include <stdbool.h>
#include <time.h>

#include <openssl/x509.h>

#include "tdx-collateral.h"
#include "tdx-quote.h"

typedef enum TdxVerdict {
        TDX_VALID = 0,
        TDX_PCK_CHAIN_UNTRUSTED,     /* the quote's PCK chain does not lead to a trusted root */
        TDX_PCK_INVALID,             /* the PCK certificate lacks Intel's SGX extension or a P-256 key */
        TDX_BAD_QE_REPORT_SIGNATURE, /* the QE report is not signed by the PCK key */
        TDX_QE_BINDING,              /* the QE report does not vouch for this attestation key */
        TDX_BAD_QUOTE_SIGNATURE,     /* header and body are not signed by the attestation key */
        TDX_CRL_INVALID,             /* a CRL is not the issuer's, badly signed or not current */
        TDX_REVOKED,                 /* a CRL lists the PCK, its CA or a collateral signer */
        TDX_COLLATERAL_UNTRUSTED,    /* TCB Info or QE Identity signer does not chain to a trusted root */
        TDX_TCB_INFO_SIGNATURE,      /* TCB Info is not signed by its issuer */
        TDX_QE_IDENTITY_SIGNATURE,   /* QE Identity is not signed by its issuer */
        TDX_COLLATERAL_EXPIRED,      /* TCB Info or QE Identity is not valid at the given time */
        TDX_COLLATERAL_FOREIGN,      /* TCB Info is for another FMSPC or PCE */
        TDX_QE_IDENTITY_MISMATCH,    /* the QE is not the one QE Identity describes */
        TDX_QE_TCB_UNSUPPORTED,      /* no QE TCB level matches the QE's ISVSVN */
        TDX_MODULE_MISMATCH,         /* the TDX module is not the one TCB Info describes */
        TDX_TCB_UNSUPPORTED,         /* no TCB level matches the platform or the module */
        TDX_TCB_LEVEL_REVOKED,       /* the matching TCB level is Revoked */
        TDX_TCB_BELOW_MINIMUM,       /* the TCB status is worse than the required one */
        TDX_RTMR_MISMATCH,           /* the CC event log replays to other RTMRs than the quote's */
        TDX_BINDING_MISMATCH,        /* REPORTDATA does not bind the nonce and the AK (cc-binding.h) */
        _TDX_VERDICT_MAX,
} TdxVerdict;

const char *tdx_verdict_to_string(TdxVerdict v);
const char *tdx_verdict_to_message(TdxVerdict v);

typedef struct TdxVerifyParams {
        STACK_OF(X509) *roots;           /* trusted roots (Intel SGX Root CA) */
        const TdxCollateral *collateral;
        time_t at;                       /* validity windows and CRLs are judged at this time */
        bool check_min_status;
        TdxTcbStatus min_status;         /* worst acceptable status */
} TdxVerifyParams;

typedef struct TdxVerifyResult {
        bool has_tcb_status;             /* the TCB was evaluated */
        TdxTcbStatus tcb_status;         /* platform, module and QE together */
        TdxAdvisories advisories;        /* of the matching levels, each once */
        uint8_t fmspc[6];
        const char *detail;              /* static text about a chain failure, or NULL */
} TdxVerifyResult;

/* The quote alone: PCK chain to the roots at time at (without CRLs), the QE
 * report, its binding and the quote's signature. Verdicts as tdx_verify(),
 * without those that need collateral; no TCB status. */
int tdx_verify_quote(STACK_OF(X509) *roots, time_t at, const TdxQuote *q, TdxVerdict *ret_verdict,
                     TdxVerifyResult *ret_result);

/* All of it, with the collateral. Returns 0 with a verdict, or a negative errno when verification could not
 * run. The quote must have been parsed with tdx_quote_parse(). */
int tdx_verify(const TdxVerifyParams *p, const TdxQuote *q, TdxVerdict *ret_verdict, TdxVerifyResult *ret_result);
