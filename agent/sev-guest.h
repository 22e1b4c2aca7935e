/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SEV-SNP reports from /dev/sev-guest (SNP_GET_REPORT), for kernels before
 * configfs-tsm (Linux 6.7). Without the host's certificate table: the
 * verifier then needs the VCEK in its collateral directory. */

#include <stddef.h>
#include <stdint.h>

#define SEV_GUEST_DEFAULT_DEVICE "/dev/sev-guest"

/* A report over report_data, requested for VMPL 0. -ENOENT without the
 * device, -EIO with the firmware's status logged when it refuses. */
int sev_guest_report(const char *device, const uint8_t report_data[static 64], uint8_t **ret, size_t *ret_size);
