/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validation of pushed SEV-SNP reports and TDX quotes (cc-evidence.c): the
 * certificate the node sent or the one collected for its chip, the trust
 * anchors, AMD's CRL, the TDX collateral chosen by FMSPC, and the binding of
 * the attestation's nonce and AK. Reports are signed at test time by test
 * chains (snp-test-chain.h, tdx-test-chain.h). */

#include "snp-test-chain.h"
#include "tdx-test-chain.h"

#include "cc-binding.h"
#include "cc-cert.h"
#include "cc-evidence.h"
#include "test-data.h"

static const uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t ak_name[34] = { 0x00, 0x0b, 0xaa, 0xbb };
static const uint8_t other_ak_name[34] = { 0x00, 0x0b, 0xcc };

#define NOW ((time_t) 1767225600)       /* 2026-01-01, inside the test chains' validity */

static const TestSnpChainSpec milan = {
        .product = "Milan",
        .hwid = { 0x5e, 0xc0, 0x01 },
        .tcb = { .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115 },
};

/* A real report rewritten for the chain's chip and TCB, over report_data, signed by c. */
static void snp_make(const TestSnpChain *c, const uint8_t *report_data, uint8_t report[static SNP_REPORT_SIZE]) {
        _cleanup_free_ uint8_t *raw = NULL;
        uint64_t tcb = (uint64_t) milan.tcb.bootloader | (uint64_t) milan.tcb.tee << 8 | (uint64_t) milan.tcb.snp << 48 |
                       (uint64_t) milan.tcb.microcode << 56;
        size_t n;

        test_data_read("snp/go-sev-guest/attestation.bin", &raw, &n);
        assert_int_equal(n, SNP_REPORT_SIZE);
        memcpy(report, raw, SNP_REPORT_SIZE);
        memcpy(report + 0x1a0, milan.hwid, 64);
        for (size_t i = 0; i < 8; i++)
                report[0x180 + i] = (uint8_t) (tcb >> (8 * i));
        memcpy(report + 0x50, report_data, 64);
        test_snp_sign(c, report);
}

static uint8_t *der_of(X509 *x, size_t *ret_size) {
        uint8_t *der = NULL;
        int n = i2d_X509(x, &der);

        assert_true(n > 0);
        *ret_size = (size_t) n;
        return der;
}

/* Trust with the chain's ARK as anchor and its ASK as collected intermediate. */
static CcTrust *snp_trust(const TestSnpChain *c) {
        CcTrust *t = calloc(1, sizeof *t);

        assert_non_null(t);
        t->snp_ca = sk_X509_new_null();
        assert_non_null(t->snp_ca);
        assert_true(X509_up_ref(c->ark) && sk_X509_push(t->snp_ca, c->ark));
        assert_true(X509_up_ref(c->ask) && sk_X509_push(t->snp_ca, c->ask));
        return t;
}

static int snp_validate(const CcTrust *t, const uint8_t *report, X509 *sent, const uint8_t *name, char reason[static CC_REASON_MAX],
                        CcValidated **ret) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_size = 0;
        char detail[256];

        if (sent)
                der = der_of(sent, &der_size);
        CcValidationInput in = {
                .kind = CC_KIND_SEV_SNP, .report = report, .report_size = SNP_REPORT_SIZE,
                .cert = der, .cert_size = der_size,
                .nonce = nonce, .nonce_size = sizeof nonce, .ak_name = name, .ak_name_size = sizeof ak_name,
                .trust = t, .at = NOW,
        };
        return cc_evidence_validate(&in, ret, reason, detail, sizeof detail);
}

static void test_kind_names(void **state) {
        assert_string_equal(cc_kind_to_string(CC_KIND_SEV_SNP), "sev-snp");
        assert_string_equal(cc_kind_to_string(CC_KIND_TDX), "tdx");
        assert_null(cc_kind_to_string(CC_KIND_NONE));
        assert_int_equal(cc_kind_from_string("sev-snp"), CC_KIND_SEV_SNP);
        assert_int_equal(cc_kind_from_string("tdx"), CC_KIND_TDX);
        assert_int_equal(cc_kind_from_string("sev_snp"), CC_KIND_NONE);
        assert_int_equal(cc_kind_from_string(NULL), CC_KIND_NONE);
}

static void test_snp_sent_certificate(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        _cleanup_(cc_validated_freep) CcValidated *v = NULL;
        uint8_t rd[64], report[SNP_REPORT_SIZE];
        char reason[CC_REASON_MAX];

        test_snp_chain_make(&milan, &c);
        t = snp_trust(&c);
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, ak_name, sizeof ak_name, rd), 0);
        snp_make(&c, rd, report);
        assert_int_equal(snp_validate(t, report, c.leaf, ak_name, reason, &v), 0);
        assert_string_equal(v->product, "Milan");
        assert_int_equal(v->report_size, SNP_REPORT_SIZE);
        assert_memory_equal(v->report, report, SNP_REPORT_SIZE);

        /* Another AK: the report is some other node's. */
        assert_int_equal(snp_validate(t, report, c.leaf, other_ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.binding_mismatch");
        /* A sent certificate that is none. */
        assert_int_equal(snp_validate(t, report, NULL, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.no_certificate");
}

static void test_snp_collected_certificate(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {}, other = {};
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        _cleanup_(cc_validated_freep) CcValidated *v = NULL;
        TestSnpChainSpec other_chip = milan;
        uint8_t rd[64], report[SNP_REPORT_SIZE];
        char reason[CC_REASON_MAX];

        test_snp_chain_make(&milan, &c);
        other_chip.hwid[0] ^= 0xff;
        test_snp_chain_make(&other_chip, &other);
        t = snp_trust(&c);
        t->snp_certs = sk_X509_new_null();
        /* Another chip's VCEK first: it is passed over by its hardware id. */
        assert_true(X509_up_ref(other.leaf) && sk_X509_push(t->snp_certs, other.leaf));
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, ak_name, sizeof ak_name, rd), 0);
        snp_make(&c, rd, report);
        assert_int_equal(snp_validate(t, report, NULL, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.no_certificate");
        assert_true(X509_up_ref(c.leaf) && sk_X509_push(t->snp_certs, c.leaf));
        assert_int_equal(snp_validate(t, report, NULL, ak_name, reason, &v), 0);
        /* The node sent a VCEK of another chip (and chain): the collected one still applies. */
        assert_int_equal(snp_validate(t, report, other.leaf, ak_name, reason, NULL), 0);
        /* Without it, the sent one's verdict is the reason. */
        X509_free(sk_X509_pop(t->snp_certs));
        assert_int_equal(snp_validate(t, report, other.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.chain_untrusted");
}

static void test_snp_untrusted(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {}, foreign = {};
        _cleanup_(cc_trust_freep) CcTrust *t = NULL, *none = calloc(1, sizeof *none);
        uint8_t rd[64], report[SNP_REPORT_SIZE];
        char reason[CC_REASON_MAX];

        test_snp_chain_make(&milan, &c);
        test_snp_chain_make(&milan, &foreign);
        t = snp_trust(&c);
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, ak_name, sizeof ak_name, rd), 0);
        snp_make(&foreign, rd, report);
        assert_int_equal(snp_validate(t, report, foreign.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.chain_untrusted");
        /* The right certificate, the wrong signer. */
        assert_int_equal(snp_validate(t, report, c.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.bad_signature");
        assert_int_equal(snp_validate(none, report, c.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.no_trust_anchors");
}

static void test_snp_revocation(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
        _cleanup_(cc_trust_freep) CcTrust *t = NULL;
        uint8_t rd[64], report[SNP_REPORT_SIZE];
        char reason[CC_REASON_MAX];

        test_snp_chain_make(&milan, &c);
        t = snp_trust(&c);
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, ak_name, sizeof ak_name, rd), 0);
        snp_make(&c, rd, report);
        t->snp_crls = calloc(1, sizeof *t->snp_crls);
        t->n_snp_crls = 1;
        /* Current and revoking nothing: valid. */
        t->snp_crls[0] = test_snp_crl(&c, c.ark_key, NOW - 86400, NOW + 86400, 0);
        assert_int_equal(snp_validate(t, report, c.leaf, ak_name, reason, NULL), 0);
        /* The ASK (serial 2) revoked. */
        X509_CRL_free(t->snp_crls[0]);
        t->snp_crls[0] = test_snp_crl(&c, c.ark_key, NOW - 86400, NOW + 86400, 2);
        assert_int_equal(snp_validate(t, report, c.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.revoked");
        /* Stale: fails closed. */
        X509_CRL_free(t->snp_crls[0]);
        t->snp_crls[0] = test_snp_crl(&c, c.ark_key, NOW - 2 * 86400, NOW - 86400, 0);
        assert_int_equal(snp_validate(t, report, c.leaf, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "sev_snp.crl_invalid");
}

static void test_form(void **state) {
        _cleanup_free_ uint8_t *raw = NULL, *quote = NULL;
        _cleanup_(cc_trust_freep) CcTrust *t = calloc(1, sizeof *t);
        char reason[CC_REASON_MAX], detail[64];
        size_t n, m;

        test_data_read("snp/go-sev-guest/attestation.bin", &raw, &n);
        test_data_read("tdx/dcap-qvl/tdx_quote", &quote, &m);
        assert_int_equal(cc_evidence_check_form(CC_KIND_SEV_SNP, raw, n), 0);
        assert_int_equal(cc_evidence_check_form(CC_KIND_SEV_SNP, raw, n - 1), -EBADMSG);
        assert_int_equal(cc_evidence_check_form(CC_KIND_TDX, raw, n), -EBADMSG);
        assert_int_equal(cc_evidence_check_form(CC_KIND_TDX, quote, m), 0);
        assert_int_equal(cc_evidence_check_form(CC_KIND_TDX, quote, 600), -EBADMSG);
        assert_int_equal(cc_evidence_check_form(CC_KIND_NONE, quote, m), -EBADMSG);
        assert_int_equal(cc_evidence_check_form(CC_KIND_SEV_SNP, NULL, 0), -EBADMSG);

        CcValidationInput in = { .kind = CC_KIND_SEV_SNP, .report = raw, .report_size = 100, .nonce = nonce,
                                 .nonce_size = sizeof nonce, .ak_name = ak_name, .ak_name_size = sizeof ak_name,
                                 .trust = t, .at = NOW };
        CcValidated *v = NULL;
        assert_int_equal(cc_evidence_validate(&in, &v, reason, detail, sizeof detail), -EBADMSG);
        in.report_size = n;
        in.nonce = NULL;
        assert_int_equal(cc_evidence_validate(&in, &v, reason, detail, sizeof detail), -EINVAL);
        assert_null(v);
}

/* TDX: the dcap-qvl quote re-signed with report_data by a test chain for its platform. */
typedef struct TdxSetup {
        TdxTestChain chain;
        TdxPckInfo info;
        uint8_t *raw;
        size_t raw_size;
        Buf quote;
        CcTrust *trust;
} TdxSetup;

static char *document(json_object *collateral, const char *key, time_t issue, time_t next) {
        json_object *doc = json_tokener_parse(json_object_get_string(json_object_object_get(collateral, key)));
        json_object *inner = NULL;
        char a[32], b[32];
        struct tm tm;
        char *s;

        assert_non_null(doc);
        (void) strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&issue, &tm));
        (void) strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&next, &tm));
        json_object_object_foreach(doc, k, v)
                if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "issueDate", NULL))
                        inner = v;
        (void) k;
        json_object_object_add(inner ?: doc, "issueDate", json_object_new_string(a));
        json_object_object_add(inner ?: doc, "nextUpdate", json_object_new_string(b));
        s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        json_object_put(doc);
        return s;
}

static void tdx_setup(TdxSetup *s, const uint8_t *report_data, bool with_collateral) {
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        _cleanup_free_ uint8_t *coll = NULL, *body = NULL;
        _cleanup_free_ char *tcb = NULL, *qe = NULL, *text = NULL;
        TdxCollateral *c = NULL;
        json_object *root;
        TdxQuote q;
        size_t n;

        test_data_read("tdx/dcap-qvl/tdx_quote", &s->raw, &s->raw_size);
        assert_int_equal(tdx_quote_parse(s->raw, s->raw_size, &q), 0);
        assert_int_equal(cc_cert_parse_bundle(q.pck_chain, q.pck_chain_size, CC_CERT_BUNDLE_MAX, &chain), 0);
        assert_int_equal(tdx_pck_info(sk_X509_value(chain, 0), &s->info), 0);
        tdx_test_chain_make(&s->info, &s->chain);
        body = malloc(q.signed_size);
        assert_non_null(body);
        memcpy(body, q.signed_data, q.signed_size);
        memcpy(body + 48 + 520, report_data, 64);
        tdx_test_quote(&s->chain, &q, body, &s->quote);

        s->trust = calloc(1, sizeof *s->trust);
        s->trust->tdx_roots = sk_X509_new_null();
        assert_true(X509_up_ref(s->chain.root) && sk_X509_push(s->trust->tdx_roots, s->chain.root));
        if (!with_collateral)
                return;
        test_data_read("tdx/dcap-qvl/tdx_quote_collateral.json", &coll, &n);
        root = json_tokener_parse((const char *) coll);
        assert_non_null(root);
        tcb = document(root, "tcb_info", NOW - 86400, NOW + 30 * 86400);
        qe = document(root, "qe_identity", NOW - 86400, NOW + 30 * 86400);
        json_object_put(root);
        text = tdx_test_collateral(&s->chain, tcb, qe, NOW, (TdxTestRevocations) {});
        assert_int_equal(tdx_collateral_parse(text, strlen(text), &c), 0);
        s->trust->tdx_collateral = calloc(1, sizeof *s->trust->tdx_collateral);
        s->trust->tdx_collateral[0] = c;
        s->trust->n_tdx_collateral = 1;
}

static void tdx_done(TdxSetup *s) {
        tdx_test_chain_done(&s->chain);
        free(s->raw);
        reset(&s->quote);
        cc_trust_free(s->trust);
}

static int tdx_validate(const TdxSetup *s, time_t at, const uint8_t *name, char reason[static CC_REASON_MAX], CcValidated **ret) {
        char detail[256];
        CcValidationInput in = {
                .kind = CC_KIND_TDX, .report = s->quote.p, .report_size = s->quote.n,
                .nonce = nonce, .nonce_size = sizeof nonce, .ak_name = name, .ak_name_size = sizeof ak_name,
                .trust = s->trust, .at = at,
        };
        return cc_evidence_validate(&in, ret, reason, detail, sizeof detail);
}

static void test_tdx(void **state) {
        _cleanup_(cc_validated_freep) CcValidated *v = NULL;
        TdxSetup s = {}, bare = {};
        uint8_t rd[64];
        char reason[CC_REASON_MAX];

        assert_int_equal(cc_binding_expected(CC_BINDING_TDX, nonce, sizeof nonce, ak_name, sizeof ak_name, rd), 0);
        tdx_setup(&s, rd, true);
        assert_non_null(cc_trust_tdx_collateral(s.trust, s.info.fmspc));
        assert_int_equal(tdx_validate(&s, NOW, ak_name, reason, &v), 0);
        assert_string_equal(v->tcb_status, "UpToDate");
        assert_null(v->advisory_ids[0]);
        assert_int_equal(tdx_validate(&s, NOW, other_ak_name, reason, NULL), 1);
        assert_string_equal(reason, "tdx.binding_mismatch");
        /* Collateral past its CRLs' nextUpdate. */
        assert_int_equal(tdx_validate(&s, NOW + 10 * 86400, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "tdx.crl_invalid");
        tdx_done(&s);

        /* No collateral for this platform. */
        tdx_setup(&bare, rd, false);
        assert_int_equal(tdx_validate(&bare, NOW, ak_name, reason, NULL), 1);
        assert_string_equal(reason, "tdx.no_collateral");
        tdx_done(&bare);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kind_names),
                cmocka_unit_test(test_snp_sent_certificate),
                cmocka_unit_test(test_snp_collected_certificate),
                cmocka_unit_test(test_snp_untrusted),
                cmocka_unit_test(test_snp_revocation),
                cmocka_unit_test(test_form),
                cmocka_unit_test(test_tdx),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
