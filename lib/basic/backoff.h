/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Exponential backoff with jitter: the delay doubles from first_usec per
 * attempt up to max_usec, then is spread over ±25 % so that a fleet that lost
 * its server at the same moment does not come back in step. */
typedef struct Backoff {
        uint64_t first_usec;   /* the delay before the first retry (attempt 0); 0 counts as 1 */
        uint64_t max_usec;     /* the cap before jitter; below first_usec, first_usec wins */
} Backoff;

#define BACKOFF_JITTER_PERCENT 25u

/* The delay before retry number attempt, spread by rnd (uniform over all 32
 * bits: 0 gives −25 %, UINT32_MAX just under +25 %). Never 0; saturates at
 * UINT64_MAX instead of wrapping, whatever attempt is. */
uint64_t backoff_delay_usec(const Backoff *b, unsigned attempt, uint32_t rnd);

/* A 32-bit value for the jitter: from getrandom(), or early in boot, before
 * the kernel's pool is ready, from the clocks and the process id, so that it
 * still differs between hosts and calls. Not for secrets. */
uint32_t backoff_random_u32(void);
