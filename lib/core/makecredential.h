/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tpm2-public.h"

/* TPM2_MakeCredential in software (TPM 2.0 Part 1, "Credential Protection"):
 * binds a credential to the name of an object (the AK) so that only the TPM
 * holding the EK can recover it with TPM2_ActivateCredential. RSA EKs take the
 * seed through RSA-OAEP with label "IDENTITY"; ECC EKs (P-256, P-384) through
 * an ephemeral ECDH and KDFe. The EK must be a restricted decryption key with
 * an AES-CFB symmetric definition. */

/* The tpm2-tools credential file: u32 BE magic ‖ u32 BE version ‖
 * TPM2B_ID_OBJECT ‖ TPM2B_ENCRYPTED_SECRET. */
#define CREDENTIAL_FILE_MAGIC   0xBADCC0DEu
#define CREDENTIAL_FILE_VERSION 1u

/* Length of the random credential Keylime sends: alphanumeric characters. */
#define CREDENTIAL_KEYLIME_SECRET_SIZE 32u

typedef struct CredentialBlob {
        uint8_t id_object[CREDENTIAL_ID_OBJECT_SIZE_MAX];       /* TPM2B_ID_OBJECT buffer */
        size_t id_object_size;
        uint8_t encrypted_secret[CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX]; /* TPM2B_ENCRYPTED_SECRET buffer */
        size_t encrypted_secret_size;
} CredentialBlob;

/* Makes the credential for object_name (a TPM name) under ek. secret is 1 to
 * the EK's nameAlg digest size bytes. */
int makecredential(const Tpm2Public *ek, const uint8_t *object_name, size_t object_name_size,
                   const uint8_t *secret, size_t secret_size, CredentialBlob *ret);

/* Serialises a blob in the tpm2-tools credential file format (malloc'ed). */
int credential_blob_serialize(const CredentialBlob *blob, uint8_t **ret, size_t *ret_size);

/* Parses the tpm2-tools credential file format; trailing bytes are -EBADMSG.
 * The ID object is checked to hold a TPM2B integrity HMAC and a non-empty
 * encrypted credential. */
int credential_blob_parse(const uint8_t *buf, size_t len, CredentialBlob *ret);

/* A random alphanumeric credential of n characters (no NUL) as Keylime makes it. */
int credential_random_secret(uint8_t *buf, size_t n);
