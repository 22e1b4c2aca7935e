/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "attest-limits.h"
#include "macro.h"
#include "push-protocol.h"

/* A verifier's answer as the pushing agent receives it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *text = (const char *) data;
        PushRequest req;
        PushVerdict v = {};
        uint8_t *challenge = NULL;
        char *s = NULL;
        size_t n;
        uint64_t next;

        if (push_session_answer_parse(text, size, &s, &challenge, &n) >= 0) {
                assert(s && challenge && n > 0 && n <= PUSH_CHALLENGE_SIZE_MAX);
                assert(!strchr(s, '/'));
                free(s);
                free(challenge);
        }
        if (push_session_token_parse(text, size, &s) >= 0) {
                assert(strlen(s) <= PUSH_TOKEN_MAX);
                free(s);
        }
        if (push_capabilities_answer_parse(text, size, &req) >= 0) {
                assert(req.n_items >= 1 && req.n_items <= _PUSH_EVIDENCE_MAX);
                assert(req.challenge_size > 0 && req.challenge_size <= PUSH_CHALLENGE_SIZE_MAX);
                assert(req.pcr_mask < (UINT32_C(1) << PUSH_PCR_INDEX_MAX));
        }
        if (push_answer_self_link(text, size, &s) >= 0)
                free(s);
        if (push_evidence_answer_parse(text, size, &next) >= 0)
                assert(next <= PUSH_INTERVAL_MAX_SEC);
        if (push_verdict_parse(text, size, &v) >= 0) {
                size_t k = 0;
                for (char **p = v.failures; p && *p; p++)
                        k++;
                assert(k <= PUSH_FAILURES_MAX);
                push_verdict_done(&v);
        }
        if (push_agent_status_parse(text, size, "node", &v) >= 0)
                push_verdict_done(&v);
        s = push_answer_error(text, size);
        if (s) {
                assert(strlen(s) <= PUSH_ERROR_DETAIL_MAX);
                free(s);
        }
        return 0;
}
