/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The agent's side of the Keylime v3.0 push protocol: request bodies built
 * (push-protocol.c) and the verifier's answers parsed with limits
 * (push-answer.c). Answers come from the network: a body that is not a JSON
 * object is -ENOMSG, a missing or malformed member -EBADMSG, an oversized
 * body or field (or JSON nested too deep) -E2BIG. */

#define PUSH_API_VERSION "3.0"

/* Sessions: POST /v3.0/sessions, then PATCH /v3.0/sessions/{id}. */
char *push_session_request_body(const char *agent_id);
int push_session_answer_parse(const char *body, size_t size, char **ret_session_id,
                              uint8_t **ret_challenge, size_t *ret_challenge_size);
char *push_session_proof_body(const char *agent_id, const char *session_id,
                              const uint8_t *attest, size_t attest_size,
                              const uint8_t *signature, size_t signature_size);
/* The bearer token of a passed proof; -EACCES when the verifier says "fail". */
int push_session_token_parse(const char *body, size_t size, char **ret_token);

/* What the agent offers: POST /v3.0/agents/{id}/attestations. */
typedef struct PushCapabilities {
        const uint16_t *banks;          /* TPM_ALG_IDs of PCR banks with PCRs 0–23 allocated */
        size_t n_banks;
        const char *signature_scheme;   /* "rsassa" | "ecdsa" */
        const char *key_algorithm;      /* "rsa" | "ecc" */
        unsigned key_size;              /* bits */
        const char *ak_hash;            /* the hash the AK signs with (a restricted key has one) */
        const char *ak_name_hex;        /* the AK's TPM name */
        const uint8_t *ak_public;       /* TPMT_PUBLIC of the AK */
        size_t ak_public_size;
        bool uefi_log;                  /* offered when the log exists */
        uint64_t uefi_entry_count;
        bool ima_log;
        uint64_t ima_entry_count;       /* lines in the IMA log now */
        uint64_t boot_time_usec;        /* µs since the epoch */
        const char *cc_type;            /* "sev-snp" | "tdx" when in a confidential VM, else NULL */
        const char *cc_provider;        /* configfs-tsm provider ("sev_guest", "tdx_guest") */
} PushCapabilities;

char *push_capabilities_body(const PushCapabilities *c);

typedef enum PushEvidenceKind {
        PUSH_EVIDENCE_TPM_QUOTE,
        PUSH_EVIDENCE_UEFI_LOG,
        PUSH_EVIDENCE_IMA_LOG,
        PUSH_EVIDENCE_SEV_SNP,          /* certification/sev-snp */
        PUSH_EVIDENCE_TDX,              /* certification/tdx */
        _PUSH_EVIDENCE_MAX,
} PushEvidenceKind;

#define PUSH_CHALLENGE_SIZE_MAX 64u

/* What the verifier chose, from the 201 answer. */
typedef struct PushRequest {
        PushEvidenceKind order[_PUSH_EVIDENCE_MAX];   /* as requested; evidence goes back in this order */
        size_t n_items;
        uint8_t challenge[PUSH_CHALLENGE_SIZE_MAX];
        size_t challenge_size;
        uint16_t pcr_bank;              /* TPM_ALG_ID of the bank quoted */
        uint32_t pcr_mask;              /* bit n: PCR n */
        uint16_t hash_alg;              /* TPM_ALG_ID the quote is signed over */
        char signature_scheme[16];
        uint64_t ima_starting_offset;
        uint8_t cc_report_data[64];     /* what the confidential VM's report must carry */
} PushRequest;

int push_capabilities_answer_parse(const char *body, size_t size, PushRequest *ret);
/* The attestation's path from the answer's links.self, when there is no Location header. */
int push_answer_self_link(const char *body, size_t size, char **ret);

/* PATCH <Location> with the evidence, in the requested order. */
typedef struct PushEvidence {
        const PushRequest *request;
        const uint8_t *quote_attest;
        size_t quote_attest_size;
        const uint8_t *quote_signature;
        size_t quote_signature_size;
        const uint8_t *pcr_blob;
        size_t pcr_blob_size;
        const uint8_t *uefi_log;
        size_t uefi_log_size;
        const char *ima_entries;        /* text lines from the starting offset */
        size_t ima_entries_size;
        uint64_t ima_entry_count;
        const uint8_t *cc_report;       /* SEV-SNP report or TDX quote */
        size_t cc_report_size;
        const uint8_t *cc_cert;         /* SEV-SNP: VCEK or VLEK (DER) from the host, or NULL */
        size_t cc_cert_size;
} PushEvidence;

char *push_evidence_body(const PushEvidence *e);
/* 202 answer: meta.seconds_to_next_attestation (at most PUSH_INTERVAL_MAX_SEC). */
int push_evidence_answer_parse(const char *body, size_t size, uint64_t *ret_seconds_to_next);

typedef enum PushEvaluation {
        PUSH_EVALUATION_PENDING,
        PUSH_EVALUATION_PASS,
        PUSH_EVALUATION_FAIL,
} PushEvaluation;

/* GET …/attestations/latest. */
typedef struct PushVerdict {
        PushEvaluation evaluation;
        bool complete;                  /* stage verification_complete */
        char **failures;                /* NULL-terminated: failure_reason, then failure ids */
        char *ear;                      /* the verifier's signed result (compact JWS), or NULL */
} PushVerdict;

int push_verdict_parse(const char *body, size_t size, PushVerdict *ret);
void push_verdict_done(PushVerdict *v);
const char *push_evaluation_to_string(PushEvaluation e);

/* Keylime 7.14 lets only admins read attestations; an agent may read its own
 * record in the v2 envelope (GET /v2.N/agents/{id}): results[.{id}].
 * attestation_status PASS | FAIL | TIMEOUT | PENDING, last_event_id as the
 * reason of a failure. */
#define PUSH_AGENT_STATUS_API_VERSION "2.6"
int push_agent_status_parse(const char *body, size_t size, const char *agent_id, PushVerdict *ret);   /* "PENDING" | "PASS" | "FAIL" */

/* The "detail" (else "title") of the first JSON:API error, printable ASCII
 * of at most PUSH_ERROR_DETAIL_MAX characters; NULL when none is usable. */
char *push_answer_error(const char *body, size_t size);
