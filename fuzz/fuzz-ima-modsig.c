/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The appended signature parser, and verification of what it accepts with
 * one key of each type tried (a signer named by issuer and serial). */
#include <string.h>

#include "fuzz.h"
#include "ima-modsig.h"
#include "macro.h"

static ImaKeyring ring;

static void ring_init(void) {
        EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
        EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");

        assert(rsa && ec);
        assert(ima_keyring_add_pkey(&ring, rsa) == 0 && ima_keyring_add_pkey(&ring, ec) == 0);
        EVP_PKEY_free(rsa);
        EVP_PKEY_free(ec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const ImaKeyring *rings[] = { &ring, NULL };
        ImaDigest d = {};
        ImaModsig m;
        int r;

        if (ring.n_keys == 0)
                ring_init();
        if (ima_modsig_parse(data, size, &m) < 0)
                return 0;
        assert(m.alg && m.skid_size <= sizeof m.skid);
        assert(m.pkey_type == EVP_PKEY_RSA || m.pkey_type == EVP_PKEY_EC);

        /* A digest of the signature's algorithm, so that verification runs. */
        strcpy(d.alg_name, m.alg->name);
        d.alg = m.alg;
        d.size = m.alg->size;
        assert(hash_alg_digest(m.alg, data, size, d.data) == 0);
        r = ima_modsig_verify(&m, &d, rings, ELEMENTSOF(rings));
        assert(r == -ENOKEY || r == -EKEYREJECTED);   /* nobody holds the fuzzer's keys */
        ima_modsig_done(&m);
        return 0;
}
