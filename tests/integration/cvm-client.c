/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Simulated confidential VMs for the CVM integration test: nodes whose vTPM
 * is simulated (sim-node) and whose SEV-SNP reports and TDX quotes come from
 * a fake configfs-tsm tree, read with the agent's own collection code
 * (agent/push-cc.c, tsm-report.c). A provider thread plays the kernel: when
 * the node opens outblob (a FIFO), it reads inblob and answers with a report
 * signed at that moment by a test AMD chain (ARK → ASK → VCEK) or a quote by a
 * test Intel chain (root → PCK CA → PCK, with collateral signed by a test TCB
 * signing key), so that report_data carries the verifier's fresh nonce.
 *
 *   cvm-client run URL DIR
 *   cvm-client provider DIR
 *
 * writes the trust anchors, collateral and engine policies into DIR, touches
 * DIR/ready, waits for the verifier at URL (started by the test with them),
 * then attests an SEV-SNP node and a TDX node through every case. $CVM_HOOK
 * is run with "tdx NODE" once the TDX node registered, for the test to give it
 * its tdx policy. Exit 0 when every check held; each failed check is printed.
 * "provider" makes the same trust material and fake trees, touches DIR/ready
 * and serves reports until killed, for a real attest-agent: the mode of each
 * report is the word in DIR/mode (good, debug, measurement, stale, foreign,
 * short), good when there is none. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snp-test-chain.h"
#include "tdx-test-chain.h"

#include <openssl/pem.h>
#include <tss2/tss2_tpm2_types.h>

#include "cc-cert.h"
#include "cc-policy.h"
#include "fileio.h"
#include "hexdecode.h"
#include "json-util.h"
#include "macro.h"
#include "push-cc.h"
#include "push-protocol.h"
#include "sim-agent.h"
#include "tdx-collateral.h"
#include "tsm-report.h"

static int failures;
static SimUefi uefi;

_noreturn_ static void die(const char *what, int e) {
        fprintf(stderr, "cvm-client: %s: %s\n", what, strerror(e < 0 ? -e : e));
        exit(2);
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* What the provider answers with next. */
typedef enum Mode {
        MODE_GOOD,
        MODE_DEBUG,             /* SNP guest policy / TD attributes allow debugging */
        MODE_MEASUREMENT,       /* another launch measurement / MRTD */
        MODE_STALE,             /* report_data of the previous request: an old nonce */
        MODE_FOREIGN,           /* signed by a chain the verifier does not trust */
        MODE_SHORT,             /* a truncated report */
} Mode;

static _Atomic int mode;

typedef struct Provider {
        char entry[512];
        char mode_file[512];    /* "provider": the mode of the next report, or empty */
        int inotify;            /* inblob written: a request; outblob is opened only then */
        bool tdx;
        uint8_t previous[64];
        bool have_previous;
} Provider;

/* The test's stand-ins for AMD and Intel. */
static TestSnpChain snp_chain, snp_foreign;
static uint8_t snp_template[SNP_REPORT_SIZE];
static TdxTestChain tdx_chain;
static uint8_t *tdx_template;
static size_t tdx_template_size;

static void write_file(const char *dir, const char *name, const void *data, size_t size) {
        char path[1024];
        FILE *f;

        (void) snprintf(path, sizeof path, "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
                die(path, -errno);
}

static void write_pem(const char *dir, const char *name, X509 *a, X509 *b) {
        char path[1024];
        FILE *f;

        (void) snprintf(path, sizeof path, "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || PEM_write_X509(f, a) != 1 || (b && PEM_write_X509(f, b) != 1) || fclose(f) != 0)
                die(path, -EIO);
}

static void mkdirs(const char *dir, const char *sub) {
        char path[1024];

        (void) snprintf(path, sizeof path, "%s/%s", dir, sub);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                die(path, -errno);
}

/* The certificate table (auxblob) with one VCEK. */
static void write_auxblob(const char *entry, X509 *vcek) {
        static const uint8_t guid[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                          0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
        uint8_t *der = NULL, table[48] = {};
        int n = i2d_X509(vcek, &der);
        char path[600], tmp[620];
        FILE *f;

        memcpy(table, guid, 16);
        table[16] = 48;
        table[20] = (uint8_t) n;
        table[21] = (uint8_t) (n >> 8);
        (void) snprintf(path, sizeof path, "%s/auxblob", entry);
        (void) snprintf(tmp, sizeof tmp, "%s/.auxblob", entry);
        f = fopen(tmp, "we");
        if (n <= 0 || !f || fwrite(table, 1, sizeof table, f) != sizeof table || fwrite(der, 1, (size_t) n, f) != (size_t) n ||
            fclose(f) != 0 || rename(tmp, path) < 0)
                die("auxblob", -EIO);
        OPENSSL_free(der);
}

/* An SEV-SNP report over report_data as the mode wants it. */
static void snp_report(const Provider *p, const uint8_t *report_data, Buf *out) {
        uint8_t r[SNP_REPORT_SIZE];
        Mode m = atomic_load(&mode);

        memcpy(r, snp_template, sizeof r);
        memcpy(r + 0x50, m == MODE_STALE && p->have_previous ? p->previous : report_data, 64);
        if (m == MODE_DEBUG)
                r[0x0a] |= 0x08;        /* policy bit 19 */
        if (m == MODE_MEASUREMENT)
                r[0x90] ^= 0x01;
        test_snp_sign(m == MODE_FOREIGN ? &snp_foreign : &snp_chain, r);
        put(out, r, m == MODE_SHORT ? 1000 : sizeof r);
}

/* A TDX quote: the real one's body with report_data (and the mode's edit), re-signed by the test chain. */
static void tdx_report(const Provider *p, const uint8_t *report_data, Buf *out) {
        _cleanup_free_ uint8_t *body = NULL;
        Mode m = atomic_load(&mode);
        TdxQuote q;

        assert_int_equal(tdx_quote_parse(tdx_template, tdx_template_size, &q), 0);
        body = malloc(q.signed_size);
        assert_non_null(body);
        memcpy(body, q.signed_data, q.signed_size);
        memcpy(body + 48 + 520, m == MODE_STALE && p->have_previous ? p->previous : report_data, 64);
        if (m == MODE_DEBUG)
                body[48 + 120] |= TDX_TD_ATTRIBUTES_DEBUG;
        if (m == MODE_MEASUREMENT)
                body[48 + 136] ^= 0x01;
        tdx_test_quote(&tdx_chain, &q, body, out);
        if (m == MODE_SHORT)
                out->n = 700;
}

static Mode mode_from_file(const char *path) {
        static const char *const names[] = { "good", "debug", "measurement", "stale", "foreign", "short" };
        _cleanup_free_ uint8_t *text = NULL;
        size_t n;

        if (read_full_file(path, 64, &text, &n) < 0)
                return MODE_GOOD;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strncmp((const char *) text, names[i], strlen(names[i])) == 0)
                        return (Mode) i;
        return MODE_GOOD;
}

/* The kernel's part: each open of outblob gets the report for what inblob holds. */
static void *provider_run(void *userdata) {
        Provider *p = userdata;
        char path[600];

        for (;;) {
                _cleanup_free_ uint8_t *in = NULL;
                char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
                bool request = false;
                size_t n;
                Buf out = {};
                int fd;

                /* A FIFO's reader sees its end only when no writer is left: open it
                 * again only for the next request, never while one is being read. */
                while (!request) {
                        ssize_t k = read(p->inotify, events, sizeof events);
                        if (k <= 0)
                                die("inotify", k < 0 ? -errno : -EIO);
                        for (char *e = events; e < events + k; e += sizeof(struct inotify_event) + ((struct inotify_event *) e)->len) {
                                const struct inotify_event *ev = (const struct inotify_event *) e;
                                request = request || (ev->len > 0 && strcmp(ev->name, "inblob") == 0);
                        }
                }
                if (p->mode_file[0])
                        atomic_store(&mode, mode_from_file(p->mode_file));
                (void) snprintf(path, sizeof path, "%s/outblob", p->entry);
                fd = open(path, O_WRONLY | O_CLOEXEC);   /* waits for the reader */
                if (fd < 0)
                        die("outblob", -errno);
                (void) snprintf(path, sizeof path, "%s/inblob", p->entry);
                if (read_full_file(path, 64, &in, &n) < 0 || n != 64)
                        die("inblob", -EBADMSG);
                if (!p->tdx)
                        write_auxblob(p->entry, atomic_load(&mode) == MODE_FOREIGN ? snp_foreign.leaf : snp_chain.leaf);
                if (p->tdx)
                        tdx_report(p, in, &out);
                else
                        snp_report(p, in, &out);
                if (write(fd, out.p, out.n) != (ssize_t) out.n)
                        die("outblob write", -errno);
                close(fd);
                reset(&out);
                memcpy(p->previous, in, 64);
                p->have_previous = true;
        }
        return NULL;
}

/* DIR/<name>/hostattest as the kernel shows it, with outblob a FIFO. */
static Provider *provider_start(const char *dir, const char *name, bool tdx, bool mode_file) {
        Provider *p = calloc(1, sizeof *p);
        char path[700];
        pthread_t t;

        assert_non_null(p);
        mkdirs(dir, name);
        (void) snprintf(p->entry, sizeof p->entry, "%s/%s/%s", dir, name, TSM_ENTRY_NAME);
        p->tdx = tdx;
        if (mode_file)
                (void) snprintf(p->mode_file, sizeof p->mode_file, "%s/mode", dir);
        if (mkdir(p->entry, 0755) < 0)
                die(p->entry, -errno);
        write_file(p->entry, "provider", tdx ? "tdx_guest\n" : "sev_guest\n", 10);
        write_file(p->entry, "generation", "1\n", 2);
        write_file(p->entry, "inblob", "", 0);
        (void) snprintf(path, sizeof path, "%s/outblob", p->entry);
        if (mkfifo(path, 0600) < 0)
                die(path, -errno);
        p->inotify = inotify_init1(IN_CLOEXEC);
        if (p->inotify < 0 || inotify_add_watch(p->inotify, p->entry, IN_CLOSE_WRITE) < 0)
                die("inotify", -errno);
        if (pthread_create(&t, NULL, provider_run, p) != 0 || pthread_detach(t) != 0)
                die("provider thread", -EAGAIN);
        return p;
}

static void snp_trust(const char *dir) {
        static const char *const snp_tcb_fields[] = { "bootloader", "tee", "snp", "microcode" };
        _cleanup_free_ uint8_t *raw = NULL;
        _cleanup_free_ char *measurement = NULL;
        const char *data = getenv("ATTEST_TEST_DATA");
        char path[1024], policy[1024];
        SnpReport r;
        size_t n;
        FILE *f;

        /* A real Milan report as the template; the test chain is issued for its chip and TCB. */
        (void) snprintf(path, sizeof path, "%s/snp/go-sev-guest/attestation.bin", data ?: ".");
        if (read_full_file(path, SNP_REPORT_SIZE, &raw, &n) < 0 || snp_report_parse(raw, n, &r) < 0)
                die(path, -EBADMSG);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                die(dir, -errno);
        memcpy(snp_template, raw, sizeof snp_template);
        snp_template[0x0a] &= (uint8_t) ~0x08;   /* this guest forbids debugging */
        TestSnpChainSpec spec = { .product = "Milan", .tcb = snp_tcb_decode(r.reported_tcb, SNP_PRODUCT_MILAN) };
        memcpy(spec.hwid, r.chip_id, sizeof spec.hwid);
        test_snp_chain_make(&spec, &snp_chain);
        test_snp_chain_make(&spec, &snp_foreign);

        mkdirs(dir, "collateral");
        mkdirs(dir, "collateral/sev-snp");
        mkdirs(dir, "expired");
        mkdirs(dir, "expired/sev-snp");
        write_pem(dir, "snp-anchors.pem", snp_chain.ark, NULL);
        write_pem(dir, "collateral/sev-snp/ask.pem", snp_chain.ask, NULL);
        write_pem(dir, "expired/sev-snp/ask.pem", snp_chain.ask, NULL);
        write_pem(dir, "expired/sev-snp/vcek.pem", snp_chain.leaf, NULL);
        for (int expired = 0; expired <= 1; expired++) {
                time_t now = time(NULL);
                X509_CRL *crl = expired ? test_snp_crl(&snp_chain, snp_chain.ark_key, now - 20 * 86400, now - 86400, 0) :
                                          test_snp_crl(&snp_chain, snp_chain.ark_key, now - 86400, now + 30 * 86400, 0);
                (void) snprintf(path, sizeof path, "%s/%s/sev-snp/ark.crl", dir, expired ? "expired" : "collateral");
                f = fopen(path, "we");
                if (!f || PEM_write_X509_CRL(f, crl) != 1 || fclose(f) != 0)
                        die(path, -EIO);
                X509_CRL_free(crl);
        }

        measurement = hex_encode(r.measurement, sizeof r.measurement);
        SnpTcb t = spec.tcb;
        const uint8_t v[] = { t.bootloader, t.tee, t.snp, t.microcode };
        n = (size_t) snprintf(policy, sizeof policy, "{\"measurements\": [\"%s\"], \"allow_debug\": false, \"min_tcb\": {",
                              measurement);
        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                n += (size_t) snprintf(policy + n, sizeof policy - n, "%s\"%s\": %u", i ? ", " : "", snp_tcb_fields[i], v[i]);
        n += (size_t) snprintf(policy + n, sizeof policy - n, "}, \"max_vmpl\": 0, \"signing_keys\": [\"vcek\"]}\n");
        write_file(dir, "snp-policy.json", policy, n);
}

/* TCB Info and QE Identity of the real collateral, valid around now. */
static char *fresh_document(json_object *collateral, const char *key) {
        json_object *doc = json_tokener_parse(json_object_get_string(json_object_object_get(collateral, key)));
        json_object *inner = NULL;
        char issue[32], next[32];
        time_t now = time(NULL), a = now - 86400, b = now + 30 * 86400;
        struct tm tm;
        char *s;

        assert_non_null(doc);
        (void) strftime(issue, sizeof issue, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&a, &tm));
        (void) strftime(next, sizeof next, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&b, &tm));
        /* The signed body is {"tcbInfo": …} or {"enclaveIdentity": …}, or the document itself. */
        json_object_object_foreach(doc, k, v)
                if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "issueDate", NULL))
                        inner = v;
        (void) k;
        if (!inner)
                inner = doc;
        json_object_object_add(inner, "issueDate", json_object_new_string(issue));
        json_object_object_add(inner, "nextUpdate", json_object_new_string(next));
        s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        json_object_put(doc);
        return s;
}

static void tdx_trust(const char *dir) {
        _cleanup_free_ uint8_t *coll = NULL;
        _cleanup_free_ char *tcb = NULL, *qe = NULL, *text = NULL, *mrtd = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        const char *data = getenv("ATTEST_TEST_DATA");
        char path[1024], policy[512], name[64];
        TdxPckInfo info;
        json_object *root;
        TdxQuote q;
        size_t n;

        (void) snprintf(path, sizeof path, "%s/tdx/dcap-qvl/tdx_quote", data ?: ".");
        if (read_full_file(path, TDX_QUOTE_SIZE_MAX, &tdx_template, &tdx_template_size) < 0 ||
            tdx_quote_parse(tdx_template, tdx_template_size, &q) < 0)
                die(path, -EBADMSG);
        /* The test PCK names the real platform, so the real TCB Info applies. */
        if (cc_cert_parse_bundle(q.pck_chain, q.pck_chain_size, CC_CERT_BUNDLE_MAX, &chain) < 0 ||
            tdx_pck_info(sk_X509_value(chain, 0), &info) < 0)
                die("PCK", -EBADMSG);
        tdx_test_chain_make(&info, &tdx_chain);

        (void) snprintf(path, sizeof path, "%s/tdx/dcap-qvl/tdx_quote_collateral.json", data ?: ".");
        if (read_full_file(path, TDX_COLLATERAL_SIZE_MAX, &coll, &n) < 0 || !(root = json_tokener_parse((const char *) coll)))
                die(path, -EBADMSG);
        tcb = fresh_document(root, "tcb_info");
        qe = fresh_document(root, "qe_identity");
        json_object_put(root);
        text = tdx_test_collateral(&tdx_chain, tcb, qe, time(NULL), (TdxTestRevocations) {});
        mkdirs(dir, "collateral/tdx");
        (void) snprintf(name, sizeof name, "collateral/tdx/%02x%02x%02x%02x%02x%02x.json",
                        info.fmspc[0], info.fmspc[1], info.fmspc[2], info.fmspc[3], info.fmspc[4], info.fmspc[5]);
        write_file(dir, name, text, strlen(text));
        write_pem(dir, "tdx-root.pem", tdx_chain.root, NULL);

        mrtd = hex_encode(q.body.mrtd, sizeof q.body.mrtd);
        n = (size_t) snprintf(policy, sizeof policy,
                              "{\"mrtd\": [\"%s\"], \"allow_debug\": false, \"min_tcb_status\": \"SWHardeningNeeded\"}\n", mrtd);
        write_file(dir, "tdx-policy.json", policy, n);
}

typedef struct Result {
        long create, evidence;
        char evaluation[16], reason[64], id[128], error_code[64], error_detail[256];
} Result;

static void copy_string(char *dst, size_t size, const char *s) {
        (void) snprintf(dst, size, "%s", s ?: "");
}

static void read_answer(const char *body, Result *r) {
        _cleanup_json_ json_object *j = body ? json_tokener_parse(body) : NULL;

        copy_string(r->evaluation, sizeof r->evaluation, SIM_DIG_STRING(j, "data", "attributes", "evaluation"));
        copy_string(r->reason, sizeof r->reason, SIM_DIG_STRING(j, "data", "attributes", "failure_reason"));
        copy_string(r->id, sizeof r->id, SIM_DIG_STRING(j, "data", "attributes", "failures", "0", "id"));
        copy_string(r->error_code, sizeof r->error_code, SIM_DIG_STRING(j, "errors", "0", "code"));
        copy_string(r->error_detail, sizeof r->error_detail, SIM_DIG_STRING(j, "errors", "0", "detail"));
}

typedef struct Pending {
        PushRequest req;
        char location[512];
        PushEvidenceKind kind;
} Pending;

/* POST the capabilities (offering cc_type unless NULL) after the interval; 201 fills p. */
static long create(SimClient *c, SimAgent *a, const char *cc_type, Pending *p, Result *ret) {
        SimNode *n = a->node;
        _cleanup_free_ char *name = hex_encode(n->ak_name, sizeof n->ak_name), *body = NULL;
        uint16_t bank = TPM2_ALG_SHA256;
        char path[256];
        SimResponse r = {};
        int e;

        PushCapabilities caps = {
                .banks = &bank, .n_banks = 1, .signature_scheme = "ecdsa", .key_algorithm = "ecc", .key_size = 256,
                .ak_hash = "sha256", .ak_name_hex = name, .ak_public = n->ak_tpm.data + 2, .ak_public_size = n->ak_tpm.size - 2,
                .boot_time_usec = n->boot_time * 1000000ULL,
                .cc_type = cc_type, .cc_provider = cc_type && strcmp(cc_type, "tdx") == 0 ? "tdx_guest" : "sev_guest",
        };
        body = push_capabilities_body(&caps);
        assert_non_null(body);
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations", n->id);
        for (int tries = 0; tries < 20; tries++) {
                sim_response_done(&r);
                e = sim_http(c, "POST", path, a->token, body, &r);
                if (e < 0)
                        die("POST attestations", e);
                if (r.status != 429)
                        break;
                sleep_ms(r.retry_after * 1000u);
        }
        *ret = (Result) { .create = r.status };
        if (r.status != 201) {
                read_answer(r.body, ret);
                sim_response_done(&r);
                return ret->create;
        }
        e = push_capabilities_answer_parse(r.body, strlen(r.body), &p->req);
        CHECK(e >= 0, "capabilities answer does not parse: %s", r.body);
        copy_string(p->location, sizeof p->location, r.location);
        p->kind = _PUSH_EVIDENCE_MAX;
        for (size_t i = 0; i < p->req.n_items; i++)
                if (p->req.order[i] == PUSH_EVIDENCE_SEV_SNP || p->req.order[i] == PUSH_EVIDENCE_TDX)
                        p->kind = p->req.order[i];
        sim_response_done(&r);
        return ret->create;
}

/* PATCH the evidence: a quote over the challenge, the report from the tree. */
static void send_evidence(SimClient *c, SimAgent *a, const char *tsm, const Pending *p, Mode m, Result *ret) {
        _cleanup_free_ uint8_t *blob = NULL;
        _cleanup_free_ char *body = NULL;
        CcCollected cc = {};
        SimBuf att, sig;
        SimResponse r = {};
        size_t blob_size;
        int e;

        atomic_store(&mode, m);
        e = sim_node_quote(a->node, p->req.challenge, p->req.challenge_size, p->req.pcr_mask, NULL, &att, &sig,
                           &blob, &blob_size);
        if (e < 0)
                die("quote", e);
        if (p->kind != _PUSH_EVIDENCE_MAX) {
                e = push_cc_collect(tsm, NULL, &p->req, p->kind, &cc);
                if (e < 0)
                        die("configfs-tsm report", e);
        }
        body = push_evidence_body(&(PushEvidence) {
                        .request = &p->req,
                        .quote_attest = att.data, .quote_attest_size = att.size,
                        .quote_signature = sig.data, .quote_signature_size = sig.size,
                        .pcr_blob = blob, .pcr_blob_size = blob_size,
                        .cc_report = cc.report, .cc_report_size = cc.report_size,
                        .cc_cert = cc.cert, .cc_cert_size = cc.cert_size,
                });
        cc_collected_done(&cc);
        assert_non_null(body);
        e = sim_http(c, "PATCH", p->location, a->token, body, &r);
        if (e < 0)
                die("PATCH evidence", e);
        ret->evidence = r.status;
        read_answer(r.body, ret);
        sim_response_done(&r);
}

static Result attest(SimClient *c, SimAgent *a, const char *tsm, const char *cc_type, Mode m) {
        Pending p = {};
        Result r;

        if (create(c, a, cc_type, &p, &r) == 201)
                send_evidence(c, a, tsm, &p, m, &r);
        return r;
}

static void expect_pass(const Result *r, const char *what) {
        CHECK(r->create == 201 && r->evidence == 202 && strcmp(r->evaluation, "pass") == 0,
              "%s: %ld/%ld evaluation '%s' %s %s %s %s", what, r->create, r->evidence, r->evaluation, r->reason, r->id,
              r->error_code, r->error_detail);
}

static void expect_fail(const Result *r, const char *reason, const char *id, const char *what) {
        CHECK(r->evidence == 202 && strcmp(r->evaluation, "fail") == 0 && strcmp(r->reason, reason) == 0 &&
              strcmp(r->id, id) == 0,
              "%s: %ld/%ld evaluation '%s' reason '%s' id '%s' (want %s %s) %s", what, r->create, r->evidence,
              r->evaluation, r->reason, r->id, reason, id, r->error_detail);
}

/* How many attestations the node has, and the latest's evaluation. */
static size_t history(SimClient *c, SimAgent *a, char *latest, size_t size) {
        char path[256];
        SimResponse r = {};
        size_t n = 0;

        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations", a->node->id);
        if (sim_http(c, "GET", path, a->token, NULL, &r) >= 0 && r.status == 200) {
                _cleanup_json_ json_object *j = json_tokener_parse(r.body);
                json_object *d = json_object_object_get(j, "data");
                n = json_object_is_type(d, json_type_array) ? json_object_array_length(d) : 0;
        }
        sim_response_done(&r);
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations/latest", a->node->id);
        if (sim_http(c, "GET", path, a->token, NULL, &r) >= 0 && r.status == 200) {
                _cleanup_json_ json_object *j = json_tokener_parse(r.body);
                copy_string(latest, size, SIM_DIG_STRING(j, "data", "attributes", "evaluation"));
        }
        sim_response_done(&r);
        return n;
}

/* A malformed report: 400 with a JSON error, no attestation stored, the
 * challenge still open; the same attestation then passes with a good report. */
static void malformed(SimClient *c, SimAgent *a, const char *tsm, const char *cc_type, const char *what) {
        char before[16] = "", after[16] = "";
        size_t n_before = history(c, a, before, sizeof before), n_after;
        Pending p = {};
        Result r;

        CHECK(create(c, a, cc_type, &p, &r) == 201, "%s: create %ld", what, r.create);
        send_evidence(c, a, tsm, &p, MODE_SHORT, &r);
        CHECK(r.evidence == 400 && strcmp(r.error_code, "invalid_evidence") == 0 && strstr(r.error_detail, "malformed"),
              "%s: %ld code '%s' detail '%s'", what, r.evidence, r.error_code, r.error_detail);
        n_after = history(c, a, after, sizeof after);
        CHECK(n_after == n_before && strcmp(before, after) == 0, "%s: attestations %zu → %zu, latest %s → %s", what,
              n_before, n_after, before, after);
        send_evidence(c, a, tsm, &p, MODE_GOOD, &r);
        CHECK(r.evidence == 202 && strcmp(r.evaluation, "pass") == 0, "%s: the open attestation afterwards: %ld %s %s",
              what, r.evidence, r.evaluation, r.id);
}

static void setup(SimClient *c, SimAgent *a, const char *id) {
        const char *step;
        int e = sim_agent_setup(c, a, id, &uefi, &step);

        if (e < 0)
                die(step, e);
}

static void hook(const char *what, const char *id) {
        const char *h = getenv("CVM_HOOK");
        char cmd[1024];

        if (!h)
                return;
        (void) snprintf(cmd, sizeof cmd, "%s %s %s", h, what, id);
        CHECK(system(cmd) == 0, "hook %s %s failed", what, id);
}

static void snp_node(SimClient *c, const char *tsm) {
        SimAgent a = {};
        Result r;

        setup(c, &a, "cvm-snp-1");
        r = attest(c, &a, tsm, NULL, MODE_GOOD);
        CHECK(r.create == 422 && strstr(r.error_detail, "sev-snp"), "snp: no report offered: %ld '%s'", r.create,
              r.error_detail);
        expect_pass((r = attest(c, &a, tsm, "sev-snp", MODE_GOOD), &r), "snp: good report");
        expect_fail((r = attest(c, &a, tsm, "sev-snp", MODE_DEBUG), &r), "policy_violation", "snp.debug", "snp: debug");
        expect_fail((r = attest(c, &a, tsm, "sev-snp", MODE_MEASUREMENT), &r), "policy_violation", "snp.measurement",
                    "snp: measurement");
        expect_fail((r = attest(c, &a, tsm, "sev-snp", MODE_STALE), &r), "broken_evidence_chain",
                    "validation.sev_snp.binding_mismatch", "snp: stale nonce");
        expect_fail((r = attest(c, &a, tsm, "sev-snp", MODE_FOREIGN), &r), "broken_evidence_chain",
                    "validation.sev_snp.chain_untrusted", "snp: untrusted chain");
        malformed(c, &a, tsm, "sev-snp", "snp: truncated report");
        expect_pass((r = attest(c, &a, tsm, "sev-snp", MODE_GOOD), &r), "snp: good again");
        sim_node_free(a.node);
}

static void tdx_node(SimClient *c, const char *tsm) {
        SimAgent a = {};
        Result r;

        setup(c, &a, "cvm-tdx-1");
        hook("tdx", a.node->id);
        expect_pass((r = attest(c, &a, tsm, "tdx", MODE_GOOD), &r), "tdx: good quote");
        expect_fail((r = attest(c, &a, tsm, "tdx", MODE_DEBUG), &r), "policy_violation", "tdx.debug", "tdx: debug");
        expect_fail((r = attest(c, &a, tsm, "tdx", MODE_MEASUREMENT), &r), "policy_violation", "tdx.mrtd", "tdx: MRTD");
        expect_fail((r = attest(c, &a, tsm, "tdx", MODE_STALE), &r), "broken_evidence_chain",
                    "validation.tdx.binding_mismatch", "tdx: stale nonce");
        malformed(c, &a, tsm, "tdx", "tdx: truncated quote");
        sim_node_free(a.node);
}

int main(int argc, char *argv[]) {
        SimClient *c = NULL;
        char tsm_snp[600], tsm_tdx[600];
        int e;

        if (argc == 3 && strcmp(argv[1], "provider") == 0) {
                snp_trust(argv[2]);
                tdx_trust(argv[2]);
                (void) provider_start(argv[2], "tsm-snp", false, true);
                (void) provider_start(argv[2], "tsm-tdx", true, true);
                write_file(argv[2], "ready", "", 0);
                for (;;)
                        pause();
        }
        if (argc != 4 || strcmp(argv[1], "run") != 0) {
                fprintf(stderr, "Usage: cvm-client run URL DIR | cvm-client provider DIR\n");
                return 2;
        }
        e = sim_uefi_load(SIM_UEFI_LOG, &uefi);
        if (e < 0)
                die(SIM_UEFI_LOG, e);
        snp_trust(argv[3]);
        tdx_trust(argv[3]);
        (void) provider_start(argv[3], "tsm-snp", false, false);
        (void) provider_start(argv[3], "tsm-tdx", true, false);
        (void) snprintf(tsm_snp, sizeof tsm_snp, "%s/tsm-snp", argv[3]);
        (void) snprintf(tsm_tdx, sizeof tsm_tdx, "%s/tsm-tdx", argv[3]);
        write_file(argv[3], "ready", "", 0);

        e = sim_client_new(argv[2], &c);
        if (e < 0)
                die("client", e);
        for (int i = 0; i < 300; i++) {
                SimResponse r = {};
                e = sim_http(c, "GET", "/version", NULL, NULL, &r);
                long status = r.status;
                sim_response_done(&r);
                if (e >= 0 && status == 200)
                        break;
                sleep_ms(100);
        }
        snp_node(c, tsm_snp);
        tdx_node(c, tsm_tdx);
        sim_client_free(c);
        return failures > 0 ? 1 : 0;
}
