/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "tdx" policy engine: rules over a TDX quote the host validated
 * (signatures, PCK chain, collateral, report data binding) — MRTD, RTMRs,
 * MRCONFIGID, MROWNER, debug, TCB status and advisories. See
 * attest-tdx-policy(5). */

#include <stdlib.h>
#include <string.h>

#include "cc-policy.h"
#include "plugin-util.h"
#include "tdx-quote.h"

static int tdx_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        const char *why = NULL;
        TdxEnginePolicy *p;
        int r;

        r = tdx_engine_policy_parse((const char *) policy, size, &p, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return plugin_error(error, error_size, "tdx policy: %s", r == -E2BIG ? "too large" : why ?: "unusable");
        *ret = p;
        return 0;
}

static void tdx_free_compiled(void *compiled) {
        tdx_engine_policy_free(compiled);
}

static void tdx_requirements(const void *compiled, AttestRequirements *ret) {
        ret->needs = ATTEST_NEED_QUOTE | ATTEST_NEED_TDX;
        ret->pcr_mask = 0;
}

static int fail(const AttestFailureSink *sink, const char *id, const char *key, json_object *v) {
        json_object *ctx = NULL;

        if (key) {
                ctx = json_object_new_object();
                json_add(ctx, key, v);
        }
        return plugin_fail(sink, id, ATTEST_SEVERITY_ERROR, ctx) < 0 ? -ENOMEM : 0;
}

static bool forbidden(const TdxEnginePolicy *p, const char *id) {
        for (size_t i = 0; i < p->n_forbidden_advisories; i++)
                if (strcmp(p->forbidden_advisories[i], id) == 0)
                        return true;
        return false;
}

static int tdx_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                        const AttestFailureSink *sink) {
        static const char *const rtmr_ids[] = { "tdx.rtmr0", "tdx.rtmr1", "tdx.rtmr2", "tdx.rtmr3" };
        const TdxEnginePolicy *p = compiled;
        const AttestCcReport *cc = ATTEST_HAS_FIELD(ev, AttestEvidence, cc) ? ev->cc : NULL;
        bool pass = true;
        TdxQuote q;
        int r = 0;

        if (!cc || cc->kind != ATTEST_CC_TDX || tdx_quote_parse(cc->report, cc->report_size, &q) < 0) {
                if (fail(sink, "tdx.no_quote", NULL, NULL) < 0)
                        return -ENOMEM;
                return ATTEST_EVAL_FAIL;
        }
        if (!cc_digest_list_allows(&p->mrtd, q.body.mrtd)) {
                pass = false;
                r = r ?: fail(sink, "tdx.mrtd", "mrtd", json_hex(q.body.mrtd, sizeof q.body.mrtd));
        }
        for (size_t i = 0; i < ELEMENTSOF(p->rtmr); i++)
                if (!cc_digest_list_allows(&p->rtmr[i], q.body.rtmr[i])) {
                        pass = false;
                        r = r ?: fail(sink, rtmr_ids[i], "value", json_hex(q.body.rtmr[i], sizeof q.body.rtmr[i]));
                }
        if (!cc_digest_list_allows(&p->mrconfigid, q.body.mrconfigid)) {
                pass = false;
                r = r ?: fail(sink, "tdx.mrconfigid", "mrconfigid", json_hex(q.body.mrconfigid, sizeof q.body.mrconfigid));
        }
        if (!cc_digest_list_allows(&p->mrowner, q.body.mrowner)) {
                pass = false;
                r = r ?: fail(sink, "tdx.mrowner", "mrowner", json_hex(q.body.mrowner, sizeof q.body.mrowner));
        }
        if (!p->allow_debug && (q.body.td_attributes[0] & TDX_TD_ATTRIBUTES_DEBUG)) {
                pass = false;
                r = r ?: fail(sink, "tdx.debug", NULL, NULL);
        }
        if (p->has_min_tcb_status) {
                TdxTcbStatus s = tdx_tcb_status_from_string(cc->tcb_status ?: "");
                if (s < 0 || s > p->min_tcb_status) {
                        pass = false;
                        r = r ?: fail(sink, "tdx.tcb_status", "tcb_status", json_object_new_string(cc->tcb_status ?: "unknown"));
                }
        }
        for (size_t i = 0; cc->advisory_ids && cc->advisory_ids[i]; i++)
                if (forbidden(p, cc->advisory_ids[i])) {
                        pass = false;
                        r = r ?: fail(sink, "tdx.advisory", "advisory_id", json_object_new_string(cc->advisory_ids[i]));
                }
        if (r < 0)
                return r;
        return pass ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = tdx_compile,
        .free_compiled = tdx_free_compiled,
        .requirements = tdx_requirements,
        .evaluate = tdx_evaluate,
};

ATTEST_DEFINE_PLUGIN("tdx", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
