/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "efi-decode.h"
#include "hexdecode.h"
#include "tcg-eventlog-json.h"

#define STARTUP_LOCALITY_SIG "StartupLocality"

int json_add_hex(json_object *obj, const char *key, const void *data, size_t len) {
        _cleanup_free_ char *hex = hex_encode(data, len);
        if (!hex)
                return -ENOMEM;
        return json_object_object_add(obj, key, json_object_new_string(hex)) < 0 ? -ENOMEM : 0;
}

static void add_string(json_object *o, const char *key, const char *s) {
        json_object_object_add(o, key, json_object_new_string(s));
}

static void add_u64(json_object *o, const char *key, uint64_t v) {
        json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_guid(json_object *o, const char *key, const uint8_t g[16]) {
        char s[EFI_GUID_STRING_MAX];
        efi_guid_to_string(g, s);
        add_string(o, key, s);
}

static int signature_to_json(const EfiSignature *s, json_object **ret) {
        json_object *o = json_object_new_object();
        const char *type = efi_signature_type_name(s->type);
        uint8_t d[HASH_ALG_MAX_DIGEST_SIZE];
        size_t n;
        int r;

        if (!o)
                return -ENOMEM;
        if (type)
                add_string(o, "type", type);
        else
                add_guid(o, "type", s->type);
        add_guid(o, "owner", s->owner);
        r = efi_signature_digest(s, d, &n);
        if (r >= 0)
                r = json_add_hex(o, "digest", d, n);
        if (r >= 0 && efi_signature_is_x509(s->type)) {
                _cleanup_free_ char *subject = NULL;
                if (efi_x509_subject(s->data, s->size, &subject) >= 0)
                        add_string(o, "subject", subject);
        }
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

static int add_signatures(json_object *o, const uint8_t *p, size_t n) {
        _cleanup_free_ EfiSignature *sigs = NULL;
        size_t n_sigs;
        json_object *a;
        int r;

        r = efi_signature_lists_parse(p, n, &sigs, &n_sigs);
        if (r < 0)
                return r;
        a = json_object_new_array();
        json_object_object_add(o, "signatures", a);
        for (size_t i = 0; i < n_sigs; i++) {
                json_object *s;
                r = signature_to_json(sigs + i, &s);
                if (r < 0)
                        return r;
                json_object_array_add(a, s);
        }
        return 0;
}

static bool is_signature_db(const char *name) {
        static const char *const names[] = { "PK", "KEK", "db", "dbx", "dbt", "dbr", "MokList", "MokListX", "MokListTrusted" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(name, names[i]) == 0)
                        return true;
        return false;
}

static int decode_variable(const TcgEvent *e, json_object *o) {
        _cleanup_(efi_variable_done) EfiVariable v = {};
        int r;

        r = efi_variable_parse(e->data, e->data_size, &v);
        if (r < 0)
                return r;
        add_guid(o, "variable_guid", v.guid);
        add_string(o, "name", v.name);
        add_u64(o, "data_size", v.data_size);
        if (e->type == EV_EFI_VARIABLE_AUTHORITY && v.data_size > 16) {
                EfiSignature s = { .owner = {}, .data = v.data + 16, .size = v.data_size - 16 };
                json_object *sig;
                memcpy(s.owner, v.data, 16);
                (void) efi_signature_type_from_name("x509", s.type);
                r = signature_to_json(&s, &sig);
                if (r < 0)
                        return r;
                json_object_object_add(o, "signature", sig);
                return 0;
        }
        if (is_signature_db(v.name) && e->type == EV_EFI_VARIABLE_DRIVER_CONFIG)
                return add_signatures(o, v.data, v.data_size);
        if (v.data_size == 1)
                add_u64(o, "value", v.data[0]);
        else
                return json_add_hex(o, "data", v.data, v.data_size);
        return 0;
}

static int decode_image(const TcgEvent *e, json_object *o) {
        _cleanup_free_ char *path = NULL;
        EfiImageLoad l;
        int r;

        r = efi_image_load_parse(e->data, e->data_size, &l);
        if (r < 0)
                return r;
        add_u64(o, "image_location", l.location);
        add_u64(o, "image_length", l.length);
        add_u64(o, "image_link_time_address", l.link_time_address);
        r = efi_device_path_to_string(l.device_path, l.device_path_size, &path);
        if (r < 0)
                return r;
        add_string(o, "device_path", path);
        return 0;
}

static int decode_blob(const TcgEvent *e, json_object *o) {
        EfiFirmwareBlob b;
        int r;

        r = efi_firmware_blob_parse(e->type, e->data, e->data_size, &b);
        if (r < 0)
                return r;
        if (b.description)
                add_string(o, "description", b.description);
        free(b.description);
        add_u64(o, "base", b.base);
        add_u64(o, "length", b.length);
        return 0;
}

static int decode_gpt(const TcgEvent *e, json_object *o) {
        _cleanup_(efi_gpt_done) EfiGpt g = {};
        json_object *a;
        int r;

        r = efi_gpt_parse(e->data, e->data_size, &g);
        if (r < 0)
                return r;
        add_guid(o, "disk_guid", g.disk_guid);
        a = json_object_new_array();
        json_object_object_add(o, "partitions", a);
        for (size_t i = 0; i < g.n_partitions; i++) {
                json_object *p = json_object_new_object();
                add_guid(p, "type", g.partitions[i].type);
                add_guid(p, "guid", g.partitions[i].unique);
                add_u64(p, "first_lba", g.partitions[i].first_lba);
                add_u64(p, "last_lba", g.partitions[i].last_lba);
                add_string(p, "name", g.partitions[i].name);
                json_object_array_add(a, p);
        }
        return 0;
}

static int decode_string(const TcgEvent *e, json_object *o) {
        _cleanup_free_ char *s = NULL;
        int r = efi_event_string(e->data, e->data_size, &s);
        if (r == -EBADMSG)
                return json_add_hex(o, "data", e->data, e->data_size);   /* binary, not text */
        if (r < 0)
                return r;
        add_string(o, "string", s);
        return 0;
}

static int decode_no_action(const TcgEventLog *log, size_t index, json_object *o) {
        const TcgEvent *e = log->events + index;

        if (index == 0 && log->crypto_agile) {
                json_object *a = json_object_new_array();
                add_string(o, "signature", "Spec ID Event03");
                add_u64(o, "spec_version_major", log->spec_version_major);
                add_u64(o, "spec_version_minor", log->spec_version_minor);
                add_u64(o, "spec_errata", log->spec_errata);
                add_u64(o, "uintn_size", log->uintn_size);
                json_object_object_add(o, "algorithms", a);
                for (size_t i = 0; i < log->n_algs; i++) {
                        json_object *x = json_object_new_object();
                        if (log->algs[i].alg)
                                add_string(x, "algorithm", log->algs[i].alg->name);
                        add_u64(x, "algorithm_id", log->algs[i].alg_id);
                        add_u64(x, "digest_size", log->algs[i].size);
                        json_object_array_add(a, x);
                }
                return 0;
        }
        if (e->data_size == 17 && memcmp(e->data, STARTUP_LOCALITY_SIG, 16) == 0) {
                add_string(o, "signature", STARTUP_LOCALITY_SIG);
                add_u64(o, "startup_locality", e->data[16]);
                return 0;
        }
        if (e->data_size >= 16 && memchr(e->data, 0, 16)) {
                _cleanup_free_ char *sig = NULL;
                if (efi_event_string(e->data, 16, &sig) >= 0) {
                        add_string(o, "signature", sig);
                        return json_add_hex(o, "data", e->data + 16, e->data_size - 16);
                }
        }
        return json_add_hex(o, "data", e->data, e->data_size);
}

static int decode_event(const TcgEventLog *log, size_t index, json_object *o) {
        const TcgEvent *e = log->events + index;

        switch (e->type) {
        case EV_NO_ACTION:
                return decode_no_action(log, index, o);
        case EV_EFI_VARIABLE_DRIVER_CONFIG:
        case EV_EFI_VARIABLE_BOOT:
        case EV_EFI_VARIABLE_BOOT2:
        case EV_EFI_VARIABLE_AUTHORITY:
                return decode_variable(e, o);
        case EV_EFI_BOOT_SERVICES_APPLICATION:
        case EV_EFI_BOOT_SERVICES_DRIVER:
        case EV_EFI_RUNTIME_SERVICES_DRIVER:
                return decode_image(e, o);
        case EV_EFI_PLATFORM_FIRMWARE_BLOB:
        case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
                return decode_blob(e, o);
        case EV_S_CRTM_CONTENTS:
        case EV_POST_CODE:
                if (e->data_size == 16)
                        return decode_blob(e, o);
                return decode_string(e, o);
        case EV_EFI_GPT_EVENT:
        case EV_EFI_GPT_EVENT2:
                return decode_gpt(e, o);
        case EV_SEPARATOR:
                return json_add_hex(o, "value", e->data, e->data_size);
        case EV_IPL:
        case EV_EFI_ACTION:
        case EV_ACTION:
        case EV_S_CRTM_VERSION:
        case EV_PLATFORM_CONFIG_FLAGS:
        case EV_COMPACT_HASH:
        case EV_OMIT_BOOT_DEVICE_EVENTS:
                return decode_string(e, o);
        default:
                return json_add_hex(o, "data", e->data, e->data_size);
        }
}

int tcg_event_to_json(const TcgEventLog *log, size_t index, json_object **ret) {
        const TcgEvent *e = log->events + index;
        const char *type = tcg_event_type_to_string(e->type);
        json_object *o = json_object_new_object(), *digests, *data;
        char buf[32];
        int r;

        if (!o)
                return -ENOMEM;
        add_u64(o, "number", index);
        add_u64(o, "pcr", e->pcr);
        if (!type) {
                snprintf(buf, sizeof buf, "0x%08x", e->type);
                type = buf;
        }
        add_string(o, "type", type);
        digests = json_object_new_object();
        json_object_object_add(o, "digests", digests);
        for (size_t i = 0; i < e->n_digests; i++) {
                const TcgDigest *d = e->digests + i;
                char name[16];
                if (!d->alg)
                        snprintf(name, sizeof name, "0x%04x", d->alg_id);
                json_add_hex(digests, d->alg ? d->alg->name : name, d->digest, d->size);
        }
        add_u64(o, "size", e->data_size);

        data = json_object_new_object();
        r = decode_event(log, index, data);
        if (r < 0) {
                json_object_put(data);
                data = json_object_new_object();
                add_string(data, "decode_error", strerror(-r));
                json_add_hex(data, "data", e->data, e->data_size);
        }
        json_object_object_add(o, "data", data);
        *ret = o;
        return 0;
}

int tcg_eventlog_to_json(const TcgEventLog *log, json_object **ret) {
        json_object *o = json_object_new_object(), *banks, *events;
        const HashAlg *algs[TCG_EVENT_DIGESTS_MAX];
        size_t n = tcg_eventlog_banks(log, algs);
        int r;

        if (!o)
                return -ENOMEM;
        add_string(o, "format", log->crypto_agile ? "crypto-agile" : "sha1-legacy");
        banks = json_object_new_array();
        json_object_object_add(o, "banks", banks);
        for (size_t i = 0; i < n; i++)
                json_object_array_add(banks, json_object_new_string(algs[i]->name));
        if (log->has_startup_locality)
                add_u64(o, "startup_locality", log->startup_locality);
        if (log->padding > 0)
                add_u64(o, "padding", log->padding);
        events = json_object_new_array();
        json_object_object_add(o, "events", events);
        for (size_t i = 0; i < log->n_events; i++) {
                json_object *e;
                r = tcg_event_to_json(log, i, &e);
                if (r < 0) {
                        json_object_put(o);
                        return r;
                }
                json_object_array_add(events, e);
        }
        *ret = o;
        return 0;
}

int pcr_values_to_json(const PcrValues *v, json_object **ret) {
        json_object *o = json_object_new_object(), *pcrs = json_object_new_object();

        if (!o || !pcrs) {
                json_object_put(o);
                json_object_put(pcrs);
                return -ENOMEM;
        }
        json_object_object_add(o, "pcrs", pcrs);
        for (size_t i = 0; i < v->n_banks; i++) {
                const PcrBank *b = v->banks + i;
                json_object *bank = json_object_new_object();
                json_object_object_add(pcrs, b->alg->name, bank);
                for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++) {
                        char key[4];
                        if (!(b->mask & (UINT32_C(1) << pcr)))
                                continue;
                        snprintf(key, sizeof key, "%u", pcr);
                        json_add_hex(bank, key, b->values[pcr], b->alg->size);
                }
        }
        *ret = o;
        return 0;
}
