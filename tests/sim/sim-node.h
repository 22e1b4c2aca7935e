/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A simulated node for tests and benchmarks: software EK and AK (ECC P-256, or an RSA-2048 AK)
 * presented as TPM public areas, a software TPM2_ActivateCredential, and real
 * TPMS_ATTEST / TPMT_SIGNATURE structures for certifications and quotes over
 * SHA-256 PCRs that follow a real UEFI event log and an IMA log the node
 * grows. Shared by bench/push and the push integration test client. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define SIM_PCRS 24u
#define SIM_DIGEST 32u
#define SIM_BUF_MAX 1024u
#define SIM_TPM2B_PUBLIC_MAX 512u
#define SIM_NAME_SIZE 34u             /* SHA-256 TPM names */

typedef struct SimBuf {
        uint8_t data[SIM_BUF_MAX];
        size_t size;
} SimBuf;

/* The UEFI event log every node booted with, and the PCR values it replays to. */
typedef struct SimUefi {
        uint8_t *log;
        size_t size;
        uint8_t pcrs[SIM_PCRS][SIM_DIGEST];     /* SHA-256 bank */
        uint32_t mask;                          /* PCRs the log extends */
} SimUefi;

int sim_uefi_load(const char *path, SimUefi *ret);
void sim_uefi_done(SimUefi *u);

typedef struct SimClock {
        uint64_t clock;
        uint32_t reset_count, restart_count;
        bool safe;
} SimClock;

typedef struct SimNode {
        char id[64];
        EVP_PKEY *ek, *ak;
        bool ak_rsa;                            /* RSA-2048 AK, else ECC P-256 */
        SimBuf ek_tpm, ak_tpm;                  /* TPM2B_PUBLIC */
        uint8_t ak_name[SIM_NAME_SIZE];
        uint8_t pcrs[SIM_PCRS][SIM_DIGEST];
        SimClock clock;
        uint64_t boot_time;                     /* seconds since the epoch */
        const SimUefi *uefi;
        char *ima;                              /* ascii_runtime_measurements of this boot */
        size_t ima_size, ima_alloc;
        size_t *ima_lines;                      /* byte offset of each entry */
        uint64_t ima_entries;
} SimNode;

int sim_node_new(const char *id, const SimUefi *uefi, uint64_t boot_time, SimNode **ret);
/* The same with an RSA-2048 AK (RSASSA/SHA-256) when rsa. */
int sim_node_new_ak(const char *id, const SimUefi *uefi, uint64_t boot_time, bool rsa, SimNode **ret);
SimNode *sim_node_free(SimNode *n);

/* A new boot: PCRs from the UEFI log, an IMA log with its boot_aggregate, resetCount + 1. */
int sim_node_boot(SimNode *n, uint64_t boot_time);

/* Appends n_lines ima-ng entries (files under dir) and extends PCR 10. */
int sim_node_ima_grow(SimNode *n, unsigned n_lines, const char *dir);
/* The log text from entry on (NULL past the end), and its length. */
const char *sim_node_ima_from(const SimNode *n, uint64_t entry, size_t *ret_size);

/* TPM2_ActivateCredential of a tpm2-tools credential file with the EK, for
 * the AK's name: the recovered credential and its length. */
int sim_node_activate(const SimNode *n, const uint8_t *file, size_t size, uint8_t *ret, size_t *ret_size);

/* TPM2_Certify of the AK by itself over qualifying data. */
int sim_node_certify(SimNode *n, const uint8_t *qualifying, size_t size, SimBuf *ret_attest, SimBuf *ret_sig);
/* TPM2_Certify of the object with that name by the AK over qualifying data. */
int sim_node_certify_name(SimNode *n, const uint8_t name[static SIM_NAME_SIZE], const uint8_t *qualifying,
                          size_t size, SimBuf *ret_attest, SimBuf *ret_sig);
/* A P-256 decryption key as a TPM would make it for a secret request (the
 * private half is dropped: the tests check the release, not the unwrapping). */
int sim_decrypt_key_new(SimBuf *ret_public, uint8_t ret_name[static SIM_NAME_SIZE]);

/* TPM2_Quote of the PCRs in mask (SHA-256 bank) over nonce, signed by signer
 * (the AK when NULL); the tpm2-tools PCR blob of the quoted values (malloc'ed). */
int sim_node_quote(SimNode *n, const uint8_t *nonce, size_t nonce_size, uint32_t mask, EVP_PKEY *signer,
                   SimBuf *ret_attest, SimBuf *ret_sig, uint8_t **ret_blob, size_t *ret_blob_size);
