/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ascii measurement list: "<pcr> <template-hash> <template> <fields…>",
 * each field preceded by one space, an empty field printed as nothing. The
 * file name is printed verbatim and may hold spaces, so fixed fields are taken
 * from both ends and the name is what stays in the middle. */
#include <errno.h>
#include <string.h>

#include "hexdecode.h"
#include "ima-entry.h"
#include "ima-template.h"
#include "macro.h"

static const char *const template_names[_IMA_TEMPLATE_MAX] = {
        [IMA_TEMPLATE_IMA] = "ima",
        [IMA_TEMPLATE_IMA_NG] = "ima-ng",
        [IMA_TEMPLATE_IMA_SIG] = "ima-sig",
        [IMA_TEMPLATE_IMA_BUF] = "ima-buf",
        [IMA_TEMPLATE_IMA_MODSIG] = "ima-modsig",
};

const char *ima_template_to_string(ImaTemplate t) {
        return t >= 0 && t < _IMA_TEMPLATE_MAX ? template_names[t] : NULL;
}

int ima_template_from_string(const char *s, size_t len) {
        for (int t = 0; t < _IMA_TEMPLATE_MAX; t++)
                if (strlen(template_names[t]) == len && memcmp(template_names[t], s, len) == 0)
                        return t;
        return -EPROTONOSUPPORT;
}

bool ima_entry_is_boot_aggregate(const ImaEntry *e) {
        return e->name && strcmp(e->name, "boot_aggregate") == 0;
}

int ima_next_line(const char *text, size_t len, size_t *offset, bool final, const char **ret_line, size_t *ret_len) {
        size_t o = *offset;

        if (o >= len)
                return 0;
        const char *nl = memchr(text + o, '\n', len - o);
        size_t n = nl ? (size_t) (nl - (text + o)) : len - o;
        if (n > IMA_LINE_MAX)
                return -E2BIG;
        if (!nl && !final)
                return 0;
        *ret_line = text + o;
        *ret_len = n;
        *offset = o + n + (nl ? 1 : 0);
        return 1;
}

/* A token of the line: [p, p+n). */
typedef struct Token {
        const char *p;
        size_t n;
} Token;

/* Takes the token up to the next space from the front of *rest. */
static int take_front(Token *rest, Token *ret) {
        const char *sp = memchr(rest->p, ' ', rest->n);
        if (!sp)
                return -EBADMSG;
        *ret = (Token) { rest->p, (size_t) (sp - rest->p) };
        rest->n -= ret->n + 1;
        rest->p = sp + 1;
        return 0;
}

/* Takes the token after the last space from the back of *rest. */
static int take_back(Token *rest, Token *ret) {
        const char *sp = memrchr(rest->p, ' ', rest->n);
        if (!sp)
                return -EBADMSG;
        size_t k = (size_t) (sp - rest->p);
        *ret = (Token) { sp + 1, rest->n - k - 1 };
        rest->n = k;
        return 0;
}

static int parse_pcr(Token t, uint32_t *ret) {
        uint32_t v = 0;

        if (t.n == 0 || t.n > 2)
                return -EBADMSG;
        for (size_t i = 0; i < t.n; i++) {
                if (t.p[i] < '0' || t.p[i] > '9')
                        return -EBADMSG;
                v = v * 10 + (uint32_t) (t.p[i] - '0');
        }
        if (v > IMA_PCR_MAX)
                return -E2BIG;
        *ret = v;
        return 0;
}

static int parse_template_hash(Token t, ImaEntry *e) {
        size_t size = t.n / 2;

        if (t.n % 2 != 0 || !hash_alg_from_size(size))
                return -EBADMSG;
        if (hex_decode_into(t.p, t.n, e->template_hash, size) < 0)
                return -EBADMSG;
        e->template_hash_size = size;
        e->violation = true;
        for (size_t i = 0; i < size; i++)
                if (e->template_hash[i] != 0) {
                        e->violation = false;
                        break;
                }
        return 0;
}

/* "alg:hex"; an empty token is an empty digest when allow_empty. */
static int parse_digest_ng(Token t, bool allow_empty, ImaDigest *ret) {
        if (t.n == 0 && allow_empty) {
                *ret = (ImaDigest) {};
                return 0;
        }
        const char *colon = memchr(t.p, ':', t.n);
        if (!colon)
                return -EBADMSG;
        Token alg = { t.p, (size_t) (colon - t.p) }, hex = { colon + 1, t.n - alg.n - 1 };
        return ima_digest_set(ret, alg.p, alg.n, hex.p, hex.n);
}

static int parse_hex_field(Token t, size_t max, uint8_t *dst, size_t *ret_size) {
        if (t.n % 2 != 0)
                return -EBADMSG;
        if (t.n / 2 > max)
                return -E2BIG;
        if (hex_decode_into(t.p, t.n, dst, t.n / 2) < 0)
                return -EBADMSG;
        *ret_size = t.n / 2;
        return 0;
}

/* Decodes the hex fields after the name into the field scratch; template
 * building copies them into the template data. */
static int parse_trailing_fields(ImaTemplate t, Token *rest, ImaEntryBuffer *b, ImaTemplateFields *f) {
        Token sig, modsig_digest, modsig, buf;
        uint8_t *scratch = b->fields;
        int r;

        switch (t) {
        case IMA_TEMPLATE_IMA_SIG:
                if (take_back(rest, &sig) < 0)
                        return -EBADMSG;
                f->sig = scratch;
                return parse_hex_field(sig, IMA_SIG_MAX, scratch, &f->sig_size);
        case IMA_TEMPLATE_IMA_BUF:
                if (take_back(rest, &buf) < 0)
                        return -EBADMSG;
                f->buf = scratch;
                return parse_hex_field(buf, IMA_BUF_MAX, scratch, &f->buf_size);
        case IMA_TEMPLATE_IMA_MODSIG:
                if (take_back(rest, &modsig) < 0 || take_back(rest, &modsig_digest) < 0 ||
                    take_back(rest, &sig) < 0)
                        return -EBADMSG;
                f->sig = scratch;
                r = parse_hex_field(sig, IMA_SIG_MAX, scratch, &f->sig_size);
                if (r < 0)
                        return r;
                f->modsig = scratch + f->sig_size;
                r = parse_hex_field(modsig, IMA_MODSIG_MAX, scratch + f->sig_size, &f->modsig_size);
                if (r < 0)
                        return r;
                return parse_digest_ng(modsig_digest, true, &f->modsig_digest);
        default:
                return 0;
        }
}

int ima_entry_parse_ascii(const char *line, size_t len, ImaEntryBuffer *b, ImaEntry *ret) {
        Token rest = { line, len }, pcr, hash, tname, digest, name;
        ImaTemplateFields f = {};
        ImaEntry e = {};
        int r, t;

        if (len > IMA_LINE_MAX)
                return -E2BIG;
        if (take_front(&rest, &pcr) < 0 || take_front(&rest, &hash) < 0 || take_front(&rest, &tname) < 0)
                return -EBADMSG;
        r = parse_pcr(pcr, &e.pcr);
        if (r < 0)
                return r;
        r = parse_template_hash(hash, &e);
        if (r < 0)
                return r;
        t = ima_template_from_string(tname.p, tname.n);
        if (t < 0)
                return t;
        f.template = e.template = (ImaTemplate) t;

        if (take_front(&rest, &digest) < 0)
                return -EBADMSG;
        if (t == IMA_TEMPLATE_IMA)
                r = ima_digest_set(&f.digest, "sha1", 4, digest.p, digest.n);
        else
                r = parse_digest_ng(digest, false, &f.digest);
        if (r < 0)
                return r;
        r = parse_trailing_fields(e.template, &rest, b, &f);
        if (r < 0)
                return r;
        name = rest;
        if (memchr(name.p, 0, name.n))
                return -EBADMSG;
        f.name = name.p;
        f.name_len = name.n;

        r = ima_template_build(&f, b, &e);
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}
