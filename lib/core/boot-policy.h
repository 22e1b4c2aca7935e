/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The default measured-boot engine ("mb"): what a TCG event log says about a
 * boot (BootState), a reference state an operator writes (BootPolicy, JSON,
 * see attest-boot-policy(5)), and the evaluation of one against the other.
 * Every decision compares digests; decoded event data is used only to tell
 * which measurement is which, or after its digest was checked. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"
#include "macro.h"
#include "tcg-eventlog.h"

typedef struct BootMeasurement {
        size_t event;
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
} BootMeasurement;

/* An EFI_SIGNATURE_DATA identified by type and digest (efi_signature_digest). */
typedef struct BootSignature {
        size_t event;
        uint8_t type[16];
        uint8_t owner[16];
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
        size_t digest_size;
        const uint8_t *data;     /* SignatureData inside the log; NULL in a policy */
        size_t data_size;
} BootSignature;

typedef struct BootSignatureDb {
        bool measured;
        size_t event;
        BootSignature *entries;
        size_t n_entries;
} BootSignatureDb;

typedef struct BootApp {
        size_t event;
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
        char *path;              /* from the device path; NULL when it has none */
} BootApp;

typedef struct BootFailure {
        char *id;                /* "mb.<what>" */
        char *expected;
        char *actual;
        int64_t event;           /* event number, -1 when no event applies */
} BootFailure;

typedef struct BootFailures {
        BootFailure *items;
        size_t n;
} BootFailures;

/* Firmware behaviour a reference state may opt in to accept; each event read
 * under a quirk is reported as a notice. */
typedef enum BootQuirks {
        /* The PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG digests cover only the
         * variable's data, not the UEFI_VARIABLE_DATA (older, TPM 1.2 era firmware). */
        BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY = 1 << 0,
} BootQuirks;

#define BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME "driver_config_data_only"

typedef struct BootState {
        const HashAlg *alg;
        BootQuirks quirks;       /* the quirks the log was read with */
        BootMeasurement *scrtm;  /* EV_S_CRTM_VERSION and _CONTENTS in PCR 0, in order */
        size_t n_scrtm;
        BootMeasurement *blobs;  /* platform firmware blobs and POST code in PCR 0 */
        size_t n_blobs;
        int secure_boot;         /* -1 when not measured */
        size_t secure_boot_event;
        BootSignatureDb pk, kek, db, dbx;
        BootApp *apps;           /* EV_EFI_BOOT_SERVICES_APPLICATION in PCR 4, in order */
        size_t n_apps;
        bool has_kernel;         /* kernel file measured by the boot loader in PCR 9 */
        BootMeasurement kernel;
        BootMeasurement *initrds;  /* grub's initr* files in PCR 9, the kernel's tagged initrd event */
        size_t n_initrds;
        char *cmdline;           /* kernel command line from PCR 8 (grub) or 12 (systemd-stub), digest checked */
        size_t cmdline_event;
        BootMeasurement *moklist;   /* shim's MokList and MokListX in PCR 14 */
        size_t n_moklist;
        BootMeasurement *moklistx;
        size_t n_moklistx;
        BootFailures problems;   /* events whose data does not match their digest */
        size_t n_data_only;      /* PCR 7 variables read under BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY */
        BootFailures notices;    /* events accepted only under a quirk */
} BootState;

/* Reads the boot from the log in the bank alg. -ENODATA when the log has no such bank. */
int boot_state_extract(const TcgEventLog *log, const HashAlg *alg, BootState *ret);
int boot_state_extract_quirks(const TcgEventLog *log, const HashAlg *alg, BootQuirks quirks, BootState *ret);
void boot_state_done(BootState *s);

/* The bank a policy uses by default: sha256 when the log has it, else its first known bank. */
const HashAlg *boot_state_default_alg(const TcgEventLog *log);

typedef struct BootDigestList {
        uint8_t (*digests)[HASH_ALG_MAX_DIGEST_SIZE];
        size_t n;
} BootDigestList;

typedef struct BootPolicyFirmware {
        BootDigestList scrtm;    /* in order */
        BootDigestList blobs;    /* in order */
} BootPolicyFirmware;

typedef struct BootPolicySignatures {
        bool set;
        BootSignature *entries;
        size_t n_entries;
} BootPolicySignatures;

typedef struct BootPolicyStage {
        char *name;
        BootDigestList digests;  /* alternatives */
        bool optional;           /* the log may end before this stage */
} BootPolicyStage;

typedef struct BootPolicyKernel {
        bool has_kernel;         /* false: the boot loader measures no kernel file (UKI) */
        uint8_t kernel[HASH_ALG_MAX_DIGEST_SIZE];
        BootDigestList initrds;  /* allowed initrds with this kernel */
        char *cmdline;           /* NULL: any */
} BootPolicyKernel;

typedef struct BootPolicy {
        const HashAlg *alg;
        bool has_firmware;
        BootPolicyFirmware *firmware;   /* alternatives */
        size_t n_firmware;
        int secure_boot;                /* -1 not given, 0 not required, 1 required, 2 must not be on */
        bool keylime;                   /* compiled from a Keylime reference state */
        BootPolicySignatures pk, kek, db, dbx;
        bool has_stages;
        BootPolicyStage *stages;
        size_t n_stages;
        bool has_kernels;
        BootPolicyKernel *kernels;      /* alternatives */
        size_t n_kernels;
        bool has_moklist, has_moklistx;
        BootDigestList moklist, moklistx;   /* alternatives */
        BootQuirks quirks;
} BootPolicy;

/* Parses a reference state. -EBADMSG with a short reason in *ret_error (static
 * string) for malformed input, -E2BIG for a limit. */
int boot_policy_parse(const char *text, size_t len, BootPolicy **ret, const char **ret_error);
BootPolicy *boot_policy_free(BootPolicy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(BootPolicy *, boot_policy_free);

/* Evaluates the log against the policy; every failure is added to ret.
 * Returns the number of failures, or negative on error (-ENODATA: the log
 * lacks the policy's bank). */
int boot_policy_evaluate(const BootPolicy *p, const TcgEventLog *log, BootFailures *ret);
/* The same, adding to ret_notices (may be NULL) the events accepted only under
 * one of the policy's quirks. */
int boot_policy_evaluate_notices(const BootPolicy *p, const TcgEventLog *log, BootFailures *ret,
                                 BootFailures *ret_notices);

/* Orders signatures by type, size and digest (for sorting and bsearch). */
int boot_signature_compare(const void *a, const void *b);

int boot_failures_add(BootFailures *f, const char *id, const char *expected, const char *actual, int64_t event);
void boot_failures_done(BootFailures *f);
