/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "storage.h"

/* The fields of a Keylime registration (POST /v2.N/agents/{id}, or the
 * attributes of POST /v3.0/agents), base64 decoded and size checked. It says
 * nothing yet about whether the TPM structures inside are valid. */
typedef struct RegistrationRequest {
        Blob ek_tpm, aik_tpm;                  /* TPM2B_PUBLIC, required */
        Blob ekcert;                           /* DER, optional: the EK certificate, then its chain */
        Blob iak_tpm, idevid_tpm;              /* TPM2B_PUBLIC, optional */
        Blob iak_cert, idevid_cert;            /* DER, optional */
        Blob iak_attest, iak_sign;             /* TPMS_ATTEST, TPMT_SIGNATURE */
        char *mtls_cert;                       /* PEM or NULL ("disabled" is NULL) */
        char *ip;
        uint32_t port;
} RegistrationRequest;

/* Fills ret from a JSON object; on error *ret_field names the offending member. */
int registration_request_parse(json_object *o, RegistrationRequest *ret, const char **ret_field);
void registration_request_done(RegistrationRequest *r);

/* Views into an ekcert as stored: the EK certificate (the first DER element)
 * and what follows it (further certificates, or an NV index's padding).
 * -EBADMSG when it does not start with a whole DER SEQUENCE. */
int ekcert_split(const Blob *ekcert, Blob *ret_first, Blob *ret_chain);

/* The "auth_tag" member: hex, decoded. */
int auth_tag_parse(json_object *o, uint8_t **ret, size_t *ret_size);

/* Agent ids: 1–AGENT_ID_MAX characters of [A-Za-z0-9._-], not starting with '.'. */
bool agent_id_is_valid(const char *id);
