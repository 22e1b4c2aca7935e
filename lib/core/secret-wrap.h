/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Wrapping a secret to a TPM-resident decryption key, so that only the TPM
 * holding the private part can recover it, and sealing secrets at rest.
 *
 * To a TPM key (hybrid: a KEM gives a fresh AES-256 key, AES-256-GCM carries
 * the secret, bound to the caller's additional data):
 *   RSA: the AES key encrypted with RSA-OAEP (hash = the key's nameAlg,
 *        label SECRET_WRAP_OAEP_LABEL with its NUL, as TPM2_RSA_Decrypt takes
 *        labels); the TPM recovers it with TPM2_RSA_Decrypt.
 *   ECC: an ephemeral ECDH key on the key's curve; the TPM computes the shared
 *        x coordinate Z with TPM2_ECDH_ZGen; AES key = HKDF(nameAlg, salt =
 *        ephemeral point, IKM = Z, info = SECRET_WRAP_HKDF_INFO).
 * At rest: AES-256-GCM under a master key, stored as iv ‖ ciphertext ‖ tag. */

#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"
#include "tpm2-public.h"

#define SECRET_WRAP_KEY_SIZE 32u
#define SECRET_WRAP_IV_SIZE 12u
#define SECRET_WRAP_TAG_SIZE 16u
#define SECRET_WRAP_OAEP_LABEL "hostattest secret"
#define SECRET_WRAP_HKDF_INFO "hostattest secret v1"
#define SECRET_SEAL_OVERHEAD (SECRET_WRAP_IV_SIZE + SECRET_WRAP_TAG_SIZE)

typedef enum SecretKem {
        SECRET_KEM_RSA_OAEP,
        SECRET_KEM_ECDH,
} SecretKem;

const char *secret_kem_to_string(SecretKem k);   /* "rsa-oaep", "ecdh-hkdf" */

typedef struct SecretWrapped {
        SecretKem kem;
        const HashAlg *hash;            /* OAEP resp. HKDF hash: the key's nameAlg */
        uint8_t *encapsulated;          /* RSA ciphertext, or the ephemeral point 04 ‖ X ‖ Y */
        size_t encapsulated_size;
        uint8_t iv[SECRET_WRAP_IV_SIZE];
        uint8_t *ciphertext;
        size_t ciphertext_size;
        uint8_t tag[SECRET_WRAP_TAG_SIZE];
} SecretWrapped;

void secret_wrapped_done(SecretWrapped *w);

/* Whether pub may receive secrets: a key that never leaves its TPM (fixedTPM,
 * fixedParent, sensitiveDataOrigin), unrestricted, for decryption and not for
 * signing, and for RSA without a scheme other than OAEP. -EKEYREJECTED if not. */
int secret_wrap_key_check(const Tpm2Public *pub);

/* Wraps secret (1..SECRET_SIZE_MAX bytes) to pub. */
int secret_wrap(const Tpm2Public *pub, const uint8_t *aad, size_t aad_size,
                const uint8_t *secret, size_t secret_size, SecretWrapped *ret);

/* The AES key of an ECDH wrapping from Z (the x coordinate of the shared point). */
int secret_wrap_ecdh_key(const HashAlg *hash, const uint8_t *z, size_t z_size,
                         const uint8_t *ephemeral, size_t ephemeral_size,
                         uint8_t ret_key[SECRET_WRAP_KEY_SIZE]);

/* The AEAD half of unwrapping, once the TPM gave the AES key. -EBADMSG when
 * the tag does not verify (wrong key, other additional data, tampering). The
 * result is to be freed with erase_and_free_size(). */
int secret_unwrap_aead(const uint8_t key[SECRET_WRAP_KEY_SIZE], const SecretWrapped *w,
                       const uint8_t *aad, size_t aad_size, uint8_t **ret, size_t *ret_size);

/* The AEAD half of wrapping: a random IV, then w's ciphertext and tag. */
int secret_wrap_aead(const uint8_t key[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                     const uint8_t *secret, size_t size, SecretWrapped *w);

/* At rest. ret gets iv ‖ ciphertext ‖ tag (size + SECRET_SEAL_OVERHEAD). */
int secret_seal(const uint8_t master[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                const uint8_t *plain, size_t size, uint8_t **ret, size_t *ret_size);
/* -EBADMSG when sealed was not made with this key and aad. */
int secret_unseal(const uint8_t master[SECRET_WRAP_KEY_SIZE], const uint8_t *aad, size_t aad_size,
                  const uint8_t *sealed, size_t size, uint8_t **ret, size_t *ret_size);

/* The additional data that binds a secret to its node and name: id ‖ 0 ‖ name. */
int secret_aad(const char *node_id, const char *name, uint8_t **ret, size_t *ret_size);
