/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "tcg-eventlog.h"

#define SPEC_ID_SIGNATURE       "Spec ID Event03"       /* 16 bytes with the NUL */
#define STARTUP_LOCALITY_SIG    "StartupLocality"       /* 16 bytes with the NUL */
#define LEGACY_HEADER_SIZE      32u                     /* pcr, type, sha1, size */

static const struct {
        uint32_t type;
        const char *name;
} event_types[] = {
        { EV_PREBOOT_CERT,                  "EV_PREBOOT_CERT" },
        { EV_POST_CODE,                     "EV_POST_CODE" },
        { EV_UNUSED,                        "EV_UNUSED" },
        { EV_NO_ACTION,                     "EV_NO_ACTION" },
        { EV_SEPARATOR,                     "EV_SEPARATOR" },
        { EV_ACTION,                        "EV_ACTION" },
        { EV_EVENT_TAG,                     "EV_EVENT_TAG" },
        { EV_S_CRTM_CONTENTS,               "EV_S_CRTM_CONTENTS" },
        { EV_S_CRTM_VERSION,                "EV_S_CRTM_VERSION" },
        { EV_CPU_MICROCODE,                 "EV_CPU_MICROCODE" },
        { EV_PLATFORM_CONFIG_FLAGS,         "EV_PLATFORM_CONFIG_FLAGS" },
        { EV_TABLE_OF_DEVICES,              "EV_TABLE_OF_DEVICES" },
        { EV_COMPACT_HASH,                  "EV_COMPACT_HASH" },
        { EV_IPL,                           "EV_IPL" },
        { EV_IPL_PARTITION_DATA,            "EV_IPL_PARTITION_DATA" },
        { EV_NONHOST_CODE,                  "EV_NONHOST_CODE" },
        { EV_NONHOST_CONFIG,                "EV_NONHOST_CONFIG" },
        { EV_NONHOST_INFO,                  "EV_NONHOST_INFO" },
        { EV_OMIT_BOOT_DEVICE_EVENTS,       "EV_OMIT_BOOT_DEVICE_EVENTS" },
        { EV_POST_CODE2,                    "EV_POST_CODE2" },
        { EV_EFI_EVENT_BASE,                "EV_EFI_EVENT_BASE" },
        { EV_EFI_VARIABLE_DRIVER_CONFIG,    "EV_EFI_VARIABLE_DRIVER_CONFIG" },
        { EV_EFI_VARIABLE_BOOT,             "EV_EFI_VARIABLE_BOOT" },
        { EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
        { EV_EFI_BOOT_SERVICES_DRIVER,      "EV_EFI_BOOT_SERVICES_DRIVER" },
        { EV_EFI_RUNTIME_SERVICES_DRIVER,   "EV_EFI_RUNTIME_SERVICES_DRIVER" },
        { EV_EFI_GPT_EVENT,                 "EV_EFI_GPT_EVENT" },
        { EV_EFI_ACTION,                    "EV_EFI_ACTION" },
        { EV_EFI_PLATFORM_FIRMWARE_BLOB,    "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
        { EV_EFI_HANDOFF_TABLES,            "EV_EFI_HANDOFF_TABLES" },
        { EV_EFI_PLATFORM_FIRMWARE_BLOB2,   "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
        { EV_EFI_HANDOFF_TABLES2,           "EV_EFI_HANDOFF_TABLES2" },
        { EV_EFI_VARIABLE_BOOT2,            "EV_EFI_VARIABLE_BOOT2" },
        { EV_EFI_GPT_EVENT2,                "EV_EFI_GPT_EVENT2" },
        { EV_EFI_HCRTM_EVENT,               "EV_EFI_HCRTM_EVENT" },
        { EV_EFI_VARIABLE_AUTHORITY,        "EV_EFI_VARIABLE_AUTHORITY" },
        { EV_EFI_SPDM_FIRMWARE_BLOB,        "EV_EFI_SPDM_FIRMWARE_BLOB" },
        { EV_EFI_SPDM_FIRMWARE_CONFIG,      "EV_EFI_SPDM_FIRMWARE_CONFIG" },
};

const char *tcg_event_type_to_string(uint32_t type) {
        for (size_t i = 0; i < ELEMENTSOF(event_types); i++)
                if (event_types[i].type == type)
                        return event_types[i].name;
        return NULL;
}

TcgEventLog *tcg_eventlog_free(TcgEventLog *log) {
        if (!log)
                return NULL;
        free(log->events);
        free(log->buf);
        return mfree(log);
}

const TcgDigest *tcg_event_digest(const TcgEvent *e, uint16_t alg_id) {
        for (size_t i = 0; i < e->n_digests; i++)
                if (e->digests[i].alg_id == alg_id)
                        return e->digests + i;
        return NULL;
}

int tcg_event_extend_digest(const TcgEvent *e, const HashAlg *alg, const TcgDigest **ret) {
        if (e->type == EV_NO_ACTION) {
                *ret = NULL;
                return 0;
        }
        *ret = tcg_event_digest(e, alg->tpm_alg_id);
        return *ret ? 1 : -ENODATA;
}

size_t tcg_eventlog_banks(const TcgEventLog *log, const HashAlg *ret[static TCG_EVENT_DIGESTS_MAX]) {
        size_t n = 0;
        for (size_t i = 0; i < log->n_algs; i++)
                if (log->algs[i].alg)
                        ret[n++] = log->algs[i].alg;
        return n;
}

int tcg_event_digest_matches(const TcgEvent *e, const HashAlg *alg, const void *buf, size_t len) {
        uint8_t md[HASH_ALG_MAX_DIGEST_SIZE];
        const TcgDigest *d = tcg_event_digest(e, alg->tpm_alg_id);
        int r;

        if (!d)
                return -ENOENT;
        r = hash_alg_digest(alg, buf, len, md);
        if (r < 0)
                return r;
        return memcmp(md, d->digest, alg->size) == 0;
}

/* Spec ID Event03 (TCG_EfiSpecIdEvent). Returns how many vendorInfo bytes the
 * event declares beyond its own EventSize: some firmware leaves them after it. */
static int parse_spec_id(TcgEventLog *log, const uint8_t *p, size_t n, size_t *ret_overflow) {
        size_t o = 16;
        uint32_t platform_class, n_algs;
        uint8_t vendor_size;

        if (cursor_read_le32(p, n, &o, &platform_class) < 0 ||
            cursor_read_u8(p, n, &o, &log->spec_version_minor) < 0 ||
            cursor_read_u8(p, n, &o, &log->spec_version_major) < 0 ||
            cursor_read_u8(p, n, &o, &log->spec_errata) < 0 ||
            cursor_read_u8(p, n, &o, &log->uintn_size) < 0 ||
            cursor_read_le32(p, n, &o, &n_algs) < 0)
                return -EBADMSG;
        if (n_algs == 0)
                return -EBADMSG;
        if (n_algs > TCG_EVENT_DIGESTS_MAX)
                return -E2BIG;

        for (size_t i = 0; i < n_algs; i++) {
                TcgSpecAlg *a = log->algs + i;
                if (cursor_read_le16(p, n, &o, &a->alg_id) < 0 || cursor_read_le16(p, n, &o, &a->size) < 0)
                        return -EBADMSG;
                if (a->size == 0 || a->size > TCG_DIGEST_SIZE_MAX)
                        return -EBADMSG;
                for (size_t j = 0; j < i; j++)
                        if (log->algs[j].alg_id == a->alg_id)
                                return -EBADMSG;
                a->alg = hash_alg_from_tpm_id(a->alg_id);
                if (a->alg && a->alg->size != a->size)
                        return -EBADMSG;
        }
        log->n_algs = n_algs;

        if (cursor_read_u8(p, n, &o, &vendor_size) < 0)
                return -EBADMSG;
        *ret_overflow = vendor_size > n - o ? vendor_size - (n - o) : 0;
        if (*ret_overflow == 0 && o + vendor_size != n)
                return -EBADMSG;   /* trailing bytes inside the event */
        return 0;
}

/* TCG_PCClientPCREvent: the SHA-1 legacy header, also the first event of an agile log. */
static int parse_legacy_event(const uint8_t *buf, size_t len, size_t *offset, TcgEvent *e) {
        size_t o = *offset;
        const uint8_t *digest;

        e->offset = o;
        if (cursor_read_le32(buf, len, &o, &e->pcr) < 0 ||
            cursor_read_le32(buf, len, &o, &e->type) < 0 ||
            cursor_read_span(buf, len, &o, 20, &digest) < 0 ||
            cursor_read_le32(buf, len, &o, &e->data_size) < 0)
                return -EBADMSG;
        if (e->data_size > TCG_EVENT_DATA_SIZE_MAX)
                return -E2BIG;
        if (cursor_read_span(buf, len, &o, e->data_size, &e->data) < 0)
                return -EBADMSG;
        e->n_digests = 1;
        e->digests[0] = (TcgDigest) {
                .alg_id = TPM2_ALG_ID_SHA1,
                .size = 20,
                .alg = hash_alg_from_tpm_id(TPM2_ALG_ID_SHA1),
                .digest = digest,
        };
        *offset = o;
        return 0;
}

static const TcgSpecAlg *spec_alg(const TcgEventLog *log, uint16_t id) {
        for (size_t i = 0; i < log->n_algs; i++)
                if (log->algs[i].alg_id == id)
                        return log->algs + i;
        return NULL;
}

/* TCG_PCR_EVENT2: one digest per bank declared by the Spec ID event. */
static int parse_agile_event(const TcgEventLog *log, const uint8_t *buf, size_t len, size_t *offset, TcgEvent *e) {
        size_t o = *offset;
        uint32_t count;

        e->offset = o;
        if (cursor_read_le32(buf, len, &o, &e->pcr) < 0 ||
            cursor_read_le32(buf, len, &o, &e->type) < 0 ||
            cursor_read_le32(buf, len, &o, &count) < 0)
                return -EBADMSG;
        if (count > TCG_EVENT_DIGESTS_MAX)
                return -E2BIG;
        if (count > log->n_algs)
                return -EBADMSG;   /* a bank may be missing, not added */
        for (size_t i = 0; i < count; i++) {
                TcgDigest *d = e->digests + i;
                const TcgSpecAlg *a;

                if (cursor_read_le16(buf, len, &o, &d->alg_id) < 0)
                        return -EBADMSG;
                a = spec_alg(log, d->alg_id);
                if (!a || tcg_event_digest(e, d->alg_id))
                        return -EBADMSG;   /* undeclared or repeated bank */
                d->size = a->size;
                d->alg = a->alg;
                if (cursor_read_span(buf, len, &o, a->size, &d->digest) < 0)
                        return -EBADMSG;
                e->n_digests = (uint8_t) (i + 1);
        }
        if (cursor_read_le32(buf, len, &o, &e->data_size) < 0)
                return -EBADMSG;
        if (e->data_size > TCG_EVENT_DATA_SIZE_MAX)
                return -E2BIG;
        if (cursor_read_span(buf, len, &o, e->data_size, &e->data) < 0)
                return -EBADMSG;
        *offset = o;
        return 0;
}

static bool is_padding(const uint8_t *p, size_t n) {
        if (n == 0 || (p[0] != 0x00 && p[0] != 0xFF))
                return false;
        for (size_t i = 1; i < n; i++)
                if (p[i] != p[0])
                        return false;
        return true;
}

static int check_event(TcgEventLog *log, const TcgEvent *e) {
        if (e->type == EV_NO_ACTION) {
                /* StartupLocality sets PCR 0's starting value (PFP 10.4.5.3). */
                if (e->pcr == 0 && e->data_size == 17 &&
                    memcmp(e->data, STARTUP_LOCALITY_SIG, 16) == 0) {
                        log->has_startup_locality = true;
                        log->startup_locality = e->data[16];
                }
                return 0;
        }
        return e->pcr < TCG_PCR_COUNT ? 0 : -EBADMSG;
}

static int append_event(TcgEventLog *log, const TcgEvent *e, size_t *allocated) {
        if (log->n_events >= TCG_EVENTLOG_EVENTS_MAX)
                return -E2BIG;
        if (log->n_events == *allocated) {
                size_t m = *allocated ? *allocated * 2 : 64;
                TcgEvent *n = reallocarray(log->events, m, sizeof(TcgEvent));
                if (!n)
                        return -ENOMEM;
                log->events = n;
                *allocated = m;
        }
        log->events[log->n_events++] = *e;
        return 0;
}

static int parse_first_event(TcgEventLog *log, size_t *offset, size_t *allocated) {
        TcgEvent e = {};
        size_t overflow = 0;
        int r;

        r = parse_legacy_event(log->buf, log->size, offset, &e);
        if (r < 0)
                return r;
        /* The Spec ID event belongs to PCR 0, but confidential-computing event logs
         * (CCEL) put it under MR index 1; being EV_NO_ACTION it extends nothing either way. */
        if (e.type == EV_NO_ACTION && e.pcr <= 1 && e.data_size >= 16 &&
            memcmp(e.data, SPEC_ID_SIGNATURE, 16) == 0) {
                r = parse_spec_id(log, e.data, e.data_size, &overflow);
                if (r < 0)
                        return r;
                log->crypto_agile = true;
                if (cursor_skip(log->size, offset, overflow) < 0)
                        return -EBADMSG;
        }
        r = check_event(log, &e);
        if (r < 0)
                return r;
        return append_event(log, &e, allocated);
}

int tcg_eventlog_parse(const uint8_t *data, size_t size, TcgEventLog **ret) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        size_t offset = 0, allocated = 0;
        int r;

        assert_return(data || size == 0, -EINVAL);
        assert_return(ret, -EINVAL);
        if (size == 0)
                return -ENODATA;
        if (size > TCG_EVENTLOG_SIZE_MAX)
                return -E2BIG;

        log = calloc(1, sizeof(*log));
        if (!log)
                return -ENOMEM;
        log->buf = malloc(size);
        if (!log->buf)
                return -ENOMEM;
        memcpy(log->buf, data, size);
        log->size = size;

        r = parse_first_event(log, &offset, &allocated);
        if (r < 0)
                return r;

        while (offset < size) {
                TcgEvent e = {};

                if (is_padding(log->buf + offset, size - offset)) {
                        log->padding = size - offset;
                        break;
                }
                if (log->crypto_agile)
                        r = parse_agile_event(log, log->buf, size, &offset, &e);
                else
                        r = parse_legacy_event(log->buf, size, &offset, &e);
                if (r < 0)
                        return r;
                r = check_event(log, &e);
                if (r < 0)
                        return r;
                r = append_event(log, &e, &allocated);
                if (r < 0)
                        return r;
        }

        if (!log->crypto_agile) {
                log->n_algs = 1;
                log->algs[0] = (TcgSpecAlg) { TPM2_ALG_ID_SHA1, 20, hash_alg_from_tpm_id(TPM2_ALG_ID_SHA1) };
        }
        *ret = TAKE_PTR(log);
        return 0;
}
