/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "pcr-blob.h"
#include "quote-string.h"
#include "tpm2-attest.h"
#include "tpm2-signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(quote_parts_done) QuoteParts q = {}, r = {};
        _cleanup_free_ PcrValues *v = calloc(1, sizeof(*v));
        _cleanup_free_ char *again = NULL;
        Tpm2Signature s;
        Tpm2Attest a;

        assert(v);
        if (quote_string_parse((const char *) data, size, &q) < 0)
                return 0;
        /* The parts go on to their own parsers, as in the verifier. */
        (void) tpm2_attest_parse(q.attest, q.attest_size, &a);
        (void) tpm2_signature_parse(q.signature, q.signature_size, &s);
        (void) pcr_blob_parse(q.pcr_blob, q.pcr_blob_size, v);

        assert(quote_string_format(&q, &again) >= 0);
        assert(quote_string_parse(again, strlen(again), &r) >= 0);
        assert(r.attest_size == q.attest_size && memcmp(r.attest, q.attest, q.attest_size) == 0);
        assert(r.pcr_blob_size == q.pcr_blob_size && memcmp(r.pcr_blob, q.pcr_blob, q.pcr_blob_size) == 0);
        return 0;
}
