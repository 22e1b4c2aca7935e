/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keylime's measured-boot reference state ("keylime-policy create measured-boot"),
 * compiled into a BootPolicy with the semantics of Keylime's example policy
 * (attest-boot-policy(5), section KEYLIME REFERENCE STATES). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot-policy-keylime.h"
#include "efi-decode.h"
#include "hexdecode.h"
#include "json-parse.h"

#define FAIL(msg) do { *err = (msg); return -EBADMSG; } while (0)

static const char *const keylime_keys[] = {
        "has_secureboot", "scrtm_and_bios", "pk", "kek", "db", "dbx", "vendor_db", "mokdig", "mokxdig", "kernels",
};

static const char *const kernel_keys[] = {
        "shim_authcode_sha256", "grub_authcode_sha256", "kernel_authcode_sha256",
        "initrd_plain_sha256", "vmlinuz_plain_sha256", "kernel_cmdline",
};

bool boot_policy_is_keylime(json_object *root) {
        return json_object_is_type(root, json_type_object) &&
                (json_object_object_get_ex(root, "has_secureboot", NULL) ||
                 json_object_object_get_ex(root, "scrtm_and_bios", NULL));
}

static bool known(const char *key, const char *const *keys, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(key, keys[i]) == 0)
                        return true;
        return false;
}

/* "0x" and lowercase hex, as Keylime's example policy requires. */
static int parse_hex(json_object *v, size_t size, uint8_t *ret, const char **err) {
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

        if (!s || strncmp(s, "0x", 2) != 0 || strlen(s) != 2 + size * 2 || hex_decode_into(s + 2, size * 2, ret, size) < 0)
                FAIL("Keylime reference state: a digest is not \"0x\" and 64 hex digits (sha256)");
        return 0;
}

/* {"sha256": "0x…"} */
static int parse_digest_object(json_object *v, uint8_t *ret, const char **err) {
        json_object *d = json_get_typed(v, "sha256", json_type_string);

        if (!json_object_is_type(v, json_type_object) || !d || json_object_object_length(v) != 1)
                FAIL("Keylime reference state: a digest must be an object {\"sha256\": \"0x…\"}");
        return parse_hex(d, 32, ret, err);
}

static int list_of(json_object *root, const char *key, json_object **ret, size_t *ret_n, const char **err) {
        static _Thread_local char message[128];
        json_object *v = NULL;

        if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_array)) {
                (void) snprintf(message, sizeof message, "Keylime reference state: \"%s\" must be a list", key);
                FAIL(message);
        }
        *ret_n = json_object_array_length(v);
        if (*ret_n > BOOT_POLICY_ITEMS_MAX)
                return -E2BIG;
        *ret = v;
        return 0;
}

static int parse_scrtm_and_bios(BootPolicy *p, json_object *root, const char **err) {
        json_object *v;
        size_t n;
        int r;

        r = list_of(root, "scrtm_and_bios", &v, &n, err);
        if (r < 0)
                return r;
        p->firmware = calloc(n ? n : 1, sizeof(BootPolicyFirmware));
        if (!p->firmware)
                return -ENOMEM;
        p->has_firmware = true;
        for (size_t i = 0; i < n; i++) {
                json_object *alt = json_object_array_get_idx(v, i), *scrtm = NULL, *blobs;
                BootPolicyFirmware *fw = p->firmware + i;
                size_t m;

                p->n_firmware++;
                if (!json_object_is_type(alt, json_type_object))
                        FAIL("Keylime reference state: a \"scrtm_and_bios\" entry must be an object");
                r = list_of(alt, "platform_firmware", &blobs, &m, err);
                if (r < 0)
                        return r;
                fw->blobs.digests = calloc(m ? m : 1, sizeof(*fw->blobs.digests));
                fw->scrtm.digests = calloc(1, sizeof(*fw->scrtm.digests));
                if (!fw->blobs.digests || !fw->scrtm.digests)
                        return -ENOMEM;
                for (size_t j = 0; j < m; j++) {
                        r = parse_digest_object(json_object_array_get_idx(blobs, j), fw->blobs.digests[j], err);
                        if (r < 0)
                                return r;
                        fw->blobs.n++;
                }
                /* keylime-policy omits "scrtm" when the log measures no S-CRTM version. */
                if (json_object_object_get_ex(alt, "scrtm", &scrtm)) {
                        r = parse_digest_object(scrtm, fw->scrtm.digests[0], err);
                        if (r < 0)
                                return r;
                        fw->scrtm.n = 1;
                }
        }
        return 0;
}

/* [{"sha256": "0x…"}, …] */
static int parse_digest_objects(json_object *root, const char *key, BootDigestList *ret, const char **err) {
        json_object *v;
        size_t n;
        int r;

        r = list_of(root, key, &v, &n, err);
        if (r < 0)
                return r;
        ret->digests = calloc(n ? n : 1, sizeof(*ret->digests));
        if (!ret->digests)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = parse_digest_object(json_object_array_get_idx(v, i), ret->digests[i], err);
                if (r < 0)
                        return r;
                ret->n++;
        }
        return 0;
}

/* {"SignatureOwner": GUID, "SignatureData": "0x…"}: 32 bytes of data are a sha256
 * entry, anything else a certificate identified by the sha256 of its data. */
static int parse_signatures(json_object *root, const char *key, BootPolicySignatures *ret, const char **err) {
        json_object *v;
        size_t n;
        int r;

        r = list_of(root, key, &v, &n, err);
        if (r < 0)
                return r;
        ret->entries = calloc(n ? n : 1, sizeof(BootSignature));
        if (!ret->entries)
                return -ENOMEM;
        ret->set = true;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                json_object *data = json_get_typed(e, "SignatureData", json_type_string);
                BootSignature *s = ret->entries + i;
                _cleanup_free_ uint8_t *raw = NULL;
                const char *hex = data ? json_object_get_string(data) : NULL;
                size_t len = hex ? strlen(hex) : 0;

                if (!json_get_typed(e, "SignatureOwner", json_type_string) || !hex || len < 4 ||
                    strncmp(hex, "0x", 2) != 0 || len % 2 != 0 || len - 2 > BOOT_POLICY_SIZE_MAX)
                        FAIL("Keylime reference state: a signature needs \"SignatureOwner\" and "
                             "\"SignatureData\" (\"0x\" and hex)");
                raw = malloc((len - 2) / 2);
                if (!raw)
                        return -ENOMEM;
                if (hex_decode_into(hex + 2, len - 2, raw, (len - 2) / 2) < 0)
                        FAIL("Keylime reference state: \"SignatureData\" is not hex");
                if ((len - 2) / 2 == 32) {
                        r = efi_signature_type_from_name("sha256", s->type);
                        memcpy(s->digest, raw, 32);
                } else {
                        r = efi_signature_type_from_name("x509", s->type);
                        if (r >= 0)
                                r = hash_alg_digest(hash_alg_from_name("sha256"), raw, (len - 2) / 2, s->digest);
                }
                if (r < 0)
                        return r;
                s->digest_size = 32;
                ret->n_entries++;
        }
        qsort(ret->entries, ret->n_entries, sizeof(BootSignature), boot_signature_compare);
        return 0;
}

/* keylime-policy writes re.escape() of the command line; only such an escaped
 * literal is accepted, and compared exactly as Keylime's anchored match does. */
static int unescape_cmdline(const char *re, char **ret, const char **err) {
        _cleanup_free_ char *s = malloc(strlen(re) + 1);
        size_t k = 0;

        if (!s)
                return -ENOMEM;
        for (const char *c = re; *c; c++) {
                if (*c == '\\') {
                        c++;
                        if (!*c || (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
                                FAIL("Keylime reference state: \"kernel_cmdline\" is a regular expression other "
                                     "than an escaped literal (re.escape), which is not supported");
                } else if (strchr(".^$*+?{}[]|()", *c))
                        FAIL("Keylime reference state: \"kernel_cmdline\" is a regular expression other "
                             "than an escaped literal (re.escape), which is not supported");
                s[k++] = *c;
        }
        s[k] = '\0';
        *ret = TAKE_PTR(s);
        return 0;
}

static int add_stage_digest(BootPolicyStage *st, const uint8_t *d) {
        for (size_t i = 0; i < st->digests.n; i++)
                if (memcmp(st->digests.digests[i], d, 32) == 0)
                        return 0;
        memcpy(st->digests.digests[st->digests.n++], d, 32);
        return 0;
}

static int parse_kernel(BootPolicy *p, json_object *k, size_t i, bool secure_boot, const char **err) {
        BootPolicyKernel *pk = p->kernels + i;
        uint8_t d[32];
        json_object *x;
        int r;

        if (!json_object_is_type(k, json_type_object))
                FAIL("Keylime reference state: a \"kernels\" entry must be an object");
        json_object_object_foreach(k, key, val) {
                (void) val;
                if (!known(key, kernel_keys, ELEMENTSOF(kernel_keys)))
                        FAIL("Keylime reference state: unknown key in a \"kernels\" entry (known: shim_authcode_sha256, "
                             "grub_authcode_sha256, kernel_authcode_sha256, initrd_plain_sha256, "
                             "vmlinuz_plain_sha256, kernel_cmdline)");
        }
        for (size_t s = 0; s < MIN(p->n_stages, (size_t) 3); s++) {
                x = json_get_typed(k, kernel_keys[s], json_type_string);
                if (!x)
                        FAIL(s == 2 ? "Keylime reference state: with has_secureboot, a \"kernels\" entry needs "
                                      "\"kernel_authcode_sha256\""
                                    : "Keylime reference state: a \"kernels\" entry needs \"shim_authcode_sha256\" "
                                      "and \"grub_authcode_sha256\"");
                r = parse_hex(x, 32, d, err);
                if (r < 0)
                        return r;
                add_stage_digest(p->stages + s, d);
                if (s == 2)
                        add_stage_digest(p->stages + 3, d);
        }
        pk->initrds.digests = calloc(1, sizeof(*pk->initrds.digests));
        if (!pk->initrds.digests)
                return -ENOMEM;
        x = json_get_typed(k, "initrd_plain_sha256", json_type_string);
        if (x) {
                r = parse_hex(x, 32, pk->initrds.digests[0], err);
                if (r < 0)
                        return r;
                pk->initrds.n = 1;
        }
        x = json_get_typed(k, "vmlinuz_plain_sha256", json_type_string);
        if (!secure_boot) {
                if (!x)
                        FAIL("Keylime reference state: without has_secureboot, a \"kernels\" entry needs "
                             "\"vmlinuz_plain_sha256\"");
                r = parse_hex(x, 32, pk->kernel, err);
                if (r < 0)
                        return r;
                pk->has_kernel = true;
        }
        x = json_get_typed(k, "kernel_cmdline", json_type_string);
        if (x)
                return unescape_cmdline(json_object_get_string(x), &pk->cmdline, err);
        return 0;
}

static int parse_kernels(BootPolicy *p, json_object *root, bool secure_boot, const char **err) {
        static const char *const names[] = { "shim", "grub", "kernel", "kernel (again)" };
        json_object *v;
        size_t n;
        int r;

        r = list_of(root, "kernels", &v, &n, err);
        if (r < 0)
                return r;
        p->n_stages = secure_boot ? 4 : 2;
        p->stages = calloc(p->n_stages, sizeof(BootPolicyStage));
        p->kernels = calloc(n ? n : 1, sizeof(BootPolicyKernel));
        if (!p->stages || !p->kernels)
                return -ENOMEM;
        p->has_stages = p->has_kernels = true;
        for (size_t s = 0; s < p->n_stages; s++) {
                p->stages[s].name = strdup(names[s]);
                p->stages[s].digests.digests = calloc(n ? n : 1, sizeof(*p->stages[s].digests.digests));
                if (!p->stages[s].name || !p->stages[s].digests.digests)
                        return -ENOMEM;
        }
        /* Keylime accepts the kernel's Authenticode hash measured once or twice. */
        if (secure_boot)
                p->stages[3].optional = true;
        for (size_t i = 0; i < n; i++) {
                p->n_kernels++;
                r = parse_kernel(p, json_object_array_get_idx(v, i), i, secure_boot, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int boot_policy_parse_keylime(BootPolicy *p, json_object *root, const char **err) {
        static _Thread_local char message[256];
        static const char *const lists[] = { "pk", "kek", "db", "dbx" };
        BootPolicySignatures *sigs[] = { &p->pk, &p->kek, &p->db, &p->dbx };
        json_object *v;
        bool secure_boot = true;
        size_t n;
        int r;

        json_object_object_foreach(root, key, val) {
                (void) val;
                if (!known(key, keylime_keys, ELEMENTSOF(keylime_keys))) {
                        (void) snprintf(message, sizeof message, "Keylime reference state: unknown key \"%.40s\" "
                                        "(known: has_secureboot, scrtm_and_bios, pk, kek, db, dbx, vendor_db, "
                                        "mokdig, mokxdig, kernels)", key);
                        FAIL(message);
                }
        }
        p->alg = hash_alg_from_name("sha256");
        p->keylime = true;
        if (json_object_object_get_ex(root, "has_secureboot", &v)) {
                if (!json_object_is_type(v, json_type_boolean))
                        FAIL("Keylime reference state: \"has_secureboot\" must be true or false");
                secure_boot = json_object_get_boolean(v);
        }
        p->secure_boot = secure_boot ? 1 : 2;
        r = parse_scrtm_and_bios(p, root, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
                r = list_of(root, lists[i], &v, &n, err);
                if (r < 0)
                        return r;
                /* Without Secure Boot an empty list accepts anything. */
                if (!secure_boot && n == 0)
                        continue;
                r = parse_signatures(root, lists[i], sigs[i], err);
                if (r < 0)
                        return r;
        }
        r = parse_digest_objects(root, "mokdig", &p->moklist, err);
        if (r < 0)
                return r;
        r = parse_digest_objects(root, "mokxdig", &p->moklistx, err);
        if (r < 0)
                return r;
        p->has_moklist = p->has_moklistx = true;
        if (json_object_object_get_ex(root, "vendor_db", &v) &&
            (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > 0))
                FAIL("Keylime reference state: \"vendor_db\" entries are not supported (remove them or convert the "
                     "reference to a hostattest boot policy)");
        return parse_kernels(p, root, secure_boot, err);
}
