/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "macro.h"
#include "attest-signed.h"
#include "quote-verify.h"

int quote_verify_parsed(const QuoteVerifyParams *p, EVP_MD_CTX *ctx,
                        const uint8_t *attest, size_t attest_size, const Tpm2Attest *a,
                        const Tpm2Signature *sig, const PcrValues *pcrs,
                        AttestVerdict *ret_verdict) {
        uint8_t digest[HASH_ALG_MAX_DIGEST_SIZE];
        AttestVerdict v;
        int r;

        assert(p && p->ak && a && sig && pcrs && ret_verdict);
        assert(p->nonce || p->nonce_size == 0);

        r = signed_attest_check(ctx, p->ak, p->allowed_hash_mask, p->allowed_sig_mask, TPM2_ST_ATTEST_QUOTE,
                                attest, attest_size, a, sig, &v);
        if (r < 0)
                return r;
        if (v != ATTEST_VALID)
                ;
        else if (!attest_bytes_equal(a->extra_data, a->extra_data_size, p->nonce, p->nonce_size))
                v = ATTEST_NONCE_MISMATCH;
        else if (!pcr_selection_equal(&a->quote.pcr_select, &pcrs->selection))
                v = ATTEST_PCR_SELECTION_MISMATCH;
        else {
                /* The TPM digests the PCR values with the signing scheme's hash. */
                r = pcr_values_digest(pcrs, &a->quote.pcr_select, sig->hash, digest);
                if (r == -ENOENT)
                        v = ATTEST_PCR_SELECTION_MISMATCH;
                else if (r < 0)
                        return r;
                else if (a->quote.pcr_digest_size != sig->hash->size ||
                         memcmp(a->quote.pcr_digest, digest, sig->hash->size) != 0)
                        v = ATTEST_PCR_DIGEST_MISMATCH;
        }
        *ret_verdict = v;
        return 0;
}

int quote_verify(const QuoteVerifyParams *p,
                 const uint8_t *attest, size_t attest_size,
                 const uint8_t *sig, size_t sig_size,
                 const PcrValues *pcrs,
                 AttestVerdict *ret_verdict, QuoteResult *ret_result) {
        Tpm2Signature s;
        Tpm2Attest a;
        AttestVerdict v;
        int r;

        assert_return(p && p->ak && pcrs && ret_verdict, -EINVAL);
        r = signed_attest_parse(attest, attest_size, sig, sig_size, &a, &s);
        if (r < 0)
                return r;
        r = quote_verify_parsed(p, NULL, attest, attest_size, &a, &s, pcrs, &v);
        if (r < 0)
                return r;

        if (v == ATTEST_VALID && ret_result) {
                ret_result->clock_info = a.clock_info;
                ret_result->firmware_version = a.firmware_version;
                ret_result->hash_alg = s.hash->tpm_alg_id;
                ret_result->sig_alg = s.sig_alg;
                ret_result->pcrs = *pcrs;
        }
        *ret_verdict = v;
        return 0;
}
