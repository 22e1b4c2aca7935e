/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/sev-guest.h>

#include "log.h"
#include "macro.h"
#include "sev-guest.h"
#include "snp-guest-msg.h"
#include "snp-report.h"

int sev_guest_report(const char *device, const uint8_t report_data[static 64], uint8_t **ret, size_t *ret_size) {
        struct snp_report_req req = {};
        struct snp_report_resp resp = {};
        struct snp_guest_request_ioctl io = {
                .msg_version = 1,
                .req_data = (uintptr_t) &req,
                .resp_data = (uintptr_t) &resp,
        };
        const uint8_t *report;
        uint32_t status = 0;
        uint8_t *copy;
        int fd, r;

        memcpy(req.user_data, report_data, sizeof req.user_data);
        fd = open(device, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = ioctl(fd, SNP_GET_REPORT, &io) < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                return log_debug_errno(r, "SNP_GET_REPORT on %s failed (firmware error 0x%x, VMM error 0x%x): %m",
                                       device, io.fw_error, io.vmm_error);
        r = snp_report_response_parse(resp.data, sizeof resp.data, &report, &status);
        if (r == -EIO)
                return log_debug_errno(r, "The SEV-SNP firmware refused the report request (status 0x%x).", status);
        if (r < 0)
                return r;
        copy = malloc(SNP_REPORT_SIZE);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, report, SNP_REPORT_SIZE);
        *ret = copy;
        *ret_size = SNP_REPORT_SIZE;
        return 0;
}
