/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Template data as the kernel hashes it: for every template but "ima", each
 * field is a little-endian u32 length and its bytes; d-ng is "alg:\0<digest>",
 * n-ng the name with its NUL. The legacy "ima" template hashes the SHA-1
 * digest and the name in a zero-padded 256-byte buffer, without lengths. */
#include <errno.h>
#include <string.h>

#include "cursor.h"
#include "hexdecode.h"
#include "ima-template.h"
#include "macro.h"

#define IMA_LEGACY_NAME_FIELD (IMA_LEGACY_NAME_MAX + 1)

/* The algorithm of a digest field: a name of [a-z0-9_-]; NULL in *ret_alg
 * for a name the hash table does not know. */
static int digest_alg(const char *alg, size_t alg_len, const HashAlg **ret_alg) {
        if (alg_len == 0 || alg_len > IMA_ALG_NAME_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < alg_len; i++) {
                char c = alg[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                        return -EBADMSG;
        }
        *ret_alg = hash_alg_from_name_len(alg, alg_len);
        return 0;
}

static int digest_set_alg(ImaDigest *d, const char *alg, size_t alg_len) {
        int r = digest_alg(alg, alg_len, &d->alg);
        if (r < 0)
                return r;
        memcpy(d->alg_name, alg, alg_len);
        d->alg_name[alg_len] = 0;
        return 0;
}

static int digest_check_size(const HashAlg *alg, size_t size) {
        if (size == 0 || size > HASH_ALG_MAX_DIGEST_SIZE)
                return -EBADMSG;
        if (alg && alg->size != size)
                return -EBADMSG;
        return 0;
}

static int digest_set_raw(ImaDigest *d, const uint8_t *data, size_t size) {
        const uint8_t *colon = memchr(data, ':', MIN(size, (size_t) IMA_ALG_NAME_MAX + 1));
        ImaDigest n = {};
        int r;

        if (!colon || (size_t) (colon - data) + 2 > size || colon[1] != 0)
                return -EBADMSG;
        r = digest_set_alg(&n, (const char *) data, (size_t) (colon - data));
        if (r < 0)
                return r;
        n.size = size - (size_t) (colon - data) - 2;
        if (digest_check_size(n.alg, n.size) < 0)
                return -EBADMSG;
        memcpy(n.data, colon + 2, n.size);
        *d = n;
        return 0;
}

/* Room for a field of n bytes: writes its length and returns where its bytes go. */
static uint8_t *put_header(ImaTemplateWriter *w, size_t n) {
        if (n > IMA_TEMPLATE_DATA_MAX || w->size + 4 + n > IMA_TEMPLATE_DATA_MAX)
                return NULL;
        uint8_t *o = w->data + w->size;
        o[0] = (uint8_t) n;
        o[1] = (uint8_t) (n >> 8);
        o[2] = (uint8_t) (n >> 16);
        o[3] = (uint8_t) (n >> 24);
        w->size += 4 + n;
        return o + 4;
}

int ima_template_put_digest(ImaTemplateWriter *w, const char *token, size_t len, bool allow_empty, ImaDigest *ret) {
        const HashAlg *alg;
        uint8_t *o;
        int r;

        if (len == 0 && allow_empty) {
                if (!put_header(w, 0))
                        return -E2BIG;
                *ret = (ImaDigest) {};
                return 0;
        }
        const char *colon = memchr(token, ':', MIN(len, (size_t) IMA_ALG_NAME_MAX + 1));
        if (!colon)
                return -EBADMSG;
        size_t alg_len = (size_t) (colon - token), hex_len = len - alg_len - 1, size = hex_len / 2;
        r = digest_alg(token, alg_len, &alg);
        if (r < 0)
                return r;
        if (hex_len % 2 != 0 || digest_check_size(alg, size) < 0)
                return -EBADMSG;
        o = put_header(w, alg_len + 2 + size);
        if (!o)
                return -E2BIG;
        memcpy(o, token, alg_len);
        o[alg_len] = ':';
        o[alg_len + 1] = 0;
        if (hex_decode_into(colon + 1, hex_len, o + alg_len + 2, size) < 0)
                return -EBADMSG;
        /* Field by field: bytes past the name and the digest are left as they are. */
        memcpy(ret->alg_name, token, alg_len);
        ret->alg_name[alg_len] = 0;
        ret->alg = alg;
        ret->size = size;
        memcpy(ret->data, o + alg_len + 2, size);
        return 0;
}

int ima_template_put_name(ImaTemplateWriter *w, const char *name, size_t len, ImaEntry *e) {
        uint8_t *o;

        if (len > IMA_NAME_MAX)
                return -E2BIG;
        if (memchr(name, 0, len))
                return -EBADMSG;
        o = put_header(w, len + 1);
        if (!o)
                return -E2BIG;
        memcpy(o, name, len);
        o[len] = 0;
        e->name = (const char *) o;
        e->name_len = len;
        return 0;
}

int ima_template_put_hex(ImaTemplateWriter *w, const char *hex, size_t len, size_t max,
                         const uint8_t **ret, size_t *ret_size) {
        uint8_t *o;

        if (len % 2 != 0)
                return -EBADMSG;
        if (len / 2 > max)
                return -E2BIG;
        o = put_header(w, len / 2);
        if (!o)
                return -E2BIG;
        if (hex_decode_into(hex, len, o, len / 2) < 0)
                return -EBADMSG;
        *ret = o;
        *ret_size = len / 2;
        return 0;
}

void ima_template_finish(const ImaTemplateWriter *w, ImaTemplate t, ImaEntry *e) {
        e->template = t;
        e->template_data = w->data;
        e->template_data_size = w->size;
}

int ima_template_build_legacy(const uint8_t digest[static 20], const char *name, size_t len,
                              ImaEntryBuffer *b, ImaEntry *e) {
        if (len > IMA_LEGACY_NAME_MAX)
                return -E2BIG;
        memcpy(b->data, digest, 20);
        memcpy(b->data + 20, name, len);
        memset(b->data + 20 + len, 0, IMA_LEGACY_NAME_FIELD - len);
        e->digest = (ImaDigest) { .alg_name = "sha1", .alg = hash_alg_from_tpm_id(TPM2_ALG_ID_SHA1), .size = 20 };
        memcpy(e->digest.data, digest, 20);
        e->name = (const char *) b->data + 20;
        e->name_len = len;
        e->template = IMA_TEMPLATE_IMA;
        e->template_data = b->data;
        e->template_data_size = 20 + IMA_LEGACY_NAME_FIELD;
        return 0;
}

/* Reads one length-prefixed field. */
static int read_field(const uint8_t *data, size_t size, size_t *o, size_t max, const uint8_t **ret, size_t *ret_size) {
        uint32_t n;

        if (cursor_read_le32(data, size, o, &n) < 0)
                return -EBADMSG;
        if (n > max)
                return -E2BIG;
        if (cursor_read_span(data, size, o, n, ret) < 0)
                return -EBADMSG;
        *ret_size = n;
        return 0;
}

static int parse_name(const uint8_t *p, size_t n, ImaEntry *e) {
        if (n == 0 || p[n - 1] != 0 || memchr(p, 0, n - 1))
                return -EBADMSG;
        e->name = (const char *) p;
        e->name_len = n - 1;
        return 0;
}

int ima_template_parse_data(ImaTemplate t, const uint8_t *data, size_t size, ImaEntry *e) {
        const uint8_t *p;
        size_t o = 0, n;
        int r;

        if (t == IMA_TEMPLATE_IMA || t >= _IMA_TEMPLATE_MAX)
                return -EINVAL;
        r = read_field(data, size, &o, IMA_ALG_NAME_MAX + 2 + HASH_ALG_MAX_DIGEST_SIZE, &p, &n);
        if (r >= 0)
                r = digest_set_raw(&e->digest, p, n);
        if (r >= 0)
                r = read_field(data, size, &o, IMA_NAME_MAX + 1, &p, &n);
        if (r >= 0)
                r = parse_name(p, n, e);
        if (r >= 0 && ima_template_has_sig(t))
                r = read_field(data, size, &o, IMA_SIG_MAX, &e->sig, &e->sig_size);
        if (r >= 0 && t == IMA_TEMPLATE_IMA_BUF)
                r = read_field(data, size, &o, IMA_BUF_MAX, &e->buf, &e->buf_size);
        if (r >= 0 && t == IMA_TEMPLATE_IMA_MODSIG) {
                r = read_field(data, size, &o, IMA_ALG_NAME_MAX + 2 + HASH_ALG_MAX_DIGEST_SIZE, &p, &n);
                e->modsig_digest = (ImaDigest) {};
                if (r >= 0 && n > 0)
                        r = digest_set_raw(&e->modsig_digest, p, n);
                if (r >= 0)
                        r = read_field(data, size, &o, IMA_MODSIG_MAX, &e->modsig, &e->modsig_size);
        }
        if (r < 0)
                return r;
        if (o != size)
                return -EBADMSG;   /* trailing bytes */
        if (e->sig_size == 0)
                e->sig = NULL;
        e->template = t;
        e->template_data = data;
        e->template_data_size = size;
        return 0;
}
