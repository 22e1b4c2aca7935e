/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "tpm-ak.h"
#include "tpm-quote.h"

/* The device identity keys of TCG "TPM 2.0 Keys for Device Identity and
 * Attestation", provisioned (by the manufacturer or the operator) as
 * persistent objects, each with a certificate. */
typedef enum DevIdKind {
        DEVID_IAK,     /* restricted signing key: certifies the AK */
        DEVID_IDEVID,  /* signing key: the device's identity */
        _DEVID_KIND_MAX,
} DevIdKind;

const char *devid_kind_to_string(DevIdKind k);

/* Where a key is provisioned. */
typedef struct DevIdConfig {
        uint32_t handle;          /* persistent handle, 0 when not configured */
        const char *certificate;  /* DER or PEM file, or "nv:0x01c90000"; NULL when none */
} DevIdConfig;

/* "0x81020000" → a handle in the persistent range. */
int tpm_persistent_handle_from_string(const char *s, uint32_t *ret);
/* Whether s names a usable certificate source: an absolute path or "nv:<index>". */
int devid_certificate_source_check(const char *s);

/* A provisioned key, read through ReadPublic. The handle refers to a
 * persistent object: it is closed, never flushed. */
typedef struct TpmDevIdKey {
        Tpm *tpm;
        DevIdKind kind;
        uint32_t persistent;
        ESYS_TR handle;
        TPM2B_PUBLIC public;
        TPM2B_NAME name;
        uint8_t *cert;            /* DER, NULL when none is configured */
        size_t cert_size;
} TpmDevIdKey;

/* Loads the key at c->handle and checks that it is the right kind (IAK:
 * restricted signing; IDevID: signing), then reads its certificate. An absent
 * handle is -ENOENT, a wrong kind -EMEDIUMTYPE, an unusable certificate
 * -EBADMSG; each is logged with what is wrong. */
int tpm_devid_key_load(Tpm *t, DevIdKind kind, const DevIdConfig *c, TpmDevIdKey *ret);
void tpm_devid_key_done(TpmDevIdKey *k);
#define _cleanup_tpm_devid_key_ _cleanup_(tpm_devid_key_done)

/* TPM2_Certify(object = AK, signer = IAK) with qualifyingData = SHA-256 of
 * the agent id, signed with the IAK's own scheme: "iak_attest", "iak_sign". */
int tpm_iak_certify_ak(Tpm *t, const TpmDevIdKey *iak, const TpmAk *ak, const char *agent_id, TpmEvidence *ret);
