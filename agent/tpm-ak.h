/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "tpm-ek.h"

typedef enum AkType {
        AK_RSA2048,   /* RSASSA, restricted signing */
        AK_ECC_P256,  /* ECDSA, restricted signing */
        _AK_TYPE_MAX,
} AkType;

const char *ak_type_to_string(AkType t);
int ak_type_from_string(const char *s, AkType *ret);

/* The attestation key, loaded under the EK. */
typedef struct TpmAk {
        Tpm *tpm;
        ESYS_TR handle;
        TPM2B_PUBLIC public;
        TPM2B_NAME name;
        bool created;   /* made by this call rather than loaded from the state directory */
} TpmAk;

/* Loads the AK kept in state_dir (ak.pub, ak.priv: the wrapped key blob, and
 * ak.ek-name: the name of the EK it lives under), or creates it when none is
 * kept yet and saves it there. An AK kept for a different EK is -ESTALE:
 * the identity is not replaced behind the operator's back. */
int tpm_ak_load_or_create(Tpm *t, const TpmEk *ek, const char *state_dir, AkType type, TpmAk *ret);
void tpm_ak_done(TpmAk *ak);
#define _cleanup_tpm_ak_ _cleanup_(tpm_ak_done)

/* The signature scheme the AK signs with (RSASSA or ECDSA) and its hash. */
TPMI_ALG_SIG_SCHEME tpm_ak_sig_scheme(const TpmAk *ak);
TPMI_ALG_HASH tpm_ak_hash(const TpmAk *ak);
