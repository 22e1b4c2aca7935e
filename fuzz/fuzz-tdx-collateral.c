/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fuzz.h"
#include "macro.h"
#include "tdx-collateral.h"

/* TDX collateral JSON as an operator's collateral directory may hold it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdxCollateral *c = NULL;

        if (tdx_collateral_parse((const char *) data, size, &c) < 0)
                return 0;
        assert(c->tcb_info.n_levels > 0 && c->tcb_info.n_levels <= TDX_TCB_LEVELS_MAX);
        assert(c->qe_identity.n_levels > 0 && c->qe_identity.n_levels <= TDX_TCB_LEVELS_MAX);
        assert(c->tcb_info.n_module_identities <= TDX_MODULE_IDENTITIES_MAX);
        for (size_t i = 0; i < c->tcb_info.n_levels; i++)
                assert(tdx_tcb_status_to_string(c->tcb_info.levels[i].status));
        tdx_collateral_free(c);
        return 0;
}
