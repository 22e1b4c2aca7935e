/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "tcg-replay.h"

#define EBS_INVOCATION "Exit Boot Services Invocation"
#define EBS_SUCCESS    "Exit Boot Services Returned with Success"

void tcg_pcr_initial_value(const TcgEventLog *log, const HashAlg *alg, unsigned pcr, uint8_t *ret) {
        memset(ret, pcr >= 17 && pcr <= 22 ? 0xFF : 0x00, alg->size);
        if (pcr == 0 && log->has_startup_locality)
                ret[alg->size - 1] = log->startup_locality;
}

static int extend(HashCtx *h, uint8_t *value, const uint8_t *digest) {
        size_t n = h->alg->size;
        int r;

        r = hash_ctx_init(h, h->alg);
        if (r >= 0)
                r = hash_ctx_update(h, value, n);
        if (r >= 0)
                r = hash_ctx_update(h, digest, n);
        if (r >= 0)
                r = hash_ctx_final(h, value);
        return r;
}

static int replay_bank(const TcgEventLog *log, const HashAlg *alg, PcrBank *bank) {
        HashCtx h = { .alg = alg };
        int r = 0;

        for (unsigned i = 0; i < TPM2_PCRS_PER_BANK_MAX; i++)
                tcg_pcr_initial_value(log, alg, i, bank->values[i]);
        for (size_t i = 0; i < log->n_events && r >= 0; i++) {
                const TcgEvent *e = log->events + i;
                const TcgDigest *d;

                r = tcg_event_extend_digest(e, alg, &d);   /* -ENODATA: a declared bank not recorded */
                if (r <= 0)
                        continue;
                r = extend(&h, bank->values[e->pcr], d->digest);
                bank->mask |= UINT32_C(1) << e->pcr;
        }
        hash_ctx_done(&h);
        return r;
}

int tcg_eventlog_replay(const TcgEventLog *log, PcrValues *ret) {
        const HashAlg *algs[TCG_EVENT_DIGESTS_MAX];
        size_t n = tcg_eventlog_banks(log, algs);
        PcrValues v = {};
        int r;

        assert_return(log && ret, -EINVAL);
        for (size_t i = 0; i < n; i++) {
                PcrBank *b;

                PcrBank bank = { .alg = algs[i] };

                r = replay_bank(log, algs[i], &bank);
                if (r == -ENODATA)
                        continue;
                if (r < 0)
                        return r;
                r = pcr_values_add_bank(&v, algs[i], &b);
                if (r < 0)
                        return r;
                *b = bank;
        }
        if (v.n_banks == 0)
                return -ENODATA;
        *ret = v;
        return 0;
}

static bool log_has_ebs(const TcgEventLog *log) {
        for (size_t i = 0; i < log->n_events; i++) {
                const TcgEvent *e = log->events + i;
                if (e->pcr == 5 && e->type == EV_EFI_ACTION && e->data_size == STRLEN(EBS_INVOCATION) &&
                    memcmp(e->data, EBS_INVOCATION, e->data_size) == 0)
                        return true;
        }
        return false;
}

/* PCR 5 with the two unlogged Exit Boot Services actions appended. */
static int ebs_value(const HashAlg *alg, const uint8_t *replayed, uint8_t *ret) {
        static const char *const actions[] = { EBS_INVOCATION, EBS_SUCCESS };
        HashCtx h = { .alg = alg };
        uint8_t d[HASH_ALG_MAX_DIGEST_SIZE];
        int r = 0;

        memcpy(ret, replayed, alg->size);
        for (size_t i = 0; i < ELEMENTSOF(actions) && r >= 0; i++) {
                r = hash_alg_digest(alg, actions[i], strlen(actions[i]), d);
                if (r >= 0)
                        r = extend(&h, ret, d);
        }
        hash_ctx_done(&h);
        return r;
}

static int add_mismatch(const TcgEventLog *log, TcgCompareResult *res, const HashAlg *alg, unsigned pcr,
                        const uint8_t *quoted, const uint8_t *replayed) {
        TcgPcrMismatch *m, *n;

        n = reallocarray(res->mismatches, res->n_mismatches + 1, sizeof(TcgPcrMismatch));
        if (!n)
                return -ENOMEM;
        res->mismatches = n;
        m = n + res->n_mismatches;
        *m = (TcgPcrMismatch) { .alg = alg, .pcr = pcr };
        memcpy(m->quoted, quoted, alg->size);
        memcpy(m->replayed, replayed, alg->size);
        res->n_mismatches++;

        for (size_t i = 0; i < log->n_events; i++) {
                const TcgEvent *e = log->events + i;
                size_t *ev;

                if (e->pcr != pcr || e->type == EV_NO_ACTION)
                        continue;
                ev = reallocarray(m->events, m->n_events + 1, sizeof(size_t));
                if (!ev)
                        return -ENOMEM;
                m->events = ev;
                m->events[m->n_events++] = i;
        }
        return 0;
}

static int compare_pcr(const TcgEventLog *log, const PcrBank *q, const PcrBank *b, unsigned pcr,
                       TcgCompareFlags flags, TcgCompareResult *res) {
        const HashAlg *alg = q->alg;
        uint8_t expected[HASH_ALG_MAX_DIGEST_SIZE], fixed[HASH_ALG_MAX_DIGEST_SIZE];
        int r;

        if (b->mask & (UINT32_C(1) << pcr))
                memcpy(expected, b->values[pcr], alg->size);
        else
                tcg_pcr_initial_value(log, alg, pcr, expected);
        res->n_compared++;
        if (memcmp(expected, q->values[pcr], alg->size) == 0)
                return 0;

        if (pcr == 5 && (flags & TCG_COMPARE_EBS_WORKAROUND) && !log_has_ebs(log)) {
                r = ebs_value(alg, expected, fixed);
                if (r < 0)
                        return r;
                if (memcmp(fixed, q->values[pcr], alg->size) == 0) {
                        res->ebs_workaround = true;
                        return 0;
                }
        }
        return add_mismatch(log, res, alg, pcr, q->values[pcr], expected);
}

int tcg_eventlog_compare(const TcgEventLog *log, const PcrValues *quoted, uint32_t pcr_mask,
                         TcgCompareFlags flags, TcgCompareResult *ret) {
        TcgCompareResult res = {};
        PcrValues replayed;
        int r;

        assert_return(log && quoted && ret, -EINVAL);
        r = tcg_eventlog_replay(log, &replayed);
        if (r < 0)
                return r;

        for (size_t i = 0; i < quoted->n_banks; i++) {
                const PcrBank *q = quoted->banks + i;
                const PcrBank *b = pcr_values_bank(&replayed, q->alg);

                if (!b)
                        continue;   /* the log has no such bank */
                for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++) {
                        if (!(q->mask & pcr_mask & (UINT32_C(1) << pcr)))
                                continue;
                        r = compare_pcr(log, q, b, pcr, flags, &res);
                        if (r < 0) {
                                tcg_compare_result_done(&res);
                                return r;
                        }
                }
        }
        *ret = res;
        return 0;
}

void tcg_compare_result_done(TcgCompareResult *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_mismatches; i++)
                free(r->mismatches[i].events);
        r->mismatches = mfree(r->mismatches);
        r->n_mismatches = 0;
}
