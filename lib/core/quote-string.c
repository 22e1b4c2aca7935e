/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hexdecode.h"
#include "limits.h"
#include "macro.h"
#include "quote-string.h"

void quote_parts_done(QuoteParts *q) {
        if (!q)
                return;
        q->attest = mfree(q->attest);
        q->signature = mfree(q->signature);
        q->pcr_blob = mfree(q->pcr_blob);
        q->attest_size = q->signature_size = q->pcr_blob_size = 0;
}

static int decode_part(const char *s, size_t n, uint8_t **ret, size_t *ret_size) {
        if (n == 0)
                return -EBADMSG;
        return base64_decode(s, n, ret, ret_size) < 0 ? -EBADMSG : 0;
}

int quote_string_parse(const char *s, size_t len, QuoteParts *ret) {
        _cleanup_(quote_parts_done) QuoteParts q = {};
        const char *a, *b, *end;

        assert(s || len == 0);
        assert(ret);
        if (len > QUOTE_STRING_SIZE_MAX || len < 1 || s[0] != 'r')
                return -EBADMSG;
        end = s + len;
        a = memchr(s + 1, ':', len - 1);
        if (!a)
                return -EBADMSG;
        b = memchr(a + 1, ':', (size_t) (end - a - 1));
        if (!b)
                return -EBADMSG;
        /* A fourth field is not part of the format (base64 never holds ':'). */
        if (memchr(b + 1, ':', (size_t) (end - b - 1)))
                return -EBADMSG;

        if (decode_part(s + 1, (size_t) (a - s - 1), &q.attest, &q.attest_size) < 0 ||
            decode_part(a + 1, (size_t) (b - a - 1), &q.signature, &q.signature_size) < 0 ||
            decode_part(b + 1, (size_t) (end - b - 1), &q.pcr_blob, &q.pcr_blob_size) < 0)
                return -EBADMSG;

        *ret = q;
        q = (QuoteParts) {};
        return 0;
}

int quote_string_format(const QuoteParts *q, char **ret) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        size_t n;
        char *s;

        assert(q && ret);
        a = base64_encode(q->attest, q->attest_size);
        b = base64_encode(q->signature, q->signature_size);
        c = base64_encode(q->pcr_blob, q->pcr_blob_size);
        if (!a || !b || !c)
                return -ENOMEM;
        n = 1 + strlen(a) + 1 + strlen(b) + 1 + strlen(c) + 1;
        s = malloc(n);
        if (!s)
                return -ENOMEM;
        (void) snprintf(s, n, "r%s:%s:%s", a, b, c);
        *ret = s;
        return 0;
}
