/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's encodings of a node's push state (clock, IMA replay state)
 * and how the IMA replay anchor moves with passes, failures and reactivate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "verifierd.h"
#include "verifierd-push.h"

static void test_encodings(void **state) {
        Tpm2ClockInfo c = { .clock = 123456789, .reset_count = 3, .restart_count = 4, .safe = true }, c2;
        const HashAlg *algs[2] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        ImaReplayState st, st2;
        Blob b = {};

        assert_int_equal(push_clock_encode(&c, &b), 0);
        assert_int_equal(push_clock_decode(&b, &c2), 0);
        assert_true(c2.clock == c.clock && c2.reset_count == 3 && c2.restart_count == 4 && c2.safe);
        b.data[16] = 2;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        b.size--;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        blob_done(&b);

        assert_int_equal(ima_replay_state_init(&st, algs, 2), 0);
        st.n_entries = 42;
        st.banks[1].value[5] = 0x55;
        assert_int_equal(push_ima_state_encode(&st, &b), 0);
        assert_int_equal(push_ima_state_decode(&b, &st2), 0);
        assert_int_equal(st2.n_entries, 42);
        assert_int_equal(st2.n_banks, 2);
        assert_int_equal(ima_replay_state_bank(&st2, algs[1])->value[5], 0x55);
        b.data[9] = 0x7f;                /* unknown algorithm */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        b.data[9] = 0x00;
        assert_int_equal(blob_set(&b, b.data, b.size - 1), 0);      /* truncated */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        blob_done(&b);
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG); /* empty */
}

/* A replay state of n entries whose SHA-256 value starts with mark. */
static void ima_blob(uint64_t n, uint8_t mark, Blob *ret) {
        const HashAlg *algs[1] = { hash_alg_from_name("sha256") };
        ImaReplayState st;

        assert_int_equal(ima_replay_state_init(&st, algs, 1), 0);
        st.n_entries = n;
        st.banks[0].value[0] = mark;
        assert_int_equal(push_ima_state_encode(&st, ret), 0);
}

static uint64_t ima_entries(const Blob *b) {
        ImaReplayState st;

        assert_int_equal(push_ima_state_decode(b, &st), 0);
        return st.n_entries;
}

static void ima_after(uint64_t n, ImaReplayState *ret) {
        const HashAlg *algs[1] = { hash_alg_from_name("sha256") };

        assert_int_equal(ima_replay_state_init(ret, algs, 1), 0);
        ret->n_entries = n;
}

/* A pass moves the anchor; a failure leaves it at the last pass, so the entries since are asked for again. */
static void test_ima_anchor(void **state) {
        PushState old = {}, s = {}, s2 = {};
        ImaReplayState after;

        ima_blob(10, 0xaa, &old.ima_state);
        ima_blob(10, 0xaa, &old.ima_state_latest);
        ima_after(14, &after);

        assert_int_equal(push_ima_next(&old, &after, true, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 14);
        assert_int_equal(ima_entries(&s.ima_state_latest), 14);
        assert_false(s.ima_restart);
        push_state_done(&s);

        assert_int_equal(push_ima_next(&old, &after, false, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 10);
        assert_int_equal(ima_entries(&s.ima_state_latest), 14);
        assert_false(s.ima_restart);

        /* Clean attestations after the failure: the anchor stays where the last pass left it. */
        ima_after(20, &after);
        assert_int_equal(push_ima_next(&s, &after, false, false, &s2), 0);
        assert_int_equal(ima_entries(&s2.ima_state), 10);
        assert_int_equal(ima_entries(&s2.ima_state_latest), 20);
        push_state_done(&s);

        /* Reactivate accepts up to the latest validated entries. */
        assert_int_equal(push_state_accept(&s2, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 20);
        assert_false(s.ima_restart);
        push_state_done(&s);
        push_state_done(&s2);

        /* Without an IMA log both states stay. */
        assert_int_equal(push_ima_next(&old, NULL, false, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 10);
        assert_int_equal(ima_entries(&s.ima_state_latest), 10);
        push_state_done(&s);
        push_state_done(&old);
}

/* The first attestation of a boot fails: the next one starts from entry 0 again. */
static void test_ima_fresh_failure(void **state) {
        PushState old = {}, s = {}, s2 = {};
        ImaReplayState after;

        ima_blob(50, 0xbb, &old.ima_state);    /* the previous boot's */
        ima_after(3, &after);
        assert_int_equal(push_ima_next(&old, &after, false, true, &s), 0);
        assert_true(s.ima_restart);
        assert_int_equal(s.ima_state.size, 0);
        assert_int_equal(ima_entries(&s.ima_state_latest), 3);

        assert_int_equal(push_state_accept(&s, &s2), 0);
        assert_false(s2.ima_restart);
        assert_int_equal(ima_entries(&s2.ima_state), 3);
        push_state_done(&s2);

        /* A pass from entry 0 clears the restart. */
        ima_after(5, &after);
        assert_int_equal(push_ima_next(&s, &after, true, true, &s2), 0);
        assert_false(s2.ima_restart);
        assert_int_equal(ima_entries(&s2.ima_state), 5);
        push_state_done(&s2);
        push_state_done(&s);
        push_state_done(&old);

        /* Nothing validated yet: reactivate keeps what there is. */
        assert_int_equal(push_state_accept(&old, &s), 0);
        assert_int_equal(s.ima_state.size, 0);
        push_state_done(&s);
}

/* A pass renews the token only once less than half its lifetime is left. */
static void test_session_renewal(void **state) {
        const uint64_t life = 180000000, now = 1000000000;

        assert_false(session_renewal_due(now + life, now, life));               /* just issued */
        assert_false(session_renewal_due(now + life / 2, now, life));           /* exactly half left */
        assert_true(session_renewal_due(now + life / 2 - 1, now, life));
        assert_true(session_renewal_due(now + 1, now, life));
        assert_true(session_renewal_due(now - 1, now, life));                   /* expired meanwhile */
        /* A node pushing every 30 s renews every fourth pass at most, and never runs out. */
        uint64_t expires = now + life, renewals = 0;
        for (uint64_t t = now; t < now + 20 * life; t += 30000000) {
                assert_true(expires >= t);
                if (session_renewal_due(expires, t, life)) {
                        expires = t + life;
                        renewals++;
                }
        }
        assert_true(renewals > 0 && renewals <= 20 * life / 30000000 / 3);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encodings),
                cmocka_unit_test(test_ima_anchor),
                cmocka_unit_test(test_ima_fresh_failure),
                cmocka_unit_test(test_session_renewal),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
