/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "pcr-selection.h"

int pcr_select_to_mask(const uint8_t *select, size_t size, uint32_t *ret) {
        uint32_t mask = 0;

        assert(select || size == 0);
        if (size > TPM2_PCR_SELECT_SIZE_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < size; i++)
                mask |= (uint32_t) select[i] << (8 * i);
        *ret = mask;
        return 0;
}

/* Union of the masks of one bank over the whole selection. */
static uint32_t bank_mask(const PcrSelection *s, uint16_t alg) {
        uint32_t m = 0;
        for (size_t i = 0; i < s->count; i++)
                if (s->banks[i].hash_alg == alg)
                        m |= s->banks[i].mask;
        return m;
}

static bool covered(const PcrSelection *a, const PcrSelection *b) {
        for (size_t i = 0; i < a->count; i++)
                if (bank_mask(a, a->banks[i].hash_alg) != bank_mask(b, a->banks[i].hash_alg))
                        return false;
        return true;
}

bool pcr_selection_equal(const PcrSelection *a, const PcrSelection *b) {
        assert(a && b);
        return covered(a, b) && covered(b, a);
}

const PcrBank *pcr_values_bank(const PcrValues *v, uint16_t hash_alg) {
        assert(v);
        for (size_t i = 0; i < v->n_banks; i++)
                if (v->banks[i].alg->tpm_alg_id == hash_alg)
                        return v->banks + i;
        return NULL;
}

int pcr_values_digest(const PcrValues *v, const PcrSelection *sel, const HashAlg *alg, uint8_t *out) {
        HashCtx h = {};
        int r;

        assert(v && sel && alg && out);
        r = hash_ctx_init(&h, alg);
        for (size_t i = 0; r >= 0 && i < sel->count; i++) {
                const PcrBank *b = pcr_values_bank(v, sel->banks[i].hash_alg);
                uint32_t m = sel->banks[i].mask;

                if (m != 0 && (!b || (b->mask & m) != m)) {
                        r = -ENOENT;
                        break;
                }
                for (unsigned pcr = 0; r >= 0 && pcr < TPM2_PCRS_PER_BANK_MAX; pcr++)
                        if (m & (UINT32_C(1) << pcr))
                                r = hash_ctx_update(&h, b->values[pcr], b->alg->size);
        }
        if (r >= 0)
                r = hash_ctx_final(&h, out);
        hash_ctx_done(&h);
        return r;
}
