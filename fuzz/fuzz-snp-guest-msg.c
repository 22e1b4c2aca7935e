/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz.h"
#include "macro.h"
#include "snp-guest-msg.h"
#include "snp-report.h"

/* The firmware's answer in /dev/sev-guest's response buffer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *report = NULL;
        uint32_t status = 0;

        if (snp_report_response_parse(data, size, &report, &status) < 0)
                return 0;
        assert(status == 0 && report == data + SNP_REPORT_RSP_HEADER_SIZE);
        assert(size >= SNP_REPORT_RSP_HEADER_SIZE + SNP_REPORT_SIZE);
        return 0;
}
