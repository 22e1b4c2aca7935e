/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "pcr-blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v)), *w = calloc(1, sizeof(*w));
        _cleanup_free_ uint8_t *again = NULL;
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
        size_t n;

        assert(v && w);
        if (pcr_blob_parse(data, size, v) < 0)
                return 0;
        assert(pcr_values_digest(v, &v->selection, hash_alg_from_tpm_id(TPM2_ALG_ID_SHA256), digest) >= 0);

        /* What parses serialises and parses again to the same values. */
        assert(pcr_blob_serialize(v, &again, &n) >= 0);
        assert(pcr_blob_parse(again, n, w) >= 0);
        assert(pcr_selection_equal(&v->selection, &w->selection));
        for (size_t i = 0; i < v->n_banks; i++)
                for (unsigned p = 0; p < TPM2_PCRS_PER_BANK_MAX; p++)
                        if (v->banks[i].mask & (UINT32_C(1) << p))
                                assert(memcmp(v->banks[i].values[p], w->banks[i].values[p], v->banks[i].alg->size) == 0);
        return 0;
}
