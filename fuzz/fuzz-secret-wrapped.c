/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-util.h"
#include "macro.h"
#include "secret-wrap-json.h"

/* The verifier's "secret" answer as a node parses it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL, *again = NULL;
        _cleanup_(secret_wrapped_done) SecretWrapped w = {}, v = {};

        if (json_parse_object((const char *) data, size, &o) < 0)
                return 0;
        if (secret_wrapped_from_json(o, &w) < 0)
                return 0;
        again = secret_wrapped_to_json(&w);
        assert(again);
        assert(secret_wrapped_from_json(again, &v) >= 0);
        assert(v.kem == w.kem && v.ciphertext_size == w.ciphertext_size &&
               memcmp(v.ciphertext, w.ciphertext, w.ciphertext_size) == 0);
        return 0;
}
