/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/attest-plugin.h"
#include "storage.h"

/* EAT Attestation Results (draft-ietf-rats-ear): a verdict as claims that a
 * relying party can check, one submodule for the node's TPM evidence and one
 * per policy engine that evaluated it. */

#define EAR_PROFILE "tag:github.com,2023:veraison/ear"
#define EAR_DEVELOPER "hostattest"
#define EAR_APPRAISALS_MAX 32u          /* policies of one verdict, as stored */

typedef enum EarStatus {
        EAR_STATUS_NONE,                /* not evaluated */
        EAR_STATUS_AFFIRMING,
        EAR_STATUS_WARNING,
        EAR_STATUS_CONTRAINDICATED,
        _EAR_STATUS_MAX,
        _EAR_STATUS_INVALID = -EINVAL,
} EarStatus;

const char *ear_status_to_string(EarStatus s);
EarStatus ear_status_from_string(const char *s);

/* One policy's part in a verdict: its engine (the submodule), the policy's
 * content digest (hex SHA-256) and how it judged the evidence. */
typedef struct EarAppraisal {
        char engine[ATTEST_PLUGIN_NAME_MAX + 1];
        char digest[POLICY_DIGEST_HEX_SIZE];
        EarStatus status;
} EarAppraisal;

/* The appraisals as stored with the attestation (Attestation.appraisal): a JSON
 * array of {engine, policy, status}. NULL on allocation failure. */
char *ear_appraisals_to_json(const EarAppraisal *l, size_t n);
int ear_appraisals_from_json(const char *s, EarAppraisal **ret, size_t *ret_n);

/* What an EAR says beyond the attestation row. */
typedef struct EarContext {
        const char *node_id;
        const char *build;              /* the verifier's version */
        uint64_t max_age_sec;           /* exp = iat + max_age */
} EarContext;

/* The claims of an attestation's EAR as JSON text: iat is when its verdict was made. */
int ear_claims_build(const Attestation *a, const EarContext *c, char **ret);

/* A relying party's checks of verified claims: the EAR profile and an exp
 * after now. -EBADMSG when a claim is missing or malformed, -EPROTO for
 * another profile, -ESTALE when expired. */
int ear_claims_check(json_object *claims, uint64_t now_sec);
