/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Record layout in the blob (no alignment, read byte-wise):
 *   u32 directory id (little-endian) | basename | NUL | u8 n | n × (u8 size | digest)
 * The table holds blob offset + 1 (0 is empty), linear probing. While adding it
 * is at most half full and doubles; sealing rebuilds it two-thirds full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest-index.h"
#include "memory-util.h"

typedef struct DirRef {
        uint32_t off, len;           /* in dirs */
} DirRef;

struct DigestIndex {
        uint32_t *table;
        size_t table_size;
        size_t max_name_len;

        uint8_t *blob;
        size_t blob_size, blob_allocated;

        char *dirs;                  /* directory strings, each with a trailing '/' */
        size_t dirs_size, dirs_allocated;
        DirRef *dir;                 /* by directory id */
        size_t n_dirs, dir_allocated;
        uint32_t *dir_table;         /* directory id + 1, open addressing */
        size_t dir_table_mask;

        size_t n_names, max_names, n_digests;
};

static uint64_t hash_bytes(const void *p, size_t n) {
        const uint8_t *s = p;
        uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xff51afd7ed558ccdull), v;

        for (; n >= 8; s += 8, n -= 8) {
                memcpy(&v, s, 8);
                h = (h ^ (v * 0xc4ceb9fe1a85ec53ull)) * 0x100000001b3ull;
                h ^= h >> 29;
        }
        v = 0;
        memcpy(&v, s, n);
        h = (h ^ (v * 0xc4ceb9fe1a85ec53ull)) * 0x100000001b3ull;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        return h;
}

/* The home slot of a hash in a table of any size. */
static inline size_t slot_of(uint64_t h, size_t size) {
        return (size_t) (((h >> 32) * (uint64_t) size) >> 32);
}

#define TABLE_MIN 64u

int digest_index_new(size_t max_names, DigestIndex **ret) {
        DigestIndex *ix;

        if (max_names > UINT32_MAX / 4)
                return -E2BIG;
        ix = calloc(1, sizeof(DigestIndex));
        if (!ix)
                return -ENOMEM;
        ix->table = calloc(TABLE_MIN, sizeof(uint32_t));
        ix->dir_table = calloc(64, sizeof(uint32_t));
        if (!ix->table || !ix->dir_table) {
                digest_index_free(ix);
                return -ENOMEM;
        }
        ix->table_size = TABLE_MIN;
        ix->dir_table_mask = 63;
        ix->max_names = max_names;
        *ret = ix;
        return 0;
}

DigestIndex *digest_index_free(DigestIndex *ix) {
        if (!ix)
                return NULL;
        free(ix->table);
        free(ix->blob);
        free(ix->dirs);
        free(ix->dir);
        free(ix->dir_table);
        free(ix);
        return NULL;
}

static bool dir_equal(const DigestIndex *ix, uint32_t id, const char *dir, size_t len) {
        return ix->dir[id].len == len && memcmp(ix->dirs + ix->dir[id].off, dir, len) == 0;
}

static int dir_table_rehash(DigestIndex *ix) {
        size_t cap = (ix->dir_table_mask + 1) * 2;
        uint32_t *t = calloc(cap, sizeof(uint32_t));

        if (!t)
                return -ENOMEM;
        for (uint32_t id = 0; id < ix->n_dirs; id++) {
                size_t i = hash_bytes(ix->dirs + ix->dir[id].off, ix->dir[id].len) & (cap - 1);
                while (t[i])
                        i = (i + 1) & (cap - 1);
                t[i] = id + 1;
        }
        free(ix->dir_table);
        ix->dir_table = t;
        ix->dir_table_mask = cap - 1;
        return 0;
}

/* The id of a directory string, added when new. */
static int dir_intern(DigestIndex *ix, const char *dir, size_t len, uint32_t *ret) {
        size_t i = hash_bytes(dir, len) & ix->dir_table_mask;
        int r;

        for (; ix->dir_table[i]; i = (i + 1) & ix->dir_table_mask)
                if (dir_equal(ix, ix->dir_table[i] - 1, dir, len)) {
                        *ret = ix->dir_table[i] - 1;
                        return 0;
                }
        if (ix->dirs_size + len > UINT32_MAX || ix->n_dirs >= UINT32_MAX - 1)
                return -E2BIG;
        if ((r = array_reserve((void **) &ix->dirs, &ix->dirs_allocated, ix->dirs_size + len + 1, 1)) < 0 ||
            (r = array_reserve((void **) &ix->dir, &ix->dir_allocated, ix->n_dirs + 1, sizeof(DirRef))) < 0)
                return r;
        memcpy(ix->dirs + ix->dirs_size, dir, len);
        ix->dir[ix->n_dirs] = (DirRef) { (uint32_t) ix->dirs_size, (uint32_t) len };
        ix->dirs_size += len;
        ix->dir_table[i] = (uint32_t) ix->n_dirs + 1;
        *ret = (uint32_t) ix->n_dirs++;
        if (ix->n_dirs * 2 > ix->dir_table_mask + 1)
                return dir_table_rehash(ix);
        return 0;
}

static size_t split_dir(const char *name, size_t len) {
        const char *slash = memrchr(name, '/', len);
        return slash ? (size_t) (slash - name) + 1 : 0;
}

static bool record_matches(const DigestIndex *ix, const uint8_t *rec, const char *name, size_t len, size_t dir_len) {
        uint32_t id = (uint32_t) rec[0] | (uint32_t) rec[1] << 8 | (uint32_t) rec[2] << 16 | (uint32_t) rec[3] << 24;
        const char *base = (const char *) rec + 4;
        size_t base_len = len - dir_len;

        /* The stored basename may be shorter than the query: bound by its own length first. */
        return dir_equal(ix, id, name, dir_len) && strnlen(base, base_len + 1) == base_len &&
                memcmp(base, name + dir_len, base_len) == 0;
}

const uint8_t *digest_index_find(const DigestIndex *ix, const char *name, size_t len) {
        size_t dir_len = split_dir(name, len);

        for (size_t i = slot_of(hash_bytes(name, len), ix->table_size); ix->table[i];
             i = i + 1 == ix->table_size ? 0 : i + 1) {
                const uint8_t *rec = ix->blob + ix->table[i] - 1;
                if (record_matches(ix, rec, name, len, dir_len))
                        return rec;
        }
        return NULL;
}

static void table_put(uint32_t *table, size_t size, uint64_t h, uint32_t value) {
        size_t i = slot_of(h, size);
        while (table[i])
                i = i + 1 == size ? 0 : i + 1;
        table[i] = value;
}

/* Length of the record at rec, and its full name into buf. */
static size_t record_name(const DigestIndex *ix, const uint8_t *rec, char *buf, size_t *ret_len) {
        uint32_t id = (uint32_t) rec[0] | (uint32_t) rec[1] << 8 | (uint32_t) rec[2] << 16 | (uint32_t) rec[3] << 24;
        size_t base_len = strlen((const char *) rec + 4), o = 4 + base_len + 1;
        uint8_t n = rec[o++];

        memcpy(buf, ix->dirs + ix->dir[id].off, ix->dir[id].len);
        memcpy(buf + ix->dir[id].len, rec + 4, base_len);
        *ret_len = ix->dir[id].len + base_len;
        for (; n > 0; n--)
                o += 1 + rec[o];
        return o;
}

/* Rebuilds the table with the given number of slots from the records. */
static int table_rebuild(DigestIndex *ix, size_t size) {
        _cleanup_free_ char *name = malloc(ix->max_name_len + 1);
        uint32_t *t = calloc(size, sizeof(uint32_t));

        if (!t || !name) {
                free(t);
                return -ENOMEM;
        }
        for (size_t o = 0, len; o < ix->blob_size;) {
                size_t k = record_name(ix, ix->blob + o, name, &len);
                table_put(t, size, hash_bytes(name, len), (uint32_t) o + 1);
                o += k;
        }
        free(ix->table);
        ix->table = t;
        ix->table_size = size;
        return 0;
}

bool digest_index_record_has(const uint8_t *rec, const uint8_t *digest, size_t size) {
        const uint8_t *p = rec + 4 + strlen((const char *) rec + 4) + 1;
        uint8_t n = *p++;

        for (; n > 0; n--) {
                if (p[0] == size && memcmp(p + 1, digest, size) == 0)
                        return true;
                p += 1 + p[0];
        }
        return false;
}

int digest_index_add(DigestIndex *ix, const char *name, size_t len, const IndexDigest *digests, size_t n_digests) {
        size_t dir_len = split_dir(name, len), need;
        uint32_t id;
        int r;

        if (!ix->dir_table)
                return -EPERM;   /* sealed */
        if (n_digests > 255 || memchr(name, 0, len))
                return -EINVAL;
        if (ix->n_names >= ix->max_names)
                return -E2BIG;
        if (digest_index_find(ix, name, len))
                return -EEXIST;
        need = 4 + (len - dir_len) + 1 + 1;
        for (size_t k = 0; k < n_digests; k++) {
                if (digests[k].size == 0 || digests[k].size > sizeof(digests[k].data))
                        return -EINVAL;
                need += 1 + digests[k].size;
        }
        if (ix->blob_size + need >= UINT32_MAX)
                return -E2BIG;
        r = dir_intern(ix, name, dir_len, &id);
        if (r < 0)
                return r;
        r = array_reserve((void **) &ix->blob, &ix->blob_allocated, ix->blob_size + need, 1);
        if (r < 0)
                return r;

        uint8_t *p = ix->blob + ix->blob_size;
        p[0] = (uint8_t) id, p[1] = (uint8_t) (id >> 8), p[2] = (uint8_t) (id >> 16), p[3] = (uint8_t) (id >> 24);
        p += 4;
        memcpy(p, name + dir_len, len - dir_len);
        p += len - dir_len;
        *p++ = 0;
        *p++ = (uint8_t) n_digests;
        for (size_t k = 0; k < n_digests; k++) {
                *p++ = digests[k].size;
                memcpy(p, digests[k].data, digests[k].size);
                p += digests[k].size;
        }
        table_put(ix->table, ix->table_size, hash_bytes(name, len), (uint32_t) ix->blob_size + 1);
        ix->blob_size += need;
        ix->n_names++;
        ix->n_digests += n_digests;
        ix->max_name_len = MAX(ix->max_name_len, len);
        if (ix->n_names * 2 > ix->table_size)
                return table_rebuild(ix, ix->table_size * 2);
        return 0;
}

void digest_index_seal(DigestIndex *ix) {
        uint8_t *b;

        /* Two-thirds full: short probes, six bytes of table per name. */
        (void) table_rebuild(ix, MAX((size_t) TABLE_MIN, ix->n_names * 3 / 2));

        free(ix->dir_table);   /* only needed while adding */
        ix->dir_table = NULL;
        ix->dir_table_mask = 0;
        if (ix->blob_size > 0 && (b = realloc(ix->blob, ix->blob_size))) {
                ix->blob = b;
                ix->blob_allocated = ix->blob_size;
        }
}

size_t digest_index_names(const DigestIndex *ix) {
        return ix->n_names;
}

size_t digest_index_digests(const DigestIndex *ix) {
        return ix->n_digests;
}

size_t digest_index_memory(const DigestIndex *ix) {
        return sizeof(*ix) + ix->table_size * sizeof(uint32_t) + ix->blob_allocated +
                ix->dirs_allocated + ix->dir_allocated * sizeof(DirRef) +
                (ix->dir_table ? (ix->dir_table_mask + 1) * sizeof(uint32_t) : 0);
}
