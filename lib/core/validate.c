/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "pcr-blob.h"
#include "quote-verify.h"
#include "validate.h"

static const char *const reason_table[_VALIDATION_REASON_MAX] = {
        [VALIDATION_QUOTE_FORMAT]    = "validation.quote_format",
        [VALIDATION_ALGORITHM]       = "validation.algorithm",
        [VALIDATION_QUOTE_SIGNATURE] = "validation.quote_signature",
        [VALIDATION_NONCE]           = "validation.nonce",
        [VALIDATION_PCR_DIGEST]      = "validation.pcr_digest",
        [VALIDATION_CLOCK]           = "validation.clock",
        [VALIDATION_BOOT_TIME]       = "validation.boot_time",
        [VALIDATION_UEFI_LOG]        = "validation.uefi_log",
        [VALIDATION_IMA_LOG]         = "validation.ima_log",
};

const char *validation_reason_to_string(ValidationReason r) {
        if ((unsigned) r >= _VALIDATION_REASON_MAX)
                return NULL;
        return reason_table[r];
}

_printf_(3, 4)
static int fail(ValidationFailure *f, ValidationReason reason, const char *fmt, ...) {
        va_list ap;

        f->reason = reason;
        va_start(ap, fmt);
        (void) vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
        va_end(ap);
        return 1;
}

static ValidationReason reason_of_verdict(AttestVerdict v) {
        switch (v) {
        case ATTEST_HASH_ALG_DISALLOWED:
        case ATTEST_SIG_ALG_DISALLOWED:
                return VALIDATION_ALGORITHM;
        case ATTEST_NONCE_MISMATCH:
                return VALIDATION_NONCE;
        case ATTEST_PCR_SELECTION_MISMATCH:
        case ATTEST_PCR_DIGEST_MISMATCH:
                return VALIDATION_PCR_DIGEST;
        default:
                return VALIDATION_QUOTE_SIGNATURE;
        }
}

int validation_check_clock(const Tpm2ClockInfo *prev, const Tpm2ClockInfo *cur, char *detail, size_t detail_size) {
        const char *why = NULL;

        assert(prev && cur);
        if (cur->reset_count < prev->reset_count)
                why = "resetCount went backwards";
        else if (cur->reset_count == prev->reset_count && cur->restart_count < prev->restart_count)
                why = "restartCount went backwards within one reset";
        else if (cur->reset_count == prev->reset_count && cur->restart_count == prev->restart_count &&
                 cur->clock < prev->clock)
                why = "clock went backwards within one boot";
        else if (cur->clock < prev->clock && cur->safe)
                /* Only a TPM that lost power unexpectedly (safe = NO) may report
                 * a clock below one it reported before. */
                why = "clock went backwards while the TPM reports it safe";
        if (!why)
                return 0;
        if (detail)
                (void) snprintf(detail, detail_size, "%s (previous %u/%u/%llu, now %u/%u/%llu)", why,
                                prev->reset_count, prev->restart_count, (unsigned long long) prev->clock,
                                cur->reset_count, cur->restart_count, (unsigned long long) cur->clock);
        return 1;
}

static int validate_quote(const ValidationInput *in, ValidatedEvidence *ev, ValidationFailure *f) {
        QuoteVerifyParams params = {
                .ak = in->ak,
                .nonce = in->nonce,
                .nonce_size = in->nonce_size,
                .allowed_hash_mask = in->allowed_hash_mask,
                .allowed_sig_mask = in->allowed_sig_mask,
        };
        QuoteResult result;
        AttestVerdict v;
        PcrValues pcrs;
        int r;

        r = pcr_blob_parse(in->pcr_blob, in->pcr_blob_size, &pcrs);
        if (r < 0)
                return fail(f, VALIDATION_QUOTE_FORMAT, "PCR values unparsable: %s", strerror(-r));
        r = quote_verify(&params, in->attest, in->attest_size, in->sig, in->sig_size, &pcrs, &v, &result);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(f, VALIDATION_QUOTE_FORMAT, "quote or signature unparsable: %s", strerror(-r));
        if (v != ATTEST_VALID)
                return fail(f, reason_of_verdict(v), "%s", attest_verdict_to_message(v));

        for (unsigned pcr = 0; pcr < TPM2_PCRS_PER_BANK_MAX; pcr++) {
                bool quoted = false;

                if (!(in->required_pcr_mask & (UINT32_C(1) << pcr)))
                        continue;
                for (size_t i = 0; i < result.pcrs.n_banks && !quoted; i++)
                        quoted = result.pcrs.banks[i].mask & (UINT32_C(1) << pcr);
                if (!quoted)
                        return fail(f, VALIDATION_PCR_DIGEST, "PCR %u was asked for but not quoted", pcr);
        }

        ev->clock_info = result.clock_info;
        ev->firmware_version = result.firmware_version;
        ev->quote_hash_alg = result.hash_alg;
        ev->quote_sig_alg = result.sig_alg;
        ev->pcrs = result.pcrs;
        return 0;
}

static int validate_time(const ValidationInput *in, ValidatedEvidence *ev, ValidationFailure *f) {
        if (in->previous_clock &&
            validation_check_clock(in->previous_clock, &ev->clock_info, f->detail, sizeof(f->detail)) > 0) {
                f->reason = VALIDATION_CLOCK;
                return 1;
        }
        if (in->boot_time != 0 && in->boot_time < in->previous_boot_time)
                return fail(f, VALIDATION_BOOT_TIME, "boot time %llu is before the previous %llu",
                            (unsigned long long) in->boot_time, (unsigned long long) in->previous_boot_time);
        ev->boot_time = in->boot_time;
        return 0;
}

static int validate_uefi(const ValidationInput *in, ValidatedEvidence *ev, ValidationFailure *f) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        _cleanup_(tcg_compare_result_done) TcgCompareResult cmp = {};
        uint32_t mask = in->uefi_pcr_mask ? in->uefi_pcr_mask & TCG_UEFI_PCR_MASK : TCG_UEFI_PCR_MASK;
        int r;

        if (!in->uefi_log)
                return 0;
        r = tcg_eventlog_parse(in->uefi_log, in->uefi_log_size, &log);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(f, VALIDATION_UEFI_LOG, "UEFI event log unparsable: %s", strerror(-r));
        r = tcg_eventlog_compare(log, &ev->pcrs, mask, in->uefi_flags, &cmp);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(f, VALIDATION_UEFI_LOG, "UEFI event log does not replay: %s", strerror(-r));
        if (cmp.n_mismatches > 0)
                return fail(f, VALIDATION_UEFI_LOG, "UEFI event log replays to another PCR %u (%s) than quoted",
                            cmp.mismatches[0].pcr, cmp.mismatches[0].alg->name);
        if (cmp.n_compared == 0)
                return fail(f, VALIDATION_UEFI_LOG, "the quote covers none of the UEFI log's PCRs");
        ev->uefi_log = TAKE_PTR(log);
        ev->uefi_pcr_mask = mask;
        return 0;
}

/* PCR 10 of every quoted bank the IMA state can follow. */
static size_t quoted_pcr10(const PcrValues *pcrs, ImaPcrValue out[static IMA_REPLAY_BANKS_MAX]) {
        size_t n = 0;

        for (size_t i = 0; i < pcrs->n_banks && n < IMA_REPLAY_BANKS_MAX; i++) {
                const PcrBank *b = &pcrs->banks[i];

                if (!(b->mask & (UINT32_C(1) << IMA_PCR_INDEX)) || !hash_alg_md(b->alg))
                        continue;
                out[n].alg = b->alg;
                memcpy(out[n].value, b->values[IMA_PCR_INDEX], b->alg->size);
                n++;
        }
        return n;
}

static int ima_start_state(const ValidationInput *in, const ValidatedEvidence *ev,
                           const ImaPcrValue *quoted, size_t n_quoted, ImaReplayState *ret, ValidationFailure *f) {
        const HashAlg *algs[IMA_REPLAY_BANKS_MAX];
        int r;

        if (in->ima_state && in->ima_state->n_entries > 0) {
                if (in->previous_clock && in->previous_clock->reset_count != ev->clock_info.reset_count) {
                        f->ima_restart = true;
                        return fail(f, VALIDATION_IMA_LOG, "the TPM was reset: the IMA log must start at entry 0");
                }
                *ret = *in->ima_state;
                return 0;
        }
        for (size_t i = 0; i < n_quoted; i++)
                algs[i] = quoted[i].alg;
        r = ima_replay_state_init(ret, algs, n_quoted);
        return r == -ENOMEM ? r : (r < 0 ? fail(f, VALIDATION_IMA_LOG, "cannot replay the quoted PCR 10 banks") : 0);
}

static int validate_ima(const ValidationInput *in, ImaReplayer *replayer, ValidatedEvidence *ev, ValidationFailure *f) {
        ImaPcrValue quoted[IMA_REPLAY_BANKS_MAX], common[IMA_REPLAY_BANKS_MAX];
        const HashAlg *common_algs[IMA_REPLAY_BANKS_MAX];
        size_t n_quoted, n_common = 0, consumed = 0;
        ImaReplayState s;
        int r;

        if (!in->has_ima)
                return 0;
        n_quoted = quoted_pcr10(&ev->pcrs, quoted);
        if (n_quoted == 0)
                return fail(f, VALIDATION_IMA_LOG, "PCR 10 is not quoted in a bank the IMA replay can follow");
        r = ima_start_state(in, ev, quoted, n_quoted, &s, f);
        if (r != 0)
                return r;
        for (size_t i = 0; i < n_quoted; i++)
                if (ima_replay_state_bank(&s, quoted[i].alg)) {
                        common_algs[n_common] = quoted[i].alg;
                        common[n_common++] = quoted[i];
                }
        if (n_common == 0)
                return fail(f, VALIDATION_IMA_LOG, "the stored IMA state has none of the quoted banks");
        /* A bank the quote lacks would be replayed for nothing; it leaves the stored state. */
        r = ima_replay_state_select(&s, common_algs, n_common);
        if (r < 0)
                return r;

        ev->ima_before = s;
        r = ima_replay_to_quote(replayer, &s, in->ima_format, in->ima_log, in->ima_log_size, common, n_common,
                                &consumed);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT)
                return fail(f, VALIDATION_IMA_LOG, "no prefix of the IMA log from entry %llu replays to the quoted PCR 10",
                            (unsigned long long) ev->ima_before.n_entries);
        if (r < 0)
                return fail(f, VALIDATION_IMA_LOG, "IMA log entry after %llu unusable: %s",
                            (unsigned long long) ev->ima_before.n_entries, strerror(-r));

        if (consumed > 0) {
                ev->ima_data = malloc(consumed);
                if (!ev->ima_data)
                        return -ENOMEM;
                memcpy(ev->ima_data, in->ima_log, consumed);
        }
        ev->ima_size = ev->ima_consumed = consumed;
        ev->ima_state = s;
        ev->ima_format = in->ima_format;
        ev->has_ima = true;
        return 0;
}

int evidence_validate(const ValidationInput *in, ImaReplayer *replayer,
                      ValidatedEvidence **ret_evidence, ValidationFailure *ret_failure) {
        _cleanup_(validated_evidence_freep) ValidatedEvidence *ev = NULL;
        _cleanup_(ima_replayer_freep) ImaReplayer *own = NULL;
        ValidationFailure f = {};
        int r;

        assert_return(in && ret_evidence && ret_failure, -EINVAL);
        assert_return(in->ak && (in->nonce || in->nonce_size == 0), -EINVAL);
        assert_return(in->attest && in->sig && in->pcr_blob, -EINVAL);
        assert_return(!in->has_ima || in->ima_log || in->ima_log_size == 0, -EINVAL);

        ev = calloc(1, sizeof(*ev));
        if (!ev)
                return -ENOMEM;
        if (in->has_ima && !replayer) {
                r = ima_replayer_new(&own);
                if (r < 0)
                        return r;
                replayer = own;
        }

        r = validate_quote(in, ev, &f);
        if (r == 0)
                r = validate_time(in, ev, &f);
        if (r == 0)
                r = validate_uefi(in, ev, &f);
        if (r == 0)
                r = validate_ima(in, replayer, ev, &f);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret_failure = f;
                return 1;
        }
        *ret_evidence = TAKE_PTR(ev);
        return 0;
}
