/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "mb" policy engine: the measured-boot reference state (attest-boot-policy(5))
 * over the validated UEFI event log. */

#include <stdlib.h>

#include "boot-policy.h"
#include "plugin-util.h"
#include "tcg-replay.h"

static int mb_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        const char *why = NULL;
        BootPolicy *p;
        int r;

        r = boot_policy_parse((const char *) policy, size, &p, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                plugin_error(error, error_size, "boot policy: %s", why ?: "unusable");
                return r;
        }
        *ret = p;
        return 0;
}

static void mb_free_compiled(void *compiled) {
        boot_policy_free(compiled);
}

static void mb_requirements(const void *compiled, AttestRequirements *ret) {
        ret->needs = ATTEST_NEED_QUOTE | ATTEST_NEED_UEFI_LOG;
        ret->pcr_mask = TCG_UEFI_PCR_MASK;
}

static int report(const AttestFailureSink *sink, const BootFailure *f, AttestSeverity severity) {
        json_object *ctx = json_object_new_object();

        if (f->expected)
                json_add(ctx, "expected", json_object_new_string(f->expected));
        if (f->actual)
                json_add(ctx, "actual", json_object_new_string(f->actual));
        if (f->event >= 0)
                json_add(ctx, "event", json_object_new_int64(f->event));
        return plugin_fail(sink, f->id, severity, ctx);
}

static int mb_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                       const AttestFailureSink *sink) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        BootFailures failures = {}, notices = {};
        int r, n;

        if (!ev->uefi_log)
                return plugin_fail(sink, "mb.no_event_log", ATTEST_SEVERITY_ERROR, NULL) < 0 ? -ENOMEM : ATTEST_EVAL_FAIL;
        /* Validation parsed the same bytes already; this cannot fail but for memory. */
        r = tcg_eventlog_parse(ev->uefi_log, ev->uefi_log_size, &log);
        if (r < 0)
                return r;
        n = boot_policy_evaluate_notices(compiled, log, &failures, &notices);
        if (n == -ENODATA) {
                boot_failures_done(&failures);
                boot_failures_done(&notices);
                return plugin_fail(sink, "mb.bank_missing", ATTEST_SEVERITY_ERROR, NULL) < 0 ? -ENOMEM : ATTEST_EVAL_FAIL;
        }
        for (size_t i = 0; n >= 0 && i < failures.n; i++)
                if (report(sink, &failures.items[i], ATTEST_SEVERITY_ERROR) < 0)
                        n = -ENOMEM;
        /* Events the policy's quirks accept: recorded with the verdict, not failing it. */
        for (size_t i = 0; n >= 0 && i < notices.n; i++)
                if (report(sink, &notices.items[i], ATTEST_SEVERITY_INFO) < 0)
                        n = -ENOMEM;
        boot_failures_done(&failures);
        boot_failures_done(&notices);
        if (n < 0)
                return n;
        return n == 0 ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = mb_compile,
        .free_compiled = mb_free_compiled,
        .requirements = mb_requirements,
        .evaluate = mb_evaluate,
};

ATTEST_DEFINE_PLUGIN("mb", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
