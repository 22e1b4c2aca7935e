/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TCG PC Client Platform Firmware Profile event logs: the SHA-1 legacy format
 * (TCG_PCClientPCREvent only) and the crypto-agile format (TCG_PCR_EVENT2 with
 * the digest sizes declared by the Spec ID Event03). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "hash-alg.h"
#include "macro.h"

#define TCG_PCR_COUNT 24

/* Event types (TCG PC Client PFP, section 10.4.1). */
enum {
        EV_PREBOOT_CERT                  = 0x00000000,
        EV_POST_CODE                     = 0x00000001,
        EV_UNUSED                        = 0x00000002,
        EV_NO_ACTION                     = 0x00000003,
        EV_SEPARATOR                     = 0x00000004,
        EV_ACTION                        = 0x00000005,
        EV_EVENT_TAG                     = 0x00000006,
        EV_S_CRTM_CONTENTS               = 0x00000007,
        EV_S_CRTM_VERSION                = 0x00000008,
        EV_CPU_MICROCODE                 = 0x00000009,
        EV_PLATFORM_CONFIG_FLAGS         = 0x0000000A,
        EV_TABLE_OF_DEVICES              = 0x0000000B,
        EV_COMPACT_HASH                  = 0x0000000C,
        EV_IPL                           = 0x0000000D,
        EV_IPL_PARTITION_DATA            = 0x0000000E,
        EV_NONHOST_CODE                  = 0x0000000F,
        EV_NONHOST_CONFIG                = 0x00000010,
        EV_NONHOST_INFO                  = 0x00000011,
        EV_OMIT_BOOT_DEVICE_EVENTS       = 0x00000012,
        EV_POST_CODE2                    = 0x00000013,
        EV_EFI_EVENT_BASE                = 0x80000000,
        EV_EFI_VARIABLE_DRIVER_CONFIG    = 0x80000001,
        EV_EFI_VARIABLE_BOOT             = 0x80000002,
        EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003,
        EV_EFI_BOOT_SERVICES_DRIVER      = 0x80000004,
        EV_EFI_RUNTIME_SERVICES_DRIVER   = 0x80000005,
        EV_EFI_GPT_EVENT                 = 0x80000006,
        EV_EFI_ACTION                    = 0x80000007,
        EV_EFI_PLATFORM_FIRMWARE_BLOB    = 0x80000008,
        EV_EFI_HANDOFF_TABLES            = 0x80000009,
        EV_EFI_PLATFORM_FIRMWARE_BLOB2   = 0x8000000A,
        EV_EFI_HANDOFF_TABLES2           = 0x8000000B,
        EV_EFI_VARIABLE_BOOT2            = 0x8000000C,
        EV_EFI_GPT_EVENT2                = 0x8000000D,
        EV_EFI_HCRTM_EVENT               = 0x80000010,
        EV_EFI_VARIABLE_AUTHORITY        = 0x800000E0,
        EV_EFI_SPDM_FIRMWARE_BLOB        = 0x800000E1,
        EV_EFI_SPDM_FIRMWARE_CONFIG      = 0x800000E2,
};

/* One digest of an event; alg is NULL for an algorithm hostattest does not know. */
typedef struct TcgDigest {
        uint16_t alg_id;
        uint16_t size;
        const HashAlg *alg;
        const uint8_t *digest;   /* points into the log's buffer */
} TcgDigest;

typedef struct TcgEvent {
        uint32_t pcr;
        uint32_t type;
        uint8_t n_digests;
        TcgDigest digests[TCG_EVENT_DIGESTS_MAX];
        const uint8_t *data;     /* points into the log's buffer */
        uint32_t data_size;
        size_t offset;           /* of the event header in the log */
} TcgEvent;

/* An algorithm declared by the Spec ID Event03. */
typedef struct TcgSpecAlg {
        uint16_t alg_id;
        uint16_t size;
        const HashAlg *alg;      /* NULL when unknown: skipped by its declared size */
} TcgSpecAlg;

typedef struct TcgEventLog {
        uint8_t *buf;            /* private copy of the log bytes */
        size_t size;
        bool crypto_agile;
        uint8_t spec_version_major, spec_version_minor, spec_errata, uintn_size;
        TcgSpecAlg algs[TCG_EVENT_DIGESTS_MAX];
        size_t n_algs;
        bool has_startup_locality;
        uint8_t startup_locality;
        size_t padding;          /* trailing 0x00/0xFF bytes of an unused log area */
        TcgEvent *events;
        size_t n_events;
} TcgEventLog;

/* Parses a whole log. -EBADMSG for malformed bytes, -E2BIG for a limit,
 * -ENODATA for an empty log. The log keeps its own copy of data. */
int tcg_eventlog_parse(const uint8_t *data, size_t size, TcgEventLog **ret);
TcgEventLog *tcg_eventlog_free(TcgEventLog *log);
DEFINE_TRIVIAL_CLEANUP_FUNC(TcgEventLog *, tcg_eventlog_free);

/* "EV_EFI_ACTION"; NULL for a type without a name. */
const char *tcg_event_type_to_string(uint32_t type);

/* The digest of an event in the bank alg_id, or NULL. */
const TcgDigest *tcg_event_digest(const TcgEvent *e, uint16_t alg_id);

/* What an event extends into PCR e->pcr in bank alg: 0 with *ret NULL for an
 * EV_NO_ACTION event (it extends nothing), 1 with the digest, -ENODATA when
 * the event does not record that bank. */
int tcg_event_extend_digest(const TcgEvent *e, const HashAlg *alg, const TcgDigest **ret);

/* The known hash algorithms of the log's banks, in log order. */
size_t tcg_eventlog_banks(const TcgEventLog *log, const HashAlg *ret[static TCG_EVENT_DIGESTS_MAX]);

/* Whether digest(alg) of the event equals the hash of buf (usually the event data). */
int tcg_event_digest_matches(const TcgEvent *e, const HashAlg *alg, const void *buf, size_t len);
