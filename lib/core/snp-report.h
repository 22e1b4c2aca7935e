/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP ABI specification, table
 * "ATTESTATION_REPORT Structure"), versions 2 to 5. All integers are
 * little-endian on the wire. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNP_REPORT_SIZE          0x4A0u  /* the whole report */
#define SNP_REPORT_SIGNED_SIZE   0x2A0u  /* bytes covered by the signature */
#define SNP_ECDSA_COMPONENT_SIZE 72u     /* r and s are each 72 bytes, little-endian */

#define SNP_REPORT_VERSION_MIN 2u
#define SNP_REPORT_VERSION_MAX 5u

#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1u

/* Guest policy bits */
#define SNP_GUEST_POLICY_ABI_MINOR(p)       ((unsigned) ((p) & 0xffu))
#define SNP_GUEST_POLICY_ABI_MAJOR(p)       ((unsigned) (((p) >> 8) & 0xffu))
#define SNP_GUEST_POLICY_SMT                (UINT64_C(1) << 16)
#define SNP_GUEST_POLICY_RESERVED_ONE       (UINT64_C(1) << 17)
#define SNP_GUEST_POLICY_MIGRATE_MA         (UINT64_C(1) << 18)
#define SNP_GUEST_POLICY_DEBUG              (UINT64_C(1) << 19)
#define SNP_GUEST_POLICY_SINGLE_SOCKET      (UINT64_C(1) << 20)
#define SNP_GUEST_POLICY_CXL_ALLOW          (UINT64_C(1) << 21)
#define SNP_GUEST_POLICY_MEM_AES_256_XTS    (UINT64_C(1) << 22)
#define SNP_GUEST_POLICY_RAPL_DIS           (UINT64_C(1) << 23)
#define SNP_GUEST_POLICY_CIPHERTEXT_HIDING  (UINT64_C(1) << 24)

typedef enum SnpSigningKey {
        SNP_SIGNING_KEY_VCEK = 0,
        SNP_SIGNING_KEY_VLEK = 1,
        SNP_SIGNING_KEY_NONE = 7,
} SnpSigningKey;

typedef enum SnpProduct {
        SNP_PRODUCT_UNKNOWN = 0,
        SNP_PRODUCT_MILAN,
        SNP_PRODUCT_GENOA,
        SNP_PRODUCT_TURIN,
} SnpProduct;

/* A TCB_VERSION split into its security patch levels. The layout of the
 * 64-bit value differs between Milan/Genoa and Turin (which adds FMC). */
typedef struct SnpTcb {
        uint8_t fmc;          /* Turin only */
        uint8_t bootloader;
        uint8_t tee;
        uint8_t snp;
        uint8_t microcode;
} SnpTcb;

typedef struct SnpReport {
        uint32_t version;
        uint32_t guest_svn;
        uint64_t policy;
        uint8_t family_id[16];
        uint8_t image_id[16];
        uint32_t vmpl;
        uint32_t signature_algo;
        uint64_t current_tcb;
        uint64_t platform_info;
        bool author_key_en;
        bool mask_chip_key;
        uint8_t signing_key;          /* SnpSigningKey; other values are rejected */
        uint8_t report_data[64];
        uint8_t measurement[48];
        uint8_t host_data[32];
        uint8_t id_key_digest[48];
        uint8_t author_key_digest[48];
        uint8_t report_id[32];
        uint8_t report_id_ma[32];
        uint64_t reported_tcb;
        uint8_t cpuid_fam_id;         /* version ≥ 3; 0 when absent */
        uint8_t cpuid_mod_id;
        uint8_t cpuid_step;
        uint8_t chip_id[64];
        uint64_t committed_tcb;
        uint8_t current_build, current_minor, current_major;
        uint8_t committed_build, committed_minor, committed_major;
        uint64_t launch_tcb;
        uint64_t launch_mit_vector;   /* version ≥ 5; 0 when absent */
        uint64_t current_mit_vector;
        uint8_t signature[96];        /* r ‖ s, 48 bytes each, big-endian */
} SnpReport;

/* Parses exactly SNP_REPORT_SIZE bytes. -EBADMSG for a wrong size, a version
 * outside 2–5, an unknown signature algorithm or signing key, or signature
 * components that do not fit P-384 (their unused high bytes must be zero). */
int snp_report_parse(const uint8_t *buf, size_t size, SnpReport *ret);

/* Splits a TCB_VERSION according to the product's layout. */
SnpTcb snp_tcb_decode(uint64_t tcb, SnpProduct product);

/* The product a report's CPUID fields name (version ≥ 3), or UNKNOWN. */
SnpProduct snp_product_from_cpuid(uint8_t family, uint8_t model);

/* "Milan", "Genoa", "Turin", or NULL. The name AMD uses in certificate names. */
const char *snp_product_to_string(SnpProduct p);
SnpProduct snp_product_from_string(const char *s);

const char *snp_signing_key_to_string(uint8_t k);
