/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Decoding of the UEFI structures that firmware and boot loaders put into
 * event data (TCG PC Client PFP section 10.4 and the UEFI specification).
 * The data is not covered by the event's digest for every event type: callers
 * that base a decision on it check the digest first (tcg_event_digest_matches). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "tcg-eventlog.h"

#define EFI_GUID_STRING_MAX 37

/* "8be4df61-93ca-11d2-aa0d-00e098032b8c" (the mixed-endian EFI_GUID layout). */
void efi_guid_to_string(const uint8_t guid[16], char ret[EFI_GUID_STRING_MAX]);
int efi_guid_from_string(const char *s, uint8_t ret[16]);

/* UEFI_VARIABLE_DATA */
typedef struct EfiVariable {
        uint8_t guid[16];
        char *name;                      /* UTF-8 */
        const uint8_t *data;             /* VariableData, inside the event */
        size_t data_size;
} EfiVariable;

int efi_variable_parse(const uint8_t *p, size_t n, EfiVariable *ret);
void efi_variable_done(EfiVariable *v);

/* One EFI_SIGNATURE_DATA with the type of its EFI_SIGNATURE_LIST. */
typedef struct EfiSignature {
        uint8_t type[16];                /* SignatureType GUID */
        uint8_t owner[16];               /* SignatureOwner GUID */
        const uint8_t *data;             /* SignatureData, inside the event */
        size_t size;
} EfiSignature;

/* Parses a sequence of EFI_SIGNATURE_LISTs (db, dbx, KEK, PK, MokList…). */
int efi_signature_lists_parse(const uint8_t *p, size_t n, EfiSignature **ret, size_t *ret_n);

/* "x509", "sha256", "sha1", "sha384", "sha512", "rsa2048"…; NULL for another GUID. */
const char *efi_signature_type_name(const uint8_t type[16]);
int efi_signature_type_from_name(const char *name, uint8_t ret[16]);
bool efi_signature_is_x509(const uint8_t type[16]);

/* UEFI_IMAGE_LOAD_EVENT of EV_EFI_BOOT_SERVICES_APPLICATION/DRIVER. */
typedef struct EfiImageLoad {
        uint64_t location;
        uint64_t length;
        uint64_t link_time_address;
        const uint8_t *device_path;
        size_t device_path_size;
} EfiImageLoad;

int efi_image_load_parse(const uint8_t *p, size_t n, EfiImageLoad *ret);

/* Text form of a device path: "PciRoot(0x0)/Pci(0x3,0x0)/…/HD(1,GPT,…)/\EFI\BOOT\BOOTX64.EFI". */
int efi_device_path_to_string(const uint8_t *p, size_t n, char **ret);
/* The path of the last File node ("\EFI\fedora\shimx64.efi"), or -ENOENT. */
int efi_device_path_file(const uint8_t *p, size_t n, char **ret);

/* UEFI_PLATFORM_FIRMWARE_BLOB and …_BLOB2 (EV_EFI_PLATFORM_FIRMWARE_BLOB[2],
 * EV_S_CRTM_CONTENTS). description is NULL for the first form. */
typedef struct EfiFirmwareBlob {
        char *description;
        uint64_t base;
        uint64_t length;
} EfiFirmwareBlob;

int efi_firmware_blob_parse(uint32_t event_type, const uint8_t *p, size_t n, EfiFirmwareBlob *ret);

/* UEFI_GPT_DATA */
typedef struct EfiGptPartition {
        uint8_t type[16];
        uint8_t unique[16];
        uint64_t first_lba, last_lba, attributes;
        char *name;
} EfiGptPartition;

typedef struct EfiGpt {
        uint8_t disk_guid[16];
        EfiGptPartition *partitions;
        size_t n_partitions;
} EfiGpt;

int efi_gpt_parse(const uint8_t *p, size_t n, EfiGpt *ret);
void efi_gpt_done(EfiGpt *g);

/* Event data as text: UTF-16LE when it looks like it (systemd-stub, S-CRTM
 * versions), else ASCII up to the first NUL (control characters are kept;
 * JSON output escapes them). -EBADMSG for bytes above 0x7F. */
int efi_event_string(const uint8_t *p, size_t n, char **ret);

/* UTF-16LE code units to UTF-8; stops at a NUL. */
int utf16le_to_utf8(const uint8_t *p, size_t n_units, char **ret);

/* The digest that identifies a signature entry in policies: the entry itself
 * for hash types (sha256, sha1, …), else the sha256 of its data (for X.509,
 * the certificate's fingerprint). Writes up to HASH_ALG_MAX_DIGEST_SIZE bytes. */
int efi_signature_digest(const EfiSignature *s, uint8_t *ret, size_t *ret_size);

/* The subject of a DER X.509 certificate in RFC 2253 form, for people to read;
 * -EBADMSG when it does not parse. */
int efi_x509_subject(const uint8_t *der, size_t n, char **ret);
