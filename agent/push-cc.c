/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "push-cc.h"
#include "sev-guest.h"
#include "snp-certtable.h"
#include "tsm-report.h"

const char *push_cc_offer(const char *tsm_directory, const char *sev_guest_device, char *provider, size_t size) {
        int r = -ENOENT;

        if (tsm_directory) {
                r = tsm_provider(tsm_directory, provider, size);
                if (r >= 0)
                        return tsm_provider_evidence_type(provider);
                if (r != -ENOENT)
                        log_debug_errno(r, "No configfs-tsm report provider at %s: %m", tsm_directory);
        }
        /* Kernels before configfs-tsm: the SEV-SNP guest driver's device. */
        if (r == -ENOENT && sev_guest_device && access(sev_guest_device, R_OK | W_OK) == 0) {
                (void) snprintf(provider, size, "sev-guest");
                return "sev-snp";
        }
        return NULL;
}

void cc_collected_done(CcCollected *c) {
        free(c->report);
        free(c->cert);
        *c = (CcCollected) {};
}

/* The VCEK (else the VLEK) the host put in the certificate table. A table
 * that does not parse is not fatal: the verifier may have the certificate. */
static int snp_cert(const TsmReport *t, CcCollected *c) {
        SnpCertTable table;
        SnpCertKind k;

        if (!t->auxblob)
                return 0;
        if (snp_cert_table_parse(t->auxblob, t->auxblob_size, &table) < 0) {
                log_warning("The host's SEV-SNP certificate table does not parse; sending the report without a certificate.");
                return 0;
        }
        k = table.cert[SNP_CERT_VCEK] ? SNP_CERT_VCEK : SNP_CERT_VLEK;
        if (!table.cert[k])
                return 0;
        c->cert = malloc(table.cert_size[k]);
        if (!c->cert)
                return -ENOMEM;
        memcpy(c->cert, table.cert[k], table.cert_size[k]);
        c->cert_size = table.cert_size[k];
        return 0;
}

int push_cc_collect(const char *tsm_directory, const char *sev_guest_device, const PushRequest *req,
                    PushEvidenceKind kind, CcCollected *ret) {
        _cleanup_(tsm_report_done) TsmReport t = {};
        CcCollected out = {};
        const char *type;
        int r;

        r = tsm_directory ? tsm_report_get(tsm_directory, req->cc_report_data, &t) : -ENOENT;
        if (r == -ENOENT && kind == PUSH_EVIDENCE_SEV_SNP && sev_guest_device) {
                r = sev_guest_report(sev_guest_device, req->cc_report_data, &out.report, &out.report_size);
                if (r == -ENOENT)
                        return -EOPNOTSUPP;
                if (r < 0)
                        return r;
                *ret = out;
                return 0;
        }
        if (r == -ENOENT && !tsm_directory)
                return -EOPNOTSUPP;
        if (r == -EBUSY)        /* another writer of the entry: once more */
                r = tsm_report_get(tsm_directory, req->cc_report_data, &t);
        if (r < 0)
                return r;
        type = tsm_provider_evidence_type(t.provider);
        if (!type || strcmp(type, kind == PUSH_EVIDENCE_SEV_SNP ? "sev-snp" : "tdx") != 0)
                return -EOPNOTSUPP;     /* the verifier asked for what this host is not */
        if (kind == PUSH_EVIDENCE_SEV_SNP) {
                r = snp_cert(&t, &out);
                if (r < 0)
                        return r;
        }
        out.report = TAKE_PTR(t.outblob);
        out.report_size = t.outblob_size;
        *ret = out;
        return 0;
}
