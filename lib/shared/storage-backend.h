/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the SQLite and PostgreSQL backends share: the nodes table's columns,
 * and the logic that does not depend on the database. */

#include "storage.h"

/* The columns of the nodes table, the same in every backend; the order is shared by INSERT and SELECT. */
#define NODE_COLUMNS \
        "id, state, ek_tpm, ekcert, aik_tpm, iak_tpm, idevid_tpm, iak_cert, idevid_cert," \
        " mtls_cert, ip, port, auth_digest, regcount, registered_usec, activated_usec, enrolled_usec," \
        " tpm_policy, boot_policy, runtime_policy, boot_policy_name, runtime_policy_name," \
        " attest_count, interval_sec, failure_actions, verdict, attestations_passed, last_attestation_usec," \
        " tpm_policy_name, attested_by"
#define NODE_N_COLUMNS 30
#define NODE_UPDATE \
        "state=excluded.state, ek_tpm=excluded.ek_tpm, ekcert=excluded.ekcert, " \
        "aik_tpm=excluded.aik_tpm, iak_tpm=excluded.iak_tpm, " \
        "idevid_tpm=excluded.idevid_tpm, iak_cert=excluded.iak_cert, " \
        "idevid_cert=excluded.idevid_cert, mtls_cert=excluded.mtls_cert, ip=excluded.ip, " \
        "port=excluded.port, auth_digest=excluded.auth_digest, regcount=excluded.regcount, " \
        "registered_usec=excluded.registered_usec, activated_usec=excluded.activated_usec, " \
        "enrolled_usec=excluded.enrolled_usec, tpm_policy=excluded.tpm_policy, " \
        "boot_policy=excluded.boot_policy, runtime_policy=excluded.runtime_policy, " \
        "boot_policy_name=excluded.boot_policy_name, " \
        "runtime_policy_name=excluded.runtime_policy_name, " \
        "attest_count=excluded.attest_count, interval_sec=excluded.interval_sec, " \
        "failure_actions=excluded.failure_actions, verdict=excluded.verdict, " \
        "attestations_passed=excluded.attestations_passed, " \
        "last_attestation_usec=excluded.last_attestation_usec, " \
        "tpm_policy_name=excluded.tpm_policy_name, attested_by=excluded.attested_by"

/* One row of a query's answer, read column by column whatever the backend. */
typedef struct RowReader RowReader;
struct RowReader {
        int (*text)(const RowReader *rr, int col, char **ret);   /* NULL for SQL NULL */
        int (*blob)(const RowReader *rr, int col, Blob *ret);
        uint64_t (*u64)(const RowReader *rr, int col);           /* 0 for SQL NULL */
        void (*fixed)(const RowReader *rr, int col, void *buf, size_t size); /* buf untouched unless exactly size bytes */
        const void *result;                                      /* PostgreSQL: the PGresult and the row */
        int row;
        void *stmt;                                              /* SQLite: the statement on its row */
};

/* A Node from a row whose columns are NODE_COLUMNS; -EBADMSG for an unknown state. */
int node_from_row(const RowReader *rr, Node **ret);

/* Loads each listed node's engine policies with load, then hands the list out;
 * on failure frees it. */
int node_list_complete(Storage *s, Node **l, size_t n, int (*load)(Storage *s, Node *n), Node ***ret, size_t *ret_n);
