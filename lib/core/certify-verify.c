/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "macro.h"
#include "attest-signed.h"
#include "certify-verify.h"
#include "tpm2-signature.h"

int certify_verify(const CertifyVerifyParams *p,
                   const uint8_t *attest, size_t attest_size,
                   const uint8_t *sig, size_t sig_size,
                   AttestVerdict *ret_verdict, Tpm2Attest *ret_attest) {
        Tpm2Signature s;
        Tpm2Attest a;
        AttestVerdict v;
        int r;

        assert_return(p && p->signer && p->name && ret_verdict, -EINVAL);
        assert_return(p->extra_data || p->extra_data_size == 0, -EINVAL);

        r = signed_attest_parse(attest, attest_size, sig, sig_size, &a, &s);
        if (r < 0)
                return r;
        r = signed_attest_check(NULL, p->signer, p->allowed_hash_mask, p->allowed_sig_mask, TPM2_ST_ATTEST_CERTIFY,
                                attest, attest_size, &a, &s, &v);
        if (r < 0)
                return r;

        if (v != ATTEST_VALID)
                ;
        else if (!attest_bytes_equal(a.extra_data, a.extra_data_size, p->extra_data, p->extra_data_size))
                v = ATTEST_NONCE_MISMATCH;
        else if (!attest_bytes_equal(a.certify.name, a.certify.name_size, p->name, p->name_size))
                v = ATTEST_NAME_MISMATCH;

        if (v == ATTEST_VALID && ret_attest)
                *ret_attest = a;
        *ret_verdict = v;
        return 0;
}
