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

static int digest_set_alg(ImaDigest *d, const char *alg, size_t alg_len) {
        if (alg_len == 0 || alg_len > IMA_ALG_NAME_MAX)
                return -EBADMSG;
        for (size_t i = 0; i < alg_len; i++) {
                char c = alg[i];
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                        return -EBADMSG;
        }
        memcpy(d->alg_name, alg, alg_len);
        d->alg_name[alg_len] = 0;
        d->alg = hash_alg_from_name(d->alg_name);
        return 0;
}

static int digest_check_size(const ImaDigest *d, size_t size) {
        if (size == 0 || size > HASH_ALG_MAX_DIGEST_SIZE)
                return -EBADMSG;
        if (d->alg && d->alg->size != size)
                return -EBADMSG;
        return 0;
}

int ima_digest_set(ImaDigest *d, const char *alg, size_t alg_len, const char *hex, size_t hex_len) {
        ImaDigest n = {};
        int r;

        r = digest_set_alg(&n, alg, alg_len);
        if (r < 0)
                return r;
        if (hex_len % 2 != 0 || digest_check_size(&n, hex_len / 2) < 0)
                return -EBADMSG;
        n.size = hex_len / 2;
        if (hex_decode_into(hex, hex_len, n.data, n.size) < 0)
                return -EBADMSG;
        *d = n;
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
        if (digest_check_size(&n, n.size) < 0)
                return -EBADMSG;
        memcpy(n.data, colon + 2, n.size);
        *d = n;
        return 0;
}

typedef struct Writer {
        uint8_t *p;
        size_t size;
} Writer;

/* Appends one field: length, then the concatenation of up to three parts. */
static int put_field(Writer *w, const void *a, size_t an, const void *b, size_t bn, const void *c, size_t cn) {
        size_t n = an + bn + cn;

        if (n > IMA_TEMPLATE_DATA_MAX || w->size + 4 + n > IMA_TEMPLATE_DATA_MAX)
                return -E2BIG;
        uint8_t *o = w->p + w->size;
        o[0] = (uint8_t) n;
        o[1] = (uint8_t) (n >> 8);
        o[2] = (uint8_t) (n >> 16);
        o[3] = (uint8_t) (n >> 24);
        if (an)
                memcpy(o + 4, a, an);
        if (bn)
                memcpy(o + 4 + an, b, bn);
        if (cn)
                memcpy(o + 4 + an + bn, c, cn);
        w->size += 4 + n;
        return 0;
}

static int put_digest(Writer *w, const ImaDigest *d) {
        static const char sep[2] = { ':', 0 };

        if (d->size == 0)
                return put_field(w, NULL, 0, NULL, 0, NULL, 0);
        return put_field(w, d->alg_name, strlen(d->alg_name), sep, 2, d->data, d->size);
}

static int build_legacy(const ImaTemplateFields *f, ImaEntryBuffer *b, ImaEntry *e) {
        if (f->digest.size != 20)
                return -EBADMSG;
        if (f->name_len > IMA_LEGACY_NAME_MAX)
                return -E2BIG;
        memcpy(b->data, f->digest.data, 20);
        memset(b->data + 20, 0, IMA_LEGACY_NAME_FIELD);
        memcpy(b->data + 20, f->name, f->name_len);
        e->template_data = b->data;
        e->template_data_size = 20 + IMA_LEGACY_NAME_FIELD;
        e->digest = f->digest;
        e->name = (const char *) b->data + 20;
        e->name_len = f->name_len;
        return 0;
}

int ima_template_build(const ImaTemplateFields *f, ImaEntryBuffer *b, ImaEntry *e) {
        static const char nul = 0;
        Writer w = { b->data, 0 };
        int r;

        if (f->name_len > IMA_NAME_MAX)
                return -E2BIG;
        if (f->template == IMA_TEMPLATE_IMA)
                return build_legacy(f, b, e);

        r = put_digest(&w, &f->digest);
        if (r >= 0)
                r = put_field(&w, f->name, f->name_len, &nul, 1, NULL, 0);
        if (r >= 0 && ima_template_has_sig(f->template))
                r = put_field(&w, f->sig, f->sig_size, NULL, 0, NULL, 0);
        if (r >= 0 && f->template == IMA_TEMPLATE_IMA_BUF)
                r = put_field(&w, f->buf, f->buf_size, NULL, 0, NULL, 0);
        if (r >= 0 && f->template == IMA_TEMPLATE_IMA_MODSIG) {
                r = put_digest(&w, &f->modsig_digest);
                if (r >= 0)
                        r = put_field(&w, f->modsig, f->modsig_size, NULL, 0, NULL, 0);
        }
        if (r < 0)
                return r;
        /* The views now point at the copies inside the template data. */
        return ima_template_parse_data(f->template, b->data, w.size, e);
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
