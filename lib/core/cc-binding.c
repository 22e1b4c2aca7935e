/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "cc-binding.h"
#include "macro.h"
#include "memory-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);

int cc_binding_expected(CcBindingKind kind, const uint8_t *nonce, size_t nonce_size,
                        const uint8_t *ak_name, size_t ak_name_size, uint8_t ret[static CC_REPORT_DATA_SIZE]) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        const EVP_MD *md = kind == CC_BINDING_SNP ? EVP_sha512() : EVP_sha384();
        uint8_t out[CC_REPORT_DATA_SIZE] = {};

        assert_return(kind == CC_BINDING_SNP || kind == CC_BINDING_TDX, -EINVAL);
        assert_return(nonce && nonce_size > 0 && ak_name && ak_name_size > 0, -EINVAL);
        if (!ctx)
                return -ENOMEM;
        /* The output buffer holds 64 bytes; SHA-384 leaves the last 16 zero. */
        if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
            EVP_DigestUpdate(ctx, nonce, nonce_size) != 1 ||
            EVP_DigestUpdate(ctx, ak_name, ak_name_size) != 1 ||
            EVP_DigestFinal_ex(ctx, out, NULL) != 1)
                return -ENOMEM;
        memcpy(ret, out, sizeof out);
        return 0;
}

int cc_binding_check(CcBindingKind kind, const uint8_t report_data[static CC_REPORT_DATA_SIZE],
                     const uint8_t *nonce, size_t nonce_size, const uint8_t *ak_name, size_t ak_name_size) {
        uint8_t want[CC_REPORT_DATA_SIZE];
        int r;

        assert_return(report_data, -EINVAL);
        r = cc_binding_expected(kind, nonce, nonce_size, ak_name, ak_name_size, want);
        if (r < 0)
                return r;
        return memcmp_const_time(want, report_data, sizeof want) == 0;
}
