/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a confidential VM's report must carry in its report data so that it and
 * the vTPM quote of the same attestation prove one machine: a digest of the
 * verifier's nonce and the node's AK name (TPM2B_NAME contents: nameAlg ‖ digest).
 * The protocol's nonces have one fixed size, so the concatenation is unambiguous. */

#include <stddef.h>
#include <stdint.h>

#define CC_REPORT_DATA_SIZE 64u

typedef enum CcBindingKind {
        CC_BINDING_SNP,        /* SHA-512(nonce ‖ AK name): all 64 bytes */
        CC_BINDING_TDX,        /* SHA-384(nonce ‖ AK name), then 16 zero bytes */
} CcBindingKind;

/* The expected report data. -EINVAL for empty inputs. */
int cc_binding_expected(CcBindingKind kind, const uint8_t *nonce, size_t nonce_size,
                        const uint8_t *ak_name, size_t ak_name_size, uint8_t ret[static CC_REPORT_DATA_SIZE]);

/* 1 when report_data binds nonce and AK name, 0 when not, negative errno on failure.
 * The comparison takes the same time wherever the first difference is. */
int cc_binding_check(CcBindingKind kind, const uint8_t report_data[static CC_REPORT_DATA_SIZE],
                     const uint8_t *nonce, size_t nonce_size, const uint8_t *ak_name, size_t ak_name_size);
