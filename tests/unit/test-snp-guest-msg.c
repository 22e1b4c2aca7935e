/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The SEV-SNP firmware's report response (snp-guest-msg.c) and the agent's
 * /dev/sev-guest path (sev-guest.c) where there is no such device. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "push-cc.h"
#include "sev-guest.h"
#include "snp-guest-msg.h"
#include "snp-report.h"
#include "test-buf.h"

static void response(Buf *b, uint32_t status, uint32_t size, size_t report_bytes) {
        uint8_t zero[24] = {};

        put_le(b, status, 4);
        put_le(b, size, 4);
        put(b, zero, sizeof zero);
        for (size_t i = 0; i < report_bytes; i++)
                put_le(b, i & 0xff, 1);
}

static void test_parse(void **state) {
        const uint8_t *report = NULL;
        uint32_t status = 7;
        Buf b = {};

        response(&b, 0, SNP_REPORT_SIZE, 4000 - 32);
        assert_int_equal(snp_report_response_parse(b.p, b.n, &report, &status), 0);
        assert_int_equal(status, 0);
        assert_ptr_equal(report, b.p + 32);
        reset(&b);

        /* The firmware's refusal. */
        response(&b, 0x16, 0, 0);
        assert_int_equal(snp_report_response_parse(b.p, b.n, &report, &status), -EIO);
        assert_int_equal(status, 0x16);
        reset(&b);
        /* Another size; past the buffer; not even a header. */
        response(&b, 0, 1000, 2000);
        assert_int_equal(snp_report_response_parse(b.p, b.n, &report, NULL), -EBADMSG);
        reset(&b);
        response(&b, 0, SNP_REPORT_SIZE, SNP_REPORT_SIZE - 1);
        assert_int_equal(snp_report_response_parse(b.p, b.n, &report, NULL), -EBADMSG);
        reset(&b);
        response(&b, 0, SNP_REPORT_SIZE, 0);
        assert_int_equal(snp_report_response_parse(b.p, 7, &report, NULL), -EBADMSG);
        reset(&b);
}

static void test_device(void **state) {
        PushRequest req = { .n_items = 2, .order = { PUSH_EVIDENCE_TPM_QUOTE, PUSH_EVIDENCE_SEV_SNP } };
        uint8_t rd[64] = {}, *out = NULL;
        char provider[32];
        CcCollected c = {};
        size_t n;

        assert_int_equal(sev_guest_report("/nonexistent/sev-guest", rd, &out, &n), -ENOENT);
        /* A file that is no SEV-SNP guest device: the ioctl is refused. */
        assert_true(sev_guest_report("/dev/null", rd, &out, &n) < 0);
        assert_null(out);
        /* Without configfs-tsm, the device is offered when it can be opened. */
        assert_string_equal(push_cc_offer("/nonexistent/tsm", "/dev/null", provider, sizeof provider), "sev-snp");
        assert_string_equal(provider, "sev-guest");
        assert_null(push_cc_offer("/nonexistent/tsm", "/nonexistent/sev-guest", provider, sizeof provider));
        assert_int_equal(push_cc_collect("/nonexistent/tsm", "/nonexistent/sev-guest", &req, PUSH_EVIDENCE_SEV_SNP, &c),
                         -EOPNOTSUPP);
        assert_true(push_cc_collect(NULL, "/dev/null", &req, PUSH_EVIDENCE_SEV_SNP, &c) < 0);
        assert_null(c.report);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_device),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
