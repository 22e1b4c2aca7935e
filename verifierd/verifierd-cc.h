/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Confidential VMs in the push path (verifierd-cc.c): which report an
 * attestation asks for, the request item with its report data, the check
 * that the evidence carries it, and its validation before the engines. */

#include <json-c/json.h>
#include <stdint.h>

#include "cc-evidence.h"
#include "evidence.h"
#include "json-writer.h"
#include "push-request.h"
#include "storage.h"

typedef struct Manager Manager;

/* Loads [CC] trust anchors and the collateral directory into m->cc_trust. */
int cc_trust_setup(Manager *m);

/* The report the node's policies need (an snp or tdx engine policy), or
 * CC_KIND_NONE; 0, or 422 with the reason when the node does not offer it. */
unsigned cc_choose(Manager *m, const Node *n, const PushCapabilities *c, CcKind *ret_kind, const char **ret_what);

/* The chosen parameters of the request item (challenge and the report data to put in
 * the report), a JSON object written to w. */
int cc_request_parameters(JsonWriter *w, CcKind kind, const uint8_t *nonce, size_t nonce_size, const Blob *aik_tpm);

/* The kind an attestation's requested evidence (its JSON text) asks for. */
CcKind cc_requested_kind(const char *evidence);

/* 0 when the evidence carries what was requested, else -EBADMSG with the reason. */
int cc_evidence_check(const char *requested_evidence, const PushEvidence *e, const char **ret_what);

/* Validates the report against m's trust: 0 with ev->cc set (or nothing
 * requested), 1 when invalid with the failure id in id and a sentence in
 * detail, negative errno. */
int cc_validate_evidence(const CcTrust *t, const char *requested_evidence, const PushEvidence *e,
                         const Blob *aik_tpm, const uint8_t *nonce, size_t nonce_size, ValidatedEvidence *ev,
                         char *id, size_t id_size, char *detail, size_t detail_size);
