/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "fuzz.h"
#include "macro.h"
#include "makecredential.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *again = NULL;
        CredentialBlob b;
        size_t n;

        if (credential_blob_parse(data, size, &b) < 0)
                return 0;
        /* The format has one encoding: serialising gives the input back. */
        assert(credential_blob_serialize(&b, &again, &n) >= 0);
        assert(n == size && memcmp(again, data, size) == 0);
        return 0;
}
