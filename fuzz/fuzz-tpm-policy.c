/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <stdlib.h>

#include "fuzz.h"
#include "macro.h"
#include "tpm-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(tpm_policy_freep) TpmPolicy *p = NULL;
        const char *error = NULL;

        if (tpm_policy_parse((const char *) data, size, &p, &error) < 0)
                return 0;
        /* Every listed PCR is quoted, and every listed value is allowed. */
        assert((p->quote_mask & p->pcr_mask) == p->pcr_mask);
        for (unsigned pcr = 0; pcr <= TPM_POLICY_PCR_MAX; pcr++) {
                assert(!!(p->pcr_mask & (UINT32_C(1) << pcr)) == (p->pcrs[pcr].values != NULL));
                for (size_t i = 0; i < p->pcrs[pcr].n_values; i++)
                        assert(tpm_policy_check(p, pcr, p->pcrs[pcr].values[i].alg, p->pcrs[pcr].values[i].digest) == 1);
        }
        return 0;
}
