/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The collateral directory reader shared by verifierd and attestctl cc
 * collateral check (cc-collateral.c): what it loads, what it reports as
 * expired, invalid, ignored or missing, and that self-signed certificates in
 * the directory never become anchors. */

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "snp-test-chain.h"

#include "cc-collateral.h"

#define NOW ((time_t) 1767225600)       /* 2026-01-01 */

static char dir[256];

static void path_of(char *buf, size_t size, const char *rel) {
        assert_true((size_t) snprintf(buf, size, "%s/%s", dir, rel) < size);
}

static void write_text(const char *rel, const char *text) {
        char p[512];
        FILE *f;

        path_of(p, sizeof p, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static void write_cert(const char *rel, X509 *x) {
        char p[512];
        FILE *f;

        path_of(p, sizeof p, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(PEM_write_X509(f, x), 1);
        assert_int_equal(fclose(f), 0);
}

static void write_crl(const char *rel, X509_CRL *crl) {
        char p[512];
        FILE *f;

        path_of(p, sizeof p, rel);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(PEM_write_X509_CRL(f, crl), 1);
        assert_int_equal(fclose(f), 0);
        X509_CRL_free(crl);
}

static int setup(void **state) {
        char tmpl[] = "/tmp/test-cc-collateral-XXXXXX", p[512];

        assert_non_null(mkdtemp(tmpl));
        (void) snprintf(dir, sizeof dir, "%s", tmpl);
        path_of(p, sizeof p, "sev-snp");
        assert_int_equal(mkdir(p, 0755), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[400];

        (void) snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static const CcItem *find(const CcCollateralReport *r, const char *kind, const char *path_end) {
        for (size_t i = 0; i < r->n; i++) {
                size_t a = strlen(r->items[i].path), b = strlen(path_end);
                if (strcmp(r->items[i].kind, kind) == 0 && a >= b && strcmp(r->items[i].path + a - b, path_end) == 0)
                        return &r->items[i];
        }
        return NULL;
}

static void test_shipped_anchors(void **state) {
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        CcCollateralReport r = {};

        assert_int_equal(cc_collateral_load(NULL, NULL, NULL, NOW, &t, &r), 0);
        assert_true(sk_X509_num(t->snp_ca) >= 3);
        assert_int_equal(sk_X509_num(t->tdx_roots), 1);
        assert_null(t->snp_certs);
        assert_non_null(find(&r, "ark", "(shipped)"));
        assert_non_null(find(&r, "intel-root", "(shipped)"));
        assert_false(cc_collateral_report_has_problems(&r));
        cc_collateral_report_done(&r);
}

static void test_directory(void **state) {
        static const TestSnpChainSpec spec = { .product = "Milan", .hwid = { 1 }, .tcb = { .snp = 8 } };
        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        CcCollateralReport r = {};
        char anchors[512], p[512];
        const CcItem *it;

        test_snp_chain_make(&spec, &c);
        write_cert("ark.pem", c.ark);
        path_of(anchors, sizeof anchors, "ark.pem");
        write_cert("sev-snp/ask.pem", c.ask);
        write_cert("sev-snp/vcek.pem", c.leaf);
        write_cert("sev-snp/self-signed.pem", c.ark);
        write_text("sev-snp/notes.txt", "not a certificate\n");

        /* Without a CRL for the VCEK's chain: missing. */
        assert_int_equal(cc_collateral_load(dir, anchors, NULL, NOW, &t, &r), 0);
        assert_int_equal(sk_X509_num(t->snp_certs), 1);
        assert_int_equal(sk_X509_num(t->snp_ca), 2);          /* the anchor and the ASK, not the copy in the directory */
        assert_non_null((it = find(&r, "vcek", "sev-snp/vcek.pem")));
        assert_int_equal(it->status, CC_ITEM_OK);
        assert_int_equal(it->not_after, TEST_NOT_AFTER);
        assert_int_equal(find(&r, "ark", "sev-snp/self-signed.pem")->status, CC_ITEM_IGNORED);
        assert_int_equal(find(&r, "sev-snp", "sev-snp/notes.txt")->status, CC_ITEM_INVALID);
        assert_int_equal(find(&r, "crl", "sev-snp/*.crl")->status, CC_ITEM_MISSING);
        assert_true(cc_collateral_report_has_problems(&r));
        cc_collateral_report_done(&r);
        t = cc_trust_free(t);

        /* A current CRL; the text file gone: no problem left. */
        write_crl("sev-snp/ark.crl", test_snp_crl(&c, c.ark_key, NOW - 86400, NOW + 20 * 86400, 0));
        path_of(p, sizeof p, "sev-snp/notes.txt");
        assert_int_equal(unlink(p), 0);
        path_of(p, sizeof p, "sev-snp/self-signed.pem");
        assert_int_equal(unlink(p), 0);
        assert_int_equal(cc_collateral_load(dir, anchors, NULL, NOW, &t, &r), 0);
        assert_int_equal(t->n_snp_crls, 1);
        assert_int_equal(find(&r, "crl", "sev-snp/ark.crl")->status, CC_ITEM_OK);
        assert_null(find(&r, "crl", "sev-snp/*.crl"));
        assert_false(cc_collateral_report_has_problems(&r));
        cc_collateral_report_done(&r);
        t = cc_trust_free(t);

        /* Judged later: the CRL is expiring, then expired (kept, so its chain fails closed). */
        assert_int_equal(cc_collateral_load(dir, anchors, NULL, NOW + 15 * 86400, NULL, &r), 0);
        assert_int_equal(find(&r, "crl", "sev-snp/ark.crl")->status, CC_ITEM_EXPIRING);
        assert_false(cc_collateral_report_has_problems(&r));
        cc_collateral_report_done(&r);
        assert_int_equal(cc_collateral_load(dir, anchors, NULL, NOW + 30 * 86400, &t, &r), 0);
        assert_int_equal(find(&r, "crl", "sev-snp/ark.crl")->status, CC_ITEM_EXPIRED);
        assert_int_equal(t->n_snp_crls, 1);
        assert_true(cc_collateral_report_has_problems(&r));
        cc_collateral_report_done(&r);
        t = cc_trust_free(t);

        /* A certificate past its end. */
        assert_int_equal(cc_collateral_load(dir, anchors, NULL, TEST_NOT_AFTER + 1, NULL, &r), 0);
        assert_int_equal(find(&r, "vcek", "sev-snp/vcek.pem")->status, CC_ITEM_EXPIRED);
        cc_collateral_report_done(&r);
}

static void test_tdx_directory(void **state) {
        CcCollateralReport r = {};
        char p[512];

        path_of(p, sizeof p, "tdx");
        assert_int_equal(mkdir(p, 0755), 0);
        write_text("tdx/50806f000000.json", "{\"tcb_info\": 1}");
        assert_int_equal(cc_collateral_load(dir, NULL, NULL, NOW, NULL, &r), 0);
        assert_int_equal(find(&r, "tdx-collateral", "tdx/50806f000000.json")->status, CC_ITEM_INVALID);
        assert_int_equal(find(&r, "tdx", "tdx/")->status, CC_ITEM_MISSING);
        cc_collateral_report_done(&r);
}

static void test_unreadable(void **state) {
        char p[512];

        path_of(p, sizeof p, "no-such-anchors.pem");
        assert_int_equal(cc_collateral_load(NULL, p, NULL, NOW, NULL, NULL), -ENOENT);
        assert_int_equal(cc_collateral_load(NULL, NULL, p, NOW, NULL, NULL), -ENOENT);
        path_of(p, sizeof p, "sev-snp/ask.pem");
        /* A directory path that is a file. */
        assert_true(cc_collateral_load(p, NULL, NULL, NOW, NULL, NULL) < 0);
        assert_string_equal(cc_item_status_to_string(CC_ITEM_NOT_YET_VALID), "not-yet-valid");
        assert_null(cc_item_status_to_string(_CC_ITEM_STATUS_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shipped_anchors),
                cmocka_unit_test(test_directory),
                cmocka_unit_test(test_tdx_directory),
                cmocka_unit_test(test_unreadable),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
