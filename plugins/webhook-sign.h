/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_TIMESTAMP_HEADER "X-Hostattest-Timestamp"
#define WEBHOOK_SIGNATURE_HEADER "X-Hostattest-Signature"

/* HMAC-SHA256 over "<timestamp>.<body>" as lowercase hex into out (65 bytes). */
int webhook_signature(const uint8_t *key, size_t key_size, uint64_t timestamp, const char *body, size_t size,
                      char out[static 65]);

/* "X-Hostattest-Timestamp: <t>" and "X-Hostattest-Signature: sha256=<hex>". */
int webhook_sign_headers(const uint8_t *key, size_t key_size, uint64_t timestamp, const char *body, size_t size,
                         char *ts_header, size_t ts_size, char *sig_header, size_t sig_size);
