/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "snp-report.h"
#include "snp-verify.h"

/* An SEV-SNP attestation report as a node sends it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t zero[64] = {};
        SnpReport r;

        if (snp_report_parse(data, size, &r) < 0)
                return 0;
        assert(size == SNP_REPORT_SIZE);
        assert(r.version >= SNP_REPORT_VERSION_MIN && r.version <= SNP_REPORT_VERSION_MAX);
        assert(snp_signing_key_to_string(r.signing_key));
        assert(memcmp(r.report_data, data + 0x50, sizeof r.report_data) == 0);

        /* Every policy rule at once reaches every comparison. */
        SnpPolicy p = {
                .forbid_debug = true, .forbid_smt = true, .forbid_migrate_ma = true,
                .check_abi = true, .abi_major_min = 1, .check_vmpl = true,
                .report_data = zero, .host_data = zero, .check_tcb = true,
                .tcb_min = { .bootloader = 1, .tee = 1, .snp = 1, .microcode = 1, .fmc = 1 },
        };
        for (SnpProduct prod = SNP_PRODUCT_UNKNOWN; prod <= SNP_PRODUCT_TURIN; prod++)
                assert(snp_verdict_to_string(snp_report_check_policy(&r, prod, &p)));
        return 0;
}
