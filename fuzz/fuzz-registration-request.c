/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json-util.h"
#include "registration-request.h"

/* A registration or activation body as a node sends it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_json_ json_object *o = NULL;
        RegistrationRequest req = {};
        const char *field = NULL;
        uint8_t *tag = NULL;
        size_t n;

        if (json_parse_object((const char *) data, size, &o) < 0)
                return 0;
        if (registration_request_parse(o, &req, &field) >= 0) {
                Blob first, chain;
                assert(req.ek_tpm.data && req.aik_tpm.data);
                assert(!!req.iak_tpm.data == !!req.iak_sign.data);
                /* A PEM ekcert always splits; base64 DER may not (it is checked later). */
                if (req.ekcert.data && ekcert_split(&req.ekcert, &first, &chain) >= 0)
                        assert(first.size > 0 && first.size + chain.size == req.ekcert.size);
                registration_request_done(&req);
        } else
                assert(field || !req.ek_tpm.data);
        if (auth_tag_parse(o, &tag, &n) >= 0)
                free(tag);
        return 0;
}
