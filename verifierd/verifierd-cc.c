/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Confidential VMs in the push protocol. An attestation of a node with an snp
 * or tdx engine policy asks, besides the TPM quote, for certification/sev-snp
 * or certification/tdx with the same nonce: the report's report data must be
 * SHA-512 (SEV-SNP) or SHA-384 zero-padded (TDX) of nonce ‖ the node's AK
 * name, so the report and the quote prove one machine in one attestation.
 * What was asked is read back from the attestation's stored evidence list,
 * which every instance shares. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cc-binding.h"
#include "cc-collateral.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "tpm2-public.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-push.h"

int cc_trust_setup(Manager *m) {
        const VerifierConfig *c = &m->config;
        int r;

        r = cc_collateral_load(c->cc_collateral_directory, c->cc_snp_trust_anchors, c->cc_tdx_trust_anchors,
                               time(NULL), &m->cc_trust, NULL);
        if (r < 0)
                return r;
        log_debug("Confidential-computing trust: %d AMD CA certificates, %d VCEK/VLEK, %zu AMD CRLs, %zu TDX collateral.",
                  m->cc_trust->snp_ca ? sk_X509_num(m->cc_trust->snp_ca) : 0,
                  m->cc_trust->snp_certs ? sk_X509_num(m->cc_trust->snp_certs) : 0,
                  m->cc_trust->n_snp_crls, m->cc_trust->n_tdx_collateral);
        return 0;
}

unsigned cc_choose(Manager *m, const Node *n, const PushCapabilities *c, CcKind *ret_kind, const char **ret_what) {
        PolicyRef refs[NODE_POLICY_REFS_MAX];
        size_t k = node_policy_refs(n, refs);
        uint32_t needs = 0;

        for (size_t i = 0; i < k; i++) {
                const PolicySlot *s = push_policy(m, refs[i].kind, refs[i].digest);
                if (s && s->compiled)
                        needs |= s->compiled->requirements.needs;
        }
        *ret_kind = CC_KIND_NONE;
        if ((needs & ATTEST_NEED_SEV_SNP) && (needs & ATTEST_NEED_TDX))
                return *ret_what = "the node's policies need both an SEV-SNP report and a TDX quote", 422;
        if (needs & ATTEST_NEED_SEV_SNP) {
                if (!c->sev_snp)
                        return *ret_what = "the policies need an SEV-SNP report (sev-snp) the node does not offer", 422;
                *ret_kind = CC_KIND_SEV_SNP;
        } else if (needs & ATTEST_NEED_TDX) {
                if (!c->tdx)
                        return *ret_what = "the policies need a TDX quote (tdx) the node does not offer", 422;
                *ret_kind = CC_KIND_TDX;
        }
        return 0;
}

static int ak_name(const Blob *aik_tpm, uint8_t name[static TPM2_NAME_SIZE_MAX], size_t *ret_size) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        int r;

        r = tpm2_public_parse(aik_tpm->data, aik_tpm->size, &p);
        if (r < 0)
                return r;
        memcpy(name, p->name, p->name_size);
        *ret_size = p->name_size;
        return 0;
}

int cc_request_parameters(JsonWriter *w, CcKind kind, const uint8_t *nonce, size_t nonce_size, const Blob *aik_tpm) {
        uint8_t name[TPM2_NAME_SIZE_MAX], want[CC_REPORT_DATA_SIZE];
        _cleanup_free_ char *challenge = NULL, *report_data = NULL;
        size_t name_size;
        int r;

        r = ak_name(aik_tpm, name, &name_size);
        if (r < 0)
                return r;
        r = cc_binding_expected(kind == CC_KIND_SEV_SNP ? CC_BINDING_SNP : CC_BINDING_TDX, nonce, nonce_size,
                                name, name_size, want);
        if (r < 0)
                return r;
        challenge = base64_encode(nonce, nonce_size);
        report_data = base64_encode(want, sizeof want);
        if (!challenge || !report_data)
                return -ENOMEM;
        json_writer_literal(w, "{");
        json_writer_key(w, "challenge", true);
        json_writer_string(w, challenge);
        json_writer_key(w, "report_data", false);
        json_writer_string(w, report_data);
        json_writer_key(w, "binding", false);
        json_writer_string(w, kind == CC_KIND_SEV_SNP ? "sha512(challenge || ak_name)" : "sha384(challenge || ak_name) || 0^16");
        json_writer_key(w, "format", false);
        json_writer_string(w, "application/octet-stream");
        json_writer_literal(w, "}");
        return 0;
}

CcKind cc_requested_kind(const char *evidence) {
        _cleanup_json_ json_object *l = NULL;
        CcKind k = CC_KIND_NONE;

        /* Most nodes have no confidential VM: skip the parse when no type can match. */
        if (!evidence || (!strstr(evidence, "\"sev-snp\"") && !strstr(evidence, "\"tdx\"")))
                return CC_KIND_NONE;
        l = json_tokener_parse(evidence);       /* our own stored text */
        for (size_t i = 0; json_object_is_type(l, json_type_array) && i < json_object_array_length(l); i++) {
                json_object *item = json_object_array_get_idx(l, i), *type = NULL, *cls = NULL;

                if (json_object_object_get_ex(item, "evidence_class", &cls) &&
                    json_object_object_get_ex(item, "evidence_type", &type) &&
                    strcmp(json_object_get_string(cls) ?: "", "certification") == 0 &&
                    (k = cc_kind_from_string(json_object_get_string(type))) != CC_KIND_NONE)
                        break;
        }
        return k;
}

int cc_evidence_check(const char *requested_evidence, const PushEvidence *e, const char **ret_what) {
        CcKind want = cc_requested_kind(requested_evidence);

        if (want != CC_KIND_NONE && e->cc_kind != want)
                return *ret_what = want == CC_KIND_SEV_SNP ? "Evidence misses the requested SEV-SNP report." :
                                                             "Evidence misses the requested TDX quote.", -EBADMSG;
        if (want == CC_KIND_NONE && e->cc_kind != CC_KIND_NONE)
                return *ret_what = "Evidence holds a confidential-computing report that was not requested.", -EBADMSG;
        return 0;
}

int cc_validate_evidence(const CcTrust *t, const char *requested_evidence, const PushEvidence *e,
                         const Blob *aik_tpm, const uint8_t *nonce, size_t nonce_size, ValidatedEvidence *ev,
                         char *id, size_t id_size, char *detail, size_t detail_size) {
        uint8_t name[TPM2_NAME_SIZE_MAX];
        char reason[CC_REASON_MAX];
        size_t name_size;
        int r;

        if (cc_requested_kind(requested_evidence) == CC_KIND_NONE)
                return 0;
        if (!t || !e->cc_report)
                return -EINVAL;
        r = ak_name(aik_tpm, name, &name_size);
        if (r < 0)
                return r;
        CcValidationInput in = {
                .kind = e->cc_kind,
                .report = e->cc_report,
                .report_size = e->cc_report_size,
                .cert = e->cc_cert,
                .cert_size = e->cc_cert_size,
                .nonce = nonce,
                .nonce_size = nonce_size,
                .ak_name = name,
                .ak_name_size = name_size,
                .trust = t,
                .at = time(NULL),
        };
        r = cc_evidence_validate(&in, &ev->cc, reason, detail, detail_size);
        if (r == -EBADMSG) {
                /* Checked when the evidence came; kept for callers that did not. */
                (void) snprintf(reason, sizeof reason, "%s.report_format", e->cc_kind == CC_KIND_SEV_SNP ? "sev_snp" : "tdx");
                (void) snprintf(detail, detail_size, "The report does not parse.");
                r = 1;
        }
        if (r > 0)
                (void) snprintf(id, id_size, "validation.%s", reason);
        return r;
}
