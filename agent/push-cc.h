/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The agent's side of the confidential-computing evidence: what it offers
 * (the configfs-tsm provider's report type) and the report it collects over
 * the verifier's report data. */

#include <stddef.h>
#include <stdint.h>

#include "push-protocol.h"

/* tsm_directory: the configfs-tsm report directory; sev_guest_device: the
 * SEV-SNP guest device used when there is no configfs-tsm (either NULL: none).
 *
 * "sev-snp" or "tdx" when this host can make such reports, with the provider
 * in provider ("sev-guest" for the device); NULL otherwise. */
const char *push_cc_offer(const char *tsm_directory, const char *sev_guest_device, char *provider, size_t size);

typedef struct CcCollected {
        uint8_t *report;
        size_t report_size;
        uint8_t *cert;          /* SEV-SNP: VCEK or VLEK from the host's certificate table */
        size_t cert_size;
} CcCollected;

void cc_collected_done(CcCollected *c);

/* The report of kind (PUSH_EVIDENCE_SEV_SNP or _TDX) over req->cc_report_data. */
int push_cc_collect(const char *tsm_directory, const char *sev_guest_device, const PushRequest *req,
                    PushEvidenceKind kind, CcCollected *ret);
