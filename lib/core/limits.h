/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */

/* HTTP and JSON (lib/shared/json-util.c, lib/shared/http-server.c) */
#define HTTP_BODY_MAX            (4u * 1024u * 1024u) /* a request body from a node; larger is 413 */
#define HTTP_ADMIN_BODY_MAX      (128u * 1024u * 1024u) /* from an admin caller (policies) */
#define JSON_DEPTH_MAX           32u
#define JSON_STRING_FIELD_MAX    (1024u * 1024u)     /* one string field of a request */

/* Registration (lib/shared/registration-request.c) */
#define AGENT_ID_MAX             255u                /* bytes of an agent id */
#define REG_TPM2B_PUBLIC_MAX     1024u               /* decoded ek_tpm / aik_tpm / iak_tpm / idevid_tpm */
#define REG_CERT_DER_MAX         (16u * 1024u)       /* decoded ekcert / iak_cert / idevid_cert */
#define REG_ATTEST_MAX           1024u               /* decoded iak_attest */
#define REG_SIGNATURE_MAX        1024u               /* decoded iak_sign */
#define REG_MTLS_CERT_MAX        (16u * 1024u)       /* PEM text */
#define AUTH_TAG_HEX_MAX         128u                /* hex characters of auth_tag (SHA-512 at most) */
