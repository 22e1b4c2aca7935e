/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "cursor.h"
#include "pcr-blob.h"

/* Sizes of the fixed C layout tpm2-tools writes (TPML_PCR_SELECTION, TPML_DIGEST). */
#define SELECTION_SLOT_SIZE 8u    /* u16 hash, u8 sizeofSelect, u8 pcrSelect[4], 1 pad */
#define SELECTION_SIZE (4u + PCR_BLOB_SELECTION_SLOTS * SELECTION_SLOT_SIZE)
#define DIGEST_SLOT_SIZE (2u + TPM2_DIGEST_SIZE_MAX)
#define DIGEST_LIST_SIZE (4u + PCR_BLOB_DIGESTS_PER_LIST * DIGEST_SLOT_SIZE)

static int read_selection(const uint8_t *buf, size_t len, size_t *off, PcrValues *v) {
        uint32_t count;

        if (cursor_need(len, *off, SELECTION_SIZE) < 0)
                return -EBADMSG;
        if (cursor_read_le32(buf, len, off, &count) < 0 || count > PCR_BLOB_SELECTION_SLOTS)
                return -EBADMSG;
        for (uint32_t i = 0; i < PCR_BLOB_SELECTION_SLOTS; i++) {
                size_t slot = *off + i * SELECTION_SLOT_SIZE;
                uint8_t size;
                uint16_t alg;

                if (i >= count)
                        continue;
                if (cursor_read_le16(buf, len, &slot, &alg) < 0 || cursor_read_u8(buf, len, &slot, &size) < 0)
                        return -EBADMSG;
                if (pcr_select_to_mask(buf + slot, size, &v->selection.banks[i].mask) < 0)
                        return -EBADMSG;
                v->selection.banks[i].hash_alg = alg;
                v->banks[i].alg = hash_alg_from_tpm_id(alg);
                v->banks[i].mask = 0;
                if (!v->banks[i].alg)
                        return -EBADMSG;
                /* One bank per algorithm: values are stored per bank. */
                for (uint32_t j = 0; j < i; j++)
                        if (v->selection.banks[j].hash_alg == alg)
                                return -EBADMSG;
        }
        v->selection.count = v->n_banks = count;
        return cursor_skip(len, off, PCR_BLOB_SELECTION_SLOTS * SELECTION_SLOT_SIZE);
}

/* Finds where the k-th value (in selection order, ascending PCR) belongs. */
static int value_slot(PcrValues *v, size_t k, PcrBank **ret_bank, unsigned *ret_pcr) {
        for (size_t i = 0; i < v->selection.count; i++)
                for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++)
                        if (v->selection.banks[i].mask & (UINT32_C(1) << pcr)) {
                                if (k-- == 0) {
                                        *ret_bank = v->banks + i;
                                        *ret_pcr = pcr;
                                        return 0;
                                }
                        }
        return -EBADMSG;
}

static size_t selected_count(const PcrSelection *s) {
        size_t n = 0;
        for (size_t i = 0; i < s->count; i++)
                n += (size_t) __builtin_popcount(s->banks[i].mask);
        return n;
}

static int read_digest_list(const uint8_t *buf, size_t len, size_t *off, PcrValues *v, size_t *k) {
        size_t o = *off;
        uint32_t count;

        if (cursor_read_le32(buf, len, &o, &count) < 0 || count > PCR_BLOB_DIGESTS_PER_LIST)
                return -EBADMSG;
        for (uint32_t i = 0; i < count; i++) {
                size_t slot = o + i * DIGEST_SLOT_SIZE;
                PcrBank *bank;
                unsigned pcr;
                uint16_t size;

                if (cursor_read_le16(buf, len, &slot, &size) < 0 || cursor_need(len, slot, TPM2_DIGEST_SIZE_MAX) < 0)
                        return -EBADMSG;
                if (value_slot(v, (*k)++, &bank, &pcr) < 0 || size != bank->alg->size)
                        return -EBADMSG;
                memcpy(bank->values[pcr], buf + slot, size);
                bank->mask |= UINT32_C(1) << pcr;
        }
        return cursor_skip(len, off, DIGEST_LIST_SIZE);
}

int pcr_blob_parse(const uint8_t *buf, size_t len, PcrValues *ret) {
        _cleanup_free_ PcrValues *v = NULL;
        size_t off = 0, k = 0;
        uint32_t n;

        assert(buf || len == 0);
        assert(ret);

        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        if (read_selection(buf, len, &off, v) < 0)
                return -EBADMSG;
        if (cursor_read_le32(buf, len, &off, &n) < 0 || n > PCR_BLOB_DIGEST_LISTS_MAX)
                return -EBADMSG;
        /* The lists fill the rest exactly: no trailing bytes. */
        if (len - off != (size_t) n * DIGEST_LIST_SIZE)
                return -EBADMSG;
        for (uint32_t i = 0; i < n; i++)
                if (read_digest_list(buf, len, &off, v, &k) < 0)
                        return -EBADMSG;
        if (k != selected_count(&v->selection))
                return -EBADMSG;

        *ret = *v;
        return 0;
}

static void put_le16(uint8_t *p, uint16_t x) {
        p[0] = x & 0xff;
        p[1] = x >> 8;
}

static void put_le32(uint8_t *p, uint32_t x) {
        put_le16(p, x & 0xffff);
        put_le16(p + 2, x >> 16);
}

int pcr_blob_serialize(const PcrValues *v, uint8_t **ret, size_t *ret_size) {
        size_t total = selected_count(&v->selection), lists = (total + PCR_BLOB_DIGESTS_PER_LIST - 1) / PCR_BLOB_DIGESTS_PER_LIST;
        size_t size = SELECTION_SIZE + 4 + lists * DIGEST_LIST_SIZE, k = 0;
        uint8_t *buf, *p;

        assert(v && ret && ret_size);
        if (v->selection.count > PCR_BLOB_SELECTION_SLOTS || lists > PCR_BLOB_DIGEST_LISTS_MAX)
                return -EINVAL;
        buf = calloc(1, size);
        if (!buf)
                return -ENOMEM;
        put_le32(buf, (uint32_t) v->selection.count);
        for (size_t i = 0; i < v->selection.count; i++) {
                p = buf + 4 + i * SELECTION_SLOT_SIZE;
                put_le16(p, v->selection.banks[i].hash_alg);
                p[2] = 3;
                put_le32(p + 3, v->selection.banks[i].mask);
                if (v->selection.banks[i].mask >> 24)
                        p[2] = 4;
        }
        put_le32(buf + SELECTION_SIZE, (uint32_t) lists);
        for (size_t i = 0; i < v->selection.count; i++)
                for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++) {
                        const PcrBank *b = pcr_values_bank(v, v->selection.banks[i].hash_alg);
                        if (!(v->selection.banks[i].mask & (UINT32_C(1) << pcr)))
                                continue;
                        if (!b || !(b->mask & (UINT32_C(1) << pcr))) {
                                free(buf);
                                return -ENOENT;
                        }
                        p = buf + SELECTION_SIZE + 4 + (k / PCR_BLOB_DIGESTS_PER_LIST) * DIGEST_LIST_SIZE;
                        put_le32(p, (uint32_t) MIN(PCR_BLOB_DIGESTS_PER_LIST, total - k / PCR_BLOB_DIGESTS_PER_LIST * PCR_BLOB_DIGESTS_PER_LIST));
                        p += 4 + (k % PCR_BLOB_DIGESTS_PER_LIST) * DIGEST_SLOT_SIZE;
                        put_le16(p, (uint16_t) b->alg->size);
                        memcpy(p + 2, b->values[pcr], b->alg->size);
                        k++;
                }
        *ret = buf;
        *ret_size = size;
        return 0;
}
