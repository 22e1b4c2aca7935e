/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the verifier keeps in memory of push sessions: the sessions whose
 * proof of possession has not arrived yet, and the session budget of each
 * client address. Proven sessions (bearer tokens) are in storage only.
 *
 * Memory is bounded by what a stranger cannot multiply: at most
 * SESSIONS_PENDING_PER_NODE unproven sessions per enrolled node, each for at
 * most challenge_lifetime, and SESSION_RATE_ADDRESSES_MAX address buckets
 * (IPv6 counted per /64). With several verifier instances on one storage,
 * a node's PATCH must reach the instance that answered its POST; a node that
 * gets 404 there simply opens a new session. */

#include <stdint.h>

#include "storage.h"

#define SESSIONS_PENDING_PER_NODE 8u
#define SESSION_RATE_ADDRESSES_MAX 4096u
#define SESSION_ID_BYTES 16u
#define SESSION_ID_HEX_SIZE (2u * SESSION_ID_BYTES + 1u)
/* Expired sessions are removed from storage at most this often. */
#define SESSION_PRUNE_INTERVAL_USEC (60u * 1000000ULL)

typedef struct PendingSession {
        char id[SESSION_ID_HEX_SIZE];
        char *node_id;
        uint8_t challenge[SESSION_CHALLENGE_SIZE];
        uint64_t created_usec, expires_usec;
} PendingSession;

void pending_session_done(PendingSession *s);

typedef struct SessionTable SessionTable;

int session_table_new(SessionTable **ret);
SessionTable *session_table_free(SessionTable *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(SessionTable *, session_table_free);

/* Keeps a copy of s; the node's oldest unproven session goes when it has
 * SESSIONS_PENDING_PER_NODE already. Expired ones are dropped first. */
int session_pending_add(SessionTable *t, const PendingSession *s, uint64_t now_usec);
/* Removes the unproven session id into *ret (which the caller then owns):
 * -ENOENT when there is none, -ETIME when it expired (removed all the same). */
int session_pending_take(SessionTable *t, const char *id, uint64_t now_usec, PendingSession *ret);

/* Charges one session to the client address (numeric, as logged): 0 when
 * its budget allows, else the seconds until it will. A budget holds
 * per_minute sessions and refills at per_minute a minute; 0 means no limit. */
uint64_t session_rate_charge(SessionTable *t, const char *address, uint64_t per_minute, uint64_t now_usec);

/* Whether storage is due for removing expired sessions (then marked done). */
bool session_prune_due(SessionTable *t, uint64_t now_usec);
