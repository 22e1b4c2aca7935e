/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "snp" policy engine: rules over an SEV-SNP report the host validated
 * (signature, chain, report data binding) — measurement, guest policy bits,
 * VMPL, TCB, host data. See attest-snp-policy(5). */

#include <stdlib.h>
#include <string.h>

#include "cc-policy.h"
#include "plugin-util.h"
#include "snp-report.h"

static int snp_compile(const uint8_t *policy, size_t size, void **ret, char *error, size_t error_size) {
        const char *why = NULL;
        SnpEnginePolicy *p;
        int r;

        r = snp_engine_policy_parse((const char *) policy, size, &p, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return plugin_error(error, error_size, "snp policy: %s", r == -E2BIG ? "too large" : why ?: "unusable");
        *ret = p;
        return 0;
}

static void snp_free_compiled(void *compiled) {
        snp_engine_policy_free(compiled);
}

static void snp_requirements(const void *compiled, AttestRequirements *ret) {
        ret->needs = ATTEST_NEED_QUOTE | ATTEST_NEED_SEV_SNP;
        ret->pcr_mask = 0;
}

static json_object *hex(const uint8_t *p, size_t n) {
        return json_hex(p, n);
}

typedef struct Check {
        const AttestFailureSink *sink;
        bool pass;
        int r;
} Check;

/* Reports id with ctx when bad; ctx is consumed either way. */
static void check(Check *c, bool bad, const char *id, json_object *ctx) {
        if (!bad || c->r < 0) {
                json_object_put(ctx);
                return;
        }
        c->pass = false;
        if (plugin_fail(c->sink, id, ATTEST_SEVERITY_ERROR, ctx) < 0)
                c->r = -ENOMEM;
}

static json_object *ctx1(const char *key, json_object *v) {
        json_object *o = json_object_new_object();
        json_add(o, key, v);
        return o;
}

static bool tcb_below(SnpTcb have, SnpTcb min) {
        return have.fmc < min.fmc || have.bootloader < min.bootloader || have.tee < min.tee ||
               have.snp < min.snp || have.microcode < min.microcode;
}

static int snp_evaluate(const void *compiled, const AttestEvidence *ev, const AttestNodeState *state,
                        const AttestFailureSink *sink) {
        const SnpEnginePolicy *p = compiled;
        const AttestCcReport *cc = ATTEST_HAS_FIELD(ev, AttestEvidence, cc) ? ev->cc : NULL;
        SnpProduct product;
        SnpReport r;
        Check c = { .sink = sink, .pass = true };

        if (!cc || cc->kind != ATTEST_CC_SEV_SNP || snp_report_parse(cc->report, cc->report_size, &r) < 0) {
                if (plugin_fail(sink, "snp.no_report", ATTEST_SEVERITY_ERROR, NULL) < 0)
                        return -ENOMEM;
                return ATTEST_EVAL_FAIL;
        }
        product = snp_product_from_string(cc->product);

        check(&c, !cc_digest_list_allows(&p->measurements, r.measurement), "snp.measurement",
              ctx1("measurement", hex(r.measurement, sizeof r.measurement)));
        check(&c, !p->allow_debug && (r.policy & SNP_GUEST_POLICY_DEBUG), "snp.debug", NULL);
        check(&c, !p->allow_smt && (r.policy & SNP_GUEST_POLICY_SMT), "snp.smt", NULL);
        check(&c, !p->allow_migration_agent && (r.policy & SNP_GUEST_POLICY_MIGRATE_MA), "snp.migration_agent", NULL);
        if (p->has_min_abi) {
                unsigned major = SNP_GUEST_POLICY_ABI_MAJOR(r.policy), minor = SNP_GUEST_POLICY_ABI_MINOR(r.policy);
                char abi[16];

                (void) snprintf(abi, sizeof abi, "%u.%u", major, minor);
                check(&c, major < p->min_abi_major || (major == p->min_abi_major && minor < p->min_abi_minor),
                      "snp.abi", ctx1("min_abi", json_object_new_string(abi)));
        }
        if (p->has_max_vmpl)
                check(&c, r.vmpl > p->max_vmpl, "snp.vmpl", ctx1("vmpl", json_object_new_int64(r.vmpl)));
        if (p->has_min_tcb)
                check(&c, tcb_below(snp_tcb_decode(r.reported_tcb, product), p->min_tcb), "snp.tcb",
                      ctx1("reported_tcb", snp_tcb_to_json(snp_tcb_decode(r.reported_tcb, product), product)));
        if (p->has_min_guest_svn)
                check(&c, r.guest_svn < p->min_guest_svn, "snp.guest_svn",
                      ctx1("guest_svn", json_object_new_int64(r.guest_svn)));
        if (p->has_host_data)
                check(&c, memcmp(r.host_data, p->host_data, sizeof r.host_data) != 0, "snp.host_data",
                      ctx1("host_data", hex(r.host_data, sizeof r.host_data)));
        if (p->products)
                check(&c, !(p->products & (UINT32_C(1) << product)), "snp.product",
                      ctx1("product", json_object_new_string(cc->product ?: "unknown")));
        if (p->signing_keys)
                check(&c, r.signing_key >= 32 || !(p->signing_keys & (UINT32_C(1) << r.signing_key)), "snp.signing_key",
                      ctx1("signing_key", json_object_new_string(snp_signing_key_to_string(r.signing_key) ?: "?")));
        if (c.r < 0)
                return c.r;
        return c.pass ? ATTEST_EVAL_PASS : ATTEST_EVAL_FAIL;
}

static const AttestPolicyEngine vtable = {
        .struct_size = sizeof(AttestPolicyEngine),
        .compile = snp_compile,
        .free_compiled = snp_free_compiled,
        .requirements = snp_requirements,
        .evaluate = snp_evaluate,
};

ATTEST_DEFINE_PLUGIN("snp", ATTEST_PLUGIN_POLICY_ENGINE, vtable)
