/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "pcr-selection.h"

typedef struct Tpm2ClockInfo {
        uint64_t clock;
        uint32_t reset_count;
        uint32_t restart_count;
        bool safe;
} Tpm2ClockInfo;

/* A parsed TPMS_ATTEST of type ATTEST_QUOTE or ATTEST_CERTIFY. magic is
 * kept as read (checked by the verifiers, so that a wrong one is a verdict). */
typedef struct Tpm2Attest {
        uint32_t magic;
        uint16_t type;                  /* TPM2_ST_ATTEST_QUOTE or TPM2_ST_ATTEST_CERTIFY */
        uint8_t qualified_signer[TPM2_NAME_SIZE_MAX];
        size_t qualified_signer_size;
        uint8_t extra_data[TPM2_DATA_SIZE_MAX];
        size_t extra_data_size;
        Tpm2ClockInfo clock_info;
        uint64_t firmware_version;
        union {
                struct {
                        PcrSelection pcr_select;
                        uint8_t pcr_digest[TPM2_DIGEST_SIZE_MAX];
                        size_t pcr_digest_size;
                } quote;
                struct {
                        uint8_t name[TPM2_NAME_SIZE_MAX];
                        size_t name_size;
                        uint8_t qualified_name[TPM2_NAME_SIZE_MAX];
                        size_t qualified_name_size;
                } certify;
        };
} Tpm2Attest;

/* Parses a TPMS_ATTEST (the bytes a TPM signs). Other attestation types,
 * oversized fields and trailing bytes are -EBADMSG. */
int tpm2_attest_parse(const uint8_t *buf, size_t len, Tpm2Attest *ret);
