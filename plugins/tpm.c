/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "tpm" policy engine: allowed PCR values and clock rules. */

#include <stdlib.h>
#include <string.h>

#include "plugin-util.h"
#include "tpm-policy.h"

static int tpm_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        const char *why = NULL;
        TpmPolicy *p;
        int r;

        r = tpm_policy_parse((const char *) policy, size, &p, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                plugin_error(error, error_size, "tpm policy: %s", why ?: "unusable");
                return r;
        }
        *ret = p;
        return 0;
}

static void tpm_free_compiled(void *compiled) {
        tpm_policy_free(compiled);
}

static void tpm_requirements(const void *compiled, AttestRequirements *ret) {
        const TpmPolicy *p = compiled;

        ret->needs = ATTEST_NEED_QUOTE;
        ret->pcr_mask = p->quote_mask;
}

static int fail_pcr(const AttestFailureSink *sink, unsigned pcr, const AttestPcrBank *b, const char *reason) {
        json_object *ctx = json_object_new_object();
        char id[32];

        (void) snprintf(id, sizeof(id), "tpm.pcr_%u", pcr);
        json_add(ctx, "pcr", json_object_new_int((int) pcr));
        json_add(ctx, "reason", json_object_new_string(reason));
        if (b) {
                json_add(ctx, "bank", json_object_new_string(b->alg_name));
                json_add(ctx, "value", json_hex(b->values + (size_t) pcr * b->stride, b->digest_size));
        }
        return plugin_fail(sink, id, ATTEST_SEVERITY_ERROR, ctx);
}

/* 1 when the PCR passes in every quoted bank the policy lists values for, 0 after a failure. */
static int check_pcr(const TpmPolicy *p, const AttestEvidence *ev, unsigned pcr, const AttestFailureSink *sink) {
        bool checked = false;
        int r;

        for (uint32_t i = 0; i < ev->n_banks; i++) {
                const AttestPcrBank *b = &ev->banks[i];
                const HashAlg *alg = hash_alg_from_tpm_id(b->alg_id);

                if (!alg || alg->size != b->digest_size || !(b->mask & (UINT32_C(1) << pcr)))
                        continue;
                r = tpm_policy_check(p, pcr, alg, b->values + (size_t) pcr * b->stride);
                if (r == -ENOENT)
                        continue;
                checked = true;
                if (r == 0)
                        return fail_pcr(sink, pcr, b, "value not allowed") < 0 ? -ENOMEM : 0;
        }
        if (!checked)
                return fail_pcr(sink, pcr, NULL, "not quoted in a bank the policy lists") < 0 ? -ENOMEM : 0;
        return 1;
}

static int check_clock(const TpmPolicy *p, const AttestEvidence *ev, const AttestFailureSink *sink) {
        int failed = 0;

        if (p->has_max_reboots && ev->has_enrolment_clock &&
            ev->clock.reset_count >= ev->enrolment_clock.reset_count &&
            ev->clock.reset_count - ev->enrolment_clock.reset_count > p->max_reboots) {
                json_object *ctx = json_object_new_object();

                json_add(ctx, "reboots", json_object_new_int64(ev->clock.reset_count - ev->enrolment_clock.reset_count));
                json_add(ctx, "max", json_object_new_int64(p->max_reboots));
                if (plugin_fail(sink, "tpm.reboots", ATTEST_SEVERITY_ERROR, ctx) < 0)
                        return -ENOMEM;
                failed = 1;
        }
        if (p->require_clock_safe && !ev->clock.safe) {
                if (plugin_fail(sink, "tpm.clock_unsafe", ATTEST_SEVERITY_ERROR, NULL) < 0)
                        return -ENOMEM;
                failed = 1;
        }
        return failed;
}

static int tpm_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                        const AttestFailureSink *sink) {
        const TpmPolicy *p = compiled;
        bool pass = true;
        int r;

        for (unsigned pcr = 0; pcr <= TPM_POLICY_PCR_MAX; pcr++) {
                if (!(p->pcr_mask & (UINT32_C(1) << pcr)))
                        continue;
                r = check_pcr(p, ev, pcr, sink);
                if (r < 0)
                        return r;
                pass = pass && r > 0;
        }
        r = check_clock(p, ev, sink);
        if (r < 0)
                return r;
        return pass && r == 0 ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = tpm_compile,
        .free_compiled = tpm_free_compiled,
        .requirements = tpm_requirements,
        .evaluate = tpm_evaluate,
};

ATTEST_DEFINE_PLUGIN("tpm", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
