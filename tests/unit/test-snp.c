/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attest-limits.h"
#include "cc-binding.h"
#include "cc-cert.h"
#include "cc-roots.h"
#include "hexdecode.h"
#include "snp-test-chain.h"
#include "snp-report.h"
#include "snp-verify.h"
#include "test-data.h"

/* 2025-06-01T00:00:00Z: every fixture certificate is valid then. */
#define AT_2025 ((time_t) 1748736000)
/* 2031-01-01T00:00:00Z: after the Milan VCEKs expired (2029, 2030). */
#define AT_2031 ((time_t) 1924992000)

typedef struct Fixture {
        const char *report;
        const char *vcek;
        const char *chain;
} Fixture;

/* Real reports, each with the VCEK AMD issued for its chip and TCB. */
static const Fixture go_sev_guest = { "snp/go-sev-guest/attestation.bin", "snp/go-sev-guest/vcek.testcer", "snp/go-sev-guest/milan.testcer" };
static const Fixture trustee = { "snp/trustee/test-report.bin", "snp/trustee/test-vcek.der", "snp/go-sev-guest/milan.testcer" };
static const Fixture virtee = { "snp/virtee-sev/report_milan.bin", "snp/virtee-sev/vcek_milan.der", "snp/virtee-sev/cert_chain_milan" };

typedef struct Loaded {
        uint8_t *raw;
        size_t size;
        X509 *cert;
        STACK_OF(X509) *ca;
} Loaded;

static X509 *load_cert(const char *rel) {
        _cleanup_free_ uint8_t *buf = NULL;
        X509 *x = NULL;
        size_t n;

        test_data_read(rel, &buf, &n);
        assert_int_equal(cc_cert_parse(buf, n, &x), 0);
        return x;
}

static STACK_OF(X509) *load_bundle(const char *rel) {
        _cleanup_free_ uint8_t *buf = NULL;
        STACK_OF(X509) *s = NULL;
        size_t n;

        test_data_read(rel, &buf, &n);
        assert_int_equal(cc_cert_parse_bundle(buf, n, 16, &s), 0);
        return s;
}

static STACK_OF(X509) *shipped_roots(void) {
        STACK_OF(X509) *s = NULL;

        assert_int_equal(cc_cert_parse_bundle((const uint8_t *) cc_amd_sev_roots_pem, strlen(cc_amd_sev_roots_pem), 16, &s), 0);
        return s;
}

static Loaded load(const Fixture *f) {
        Loaded l = {};

        test_data_read(f->report, &l.raw, &l.size);
        l.cert = load_cert(f->vcek);
        l.ca = load_bundle(f->chain);
        return l;
}

static void loaded_done(Loaded *l) {
        free(l->raw);
        X509_free(l->cert);
        sk_X509_pop_free(l->ca, X509_free);
}

/* -EBADMSG when the report does not parse, else the verdict. */
static int verify_raw(const uint8_t *raw, size_t size, X509 *cert, STACK_OF(X509) *ca, X509_CRL *crl,
                      time_t at, SnpVerifyResult *ret) {
        SnpVerifyParams p = { .cert = cert, .ca = ca, .crl = crl, .at = at };
        SnpVerifyResult res = {};
        SnpReport report;
        SnpVerdict v;
        int r;

        r = snp_report_parse(raw, size, &report);
        if (r < 0)
                return r;
        assert_int_equal(snp_verify(&p, raw, size, &report, &v, &res), 0);
        if (ret)
                *ret = res;
        return (int) v;
}

static void test_parse_golden(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        static const char chip_id[] =
                "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d";
        _cleanup_free_ char *hex = NULL;
        SnpReport r;

        assert_int_equal(snp_report_parse(l.raw, l.size, &r), 0);
        assert_int_equal(r.version, 2);
        assert_int_equal(r.vmpl, 0);
        assert_int_equal(r.policy, 0xb0000);
        assert_int_equal(r.signing_key, SNP_SIGNING_KEY_VCEK);
        assert_int_equal(r.reported_tcb, UINT64_C(0x4405000000000002));
        assert_int_equal(r.current_tcb, UINT64_C(0x4405000000000002));
        assert_int_equal(r.cpuid_fam_id, 0);
        hex = hex_encode(r.chip_id, sizeof r.chip_id);
        assert_string_equal(hex, chip_id);
        assert_int_equal(r.report_data[0], 1);
        assert_int_equal(r.report_data[4], 5);

        SnpTcb t = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_MILAN);
        assert_int_equal(t.bootloader, 2);
        assert_int_equal(t.tee, 0);
        assert_int_equal(t.snp, 5);
        assert_int_equal(t.microcode, 0x44);
}

static void test_tcb_layouts(void **state) {
        SnpTcb m = snp_tcb_decode(UINT64_C(0x7308000000000003), SNP_PRODUCT_GENOA);
        SnpTcb t = snp_tcb_decode(UINT64_C(0x0900000004030201), SNP_PRODUCT_TURIN);

        assert_int_equal(m.bootloader, 3);
        assert_int_equal(m.snp, 8);
        assert_int_equal(m.microcode, 0x73);
        assert_int_equal(t.fmc, 1);
        assert_int_equal(t.bootloader, 2);
        assert_int_equal(t.tee, 3);
        assert_int_equal(t.snp, 4);
        assert_int_equal(t.microcode, 9);
        assert_int_equal(snp_product_from_cpuid(0x19, 0x01), SNP_PRODUCT_MILAN);
        assert_int_equal(snp_product_from_cpuid(0x19, 0x11), SNP_PRODUCT_GENOA);
        assert_int_equal(snp_product_from_cpuid(0x1a, 0x02), SNP_PRODUCT_TURIN);
        assert_int_equal(snp_product_from_cpuid(0x17, 0x31), SNP_PRODUCT_UNKNOWN);
}

static void verify_fixture(const Fixture *f, bool shipped) {
        _cleanup_(loaded_done) Loaded l = load(f);
        SnpVerifyResult res;
        STACK_OF(X509) *ca = shipped ? shipped_roots() : l.ca;

        assert_int_equal(verify_raw(l.raw, l.size, l.cert, ca, NULL, AT_2025, &res), SNP_VALID);
        assert_int_equal(res.product, SNP_PRODUCT_MILAN);
        if (shipped)
                sk_X509_pop_free(ca, X509_free);
}

static void test_verify_real_reports(void **state) {
        verify_fixture(&go_sev_guest, false);
        verify_fixture(&trustee, false);
        verify_fixture(&virtee, false);
}

static void test_verify_shipped_roots(void **state) {
        STACK_OF(X509) *s = shipped_roots();

        /* ARK, ASK and ASVK of three products. */
        assert_int_equal(sk_X509_num(s), 9);
        sk_X509_pop_free(s, X509_free);
        verify_fixture(&go_sev_guest, true);
        verify_fixture(&trustee, true);
        verify_fixture(&virtee, true);
}

typedef struct Tamper {
        const char *field;
        size_t offset;
        uint8_t xor;
        int expect;          /* verdict, or -EBADMSG when the report no longer parses */
} Tamper;

/* One entry per field of the report; every change must be caught. */
static const Tamper tampers[] = {
        { "version",           0x000, 0x01, SNP_BAD_SIGNATURE },   /* 3: parses, signed bytes differ */
        { "version(range)",    0x000, 0x04, -EBADMSG },            /* 6 */
        { "guest_svn",         0x004, 0x01, SNP_BAD_SIGNATURE },
        { "policy",            0x008, 0x01, SNP_BAD_SIGNATURE },
        { "policy.debug",      0x00a, 0x08, SNP_BAD_SIGNATURE },
        { "family_id",         0x010, 0x80, SNP_BAD_SIGNATURE },
        { "image_id",          0x02a, 0x01, SNP_BAD_SIGNATURE },
        { "vmpl",              0x030, 0x01, SNP_BAD_SIGNATURE },
        { "signature_algo",    0x034, 0x02, -EBADMSG },
        { "current_tcb",       0x038, 0x01, SNP_BAD_SIGNATURE },
        { "platform_info",     0x040, 0x02, SNP_BAD_SIGNATURE },
        { "author_key_en",     0x048, 0x01, SNP_BAD_SIGNATURE },
        { "signing_key=vlek",  0x048, 0x04, SNP_KEY_KIND_MISMATCH },
        { "signing_key=none",  0x048, 0x1c, SNP_UNSIGNED },
        { "signing_key=2",     0x048, 0x08, -EBADMSG },
        { "reserved",          0x04c, 0x01, SNP_BAD_SIGNATURE },
        { "report_data",       0x050, 0x01, SNP_BAD_SIGNATURE },
        { "measurement",       0x090, 0x01, SNP_BAD_SIGNATURE },
        { "host_data",         0x0c0, 0x01, SNP_BAD_SIGNATURE },
        { "id_key_digest",     0x0e0, 0x01, SNP_BAD_SIGNATURE },
        { "author_key_digest", 0x110, 0x01, SNP_BAD_SIGNATURE },
        { "report_id",         0x140, 0x01, SNP_BAD_SIGNATURE },
        { "report_id_ma",      0x160, 0x01, SNP_BAD_SIGNATURE },
        { "reported_tcb.bl",   0x180, 0x01, SNP_TCB_MISMATCH },
        { "reported_tcb.snp",  0x186, 0x01, SNP_TCB_MISMATCH },
        { "reported_tcb.ucode",0x187, 0x01, SNP_TCB_MISMATCH },
        { "reported_tcb.rsvd", 0x183, 0x01, SNP_BAD_SIGNATURE },
        { "reserved_1",        0x190, 0x01, SNP_BAD_SIGNATURE },
        { "chip_id",           0x1a0, 0x01, SNP_HWID_MISMATCH },
        { "chip_id(last)",     0x1df, 0x01, SNP_HWID_MISMATCH },
        { "committed_tcb",     0x1e0, 0x01, SNP_BAD_SIGNATURE },
        { "current_build",     0x1e8, 0x01, SNP_BAD_SIGNATURE },
        { "committed_major",   0x1ee, 0x01, SNP_BAD_SIGNATURE },
        { "launch_tcb",        0x1f0, 0x01, SNP_BAD_SIGNATURE },
        { "reserved_2",        0x29f, 0x01, SNP_BAD_SIGNATURE },
        { "signature.r",       0x2a0, 0x01, SNP_BAD_SIGNATURE },
        { "signature.r(msb)",  0x2cf, 0x01, SNP_BAD_SIGNATURE },
        { "signature.r(pad)",  0x2d0, 0x01, -EBADMSG },
        { "signature.s",       0x2e8, 0x01, SNP_BAD_SIGNATURE },
        { "signature.s(pad)",  0x318, 0x01, -EBADMSG },
};

static void test_tampered_fields(void **state) {
        const Fixture *fixtures[] = { &go_sev_guest, &trustee, &virtee };

        for (size_t f = 0; f < ELEMENTSOF(fixtures); f++) {
                _cleanup_(loaded_done) Loaded l = load(fixtures[f]);

                for (size_t i = 0; i < ELEMENTSOF(tampers); i++) {
                        const Tamper *t = &tampers[i];
                        int got;

                        l.raw[t->offset] ^= t->xor;
                        got = verify_raw(l.raw, l.size, l.cert, l.ca, NULL, AT_2025, NULL);
                        l.raw[t->offset] ^= t->xor;
                        if (got != t->expect)
                                fail_msg("%s: field %s: got %d, want %d", fixtures[f]->report, t->field, got, t->expect);
                }
                /* The signature-area tail after s is not signed and not read. */
                l.raw[0x49f] ^= 1;
                assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, NULL, AT_2025, NULL), SNP_VALID);
        }
}

static void test_virtee_bit_flip(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&virtee);

        /* virtee/sev's milan_report_invalid: bit 7 of byte 21 (family_id). */
        l.raw[21] ^= 0x80;
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, NULL, AT_2025, NULL), SNP_BAD_SIGNATURE);
}

static void test_size_limits(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        _cleanup_free_ uint8_t *longer = calloc(1, SNP_REPORT_SIZE + 1);
        SnpReport r;

        assert_int_equal(snp_report_parse(l.raw, SNP_REPORT_SIZE - 1, &r), -EBADMSG);
        assert_int_equal(snp_report_parse(l.raw, 0, &r), -EBADMSG);
        assert_non_null(longer);
        memcpy(longer, l.raw, SNP_REPORT_SIZE);
        assert_int_equal(snp_report_parse(longer, SNP_REPORT_SIZE + 1, &r), -EBADMSG);
}

static void test_versions(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        SnpReport r;

        for (uint8_t v = 0; v < 8; v++) {
                l.raw[0] = v;
                assert_int_equal(snp_report_parse(l.raw, l.size, &r), v >= 2 && v <= 5 ? 0 : -EBADMSG);
        }
        /* Version 3 reads CPUID (zero here), version 5 the mitigation vectors. */
        l.raw[0] = 5;
        l.raw[0x188] = 0x19;
        l.raw[0x1f8] = 0x07;
        assert_int_equal(snp_report_parse(l.raw, l.size, &r), 0);
        assert_int_equal(r.cpuid_fam_id, 0x19);
        assert_int_equal(r.launch_mit_vector, 7);
        l.raw[0] = 2;
        assert_int_equal(snp_report_parse(l.raw, l.size, &r), 0);
        assert_int_equal(r.cpuid_fam_id, 0);
        assert_int_equal(r.launch_mit_vector, 0);
}

static void test_wrong_chains(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&virtee);
        _cleanup_x509_stack_ STACK_OF(X509) *turin = load_bundle("snp/virtee-sev/cert_chain_turin");
        _cleanup_x509_stack_ STACK_OF(X509) *vlek = load_bundle("snp/go-sev-guest/milanvlek.testcer");
        _cleanup_(X509_freep) X509 *other = load_cert("snp/go-sev-guest/vcek.testcer");
        SnpVerifyResult res;

        /* Another product's roots, or the ASVK in place of the ASK. */
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, turin, NULL, AT_2025, &res), SNP_CHAIN_UNTRUSTED);
        assert_non_null(res.detail);
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, vlek, NULL, AT_2025, NULL), SNP_CHAIN_UNTRUSTED);
        /* A real VCEK, but of another chip. */
        assert_int_equal(verify_raw(l.raw, l.size, other, l.ca, NULL, AT_2025, NULL), SNP_HWID_MISMATCH);
        /* The ASK alone is no anchor: only the self-signed ARK is. */
        X509 *ark = sk_X509_pop(l.ca);
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, NULL, AT_2025, NULL), SNP_CHAIN_UNTRUSTED);
        X509_free(ark);
}

static void test_validity_window(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);

        /* vcek.testcer is valid from 2022-09-24 to 2029-09-24. */
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, NULL, AT_2031, NULL), SNP_CHAIN_UNTRUSTED);
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, NULL, (time_t) 1600000000, NULL), SNP_CHAIN_UNTRUSTED);
}

static void test_foreign_crl(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_(X509_CRL_freep) X509_CRL *crl = NULL;
        size_t n;

        /* A real CRL, but Intel's: it says nothing about AMD's chain. */
        test_data_read("tdx/go-tdx-guest/rootcrl.der", &buf, &n);
        assert_int_equal(cc_crl_parse(buf, n, &crl), 0);
        assert_int_equal(verify_raw(l.raw, l.size, l.cert, l.ca, crl, AT_2025, NULL), SNP_CRL_INVALID);
        assert_int_equal(cc_crl_parse(buf, n - 1, &crl), -EBADMSG);
}

static void test_cert_extensions(void **state) {
        static const char *const odd[] = { "snp/trustee/test-vcek-invalid-legacy.der", "snp/trustee/test-vcek-invalid-new.der" };
        _cleanup_(X509_freep) X509 *turin = load_cert("snp/virtee-sev/vcek_turin.der");
        SnpCertInfo info;

        /* The hwID raw (older KDS) and wrapped in an OCTET STRING (newer). */
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                _cleanup_(X509_freep) X509 *x = load_cert(odd[i]);
                assert_int_equal(snp_cert_info(x, SNP_PRODUCT_MILAN, &info), 0);
                assert_int_equal(info.hwid_size, 64);
                for (size_t k = 0; k < 64; k++)
                        assert_int_equal(info.hwid[k], k);
                assert_false(info.has_fmc);
        }
        assert_int_equal(snp_cert_info(turin, SNP_PRODUCT_TURIN, &info), 0);
        assert_int_equal(info.hwid_size, 8);
        assert_int_equal(info.hwid[0], 0x1e);
        assert_true(info.has_fmc);
        assert_int_equal(info.tcb.microcode, 9);
        /* A Milan-sized hwid is not what a Turin certificate holds. */
        assert_int_equal(snp_cert_info(turin, SNP_PRODUCT_MILAN, &info), -EBADMSG);
}

/* Turin: no real report exists, so one is made from a Milan report with the
 * Turin VCEK's chip and TCB; everything but the signature must pass. */
static void test_turin_chain(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&virtee);
        _cleanup_(X509_freep) X509 *vcek = load_cert("snp/virtee-sev/vcek_turin.der");
        _cleanup_x509_stack_ STACK_OF(X509) *chain = load_bundle("snp/virtee-sev/cert_chain_turin");
        static const uint8_t hwid[8] = { 0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d };
        SnpVerifyResult res;

        memcpy(l.raw + 0x1a0, hwid, sizeof hwid);
        memset(l.raw + 0x180, 0, 8);
        l.raw[0x187] = 9;     /* microcode 9, every other SPL 0 */
        assert_int_equal(verify_raw(l.raw, l.size, vcek, chain, NULL, AT_2025, &res), SNP_BAD_SIGNATURE);
        assert_int_equal(res.product, SNP_PRODUCT_TURIN);
        l.raw[0x183] = 1;     /* Turin's SNP SPL sits in byte 3 */
        assert_int_equal(verify_raw(l.raw, l.size, vcek, chain, NULL, AT_2025, NULL), SNP_TCB_MISMATCH);
        l.raw[0x183] = 0;
        /* Version 3 CPUID naming Milan contradicts the Turin chain. */
        l.raw[0] = 3;
        l.raw[0x188] = 0x19;
        l.raw[0x189] = 0x01;
        assert_int_equal(verify_raw(l.raw, l.size, vcek, chain, NULL, AT_2025, NULL), SNP_PRODUCT_MISMATCH);
        l.raw[0x188] = 0x1a;
        l.raw[0x189] = 0x02;
        assert_int_equal(verify_raw(l.raw, l.size, vcek, chain, NULL, AT_2025, NULL), SNP_BAD_SIGNATURE);
}

static void test_policy(void **state) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        uint8_t report_data[64] = { 1, 2, 3, 4, 5 }, host_data[32] = {}, other[64] = {};
        uint8_t measurements[2][48] = {};
        SnpReport r;

        assert_int_equal(snp_report_parse(l.raw, l.size, &r), 0);
        memcpy(measurements[1], r.measurement, 48);

        SnpPolicy none = {};
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &none), SNP_VALID);

        /* Policy 0xb0000 allows SMT and debugging, ABI 0.0. */
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .forbid_debug = true }), SNP_POLICY_DEBUG);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .forbid_smt = true }), SNP_POLICY_SMT);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .forbid_migrate_ma = true }), SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_abi = true, .abi_major_min = 1 }), SNP_POLICY_ABI);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_abi = true }), SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_vmpl = true }), SNP_VALID);

        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .measurements = measurements, .n_measurements = 1 }),
                         SNP_POLICY_MEASUREMENT);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .measurements = measurements, .n_measurements = 2 }),
                         SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .report_data = report_data }), SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .report_data = other }), SNP_POLICY_REPORT_DATA);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .host_data = host_data }), SNP_VALID);
        host_data[31] = 1;
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .host_data = host_data }), SNP_POLICY_HOST_DATA);

        /* Reported TCB: bootloader 2, tee 0, snp 5, microcode 0x44. */
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN,
                         &(SnpPolicy) { .check_tcb = true, .tcb_min = { .bootloader = 2, .snp = 5, .microcode = 0x44 } }), SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN,
                         &(SnpPolicy) { .check_tcb = true, .tcb_min = { .snp = 6 } }), SNP_POLICY_TCB);

        r.vmpl = 2;
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_vmpl = true, .vmpl_max = 1 }), SNP_POLICY_VMPL);
        r.policy |= SNP_GUEST_POLICY_MIGRATE_MA;
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .forbid_migrate_ma = true }), SNP_POLICY_MIGRATE_MA);
}

static void test_bundle_parsing(void **state) {
        static const char garbage[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        _cleanup_free_ uint8_t *buf = NULL;
        STACK_OF(X509) *s = NULL;
        size_t n;

        test_data_read("snp/go-sev-guest/milan.testcer", &buf, &n);
        /* Two certificates: a limit of one refuses the bundle. */
        assert_int_equal(cc_cert_parse_bundle(buf, n, 1, &s), -E2BIG);
        /* A damaged second block is not silently dropped. */
        buf[n - 100] = '*';
        assert_int_equal(cc_cert_parse_bundle(buf, n, 8, &s), -EBADMSG);
        assert_int_equal(cc_cert_parse_bundle((const uint8_t *) garbage, strlen(garbage), 8, &s), -EBADMSG);
        assert_int_equal(cc_cert_parse_bundle((const uint8_t *) "", 0, 8, &s), -EBADMSG);
        for (SnpVerdict v = 0; v < _SNP_VERDICT_MAX; v++) {
                assert_non_null(snp_verdict_to_string(v));
                assert_non_null(snp_verdict_to_message(v));
        }
}

/* Regression: DER whose last byte is zero (a signature may end so) was cut short
 * by the NUL stripping meant for PEM text. */
static void test_der_ending_in_zero(void **state) {
        _cleanup_free_ uint8_t *cert = NULL, *crl_der = NULL;
        _cleanup_(X509_CRL_freep) X509_CRL *crl = NULL;
        _cleanup_(X509_freep) X509 *x = NULL;
        size_t n, m;

        test_data_read("snp/go-sev-guest/vcek.testcer", &cert, &n);
        cert[n - 1] = 0;
        assert_int_equal(cc_cert_parse(cert, n, &x), 0);
        test_data_read("tdx/go-tdx-guest/rootcrl.der", &crl_der, &m);
        crl_der[m - 1] = 0;
        assert_int_equal(cc_crl_parse(crl_der, m, &crl), 0);
}

static void test_bundle_limit(void **state) {
        static const char end[] = "-----END CERTIFICATE-----\n";
        _cleanup_free_ uint8_t *pair = NULL;
        _cleanup_free_ char *text = NULL;
        STACK_OF(X509) *s = NULL;
        size_t n, one, len = 0;

        /* Two certificates per chain: eight chains reach the limit, one more certificate passes it. */
        test_data_read("snp/go-sev-guest/milan.testcer", &pair, &n);
        one = (size_t) ((char *) strstr((char *) pair, end) - (char *) pair) + STRLEN(end);
        text = malloc(9 * n + 1);
        assert_non_null(text);
        for (unsigned i = 0; i < CC_CERT_BUNDLE_MAX / 2; i++, len += n)
                memcpy(text + len, pair, n);
        assert_int_equal(cc_cert_parse_bundle((uint8_t *) text, len, CC_CERT_BUNDLE_MAX, &s), 0);
        assert_int_equal(sk_X509_num(s), CC_CERT_BUNDLE_MAX);
        sk_X509_pop_free(s, X509_free);
        memcpy(text + len, pair, one);
        assert_int_equal(cc_cert_parse_bundle((uint8_t *) text, len + one, CC_CERT_BUNDLE_MAX, &s), -E2BIG);
}

/* A real report rewritten for a test chain: its chip, TCB and key kind, signed by its key. */
static void make_report(const TestSnpChain *c, const TestSnpChainSpec *spec, uint8_t report[static SNP_REPORT_SIZE]) {
        _cleanup_(loaded_done) Loaded l = load(&go_sev_guest);
        SnpProduct product = snp_product_from_string(spec->product);
        uint64_t tcb;

        memcpy(report, l.raw, SNP_REPORT_SIZE);
        memcpy(report + 0x1a0, spec->hwid, 64);
        if (product == SNP_PRODUCT_TURIN)
                tcb = (uint64_t) spec->tcb.fmc | (uint64_t) spec->tcb.bootloader << 8 | (uint64_t) spec->tcb.tee << 16 |
                      (uint64_t) spec->tcb.snp << 24 | (uint64_t) spec->tcb.microcode << 56;
        else
                tcb = (uint64_t) spec->tcb.bootloader | (uint64_t) spec->tcb.tee << 8 |
                      (uint64_t) spec->tcb.snp << 48 | (uint64_t) spec->tcb.microcode << 56;
        for (size_t i = 0; i < 8; i++)
                report[0x180 + i] = (uint8_t) (tcb >> (8 * i));
        report[0x48] = spec->vlek ? 0x04 : 0x00;
        test_snp_sign(c, report);
}

static int verify_chain(const TestSnpChain *c, const uint8_t *report, X509_CRL *crl, SnpVerifyResult *res) {
        return verify_raw(report, SNP_REPORT_SIZE, c->leaf, c->ca, crl, AT_2025, res);
}

static const TestSnpChainSpec milan = {
        .product = "Milan",
        .hwid = { 0xc1, 0x1f, 0x00, 0x07 },
        .tcb = { .bootloader = 4, .tee = 0, .snp = 22, .microcode = 213 },
};

static void test_generated_chain(void **state) {
        static const char *const products[] = { "Milan", "Genoa", "Turin" };

        for (size_t i = 0; i < ELEMENTSOF(products); i++)
                for (int vlek = 0; vlek <= 1; vlek++) {
                        TestSnpChainSpec spec = milan;
                        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
                        uint8_t report[SNP_REPORT_SIZE];
                        SnpVerifyResult res;

                        spec.product = products[i];
                        spec.vlek = vlek;
                        spec.tcb.fmc = 3;
                        test_snp_chain_make(&spec, &c);
                        make_report(&c, &spec, report);
                        if (verify_chain(&c, report, NULL, &res) != SNP_VALID)
                                fail_msg("%s %s: %s", products[i], vlek ? "VLEK" : "VCEK",
                                         snp_verdict_to_string(verify_chain(&c, report, NULL, NULL)));
                        assert_int_equal(res.product, snp_product_from_string(products[i]));

                        /* The other kind in signing_key. */
                        report[0x48] ^= 0x04;
                        test_snp_sign(&c, report);
                        assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_KEY_KIND_MISMATCH);
                }
}

static void test_generated_crl(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {}, other = {};
        uint8_t report[SNP_REPORT_SIZE];
        X509_CRL *crl;

        test_snp_chain_make(&milan, &c);
        test_snp_chain_make(&milan, &other);
        make_report(&c, &milan, report);

        crl = test_snp_crl(&c, c.ark_key, AT_2025 - 86400, AT_2025 + 86400, 0);
        assert_int_equal(verify_chain(&c, report, crl, NULL), SNP_VALID);
        X509_CRL_free(crl);
        /* The ASK (serial 2) revoked. */
        crl = test_snp_crl(&c, c.ark_key, AT_2025 - 86400, AT_2025 + 86400, 2);
        assert_int_equal(verify_chain(&c, report, crl, NULL), SNP_REVOKED);
        X509_CRL_free(crl);
        /* Expired, not yet valid, signed by another ARK of the same name. */
        crl = test_snp_crl(&c, c.ark_key, AT_2025 - 2 * 86400, AT_2025 - 86400, 0);
        assert_int_equal(verify_chain(&c, report, crl, NULL), SNP_CRL_INVALID);
        X509_CRL_free(crl);
        crl = test_snp_crl(&c, c.ark_key, AT_2025 + 86400, AT_2025 + 2 * 86400, 0);
        assert_int_equal(verify_chain(&c, report, crl, NULL), SNP_CRL_INVALID);
        X509_CRL_free(crl);
        crl = test_snp_crl(&c, other.ark_key, AT_2025 - 86400, AT_2025 + 86400, 0);
        assert_int_equal(verify_chain(&c, report, crl, NULL), SNP_CRL_INVALID);
        X509_CRL_free(crl);
        /* Another hierarchy's endorsement key with this chain. */
        assert_int_equal(verify_raw(report, SNP_REPORT_SIZE, other.leaf, c.ca, NULL, AT_2025, NULL), SNP_CHAIN_UNTRUSTED);
}

static void test_generated_bad_chains(void **state) {
        uint8_t report[SNP_REPORT_SIZE];
        TestSnpChainSpec spec;

        /* The ARK signs the ASK with PKCS#1 v1.5: not AMD's algorithm. */
        spec = milan;
        spec.ask_alg = TEST_SIG_PKCS1;
        {
                _cleanup_(test_snp_chain_done) TestSnpChain c = {};
                test_snp_chain_make(&spec, &c);
                make_report(&c, &spec, report);
                assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_CERT_ALGORITHM);
        }
        /* A P-256 endorsement key. */
        spec = milan;
        spec.leaf_p256 = true;
        {
                _cleanup_(test_snp_chain_done) TestSnpChain c = {};
                test_snp_chain_make(&spec, &c);
                make_report(&c, &spec, report);
                assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_CERT_ALGORITHM);
        }
        /* An intermediate that names no product. */
        spec = milan;
        spec.ask_cn = "SEV-Naples";
        {
                _cleanup_(test_snp_chain_done) TestSnpChain c = {};
                test_snp_chain_make(&spec, &c);
                make_report(&c, &spec, report);
                assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_CHAIN_SHAPE);
        }
        /* A VCEK under an ASVK. */
        spec = milan;
        spec.ask_cn = "SEV-VLEK-Milan";
        {
                _cleanup_(test_snp_chain_done) TestSnpChain c = {};
                test_snp_chain_make(&spec, &c);
                make_report(&c, &spec, report);
                assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_CHAIN_SHAPE);
        }
}

static void test_generated_policy(void **state) {
        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
        uint8_t report[SNP_REPORT_SIZE];
        SnpReport r;

        test_snp_chain_make(&milan, &c);
        make_report(&c, &milan, report);
        /* A signed report from VMPL 2 with migration agent and ABI 1.51. */
        report[0x30] = 2;
        report[0x08] = 51;
        report[0x09] = 1;
        report[0x0a] = 0x06;     /* reserved-one and MIGRATE_MA, no SMT, no debug */
        test_snp_sign(&c, report);
        assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_VALID);
        assert_int_equal(snp_report_parse(report, sizeof report, &r), 0);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) {
                .forbid_debug = true, .forbid_smt = true, .check_abi = true, .abi_major_min = 1, .abi_minor_min = 51 }), SNP_VALID);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_abi = true, .abi_major_min = 1, .abi_minor_min = 52 }),
                         SNP_POLICY_ABI);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .forbid_migrate_ma = true }), SNP_POLICY_MIGRATE_MA);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_vmpl = true, .vmpl_max = 1 }), SNP_POLICY_VMPL);
        assert_int_equal(snp_report_check_policy(&r, SNP_PRODUCT_MILAN, &(SnpPolicy) { .check_tcb = true, .tcb_min = { .microcode = 214 } }),
                         SNP_POLICY_TCB);
}

/* A report made for a nonce and an AK name: the binding holds for exactly those. */
static void test_binding(void **state) {
        static const uint8_t nonce[16] = { 1, 2, 3 }, ak_name[34] = { 0x00, 0x0b, 0xaa };
        _cleanup_(test_snp_chain_done) TestSnpChain c = {};
        uint8_t report[SNP_REPORT_SIZE], other[16] = { 1, 2, 4 }, tdx[64];
        SnpReport r;

        test_snp_chain_make(&milan, &c);
        make_report(&c, &milan, report);
        assert_int_equal(cc_binding_expected(CC_BINDING_SNP, nonce, sizeof nonce, ak_name, sizeof ak_name, report + 0x50), 0);
        test_snp_sign(&c, report);
        assert_int_equal(verify_chain(&c, report, NULL, NULL), SNP_VALID);
        assert_int_equal(snp_report_parse(report, sizeof report, &r), 0);

        assert_int_equal(cc_binding_check(CC_BINDING_SNP, r.report_data, nonce, sizeof nonce, ak_name, sizeof ak_name), 1);
        assert_int_equal(cc_binding_check(CC_BINDING_SNP, r.report_data, other, sizeof other, ak_name, sizeof ak_name), 0);
        assert_int_equal(cc_binding_check(CC_BINDING_SNP, r.report_data, nonce, sizeof nonce, ak_name, sizeof ak_name - 1), 0);
        assert_int_equal(cc_binding_check(CC_BINDING_TDX, r.report_data, nonce, sizeof nonce, ak_name, sizeof ak_name), 0);
        assert_int_equal(cc_binding_check(CC_BINDING_SNP, r.report_data, nonce, 0, ak_name, sizeof ak_name), -EINVAL);

        /* TDX: SHA-384, zero-padded to 64 bytes. */
        assert_int_equal(cc_binding_expected(CC_BINDING_TDX, nonce, sizeof nonce, ak_name, sizeof ak_name, tdx), 0);
        for (size_t i = 48; i < 64; i++)
                assert_int_equal(tdx[i], 0);
        assert_int_equal(cc_binding_check(CC_BINDING_TDX, tdx, nonce, sizeof nonce, ak_name, sizeof ak_name), 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_golden),
                cmocka_unit_test(test_tcb_layouts),
                cmocka_unit_test(test_verify_real_reports),
                cmocka_unit_test(test_verify_shipped_roots),
                cmocka_unit_test(test_tampered_fields),
                cmocka_unit_test(test_virtee_bit_flip),
                cmocka_unit_test(test_size_limits),
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_wrong_chains),
                cmocka_unit_test(test_validity_window),
                cmocka_unit_test(test_foreign_crl),
                cmocka_unit_test(test_cert_extensions),
                cmocka_unit_test(test_turin_chain),
                cmocka_unit_test(test_policy),
                cmocka_unit_test(test_bundle_parsing),
                cmocka_unit_test(test_bundle_limit),
                cmocka_unit_test(test_der_ending_in_zero),
                cmocka_unit_test(test_generated_chain),
                cmocka_unit_test(test_generated_crl),
                cmocka_unit_test(test_generated_bad_chains),
                cmocka_unit_test(test_generated_policy),
                cmocka_unit_test(test_binding),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
