/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "cc-cert.h"
#include "cc-collateral.h"
#include "cc-roots.h"
#include "fileio.h"
#include "log.h"
#include "tdx-collateral.h"

#define CC_COLLATERAL_FILES_MAX 65536u  /* files read from one subdirectory */

static const char *const status_names[_CC_ITEM_STATUS_MAX] = {
        [CC_ITEM_OK]            = "ok",
        [CC_ITEM_EXPIRING]      = "expiring",
        [CC_ITEM_EXPIRED]       = "expired",
        [CC_ITEM_NOT_YET_VALID] = "not-yet-valid",
        [CC_ITEM_INVALID]       = "invalid",
        [CC_ITEM_IGNORED]       = "ignored",
        [CC_ITEM_MISSING]       = "missing",
};

const char *cc_item_status_to_string(CcItemStatus s) {
        return (unsigned) s < _CC_ITEM_STATUS_MAX ? status_names[s] : NULL;
}

void cc_collateral_report_done(CcCollateralReport *r) {
        for (size_t i = 0; r && i < r->n; i++)
                free(r->items[i].path);
        if (r) {
                free(r->items);
                *r = (CcCollateralReport) {};
        }
}

bool cc_collateral_report_has_problems(const CcCollateralReport *r) {
        for (size_t i = 0; r && i < r->n; i++)
                if (r->items[i].status == CC_ITEM_EXPIRED || r->items[i].status == CC_ITEM_NOT_YET_VALID ||
                    r->items[i].status == CC_ITEM_INVALID || r->items[i].status == CC_ITEM_MISSING)
                        return true;
        return false;
}

_printf_(6, 7)
static int report_add(CcCollateralReport *rep, const char *path, const char *kind, CcItemStatus status,
                      time_t not_after, const char *fmt, ...) {
        CcItem *n;
        va_list ap;

        if (status == CC_ITEM_INVALID || status == CC_ITEM_IGNORED || status == CC_ITEM_EXPIRED)
                log_warning("Collateral %s (%s): %s.", path, kind, cc_item_status_to_string(status));
        if (!rep)
                return 0;
        n = reallocarray(rep->items, rep->n + 1, sizeof *n);
        if (!n)
                return -ENOMEM;
        rep->items = n;
        n = &rep->items[rep->n];
        *n = (CcItem) { .path = strdup(path), .kind = kind, .status = status, .not_after = not_after };
        if (!n->path)
                return -ENOMEM;
        va_start(ap, fmt);
        (void) vsnprintf(n->detail, sizeof n->detail, fmt, ap);
        va_end(ap);
        rep->n++;
        return 0;
}

static time_t asn1_time(const ASN1_TIME *t) {
        struct tm tm = {};

        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return 0;
        return timegm(&tm);
}

static CcItemStatus window_status(time_t not_before, time_t not_after, time_t now) {
        if (not_before && now < not_before)
                return CC_ITEM_NOT_YET_VALID;
        if (not_after && now > not_after)
                return CC_ITEM_EXPIRED;
        if (not_after && now > not_after - CC_COLLATERAL_EXPIRING_SEC)
                return CC_ITEM_EXPIRING;
        return CC_ITEM_OK;
}

static int push_ref(STACK_OF(X509) **s, X509 *x) {
        if (!*s && !(*s = sk_X509_new_null()))
                return -ENOMEM;
        if (!X509_up_ref(x))
                return -ENOMEM;
        if (!sk_X509_push(*s, x)) {
                X509_free(x);
                return -ENOMEM;
        }
        return 0;
}

/* What an AMD certificate is by AMD's naming. */
static const char *snp_cert_kind(X509 *x) {
        char cn[64];

        if (cc_cert_subject_cn(x, cn, sizeof cn) < 0)
                return NULL;
        if (cc_cert_is_self_signed(x))
                return strncmp(cn, "ARK-", 4) == 0 ? "ark" : NULL;
        if (strcmp(cn, "SEV-VCEK") == 0)
                return "vcek";
        if (strcmp(cn, "SEV-VLEK") == 0)
                return "vlek";
        if (strncmp(cn, "SEV-", 4) == 0)
                return "ask";
        return NULL;
}

static int add_snp_crl(CcTrust *t, const char *path, const uint8_t *buf, size_t size, time_t now, CcCollateralReport *rep) {
        X509_CRL *crl = NULL;
        X509_CRL **l;
        char issuer[128] = "";
        time_t last, next;

        if (cc_crl_parse(buf, size, &crl) < 0)
                return report_add(rep, path, "crl", CC_ITEM_INVALID, 0, "not a CRL");
        (void) X509_NAME_oneline(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
        last = asn1_time(X509_CRL_get0_lastUpdate(crl));
        next = asn1_time(X509_CRL_get0_nextUpdate(crl));
        l = reallocarray(t->snp_crls, t->n_snp_crls + 1, sizeof *l);
        if (!l) {
                X509_CRL_free(crl);
                return -ENOMEM;
        }
        t->snp_crls = l;
        l[t->n_snp_crls++] = crl;
        /* Kept even when stale: verification then fails closed, as it should. */
        return report_add(rep, path, "crl", window_status(last, next, now), next, "issuer %s", issuer);
}

static int add_snp_file(CcTrust *t, const char *path, time_t now, CcCollateralReport *rep) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size, len = strlen(path);
        int r;

        r = read_full_file(path, CC_CERT_FILE_MAX, &buf, &size);
        if (r < 0)
                return report_add(rep, path, "sev-snp", CC_ITEM_INVALID, 0, "unreadable: %s", strerror(-r));
        if (len > 4 && strcmp(path + len - 4, ".crl") == 0)
                return add_snp_crl(t, path, buf, size, now, rep);
        if (cc_cert_parse_bundle(buf, size, CC_CERT_BUNDLE_MAX, &certs) < 0)
                return report_add(rep, path, "sev-snp", CC_ITEM_INVALID, 0, "neither certificates nor a .crl");
        for (int i = 0; i < sk_X509_num(certs); i++) {
                X509 *x = sk_X509_value(certs, i);
                const char *kind = snp_cert_kind(x);
                time_t nb = asn1_time(X509_get0_notBefore(x)), na = asn1_time(X509_get0_notAfter(x));
                char cn[64] = "";

                (void) cc_cert_subject_cn(x, cn, sizeof cn);
                if (!kind)
                        r = report_add(rep, path, "sev-snp", CC_ITEM_INVALID, na, "%s is not an AMD SEV certificate", cn);
                else if (strcmp(kind, "ark") == 0)
                        r = report_add(rep, path, kind, CC_ITEM_IGNORED, na,
                                       "%s: anchors come from [CC] snp_trust_anchors only", cn);
                else {
                        r = push_ref(strcmp(kind, "ask") == 0 ? &t->snp_ca : &t->snp_certs, x);
                        if (r >= 0)
                                r = report_add(rep, path, kind, window_status(nb, na, now), na, "%s", cn);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static time_t crl_next(X509_CRL *c) {
        return c ? asn1_time(X509_CRL_get0_nextUpdate(c)) : 0;
}

/* The earliest end among the parts of one TDX collateral, and which part it is. */
static time_t tdx_first_end(const TdxCollateral *c, const char **ret_what) {
        const struct {
                const char *what;
                time_t t;
        } parts[] = {
                { "TCB Info",    c->tcb_info.next_update    },
                { "QE Identity", c->qe_identity.next_update },
                { "PCK CRL",     crl_next(c->pck_crl)       },
                { "root CA CRL", crl_next(c->root_ca_crl)   },
        };
        time_t best = 0;

        *ret_what = "";
        for (size_t i = 0; i < ELEMENTSOF(parts); i++)
                if (parts[i].t && (!best || parts[i].t < best)) {
                        best = parts[i].t;
                        *ret_what = parts[i].what;
                }
        return best;
}

static int add_tdx_file(CcTrust *t, const char *path, time_t now, CcCollateralReport *rep) {
        _cleanup_(tdx_collateral_freep) TdxCollateral *c = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        TdxCollateral **l;
        const char *what;
        const uint8_t *f;
        time_t end;
        size_t size;
        int r;

        r = read_full_file(path, TDX_COLLATERAL_SIZE_MAX, &buf, &size);
        if (r < 0)
                return report_add(rep, path, "tdx-collateral", CC_ITEM_INVALID, 0, "unreadable: %s", strerror(-r));
        r = tdx_collateral_parse((const char *) buf, size, &c);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return report_add(rep, path, "tdx-collateral", CC_ITEM_INVALID, 0, "not Intel collateral JSON");
        f = c->tcb_info.fmspc;
        if (cc_trust_tdx_collateral(t, f))
                return report_add(rep, path, "tdx-collateral", CC_ITEM_IGNORED, 0,
                                  "another file already holds FMSPC %02x%02x%02x%02x%02x%02x", f[0], f[1], f[2], f[3], f[4], f[5]);
        end = tdx_first_end(c, &what);
        r = report_add(rep, path, "tdx-collateral", window_status(c->tcb_info.issue_date, end, now), end,
                       "FMSPC %02x%02x%02x%02x%02x%02x, first to expire: %s", f[0], f[1], f[2], f[3], f[4], f[5], what);
        if (r < 0)
                return r;
        l = reallocarray(t->tdx_collateral, t->n_tdx_collateral + 1, sizeof *l);
        if (!l)
                return -ENOMEM;
        t->tdx_collateral = l;
        l[t->n_tdx_collateral++] = TAKE_PTR(c);
        return 0;
}

static int filter_visible(const struct dirent *de) {
        return de->d_name[0] != '.';
}

/* Every regular file of dir/sub, in name order; -ENOENT is not an error. */
static int scan(const char *dir, const char *sub, CcTrust *t, time_t now, CcCollateralReport *rep,
                int (*add)(CcTrust *, const char *, time_t, CcCollateralReport *), size_t *ret_n) {
        _cleanup_free_ char *base = NULL;
        struct dirent **names = NULL;
        int n, r = 0;

        *ret_n = 0;
        if (asprintf(&base, "%s/%s", dir, sub) < 0)
                return -ENOMEM;
        n = scandir(base, &names, filter_visible, alphasort);
        if (n < 0)
                return errno == ENOENT ? 0 : -errno;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;

                if (r >= 0 && (size_t) i >= CC_COLLATERAL_FILES_MAX)
                        r = -E2BIG;
                if (r >= 0 && asprintf(&p, "%s/%s", base, names[i]->d_name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = add(t, p, now, rep);
                free(names[i]);
        }
        free(names);
        *ret_n = (size_t) n;
        return r;
}

static int load_anchors(const char *path, const char *shipped, STACK_OF(X509) **ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t size;
        int r;

        if (!path)
                return cc_cert_parse_bundle((const uint8_t *) shipped, strlen(shipped), CC_CERT_BUNDLE_MAX, ret);
        r = read_full_file(path, CC_CERT_FILE_MAX, &buf, &size);
        if (r < 0)
                return r;
        return cc_cert_parse_bundle(buf, size, CC_CERT_BUNDLE_MAX, ret);
}

static int report_anchors(STACK_OF(X509) *s, const char *path, const char *kind, time_t now, CcCollateralReport *rep) {
        for (int i = 0; i < sk_X509_num(s); i++) {
                X509 *x = sk_X509_value(s, i);
                time_t nb = asn1_time(X509_get0_notBefore(x)), na = asn1_time(X509_get0_notAfter(x));
                char cn[64] = "";
                int r;

                (void) cc_cert_subject_cn(x, cn, sizeof cn);
                r = report_add(rep, path ?: "(shipped)", cc_cert_is_self_signed(x) ? kind : "ask",
                               window_status(nb, na, now), na, "%s", cn);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A CRL is missing for each product whose endorsement certificates the directory holds. */
static int check_crls(const CcTrust *t, CcCollateralReport *rep) {
        for (int i = 0; t->snp_certs && i < sk_X509_num(t->snp_certs); i++) {
                X509 *x = sk_X509_value(t->snp_certs, i);
                bool have = false;

                for (size_t k = 0; k < t->n_snp_crls && !have; k++)
                        for (int a = 0; t->snp_ca && a < sk_X509_num(t->snp_ca) && !have; a++) {
                                X509 *ca = sk_X509_value(t->snp_ca, a);
                                /* The CRL's issuer is the ARK that issued x's issuer. */
                                have = X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(x)) == 0 &&
                                       X509_NAME_cmp(X509_CRL_get_issuer(t->snp_crls[k]), X509_get_issuer_name(ca)) == 0;
                        }
                if (!have) {
                        char issuer[128] = "";
                        (void) X509_NAME_oneline(X509_get_issuer_name(x), issuer, sizeof issuer);
                        return report_add(rep, "sev-snp/*.crl", "crl", CC_ITEM_MISSING, 0,
                                          "no current AMD CRL for the chain of %s", issuer);
                }
        }
        return 0;
}

int cc_collateral_load(const char *directory, const char *snp_anchors, const char *tdx_anchors, time_t now,
                       CcTrust **ret_trust, CcCollateralReport *report) {
        _cleanup_(cc_trust_freep) CcTrust *t = calloc(1, sizeof *t);
        size_t n_snp = 0, n_tdx = 0;
        int r;

        if (!t)
                return -ENOMEM;
        r = load_anchors(snp_anchors, cc_amd_sev_roots_pem, &t->snp_ca);
        if (r < 0)
                return log_error_errno(r, "Failed to load the SEV-SNP trust anchors %s: %m", snp_anchors ?: "(shipped)");
        r = load_anchors(tdx_anchors, cc_intel_sgx_root_pem, &t->tdx_roots);
        if (r < 0)
                return log_error_errno(r, "Failed to load the TDX trust anchors %s: %m", tdx_anchors ?: "(shipped)");
        r = report_anchors(t->snp_ca, snp_anchors, "ark", now, report);
        if (r >= 0)
                r = report_anchors(t->tdx_roots, tdx_anchors, "intel-root", now, report);
        if (r < 0)
                return r;
        if (directory) {
                r = scan(directory, "sev-snp", t, now, report, add_snp_file, &n_snp);
                if (r >= 0)
                        r = scan(directory, "tdx", t, now, report, add_tdx_file, &n_tdx);
                if (r < 0)
                        return log_error_errno(r, "Failed to read the collateral directory %s: %m", directory);
        }
        r = check_crls(t, report);
        if (r >= 0 && !t->snp_certs)
                r = report_add(report, "sev-snp/", "sev-snp", CC_ITEM_OK, 0,
                               "no VCEK or VLEK collected: SEV-SNP nodes must send theirs");
        if (r >= 0 && t->n_tdx_collateral == 0)
                /* Missing only where the operator meant to keep some. */
                r = report_add(report, "tdx/", "tdx", n_tdx > 0 ? CC_ITEM_MISSING : CC_ITEM_OK, 0,
                               "no usable TDX collateral: TDX quotes cannot be validated");
        if (r < 0)
                return r;
        if (ret_trust)
                *ret_trust = TAKE_PTR(t);
        return 0;
}
