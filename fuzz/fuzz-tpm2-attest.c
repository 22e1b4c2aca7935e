/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tss2/tss2_tpm2_types.h>

#include "fuzz.h"
#include "macro.h"
#include "tpm2-attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Tpm2Attest a;

        if (tpm2_attest_parse(data, size, &a) < 0)
                return 0;
        assert(a.type == TPM2_ST_ATTEST_QUOTE || a.type == TPM2_ST_ATTEST_CERTIFY);
        assert(a.extra_data_size <= TPM2_DATA_SIZE_MAX);
        if (a.type == TPM2_ST_ATTEST_QUOTE)
                assert(a.quote.pcr_select.count <= TPM2_PCR_SELECTIONS_MAX);
        return 0;
}
