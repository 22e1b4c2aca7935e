/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One X.509 certificate as DER or PEM (a file, an NV index) → its DER bytes.
 * DER may be followed by 0x00 or 0xff padding (NV indices are often larger
 * than what they hold), which is cut off; PEM must hold exactly one
 * certificate. Anything else is -EBADMSG. */
int x509_der_normalize(const uint8_t *buf, size_t size, uint8_t **ret, size_t *ret_size);
