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
