/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The TDX CC event log (CCEL): a TCG crypto-agile log whose "PCR" indexes are
 * MR indexes (1–4 for RTMR0–3), replayed by the event-log code and compared
 * with the RTMRs of a verified quote. */

#include <stddef.h>
#include <stdint.h>

#include "tdx-quote.h"

/* Replays the SHA-384 bank into RTMR0–3. -EBADMSG when the log does not
 * parse, has no SHA-384 bank, or extends an MR index other than 1–4; -E2BIG
 * above the event-log limits. */
int tdx_ccel_replay(const uint8_t *buf, size_t size, uint8_t ret_rtmr[static 4][48]);

/* A bit per RTMR whose replayed value differs from the quote's; 0 when all match. */
unsigned tdx_ccel_compare(const TdxReportBody *body, const uint8_t rtmr[static 4][48]);
