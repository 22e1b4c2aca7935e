/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "attest-limits.h"
#include "macro.h"
#include "x509-der.h"

/* An IAK or IDevID certificate as the agent reads it from a file or NV. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *der = NULL, *again = NULL;
        size_t n, m;

        if (x509_der_normalize(data, size, &der, &n) < 0)
                return 0;
        assert(der && n > 0 && n <= X509_DER_SIZE_MAX);
        /* What comes out is one DER certificate: normalising it is the identity. */
        assert(x509_der_normalize(der, n, &again, &m) == 0);
        assert(m == n && memcmp(again, der, n) == 0);
        free(again);
        free(der);
        return 0;
}
