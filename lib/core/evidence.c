/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "ima-entry.h"

ValidatedEvidence *validated_evidence_free(ValidatedEvidence *ev) {
        if (!ev)
                return NULL;
        tcg_eventlog_free(ev->uefi_log);
        free(ev->ima_data);
        cc_validated_free(ev->cc);
        return mfree(ev);
}

int validated_evidence_ima_foreach(const ValidatedEvidence *ev, ImaEntryFn fn, void *userdata) {
        _cleanup_(ima_replayer_freep) ImaReplayer *r = NULL;
        uint64_t no = validated_evidence_ima_first(ev);
        size_t o = 0;
        ImaEntry e;
        int k;

        assert_return(ev && fn, -EINVAL);
        if (!ev->has_ima || ev->ima_size == 0)
                return 0;
        k = ima_replayer_new(&r);
        if (k < 0)
                return k;
        /* The bytes replayed to the quote once already: they parse again. */
        while ((k = ima_replayer_next_entry(r, ev->ima_format, ev->ima_data, ev->ima_size, &o, true, &e)) > 0) {
                k = fn(&e, no++, userdata);
                if (k < 0)
                        return k;
        }
        return k;
}

void ima_entry_to_abi(const ImaEntry *e, uint64_t entry_no, AttestImaEntry *ret) {
        *ret = (AttestImaEntry) {
                .struct_size = sizeof(AttestImaEntry),
                .entry_no = entry_no,
                .pcr = e->pcr,
                .template_name = ima_template_to_string(e->template),
                .violation = e->violation,
                .digest_alg = e->digest.alg_name,
                .digest = e->digest.data,
                .digest_size = e->digest.size,
                .path = e->name,
                .path_len = e->name_len,
                .sig = e->sig,
                .sig_size = e->sig_size,
                .buf = e->buf,
                .buf_size = e->buf_size,
        };
}

typedef struct AbiForeach {
        AttestImaEntryFn fn;
        void *userdata;
} AbiForeach;

static int abi_entry(const ImaEntry *e, uint64_t entry_no, void *userdata) {
        AbiForeach *a = userdata;
        AttestImaEntry x;

        ima_entry_to_abi(e, entry_no, &x);
        return a->fn(&x, a->userdata);
}

static int abi_ima_foreach(const AttestEvidence *ev, AttestImaEntryFn fn, void *userdata) {
        AbiForeach a = { .fn = fn, .userdata = userdata };

        if (!ev || !fn || !ev->host_private)
                return -EINVAL;
        return validated_evidence_ima_foreach(ev->host_private, abi_entry, &a);
}

static void clock_to_abi(const Tpm2ClockInfo *c, AttestClockInfo *ret) {
        *ret = (AttestClockInfo) {
                .clock = c->clock,
                .reset_count = c->reset_count,
                .restart_count = c->restart_count,
                .safe = c->safe,
        };
}

void validated_evidence_to_abi(const ValidatedEvidence *ev, const char *node_id,
                               const Tpm2ClockInfo *enrolment_clock, EvidenceAbi *ret) {
        AttestEvidence *a = &ret->ev;

        assert(ev && ret);
        memset(ret, 0, sizeof(*ret));
        for (size_t i = 0; i < ev->pcrs.n_banks && i < ELEMENTSOF(ret->banks); i++) {
                const PcrBank *b = &ev->pcrs.banks[i];

                ret->banks[i] = (AttestPcrBank) {
                        .struct_size = sizeof(AttestPcrBank),
                        .alg_id = b->alg->tpm_alg_id,
                        .alg_name = b->alg->name,
                        .digest_size = (uint32_t) b->alg->size,
                        .mask = b->mask,
                        .values = &b->values[0][0],
                        .stride = sizeof(b->values[0]),
                };
        }
        a->struct_size = sizeof(AttestEvidence);
        a->node_id = node_id;
        clock_to_abi(&ev->clock_info, &a->clock);
        a->firmware_version = ev->firmware_version;
        a->quote_hash_alg = ev->quote_hash_alg;
        a->quote_sig_alg = ev->quote_sig_alg;
        a->n_banks = (uint32_t) MIN(ev->pcrs.n_banks, ELEMENTSOF(ret->banks));
        a->banks = ret->banks;
        a->boot_time = ev->boot_time;
        if (enrolment_clock) {
                a->has_enrolment_clock = 1;
                clock_to_abi(enrolment_clock, &a->enrolment_clock);
        }
        if (ev->uefi_log) {
                a->uefi_log = ev->uefi_log->buf;
                a->uefi_log_size = ev->uefi_log->size;
                a->uefi_pcr_mask = ev->uefi_pcr_mask;
        }
        a->has_ima = ev->has_ima;
        a->ima_format = ev->ima_format == IMA_LOG_BINARY ? ATTEST_IMA_BINARY : ATTEST_IMA_ASCII;
        a->ima_log = ev->ima_data;
        a->ima_log_size = ev->ima_size;
        a->ima_first_entry = validated_evidence_ima_first(ev);
        a->ima_n_entries = ev->has_ima ? validated_evidence_ima_count(ev) : 0;
        a->ima_foreach = abi_ima_foreach;
        a->host_private = ev;
        if (ev->cc) {
                ret->cc = (AttestCcReport) {
                        .struct_size = sizeof(AttestCcReport),
                        .kind = (uint32_t) ev->cc->kind,
                        .report = ev->cc->report,
                        .report_size = ev->cc->report_size,
                        .product = ev->cc->product[0] ? ev->cc->product : NULL,
                        .tcb_status = ev->cc->tcb_status[0] ? ev->cc->tcb_status : NULL,
                        .advisory_ids = (const char *const *) ev->cc->advisory_ids,
                };
                a->cc = &ret->cc;
        }
}
