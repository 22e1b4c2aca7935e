/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's configfs-tsm reader (tsm-report.c) and its collection for the
 * push protocol (push-cc.c), over a directory laid out as the kernel's:
 * the entry made or reused, inblob written, outblob and auxblob read, the
 * provider mapped to the evidence type, the VCEK taken from the table. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"
#include "macro.h"
#include "push-cc.h"
#include "test-buf.h"
#include "tsm-report.h"

static char root[256], entry[300];

static void put_file(const char *name, const void *data, size_t n) {
        char path[400];
        FILE *f;

        (void) snprintf(path, sizeof path, "%s/%s", entry, name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        char tmpl[] = "/tmp/test-tsm-XXXXXX";

        assert_non_null(mkdtemp(tmpl));
        (void) snprintf(root, sizeof root, "%s", tmpl);
        (void) snprintf(entry, sizeof entry, "%s/" TSM_ENTRY_NAME, root);
        return 0;
}

static int teardown(void **state) {
        char cmd[400];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        return system(cmd) == 0 ? 0 : -1;
}

/* The entry as the kernel shows it once made; outblob and auxblob are files here. */
static void fake_entry(const char *provider, const void *outblob, size_t n, const void *auxblob, size_t m) {
        char path[400];

        (void) mkdir(entry, 0700);
        put_file("provider", provider, strlen(provider));
        put_file("generation", "4\n", 2);
        put_file("inblob", "", 0);
        put_file("outblob", outblob, n);
        (void) snprintf(path, sizeof path, "%s/auxblob", entry);
        (void) unlink(path);
        if (auxblob)
                put_file("auxblob", auxblob, m);
}

static void test_no_configfs(void **state) {
        char provider[32], missing[400];
        TsmReport t;
        uint8_t in[64] = {};

        (void) snprintf(missing, sizeof missing, "%s/none", root);
        assert_int_equal(tsm_provider(missing, provider, sizeof provider), -ENOENT);
        assert_int_equal(tsm_report_get(missing, in, &t), -ENOENT);
        assert_null(push_cc_offer(missing, NULL, provider, sizeof provider));
        assert_null(push_cc_offer(NULL, NULL, provider, sizeof provider));
}

static void test_provider(void **state) {
        char provider[32];

        /* The entry is made when missing; a kernel fills in its attributes, here there are none. */
        assert_int_equal(tsm_provider(root, provider, sizeof provider), -ENOENT);
        assert_int_equal(access(entry, F_OK), 0);
        fake_entry("sev_guest\n", "x", 1, NULL, 0);
        assert_int_equal(tsm_provider(root, provider, sizeof provider), 0);
        assert_string_equal(provider, "sev_guest");
        assert_string_equal(push_cc_offer(root, NULL, provider, sizeof provider), "sev-snp");
        fake_entry("tdx_guest", "x", 1, NULL, 0);
        assert_string_equal(push_cc_offer(root, NULL, provider, sizeof provider), "tdx");
        fake_entry("arm_cca_guest\n", "x", 1, NULL, 0);
        assert_null(push_cc_offer(root, NULL, provider, sizeof provider));
        fake_entry("", "x", 1, NULL, 0);
        assert_int_equal(tsm_provider(root, provider, sizeof provider), -EBADMSG);
        assert_null(tsm_provider_evidence_type("sev"));
}

static void test_report(void **state) {
        _cleanup_free_ uint8_t *written = NULL;
        char path[400];
        uint8_t in[64];
        TsmReport t;
        size_t n;

        for (size_t i = 0; i < sizeof in; i++)
                in[i] = (uint8_t) (0xa0 + i);
        fake_entry("tdx_guest\n", "QUOTE", 5, NULL, 0);
        assert_int_equal(tsm_report_get(root, in, &t), 0);
        assert_string_equal(t.provider, "tdx_guest");
        assert_int_equal(t.outblob_size, 5);
        assert_memory_equal(t.outblob, "QUOTE", 5);
        assert_null(t.auxblob);
        tsm_report_done(&t);
        (void) snprintf(path, sizeof path, "%s/inblob", entry);
        assert_int_equal(read_full_file(path, 1024, &written, &n), 0);
        assert_int_equal(n, 64);
        assert_memory_equal(written, in, 64);

        fake_entry("sev_guest\n", "REPORT", 6, "AUX", 3);
        assert_int_equal(tsm_report_get(root, in, &t), 0);
        assert_int_equal(t.auxblob_size, 3);
        tsm_report_done(&t);
        /* An empty auxblob is none. */
        fake_entry("sev_guest\n", "REPORT", 6, "", 0);
        assert_int_equal(tsm_report_get(root, in, &t), 0);
        assert_null(t.auxblob);
        tsm_report_done(&t);
}

static void test_report_refusals(void **state) {
        uint8_t in[64] = {}, *big;
        TsmReport t;

        fake_entry("sev_guest\n", "", 0, NULL, 0);
        assert_int_equal(tsm_report_get(root, in, &t), -ENODATA);
        big = calloc(1, TSM_OUTBLOB_MAX + 1);
        assert_non_null(big);
        fake_entry("tdx_guest\n", big, TSM_OUTBLOB_MAX + 1, NULL, 0);
        assert_int_equal(tsm_report_get(root, in, &t), -EFBIG);
        free(big);
        fake_entry("tdx_guest\n", "Q", 1, NULL, 0);
        put_file("generation", "four\n", 5);
        assert_int_equal(tsm_report_get(root, in, &t), -EBADMSG);
}

static void test_collect(void **state) {
        static const uint8_t vcek_guid[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                               0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
        PushRequest req = { .n_items = 2, .order = { PUSH_EVIDENCE_TPM_QUOTE, PUSH_EVIDENCE_SEV_SNP } };
        CcCollected c = {};
        Buf table = {};

        put(&table, vcek_guid, 16);
        put_le(&table, 48, 4);
        put_le(&table, 4, 4);
        put(&table, (uint8_t[24]) {}, 24);
        put(&table, "CERT", 4);
        fake_entry("sev_guest\n", "REPORT", 6, table.p, table.n);
        assert_int_equal(push_cc_collect(root, NULL, &req, PUSH_EVIDENCE_SEV_SNP, &c), 0);
        assert_int_equal(c.report_size, 6);
        assert_int_equal(c.cert_size, 4);
        assert_memory_equal(c.cert, "CERT", 4);
        cc_collected_done(&c);

        /* A table that does not parse: the report goes without a certificate. */
        fake_entry("sev_guest\n", "REPORT", 6, "garbage", 7);
        assert_int_equal(push_cc_collect(root, NULL, &req, PUSH_EVIDENCE_SEV_SNP, &c), 0);
        assert_null(c.cert);
        cc_collected_done(&c);

        /* The verifier asked for what this host is not. */
        assert_int_equal(push_cc_collect(root, NULL, &req, PUSH_EVIDENCE_TDX, &c), -EOPNOTSUPP);
        assert_int_equal(push_cc_collect(NULL, NULL, &req, PUSH_EVIDENCE_SEV_SNP, &c), -EOPNOTSUPP);
        reset(&table);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_configfs),
                cmocka_unit_test(test_provider),
                cmocka_unit_test(test_report),
                cmocka_unit_test(test_report_refusals),
                cmocka_unit_test(test_collect),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
