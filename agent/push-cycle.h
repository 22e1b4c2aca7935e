/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent.h"
#include "http-client.h"
#include "push-protocol.h"

/* A place in the IMA ascii log: entry number and the file offset of its line. */
typedef struct ImaMark {
        uint64_t entry;
        uint64_t offset;
} ImaMark;

/* What the agent remembers of the IMA log between pushes, so that neither
 * counting nor sending reads the lines it has already read. */
typedef struct ImaLogState {
        ImaMark counted;   /* end of the complete lines counted so far */
        ImaMark sent;      /* start of the last chunk sent */
        ImaMark sent_end;  /* end of the last chunk sent */
} ImaLogState;

/* Counts the complete lines of the log, reading only what follows s->counted. */
int ima_log_count(const char *path, ImaLogState *s, uint64_t *ret_entries);
/* The complete lines from entry start on (at most PUSH_IMA_CHUNK_MAX bytes),
 * found from the nearest mark at or before start. */
int ima_log_read_from(const char *path, ImaLogState *s, uint64_t start, char **ret_text, size_t *ret_size,
                      uint64_t *ret_count);

/* btime of /proc/stat, in µs since the epoch. */
int boot_time_usec(const char *proc_stat, uint64_t *ret);

/* Where to push, and the evidence sources. */
typedef struct PushContext {
        const AgentConfig *config;
        const char *node_id;
        const char *verifier_url;
        const atomic_bool *cancel;
        HttpClient *http;   /* the connection kept across requests and cycles; NULL: one per request */
} PushContext;

/* Kept by the caller across cycles. */
typedef struct PushSessionState {
        char *token;
        ImaLogState ima;
        /* An attestation the verifier opened for a cycle that failed before its
         * evidence was sent (the TPM went away after the capabilities): the next
         * cycle sends evidence for it, since the verifier refuses to open another
         * (409) while this one awaits its evidence. */
        char *opened_location;
        PushRequest opened_request;
} PushSessionState;

void push_session_state_done(PushSessionState *s);

/* What one cycle came to. */
typedef struct PushOutcome {
        bool terminated;             /* 410: the verifier ended attestation of this node */
        bool unknown_node;           /* 404: the verifier no longer knows this node */
        bool have_verdict;
        PushEvaluation evaluation;
        char **failures;             /* NULL-terminated, may be NULL */
        char *ear;                   /* the verifier's signed result of the verdict, or NULL */
        uint64_t next_sec;           /* the verifier's schedule (seconds_to_next_attestation) */
        uint64_t retry_after_sec;    /* 429/503: when the verifier wants to hear again */
        char *error;                 /* what went wrong, for the journal and D-Bus */
} PushOutcome;

void push_outcome_done(PushOutcome *o);

/* One cycle: authenticate when there is no token (or it was refused),
 * capabilities, evidence, then the verdict from …/attestations/latest.
 * Negative errno when the cycle did not complete; -EAGAIN when the verifier
 * asked to wait (retry_after_sec). The TPM is held only for its commands. */
int push_cycle_run(const PushContext *ctx, PushSessionState *state, PushOutcome *ret);
