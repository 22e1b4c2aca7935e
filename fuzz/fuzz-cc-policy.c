/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cc-policy.h"
#include "fuzz.h"
#include "macro.h"

/* A policy of the snp or tdx engine, as an administrator (or an attacker
 * with the admin API) stores it: both parsers over the same input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *why = NULL;
        SnpEnginePolicy *s = NULL;
        TdxEnginePolicy *t = NULL;
        int r;

        r = snp_engine_policy_parse((const char *) data, size, &s, &why);
        if (r >= 0) {
                assert(!s->measurements.has || s->measurements.n <= CC_POLICY_VALUES_MAX);
                snp_engine_policy_free(s);
        } else if (r == -EBADMSG)
                assert(why);
        why = NULL;
        r = tdx_engine_policy_parse((const char *) data, size, &t, &why);
        if (r >= 0) {
                assert(!t->has_min_tcb_status || (t->min_tcb_status >= 0 && t->min_tcb_status < _TDX_TCB_STATUS_MAX));
                tdx_engine_policy_free(t);
        } else if (r == -EBADMSG)
                assert(why);
        return 0;
}
