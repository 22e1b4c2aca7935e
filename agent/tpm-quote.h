/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "memory-util.h"
#include "tpm-ak.h"

/* Signed TPM evidence in its wire forms. */
typedef struct TpmEvidence {
        uint8_t *attest;       /* TPMS_ATTEST as the TPM signed it */
        size_t attest_size;
        uint8_t *signature;    /* marshalled TPMT_SIGNATURE */
        size_t signature_size;
        uint8_t *pcr_blob;     /* quotes only: PCR values, tpm2-tools layout */
        size_t pcr_blob_size;
} TpmEvidence;

void tpm_evidence_done(TpmEvidence *e);
#define _cleanup_tpm_evidence_ _cleanup_(tpm_evidence_done)

#define TPM_PCR_COUNT 24

/* Quotes the PCRs in pcr_mask (bit n = PCR n) of the bank pcr_hash, with the
 * nonce as qualifyingData, signed by the AK with its scheme and sig_hash
 * (0: the AK's own). The PCR values returned are those the quote covers:
 * when a PCR changes between reading and quoting, both are done again. */
int tpm_quote(Tpm *t, const TpmAk *ak, uint16_t pcr_hash, uint32_t pcr_mask, uint16_t sig_hash,
              const uint8_t *nonce, size_t nonce_size, TpmEvidence *ret);

/* TPM2_Certify of object by signer (both used with their empty password)
 * with qualifying_data; scheme TPM2_ALG_NULL means the signer's own. */
int tpm_certify(Tpm *t, ESYS_TR object, ESYS_TR signer, const TPMT_SIG_SCHEME *scheme,
                const uint8_t *qualifying_data, size_t qualifying_size, TpmEvidence *ret);

/* TPM2_Certify(AK, AK) with the challenge as qualifyingData: the proof of
 * possession of the AK for a session. */
int tpm_certify_ak(Tpm *t, const TpmAk *ak, const uint8_t *challenge, size_t challenge_size,
                   TpmEvidence *ret);

/* Runs TPM2_ActivateCredential on a credential blob (tpm2-tools file
 * layout) made for this EK and the AK's name; returns the credential. */
int tpm_activate_credential(Tpm *t, const TpmEk *ek, const TpmAk *ak,
                            const uint8_t *blob, size_t blob_size, SecretBuffer *ret);
