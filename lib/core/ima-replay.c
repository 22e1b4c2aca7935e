/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ima-replay.h"
#include "attest-limits.h"

#define REPLAY_CTX_MAX 8u

/* One digest context per algorithm, set up once: re-initialising a context
 * with its own algorithm skips the fetch and reference counting. */
struct ImaReplayer {
        EVP_MD_CTX *ctx[REPLAY_CTX_MAX];
        const HashAlg *ctx_alg[REPLAY_CTX_MAX];
        ImaEntryBuffer buffer;
};

int ima_replay_state_init(ImaReplayState *s, const HashAlg *const *algs, size_t n_algs) {
        ImaReplayState n = {};

        if (n_algs == 0 || n_algs > IMA_REPLAY_BANKS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n_algs; i++) {
                if (!algs[i] || ima_replay_state_bank(&n, algs[i]))
                        return -EINVAL;
                if (!hash_alg_md(algs[i]))
                        return -EOPNOTSUPP;
                n.banks[n.n_banks++].alg = algs[i];
        }
        *s = n;
        return 0;
}

const ImaPcrValue *ima_replay_state_bank(const ImaReplayState *s, const HashAlg *alg) {
        for (size_t i = 0; i < s->n_banks; i++)
                if (s->banks[i].alg == alg)
                        return s->banks + i;
        return NULL;
}

int ima_replay_state_select(ImaReplayState *s, const HashAlg *const *algs, size_t n_algs) {
        ImaReplayState n = { .n_entries = s->n_entries };

        if (n_algs == 0 || n_algs > IMA_REPLAY_BANKS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n_algs; i++) {
                const ImaPcrValue *b = ima_replay_state_bank(s, algs[i]);

                if (!algs[i] || ima_replay_state_bank(&n, algs[i]))
                        return -EINVAL;
                if (!b)
                        return -ENOENT;
                n.banks[n.n_banks++] = *b;
        }
        *s = n;
        return 0;
}

int ima_replay_state_restore(ImaReplayState *s, uint64_t n_entries, const ImaPcrValue *banks, size_t n_banks) {
        const HashAlg *algs[IMA_REPLAY_BANKS_MAX] = {};
        ImaReplayState n;
        int r;

        if (n_banks > IMA_REPLAY_BANKS_MAX || n_entries > IMA_LOG_ENTRIES_MAX)
                return -EINVAL;
        for (size_t i = 0; i < n_banks; i++)
                algs[i] = banks[i].alg;
        r = ima_replay_state_init(&n, algs, n_banks);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_banks; i++)
                memcpy(n.banks[i].value, banks[i].value, banks[i].alg->size);
        n.n_entries = n_entries;
        *s = n;
        return 0;
}

int ima_replayer_new(ImaReplayer **ret) {
        ImaReplayer *r = calloc(1, sizeof(ImaReplayer));

        if (!r)
                return -ENOMEM;
        *ret = r;
        return 0;
}

ImaReplayer *ima_replayer_free(ImaReplayer *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < REPLAY_CTX_MAX; i++)
                EVP_MD_CTX_free(r->ctx[i]);
        free(r);
        return NULL;
}

/* A context for alg, initialised and ready for data. */
static EVP_MD_CTX *replayer_ctx(ImaReplayer *r, const HashAlg *alg) {
        size_t i;

        for (i = 0; i < REPLAY_CTX_MAX && r->ctx_alg[i]; i++)
                if (r->ctx_alg[i] == alg)
                        return EVP_DigestInit_ex2(r->ctx[i], NULL, NULL) == 1 ? r->ctx[i] : NULL;
        const EVP_MD *md = hash_alg_md(alg);
        if (i == REPLAY_CTX_MAX || !md)
                return NULL;
        r->ctx[i] = EVP_MD_CTX_new();
        if (!r->ctx[i] || EVP_DigestInit_ex2(r->ctx[i], md, NULL) != 1) {
                EVP_MD_CTX_free(r->ctx[i]);
                r->ctx[i] = NULL;
                return NULL;
        }
        r->ctx_alg[i] = alg;
        return r->ctx[i];
}

static int digest2(ImaReplayer *r, const HashAlg *alg, const void *a, size_t an, const void *b, size_t bn, uint8_t *out) {
        EVP_MD_CTX *ctx = replayer_ctx(r, alg);

        if (!ctx)
                return hash_alg_md(alg) ? -EIO : -EOPNOTSUPP;
        if (EVP_DigestUpdate(ctx, a, an) != 1 || (bn > 0 && EVP_DigestUpdate(ctx, b, bn) != 1) ||
            EVP_DigestFinal_ex(ctx, out, NULL) != 1)
                return -EIO;
        return 0;
}

/* Which algorithm wrote the template hash is not recorded, only its size.
 * When a replayed bank has that size, the written hash must be the template
 * data's digest under some algorithm of that size: the banks' results first
 * (free), then the others (a 32-byte hash may be SM3 beside a SHA-256 bank).
 *
 * When no replayed bank has that size (the SHA-1 hash every binary record and
 * kernel-written ascii line carries, replayed into a SHA-256 bank only), the
 * written hash is not checked, and need not be: what binds the template data
 * is the replayed bank, which extends its own digest of the data, so changed
 * data cannot reach the quoted PCR 10 without a collision in that bank's
 * algorithm. The written hash only decides whether the entry is a violation,
 * and that is bound too: a violation extends 0xFF… and any other entry
 * extends a digest, so flipping it changes the replayed value. */
static int check_template_hash(ImaReplayer *r, const ImaReplayState *s, const ImaEntry *e,
                               uint8_t computed[][HASH_ALG_MAX_DIGEST_SIZE]) {
        static const uint16_t candidates[] = {
                TPM2_ALG_ID_SHA1, TPM2_ALG_ID_SHA256, TPM2_ALG_ID_SM3_256, TPM2_ALG_ID_SHA384, TPM2_ALG_ID_SHA512,
        };
        uint8_t h[HASH_ALG_MAX_DIGEST_SIZE];
        bool sized = false;

        for (size_t i = 0; i < s->n_banks; i++) {
                if (s->banks[i].alg->size != e->template_hash_size)
                        continue;
                if (memcmp(computed[i], e->template_hash, e->template_hash_size) == 0)
                        return 0;
                sized = true;
        }
        if (!sized)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
                const HashAlg *alg = hash_alg_from_tpm_id(candidates[i]);
                if (alg->size != e->template_hash_size || ima_replay_state_bank(s, alg) || !hash_alg_md(alg))
                        continue;
                if (digest2(r, alg, e->template_data, e->template_data_size, NULL, 0, h) < 0)
                        return -EIO;
                if (memcmp(h, e->template_hash, e->template_hash_size) == 0)
                        return 0;
        }
        return -EUCLEAN;
}

int ima_replay_entry(ImaReplayer *r, ImaReplayState *s, const ImaEntry *e) {
        uint8_t computed[IMA_REPLAY_BANKS_MAX][HASH_ALG_MAX_DIGEST_SIZE];
        int k;

        if (s->n_entries >= IMA_LOG_ENTRIES_MAX)
                return -E2BIG;
        if (e->pcr != IMA_PCR_INDEX) {
                s->n_entries++;
                return 0;
        }
        for (size_t i = 0; i < s->n_banks; i++) {
                if (e->violation)
                        memset(computed[i], 0xff, s->banks[i].alg->size);
                else if ((k = digest2(r, s->banks[i].alg, e->template_data, e->template_data_size,
                                      NULL, 0, computed[i])) < 0)
                        return k;
        }
        if (!e->violation && (k = check_template_hash(r, s, e, computed)) < 0)
                return k;
        for (size_t i = 0; i < s->n_banks; i++) {
                ImaPcrValue *b = s->banks + i;
                uint8_t extend[2 * HASH_ALG_MAX_DIGEST_SIZE];

                /* One update of old value and digest together: a second call costs more than the copy. */
                memcpy(extend, b->value, b->alg->size);
                memcpy(extend + b->alg->size, computed[i], b->alg->size);
                k = digest2(r, b->alg, extend, 2 * b->alg->size, NULL, 0, b->value);
                if (k < 0)
                        return k;
        }
        s->n_entries++;
        return 0;
}

ImaLogFormat ima_log_guess_format(const uint8_t *data, size_t len) {
        /* A binary list starts with a little-endian PCR index, an ascii one with digits. */
        if (len >= 4 && data[0] <= IMA_PCR_MAX && data[1] == 0 && data[2] == 0 && data[3] == 0)
                return IMA_LOG_BINARY;
        return IMA_LOG_ASCII;
}

int ima_replayer_next_entry(ImaReplayer *r, ImaLogFormat format, const uint8_t *data, size_t len,
                      size_t *o, bool final, ImaEntry *ret) {
        const char *line;
        size_t n;
        int k;

        if (format == IMA_LOG_BINARY) {
                if (*o >= len)
                        return 0;
                k = ima_entry_parse_binary(data, len, o, &r->buffer, ret);
                if (k == -EBADMSG && !final)
                        return 0;   /* possibly a record cut by the chunk */
                return k < 0 ? k : 1;
        }
        for (;;) {
                k = ima_next_line((const char *) data, len, o, final, &line, &n);
                if (k <= 0)
                        return k;
                if (n > 0)
                        break;      /* empty lines carry nothing */
        }
        k = ima_entry_parse_ascii(line, n, &r->buffer, ret);
        return k < 0 ? k : 1;
}

int ima_replay_feed(ImaReplayer *r, ImaReplayState *s, ImaLogFormat format,
                    const uint8_t *data, size_t len, bool final,
                    ImaEntryFn fn, void *userdata, size_t *ret_consumed) {
        size_t o = 0, start = 0;
        ImaEntry e;
        int k;

        for (;;) {
                start = o;
                k = ima_replayer_next_entry(r, format, data, len, &o, final, &e);
                if (k <= 0)
                        break;
                uint64_t no = s->n_entries;
                k = ima_replay_entry(r, s, &e);
                if (k < 0)
                        break;
                if (fn && (k = fn(&e, no, userdata)) < 0) {
                        start = o;
                        break;
                }
        }
        if (ret_consumed)
                *ret_consumed = start;
        return k < 0 ? k : 0;
}

static bool state_matches(const ImaReplayState *s, const ImaPcrValue *quoted, size_t n_quoted) {
        for (size_t i = 0; i < n_quoted; i++) {
                const ImaPcrValue *b = ima_replay_state_bank(s, quoted[i].alg);
                if (!b || memcmp(b->value, quoted[i].value, b->alg->size) != 0)
                        return false;
        }
        return true;
}

int ima_replay_to_quote(ImaReplayer *r, ImaReplayState *s, ImaLogFormat format,
                        const uint8_t *data, size_t len,
                        const ImaPcrValue *quoted, size_t n_quoted, size_t *ret_consumed) {
        ImaReplayState t = *s;
        size_t o = 0;
        ImaEntry e;
        int k;

        if (n_quoted == 0)
                return -EINVAL;
        for (size_t i = 0; i < n_quoted; i++)
                if (!ima_replay_state_bank(s, quoted[i].alg))
                        return -EINVAL;
        for (;;) {
                if (state_matches(&t, quoted, n_quoted)) {
                        *s = t;
                        if (ret_consumed)
                                *ret_consumed = o;
                        return 0;
                }
                k = ima_replayer_next_entry(r, format, data, len, &o, true, &e);
                if (k < 0)
                        return k;
                if (k == 0)
                        return -ENOENT;
                k = ima_replay_entry(r, &t, &e);
                if (k < 0)
                        return k;
        }
}
