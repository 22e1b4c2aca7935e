/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The collateral that judges a TDX quote, in the JSON form Intel's PCCS and
 * dcap-qvl hand out (QuoteCollateralV3): issuer chains as PEM, CRLs as hex
 * DER, TCB Info and QE Identity as the exact JSON text Intel signed, with
 * their signatures as hex r ‖ s. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "attest-limits.h"
#include "macro.h"

typedef enum TdxTcbStatus {
        TDX_TCB_UP_TO_DATE = 0,          /* ordered from best to worst */
        TDX_TCB_SW_HARDENING_NEEDED,
        TDX_TCB_CONFIGURATION_NEEDED,
        TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
        TDX_TCB_OUT_OF_DATE,
        TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
        TDX_TCB_REVOKED,
        _TDX_TCB_STATUS_MAX,
        TDX_TCB_STATUS_INVALID = -EINVAL,
} TdxTcbStatus;

const char *tdx_tcb_status_to_string(TdxTcbStatus s);
TdxTcbStatus tdx_tcb_status_from_string(const char *s);

typedef struct TdxAdvisories {
        char ids[TDX_ADVISORY_IDS_MAX][TDX_ADVISORY_ID_MAX + 1];
        size_t n;
} TdxAdvisories;

typedef struct TdxTcbLevel {
        uint8_t sgx_components[16];
        uint16_t pcesvn;
        uint8_t tdx_components[16];
        uint16_t isvsvn;                 /* module identities and QE Identity */
        TdxTcbStatus status;
        TdxAdvisories advisories;
} TdxTcbLevel;

typedef struct TdxModuleIdentity {
        char id[16];                     /* "TDX_03"; empty for tcbInfo.tdxModule */
        uint8_t mrsigner[48];
        uint8_t attributes[8];
        uint8_t attributes_mask[8];
        TdxTcbLevel *levels;
        size_t n_levels;
} TdxModuleIdentity;

typedef struct TdxTcbInfo {
        time_t issue_date, next_update;
        uint8_t fmspc[6];
        uint8_t pce_id[2];
        bool has_module;
        TdxModuleIdentity module;
        TdxModuleIdentity *module_identities;
        size_t n_module_identities;
        TdxTcbLevel *levels;
        size_t n_levels;
} TdxTcbInfo;

typedef struct TdxQeIdentity {
        time_t issue_date, next_update;
        uint32_t miscselect, miscselect_mask;
        uint8_t attributes[16], attributes_mask[16];
        uint8_t mrsigner[32];
        uint16_t isv_prod_id;
        TdxTcbLevel *levels;
        size_t n_levels;
} TdxQeIdentity;

typedef struct TdxCollateral {
        STACK_OF(X509) *pck_crl_issuer_chain;
        X509_CRL *root_ca_crl;
        X509_CRL *pck_crl;
        STACK_OF(X509) *tcb_info_issuer_chain;
        char *tcb_info_text;             /* the signed bytes */
        uint8_t tcb_info_signature[64];
        TdxTcbInfo tcb_info;
        STACK_OF(X509) *qe_identity_issuer_chain;
        char *qe_identity_text;
        uint8_t qe_identity_signature[64];
        TdxQeIdentity qe_identity;
} TdxCollateral;

/* Parses the collateral JSON and the TCB Info and QE Identity it carries.
 * -EBADMSG for anything malformed or missing, -E2BIG above the limits. */
int tdx_collateral_parse(const char *text, size_t size, TdxCollateral **ret);
TdxCollateral *tdx_collateral_free(TdxCollateral *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(TdxCollateral *, tdx_collateral_free);

/* "2025-06-19T10:16:03Z" (the form Intel uses) → seconds since the epoch. */
int tdx_parse_time(const char *s, time_t *ret);
