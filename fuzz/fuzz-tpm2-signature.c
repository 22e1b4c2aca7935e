/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <tss2/tss2_tpm2_types.h>

#include "fuzz.h"
#include "macro.h"
#include "tpm2-signature.h"

static EVP_PKEY *key_for(uint16_t sig_alg) {
        static EVP_PKEY *rsa, *ec;

        /* One key of each type per process, so that verification (and the DER
         * built from r and s) runs on every input that parses. */
        if (sig_alg == TPM2_ALG_ECDSA)
                return ec ?: (ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1"));
        return rsa ?: (rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Tpm2Signature s;
        int r;

        if (tpm2_signature_parse(data, size, &s) < 0)
                return 0;
        assert(s.sig_size <= sizeof(s.sig));
        r = tpm2_signature_verify(&s, key_for(s.sig_alg), data, size);
        assert(r == -EBADMSG || r == -EOPNOTSUPP);
        return 0;
}
