/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"

/* The key derivation functions of TPM 2.0 Part 1 §11.4.10. label is given
 * without its terminating NUL (it is hashed with one). out gets bits/8 bytes. */

/* KDFa: SP 800-108 counter mode with HMAC_hash(key, …). */
int tpm2_kdfa(const HashAlg *hash, const uint8_t *key, size_t key_size, const char *label,
              const uint8_t *context_u, size_t context_u_size,
              const uint8_t *context_v, size_t context_v_size,
              size_t bits, uint8_t *out);

/* KDFe: SP 800-56A concatenation KDF with hash over Z (the ECDH x coordinate). */
int tpm2_kdfe(const HashAlg *hash, const uint8_t *z, size_t z_size, const char *label,
              const uint8_t *party_u, size_t party_u_size,
              const uint8_t *party_v, size_t party_v_size,
              size_t bits, uint8_t *out);

/* HMAC_hash(key, data) into out (hash->size bytes). */
int tpm2_hmac(const HashAlg *hash, const uint8_t *key, size_t key_size,
              const uint8_t *data1, size_t size1, const uint8_t *data2, size_t size2, uint8_t *out);
