/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What an event log says about a boot, read in one bank. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot-policy.h"
#include "cursor.h"
#include "efi-decode.h"
#include "hexdecode.h"

/* 8be4df61-93ca-11d2-aa0d-00e098032b8c and d719b2cb-3d3a-4596-a3bc-dad00e67656f */
static const uint8_t efi_global_variable[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
static const uint8_t efi_image_security[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };
#define KERNEL_CMDLINE       "kernel_cmdline: "
#define LINUX_INITRD_TAG     UINT32_C(0x8F3B22EC)   /* EV_EVENT_TAG of the kernel's initrd measurement */

int boot_failures_add(BootFailures *f, const char *id, const char *expected, const char *actual, int64_t event) {
        BootFailure *n, *x;

        n = reallocarray(f->items, f->n + 1, sizeof(BootFailure));
        if (!n)
                return -ENOMEM;
        f->items = n;
        x = n + f->n;
        *x = (BootFailure) {
                .id = strdup(id),
                .expected = strdup(expected ? expected : ""),
                .actual = strdup(actual ? actual : ""),
                .event = event,
        };
        if (!x->id || !x->expected || !x->actual) {
                free(x->id);
                free(x->expected);
                free(x->actual);
                return -ENOMEM;
        }
        f->n++;
        return 0;
}

void boot_failures_done(BootFailures *f) {
        if (!f)
                return;
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].id);
                free(f->items[i].expected);
                free(f->items[i].actual);
        }
        f->items = mfree(f->items);
        f->n = 0;
}

static void signature_db_done(BootSignatureDb *db) {
        db->entries = mfree(db->entries);
        db->n_entries = 0;
}

void boot_state_done(BootState *s) {
        if (!s)
                return;
        free(s->scrtm);
        free(s->blobs);
        signature_db_done(&s->pk);
        signature_db_done(&s->kek);
        signature_db_done(&s->db);
        signature_db_done(&s->dbx);
        for (size_t i = 0; i < s->n_apps; i++)
                free(s->apps[i].path);
        free(s->apps);
        free(s->initrds);
        free(s->cmdline);
        free(s->moklist);
        free(s->moklistx);
        boot_failures_done(&s->problems);
        boot_failures_done(&s->notices);
        *s = (BootState) {};
}

const HashAlg *boot_state_default_alg(const TcgEventLog *log) {
        const HashAlg *algs[TCG_EVENT_DIGESTS_MAX];
        size_t n = tcg_eventlog_banks(log, algs);

        for (size_t i = 0; i < n; i++)
                if (algs[i]->tpm_alg_id == TPM2_ALG_ID_SHA256)
                        return algs[i];
        return n > 0 ? algs[0] : NULL;
}

static int add_measurement(BootMeasurement **a, size_t *n, size_t event, const TcgDigest *d) {
        BootMeasurement *m = reallocarray(*a, *n + 1, sizeof(BootMeasurement));
        if (!m)
                return -ENOMEM;
        *a = m;
        m[*n] = (BootMeasurement) { .event = event };
        memcpy(m[*n].digest, d->digest, d->size);
        (*n)++;
        return 0;
}

/* Records that an event's data cannot be trusted for a decision. */
static int data_problem(BootState *s, const TcgEvent *e, size_t i, const char *what) {
        _cleanup_free_ char *hex = hex_encode(tcg_event_digest(e, s->alg->tpm_alg_id)->digest, s->alg->size);
        return boot_failures_add(&s->problems, "mb.event_data", what, hex ? hex : "", (int64_t) i);
}

static int read_signature_db(BootSignatureDb *db, const EfiVariable *v, size_t event) {
        _cleanup_free_ EfiSignature *sigs = NULL;
        size_t n;
        int r;

        r = efi_signature_lists_parse(v->data, v->data_size, &sigs, &n);
        if (r < 0)
                return r;
        signature_db_done(db);
        db->entries = calloc(n ? n : 1, sizeof(BootSignature));
        if (!db->entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                BootSignature *b = db->entries + i;
                b->event = event;
                memcpy(b->type, sigs[i].type, 16);
                memcpy(b->owner, sigs[i].owner, 16);
                b->data = sigs[i].data;
                b->data_size = sigs[i].size;
                r = efi_signature_digest(sigs + i, b->digest, &b->digest_size);
                if (r < 0)
                        return r;
                db->n_entries++;
        }
        db->measured = true;
        db->event = event;
        return 0;
}

/* The Secure Boot variables in the order the PC Client profile has firmware measure them. */
static const struct {
        const char *name;
        const uint8_t *guid;
} secure_boot_variables[] = {
        { "SecureBoot", efi_global_variable },
        { "PK",         efi_global_variable },
        { "KEK",        efi_global_variable },
        { "db",         efi_image_security },
        { "dbx",        efi_image_security },
};

/* A PCR 7 variable whose digest is not the UEFI_VARIABLE_DATA's. Older firmware
 * measures only VariableData; such a digest does not cover the name and GUID,
 * so under the quirk a variable is accepted only at its place in the order the
 * profile mandates: a log cannot relabel db as dbx. Returns 1 when the event
 * may be read, 0 when it was recorded as a problem. */
static int read_data_only(BootState *s, const TcgEvent *e, size_t i, const EfiVariable *v) {
        _cleanup_free_ char *note = NULL;
        size_t k = s->n_data_only;
        int r;

        r = tcg_event_digest_matches(e, s->alg, v->data, v->data_size);
        if (r < 0)
                return r;
        if (r == 0)
                return data_problem(s, e, i, "digest of the UEFI_VARIABLE_DATA");
        if (!(s->quirks & BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY))
                return data_problem(s, e, i, "digest of the UEFI_VARIABLE_DATA (the event holds the digest of the "
                                    "variable's data only, as older firmware measures it: see the quirk "
                                    BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME ")");
        if (k >= ELEMENTSOF(secure_boot_variables) || strcmp(v->name, secure_boot_variables[k].name) != 0 ||
            memcmp(v->guid, secure_boot_variables[k].guid, 16) != 0)
                return data_problem(s, e, i, k < ELEMENTSOF(secure_boot_variables) ?
                                    "the next of SecureBoot, PK, KEK, db, dbx (a digest of the data only does not "
                                    "cover the variable's name)" : "no further variable measured by its data only");
        s->n_data_only++;
        if (asprintf(&note, "digest of the data of %s only", secure_boot_variables[k].name) < 0)
                return -ENOMEM;
        r = boot_failures_add(&s->notices, "mb.driver_config_data_only", "digest of the UEFI_VARIABLE_DATA", note,
                              (int64_t) i);
        return r < 0 ? r : 1;
}

static int read_variable(BootState *s, const TcgEvent *e, size_t i) {
        _cleanup_(efi_variable_done) EfiVariable v = {};
        BootSignatureDb *db = NULL;
        bool global, security, whole;
        int r;

        /* PCR 7 variable events measure the whole UEFI_VARIABLE_DATA */
        r = tcg_event_digest_matches(e, s->alg, e->data, e->data_size);
        if (r < 0)
                return r;
        whole = r > 0;
        if (efi_variable_parse(e->data, e->data_size, &v) < 0)
                return data_problem(s, e, i, whole ? "a well-formed UEFI_VARIABLE_DATA" : "digest of the UEFI_VARIABLE_DATA");
        if (!whole) {
                r = read_data_only(s, e, i, &v);
                if (r <= 0)
                        return r;
        }
        global = memcmp(v.guid, efi_global_variable, 16) == 0;
        security = memcmp(v.guid, efi_image_security, 16) == 0;

        if (global && strcmp(v.name, "SecureBoot") == 0) {
                s->secure_boot = v.data_size == 1 && v.data[0] == 1;
                s->secure_boot_event = i;
                return 0;
        }
        if (global && strcmp(v.name, "PK") == 0)
                db = &s->pk;
        else if (global && strcmp(v.name, "KEK") == 0)
                db = &s->kek;
        else if (security && strcmp(v.name, "db") == 0)
                db = &s->db;
        else if (security && strcmp(v.name, "dbx") == 0)
                db = &s->dbx;
        if (!db)
                return 0;
        r = read_signature_db(db, &v, i);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return data_problem(s, e, i, "well-formed EFI_SIGNATURE_LISTs");
        return 0;
}

static int read_app(BootState *s, const TcgEvent *e, size_t i, const TcgDigest *d) {
        BootApp *a = reallocarray(s->apps, s->n_apps + 1, sizeof(BootApp));
        EfiImageLoad l;

        if (!a)
                return -ENOMEM;
        s->apps = a;
        a += s->n_apps++;
        *a = (BootApp) { .event = i };
        memcpy(a->digest, d->digest, d->size);
        if (efi_image_load_parse(e->data, e->data_size, &l) >= 0)
                (void) efi_device_path_file(l.device_path, l.device_path_size, &a->path);
        return 0;
}

static bool basename_starts(const char *path, const char *prefix) {
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        return strncmp(b, prefix, strlen(prefix)) == 0;
}

/* grub measures the files it loads into PCR 9, named by their path. */
static int read_file_measurement(BootState *s, const TcgEvent *e, size_t i, const TcgDigest *d) {
        _cleanup_free_ char *path = NULL;

        if (efi_event_string(e->data, e->data_size, &path) < 0)
                return 0;
        if (basename_starts(path, "vmlinuz") || basename_starts(path, "vmlinux") || basename_starts(path, "bzImage")) {
                s->has_kernel = true;
                s->kernel = (BootMeasurement) { .event = i };
                memcpy(s->kernel.digest, d->digest, d->size);
                s->n_initrds = 0;   /* a new kernel: initrds after it belong to it */
                return 0;
        }
        if (basename_starts(path, "initr"))
                return add_measurement(&s->initrds, &s->n_initrds, i, d);
        return 0;
}

/* shim measures its MOK lists into PCR 14 named by the event data; the digest is
 * the list's, compared against the policy, so the name only tells which list. */
static int read_mok(BootState *s, const TcgEvent *e, size_t i, const TcgDigest *d) {
        _cleanup_free_ char *name = NULL;

        if (efi_event_string(e->data, e->data_size, &name) < 0)
                return 0;
        if (strcmp(name, "MokList") == 0)
                return add_measurement(&s->moklist, &s->n_moklist, i, d);
        if (strcmp(name, "MokListX") == 0)
                return add_measurement(&s->moklistx, &s->n_moklistx, i, d);
        return 0;
}

/* grub measures "kernel_cmdline: <cmdline>" with the digest of <cmdline>. */
static int read_cmdline(BootState *s, const TcgEvent *e, size_t i) {
        size_t n = STRLEN(KERNEL_CMDLINE);
        size_t len = e->data_size;
        int r;

        if (len < n || memcmp(e->data, KERNEL_CMDLINE, n) != 0)
                return 0;
        while (len > n && e->data[len - 1] == 0)
                len--;
        r = tcg_event_digest_matches(e, s->alg, e->data + n, len - n);
        if (r < 0)
                return r;
        if (r == 0)
                return data_problem(s, e, i, "digest of the kernel command line");
        free(s->cmdline);
        s->cmdline = strndup((const char *) e->data + n, len - n);
        if (!s->cmdline)
                return -ENOMEM;
        s->cmdline_event = i;
        return 0;
}

/* systemd-stub measures the command line as UTF-16 into PCR 12, the digest
 * covering the logged string with its NUL. */
static int read_stub_cmdline(BootState *s, const TcgEvent *e, size_t i) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (efi_event_string(e->data, e->data_size, &text) < 0)
                return data_problem(s, e, i, "a kernel command line string");
        r = tcg_event_digest_matches(e, s->alg, e->data, e->data_size);
        if (r < 0)
                return r;
        if (r == 0)
                return data_problem(s, e, i, "digest of the kernel command line");
        free(s->cmdline);
        s->cmdline = TAKE_PTR(text);
        s->cmdline_event = i;
        return 0;
}

/* The kernel's own initrd measurement: a tagged event whose digest is the initrd's. */
static int read_event_tag(BootState *s, const TcgEvent *e, size_t i, const TcgDigest *d) {
        size_t o = 0;
        uint32_t tag;

        if (cursor_read_le32(e->data, e->data_size, &o, &tag) < 0 || tag != LINUX_INITRD_TAG)
                return 0;
        return add_measurement(&s->initrds, &s->n_initrds, i, d);
}

static int read_separator(BootState *s, const TcgEvent *e, size_t i) {
        static const uint8_t zero[4] = {};
        int r = tcg_event_digest_matches(e, s->alg, zero, sizeof zero);

        if (r < 0)
                return r;
        if (r == 0)
                return boot_failures_add(&s->problems, "mb.separator", "digest of 00000000",
                                         "another digest (firmware error separator?)", (int64_t) i);
        return 0;
}

static int read_event(BootState *s, const TcgEvent *e, size_t i, const TcgDigest *d) {
        if (e->pcr == 0 && (e->type == EV_S_CRTM_VERSION || e->type == EV_S_CRTM_CONTENTS))
                return add_measurement(&s->scrtm, &s->n_scrtm, i, d);
        if (e->pcr == 0 && (e->type == EV_EFI_PLATFORM_FIRMWARE_BLOB || e->type == EV_EFI_PLATFORM_FIRMWARE_BLOB2 ||
                            e->type == EV_POST_CODE))
                return add_measurement(&s->blobs, &s->n_blobs, i, d);
        if (e->pcr == 7 && e->type == EV_EFI_VARIABLE_DRIVER_CONFIG)
                return read_variable(s, e, i);
        if (e->pcr == 4 && e->type == EV_EFI_BOOT_SERVICES_APPLICATION)
                return read_app(s, e, i, d);
        if (e->pcr == 9 && e->type == EV_IPL)
                return read_file_measurement(s, e, i, d);
        if (e->pcr == 8 && e->type == EV_IPL)
                return read_cmdline(s, e, i);
        if (e->pcr == 12 && e->type == EV_IPL)
                return read_stub_cmdline(s, e, i);
        if (e->pcr == 14 && e->type == EV_IPL)
                return read_mok(s, e, i, d);
        if (e->pcr == 9 && e->type == EV_EVENT_TAG)
                return read_event_tag(s, e, i, d);
        if (e->pcr <= 7 && e->type == EV_SEPARATOR)
                return read_separator(s, e, i);
        return 0;
}

int boot_state_extract(const TcgEventLog *log, const HashAlg *alg, BootState *ret) {
        return boot_state_extract_quirks(log, alg, 0, ret);
}

int boot_state_extract_quirks(const TcgEventLog *log, const HashAlg *alg, BootQuirks quirks, BootState *ret) {
        BootState s = { .alg = alg, .quirks = quirks, .secure_boot = -1 };
        int r = 0;

        assert_return(log && alg && ret, -EINVAL);
        for (size_t i = 0; i < log->n_events && r >= 0; i++) {
                const TcgDigest *d;

                r = tcg_event_extend_digest(log->events + i, alg, &d);
                if (r > 0)
                        r = read_event(&s, log->events + i, i, d);
        }
        if (r < 0) {
                boot_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}
