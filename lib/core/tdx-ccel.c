/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "tcg-replay.h"
#include "tdx-ccel.h"

#define CCEL_MR_FIRST 1u    /* MR index 0 is MRTD, measured by the TDX module, never by events */
#define CCEL_MR_LAST  4u

int tdx_ccel_replay(const uint8_t *buf, size_t size, uint8_t ret_rtmr[static 4][48]) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        _cleanup_free_ PcrValues *v = calloc(1, sizeof *v);
        const PcrBank *bank = NULL;
        int r;

        assert_return(buf && ret_rtmr, -EINVAL);
        if (!v)
                return -ENOMEM;
        r = tcg_eventlog_parse(buf, size, &log);
        if (r < 0)
                return r == -E2BIG || r == -ENOMEM ? r : -EBADMSG;
        for (size_t i = 0; i < log->n_events; i++) {
                const TcgEvent *e = log->events + i;
                if (e->type != EV_NO_ACTION && (e->pcr < CCEL_MR_FIRST || e->pcr > CCEL_MR_LAST))
                        return -EBADMSG;
        }
        r = tcg_eventlog_replay(log, v);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        for (size_t i = 0; i < v->n_banks; i++)
                if (v->banks[i].alg->tpm_alg_id == TPM2_ALG_ID_SHA384)
                        bank = v->banks + i;
        if (!bank)
                return -EBADMSG;
        /* An RTMR no event extended keeps its initial value, zero. */
        for (unsigned mr = CCEL_MR_FIRST; mr <= CCEL_MR_LAST; mr++)
                if (bank->mask & (UINT32_C(1) << mr))
                        memcpy(ret_rtmr[mr - CCEL_MR_FIRST], bank->values[mr], 48);
                else
                        memset(ret_rtmr[mr - CCEL_MR_FIRST], 0, 48);
        return 0;
}

unsigned tdx_ccel_compare(const TdxReportBody *body, const uint8_t rtmr[static 4][48]) {
        unsigned mismatch = 0;

        assert(body && rtmr);
        for (unsigned i = 0; i < 4; i++)
                if (memcmp(body->rtmr[i], rtmr[i], 48) != 0)
                        mismatch |= 1u << i;
        return mismatch;
}
