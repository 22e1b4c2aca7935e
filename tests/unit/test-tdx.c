/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "cc-cert.h"
#include "cc-roots.h"
#include "hexdecode.h"
#include "tdx-ccel.h"
#include "tdx-collateral.h"
#include "tdx-pck.h"
#include "tdx-quote.h"
#include "tdx-verify.h"
#include "tdx-test-chain.h"
#include "test-buf.h"
#include "test-data.h"

/* dcap-qvl's golden time for tdx_quote (tdx/dcap-qvl/tdx_quote.expected.json): one second
 * before its PCK CRL expires. */
#define AT_DCAP_QVL ((time_t) 1752919234)           /* 2025-07-19T10:00:34Z */
#define AT_GO_TDX_V4 ((time_t) 1688173200)          /* 2023-07-01T01:00:00Z */
#define AT_GO_TDX_V5 ((time_t) 1770080400)          /* 2026-02-03T01:00:00Z */
#define AT_2025 ((time_t) 1748736000)               /* 2025-06-01T00:00:00Z */
#define AT_2053 ((time_t) 2635117200)               /* 2053-07-01T01:00:00Z */

#define DCAP_QUOTE "tdx/dcap-qvl/tdx_quote"
#define DCAP_COLLATERAL "tdx/dcap-qvl/tdx_quote_collateral.json"
#define SPR_E4_QUOTE "tdx/go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define SPR_E4_SIZE 4935u   /* without the fixture's deliberate trailing text */

static STACK_OF(X509) *roots(void) {
        STACK_OF(X509) *s = NULL;
        assert_int_equal(cc_cert_parse_bundle((const uint8_t *) cc_intel_sgx_root_pem, strlen(cc_intel_sgx_root_pem), 4, &s), 0);
        return s;
}

static TdxCollateral *collateral_from(const char *text, size_t n) {
        TdxCollateral *c = NULL;
        assert_int_equal(tdx_collateral_parse(text, n, &c), 0);
        return c;
}

static TdxCollateral *load_collateral(const char *rel) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        test_data_read(rel, &buf, &n);
        return collateral_from((const char *) buf, n);
}

/* -EBADMSG when the quote does not parse, else the verdict. */
static int verify_raw(const uint8_t *buf, size_t n, const TdxCollateral *c, time_t at, TdxVerifyResult *ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *r = roots();
        TdxVerifyResult res = {};
        TdxVerdict v;
        TdxQuote q;
        int k;

        k = tdx_quote_parse(buf, n, &q);
        if (k < 0)
                return k;
        if (c) {
                TdxVerifyParams p = { .roots = r, .collateral = c, .at = at };
                assert_int_equal(tdx_verify(&p, &q, &v, &res), 0);
        } else
                assert_int_equal(tdx_verify_quote(r, at, &q, &v, &res), 0);
        if (ret)
                *ret = res;
        return (int) v;
}

static void assert_hex(const uint8_t *p, size_t n, const char *want) {
        _cleanup_free_ char *hex = hex_encode(p, n);
        assert_string_equal(hex, want);
}

static void test_parse_golden(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        TdxQuote q;
        size_t n;

        /* Values from dcap-qvl's parsed snapshot of the same quote. */
        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_equal(tdx_quote_parse(buf, n, &q), 0);
        assert_int_equal(q.version, 4);
        assert_false(q.body.td15);
        assert_hex(q.body.mrtd, 48, "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7");
        assert_hex(q.body.rtmr[0], 48, "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0");
        assert_hex(q.body.report_data, 64, "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9"
                                            "eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20");
        assert_hex(q.body.tee_tcb_svn, 16, "06010300000000000000000000000000");
        assert_hex(q.body.xfam, 8, "e702060000000000");
        assert_hex(q.body.td_attributes, 8, "0000001000000000");
        assert_int_equal(q.signed_size, TDX_QUOTE_HEADER_SIZE + TDX_TD10_BODY_SIZE);
        assert_int_equal(q.qe_auth_data_size, 32);
}

static void test_parse_all(void **state) {
        static const struct {
                const char *file;
                uint16_t version;
                bool td15;
        } quotes[] = {
                { "tdx/dcap-qvl/tdx_quote", 4, false },
                { "tdx/dcap-qvl/quote-from-tappd.bin", 4, false },
                { "tdx/go-tdx-guest/quote_v5_sample.dat", 5, true },
                { "tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat", 4, false },   /* zero padding to 8000 bytes */
                { "tdx/trustee/tdx_quote_4.dat", 4, false },
                { "tdx/trustee/tdx_quote_5.dat", 5, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(quotes); i++) {
                _cleanup_free_ uint8_t *buf = NULL;
                TdxQuote q;
                size_t n;

                test_data_read(quotes[i].file, &buf, &n);
                assert_int_equal(tdx_quote_parse(buf, n, &q), 0);
                assert_int_equal(q.version, quotes[i].version);
                assert_int_equal(q.body.td15, quotes[i].td15);
                assert_int_equal(q.signed_size, TDX_QUOTE_HEADER_SIZE +
                                 (q.version == 5 ? 6 : 0) + (q.body.td15 ? TDX_TD15_BODY_SIZE : TDX_TD10_BODY_SIZE));
        }
}

static void test_trailing_bytes(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        TdxQuote q;
        size_t n;

        /* The fixture ends in "extra bytes(only for testing purpose)": not zero padding, so refused. */
        test_data_read(SPR_E4_QUOTE, &buf, &n);
        assert_true(n > SPR_E4_SIZE);
        assert_int_equal(tdx_quote_parse(buf, n, &q), -EBADMSG);
        assert_int_equal(tdx_quote_parse(buf, SPR_E4_SIZE, &q), 0);
        assert_int_equal(tdx_quote_parse(buf, SPR_E4_SIZE - 1, &q), -EBADMSG);
}

static void test_verify_golden(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral(DCAP_COLLATERAL);
        _cleanup_free_ uint8_t *buf = NULL;
        TdxVerifyResult res;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_equal(verify_raw(buf, n, c, AT_DCAP_QVL, &res), TDX_VALID);
        assert_true(res.has_tcb_status);
        assert_int_equal(res.tcb_status, TDX_TCB_UP_TO_DATE);
        assert_int_equal(res.advisories.n, 0);
        assert_hex(res.fmspc, 6, "b0c06f000000");
}

static void test_verify_quotes_without_collateral(void **state) {
        static const struct {
                const char *file;
                size_t size;
                time_t at;
        } quotes[] = {
                { "tdx/go-tdx-guest/quote_v5_sample.dat", 0, AT_GO_TDX_V5 },
                { SPR_E4_QUOTE, SPR_E4_SIZE, AT_GO_TDX_V4 },
                { "tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat", 0, AT_2025 },
                { "tdx/trustee/tdx_quote_4.dat", 0, AT_2025 },
                { "tdx/trustee/tdx_quote_5.dat", 0, AT_2025 },
                { "tdx/dcap-qvl/quote-from-tappd.bin", 0, AT_2025 },
        };

        for (size_t i = 0; i < ELEMENTSOF(quotes); i++) {
                _cleanup_free_ uint8_t *buf = NULL;
                size_t n;
                int v;

                test_data_read(quotes[i].file, &buf, &n);
                v = verify_raw(buf, quotes[i].size ?: n, NULL, quotes[i].at, NULL);
                if (v != TDX_VALID)
                        fail_msg("%s: %s", quotes[i].file, tdx_verdict_to_string(v));
        }
}

static void test_spr_e4(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral("tdx/go-tdx-guest/collateral-50806f000000.json");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        test_data_read(SPR_E4_QUOTE, &buf, &n);
        /* Chains, CRLs, signatures and collateral all verify; the module's SVN
         * (TEE_TCB_SVN[2] = 4) is below every level TCB Info lists (5). */
        assert_int_equal(verify_raw(buf, SPR_E4_SIZE, c, AT_GO_TDX_V4, NULL), TDX_TCB_UNSUPPORTED);
        /* The PCK certificate expires in 2029. */
        assert_int_equal(verify_raw(buf, SPR_E4_SIZE, NULL, AT_2053, NULL), TDX_PCK_CHAIN_UNTRUSTED);
}

static void test_v5_stale_crl(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral("tdx/go-tdx-guest/collateral-90c06f000000.json");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        /* The only PCK CRL at hand is from 2023: not current in 2026. */
        test_data_read("tdx/go-tdx-guest/quote_v5_sample.dat", &buf, &n);
        assert_int_equal(verify_raw(buf, n, c, AT_GO_TDX_V5, NULL), TDX_CRL_INVALID);
}

typedef struct Tamper {
        const char *field;
        size_t offset;
        int expect;
} Tamper;

/* Offsets in dcap-qvl's v4 quote: header 0, body 48, signature data 632. */
static const Tamper tampers[] = {
        { "version",            0x000, -EBADMSG },
        { "att_key_type",       0x002, -EBADMSG },
        { "tee_type",           0x004, -EBADMSG },
        { "qe_svn",             0x008, TDX_BAD_QUOTE_SIGNATURE },
        { "pce_svn",            0x00a, TDX_BAD_QUOTE_SIGNATURE },
        { "qe_vendor_id",       0x00c, TDX_BAD_QUOTE_SIGNATURE },
        { "user_data",          0x01c, TDX_BAD_QUOTE_SIGNATURE },
        { "tee_tcb_svn",        48 + 0, TDX_BAD_QUOTE_SIGNATURE },
        { "mrseam",             48 + 16, TDX_BAD_QUOTE_SIGNATURE },
        { "mrsignerseam",       48 + 64, TDX_BAD_QUOTE_SIGNATURE },
        { "seam_attributes",    48 + 112, TDX_BAD_QUOTE_SIGNATURE },
        { "td_attributes",      48 + 120, TDX_BAD_QUOTE_SIGNATURE },
        { "xfam",               48 + 128, TDX_BAD_QUOTE_SIGNATURE },
        { "mrtd",               48 + 136, TDX_BAD_QUOTE_SIGNATURE },
        { "mrconfigid",         48 + 184, TDX_BAD_QUOTE_SIGNATURE },
        { "mrowner",            48 + 232, TDX_BAD_QUOTE_SIGNATURE },
        { "mrownerconfig",      48 + 280, TDX_BAD_QUOTE_SIGNATURE },
        { "rtmr0",              48 + 328, TDX_BAD_QUOTE_SIGNATURE },
        { "rtmr3",              48 + 472, TDX_BAD_QUOTE_SIGNATURE },
        { "report_data",        48 + 520, TDX_BAD_QUOTE_SIGNATURE },
        { "report_data(last)",  48 + 583, TDX_BAD_QUOTE_SIGNATURE },
        { "sig_data_len",       632, -EBADMSG },
        { "signature.r",        636, TDX_BAD_QUOTE_SIGNATURE },
        { "signature.s",        636 + 63, TDX_BAD_QUOTE_SIGNATURE },
        { "attestation_key",    700, TDX_QE_BINDING },
        { "cert_data_type",     764, -EBADMSG },
        { "cert_data_size",     766, -EBADMSG },
        { "qe_report.cpu_svn",  770, TDX_BAD_QE_REPORT_SIGNATURE },
        { "qe_report.mrsigner", 770 + 128, TDX_BAD_QE_REPORT_SIGNATURE },
        { "qe_report.isv_svn",  770 + 258, TDX_BAD_QE_REPORT_SIGNATURE },
        { "qe_report.data",     770 + 320, TDX_BAD_QE_REPORT_SIGNATURE },
        { "qe_report_signature",1154, TDX_BAD_QE_REPORT_SIGNATURE },
        { "qe_auth_data_size",  1218, -EBADMSG },
        { "qe_auth_data",       1220, TDX_QE_BINDING },
        { "pck_chain_type",     1252, -EBADMSG },
        { "pck_chain_size",     1254, -EBADMSG },
        { "pck_chain(pem)",     1258 + 100, TDX_PCK_INVALID },
};

static void test_tampered_fields(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral(DCAP_COLLATERAL);
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        for (size_t i = 0; i < ELEMENTSOF(tampers); i++) {
                const Tamper *t = tampers + i;
                int got;

                buf[t->offset] ^= 0x01;
                got = verify_raw(buf, n, c, AT_DCAP_QVL, NULL);
                buf[t->offset] ^= 0x01;
                if (got != t->expect)
                        fail_msg("field %s: got %d, want %d", t->field, got, t->expect);
        }
        assert_int_equal(verify_raw(buf, n, c, AT_DCAP_QVL, NULL), TDX_VALID);
}

/* The collateral with one string member replaced by a variant of itself. */
static TdxCollateral *collateral_edit(const char *key, const char *from, const char *to) {
        _cleanup_free_ uint8_t *buf = NULL;
        json_object *root, *v;
        TdxCollateral *c;
        char *s, *p;
        size_t n;

        test_data_read(DCAP_COLLATERAL, &buf, &n);
        root = json_tokener_parse((const char *) buf);
        assert_non_null(root);
        assert_true(json_object_object_get_ex(root, key, &v));
        s = strdup(json_object_get_string(v));
        assert_non_null(s);
        p = strstr(s, from);
        assert_non_null(p);
        assert_int_equal(strlen(from), strlen(to));
        memcpy(p, to, strlen(to));
        json_object_object_add(root, key, json_object_new_string(s));
        free(s);
        c = collateral_from(json_object_to_json_string(root), strlen(json_object_to_json_string(root)));
        json_object_put(root);
        return c;
}

static void test_tampered_collateral(void **state) {
        static const struct {
                const char *key, *from, *to;
                TdxVerdict expect;
        } edits[] = {
                /* Same length, valid JSON: only the signature can tell. */
                { "tcb_info", "\"UpToDate\"", "\"Revoked\" ", TDX_TCB_INFO_SIGNATURE },
                { "qe_identity", "\"isvprodid\":2", "\"isvprodid\":3", TDX_QE_IDENTITY_SIGNATURE },
                { "tcb_info_signature", "0", "1", TDX_TCB_INFO_SIGNATURE },
                { "qe_identity_signature", "d", "e", TDX_QE_IDENTITY_SIGNATURE },
        };
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        for (size_t i = 0; i < ELEMENTSOF(edits); i++) {
                _cleanup_(tdx_collateral_freep) TdxCollateral *c = collateral_edit(edits[i].key, edits[i].from, edits[i].to);
                int got = verify_raw(buf, n, c, AT_DCAP_QVL, NULL);
                if (got != (int) edits[i].expect)
                        fail_msg("edit of %s: got %s", edits[i].key, tdx_verdict_to_string(got));
        }
}

static void test_collateral_time(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral(DCAP_COLLATERAL);
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        /* One second later the PCK CRL has expired. */
        assert_int_equal(verify_raw(buf, n, c, AT_DCAP_QVL + 2, NULL), TDX_CRL_INVALID);
        /* 2025-06-19T10:10:00Z: the CRLs are current, TCB Info (issued 10:16:03) not yet. */
        assert_int_equal(verify_raw(buf, n, c, (time_t) 1750327800, NULL), TDX_COLLATERAL_EXPIRED);
}

static void test_foreign_collateral(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *other = load_collateral("tdx/go-tdx-guest/collateral-50806f000000.json");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        /* Another platform's collateral from 2023: its PCK CRL is from another CA generation and stale. */
        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_not_equal(verify_raw(buf, n, other, AT_DCAP_QVL, NULL), TDX_VALID);
}

static void test_wrong_root(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral(DCAP_COLLATERAL);
        _cleanup_x509_stack_ STACK_OF(X509) *amd = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        TdxVerdict v;
        TdxQuote q;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_equal(tdx_quote_parse(buf, n, &q), 0);
        assert_int_equal(cc_cert_parse_bundle((const uint8_t *) cc_amd_sev_roots_pem, strlen(cc_amd_sev_roots_pem), 16, &amd), 0);
        TdxVerifyParams p = { .roots = amd, .collateral = c, .at = AT_DCAP_QVL };
        assert_int_equal(tdx_verify(&p, &q, &v, NULL), 0);
        assert_int_equal(v, TDX_PCK_CHAIN_UNTRUSTED);
}

static void test_min_status(void **state) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = load_collateral(DCAP_COLLATERAL);
        _cleanup_x509_stack_ STACK_OF(X509) *r = roots();
        _cleanup_free_ uint8_t *buf = NULL;
        TdxVerdict v;
        TdxQuote q;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_equal(tdx_quote_parse(buf, n, &q), 0);
        TdxVerifyParams p = { .roots = r, .collateral = c, .at = AT_DCAP_QVL, .check_min_status = true,
                              .min_status = TDX_TCB_UP_TO_DATE };
        assert_int_equal(tdx_verify(&p, &q, &v, NULL), 0);
        assert_int_equal(v, TDX_VALID);
}

static void test_collateral_malformed(void **state) {
        static const char *const keys[] = {
                "pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info_issuer_chain", "tcb_info",
                "tcb_info_signature", "qe_identity_issuer_chain", "qe_identity", "qe_identity_signature",
        };
        _cleanup_free_ uint8_t *buf = NULL;
        TdxCollateral *c = NULL;
        size_t n;

        test_data_read(DCAP_COLLATERAL, &buf, &n);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *root = json_tokener_parse((const char *) buf);
                const char *s;

                /* Missing, and present but not what it should be. */
                json_object_object_del(root, keys[i]);
                s = json_object_to_json_string(root);
                assert_int_equal(tdx_collateral_parse(s, strlen(s), &c), -EBADMSG);
                json_object_object_add(root, keys[i], json_object_new_string("00zz"));
                s = json_object_to_json_string(root);
                assert_int_equal(tdx_collateral_parse(s, strlen(s), &c), -EBADMSG);
                json_object_put(root);
        }
        assert_int_equal(tdx_collateral_parse("{", 1, &c), -EBADMSG);
        assert_int_equal(tdx_collateral_parse((const char *) buf, TDX_COLLATERAL_SIZE_MAX + 1, &c), -E2BIG);
}

static void test_status_names(void **state) {
        for (TdxTcbStatus s = 0; s < _TDX_TCB_STATUS_MAX; s++)
                assert_int_equal(tdx_tcb_status_from_string(tdx_tcb_status_to_string(s)), s);
        assert_int_equal(tdx_tcb_status_from_string("uptodate"), TDX_TCB_STATUS_INVALID);
        assert_true(TDX_TCB_UP_TO_DATE < TDX_TCB_OUT_OF_DATE);
        for (TdxVerdict v = 0; v < _TDX_VERDICT_MAX; v++) {
                assert_non_null(tdx_verdict_to_string(v));
                assert_non_null(tdx_verdict_to_message(v));
        }
}

static void test_time_parsing(void **state) {
        time_t t;

        assert_int_equal(tdx_parse_time("2025-07-19T10:00:34Z", &t), 0);
        assert_int_equal(t, AT_DCAP_QVL);
        assert_int_equal(tdx_parse_time("2025-07-19 10:00:34Z", &t), -EBADMSG);
        assert_int_equal(tdx_parse_time("2025-02-30T10:00:34Z", &t), -EBADMSG);
        assert_int_equal(tdx_parse_time("2025-07-19T10:00:34", &t), -EBADMSG);
}

static void test_size_limits(void **state) {
        _cleanup_free_ uint8_t *big = calloc(1, TDX_QUOTE_SIZE_MAX + 1);
        _cleanup_free_ uint8_t *buf = NULL;
        TdxQuote q;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_non_null(big);
        memcpy(big, buf, n);
        assert_int_equal(tdx_quote_parse(big, TDX_QUOTE_SIZE_MAX, &q), 0);      /* zero padding up to the limit */
        assert_int_equal(tdx_quote_parse(big, TDX_QUOTE_SIZE_MAX + 1, &q), -EBADMSG);
        assert_int_equal(tdx_quote_parse(big, TDX_QUOTE_SIZE_MAX, &q), 0);
        /* Cut anywhere before the end of the PCK chain (zero padding follows it). */
        size_t end = (size_t) (q.pck_chain + q.pck_chain_size - big);
        assert_true(end < n);
        for (size_t cut = 0; cut < end; cut += 97)
                assert_int_equal(tdx_quote_parse(buf, cut, &q), -EBADMSG);
        assert_int_equal(tdx_quote_parse(buf, end - 1, &q), -EBADMSG);
        assert_int_equal(tdx_quote_parse(buf, end, &q), 0);
}

static void test_pck_info(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        TdxPckInfo info;
        TdxQuote q;
        size_t n;

        test_data_read(SPR_E4_QUOTE, &buf, &n);
        assert_int_equal(tdx_quote_parse(buf, SPR_E4_SIZE, &q), 0);
        assert_int_equal(cc_cert_parse_bundle(q.pck_chain, q.pck_chain_size, 8, &chain), 0);
        assert_int_equal(tdx_pck_info(sk_X509_value(chain, 0), &info), 0);
        assert_hex(info.fmspc, 6, "50806f000000");
        assert_hex(info.pce_id, 2, "0000");
        assert_int_equal(info.pcesvn, 11);
        assert_int_equal(tdx_pck_info(sk_X509_value(chain, 1), &info), -ENOENT);
}

/* A quote like q with other QE authentication data and PCK chain, sizes adjusted. */
static void rebuild(const TdxQuote *q, size_t auth_size, size_t chain_size, Buf *out) {
        _cleanup_free_ uint8_t *auth = calloc(1, auth_size + 1), *chain = calloc(1, chain_size + 1);
        size_t cert_size = TDX_SGX_REPORT_SIZE + 64 + 2 + auth_size + 6 + chain_size;

        assert_non_null(auth);
        assert_non_null(chain);
        memcpy(auth, q->qe_auth_data, MIN(auth_size, q->qe_auth_data_size));
        memcpy(chain, q->pck_chain, MIN(chain_size, q->pck_chain_size));
        put(out, q->signed_data, q->signed_size);
        put_le(out, 128 + 6 + cert_size, 4);
        put(out, q->signature, 64);
        put(out, q->attestation_key, 64);
        put_le(out, TDX_CERT_TYPE_QE_REPORT, 2);
        put_le(out, cert_size, 4);
        put(out, q->qe_report_raw, TDX_SGX_REPORT_SIZE);
        put(out, q->qe_report_signature, 64);
        put_le(out, auth_size, 2);
        put(out, auth, auth_size);
        put_le(out, TDX_CERT_TYPE_PCK_CHAIN, 2);
        put_le(out, chain_size, 4);
        put(out, chain, chain_size);
}

static void test_quote_limits(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        Buf b = {};
        TdxQuote q, r;
        size_t n;

        test_data_read(DCAP_QUOTE, &buf, &n);
        assert_int_equal(tdx_quote_parse(buf, n, &q), 0);

        /* Rebuilt unchanged, it still verifies. */
        rebuild(&q, q.qe_auth_data_size, q.pck_chain_size, &b);
        assert_int_equal(verify_raw(b.p, b.n, NULL, AT_DCAP_QVL, NULL), TDX_VALID);
        reset(&b);

        /* Other authentication data: the QE report no longer vouches for the key. */
        rebuild(&q, TDX_QE_AUTH_DATA_MAX, q.pck_chain_size, &b);
        assert_int_equal(verify_raw(b.p, b.n, NULL, AT_DCAP_QVL, NULL), TDX_QE_BINDING);
        reset(&b);
        rebuild(&q, TDX_QE_AUTH_DATA_MAX + 1, q.pck_chain_size, &b);
        assert_int_equal(tdx_quote_parse(b.p, b.n, &r), -EBADMSG);
        reset(&b);

        /* The PCK chain padded with NULs up to the limit still parses; one more byte does not. */
        rebuild(&q, q.qe_auth_data_size, TDX_PCK_CHAIN_MAX, &b);
        assert_int_equal(verify_raw(b.p, b.n, NULL, AT_DCAP_QVL, NULL), TDX_VALID);
        reset(&b);
        rebuild(&q, q.qe_auth_data_size, TDX_PCK_CHAIN_MAX + 1, &b);
        assert_int_equal(tdx_quote_parse(b.p, b.n, &r), -EBADMSG);
        reset(&b);
        rebuild(&q, q.qe_auth_data_size, 0, &b);
        assert_int_equal(tdx_quote_parse(b.p, b.n, &r), -EBADMSG);
        reset(&b);
}

/* The collateral with its TCB Info (parsed, edited by fn, printed) in place of the original. */
static int parse_edited_tcb_info(void (*fn)(json_object *info, size_t n), size_t n) {
        _cleanup_free_ uint8_t *buf = NULL;
        json_object *root, *info, *v;
        TdxCollateral *c = NULL;
        const char *s;
        size_t size;
        int r;

        test_data_read(DCAP_COLLATERAL, &buf, &size);
        root = json_tokener_parse((const char *) buf);
        assert_true(json_object_object_get_ex(root, "tcb_info", &v));
        info = json_tokener_parse(json_object_get_string(v));
        assert_non_null(info);
        fn(info, n);
        json_object_object_add(root, "tcb_info", json_object_new_string(json_object_to_json_string(info)));
        json_object_put(info);
        s = json_object_to_json_string(root);
        r = tdx_collateral_parse(s, strlen(s), &c);
        tdx_collateral_free(c);
        json_object_put(root);
        return r;
}

static void set_levels(json_object *info, size_t n) {
        json_object *levels = json_object_object_get(info, "tcbLevels"), *more = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(more, json_object_get(json_object_array_get_idx(levels, 0)));
        json_object_object_add(info, "tcbLevels", more);
}

static void set_module_identities(json_object *info, size_t n) {
        json_object *ids = json_object_object_get(info, "tdxModuleIdentities"), *more = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(more, json_object_get(json_object_array_get_idx(ids, 0)));
        json_object_object_add(info, "tdxModuleIdentities", more);
}

static void set_advisories(json_object *info, size_t n) {
        json_object *level = json_object_array_get_idx(json_object_object_get(info, "tcbLevels"), 0);
        json_object *ids = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(ids, json_object_new_string("INTEL-SA-00001"));
        json_object_object_add(level, "advisoryIDs", ids);
}

static void set_long_advisory(json_object *info, size_t n) {
        json_object *level = json_object_array_get_idx(json_object_object_get(info, "tcbLevels"), 0);
        json_object *ids = json_object_new_array();
        char id[TDX_ADVISORY_ID_MAX + 2] = {};
        memset(id, 'A', n);
        json_object_array_add(ids, json_object_new_string(id));
        json_object_object_add(level, "advisoryIDs", ids);
}

/* An advisory id with an embedded NUL (\u0000 in the JSON) would be cut short. */
static void set_nul_advisory(json_object *info, size_t n) {
        json_object *level = json_object_array_get_idx(json_object_object_get(info, "tcbLevels"), 0);
        json_object *ids = json_object_new_array();
        json_object_array_add(ids, json_object_new_string_len("INTEL\0SA-00001", (int) n));
        json_object_object_add(level, "advisoryIDs", ids);
}

static void test_collateral_limits(void **state) {
        assert_int_equal(parse_edited_tcb_info(set_levels, TDX_TCB_LEVELS_MAX), 0);
        assert_int_equal(parse_edited_tcb_info(set_levels, TDX_TCB_LEVELS_MAX + 1), -E2BIG);
        assert_int_equal(parse_edited_tcb_info(set_levels, 0), -EBADMSG);
        assert_int_equal(parse_edited_tcb_info(set_module_identities, TDX_MODULE_IDENTITIES_MAX), 0);
        assert_int_equal(parse_edited_tcb_info(set_module_identities, TDX_MODULE_IDENTITIES_MAX + 1), -E2BIG);
        assert_int_equal(parse_edited_tcb_info(set_advisories, TDX_ADVISORY_IDS_MAX), 0);
        assert_int_equal(parse_edited_tcb_info(set_advisories, TDX_ADVISORY_IDS_MAX + 1), -E2BIG);
        assert_int_equal(parse_edited_tcb_info(set_long_advisory, TDX_ADVISORY_ID_MAX), 0);
        assert_int_equal(parse_edited_tcb_info(set_long_advisory, TDX_ADVISORY_ID_MAX + 1), -EBADMSG);
        assert_int_equal(parse_edited_tcb_info(set_nul_advisory, 5), 0);
        assert_int_equal(parse_edited_tcb_info(set_nul_advisory, 14), -EBADMSG);
}

/* One run with the generated hierarchy: dcap-qvl's quote and collateral,
 * edited, re-signed, verified at dcap-qvl's time. */
typedef struct TdxCase {
        void (*edit_tcb_info)(json_object *info);
        void (*edit_qe_identity)(json_object *qe);
        void (*edit_body)(uint8_t *signed_data);
        TdxTestRevocations rev;
        bool check_min_status;
        TdxTcbStatus min_status;
} TdxCase;

static char *edited_document(json_object *collateral, const char *key, void (*edit)(json_object *o)) {
        json_object *doc = json_tokener_parse(json_object_get_string(json_object_object_get(collateral, key)));
        char *s;

        assert_non_null(doc);
        if (edit)
                edit(doc);
        s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        json_object_put(doc);
        return s;
}

static int run_case(const TdxCase *k, TdxVerifyResult *ret) {
        _cleanup_free_ uint8_t *raw = NULL, *coll = NULL, *body = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *given = NULL, *r = sk_X509_new_null();
        _cleanup_(tdx_test_chain_done) TdxTestChain c = {};
        _cleanup_(tdx_collateral_freep) TdxCollateral *collateral = NULL;
        _cleanup_free_ char *tcb = NULL, *qe = NULL, *text = NULL;
        TdxVerifyResult res = {};
        TdxPckInfo info;
        TdxQuote q, q2;
        TdxVerdict v;
        json_object *root;
        Buf b = {};
        size_t n, m;

        test_data_read(DCAP_QUOTE, &raw, &n);
        assert_int_equal(tdx_quote_parse(raw, n, &q), 0);
        assert_int_equal(cc_cert_parse_bundle(q.pck_chain, q.pck_chain_size, 8, &given), 0);
        assert_int_equal(tdx_pck_info(sk_X509_value(given, 0), &info), 0);
        tdx_test_chain_make(&info, &c);

        body = malloc(q.signed_size);
        assert_non_null(body);
        memcpy(body, q.signed_data, q.signed_size);
        if (k->edit_body)
                k->edit_body(body);
        tdx_test_quote(&c, &q, body, &b);
        assert_int_equal(tdx_quote_parse(b.p, b.n, &q2), 0);

        test_data_read(DCAP_COLLATERAL, &coll, &m);
        root = json_tokener_parse((const char *) coll);
        tcb = edited_document(root, "tcb_info", k->edit_tcb_info);
        qe = edited_document(root, "qe_identity", k->edit_qe_identity);
        json_object_put(root);
        text = tdx_test_collateral(&c, tcb, qe, AT_DCAP_QVL, k->rev);
        assert_int_equal(tdx_collateral_parse(text, strlen(text), &collateral), 0);

        assert_true(X509_up_ref(c.root) && sk_X509_push(r, c.root));
        TdxVerifyParams p = { .roots = r, .collateral = collateral, .at = AT_DCAP_QVL,
                              .check_min_status = k->check_min_status, .min_status = k->min_status };
        assert_int_equal(tdx_verify(&p, &q2, &v, &res), 0);
        reset(&b);
        if (ret)
                *ret = res;
        return (int) v;
}

static json_object *level0(json_object *doc) {
        return json_object_array_get_idx(json_object_object_get(doc, "tcbLevels"), 0);
}

static void set_status(json_object *level, const char *status, const char *advisory) {
        json_object *ids = json_object_new_array();
        json_object_object_add(level, "tcbStatus", json_object_new_string(status));
        json_object_array_add(ids, json_object_new_string(advisory));
        json_object_object_add(level, "advisoryIDs", ids);
}

static void platform_sw_hardening(json_object *info) { set_status(level0(info), "SWHardeningNeeded", "INTEL-SA-00615"); }
static void platform_revoked(json_object *info) { set_status(level0(info), "Revoked", "INTEL-SA-00001"); }
static void platform_config(json_object *info) { set_status(level0(info), "ConfigurationNeeded", "INTEL-SA-00002"); }
static void qe_out_of_date(json_object *qe) { set_status(level0(qe), "OutOfDate", "INTEL-SA-00003"); }
static void qe_revoked(json_object *qe) { set_status(level0(qe), "Revoked", "INTEL-SA-00004"); }
static void other_fmspc(json_object *info) { json_object_object_add(info, "fmspc", json_object_new_string("00806F050000")); }
static void other_pce(json_object *info) { json_object_object_add(info, "pceId", json_object_new_string("0100")); }
static void qe_other_signer(json_object *qe) {
        json_object_object_add(qe, "mrsigner", json_object_new_string("0C9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5"));
}
static void qe_other_product(json_object *qe) { json_object_object_add(qe, "isvprodid", json_object_new_int(3)); }
static void qe_newer_svn(json_object *qe) {
        json_object_object_add(json_object_object_get(level0(qe), "tcb"), "isvsvn", json_object_new_int(99));
}

/* The module (TEE_TCB_SVN[1] = 1) is "TDX_01"; its identity with another MRSIGNER, or gone. */
static void module_identity(json_object *info, const char *id, const char *mrsigner, int isvsvn) {
        json_object *ids = json_object_object_get(info, "tdxModuleIdentities");
        for (size_t i = 0; i < json_object_array_length(ids); i++) {
                json_object *m = json_object_array_get_idx(ids, i);
                if (strcmp(json_object_get_string(json_object_object_get(m, "id")), "TDX_01") != 0)
                        continue;
                if (id)
                        json_object_object_add(m, "id", json_object_new_string(id));
                if (mrsigner)
                        json_object_object_add(m, "mrsigner", json_object_new_string(mrsigner));
                if (isvsvn >= 0) {
                        json_object *levels = json_object_object_get(m, "tcbLevels");
                        for (size_t l = 0; l < json_object_array_length(levels); l++)
                                json_object_object_add(json_object_object_get(json_object_array_get_idx(levels, l), "tcb"),
                                                       "isvsvn", json_object_new_int(isvsvn));
                }
        }
}
static void module_other_signer(json_object *info) {
        module_identity(info, NULL, "110000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", -1);
}
static void module_missing(json_object *info) { module_identity(info, "TDX_7F", NULL, -1); }
static void module_too_new(json_object *info) { module_identity(info, NULL, NULL, 99); }
static void platform_too_new(json_object *info) {
        json_object *levels = json_object_object_get(info, "tcbLevels");
        for (size_t l = 0; l < json_object_array_length(levels); l++)
                json_object_object_add(json_object_object_get(json_object_array_get_idx(levels, l), "tcb"),
                                       "pcesvn", json_object_new_int(999));
}
static void body_old_module(uint8_t *signed_data) { signed_data[TDX_QUOTE_HEADER_SIZE] = 1; }   /* TEE_TCB_SVN[0] */

static void test_generated_baseline(void **state) {
        TdxVerifyResult res;

        assert_int_equal(run_case(&(TdxCase) {}, &res), TDX_VALID);
        assert_int_equal(res.tcb_status, TDX_TCB_UP_TO_DATE);
        assert_int_equal(res.advisories.n, 0);
}

static void test_generated_statuses(void **state) {
        TdxVerifyResult res;

        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_sw_hardening }, &res), TDX_VALID);
        assert_int_equal(res.tcb_status, TDX_TCB_SW_HARDENING_NEEDED);
        assert_int_equal(res.advisories.n, 1);
        assert_string_equal(res.advisories.ids[0], "INTEL-SA-00615");
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_sw_hardening, .check_min_status = true,
                                               .min_status = TDX_TCB_UP_TO_DATE }, NULL), TDX_TCB_BELOW_MINIMUM);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_sw_hardening, .check_min_status = true,
                                               .min_status = TDX_TCB_SW_HARDENING_NEEDED }, NULL), TDX_VALID);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_revoked }, NULL), TDX_TCB_LEVEL_REVOKED);

        /* An out-of-date QE drags the platform down; advisories of both are reported. */
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_config, .edit_qe_identity = qe_out_of_date }, &res), TDX_VALID);
        assert_int_equal(res.tcb_status, TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
        assert_int_equal(res.advisories.n, 2);
        assert_int_equal(run_case(&(TdxCase) { .edit_qe_identity = qe_out_of_date }, &res), TDX_VALID);
        assert_int_equal(res.tcb_status, TDX_TCB_OUT_OF_DATE);
        assert_int_equal(run_case(&(TdxCase) { .edit_qe_identity = qe_revoked }, NULL), TDX_TCB_LEVEL_REVOKED);

        /* TEE_TCB_SVN[0] = 1 is below the module identity's levels (4, 2). */
        assert_int_equal(run_case(&(TdxCase) { .edit_body = body_old_module }, NULL), TDX_TCB_UNSUPPORTED);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = module_too_new }, NULL), TDX_TCB_UNSUPPORTED);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = platform_too_new }, NULL), TDX_TCB_UNSUPPORTED);
}

static void test_generated_mismatches(void **state) {
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = other_fmspc }, NULL), TDX_COLLATERAL_FOREIGN);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = other_pce }, NULL), TDX_COLLATERAL_FOREIGN);
        assert_int_equal(run_case(&(TdxCase) { .edit_qe_identity = qe_other_signer }, NULL), TDX_QE_IDENTITY_MISMATCH);
        assert_int_equal(run_case(&(TdxCase) { .edit_qe_identity = qe_other_product }, NULL), TDX_QE_IDENTITY_MISMATCH);
        assert_int_equal(run_case(&(TdxCase) { .edit_qe_identity = qe_newer_svn }, NULL), TDX_QE_TCB_UNSUPPORTED);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = module_other_signer }, NULL), TDX_MODULE_MISMATCH);
        assert_int_equal(run_case(&(TdxCase) { .edit_tcb_info = module_missing }, NULL), TDX_MODULE_MISMATCH);
}

static void test_generated_revocations(void **state) {
        /* Serials: root 1, PCK CA 2, PCK 3, TCB signing 4. */
        assert_int_equal(run_case(&(TdxCase) { .rev = { .pck_crl = 3 } }, NULL), TDX_REVOKED);
        assert_int_equal(run_case(&(TdxCase) { .rev = { .root_crl = 2 } }, NULL), TDX_REVOKED);
        assert_int_equal(run_case(&(TdxCase) { .rev = { .root_crl = 4 } }, NULL), TDX_REVOKED);
        assert_int_equal(run_case(&(TdxCase) { .rev = { .pck_crl = 99 } }, NULL), TDX_VALID);
}

static void test_ccel_quote(void **state) {
        _cleanup_free_ uint8_t *log = NULL, *quote = NULL;
        uint8_t rtmr[4][48];
        size_t n, m;
        TdxQuote q;

        /* go-tdx-guest: the COS 113 TD's log replays to its quote's RTMRs (0xFF padding after the events). */
        test_data_read("tdx/go-tdx-guest/ccel/ccel_data.dat", &log, &n);
        test_data_read("tdx/go-tdx-guest/ccel/cos-113-tdx-quote.dat", &quote, &m);
        assert_int_equal(tdx_quote_parse(quote, m, &q), 0);
        assert_int_equal(tdx_ccel_replay(log, n, rtmr), 0);
        assert_int_equal(tdx_ccel_compare(&q.body, rtmr), 0);
        assert_hex(rtmr[3], 48, "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");

        /* The quote of another TD. */
        _cleanup_free_ uint8_t *other = NULL;
        TdxQuote o;
        test_data_read(DCAP_QUOTE, &other, &m);
        assert_int_equal(tdx_quote_parse(other, m, &o), 0);
        assert_int_equal(tdx_ccel_compare(&o.body, rtmr), 0x7);
}

static void test_ccel_golden(void **state) {
        static const char *const logs[] = { "tdx/trustee/ccel/CCEL_data_grub", "tdx/trustee/ccel/CCEL_data_ovmf" };

        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                _cleanup_free_ uint8_t *log = NULL, *golden = NULL;
                _cleanup_free_ char *path = NULL;
                uint8_t rtmr[4][48];
                json_object *root, *values;
                size_t n, m;

                test_data_read(logs[i], &log, &n);
                assert_true(asprintf(&path, "%s.expected_rtmrs.json", logs[i]) > 0);
                test_data_read(path, &golden, &m);
                root = json_tokener_parse((const char *) golden);
                assert_non_null(root);
                assert_true(json_object_object_get_ex(root, "rtmr", &values));
                assert_int_equal(tdx_ccel_replay(log, n, rtmr), 0);
                for (unsigned k = 0; k < 4; k++) {
                        char key[2] = { (char) ('0' + k) };
                        assert_hex(rtmr[k], 48, json_object_get_string(json_object_object_get(values, key)));
                }
                json_object_put(root);

                /* A digest changed: the replay no longer gives the golden RTMRs. */
                uint8_t again[4][48];
                log[200] ^= 1;
                if (tdx_ccel_replay(log, n, again) == 0)
                        assert_memory_not_equal(again, rtmr, sizeof rtmr);
        }
}

static void test_ccel_malformed(void **state) {
        _cleanup_free_ uint8_t *log = NULL;
        uint8_t rtmr[4][48];
        size_t n;

        test_data_read("tdx/trustee/ccel/CCEL_data_ovmf", &log, &n);
        assert_int_equal(tdx_ccel_replay(log, 40, rtmr), -EBADMSG);
        assert_int_equal(tdx_ccel_replay((const uint8_t *) "garbage", 7, rtmr), -EBADMSG);
        /* A TPM event log (sha1/sha256 banks, PCR 0 and 7…) is not a CCEL. */
        _cleanup_free_ uint8_t *tpm = NULL;
        test_data_read("eventlog/go-tpm-tools/arch-linux-workstation.bin", &tpm, &n);
        assert_int_equal(tdx_ccel_replay(tpm, n, rtmr), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_golden),
                cmocka_unit_test(test_parse_all),
                cmocka_unit_test(test_trailing_bytes),
                cmocka_unit_test(test_verify_golden),
                cmocka_unit_test(test_verify_quotes_without_collateral),
                cmocka_unit_test(test_spr_e4),
                cmocka_unit_test(test_v5_stale_crl),
                cmocka_unit_test(test_tampered_fields),
                cmocka_unit_test(test_tampered_collateral),
                cmocka_unit_test(test_collateral_time),
                cmocka_unit_test(test_foreign_collateral),
                cmocka_unit_test(test_wrong_root),
                cmocka_unit_test(test_min_status),
                cmocka_unit_test(test_collateral_malformed),
                cmocka_unit_test(test_status_names),
                cmocka_unit_test(test_time_parsing),
                cmocka_unit_test(test_size_limits),
                cmocka_unit_test(test_pck_info),
                cmocka_unit_test(test_quote_limits),
                cmocka_unit_test(test_collateral_limits),
                cmocka_unit_test(test_generated_baseline),
                cmocka_unit_test(test_generated_statuses),
                cmocka_unit_test(test_generated_mismatches),
                cmocka_unit_test(test_generated_revocations),
                cmocka_unit_test(test_ccel_quote),
                cmocka_unit_test(test_ccel_golden),
                cmocka_unit_test(test_ccel_malformed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
