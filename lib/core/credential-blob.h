/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A credential as MakeCredential produces it, in the tpm2-tools file layout:
 * u32 BE magic 0xBADCC0DE, u32 BE version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET. */
#define CREDENTIAL_BLOB_MAGIC   UINT32_C(0xBADCC0DE)
#define CREDENTIAL_BLOB_VERSION UINT32_C(1)

/* Views into the parsed buffer (not copies). */
typedef struct CredentialBlob {
        const uint8_t *id_object;     /* TPM2B_ID_OBJECT.credential (integrityHMAC ‖ encIdentity) */
        size_t id_object_size;
        const uint8_t *secret;        /* TPM2B_ENCRYPTED_SECRET.secret */
        size_t secret_size;
} CredentialBlob;

/* Parses a credential blob; -EBADMSG on truncation, a wrong magic or version,
 * an oversized field or trailing bytes. */
int credential_blob_parse(const uint8_t *buf, size_t len, CredentialBlob *ret);
