/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Evaluation of a boot (BootState) against a reference state (BootPolicy). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot-policy.h"
#include "efi-decode.h"
#include "hexdecode.h"

#define NONE "(none)"

static bool in_list(const BootDigestList *l, const uint8_t *d, size_t size) {
        for (size_t i = 0; i < l->n; i++)
                if (memcmp(l->digests[i], d, size) == 0)
                        return true;
        return false;
}

/* "one of a, b, c" for a list of alternatives. */
static char *list_string(const BootDigestList *l, size_t size) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        fputs(l->n == 1 ? "" : l->n == 0 ? "nothing (empty list)" : "one of ", f);
        for (size_t i = 0; i < l->n; i++) {
                _cleanup_free_ char *h = hex_encode(l->digests[i], size);
                fprintf(f, "%s%s", i ? ", " : "", h ? h : "?");
        }
        fclose(f);
        return buf;
}

static int fail_digest(BootFailures *f, const char *id, const char *expected, const uint8_t *d, size_t size, int64_t ev) {
        _cleanup_free_ char *h = d ? hex_encode(d, size) : NULL;
        return boot_failures_add(f, id, expected, d ? (h ? h : "?") : NONE, ev);
}

/* Ordered digests of the log against one alternative; counts equal positions. */
static size_t count_equal(const BootMeasurement *m, size_t n, const BootDigestList *l, size_t size) {
        size_t k = 0;
        for (size_t i = 0; i < MIN(n, l->n); i++)
                k += memcmp(m[i].digest, l->digests[i], size) == 0;
        return k;
}

static int compare_ordered(BootFailures *f, const char *id, const BootMeasurement *m, size_t n,
                           const BootDigestList *l, size_t size) {
        int r = 0;
        for (size_t i = 0; i < MAX(n, l->n) && r >= 0; i++) {
                _cleanup_free_ char *exp = i < l->n ? hex_encode(l->digests[i], size) : strdup(NONE);
                if (i < n && i < l->n && memcmp(m[i].digest, l->digests[i], size) == 0)
                        continue;
                r = fail_digest(f, id, exp ? exp : "?", i < n ? m[i].digest : NULL, size,
                                i < n ? (int64_t) m[i].event : -1);
        }
        return r;
}

static int eval_firmware(const BootPolicy *p, const BootState *s, BootFailures *f) {
        size_t size = p->alg->size, best = 0, best_score = 0;

        if (p->n_firmware == 0)
                return boot_failures_add(f, "mb.firmware", "nothing (empty list)", "firmware measurements", -1);
        for (size_t i = 0; i < p->n_firmware; i++) {
                const BootPolicyFirmware *a = p->firmware + i;
                size_t score = count_equal(s->scrtm, s->n_scrtm, &a->scrtm, size) +
                               count_equal(s->blobs, s->n_blobs, &a->blobs, size);
                if (a->scrtm.n == s->n_scrtm && a->blobs.n == s->n_blobs && score == s->n_scrtm + s->n_blobs)
                        return 0;
                if (score > best_score) {
                        best = i;
                        best_score = score;
                }
        }
        if (compare_ordered(f, "mb.scrtm", s->scrtm, s->n_scrtm, &p->firmware[best].scrtm, size) < 0)
                return -ENOMEM;
        return compare_ordered(f, "mb.firmware_blob", s->blobs, s->n_blobs, &p->firmware[best].blobs, size);
}

static bool signature_in(const BootSignature *sorted, size_t n, const BootSignature *s) {
        return n > 0 && bsearch(s, sorted, n, sizeof(BootSignature), boot_signature_compare);
}

static char *signature_string(const BootSignature *s) {
        const char *type = efi_signature_type_name(s->type);
        char guid[EFI_GUID_STRING_MAX], *ret = NULL;
        _cleanup_free_ char *h = hex_encode(s->digest, s->digest_size);

        efi_guid_to_string(s->type, guid);
        if (asprintf(&ret, "%s:%s", type ? type : guid, h ? h : "?") < 0)
                return NULL;
        return ret;
}

/* Every entry the variable holds must be allowed. */
static int eval_allowed(const char *id, const char *name, const BootPolicySignatures *l, const BootSignatureDb *db,
                        BootFailures *f) {
        _cleanup_free_ char *exp = NULL;

        if (!l->set)
                return 0;
        if (asprintf(&exp, "an entry of the policy's %s list", name) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < db->n_entries; i++) {
                _cleanup_free_ char *act = NULL;
                if (signature_in(l->entries, l->n_entries, db->entries + i))
                        continue;
                act = signature_string(db->entries + i);
                if (!act || boot_failures_add(f, id, exp, act, (int64_t) db->event) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Every forbidden entry of the policy must be in the measured dbx (sorted). */
static int eval_dbx(const BootPolicy *p, const BootState *s, const BootSignature *dbx, BootFailures *f) {
        if (!p->dbx.set)
                return 0;
        for (size_t i = 0; i < p->dbx.n_entries; i++) {
                const BootSignature *want = p->dbx.entries + i;
                _cleanup_free_ char *exp = NULL;

                if (signature_in(dbx, s->dbx.n_entries, want))
                        continue;
                exp = signature_string(want);
                if (!exp || boot_failures_add(f, "mb.dbx", exp, "absent from the measured dbx",
                                              s->dbx.measured ? (int64_t) s->dbx.event : -1) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* A boot application whose Authenticode hash the dbx revokes. */
static int eval_revoked_apps(const BootState *s, const BootSignature *dbx, BootFailures *f) {
        BootSignature key = { .digest_size = 32 };

        if (s->alg->tpm_alg_id != TPM2_ALG_ID_SHA256 || efi_signature_type_from_name("sha256", key.type) < 0)
                return 0;
        for (size_t i = 0; i < s->n_apps; i++) {
                memcpy(key.digest, s->apps[i].digest, 32);
                if (!signature_in(dbx, s->dbx.n_entries, &key))
                        continue;
                if (fail_digest(f, "mb.boot_app_revoked", "not in dbx", s->apps[i].digest, 32,
                                (int64_t) s->apps[i].event) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int eval_stages(const BootPolicy *p, const BootState *s, BootFailures *f) {
        size_t size = p->alg->size;

        for (size_t i = 0; i < MAX(p->n_stages, s->n_apps); i++) {
                _cleanup_free_ char *list = NULL, *exp = NULL;
                int r;

                if (i >= p->n_stages) {
                        r = fail_digest(f, "mb.boot_app_unexpected", "no further boot application",
                                        s->apps[i].digest, size, (int64_t) s->apps[i].event);
                } else {
                        list = list_string(&p->stages[i].digests, size);
                        if (!list || asprintf(&exp, "%s: %s", p->stages[i].name, list) < 0)
                                return -ENOMEM;
                        if (i >= s->n_apps && p->stages[i].optional)
                                r = 0;
                        else if (i >= s->n_apps)
                                r = boot_failures_add(f, "mb.boot_app_missing", exp, NONE, -1);
                        else if (!in_list(&p->stages[i].digests, s->apps[i].digest, size))
                                r = fail_digest(f, "mb.boot_app_digest", exp, s->apps[i].digest, size,
                                                (int64_t) s->apps[i].event);
                        else
                                r = 0;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int eval_kernel(const BootPolicy *p, const BootState *s, BootFailures *f) {
        size_t size = p->alg->size;
        const BootPolicyKernel *k = NULL;
        BootDigestList all = {};
        int r = 0;

        for (size_t i = 0; i < p->n_kernels; i++) {
                const BootPolicyKernel *a = p->kernels + i;
                if (a->has_kernel && (!s->has_kernel || memcmp(a->kernel, s->kernel.digest, size) != 0))
                        continue;
                k = a;   /* prefer the alternative whose command line matches too */
                if (!a->cmdline || (s->cmdline && strcmp(a->cmdline, s->cmdline) == 0))
                        break;
        }
        if (!k) {
                _cleanup_free_ char *exp = NULL;
                all.digests = calloc(p->n_kernels ? p->n_kernels : 1, sizeof(*all.digests));
                if (!all.digests)
                        return -ENOMEM;
                for (size_t i = 0; i < p->n_kernels; i++)
                        if (p->kernels[i].has_kernel)
                                memcpy(all.digests[all.n++], p->kernels[i].kernel, size);
                exp = list_string(&all, size);
                free(all.digests);
                if (!exp)
                        return -ENOMEM;
                return fail_digest(f, "mb.kernel_digest", exp, s->has_kernel ? s->kernel.digest : NULL, size,
                                   s->has_kernel ? (int64_t) s->kernel.event : -1);
        }
        for (size_t i = 0; i < s->n_initrds && r >= 0; i++) {
                _cleanup_free_ char *exp = NULL;
                if (in_list(&k->initrds, s->initrds[i].digest, size))
                        continue;
                exp = list_string(&k->initrds, size);
                r = exp ? fail_digest(f, "mb.initrd_digest", exp, s->initrds[i].digest, size,
                                      (int64_t) s->initrds[i].event) : -ENOMEM;
        }
        if (r >= 0 && k->cmdline && (!s->cmdline || strcmp(k->cmdline, s->cmdline) != 0))
                r = boot_failures_add(f, "mb.kernel_cmdline", k->cmdline, s->cmdline ? s->cmdline : NONE,
                                      s->cmdline ? (int64_t) s->cmdline_event : -1);
        return r;
}

/* Every measurement of the MOK list must be one of the policy's. */
static int eval_mok(const char *id, const BootDigestList *l, const BootMeasurement *m, size_t n, size_t size,
                    BootFailures *f) {
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *exp = NULL;
                if (in_list(l, m[i].digest, size))
                        continue;
                exp = list_string(l, size);
                if (!exp || fail_digest(f, id, exp, m[i].digest, size, (int64_t) m[i].event) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int copy_problems(const BootState *s, BootFailures *f) {
        for (size_t i = 0; i < s->problems.n; i++) {
                const BootFailure *x = s->problems.items + i;
                if (boot_failures_add(f, x->id, x->expected, x->actual, x->event) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static BootSignature *memdup_sorted(const BootSignature *a, size_t n) {
        BootSignature *c = malloc(n * sizeof(BootSignature));
        if (!c)
                return NULL;
        memcpy(c, a, n * sizeof(BootSignature));
        qsort(c, n, sizeof(BootSignature), boot_signature_compare);
        return c;
}

static int evaluate_state(const BootPolicy *p, const BootState *s, BootFailures *f) {
        int r;

        r = copy_problems(s, f);
        if (r >= 0 && p->has_firmware)
                r = eval_firmware(p, s, f);
        if (r >= 0 && p->secure_boot == 1 && s->secure_boot != 1)
                r = boot_failures_add(f, "mb.secure_boot", "enabled", s->secure_boot < 0 ? "not measured" : "disabled",
                                      s->secure_boot < 0 ? -1 : (int64_t) s->secure_boot_event);
        if (r >= 0 && p->secure_boot == 2 && s->secure_boot == 1)
                r = boot_failures_add(f, "mb.secure_boot", "disabled", "enabled", (int64_t) s->secure_boot_event);
        if (r >= 0)
                r = eval_allowed("mb.pk", "pk", &p->pk, &s->pk, f);
        if (r >= 0)
                r = eval_allowed("mb.kek", "kek", &p->kek, &s->kek, f);
        if (r >= 0)
                r = eval_allowed("mb.db", "db", &p->db, &s->db, f);
        if (r >= 0 && s->dbx.n_entries > 0) {
                _cleanup_free_ BootSignature *dbx = memdup_sorted(s->dbx.entries, s->dbx.n_entries);
                if (!dbx)
                        return -ENOMEM;
                r = eval_dbx(p, s, dbx, f);
                if (r >= 0)
                        r = eval_revoked_apps(s, dbx, f);
        } else if (r >= 0)
                r = eval_dbx(p, s, NULL, f);
        if (r >= 0 && p->has_stages)
                r = eval_stages(p, s, f);
        if (r >= 0 && p->has_kernels)
                r = eval_kernel(p, s, f);
        if (r >= 0 && p->has_moklist)
                r = eval_mok("mb.moklist", &p->moklist, s->moklist, s->n_moklist, p->alg->size, f);
        if (r >= 0 && p->has_moklistx)
                r = eval_mok("mb.moklistx", &p->moklistx, s->moklistx, s->n_moklistx, p->alg->size, f);
        return r;
}

int boot_policy_evaluate(const BootPolicy *p, const TcgEventLog *log, BootFailures *ret) {
        return boot_policy_evaluate_notices(p, log, ret, NULL);
}

int boot_policy_evaluate_notices(const BootPolicy *p, const TcgEventLog *log, BootFailures *ret,
                                 BootFailures *ret_notices) {
        BootState s;
        size_t before;
        int r;

        assert_return(p && log && ret, -EINVAL);
        r = boot_state_extract_quirks(log, p->alg, p->quirks, &s);
        if (r < 0)
                return r;
        before = ret->n;
        r = evaluate_state(p, &s, ret);
        for (size_t i = 0; r >= 0 && ret_notices && i < s.notices.n; i++) {
                const BootFailure *x = s.notices.items + i;
                r = boot_failures_add(ret_notices, x->id, x->expected, x->actual, x->event);
        }
        boot_state_done(&s);
        if (r < 0)
                return r;
        return (int) (ret->n - before);
}
