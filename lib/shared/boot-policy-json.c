/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "boot-policy-json.h"
#include "efi-decode.h"
#include "hexdecode.h"
#include "tcg-eventlog-json.h"

static json_object *hex_string(const uint8_t *d, size_t size) {
        _cleanup_free_ char *h = hex_encode(d, size);
        return h ? json_object_new_string(h) : NULL;
}

static json_object *digest_array(const BootMeasurement *m, size_t n, size_t size) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, hex_string(m[i].digest, size));
        return a;
}

static json_object *signatures(const BootSignatureDb *db) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < db->n_entries; i++) {
                const BootSignature *s = db->entries + i;
                const char *type = efi_signature_type_name(s->type);
                char guid[EFI_GUID_STRING_MAX];
                json_object *o = json_object_new_object();

                efi_guid_to_string(s->type, guid);
                json_object_object_add(o, "type", json_object_new_string(type ? type : guid));
                efi_guid_to_string(s->owner, guid);
                json_object_object_add(o, "owner", json_object_new_string(guid));
                json_object_object_add(o, "digest", hex_string(s->digest, s->digest_size));
                if (s->data && efi_signature_is_x509(s->type)) {
                        _cleanup_free_ char *subject = NULL;
                        if (efi_x509_subject(s->data, s->data_size, &subject) >= 0)
                                json_object_object_add(o, "subject", json_object_new_string(subject));
                }
                json_object_array_add(a, o);
        }
        return a;
}

static const char *stage_name(const BootApp *a, size_t i, size_t n) {
        static const struct { const char *needle, *name; } known[] = {
                { "shim", "shim" }, { "grub", "grub" }, { "systemd-boot", "systemd-boot" },
                { "bootmgfw", "windows-boot-manager" }, { "mmx64", "mokmanager" },
        };
        if (a->path)
                for (size_t k = 0; k < ELEMENTSOF(known); k++)
                        if (strcasestr(a->path, known[k].needle))
                                return known[k].name;
        return i + 1 == n && n > 1 ? "kernel" : "application";
}

static json_object *stages(const BootState *s) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < s->n_apps; i++) {
                json_object *o = json_object_new_object(), *d = json_object_new_array();
                json_object_object_add(o, "stage", json_object_new_string(stage_name(s->apps + i, i, s->n_apps)));
                if (s->apps[i].path)
                        json_object_object_add(o, "path", json_object_new_string(s->apps[i].path));
                json_object_array_add(d, hex_string(s->apps[i].digest, s->alg->size));
                json_object_object_add(o, "digests", d);
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *quirk_names(BootQuirks q) {
        json_object *a = json_object_new_array();
        if (a && (q & BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY))
                json_object_array_add(a, json_object_new_string(BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME));
        return a;
}

int boot_state_to_policy_json(const BootState *s, json_object **ret) {
        json_object *o = json_object_new_object(), *fw, *alt;
        size_t size = s->alg->size;

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "version", json_object_new_int(1));
        json_object_object_add(o, "hash_alg", json_object_new_string(s->alg->name));
        fw = json_object_new_array();
        alt = json_object_new_object();
        json_object_object_add(alt, "scrtm", digest_array(s->scrtm, s->n_scrtm, size));
        json_object_object_add(alt, "blobs", digest_array(s->blobs, s->n_blobs, size));
        json_object_array_add(fw, alt);
        json_object_object_add(o, "firmware", fw);
        json_object_object_add(o, "secure_boot", json_object_new_boolean(s->secure_boot == 1));
        json_object_object_add(o, "pk", signatures(&s->pk));
        json_object_object_add(o, "kek", signatures(&s->kek));
        json_object_object_add(o, "db", signatures(&s->db));
        json_object_object_add(o, "dbx", signatures(&s->dbx));
        json_object_object_add(o, "boot_applications", stages(s));
        if (s->has_kernel || s->n_initrds > 0 || s->cmdline) {
                json_object *k = json_object_new_array(), *x = json_object_new_object();
                if (s->has_kernel)
                        json_object_object_add(x, "kernel", hex_string(s->kernel.digest, size));
                json_object_object_add(x, "initrd", digest_array(s->initrds, s->n_initrds, size));
                if (s->cmdline)
                        json_object_object_add(x, "cmdline", json_object_new_string(s->cmdline));
                json_object_array_add(k, x);
                json_object_object_add(o, "kernels", k);
        }
        /* Only a quirk the log needed: the reference state accepts no more than this boot. */
        if (s->notices.n > 0)
                json_object_object_add(o, "quirks", quirk_names(BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY));
        *ret = o;
        return 0;
}

int boot_failures_to_json(const BootFailures *f, json_object **ret) {
        json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
                const BootFailure *x = f->items + i;
                json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_string(x->id));
                json_object_object_add(o, "expected", json_object_new_string(x->expected));
                json_object_object_add(o, "actual", json_object_new_string(x->actual));
                json_object_object_add(o, "event", x->event >= 0 ? json_object_new_int64(x->event) : NULL);
                json_object_array_add(a, o);
        }
        *ret = a;
        return 0;
}

static json_object *digest_list(const BootDigestList *l, size_t size) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < l->n; i++)
                json_object_array_add(a, hex_string(l->digests[i], size));
        return a;
}

static void add_signatures(json_object *o, const char *key, const BootPolicySignatures *l) {
        json_object *a;

        if (!l->set)
                return;
        a = json_object_new_array();
        for (size_t i = 0; a && i < l->n_entries; i++) {
                const char *type = efi_signature_type_name(l->entries[i].type);
                char guid[EFI_GUID_STRING_MAX];
                json_object *e = json_object_new_object();

                efi_guid_to_string(l->entries[i].type, guid);
                json_object_object_add(e, "type", json_object_new_string(type ? type : guid));
                json_object_object_add(e, "digest", hex_string(l->entries[i].digest, l->entries[i].digest_size));
                json_object_array_add(a, e);
        }
        json_object_object_add(o, key, a);
}

int boot_policy_to_json(const BootPolicy *p, json_object **ret) {
        json_object *o = json_object_new_object(), *a;
        size_t size = p->alg->size;

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "version", json_object_new_int(1));
        json_object_object_add(o, "hash_alg", json_object_new_string(p->alg->name));
        if (p->has_firmware) {
                a = json_object_new_array();
                for (size_t i = 0; i < p->n_firmware; i++) {
                        json_object *alt = json_object_new_object();
                        json_object_object_add(alt, "scrtm", digest_list(&p->firmware[i].scrtm, size));
                        json_object_object_add(alt, "blobs", digest_list(&p->firmware[i].blobs, size));
                        json_object_array_add(a, alt);
                }
                json_object_object_add(o, "firmware", a);
        }
        if (p->secure_boot == 2)
                json_object_object_add(o, "secure_boot", json_object_new_string("disabled"));
        else if (p->secure_boot >= 0)
                json_object_object_add(o, "secure_boot", json_object_new_boolean(p->secure_boot));
        add_signatures(o, "pk", &p->pk);
        add_signatures(o, "kek", &p->kek);
        add_signatures(o, "db", &p->db);
        add_signatures(o, "dbx", &p->dbx);
        if (p->has_stages) {
                a = json_object_new_array();
                for (size_t i = 0; i < p->n_stages; i++) {
                        json_object *st = json_object_new_object();
                        json_object_object_add(st, "stage", json_object_new_string(p->stages[i].name));
                        json_object_object_add(st, "digests", digest_list(&p->stages[i].digests, size));
                        if (p->stages[i].optional)
                                json_object_object_add(st, "optional", json_object_new_boolean(true));
                        json_object_array_add(a, st);
                }
                json_object_object_add(o, "boot_applications", a);
        }
        if (p->has_kernels) {
                a = json_object_new_array();
                for (size_t i = 0; i < p->n_kernels; i++) {
                        const BootPolicyKernel *k = p->kernels + i;
                        json_object *x = json_object_new_object();
                        if (k->has_kernel)
                                json_object_object_add(x, "kernel", hex_string(k->kernel, size));
                        json_object_object_add(x, "initrd", digest_list(&k->initrds, size));
                        if (k->cmdline)
                                json_object_object_add(x, "cmdline", json_object_new_string(k->cmdline));
                        json_object_array_add(a, x);
                }
                json_object_object_add(o, "kernels", a);
        }
        if (p->has_moklist)
                json_object_object_add(o, "moklist", digest_list(&p->moklist, size));
        if (p->has_moklistx)
                json_object_object_add(o, "moklistx", digest_list(&p->moklistx, size));
        if (p->quirks)
                json_object_object_add(o, "quirks", quirk_names(p->quirks));
        *ret = o;
        return 0;
}
