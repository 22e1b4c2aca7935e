/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "ima" policy engine: Keylime's runtime policy (attest-runtime-policy(5))
 * over the IMA entries that are new in this attestation. The replay state
 * lives with validation, so a push costs only its new entries. */

#include <stdlib.h>

#include "ima-replay.h"
#include "plugin-util.h"
#include "runtime-policy-eval.h"

static int ima_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        RuntimePolicyError err = {};
        RuntimePolicy *p;
        int r;

        r = runtime_policy_load((const char *) policy, size, &p, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                plugin_error(error, error_size, "runtime policy: %s", err.text[0] ? err.text : "unusable");
                return r;
        }
        *ret = p;
        return 0;
}

static void ima_free_compiled(void *compiled) {
        runtime_policy_free(compiled);
}

static void ima_requirements(const void *compiled, AttestRequirements *ret) {
        ret->needs = ATTEST_NEED_QUOTE | ATTEST_NEED_IMA_LOG;
        ret->pcr_mask = UINT32_C(1) << IMA_PCR_INDEX;
}

static int report(const AttestFailureSink *sink, const RuntimeFailure *f) {
        json_object *ctx = json_object_new_object();

        json_add(ctx, "entry", json_object_new_int64((int64_t) f->entry));
        if (f->path)
                json_add(ctx, "path", json_object_new_string(f->path));
        if (f->detail)
                json_add(ctx, "detail", json_object_new_string(f->detail));
        return plugin_fail(sink, f->id, ATTEST_SEVERITY_ERROR, ctx);
}

static int check_entries(RuntimeEvaluation *re, const AttestEvidence *ev) {
        ImaLogFormat format = ev->ima_format == ATTEST_IMA_BINARY ? IMA_LOG_BINARY : IMA_LOG_ASCII;
        _cleanup_(ima_replayer_freep) ImaReplayer *r = NULL;
        uint64_t no = ev->ima_first_entry;
        size_t o = 0;
        ImaEntry e;
        int k;

        k = ima_replayer_new(&r);
        if (k < 0)
                return k;
        while ((k = ima_replayer_next_entry(r, format, ev->ima_log, ev->ima_log_size, &o, true, &e)) > 0) {
                k = runtime_evaluation_check(re, no++, &e);
                if (k < 0)
                        return k;
        }
        return k;
}

static int ima_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                        const AttestFailureSink *sink) {
        _cleanup_(runtime_evaluation_freep) RuntimeEvaluation *re = NULL;
        int r;

        if (!ev->has_ima)
                return plugin_fail(sink, "ima.no_log", ATTEST_SEVERITY_ERROR, NULL) < 0 ? -ENOMEM : ATTEST_EVAL_FAIL;
        r = runtime_evaluation_new(compiled, NULL, &re);
        if (r < 0)
                return r;
        r = check_entries(re, ev);
        if (r < 0)
                return r;
        for (size_t i = 0; i < re->n_failures; i++)
                if (report(sink, &re->failures[i]) < 0)
                        return -ENOMEM;
        if (re->n_failed > re->n_failures) {
                json_object *ctx = json_object_new_object();

                json_add(ctx, "failed", json_object_new_int64((int64_t) re->n_failed));
                json_add(ctx, "reported", json_object_new_int64((int64_t) re->n_failures));
                if (plugin_fail(sink, "ima.failures_truncated", ATTEST_SEVERITY_INFO, ctx) < 0)
                        return -ENOMEM;
        }
        return re->n_failed == 0 ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = ima_compile,
        .free_compiled = ima_free_compiled,
        .requirements = ima_requirements,
        .evaluate = ima_evaluate,
};

ATTEST_DEFINE_PLUGIN("ima", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
