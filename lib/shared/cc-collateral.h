/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The confidential-computing trust material of a verifier, read from disk:
 * the trust anchors (AMD ARKs, the Intel SGX Root CA: the shipped ones unless
 * the operator names a file) and the collateral directory the operator keeps
 * up to date without the verifier going online:
 *
 *   <dir>/sev-snp/   VCEK, VLEK, ASK, ASVK certificates (PEM or DER), AMD CRLs (*.crl)
 *   <dir>/tdx/       Intel collateral, QuoteCollateralV3 JSON, one file per FMSPC (*.json)
 *
 * Self-signed certificates in the directory are never anchors: they are
 * listed as ignored. The same reader serves verifierd (loading) and
 * attestctl cc collateral check (reporting). */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cc-evidence.h"

#define CC_COLLATERAL_EXPIRING_SEC (7 * 24 * 3600)  /* "expiring" this long before the end */

typedef enum CcItemStatus {
        CC_ITEM_OK,
        CC_ITEM_EXPIRING,       /* valid, but not for long */
        CC_ITEM_EXPIRED,        /* past notAfter / nextUpdate */
        CC_ITEM_NOT_YET_VALID,
        CC_ITEM_INVALID,        /* unreadable or not what its place says */
        CC_ITEM_IGNORED,
        CC_ITEM_MISSING,        /* something needed is not there (path is a description) */
        _CC_ITEM_STATUS_MAX,
} CcItemStatus;

const char *cc_item_status_to_string(CcItemStatus s);

typedef struct CcItem {
        char *path;             /* the file, or for MISSING what is missing */
        const char *kind;       /* "ark", "ask", "vcek", "vlek", "crl", "tdx-collateral", "intel-root", "sev-snp", "tdx" */
        CcItemStatus status;
        char detail[192];
        time_t not_after;       /* 0 when it does not expire or is unknown */
} CcItem;

typedef struct CcCollateralReport {
        CcItem *items;
        size_t n;
} CcCollateralReport;

void cc_collateral_report_done(CcCollateralReport *r);

/* directory may be NULL (no collateral), snp_anchors and tdx_anchors NULL
 * for the shipped roots. Files that cannot be used are reported and left
 * out; -errno only when an anchor file or the directory itself cannot be
 * read. report may be NULL. */
int cc_collateral_load(const char *directory, const char *snp_anchors, const char *tdx_anchors, time_t now,
                       CcTrust **ret_trust, CcCollateralReport *report);

/* True when the report lists anything expired, invalid or missing. */
bool cc_collateral_report_has_problems(const CcCollateralReport *r);
