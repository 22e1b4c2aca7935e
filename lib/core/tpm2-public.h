/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "hash-alg.h"
#include "limits.h"
#include "macro.h"

/* A parsed TPMT_PUBLIC of an RSA (2048, 3072, 4096) or ECC (P-256, P-384,
 * P-521) key, with its TPM name. Other key types and sizes are refused. */
typedef struct Tpm2Public {
        TPMT_PUBLIC area;               /* unmarshalled public area */
        const HashAlg *name_alg;        /* area.nameAlg */
        unsigned key_bits;              /* RSA modulus or curve size in bits */
        uint8_t name[TPM2_NAME_SIZE_MAX]; /* nameAlg (BE) ‖ H(TPMT_PUBLIC bytes) */
        size_t name_size;
        uint8_t *tpmt;                  /* the TPMT_PUBLIC bytes exactly as received */
        size_t tpmt_size;
} Tpm2Public;

Tpm2Public *tpm2_public_free(Tpm2Public *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Tpm2Public *, tpm2_public_free);

/* Parses a TPM2B_PUBLIC (as tpm2_createak -u and Keylime's ek_tpm/aik_tpm carry it).
 * Trailing bytes, unknown algorithms, unsupported sizes are -EBADMSG. */
int tpm2_public_parse(const uint8_t *buf, size_t len, Tpm2Public **ret);

/* Parses a bare TPMT_PUBLIC (Keylime v3 certification_keys[].public). */
int tpm2_public_parse_tpmt(const uint8_t *buf, size_t len, Tpm2Public **ret);

/* Computes a TPM name: nameAlg (big endian) ‖ H_nameAlg(data). ret holds
 * TPM2_NAME_SIZE_MAX bytes. -EOPNOTSUPP for an unknown nameAlg. */
int tpm2_name_compute(uint16_t name_alg, const uint8_t *data, size_t len,
                      uint8_t *ret, size_t *ret_size);

/* Builds an OpenSSL public key (RSA or EC) from the public area. */
int tpm2_public_to_evp_pkey(const Tpm2Public *p, EVP_PKEY **ret);

/* TPMA_OBJECT checks used by registration. */
bool tpm2_public_is_restricted_signing(const Tpm2Public *p);
bool tpm2_public_is_restricted_decryption(const Tpm2Public *p);

/* OpenSSL group name ("prime256v1", …) of a TPM curve id; NULL if not supported. */
const char *tpm2_curve_to_group(uint16_t curve_id);
