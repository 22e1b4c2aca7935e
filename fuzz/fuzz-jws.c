/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <string.h>

#include "ear.h"
#include "fuzz.h"
#include "json-util.h"
#include "jws.h"

/* The key of the corpus tokens (fuzz/corpus/jws/token-*), so that inputs reach
 * the signature check and the claims. */
static const char corpus_jwks[] =
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MTQpa1uLQRv9YvU4yP9Dkh9QdT_CXat418A6-TLqc5M\","
        "\"y\":\"SKOW_prVCNrNegnK_aWzzq4sP6cj5Cb84AyROcFLP7Q\",\"kid\":\"FoeeRWcI_co0sewwyhjwceukwirQ7WxBFAJOmFDGB2M\"}]}";

/* A JWK set (input starting with '{') or a token given to attestctl result verify. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static JwsKeySet keys;
        json_object *claims = NULL;
        JwsKeySet s = {};

        if (keys.n == 0)
                assert(jws_key_set_parse(corpus_jwks, strlen(corpus_jwks), &keys) == 0 && keys.n == 1);
        if (size > 0 && data[0] == '{') {
                if (jws_key_set_parse((const char *) data, size, &s) >= 0)
                        assert(s.n <= JWKS_KEYS_MAX);
                jws_key_set_done(&s);
                return 0;
        }
        if (jws_verify((const char *) data, size, &keys, &claims) >= 0) {
                assert(json_object_is_type(claims, json_type_object));
                (void) ear_claims_check(claims, 1700000100);
                json_object_put(claims);
        }
        return 0;
}
