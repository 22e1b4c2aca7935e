/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Every count and size an attacker controls, in one place. Each limit has a
 * test that feeds one more than it allows. */

/* TPM 2.0 structures */

/* TCG event logs (tcg-eventlog.c) */
#define TCG_EVENTLOG_SIZE_MAX     (16u * 1024u * 1024u) /* bytes of one log */
#define TCG_EVENTLOG_EVENTS_MAX   16384u                /* events in one log */
#define TCG_EVENT_DATA_SIZE_MAX   (1024u * 1024u)       /* EventSize of one event */
#define TCG_EVENT_DIGESTS_MAX     8u                    /* digests per event, algorithms per Spec ID event */
#define TCG_DIGEST_SIZE_MAX       128u                  /* declared size of an unknown algorithm's digest */

/* EFI structures inside events (efi-decode.c) */
#define EFI_VARIABLE_NAME_MAX     1024u                 /* UTF-16 code units of a variable name */
#define EFI_SIGNATURES_MAX        16384u                /* EFI_SIGNATURE_DATA entries in one variable */
#define EFI_DEVICE_PATH_NODES_MAX 128u                  /* nodes of one device path */
#define EFI_GPT_PARTITIONS_MAX    1024u                 /* partition entries of one GPT event */
#define EFI_STRING_MAX            (64u * 1024u)         /* bytes of a decoded event string */

/* Measured-boot reference states and PCR value files (boot-policy.c, pcr-values.c) */
#define BOOT_POLICY_SIZE_MAX      (16u * 1024u * 1024u) /* bytes of one reference state */
#define BOOT_POLICY_ITEMS_MAX     65536u                /* entries of one list in it */
#define PCR_VALUES_SIZE_MAX       (1024u * 1024u)       /* bytes of a PCR values JSON file */
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
/* IMA measurement list */
#define IMA_LINE_MAX               (128u * 1024u)   /* one ascii line, without its newline */
#define IMA_LOG_ENTRIES_MAX        (64u * 1024u * 1024u) /* entries replayed in one state */
#define IMA_PCR_MAX                23u              /* highest PCR an entry may name */
#define IMA_ALG_NAME_MAX           15u              /* "sha256" in "sha256:<hex>" */
#define IMA_NAME_MAX               4096u            /* file name or ima-buf name, bytes */
#define IMA_LEGACY_NAME_MAX        255u             /* template "ima": name field (IMA_EVENT_NAME_LEN_MAX) */
#define IMA_SIG_MAX                2048u            /* sig field, bytes */
#define IMA_BUF_MAX                (32u * 1024u)    /* ima-buf payload, bytes */
#define IMA_MODSIG_MAX             (16u * 1024u)    /* modsig field (PKCS#7), bytes */
#define IMA_TEMPLATE_NAME_MAX      32u              /* binary list: template name */
#define IMA_TEMPLATE_DATA_MAX      (64u * 1024u)    /* binary list: template data; ascii rebuilt */
#define IMA_MODSIG_SIGNERS_MAX     1u               /* SignerInfos of a modsig: sign-file writes one */
#define IMA_MODSIG_SIGNATURE_MAX   512u             /* signature of a modsig, bytes (RSA 4096) */
#define IMA_MODSIG_SKID_MAX        64u              /* subjectKeyIdentifier of a modsig signer, bytes */

/* Runtime policy (Keylime format version 1) */
#define RUNTIME_POLICY_SIZE_MAX           (2048u * 1024u * 1024u - 1u) /* policy text, bytes */
#define RUNTIME_POLICY_DIGESTS_MAX        (16u * 1024u * 1024u) /* digests in all maps together */
#define RUNTIME_POLICY_DIGESTS_PER_NAME_MAX 255u
#define RUNTIME_POLICY_EXCLUDES_MAX       8192u
#define RUNTIME_POLICY_EXCLUDE_LEN_MAX    4096u
#define RUNTIME_POLICY_KEYS_MAX           256u
#define RUNTIME_POLICY_KEY_DER_MAX        16384u
#define RUNTIME_POLICY_NAMES_MAX          128u  /* ignored_keyrings entries */
#define RUNTIME_POLICY_FAILURES_MAX       1000u /* failures kept per evaluation (all are counted) */

/* HTTP and JSON (lib/shared/json-util.c, lib/shared/http-server.c) */
#define HTTP_BODY_MAX            (4u * 1024u * 1024u) /* a JSON answer or document parsed whole */
#define HTTP_UNAUTH_BODY_MAX     (64u * 1024u)       /* a request before authentication (registration, sessions) */
#define HTTP_EVIDENCE_BODY_MAX   (256u * 1024u * 1024u) /* ceiling of max_evidence_size= (bearer token required) */
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
#define REG_EKCERT_PEM_MAX       (32u * 1024u)       /* ekcert as PEM text (the EK certificate and its chain) */
#define REG_EKCERT_CHAIN_MAX     8u                  /* certificates in an ekcert PEM chain, the EK's included */
#define X509_DER_SIZE_MAX        REG_CERT_DER_MAX    /* one certificate (IAK, IDevID) read by the agent */
#define X509_PEM_SIZE_MAX        (64u * 1024u)       /* the file or NV index holding it, DER or PEM */
#define AUTH_TAG_HEX_MAX         128u                /* hex characters of auth_tag (SHA-512 at most) */

/* Secrets released to nodes (lib/core/secret-name.c, lib/core/luks-attest-token.c) */
#define SECRET_NAME_MAX          64u                 /* [A-Za-z0-9._-], not starting with '.' */
#define SECRET_SIZE_MAX          4096u               /* bytes of one secret */
#define LUKS_TOKEN_JSON_MAX      (64u * 1024u)       /* one token's JSON text */
#define LUKS_TOKEN_KEYSLOTS_MAX  32u                 /* LUKS2 keyslots listed by a token */
#define LUKS_TOKEN_TIMEOUT_MAX   3600u               /* seconds the token waits for the agent */
#define SECRET_CHALLENGE_SIZE    32u                 /* bytes of a secret-request challenge */
#define SECRET_CHALLENGES_MAX    4096u               /* outstanding challenges (one per node and name) */
#define SECRET_CHALLENGE_TTL_SEC 60u                 /* a challenge is good for this long, once */
#define SECRETS_PER_NODE_MAX     64u
#define SECRET_KEY_FILE_MAX      128u                /* 32 raw bytes, or 64 hex digits and a newline */
#define SECRET_ENCAPSULATED_MAX  512u                /* RSA-4096 ciphertext, or an ECC point */

/* The tpm engine's policy (tpm-policy.c) */
#define TPM_POLICY_SIZE_MAX        (1024u * 1024u)  /* bytes of one policy */
#define TPM_POLICY_VALUES_MAX      256u             /* allowed values of one PCR */
#define TPM_POLICY_PCR_MAX         23u              /* highest PCR a policy may name */

/* The exec engine's verdict (plugins/exec-verdict.c) */
#define EXEC_VERDICT_SIZE_MAX     (1024u * 1024u)  /* bytes of one verdict */
#define EXEC_VERDICT_FAILURES_MAX 1000u            /* failures in one verdict */
#define EXEC_FAILURE_ID_MAX       128u             /* bytes of one failure id */

/* Answers of a registrar to the agent (lib/shared/registrar-answer.c) */
#define REG_ANSWER_MAX           (64u * 1024u)       /* whole answer body */
#define REG_VERIFIER_URL_MAX     2048u               /* results.verifier_url */
#define REG_ANSWER_STATUS_MAX    256u                /* "status" text shown in messages */

/* Response headers the agent's HTTP client keeps (lib/shared/http-client.c) */
#define HTTP_HEADER_VALUE_MAX    4096u               /* Location */
#define HTTP_MEDIA_TYPE_MAX      255u                /* type/subtype of a Content-Type */
#define HTTP_RETRY_AFTER_MAX_SEC (24u * 3600u)       /* a longer Retry-After is ignored */

/* Push attestation requests (lib/shared/push-request.c) */
#define PUSH_EVIDENCE_ITEMS_MAX   8u                  /* evidence_supported / evidence_collected items */
#define PUSH_NAMES_MAX            16u                 /* hash_algorithms, signature_schemes */
#define PUSH_NAME_MAX             32u                 /* bytes of one algorithm, class or type name */
#define PUSH_BANKS_MAX            TPM2_PCR_SELECTIONS_MAX /* banks of available_subjects */
#define PUSH_UEFI_LOG_MAX         TCG_EVENTLOG_SIZE_MAX   /* decoded uefi_log entries */
#define PUSH_IMA_TEXT_MAX         HTTP_EVIDENCE_BODY_MAX /* ima_log entries text */
#define PUSH_TIMESTAMP_MAX        64u                 /* bytes of an RFC 3339 boot_time */

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
#define PUSH_IMA_CHUNK_MAX       (HTTP_BODY_MAX / 2u)  /* IMA lines sent in one push */
#define PUSH_IMA_LINE_MAX        (64u * 1024u)         /* one IMA ascii line */

/* Per-node policies for engines beyond tpm/boot/runtime (verifierd admin API, tenant.conf) */
#define NODE_ENGINE_POLICIES_MAX 16u                 /* engines one node may add */

/* Signed attestation results (lib/shared/jws.c, attestctl result verify) */
#define JWT_SIZE_MAX             (64u * 1024u)       /* one compact JWS, all three parts */
#define JWKS_SIZE_MAX            (256u * 1024u)      /* a JWK set document */
#define JWKS_KEYS_MAX            16u                 /* keys used from one JWK set */
#define JWS_KID_MAX              64u                 /* a key id (ours: 43 base64url characters) */

/* Confidential-computing evidence and its certificates (lib/core/cc-cert.c,
 * snp-report.c: an SEV-SNP report has the fixed size SNP_REPORT_SIZE) */
#define CC_CERT_FILE_MAX         (64u * 1024u)       /* a certificate, CA bundle or CRL as given by the operator */
#define CC_CERT_BUNDLE_MAX       16u                 /* certificates in one bundle or issuer chain */
#define TDX_QUOTE_SIZE_MAX       (64u * 1024u)       /* a TDX quote, padding included */
#define TDX_QE_AUTH_DATA_MAX     4096u               /* QE authentication data inside a quote */
#define TDX_PCK_CHAIN_MAX        (16u * 1024u)       /* the PEM PCK chain inside a quote */
#define TDX_COLLATERAL_SIZE_MAX  (1024u * 1024u)     /* the collateral JSON document */
#define TDX_TCB_LEVELS_MAX       256u                /* tcbLevels of TCB Info, a module identity or QE Identity */
#define TDX_MODULE_IDENTITIES_MAX 32u                /* tdxModuleIdentities of TCB Info */
#define TDX_ADVISORY_IDS_MAX     64u                 /* advisoryIDs of one TCB level */
#define TDX_ADVISORY_ID_MAX      32u                 /* bytes of one advisory id ("INTEL-SA-00837") */
#define CC_POLICY_SIZE_MAX       (1024u * 1024u)     /* an snp or tdx engine policy document */
#define CC_POLICY_VALUES_MAX     4096u               /* entries of one allow-list in it */
#define CC_AUXBLOB_SIZE_MAX      (64u * 1024u)       /* SEV-SNP certificate table from the host */
#define CC_AUXBLOB_ENTRIES_MAX   32u                 /* entries of that table */
