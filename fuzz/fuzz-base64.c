/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hexdecode.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ uint8_t *decoded = NULL;
        size_t n;

        if (base64_decode((const char *) data, size, &decoded, &n) < 0)
                return 0;

        /* What decodes must encode back to the same text, modulo padding. */
        _cleanup_free_ char *again = base64_encode(decoded, n);
        assert(again);
        assert(strncmp(again, (const char *) data, size) == 0);
        return 0;
}
