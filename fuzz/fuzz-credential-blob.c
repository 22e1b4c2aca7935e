/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "credential-blob.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CredentialBlob b;

        if (credential_blob_parse(data, size, &b) < 0)
                return 0;

        /* What parses lies inside the input and accounts for all of it. */
        assert(b.id_object > data && b.id_object + b.id_object_size <= data + size);
        assert(b.secret > b.id_object && b.secret + b.secret_size == data + size);
        assert(8 + 2 + b.id_object_size + 2 + b.secret_size == size);
        return 0;
}
