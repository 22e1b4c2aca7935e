/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The attestation awaiting a node's evidence, shared through the storage when
 * several instances serve the nodes: the instance that issued the nonce keeps
 * it in memory as well, and whichever instance the evidence reaches takes it
 * from the storage, once, when the evidence is about to be evaluated. Another
 * instance reads it to check a request against it without taking it: a request
 * refused there (a storage failure, a bad body) leaves it for the node's retry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "log.h"
#include "verifierd.h"
#include "verifierd-push.h"

#define PENDING_ENCODING_VERSION 1u
#define PENDING_FIXED_SIZE (1u + 8u + SESSION_CHALLENGE_SIZE + 8u * 3u + 2u + 4u + 2u + 2u + 1u + 8u)
#define PENDING_EVIDENCE_MAX (64u * 1024u)

enum {
        PENDING_UEFI = 1u << 0,
        PENDING_IMA = 1u << 1,
        PENDING_IMA_FRESH = 1u << 2,
};

static uint8_t *put_be(uint8_t *p, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) (v >> (8u * (n - 1 - i)));
        return p + n;
}

int pending_encode(const PendingAttestation *a, Blob *ret) {
        size_t ev = a->evidence ? strlen(a->evidence) : 0;
        uint8_t *buf, *p;

        if (ev > PENDING_EVIDENCE_MAX)
                return -E2BIG;
        buf = malloc(PENDING_FIXED_SIZE + ev);
        if (!buf)
                return -ENOMEM;
        p = put_be(buf, PENDING_ENCODING_VERSION, 1);
        p = put_be(p, a->index, 8);
        memcpy(p, a->nonce, sizeof a->nonce);
        p += sizeof a->nonce;
        p = put_be(p, a->created_usec, 8);
        p = put_be(p, a->expires_usec, 8);
        p = put_be(p, a->boot_time, 8);
        p = put_be(p, a->bank ? a->bank->tpm_alg_id : 0, 2);
        p = put_be(p, a->pcr_mask, 4);
        p = put_be(p, a->hash_alg, 2);
        p = put_be(p, a->sig_scheme, 2);
        p = put_be(p, (a->uefi ? PENDING_UEFI : 0) | (a->ima ? PENDING_IMA : 0) | (a->ima_fresh ? PENDING_IMA_FRESH : 0), 1);
        p = put_be(p, a->ima_offset, 8);
        assert((size_t) (p - buf) == PENDING_FIXED_SIZE);
        if (ev > 0)
                memcpy(p, a->evidence, ev);
        *ret = (Blob) { .data = buf, .size = PENDING_FIXED_SIZE + ev };
        return 0;
}

int pending_decode(const uint8_t *buf, size_t len, PendingAttestation *ret) {
        PendingAttestation a = {};
        size_t off = 0;
        uint16_t bank = 0;
        uint8_t version = 0, flags = 0;
        int r;

        r = cursor_read_u8(buf, len, &off, &version);
        if (r >= 0 && version != PENDING_ENCODING_VERSION)
                r = -EPROTO;
        r = r ?: cursor_read_be64(buf, len, &off, &a.index);
        r = r ?: cursor_read_bytes(buf, len, &off, a.nonce, sizeof a.nonce);
        r = r ?: cursor_read_be64(buf, len, &off, &a.created_usec);
        r = r ?: cursor_read_be64(buf, len, &off, &a.expires_usec);
        r = r ?: cursor_read_be64(buf, len, &off, &a.boot_time);
        r = r ?: cursor_read_be16(buf, len, &off, &bank);
        r = r ?: cursor_read_be32(buf, len, &off, &a.pcr_mask);
        r = r ?: cursor_read_be16(buf, len, &off, &a.hash_alg);
        r = r ?: cursor_read_be16(buf, len, &off, &a.sig_scheme);
        r = r ?: cursor_read_u8(buf, len, &off, &flags);
        r = r ?: cursor_read_be64(buf, len, &off, &a.ima_offset);
        if (r < 0)
                return r;
        if (len - off > PENDING_EVIDENCE_MAX || memchr(buf + off, '\0', len - off))
                return -EBADMSG;
        a.bank = bank ? hash_alg_from_tpm_id(bank) : NULL;
        if (bank && !a.bank)
                return -EBADMSG;
        a.uefi = flags & PENDING_UEFI;
        a.ima = flags & PENDING_IMA;
        a.ima_fresh = flags & PENDING_IMA_FRESH;
        if (len > off && !(a.evidence = strndup((const char *) buf + off, len - off)))
                return -ENOMEM;
        a.adopted = true;
        *ret = a;
        return 0;
}

void pending_publish(Manager *m, const char *node_id, const PendingAttestation *p) {
        Blob b = {};
        int r;

        r = pending_encode(p, &b);
        if (r >= 0)
                r = storage_pending_put(m->storage, node_id, p->index, &b);
        blob_done(&b);
        /* In the database before the answer goes out: the evidence may go to another instance. */
        if (r >= 0 && !round_trip_flushes_later(m))
                r = storage_flush(m->storage);
        /* Not fatal: the evidence can still come here, and elsewhere the node asks again. */
        if (r < 0 && r != -EOPNOTSUPP)
                log_debug_errno(r, "Pending attestation of node %s not shared: %m", node_id);
}

int pending_adopt(Manager *m, const char *node_id, uint64_t index, NodeRuntime **ret_rt) {
        PendingAttestation p = {};
        NodeRuntime *rt;
        Blob b = {};
        int r;

        r = storage_pending_get(m->storage, node_id, index, &b);
        if (r >= 0)
                r = pending_decode(b.data, b.size, &p);
        if (r >= 0 && p.index != index)
                r = -EBADMSG;
        blob_done(&b);
        if (r >= 0 && node_table_ensure(&m->push.nodes, node_id, &rt) < 0)
                r = -ENOMEM;
        if (r < 0) {
                free(p.evidence);
                return r;
        }
        node_runtime_set_pending(&m->push.nodes, rt, false);
        rt->pending = p;
        node_runtime_set_pending(&m->push.nodes, rt, true);
        *ret_rt = rt;
        return 0;
}

/* Only the record of this nonce: the encoding begins with version, index and nonce. */
void pending_prefix(const PendingAttestation *p, uint8_t ret[static PENDING_PREFIX_SIZE]) {
        uint8_t *h;

        h = put_be(ret, PENDING_ENCODING_VERSION, 1);
        h = put_be(h, p->index, 8);
        memcpy(h, p->nonce, sizeof p->nonce);
}

int pending_claim(Manager *m, const char *node_id, PendingAttestation *p) {
        uint8_t head[PENDING_PREFIX_SIZE];
        Blob b = {};
        int r;

        if (p->claimed)
                return 0;
        pending_prefix(p, head);
        r = storage_pending_take(m->storage, node_id, p->index, &(const Blob) { .data = head, .size = sizeof head }, &b);
        blob_done(&b);
        if (r == -EOPNOTSUPP || r >= 0) {
                p->claimed = true;
                return 0;
        }
        /* -ENOENT: another instance took the evidence for this nonce first (or it expired and was issued anew). */
        return r == -ENOENT ? -ESTALE : r;
}
