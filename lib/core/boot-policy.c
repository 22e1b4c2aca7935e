/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing of measured-boot reference states (attest-boot-policy(5)). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest-limits.h"
#include "boot-policy.h"
#include "boot-policy-keylime.h"
#include "efi-decode.h"
#include "hexdecode.h"
#include "json-parse.h"

static const char *const top_keys[] = {
        "version", "hash_alg", "firmware", "secure_boot", "pk", "kek", "db", "dbx",
        "boot_applications", "kernels", "moklist", "moklistx", "quirks", "comment",
};

#define FAIL(msg) do { *err = (msg); return -EBADMSG; } while (0)

static void digest_list_done(BootDigestList *l) {
        l->digests = mfree(l->digests);
        l->n = 0;
}

BootPolicy *boot_policy_free(BootPolicy *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_firmware; i++) {
                digest_list_done(&p->firmware[i].scrtm);
                digest_list_done(&p->firmware[i].blobs);
        }
        free(p->firmware);
        free(p->pk.entries);
        free(p->kek.entries);
        free(p->db.entries);
        free(p->dbx.entries);
        for (size_t i = 0; i < p->n_stages; i++) {
                free(p->stages[i].name);
                digest_list_done(&p->stages[i].digests);
        }
        free(p->stages);
        for (size_t i = 0; i < p->n_kernels; i++) {
                digest_list_done(&p->kernels[i].initrds);
                free(p->kernels[i].cmdline);
        }
        free(p->kernels);
        digest_list_done(&p->moklist);
        digest_list_done(&p->moklistx);
        return mfree(p);
}

static int parse_digest(json_object *v, size_t size, uint8_t *ret, const char **err) {
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

        if (!s || strlen(s) != size * 2 || hex_decode_into(s, size * 2, ret, size) < 0)
                FAIL("a digest is not a hex string of the policy's hash_alg size");
        return 0;
}

static int array_of(json_object *v, size_t *ret_n, const char **err) {
        if (!json_object_is_type(v, json_type_array))
                FAIL("a list was expected");
        *ret_n = json_object_array_length(v);
        if (*ret_n > BOOT_POLICY_ITEMS_MAX)
                return -E2BIG;
        return 0;
}

static int parse_digest_list(json_object *v, size_t size, BootDigestList *ret, const char **err) {
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        ret->digests = calloc(n ? n : 1, sizeof(*ret->digests));
        if (!ret->digests)
                return -ENOMEM;
        ret->n = n;
        for (size_t i = 0; i < n; i++) {
                r = parse_digest(json_object_array_get_idx(v, i), size, ret->digests[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_firmware(BootPolicy *p, json_object *v, const char **err) {
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        p->firmware = calloc(n ? n : 1, sizeof(BootPolicyFirmware));
        if (!p->firmware)
                return -ENOMEM;
        p->has_firmware = true;
        for (size_t i = 0; i < n; i++) {
                json_object *alt = json_object_array_get_idx(v, i);
                json_object *scrtm = json_get_typed(alt, "scrtm", json_type_array);
                json_object *blobs = json_get_typed(alt, "blobs", json_type_array);

                p->n_firmware++;
                if (!scrtm || !blobs)
                        FAIL("a firmware alternative needs \"scrtm\" and \"blobs\" lists");
                r = parse_digest_list(scrtm, p->alg->size, &p->firmware[i].scrtm, err);
                if (r >= 0)
                        r = parse_digest_list(blobs, p->alg->size, &p->firmware[i].blobs, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int boot_signature_compare(const void *a, const void *b) {
        const BootSignature *x = a, *y = b;
        int c = memcmp(x->type, y->type, 16);

        if (c != 0)
                return c;
        if (x->digest_size != y->digest_size)
                return x->digest_size < y->digest_size ? -1 : 1;
        return memcmp(x->digest, y->digest, x->digest_size);
}

static int parse_signatures(json_object *v, BootPolicySignatures *ret, const char **err) {
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        ret->entries = calloc(n ? n : 1, sizeof(BootSignature));
        if (!ret->entries)
                return -ENOMEM;
        ret->set = true;
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(v, i);
                json_object *type = json_get_typed(e, "type", json_type_string);
                json_object *digest = json_get_typed(e, "digest", json_type_string);
                BootSignature *s = ret->entries + i;
                const char *hex;

                if (!type || !digest)
                        FAIL("a signature entry needs \"type\" and \"digest\"");
                if (efi_signature_type_from_name(json_object_get_string(type), s->type) < 0)
                        FAIL("unknown signature type");
                hex = json_object_get_string(digest);
                s->digest_size = strlen(hex) / 2;
                if (s->digest_size == 0 || s->digest_size > HASH_ALG_MAX_DIGEST_SIZE ||
                    hex_decode_into(hex, strlen(hex), s->digest, s->digest_size) < 0)
                        FAIL("a signature digest is not hex of at most 64 bytes");
                ret->n_entries++;
        }
        qsort(ret->entries, ret->n_entries, sizeof(BootSignature), boot_signature_compare);
        return 0;
}

static int parse_stages(BootPolicy *p, json_object *v, const char **err) {
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        p->stages = calloc(n ? n : 1, sizeof(BootPolicyStage));
        if (!p->stages)
                return -ENOMEM;
        p->has_stages = true;
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(v, i);
                json_object *name = json_get_typed(s, "stage", json_type_string);
                json_object *digests = json_get_typed(s, "digests", json_type_array);

                p->n_stages++;
                if (!digests)
                        FAIL("a boot application stage needs a \"digests\" list");
                p->stages[i].optional = json_object_get_boolean(json_get_typed(s, "optional", json_type_boolean));
                p->stages[i].name = strdup(name ? json_object_get_string(name) : "unnamed");
                if (!p->stages[i].name)
                        return -ENOMEM;
                r = parse_digest_list(digests, p->alg->size, &p->stages[i].digests, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_kernels(BootPolicy *p, json_object *v, const char **err) {
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        p->kernels = calloc(n ? n : 1, sizeof(BootPolicyKernel));
        if (!p->kernels)
                return -ENOMEM;
        p->has_kernels = true;
        for (size_t i = 0; i < n; i++) {
                json_object *k = json_object_array_get_idx(v, i), *x;
                BootPolicyKernel *pk = p->kernels + i;

                p->n_kernels++;
                if (!json_object_is_type(k, json_type_object))
                        FAIL("a kernel alternative must be an object");
                x = json_get_typed(k, "kernel", json_type_string);
                if (x) {
                        r = parse_digest(x, p->alg->size, pk->kernel, err);
                        if (r < 0)
                                return r;
                        pk->has_kernel = true;
                }
                x = json_get_typed(k, "initrd", json_type_array);
                if (x) {
                        r = parse_digest_list(x, p->alg->size, &pk->initrds, err);
                        if (r < 0)
                                return r;
                }
                x = json_get_typed(k, "cmdline", json_type_string);
                if (x && !(pk->cmdline = strdup(json_object_get_string(x))))
                        return -ENOMEM;
        }
        return 0;
}

/* "quirks": firmware behaviour the operator opts in to accept (attest-boot-policy(5)). */
static int parse_quirks(BootPolicy *p, json_object *v, const char **err) {
        static _Thread_local char message[160];   /* as in check_keys */
        size_t n;
        int r;

        r = array_of(v, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                json_object *q = json_object_array_get_idx(v, i);
                const char *name = json_object_is_type(q, json_type_string) ? json_object_get_string(q) : NULL;

                if (!name)
                        FAIL("a quirk must be a string (known: " BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME ")");
                if (strcmp(name, BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME) != 0) {
                        (void) snprintf(message, sizeof message, "unknown quirk \"%.40s\" (known: "
                                        BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME ")", name);
                        FAIL(message);
                }
                p->quirks |= BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY;
        }
        return 0;
}

static int check_keys(json_object *root, const char **err) {
        /* The message names the key: it lives until the thread's next refusal of an unknown key,
         * long enough for every caller, which copies or prints it at once. */
        static _Thread_local char message[256];

        json_object_object_foreach(root, key, val) {
                bool known = false;
                (void) val;
                for (size_t i = 0; i < ELEMENTSOF(top_keys); i++)
                        known = known || strcmp(key, top_keys[i]) == 0;
                if (!known) {
                        (void) snprintf(message, sizeof message, "unknown key \"%.40s\" at the top level (known: "
                                        "version, hash_alg, firmware, secure_boot, pk, kek, db, dbx, "
                                        "boot_applications, kernels, moklist, moklistx, quirks, comment)", key);
                        FAIL(message);
                }
        }
        return 0;
}

static int parse_root(BootPolicy *p, json_object *root, const char **err) {
        json_object *v;
        int r;

        if (!json_object_is_type(root, json_type_object))
                FAIL("the reference state is not a JSON object");
        if (boot_policy_is_keylime(root))
                return boot_policy_parse_keylime(p, root, err);
        r = check_keys(root, err);
        if (r < 0)
                return r;
        v = json_get_typed(root, "version", json_type_int);
        if (!v || json_object_get_int64(v) != 1)
                FAIL("\"version\" must be 1");
        v = json_get_typed(root, "hash_alg", json_type_string);
        p->alg = v ? hash_alg_from_name(json_object_get_string(v)) : NULL;
        if (!p->alg)
                FAIL("\"hash_alg\" must name a known hash algorithm");

        if (json_object_object_get_ex(root, "secure_boot", &v)) {
                if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), "disabled") == 0)
                        p->secure_boot = 2;
                else if (!json_object_is_type(v, json_type_boolean))
                        FAIL("\"secure_boot\" must be true, false or \"disabled\"");
                else
                        p->secure_boot = json_object_get_boolean(v);
        }
        if (json_object_object_get_ex(root, "firmware", &v) && (r = parse_firmware(p, v, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "pk", &v) && (r = parse_signatures(v, &p->pk, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "kek", &v) && (r = parse_signatures(v, &p->kek, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "db", &v) && (r = parse_signatures(v, &p->db, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "dbx", &v) && (r = parse_signatures(v, &p->dbx, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "boot_applications", &v) && (r = parse_stages(p, v, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "kernels", &v) && (r = parse_kernels(p, v, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "moklist", &v)) {
                p->has_moklist = true;
                r = parse_digest_list(v, p->alg->size, &p->moklist, err);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(root, "quirks", &v) && (r = parse_quirks(p, v, err)) < 0)
                return r;
        if (json_object_object_get_ex(root, "moklistx", &v)) {
                p->has_moklistx = true;
                r = parse_digest_list(v, p->alg->size, &p->moklistx, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int boot_policy_parse(const char *text, size_t len, BootPolicy **ret, const char **ret_error) {
        _cleanup_(boot_policy_freep) BootPolicy *p = NULL;
        const char *err = "malformed JSON";
        json_object *root = NULL;
        int r;

        assert_return(text && ret, -EINVAL);
        r = json_parse_text(text, len, BOOT_POLICY_SIZE_MAX, &root);
        if (r >= 0) {
                p = calloc(1, sizeof(*p));
                if (!p)
                        r = -ENOMEM;
        }
        if (r >= 0) {
                p->secure_boot = -1;
                r = parse_root(p, root, &err);
        }
        json_object_put(root);
        if (r < 0) {
                if (ret_error)
                        *ret_error = r == -E2BIG ? "a size or count limit is exceeded" : err;
                return r;
        }
        *ret = TAKE_PTR(p);
        return 0;
}
