/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Incremental replay of the IMA measurement list into PCR 10, one value per
 * bank. The state is plain data (entries consumed, running value per bank),
 * so a verifier can store it per node and feed each push's new lines, or
 * start from a verified quote's PCR 10. Feeding a log in pieces gives the
 * same state as feeding it whole. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash-alg.h"
#include "ima-entry.h"
#include "macro.h"

#define IMA_PCR_INDEX 10u
#define IMA_REPLAY_BANKS_MAX 4u

typedef struct ImaPcrValue {
        const HashAlg *alg;
        uint8_t value[HASH_ALG_MAX_DIGEST_SIZE];
} ImaPcrValue;

typedef struct ImaReplayState {
        uint64_t n_entries;    /* entries consumed (all PCRs), i.e. the next entry's number */
        size_t n_banks;
        ImaPcrValue banks[IMA_REPLAY_BANKS_MAX];
} ImaReplayState;

/* A fresh state: every bank zero, no entries. Each algorithm at most once;
 * -EOPNOTSUPP when OpenSSL lacks one. The banks of a state are the ones
 * replayed: a verifier names only the banks its quote has (each bank costs
 * two digests per entry), attestctl all it can show. */
int ima_replay_state_init(ImaReplayState *s, const HashAlg *const *algs, size_t n_algs);
/* NULL for a bank the state does not replay: its value is not known. */
const ImaPcrValue *ima_replay_state_bank(const ImaReplayState *s, const HashAlg *alg);

/* Keeps only the banks in algs, in that order, so that further replay
 * computes only those (a stored state with more banks than the quote).
 * -ENOENT (s unchanged) when s lacks one, -EINVAL for none or a repeat. */
int ima_replay_state_select(ImaReplayState *s, const HashAlg *const *algs, size_t n_algs);

/* A state from stored or verified values: n_entries consumed and one running
 * value per bank (a node's stored state, or a verified quote's PCR 10 when
 * replay starts mid-log). -EINVAL for a repeated or unknown bank. */
int ima_replay_state_restore(ImaReplayState *s, uint64_t n_entries, const ImaPcrValue *banks, size_t n_banks);

/* Digest contexts and parse scratch; not shared between threads. */
typedef struct ImaReplayer ImaReplayer;

int ima_replayer_new(ImaReplayer **ret);
ImaReplayer *ima_replayer_free(ImaReplayer *r);
DEFINE_POINTER_CLEANUP_FUNC(ImaReplayer, ima_replayer_free);

/* Extends every bank of s with one entry. The template hash is recomputed
 * from the template data for each bank; the hash written in the entry is
 * checked when a bank of its size is replayed, and must then match the
 * recomputation (-EUCLEAN otherwise). A violation extends 0xFF… and an entry
 * for another PCR extends nothing; both count as entries. */
int ima_replay_entry(ImaReplayer *r, ImaReplayState *s, const ImaEntry *e);

typedef enum ImaLogFormat {
        IMA_LOG_ASCII,
        IMA_LOG_BINARY,
} ImaLogFormat;

/* Guesses the format from the first bytes (ascii starts with a decimal PCR and a space). */
ImaLogFormat ima_log_guess_format(const uint8_t *data, size_t len);

/* Called for each entry as it is replayed; a negative return stops the replay. */
typedef int (*ImaEntryFn)(const ImaEntry *e, uint64_t entry_no, void *userdata);

/* Parses the entry at data[*o] into the replayer's scratch (valid until the
 * next call) and advances *o: 1 with an entry, 0 at the end or before an
 * incomplete tail when not final, negative on a malformed entry. */
int ima_replayer_next_entry(ImaReplayer *r, ImaLogFormat format, const uint8_t *data, size_t len,
                            size_t *o, bool final, ImaEntry *ret);

/* Replays the complete entries of data[0..len) into s. A trailing incomplete
 * line or record is left for the next call unless final (then -EBADMSG).
 * *ret_consumed is the bytes used. On error, s holds the entries before the
 * bad one and *ret_consumed (when given) the offset of that entry. */
int ima_replay_feed(ImaReplayer *r, ImaReplayState *s, ImaLogFormat format,
                    const uint8_t *data, size_t len, bool final,
                    ImaEntryFn fn, void *userdata, size_t *ret_consumed);

/* The log may run ahead of the quote: replays data (complete entries) until
 * every bank in quoted equals the running value, checking before the first
 * entry and after each. On a match s advances to that point and *ret_consumed
 * tells where the entries the quote does not cover start; they are replayed
 * again after the next quote. -ENOENT (s unchanged) when no prefix matches:
 * ima.pcr_mismatch. */
int ima_replay_to_quote(ImaReplayer *r, ImaReplayState *s, ImaLogFormat format,
                        const uint8_t *data, size_t len,
                        const ImaPcrValue *quoted, size_t n_quoted, size_t *ret_consumed);
