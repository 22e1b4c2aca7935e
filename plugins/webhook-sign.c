/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "webhook-sign.h"

int webhook_signature(const uint8_t *key, size_t key_size, uint64_t timestamp, const char *body, size_t size,
                      char out[static 65]) {
        static const char digits[] = "0123456789abcdef";
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0),
                OSSL_PARAM_construct_end(),
        };
        uint8_t mac[32];
        char prefix[32];
        EVP_MAC_CTX *ctx = NULL;
        EVP_MAC *hmac;
        size_t n = 0;
        int ok;

        (void) snprintf(prefix, sizeof(prefix), "%" PRIu64 ".", timestamp);
        hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (hmac)
                ctx = EVP_MAC_CTX_new(hmac);
        ok = ctx && EVP_MAC_init(ctx, key, key_size, params) == 1 &&
             EVP_MAC_update(ctx, (const uint8_t *) prefix, strlen(prefix)) == 1 &&
             EVP_MAC_update(ctx, (const uint8_t *) body, size) == 1 &&
             EVP_MAC_final(ctx, mac, &n, sizeof(mac)) == 1 && n == sizeof(mac);
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(hmac);
        if (!ok)
                return -EIO;
        for (size_t i = 0; i < sizeof(mac); i++) {
                out[2 * i] = digits[mac[i] >> 4];
                out[2 * i + 1] = digits[mac[i] & 15];
        }
        out[64] = 0;
        return 0;
}

int webhook_sign_headers(const uint8_t *key, size_t key_size, uint64_t timestamp, const char *body, size_t size,
                         char *ts_header, size_t ts_size, char *sig_header, size_t sig_size) {
        char hex[65];
        int r;

        r = webhook_signature(key, key_size, timestamp, body, size, hex);
        if (r < 0)
                return r;
        (void) snprintf(ts_header, ts_size, WEBHOOK_TIMESTAMP_HEADER ": %" PRIu64, timestamp);
        (void) snprintf(sig_header, sig_size, WEBHOOK_SIGNATURE_HEADER ": sha256=%s", hex);
        return 0;
}
