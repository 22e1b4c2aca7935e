/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "attest-limits.h"
#include "attestctl.h"
#include "attestctl-cc.h"
#include "attestctl-util.h"
#include "cc-binding.h"
#include "cc-cert.h"
#include "cc-policy.h"
#include "cc-roots.h"
#include "hexdecode.h"
#include "log.h"
#include "push-request.h"
#include "snp-verify.h"
#include "tdx-ccel.h"
#include "tdx-verify.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

typedef struct SnpArgs {
        const char *report;
        const char *cert;
        const char *ca;
        const char *crl;
        const char *at;
        const char *report_data;
        const char *nonce;
        const char *ak_name;
        const char *measurement;
        bool forbid_debug;
        bool json;
} SnpArgs;

static void snp_verify_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl snp verify REPORT --cert VCEK|VLEK [--ca BUNDLE] [--crl FILE]\n"
                "                                   [--at TIME] [--report-data HEX] [--measurement HEX]\n"
                "                                   [--nonce HEX --ak-name HEX] [--no-debug] [--json]\n\n"
                "Verify an AMD SEV-SNP attestation report offline.\n\n"
                "  --cert FILE          The VCEK or VLEK certificate (DER or PEM)\n"
                "  --ca FILE            ASK/ASVK and ARK (PEM); default: AMD's roots for\n"
                "                       Milan, Genoa and Turin shipped with hostattest\n"
                "  --crl FILE           AMD's CRL of the ARK (DER or PEM)\n"
                "  --at TIME            Judge validity at this RFC 3339 time (default: now)\n"
                "  --report-data HEX    Require this report_data (64 bytes)\n"
                "  --nonce HEX          With --ak-name: require report_data = SHA-512(nonce ‖ AK name)\n"
                "  --ak-name HEX        The node's AK name (nameAlg ‖ digest)\n"
                "  --measurement HEX    Require this launch measurement (48 bytes)\n"
                "  --no-debug           Require a guest policy that forbids debugging\n"
                "  --json               Machine-readable output\n");
}

/* 1 to go on, 0 after --help, negative on a usage error (already logged). */
static int snp_parse_args(int argc, char *argv[], SnpArgs *a) {
        const VerbOption options[] = {
                { "cert",        &a->cert                  },
                { "ca",          &a->ca                    },
                { "crl",         &a->crl                   },
                { "at",          &a->at                    },
                { "report-data", &a->report_data           },
                { "nonce",       &a->nonce                 },
                { "ak-name",     &a->ak_name               },
                { "measurement", &a->measurement           },
                { "no-debug",    .flag = &a->forbid_debug  },
                { "json",        .flag = &a->json          },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, snp_verify_help);
        if (first <= 0)
                return first;
        if (first + 1 != argc)
                return log_error_errno(-EINVAL, "Expected exactly one REPORT; see 'attestctl snp verify --help'.");
        a->report = argv[first];
        if (!a->cert)
                return log_error_errno(-EINVAL, "--cert is required; see 'attestctl snp verify --help'.");
        if (a->report_data && (a->nonce || a->ak_name))
                return log_error_errno(-EINVAL, "--report-data and --nonce/--ak-name exclude each other.");
        return 1;
}

/* --at, or now. */
static int parse_at(const char *s, time_t *ret) {
        uint64_t t;

        if (!s) {
                *ret = time(NULL);
                return 0;
        }
        if (push_parse_rfc3339(s, &t) < 0 || t > (uint64_t) INT64_MAX)
                return log_error_errno(-EINVAL, "--at must be an RFC 3339 time such as 2025-01-31T12:00:00Z.");
        *ret = (time_t) t;
        return 0;
}

static int parse_hex_exact(const char *opt, const char *s, uint8_t *buf, size_t size) {
        if (s && hex_decode_into(s, strlen(s), buf, size) < 0)
                return log_error_errno(-EINVAL, "%s must be %zu bytes of hex.", opt, size);
        return 0;
}

/* --nonce and --ak-name: both or neither; the report data they call for into ret.
 * 1 when given, 0 when not. */
static int parse_binding(const char *nonce_hex, const char *name_hex, CcBindingKind kind, uint8_t ret[static 64]) {
        _cleanup_free_ uint8_t *nonce = NULL, *name = NULL;
        size_t nonce_size, name_size;

        if (!nonce_hex && !name_hex)
                return 0;
        if (!nonce_hex || !name_hex)
                return log_error_errno(-EINVAL, "--nonce and --ak-name go together.");
        if (hex_decode(nonce_hex, strlen(nonce_hex), &nonce, &nonce_size) < 0 || nonce_size == 0 ||
            nonce_size > TPM2_DATA_SIZE_MAX)
                return log_error_errno(-EINVAL, "--nonce must be hex of 1 to %u bytes.", TPM2_DATA_SIZE_MAX);
        if (hex_decode(name_hex, strlen(name_hex), &name, &name_size) < 0 || name_size < 2 ||
            name_size > TPM2_NAME_SIZE_MAX)
                return log_error_errno(-EINVAL, "--ak-name must be the hex of a TPM2B_NAME's contents (nameAlg ‖ digest).");
        if (cc_binding_expected(kind, nonce, nonce_size, name, name_size, ret) < 0)
                return log_oom();
        return 1;
}

static int load_certs(const char *path, const char *what, STACK_OF(X509) **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        r = attestctl_read_file(path, CC_CERT_FILE_MAX, what, &buf, &n);
        if (r < 0)
                return r;
        r = cc_cert_parse_bundle(buf, n, CC_CERT_BUNDLE_MAX, ret);
        if (r < 0)
                return log_error_errno(r, "%s %s holds no usable certificates (at most %u, PEM or DER).", what, path,
                                       CC_CERT_BUNDLE_MAX);
        return 0;
}

static int load_one_cert(const char *path, const char *what, X509 **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        r = attestctl_read_file(path, CC_CERT_FILE_MAX, what, &buf, &n);
        if (r < 0)
                return r;
        r = cc_cert_parse(buf, n, ret);
        if (r < 0)
                return log_error_errno(r, "%s %s is not one certificate (DER or PEM).", what, path);
        return 0;
}

static int load_crl(const char *path, X509_CRL **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        if (!path)
                return 0;
        r = attestctl_read_file(path, CC_CERT_FILE_MAX, "CRL", &buf, &n);
        if (r < 0)
                return r;
        r = cc_crl_parse(buf, n, ret);
        if (r < 0)
                return log_error_errno(r, "CRL %s is not a CRL (DER or PEM).", path);
        return 0;
}

static int load_roots(const char *path, const char *shipped, STACK_OF(X509) **ret) {
        if (path)
                return load_certs(path, "CA bundle", ret);
        if (cc_cert_parse_bundle((const uint8_t *) shipped, strlen(shipped), CC_CERT_BUNDLE_MAX, ret) < 0)
                return log_error_errno(-EBADMSG, "The shipped root certificates do not parse.");
        return 0;
}

/* The verdict fields both report formats start with. */
static void add_verdict(json_object *o, bool valid, const char *reason, const char *message, const char *detail) {
        json_object_object_add(o, "verdict", json_object_new_string(valid ? "pass" : "fail"));
        json_object_object_add(o, "reason", json_object_new_string(reason));
        json_object_object_add(o, "message", json_object_new_string(message));
        if (detail)
                json_object_object_add(o, "detail", json_object_new_string(detail));
}

/* Logs a failed verdict; the exit status for it. */
static int verdict_exit(const char *what, bool valid, const char *reason, const char *message, const char *detail) {
        if (valid)
                return EXIT_PASS;
        log_error("%s verification failed (%s): %s%s%s", what, reason, message, detail ? " " : "", detail ?: "");
        return EXIT_VIOLATION;
}

static void add_hex(json_object *o, const char *key, const void *p, size_t n) {
        _cleanup_free_ char *hex = hex_encode(p, n);
        json_object_object_add(o, key, json_object_new_string(hex ?: ""));
}

static void add_u64_hex(json_object *o, const char *key, uint64_t v) {
        char buf[17];
        (void) snprintf(buf, sizeof buf, "%016" PRIx64, v);
        json_object_object_add(o, key, json_object_new_string(buf));
}

static json_object *policy_to_json(uint64_t p) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "abi_major", json_object_new_int((int) SNP_GUEST_POLICY_ABI_MAJOR(p)));
        json_object_object_add(o, "abi_minor", json_object_new_int((int) SNP_GUEST_POLICY_ABI_MINOR(p)));
        json_object_object_add(o, "smt", json_object_new_boolean(p & SNP_GUEST_POLICY_SMT));
        json_object_object_add(o, "migrate_ma", json_object_new_boolean(p & SNP_GUEST_POLICY_MIGRATE_MA));
        json_object_object_add(o, "debug", json_object_new_boolean(p & SNP_GUEST_POLICY_DEBUG));
        json_object_object_add(o, "single_socket", json_object_new_boolean(p & SNP_GUEST_POLICY_SINGLE_SOCKET));
        return o;
}

static void snp_print_json(const SnpReport *r, SnpVerdict v, const SnpVerifyResult *res) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        /* Before the chain is known, the CPUID fields are the best guess at the TCB layout. */
        SnpProduct product = res->product ?: snp_product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);

        add_verdict(o, v == SNP_VALID, snp_verdict_to_string(v), snp_verdict_to_message(v), res->detail);
        if (snp_product_to_string(product))
                json_object_object_add(o, "product", json_object_new_string(snp_product_to_string(product)));
        json_object_object_add(o, "version", json_object_new_int64(r->version));
        json_object_object_add(o, "guest_svn", json_object_new_int64(r->guest_svn));
        json_object_object_add(o, "vmpl", json_object_new_int64(r->vmpl));
        json_object_object_add(o, "signing_key", json_object_new_string(snp_signing_key_to_string(r->signing_key)));
        add_hex(o, "measurement", r->measurement, sizeof r->measurement);
        add_hex(o, "report_data", r->report_data, sizeof r->report_data);
        add_hex(o, "host_data", r->host_data, sizeof r->host_data);
        add_hex(o, "chip_id", r->chip_id, sizeof r->chip_id);
        add_u64_hex(o, "reported_tcb", r->reported_tcb);
        json_object_object_add(o, "reported_tcb_parts",
                               snp_tcb_to_json(snp_tcb_decode(r->reported_tcb, product), product));
        add_u64_hex(o, "current_tcb", r->current_tcb);
        add_u64_hex(o, "committed_tcb", r->committed_tcb);
        add_u64_hex(o, "launch_tcb", r->launch_tcb);
        add_u64_hex(o, "policy", r->policy);
        json_object_object_add(o, "policy_flags", policy_to_json(r->policy));
        add_u64_hex(o, "platform_info", r->platform_info);
        add_hex(o, "family_id", r->family_id, sizeof r->family_id);
        add_hex(o, "image_id", r->image_id, sizeof r->image_id);
        add_hex(o, "id_key_digest", r->id_key_digest, sizeof r->id_key_digest);
        add_hex(o, "author_key_digest", r->author_key_digest, sizeof r->author_key_digest);
        add_hex(o, "report_id", r->report_id, sizeof r->report_id);
        attestctl_print_json(o);
}

static void print_hex_line(const char *label, const void *p, size_t n) {
        _cleanup_free_ char *hex = hex_encode(p, n);
        printf("  %-14s %s\n", label, hex ?: "?");
}

static void snp_print_human(const SnpReport *r, const SnpVerifyResult *res) {
        SnpTcb t = snp_tcb_decode(r->reported_tcb, res->product);

        printf("SEV-SNP report valid: %s, signed by the %s.\n", snp_product_to_string(res->product) ?: "?",
               r->signing_key == SNP_SIGNING_KEY_VLEK ? "VLEK" : "VCEK");
        printf("  %-14s %" PRIu32 "\n", "version", r->version);
        printf("  %-14s %" PRIu32 "\n", "vmpl", r->vmpl);
        printf("  %-14s 0x%016" PRIx64 " (ABI %u.%u%s%s%s)\n", "policy", r->policy,
               SNP_GUEST_POLICY_ABI_MAJOR(r->policy), SNP_GUEST_POLICY_ABI_MINOR(r->policy),
               r->policy & SNP_GUEST_POLICY_SMT ? ", SMT" : "",
               r->policy & SNP_GUEST_POLICY_MIGRATE_MA ? ", migration agent" : "",
               r->policy & SNP_GUEST_POLICY_DEBUG ? ", DEBUG" : "");
        printf("  %-14s 0x%016" PRIx64 " (bootloader %u, tee %u, snp %u, microcode %u",
               "reported_tcb", r->reported_tcb, t.bootloader, t.tee, t.snp, t.microcode);
        if (res->product == SNP_PRODUCT_TURIN)
                printf(", fmc %u", t.fmc);
        printf(")\n");
        print_hex_line("measurement", r->measurement, sizeof r->measurement);
        print_hex_line("report_data", r->report_data, sizeof r->report_data);
        print_hex_line("host_data", r->host_data, sizeof r->host_data);
        print_hex_line("chip_id", r->chip_id, sizeof r->chip_id);
}

static int verb_snp_verify(int argc, char *argv[]) {
        _cleanup_x509_stack_ STACK_OF(X509) *ca = NULL;
        _cleanup_(X509_freep) X509 *cert = NULL;
        _cleanup_(X509_CRL_freep) X509_CRL *crl = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        uint8_t report_data[64], measurement[48];
        int bound = 0;
        SnpVerifyResult res = {};
        SnpArgs a = {};
        SnpReport report;
        SnpVerdict v;
        size_t n;
        time_t at = 0;
        int r;

        r = snp_parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (parse_at(a.at, &at) < 0 ||
            parse_hex_exact("--report-data", a.report_data, report_data, sizeof report_data) < 0 ||
            (bound = parse_binding(a.nonce, a.ak_name, CC_BINDING_SNP, report_data)) < 0 ||
            parse_hex_exact("--measurement", a.measurement, measurement, sizeof measurement) < 0 ||
            attestctl_read_file(a.report, SNP_REPORT_SIZE, "SEV-SNP report", &raw, &n) < 0 ||
            load_one_cert(a.cert, "Certificate", &cert) < 0 ||
            load_roots(a.ca, cc_amd_sev_roots_pem, &ca) < 0 ||
            load_crl(a.crl, &crl) < 0)
                return EXIT_UNUSABLE;
        if (snp_report_parse(raw, n, &report) < 0) {
                log_error("%s is not an SEV-SNP attestation report (%u bytes, version %u–%u, ECDSA P-384).",
                          a.report, SNP_REPORT_SIZE, SNP_REPORT_VERSION_MIN, SNP_REPORT_VERSION_MAX);
                return EXIT_UNUSABLE;
        }

        SnpVerifyParams p = { .cert = cert, .ca = ca, .crl = crl, .at = at };
        r = snp_verify(&p, raw, n, &report, &v, &res);
        if (r < 0) {
                log_error_errno(r, "Failed to verify the report: %m");
                return EXIT_UNUSABLE;
        }
        if (v == SNP_VALID) {
                SnpPolicy policy = {
                        .forbid_debug = a.forbid_debug,
                        .report_data = a.report_data || bound > 0 ? report_data : NULL,
                        .measurements = a.measurement ? &measurement : NULL,
                        .n_measurements = a.measurement ? 1 : 0,
                };
                v = snp_report_check_policy(&report, res.product, &policy);
        }

        if (a.json)
                snp_print_json(&report, v, &res);
        else if (v == SNP_VALID)
                snp_print_human(&report, &res);
        return verdict_exit("SEV-SNP report", v == SNP_VALID, snp_verdict_to_string(v), snp_verdict_to_message(v),
                            res.detail);
}

int verb_snp(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "verify", verb_snp_verify, "Verify an SEV-SNP attestation report offline" },
        };
        return dispatch_verbs("snp", verbs, ELEMENTSOF(verbs), argc, argv);
}

typedef struct TdxArgs {
        const char *quote;
        const char *collateral;
        const char *root;
        const char *at;
        const char *ccel;
        const char *nonce;
        const char *ak_name;
        bool check_min_status;
        TdxTcbStatus min_status;
        bool json;
} TdxArgs;

static void tdx_verify_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl tdx verify QUOTE --collateral FILE [--root CA] [--at TIME]\n"
                "                                  [--min-tcb-status STATUS] [--ccel FILE]\n"
                "                                  [--nonce HEX --ak-name HEX] [--json]\n\n"
                "Verify an Intel TDX quote (version 4 or 5) offline.\n\n"
                "  --collateral FILE        Collateral JSON (pck_crl_issuer_chain, root_ca_crl, pck_crl,\n"
                "                           tcb_info_issuer_chain, tcb_info, tcb_info_signature,\n"
                "                           qe_identity_issuer_chain, qe_identity, qe_identity_signature)\n"
                "  --root FILE              Trusted root (PEM or DER); default: the Intel SGX Root CA\n"
                "                           shipped with hostattest\n"
                "  --at TIME                Judge validity and CRLs at this RFC 3339 time (default: now)\n"
                "  --min-tcb-status STATUS  Worst acceptable TCB status: UpToDate, SWHardeningNeeded,\n"
                "                           ConfigurationNeeded, ConfigurationAndSWHardeningNeeded,\n"
                "                           OutOfDate, OutOfDateConfigurationNeeded\n"
                "  --ccel FILE              CC event log (ACPI CCEL data) that must replay to the RTMRs\n"
                "  --nonce HEX              With --ak-name: require REPORTDATA = SHA-384(nonce ‖ AK name)\n"
                "                           followed by 16 zero bytes\n"
                "  --ak-name HEX            The node's AK name (nameAlg ‖ digest)\n"
                "  --json                   Machine-readable output\n");
}

static int tdx_parse_args(int argc, char *argv[], TdxArgs *a) {
        const char *min_tcb_status = NULL;
        const VerbOption options[] = {
                { "collateral",     &a->collateral  },
                { "root",           &a->root        },
                { "at",             &a->at          },
                { "min-tcb-status", &min_tcb_status },
                { "ccel",           &a->ccel        },
                { "nonce",          &a->nonce       },
                { "ak-name",        &a->ak_name     },
                { "json",           .flag = &a->json },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, tdx_verify_help);
        if (first <= 0)
                return first;
        if (min_tcb_status) {
                a->min_status = tdx_tcb_status_from_string(min_tcb_status);
                if (a->min_status < 0 || a->min_status == TDX_TCB_REVOKED)
                        return log_error_errno(-EINVAL, "Unknown TCB status '%s'; see 'attestctl tdx verify --help'.",
                                               min_tcb_status);
                a->check_min_status = true;
        }
        if (first + 1 != argc)
                return log_error_errno(-EINVAL, "Expected exactly one QUOTE; see 'attestctl tdx verify --help'.");
        a->quote = argv[first];
        if (!a->collateral)
                return log_error_errno(-EINVAL, "--collateral is required; see 'attestctl tdx verify --help'.");
        return 1;
}

static int load_collateral(const char *path, TdxCollateral **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        r = attestctl_read_file(path, TDX_COLLATERAL_SIZE_MAX, "collateral", &buf, &n);
        if (r < 0)
                return r;
        r = tdx_collateral_parse((const char *) buf, n, ret);
        if (r < 0)
                return log_error_errno(r, "Collateral %s is not usable TDX collateral JSON: %m", path);
        return 0;
}

/* Replays the CC event log into rtmr; logs and fails when it is unusable. */
static int load_ccel(const char *path, uint8_t rtmr[static 4][48]) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        int r;

        r = attestctl_read_file(path, TCG_EVENTLOG_SIZE_MAX, "CC event log", &buf, &n);
        if (r < 0)
                return r;
        r = tdx_ccel_replay(buf, n, rtmr);
        if (r < 0)
                return log_error_errno(r, "%s is not a CC event log with a SHA-384 bank and MR indexes 1–4.", path);
        return 0;
}

static void tdx_print_json(const TdxQuote *q, TdxVerdict v, const TdxVerifyResult *res) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *rtmrs = json_object_new_array(), *adv = json_object_new_array();
        const TdxReportBody *b = &q->body;

        add_verdict(o, v == TDX_VALID, tdx_verdict_to_string(v), tdx_verdict_to_message(v), res->detail);
        json_object_object_add(o, "version", json_object_new_int(q->version));
        json_object_object_add(o, "tcb_status", res->has_tcb_status ?
                               json_object_new_string(tdx_tcb_status_to_string(res->tcb_status)) : NULL);
        for (size_t i = 0; i < res->advisories.n; i++)
                json_object_array_add(adv, json_object_new_string(res->advisories.ids[i]));
        json_object_object_add(o, "advisory_ids", adv);
        add_hex(o, "fmspc", res->fmspc, sizeof res->fmspc);
        add_hex(o, "tee_tcb_svn", b->tee_tcb_svn, sizeof b->tee_tcb_svn);
        add_hex(o, "mrseam", b->mrseam, sizeof b->mrseam);
        add_hex(o, "mrtd", b->mrtd, sizeof b->mrtd);
        for (size_t i = 0; i < ELEMENTSOF(b->rtmr); i++) {
                _cleanup_free_ char *hex = hex_encode(b->rtmr[i], sizeof b->rtmr[i]);
                json_object_array_add(rtmrs, json_object_new_string(hex ?: ""));
        }
        json_object_object_add(o, "rtmrs", rtmrs);
        add_hex(o, "report_data", b->report_data, sizeof b->report_data);
        add_hex(o, "td_attributes", b->td_attributes, sizeof b->td_attributes);
        add_hex(o, "xfam", b->xfam, sizeof b->xfam);
        add_hex(o, "mrconfigid", b->mrconfigid, sizeof b->mrconfigid);
        add_hex(o, "mrowner", b->mrowner, sizeof b->mrowner);
        add_hex(o, "mrownerconfig", b->mrownerconfig, sizeof b->mrownerconfig);
        if (b->td15) {
                add_hex(o, "tee_tcb_svn2", b->tee_tcb_svn2, sizeof b->tee_tcb_svn2);
                add_hex(o, "mrservicetd", b->mrservicetd, sizeof b->mrservicetd);
        }
        attestctl_print_json(o);
}

static void tdx_print_human(const TdxQuote *q, const TdxVerifyResult *res) {
        const TdxReportBody *b = &q->body;
        char label[16];

        printf("TDX quote valid: version %u, TCB status %s", q->version, tdx_tcb_status_to_string(res->tcb_status));
        for (size_t i = 0; i < res->advisories.n; i++)
                printf("%s%s", i == 0 ? " (" : ", ", res->advisories.ids[i]);
        printf("%s.\n", res->advisories.n > 0 ? ")" : "");
        print_hex_line("fmspc", res->fmspc, sizeof res->fmspc);
        print_hex_line("tee_tcb_svn", b->tee_tcb_svn, sizeof b->tee_tcb_svn);
        print_hex_line("mrtd", b->mrtd, sizeof b->mrtd);
        for (size_t i = 0; i < ELEMENTSOF(b->rtmr); i++) {
                (void) snprintf(label, sizeof label, "rtmr%zu", i);
                print_hex_line(label, b->rtmr[i], sizeof b->rtmr[i]);
        }
        print_hex_line("report_data", b->report_data, sizeof b->report_data);
        print_hex_line("td_attributes", b->td_attributes, sizeof b->td_attributes);
        print_hex_line("xfam", b->xfam, sizeof b->xfam);
        print_hex_line("mrconfigid", b->mrconfigid, sizeof b->mrconfigid);
        print_hex_line("mrowner", b->mrowner, sizeof b->mrowner);
}

static int verb_tdx_verify(int argc, char *argv[]) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *collateral = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *roots = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        TdxVerifyResult res = {};
        uint8_t rtmr[4][48], binding[64];
        int bound = 0;
        TdxArgs a = {};
        TdxQuote quote;
        TdxVerdict v;
        time_t at = 0;
        size_t n;
        int r;

        r = tdx_parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (parse_at(a.at, &at) < 0 ||
            (bound = parse_binding(a.nonce, a.ak_name, CC_BINDING_TDX, binding)) < 0 ||
            attestctl_read_file(a.quote, TDX_QUOTE_SIZE_MAX, "TDX quote", &raw, &n) < 0 ||
            load_collateral(a.collateral, &collateral) < 0 ||
            load_roots(a.root, cc_intel_sgx_root_pem, &roots) < 0 ||
            (a.ccel && load_ccel(a.ccel, rtmr) < 0))
                return EXIT_UNUSABLE;
        if (tdx_quote_parse(raw, n, &quote) < 0) {
                log_error("%s is not a TDX quote hostattest can read (version 4 or 5, ECDSA P-256, PCK chain).", a.quote);
                return EXIT_UNUSABLE;
        }

        TdxVerifyParams p = {
                .roots = roots,
                .collateral = collateral,
                .at = at,
                .check_min_status = a.check_min_status,
                .min_status = a.min_status,
        };
        r = tdx_verify(&p, &quote, &v, &res);
        if (r < 0) {
                log_error_errno(r, "Failed to verify the quote: %m");
                return EXIT_UNUSABLE;
        }
        /* The RTMRs are only worth comparing once the quote is known to be genuine. */
        if (v == TDX_VALID && a.ccel && tdx_ccel_compare(&quote.body, rtmr) != 0)
                v = TDX_RTMR_MISMATCH;
        if (v == TDX_VALID && bound > 0 && memcmp(binding, quote.body.report_data, sizeof binding) != 0)
                v = TDX_BINDING_MISMATCH;
        if (a.json)
                tdx_print_json(&quote, v, &res);
        else if (v == TDX_VALID)
                tdx_print_human(&quote, &res);
        return verdict_exit("TDX quote", v == TDX_VALID, tdx_verdict_to_string(v), tdx_verdict_to_message(v),
                            res.detail);
}

int verb_tdx(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "verify", verb_tdx_verify, "Verify a TDX quote and its collateral offline" },
        };
        return dispatch_verbs("tdx", verbs, ELEMENTSOF(verbs), argc, argv);
}
