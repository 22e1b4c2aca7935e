/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The bodies nodes send in the push protocol (KEYLIME-WIRE.md, API v3.0),
 * decoded and size-checked: what a session's proof of possession carries,
 * the capabilities offered when an attestation is created and the evidence
 * sent for it. Everything here is untrusted input; limits in attest-limits.h. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest-limits.h"
#include "cc-evidence.h"
#include "hash-alg.h"
#include "macro.h"

/* Where in the body a refusal points (a JSON:API source pointer) and why. */
typedef struct PushError {
        const char *pointer;
        const char *what;
} PushError;

/* POST /v3.0/sessions: the node id, with tpm_pop among the offered methods. */
int push_session_request_parse(json_object *body, const char **ret_agent_id, PushError *ret_error);

/* PATCH /v3.0/sessions/{id}: the TPM2_Certify result. */
typedef struct PushCertify {
        uint8_t *attest;
        size_t attest_size;
        uint8_t *sig;
        size_t sig_size;
} PushCertify;

int push_certify_parse(json_object *body, PushCertify *ret, PushError *ret_error);
void push_certify_done(PushCertify *c);

typedef struct PushBank {
        const HashAlg *alg;
        uint32_t pcr_mask;              /* PCRs the node can quote in this bank */
} PushBank;

/* POST /v3.0/agents/{id}/attestations */
typedef struct PushCapabilities {
        bool tpm_quote;
        uint32_t hash_mask;             /* TPM2_ALG_BIT()s of hash_algorithms */
        uint32_t sig_mask;              /* TPM2_ALG_BIT()s of signature_schemes */
        PushBank banks[PUSH_BANKS_MAX];
        size_t n_banks;
        bool uefi_log;
        bool ima_log;
        uint64_t ima_entry_count;
        uint64_t boot_time;             /* seconds since the epoch; 0 when not reported */
        bool sev_snp;                   /* certification/sev-snp offered (push-request-cc.c) */
        bool tdx;                       /* certification/tdx offered */
} PushCapabilities;

int push_capabilities_parse(json_object *body, PushCapabilities *ret, PushError *ret_error);

/* PATCH /v3.0/agents/{id}/attestations/{n} */
typedef struct PushEvidence {
        uint8_t *attest, *sig, *pcr_blob;
        size_t attest_size, sig_size, pcr_blob_size;
        bool has_uefi;
        uint8_t *uefi;
        size_t uefi_size;
        bool has_ima;
        char *ima;                      /* text lines from the requested starting_offset */
        size_t ima_size;
        uint64_t ima_entry_count;
        /* A confidential VM's report (push-request-cc.c): its form is checked, not its signature. */
        CcKind cc_kind;                 /* CC_KIND_NONE when none was sent */
        uint8_t *cc_report;
        size_t cc_report_size;
        uint8_t *cc_cert;               /* SEV-SNP: the VCEK or VLEK, DER; NULL when not sent */
        size_t cc_cert_size;
} PushEvidence;

int push_evidence_parse(json_object *body, PushEvidence *ret, PushError *ret_error);

/* The confidential-computing items: an offer (evidence_supported) and the
 * evidence (evidence_collected) of type "sev-snp" or "tdx", class
 * "certification". 0 when item is one and was taken, -ENOENT when it is
 * another item, -EBADMSG (with the reason in ret_error) when it is malformed. */
int push_cc_offer_parse(json_object *item, PushCapabilities *c, PushError *ret_error);
int push_cc_evidence_parse(json_object *item, PushEvidence *e, PushError *ret_error);
void push_evidence_done(PushEvidence *e);

/* "rsassa", "rsapss", "ecdsa" ↔ TPM_ALG_ID; 0 / NULL when unknown. */
uint16_t push_sig_scheme_from_name(const char *name);
const char *push_sig_scheme_to_name(uint16_t alg);

/* RFC 3339 ("2026-01-01T10:00:00Z", fraction and ±hh:mm offset allowed) to
 * seconds since the epoch; -EINVAL when malformed or before 1970. */
int push_parse_rfc3339(const char *s, uint64_t *ret);
