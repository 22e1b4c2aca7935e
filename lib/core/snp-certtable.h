/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The certificate table a host hands a SEV-SNP guest with an extended report
 * (configfs-tsm auxblob, SNP_GET_EXT_REPORT): entries {GUID, u32 offset,
 * u32 length} (little-endian, offsets from the table's start) up to an
 * all-zero entry, then the certificates (DER) they point at. */

#include <stddef.h>
#include <stdint.h>

typedef enum SnpCertKind {
        SNP_CERT_ARK,
        SNP_CERT_ASK,
        SNP_CERT_VCEK,
        SNP_CERT_VLEK,
        _SNP_CERT_KIND_MAX,
} SnpCertKind;

typedef struct SnpCertTable {
        const uint8_t *cert[_SNP_CERT_KIND_MAX];        /* into the table; NULL when absent */
        size_t cert_size[_SNP_CERT_KIND_MAX];
        size_t n_entries;                               /* entries before the terminator, known or not */
} SnpCertTable;

/* -EBADMSG for a table without terminator, an entry pointing outside the
 * buffer or into the entries, a known GUID twice; -E2BIG above
 * CC_AUXBLOB_SIZE_MAX bytes or CC_AUXBLOB_ENTRIES_MAX entries. */
int snp_cert_table_parse(const uint8_t *buf, size_t size, SnpCertTable *ret);
