/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Whether a node may receive a secret now: the checks of
 * POST /v3.0/agents/{id}/secrets/{name}, without any IO. The caller has
 * looked up the node (its AK and latest attestation) and the single-use
 * challenge it issued for this node and name. */

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tpm2-public.h"

typedef enum SecretRefusal {
        SECRET_RELEASE_OK = 0,
        SECRET_REFUSED_BAD_KEY,             /* the public key does not parse */
        SECRET_REFUSED_KEY_NOT_TPM_BOUND,   /* not a fixedTPM unrestricted decryption key */
        SECRET_REFUSED_CERTIFICATION,       /* not certified by this node's AK (other TPM, other node) */
        SECRET_REFUSED_CHALLENGE,           /* certified over another challenge: replayed or stale */
        SECRET_REFUSED_WRONG_KEY,           /* the certification names another key */
        SECRET_REFUSED_NOT_PASSING,         /* the latest attestation did not pass */
        SECRET_REFUSED_STALE,               /* it passed longer ago than allowed */
        _SECRET_REFUSAL_MAX,
} SecretRefusal;

const char *secret_refusal_to_string(SecretRefusal r);   /* "stale_attestation", … */
const char *secret_refusal_to_message(SecretRefusal r);

typedef struct SecretReleaseRequest {
        EVP_PKEY *ak;                       /* the node's registered AK */
        const uint8_t *challenge;           /* issued for this node and name, now consumed */
        size_t challenge_size;
        const uint8_t *key_public;          /* TPM2B_PUBLIC of the fresh decryption key */
        size_t key_public_size;
        const uint8_t *certify_attest;      /* TPMS_ATTEST of TPM2_Certify(key, AK, challenge) */
        size_t certify_attest_size;
        const uint8_t *certify_signature;   /* TPMT_SIGNATURE */
        size_t certify_signature_size;
} SecretReleaseRequest;

typedef struct SecretNodeStatus {
        const char *verdict;                /* the latest verdict, "PASS" to release */
        uint64_t last_attestation_usec;     /* when it was reached */
} SecretNodeStatus;

/* Checks the key, its certification and the node's latest attestation
 * (passed, at most max_age_usec before now_usec). Returns negative errno only
 * on failures of the checker itself; a refusal is 0 with *ret_refusal set.
 * On SECRET_RELEASE_OK *ret_key (optional) gets the parsed key to wrap to. */
int secret_release_check(const SecretReleaseRequest *req, const SecretNodeStatus *status,
                         uint64_t now_usec, uint64_t max_age_usec,
                         SecretRefusal *ret_refusal, Tpm2Public **ret_key);

/* Just the freshness rule, for callers that check it before the costly part. */
SecretRefusal secret_release_freshness(const SecretNodeStatus *status, uint64_t now_usec, uint64_t max_age_usec);
