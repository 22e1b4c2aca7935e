/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One entry of the IMA measurement list, parsed from its ascii line or its
 * binary record. The entry carries the template data exactly as the kernel
 * hashed it, so that each PCR bank can recompute the template hash. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"
#include "attest-limits.h"

typedef enum ImaTemplate {
        IMA_TEMPLATE_IMA,          /* d | n (legacy: SHA-1 digest, name padded to 256 bytes) */
        IMA_TEMPLATE_IMA_NG,       /* d-ng | n-ng */
        IMA_TEMPLATE_IMA_SIG,      /* d-ng | n-ng | sig */
        IMA_TEMPLATE_IMA_BUF,      /* d-ng | n-ng | buf */
        IMA_TEMPLATE_IMA_MODSIG,   /* d-ng | n-ng | sig | d-modsig | modsig */
        _IMA_TEMPLATE_MAX,
} ImaTemplate;

const char *ima_template_to_string(ImaTemplate t);
int ima_template_from_string(const char *s, size_t len);   /* ImaTemplate or -EPROTONOSUPPORT */

/* A digest with the algorithm name as the template spells it ("sha256").
 * alg is NULL for a name the hash table does not know. */
typedef struct ImaDigest {
        char alg_name[IMA_ALG_NAME_MAX + 1];
        const HashAlg *alg;
        size_t size;
        uint8_t data[HASH_ALG_MAX_DIGEST_SIZE];
} ImaDigest;

/* Pointers refer to the input (binary) or to the ImaEntryBuffer the entry was
 * parsed with (ascii); they stay valid while those do. */
typedef struct ImaEntry {
        uint32_t pcr;
        ImaTemplate template;
        size_t template_hash_size;
        uint8_t template_hash[HASH_ALG_MAX_DIGEST_SIZE];
        bool violation;                 /* template hash all zero: extended as all 0xFF */

        ImaDigest digest;               /* d / d-ng */
        const char *name;               /* n / n-ng, NUL-terminated, no interior NUL */
        size_t name_len;
        const uint8_t *sig;             /* sig (ima-sig, ima-modsig); NULL when empty */
        size_t sig_size;
        const uint8_t *buf;             /* buf (ima-buf) */
        size_t buf_size;
        ImaDigest modsig_digest;        /* d-modsig; size 0 when empty */
        const uint8_t *modsig;
        size_t modsig_size;

        const uint8_t *template_data;   /* exactly the bytes the kernel hashes */
        size_t template_data_size;
} ImaEntry;

/* Scratch space for one ascii entry: the template data, rebuilt with the
 * fields decoded into place. */
typedef struct ImaEntryBuffer {
        uint8_t data[IMA_TEMPLATE_DATA_MAX];
} ImaEntryBuffer;

/* Parses one ascii line (without its newline). -EBADMSG for malformed
 * syntax, -E2BIG beyond a limit, -EPROTONOSUPPORT for an unknown template. */
int ima_entry_parse_ascii(const char *line, size_t len, ImaEntryBuffer *b, ImaEntry *ret);

/* Parses one binary record (little-endian, as on x86 or with ima_canonical_fmt)
 * at buf[*offset], advancing *offset only on success. */
int ima_entry_parse_binary(const uint8_t *buf, size_t len, size_t *offset, ImaEntryBuffer *b, ImaEntry *ret);

/* Whether a name is the boot aggregate entry. */
bool ima_entry_is_boot_aggregate(const ImaEntry *e);

/* Splits the next line off text[*offset..len): sets *ret_line and *ret_len and
 * advances past its newline. Returns 0 at the end, 1 with a line; a last line
 * without newline is returned only when final is true. -E2BIG past IMA_LINE_MAX. */
int ima_next_line(const char *text, size_t len, size_t *offset, bool final, const char **ret_line, size_t *ret_len);
