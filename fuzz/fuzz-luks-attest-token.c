/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "luks-attest-token.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = malloc(size + 1), *again = NULL;
        LuksAttestToken t, u;

        assert(text);
        memcpy(text, data, size);
        text[size] = 0;
        if (luks_attest_token_parse(text, &t) < 0)
                return 0;
        /* What was accepted survives a round trip. */
        assert(luks_attest_token_format(t.secret, 1, t.timeout_sec, &again) >= 0);
        assert(luks_attest_token_parse(again, &u) >= 0);
        assert(strcmp(t.secret, u.secret) == 0 && t.timeout_sec == u.timeout_sec);
        return 0;
}
