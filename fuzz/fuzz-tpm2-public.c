/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "tpm2-public.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL, *q = NULL;
        EVP_PKEY *k = NULL;

        if (tpm2_public_parse(data, size, &p) >= 0) {
                /* The TPMT inside parses on its own to the same name. */
                assert(tpm2_public_parse_tpmt(data + 2, size - 2, &q) >= 0);
                assert(q->name_size == p->name_size && memcmp(q->name, p->name, p->name_size) == 0);
                if (tpm2_public_to_evp_pkey(p, &k) >= 0)
                        EVP_PKEY_free(k);
        }
        tpm2_public_free(tpm2_public_parse_tpmt(data, size, &q) >= 0 ? TAKE_PTR(q) : NULL);
        return 0;
}
