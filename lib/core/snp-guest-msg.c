/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "cursor.h"
#include "macro.h"
#include "snp-guest-msg.h"
#include "snp-report.h"

int snp_report_response_parse(const uint8_t *buf, size_t size, const uint8_t **ret_report, uint32_t *ret_status) {
        uint32_t status, report_size;
        size_t off = 0;

        assert_return(buf || size == 0, -EINVAL);
        assert_return(ret_report, -EINVAL);
        if (cursor_read_le32(buf, size, &off, &status) < 0 || cursor_read_le32(buf, size, &off, &report_size) < 0)
                return -EBADMSG;
        if (ret_status)
                *ret_status = status;
        if (status != 0)
                return -EIO;
        if (report_size != SNP_REPORT_SIZE || cursor_need(size, SNP_REPORT_RSP_HEADER_SIZE, report_size) < 0)
                return -EBADMSG;
        *ret_report = buf + SNP_REPORT_RSP_HEADER_SIZE;
        return 0;
}
