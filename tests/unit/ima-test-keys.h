/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Adding a PEM public key fixture to an IMA keyring (include after cmocka.h). */

#include <openssl/pem.h>

#include "ima-fixture.h"
#include "ima-signature.h"
#include "macro.h"

static inline void add_pem(ImaKeyring *k, const char *name) {
        size_t size;
        _cleanup_free_ char *pem = fixture_read(name, &size);
        BIO *bio = BIO_new_mem_buf(pem, (int) size);
        EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

        assert_non_null(pkey);
        assert_int_equal(ima_keyring_add_pkey(k, pkey), 0);
        EVP_PKEY_free(pkey);
        BIO_free(bio);
}
