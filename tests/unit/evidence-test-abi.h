/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validated evidence of a simulated node, in its ABI view, for plugin tests. */

#include "evidence-test-node.h"
#include "plugin-test.h"

typedef struct TestEvidence {
        ValidatedEvidence *ev;
        EvidenceAbi abi;
} TestEvidence;

/* Validates the node's current quote and logs from ima_offset with ima_state (asserting it is valid). */
static inline void test_evidence_make(TestEvidence *t, const TestNode *n, size_t ima_offset,
                                      const ImaReplayState *ima_state, const Tpm2ClockInfo *enrolment) {
        ValidationInput in = test_node_input(n, ima_offset, ima_state);
        ValidationFailure f = {};

        if (evidence_validate(&in, NULL, &t->ev, &f) != 0)
                fail_msg("validation: %s", f.detail);
        validated_evidence_to_abi(t->ev, "node-1", enrolment, &t->abi);
}

static inline void test_evidence_done(TestEvidence *t) {
        t->ev = validated_evidence_free(t->ev);
}

/* Evaluates policy text with the engine p over t. */
static inline void test_evaluate(const Plugin *p, const char *policy, const TestEvidence *t, PolicyOutcome *ret) {
        _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
        CompiledPolicy *cp;

        assert_int_equal(policy_cache_new(&c), 0);
        cp = compile_ok(c, p, policy);
        assert_int_equal(policy_evaluate(cp, &t->abi.ev, NULL, ret), 0);
        policy_cache_release(c, cp);
}
