/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's encodings of a node's push state (clock, IMA replay state). */
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encodings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
