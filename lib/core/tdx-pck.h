/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a PCK certificate says about its platform: Intel's SGX extension
 * (OID 1.2.840.113741.1.13.1) carries the platform's TCB (CPUSVN components
 * and PCESVN), the PCE id and the FMSPC that selects the TCB Info. */

#include <stdint.h>

#include <openssl/x509.h>

typedef struct TdxPckInfo {
        uint8_t cpusvn_components[16];
        uint16_t pcesvn;
        uint8_t pce_id[2];
        uint8_t fmspc[6];
} TdxPckInfo;

/* -ENOENT without the extension, -EBADMSG when it is malformed or lacks a field. */
int tdx_pck_info(X509 *pck, TdxPckInfo *ret);
