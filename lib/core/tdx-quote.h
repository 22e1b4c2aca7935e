/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Intel TDX quotes, versions 4 and 5, with ECDSA P-256 attestation keys and
 * certification data of type 6 (QE report, its signature, QE authentication
 * data and the PCK certificate chain), as described in Intel's "TDX DCAP
 * Quoting Library API", appendix "Quote format". Integers are little-endian. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDX_QUOTE_HEADER_SIZE      48u
#define TDX_TD10_BODY_SIZE         584u
#define TDX_TD15_BODY_SIZE         648u
#define TDX_SGX_REPORT_SIZE        384u
#define TDX_ATT_KEY_TYPE_ECDSA_P256 2u
#define TDX_TEE_TYPE_TDX           0x81u
#define TDX_BODY_TYPE_TD10         2u   /* version 5 body types */
#define TDX_BODY_TYPE_TD15         3u
#define TDX_CERT_TYPE_PCK_CHAIN    5u
#define TDX_CERT_TYPE_QE_REPORT    6u

typedef struct TdxReportBody {
        uint8_t tee_tcb_svn[16];
        uint8_t mrseam[48];
        uint8_t mrsignerseam[48];
        uint8_t seam_attributes[8];
        uint8_t td_attributes[8];
        uint8_t xfam[8];
        uint8_t mrtd[48];
        uint8_t mrconfigid[48];
        uint8_t mrowner[48];
        uint8_t mrownerconfig[48];
        uint8_t rtmr[4][48];
        uint8_t report_data[64];
        bool td15;                    /* TD report 1.5: the two fields below are present */
        uint8_t tee_tcb_svn2[16];
        uint8_t mrservicetd[48];
} TdxReportBody;

/* The QE's SGX enclave report (REPORTBODY). */
typedef struct TdxQeReport {
        uint8_t cpu_svn[16];
        uint32_t miscselect;
        uint8_t attributes[16];
        uint8_t mrenclave[32];
        uint8_t mrsigner[32];
        uint16_t isv_prod_id;
        uint16_t isv_svn;
        uint8_t report_data[64];
} TdxQeReport;

/* Spans point into the parsed buffer, which must outlive the structure. */
typedef struct TdxQuote {
        uint16_t version;
        uint16_t qe_svn;
        uint16_t pce_svn;
        uint8_t qe_vendor_id[16];
        uint8_t user_data[20];
        uint16_t body_type;           /* version 4: always TD10 */
        TdxReportBody body;
        const uint8_t *signed_data;   /* header and body: what the attestation key signed */
        size_t signed_size;
        uint8_t signature[64];        /* r ‖ s, big-endian */
        uint8_t attestation_key[64];  /* x ‖ y of the P-256 point */
        const uint8_t *qe_report_raw; /* TDX_SGX_REPORT_SIZE bytes, what the PCK key signed */
        TdxQeReport qe_report;
        uint8_t qe_report_signature[64];
        const uint8_t *qe_auth_data;
        size_t qe_auth_data_size;
        const uint8_t *pck_chain;     /* PEM: PCK, its CA, the root */
        size_t pck_chain_size;
} TdxQuote;

/* Parses a whole quote. Zero bytes after the signature data are allowed (a
 * quote is often handed over in a fixed-size buffer); anything else is
 * -EBADMSG, as are other versions, key types, TEE types, body types and
 * certification data types, inconsistent nested sizes, and sizes above the
 * limits of attest-limits.h. */
int tdx_quote_parse(const uint8_t *buf, size_t size, TdxQuote *ret);
