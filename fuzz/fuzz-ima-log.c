/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The measurement list parser and replay, both formats, whole and in two
 * pieces: the two must agree; and a log the two banks accept replays to the
 * same sha256 value in the sha256 bank alone. */
#include <string.h>

#include "fuzz.h"
#include "ima-replay.h"
#include "macro.h"

static ImaReplayer *rp;

static void init_state(ImaReplayState *s) {
        const HashAlg *algs[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        int r = ima_replay_state_init(s, algs, ELEMENTSOF(algs));
        assert(r == 0);
}

/* Fewer banks check no more than two: what both accept, sha256 alone accepts, to the same value. */
static void check_sha256_only(ImaLogFormat f, const uint8_t *data, size_t size, const ImaReplayState *whole) {
        const HashAlg *sha256 = hash_alg_from_name("sha256");
        ImaReplayState one;
        int r;

        r = ima_replay_state_init(&one, &sha256, 1);
        assert(r == 0);
        r = ima_replay_feed(rp, &one, f, data, size, true, NULL, NULL, NULL);
        assert(r == 0);
        assert(one.n_entries == whole->n_entries);
        assert(memcmp(one.banks[0].value, ima_replay_state_bank(whole, sha256)->value, sha256->size) == 0);
}

static void check_format(ImaLogFormat f, const uint8_t *data, size_t size) {
        ImaReplayState whole, split;
        size_t consumed_whole, consumed, cut = size / 2;
        int r_whole, r;

        init_state(&whole);
        r_whole = ima_replay_feed(rp, &whole, f, data, size, true, NULL, NULL, &consumed_whole);
        assert(consumed_whole <= size);
        if (r_whole == 0)
                check_sha256_only(f, data, size, &whole);

        /* The same bytes in two pieces, the unconsumed tail carried over. */
        init_state(&split);
        r = ima_replay_feed(rp, &split, f, data, cut, false, NULL, NULL, &consumed);
        if (r < 0 || r_whole < 0)
                return;   /* an error may surface in either piece first */
        _cleanup_free_ uint8_t *rest = malloc(size - consumed + 1);
        assert(rest);
        memcpy(rest, data + consumed, size - consumed);
        r = ima_replay_feed(rp, &split, f, rest, size - consumed, true, NULL, NULL, NULL);
        assert(r == 0);
        assert(split.n_entries == whole.n_entries);
        assert(memcmp(split.banks, whole.banks, sizeof split.banks) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!rp && ima_replayer_new(&rp) < 0)
                return 0;
        if (size > 4 * IMA_LINE_MAX)
                return 0;
        check_format(IMA_LOG_ASCII, data, size);
        check_format(IMA_LOG_BINARY, data, size);
        return 0;
}
