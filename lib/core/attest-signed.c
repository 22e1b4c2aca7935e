/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <tss2/tss2_tpm2_types.h>

#include "attest-signed.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);

int signed_attest_parse(const uint8_t *attest, size_t attest_size, const uint8_t *sig, size_t sig_size,
                        Tpm2Attest *ret_attest, Tpm2Signature *ret_sig) {
        int r;

        assert(ret_attest && ret_sig);
        r = tpm2_attest_parse(attest, attest_size, ret_attest);
        if (r < 0)
                return r;
        return tpm2_signature_parse(sig, sig_size, ret_sig);
}

int signed_attest_check(EVP_MD_CTX *ctx, EVP_PKEY *key, uint32_t hash_mask, uint32_t sig_mask, uint16_t type,
                        const uint8_t *msg, size_t msg_size, const Tpm2Attest *a, const Tpm2Signature *sig,
                        AttestVerdict *ret) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *own = NULL;
        AttestVerdict v;
        int r;

        assert(key && a && sig && ret);
        if (!ctx) {
                ctx = own = EVP_MD_CTX_new();
                if (!ctx)
                        return -ENOMEM;
        }
        r = attest_check_signature(ctx, key, hash_mask, sig_mask, sig, msg, msg_size, &v);
        if (r < 0)
                return r;

        /* Signed by the key: from here on the content is the TPM's word. */
        if (v == ATTEST_VALID && a->magic != TPM2_GENERATED_VALUE)
                v = ATTEST_NOT_TPM_GENERATED;
        else if (v == ATTEST_VALID && a->type != type)
                v = ATTEST_WRONG_TYPE;
        *ret = v;
        return 0;
}
