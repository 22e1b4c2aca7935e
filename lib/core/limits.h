/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */

/* Credential blob (MakeCredential output): sizes of TPMU_ID_OBJECT (HMAC of
 * the largest digest plus a 2-byte-sized digest) and TPMU_ENCRYPTED_SECRET
 * (the largest RSA/ECC secret), and the whole file. */
#define TPM2_ID_OBJECT_SIZE_MAX 132
#define TPM2_ENCRYPTED_SECRET_SIZE_MAX 512
#define TPM2_CREDENTIAL_BLOB_SIZE_MAX (8 + 2 + TPM2_ID_OBJECT_SIZE_MAX + 2 + TPM2_ENCRYPTED_SECRET_SIZE_MAX)
