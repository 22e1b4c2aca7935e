/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A compact read-only map from a name (a file path, a keyring, an ima-buf
 * name) to its allowed digests, built once per policy. Names are interned as
 * (directory, basename) so that a directory is stored once; digests are kept
 * in binary. Records sit in one blob, found through an open-addressing table
 * of 32-bit offsets. Lookups allocate nothing and may run from many threads. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct DigestIndex DigestIndex;

/* A digest as the index takes it. */
typedef struct IndexDigest {
        uint8_t size;
        uint8_t data[64];
} IndexDigest;

/* An index for at most max_names names. */
int digest_index_new(size_t max_names, DigestIndex **ret);
DigestIndex *digest_index_free(DigestIndex *ix);
DEFINE_POINTER_CLEANUP_FUNC(DigestIndex, digest_index_free);

/* Adds a name with its digests (0…255 of 1…64 bytes). -EEXIST for a name
 * already added, -E2BIG past max_names or the blob's 4 GiB. */
int digest_index_add(DigestIndex *ix, const char *name, size_t name_len, const IndexDigest *digests, size_t n_digests);

/* Releases the slack of building; the index stays usable for lookups. */
void digest_index_seal(DigestIndex *ix);

/* The record of a name, or NULL when the name is unknown. */
const uint8_t *digest_index_find(const DigestIndex *ix, const char *name, size_t name_len);

/* Whether a record (from digest_index_find) allows this digest. */
bool digest_index_record_has(const uint8_t *record, const uint8_t *digest, size_t size);

size_t digest_index_names(const DigestIndex *ix);
size_t digest_index_digests(const DigestIndex *ix);
size_t digest_index_memory(const DigestIndex *ix);   /* bytes held, all parts */
