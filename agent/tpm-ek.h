/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpm-context.h"

/* The EK kinds of the TCG EK Credential Profile this agent creates. */
typedef enum EkType {
        EK_RSA2048,   /* template L-1, certificate at 0x01c00002 */
        EK_ECC_P256,  /* template L-2, certificate at 0x01c0000a */
        EK_ECC_P384,  /* template H-3, certificate at 0x01c00016 */
        _EK_TYPE_MAX,
        EK_AUTO = -1, /* the first kind the TPM supports, in the order above */
} EkType;

const char *ek_type_to_string(EkType t);
/* "rsa"/"rsa2048", "ecc"/"ecc256"/"p256", "ecc384"/"p384", "auto". */
int ek_type_from_string(const char *s, EkType *ret);

/* A loaded EK: a transient handle owned by this struct. */
typedef struct TpmEk {
        Tpm *tpm;
        EkType type;
        ESYS_TR handle;
        TPM2B_PUBLIC public;
        TPM2B_NAME name;
        bool needs_policy;   /* L templates: use only through PolicySecret(endorsement) */
} TpmEk;

/* Creates the EK of the given type from its default template (deterministic:
 * the same TPM always yields the same key). EK_AUTO picks the first type the
 * TPM accepts. */
int tpm_ek_create(Tpm *t, EkType type, TpmEk *ret);
void tpm_ek_done(TpmEk *ek);
#define _cleanup_tpm_ek_ _cleanup_(tpm_ek_done)

/* Reads the EK certificate (DER) from its NV index; -ENOENT when the index
 * is not defined. */
int tpm_ek_read_cert(Tpm *t, EkType type, uint8_t **ret, size_t *ret_size);

/* The authorisation session to use the EK as parent or decryption key:
 * a fresh PolicySecret session (which the caller flushes) or the password. */
int tpm_ek_auth_session(const TpmEk *ek, ESYS_TR *ret_session);

/* Serialises the EK public as TPM2B_PUBLIC (the "ek_tpm" wire form). */
int tpm_public_marshal(const TPM2B_PUBLIC *pub, uint8_t **ret, size_t *ret_size);
