/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */
#define TPM2_PUBLIC_SIZE_MAX          1024u  /* TPM2B_PUBLIC.size: a 4096-bit RSA key with a policy fits easily */
#define TPM2_NAME_SIZE_MAX            (2u + 64u) /* TPM2B_NAME: nameAlg ‖ digest */
#define TPM2_DATA_SIZE_MAX            64u    /* TPM2B_DATA (extraData, qualifying data) */
#define TPM2_DIGEST_SIZE_MAX          64u    /* TPM2B_DIGEST */
#define TPM2_ATTEST_SIZE_MAX          1024u  /* TPMS_ATTEST as signed by the TPM */
#define TPM2_SIGNATURE_SIZE_MAX       1024u  /* TPMT_SIGNATURE as a whole */
#define TPM2_RSA_SIGNATURE_SIZE_MAX   512u   /* TPM2B_PUBLIC_KEY_RSA of a signature (RSA 4096) */
#define TPM2_ECC_PARAMETER_SIZE_MAX   66u    /* TPM2B_ECC_PARAMETER (P-521) */
#define TPM2_PCR_SELECTIONS_MAX       16u    /* TPML_PCR_SELECTION.count */
#define TPM2_PCR_SELECT_SIZE_MAX      4u     /* TPMS_PCR_SELECTION.sizeofSelect (32 PCRs) */
#define TPM2_PCRS_PER_BANK_MAX        32u    /* PCR indexes 0..31 */

/* tpm2-tools PCR blob and the Keylime quote string */
#define PCR_BLOB_SELECTION_SLOTS      16u    /* fixed slots of the serialised TPML_PCR_SELECTION */
#define PCR_BLOB_DIGEST_LISTS_MAX     64u    /* number of TPML_DIGEST that follow */
#define PCR_BLOB_DIGESTS_PER_LIST     8u     /* TPML_DIGEST holds up to 8 digests */
#define QUOTE_STRING_SIZE_MAX         (64u * 1024u)

/* MakeCredential and the credential file */
#define CREDENTIAL_SECRET_SIZE_MAX    64u    /* the credential is a TPM2B_DIGEST */
#define CREDENTIAL_ID_OBJECT_SIZE_MAX (2u + 64u + 2u + 64u) /* TPM2B_ID_OBJECT: integrity HMAC ‖ encrypted credential */
#define CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX 512u /* TPM2B_ENCRYPTED_SECRET: RSA 4096 or an ECC point */
#define CREDENTIAL_BLOB_SIZE_MAX      (8u + 2u + CREDENTIAL_ID_OBJECT_SIZE_MAX + 2u + CREDENTIAL_ENCRYPTED_SECRET_SIZE_MAX)

/* HTTP and JSON (lib/shared/json-util.c, lib/shared/http-server.c) */
#define HTTP_BODY_MAX            (4u * 1024u * 1024u) /* a request body from a node; larger is 413 */
#define HTTP_ADMIN_BODY_MAX      (128u * 1024u * 1024u) /* from an admin caller (policies) */
#define JSON_DEPTH_MAX           32u
#define JSON_STRING_FIELD_MAX    (1024u * 1024u)     /* one string field of a request */

/* Registration (lib/shared/registration-request.c) */
#define AGENT_ID_MAX             255u                /* bytes of an agent id */
#define REG_TPM2B_PUBLIC_MAX     (2u + TPM2_PUBLIC_SIZE_MAX)             /* decoded ek_tpm / aik_tpm / iak_tpm / idevid_tpm */
#define REG_CERT_DER_MAX         (16u * 1024u)       /* decoded ekcert / iak_cert / idevid_cert */
#define REG_ATTEST_MAX           TPM2_ATTEST_SIZE_MAX             /* decoded iak_attest */
#define REG_SIGNATURE_MAX        TPM2_SIGNATURE_SIZE_MAX             /* decoded iak_sign */
#define REG_MTLS_CERT_MAX        (16u * 1024u)       /* PEM text */
#define AUTH_TAG_HEX_MAX         128u                /* hex characters of auth_tag (SHA-512 at most) */

/* Answers of a registrar to the agent (lib/shared/registrar-answer.c) */
#define REG_ANSWER_MAX           (64u * 1024u)       /* whole answer body */
#define REG_VERIFIER_URL_MAX     2048u               /* results.verifier_url */
#define REG_ANSWER_STATUS_MAX    256u                /* "status" text shown in messages */

/* Response headers the agent's HTTP client keeps (lib/shared/http-client.c) */
#define HTTP_HEADER_VALUE_MAX    4096u               /* Location */
#define HTTP_RETRY_AFTER_MAX_SEC (24u * 3600u)       /* a longer Retry-After is ignored */

/* The verifier's answers to a pushing agent (lib/shared/push-answer.c) */
#define PUSH_ANSWER_MAX          (16u * 1024u * 1024u) /* whole answer; the latest attestation may echo the logs */
#define PUSH_SESSION_ID_MAX      128u                /* data.id of a session */
#define PUSH_TOKEN_MAX           512u                /* the bearer token */
#define PUSH_PCR_INDEX_MAX       24                  /* PCRs the agent offers: 0..23 */
#define PUSH_IMA_OFFSET_MAX      (UINT64_C(1) << 40) /* starting_offset, in IMA entries */
#define PUSH_INTERVAL_MAX_SEC    (7u * 24u * 3600u)  /* seconds_to_next_attestation */
#define PUSH_FAILURES_MAX        64u                 /* failure ids kept from one verdict */
#define PUSH_FAILURE_ID_MAX      256u                /* one failure id or reason */
#define PUSH_ERROR_DETAIL_MAX    512u                /* error detail shown in messages */

/* Evidence the agent reads from the host (agent/push-evidence.c) */
#define PUSH_UEFI_LOG_MAX        (16u * 1024u * 1024u) /* binary_bios_measurements */
#define PUSH_IMA_CHUNK_MAX       (HTTP_BODY_MAX / 2u)  /* IMA lines sent in one push */
#define PUSH_IMA_LINE_MAX        (64u * 1024u)         /* one IMA ascii line */
