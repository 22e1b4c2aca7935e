/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The firmware's answer to an SEV-SNP guest's report request (MSG_REPORT_RSP,
 * SEV-SNP ABI "Guest Messages"), as /dev/sev-guest returns it in its 4000-byte
 * response buffer: u32 status, u32 report size, 24 reserved bytes, the report.
 * Little-endian. */

#include <stddef.h>
#include <stdint.h>

#define SNP_REPORT_RSP_HEADER_SIZE 0x20u

/* The report inside buf (a pointer into it). -EIO when the firmware says the
 * request failed (its status in *ret_status when given), -EBADMSG for a size
 * that is not SNP_REPORT_SIZE or runs past the buffer. */
int snp_report_response_parse(const uint8_t *buf, size_t size, const uint8_t **ret_report, uint32_t *ret_status);
