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

#define TEMPLATE_NAME(s) { s, sizeof(s) - 1 }
static const struct {
        const char *name;
        size_t len;
} template_names[_IMA_TEMPLATE_MAX] = {
        [IMA_TEMPLATE_IMA] = TEMPLATE_NAME("ima"),
        [IMA_TEMPLATE_IMA_NG] = TEMPLATE_NAME("ima-ng"),
        [IMA_TEMPLATE_IMA_SIG] = TEMPLATE_NAME("ima-sig"),
        [IMA_TEMPLATE_IMA_BUF] = TEMPLATE_NAME("ima-buf"),
        [IMA_TEMPLATE_IMA_MODSIG] = TEMPLATE_NAME("ima-modsig"),
};

const char *ima_template_to_string(ImaTemplate t) {
        return t >= 0 && t < _IMA_TEMPLATE_MAX ? template_names[t].name : NULL;
}

int ima_template_from_string(const char *s, size_t len) {
        for (int t = 0; t < _IMA_TEMPLATE_MAX; t++)
                if (template_names[t].len == len && memcmp(template_names[t].name, s, len) == 0)
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

static void advance(Token *rest, const char *sp, Token *ret) {
        *ret = (Token) { rest->p, (size_t) (sp - rest->p) };
        rest->n -= ret->n + 1;
        rest->p = sp + 1;
}

/* Takes the token up to the next space from the front of *rest. */
static int take_front(Token *rest, Token *ret) {
        const char *sp = memchr(rest->p, ' ', rest->n);
        if (!sp)
                return -EBADMSG;
        advance(rest, sp, ret);
        return 0;
}

/* take_front() for a token that almost always has n bytes (the PCR, the
 * SHA-1 template hash): one look instead of a scan. Where a space comes
 * earlier too, the token holds it and is rejected as malformed by its parser
 * (no PCR or hash has a space), as the shorter token would have been. */
static int take_front_likely(Token *rest, size_t n, Token *ret) {
        if (n < rest->n && rest->p[n] == ' ') {
                advance(rest, rest->p + n, ret);
                return 0;
        }
        return take_front(rest, ret);
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

static int parse_legacy(Token digest, Token name, ImaEntryBuffer *b, ImaEntry *e) {
        uint8_t d[20];

        if (digest.n != 2 * sizeof d || hex_decode_into(digest.p, digest.n, d, sizeof d) < 0)
                return -EBADMSG;
        if (memchr(name.p, 0, name.n))
                return -EBADMSG;
        return ima_template_build_legacy(d, name.p, name.n, b, e);
}

/* ima-sig's signature, the last field. The kernel writes its separator even
 * when it is empty ("<name> "); a copy of the list that lost the trailing blank
 * has a name and nothing after it, and Keylime reads that as the same entry
 * (the template data are the same): no space left means an empty signature. */
static int take_sig(Token *rest, Token *ret) {
        if (!memchr(rest->p, ' ', rest->n)) {
                *ret = (Token) { rest->p + rest->n, 0 };
                return 0;
        }
        return take_back(rest, ret);
}

/* The fields after the name come off the back of the line first (the name
 * may hold spaces); then every field is decoded in template order straight
 * into the template data. */
static int parse_fields(ImaTemplate t, Token digest, Token rest, ImaEntryBuffer *b, ImaEntry *e) {
        ImaTemplateWriter w = { b->data, 0 };
        Token sig = {}, modsig_digest = {}, modsig = {}, buf = {};
        int r = 0;

        if (t == IMA_TEMPLATE_IMA_SIG)
                r = take_sig(&rest, &sig);
        else if (t == IMA_TEMPLATE_IMA_BUF)
                r = take_back(&rest, &buf);
        else if (t == IMA_TEMPLATE_IMA_MODSIG) {
                r = take_back(&rest, &modsig);
                if (r >= 0)
                        r = take_back(&rest, &modsig_digest);
                if (r >= 0)
                        r = take_back(&rest, &sig);
        }
        if (r < 0)
                return r;

        r = ima_template_put_digest(&w, digest.p, digest.n, false, &e->digest);
        if (r >= 0)
                r = ima_template_put_name(&w, rest.p, rest.n, e);
        if (r >= 0 && ima_template_has_sig(t))
                r = ima_template_put_hex(&w, sig.p, sig.n, IMA_SIG_MAX, &e->sig, &e->sig_size);
        if (r >= 0 && t == IMA_TEMPLATE_IMA_BUF)
                r = ima_template_put_hex(&w, buf.p, buf.n, IMA_BUF_MAX, &e->buf, &e->buf_size);
        if (r >= 0 && t == IMA_TEMPLATE_IMA_MODSIG) {
                r = ima_template_put_digest(&w, modsig_digest.p, modsig_digest.n, true, &e->modsig_digest);
                if (r >= 0)
                        r = ima_template_put_hex(&w, modsig.p, modsig.n, IMA_MODSIG_MAX, &e->modsig, &e->modsig_size);
        }
        if (r < 0)
                return r;
        if (e->sig_size == 0)
                e->sig = NULL;
        ima_template_finish(&w, t, e);
        return 0;
}

int ima_entry_parse_ascii(const char *line, size_t len, ImaEntryBuffer *b, ImaEntry *ret) {
        Token rest = { line, len }, pcr, hash, tname, digest;
        ImaEntry e = {};
        int r, t;

        if (len > IMA_LINE_MAX)
                return -E2BIG;
        if (take_front_likely(&rest, 2, &pcr) < 0 || take_front_likely(&rest, 40, &hash) < 0 ||
            take_front(&rest, &tname) < 0)
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
        if (take_front(&rest, &digest) < 0)
                return -EBADMSG;
        if (t == IMA_TEMPLATE_IMA)
                r = parse_legacy(digest, rest, b, &e);
        else
                r = parse_fields((ImaTemplate) t, digest, rest, b, &e);
        if (r < 0)
                return r;
        *ret = e;
        return 0;
}
