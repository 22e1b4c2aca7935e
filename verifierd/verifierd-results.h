/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "jws.h"
#include "storage.h"

/* The verifier's signed attestation results (EAR): the results key, the JWK
 * set that publishes it, and the signing of stored verdicts. */

#define RESULTS_KEY_CREDENTIAL "verifierd-results-key"
#define RESULTS_KEY_STORAGE_NAME "results"              /* in the storage, when created */
#define RESULTS_KEY_FILE "results-key.pem"              /* in the state directory, with a storage that keeps no keys */
#define RESULTS_PUBLISHED_FILE "results-keys-published.pem" /* the current and previous public keys */

typedef struct ResultsKeys {
        EVP_PKEY *key;          /* signs */
        JwsKeySet published;    /* the current key first, then the previous one */
        char *jwks;             /* the JWK set document served */
} ResultsKeys;

/* Loads the results key: key_file ([Results] signing_key=), else the service's
 * credential, else the key kept in the storage for all instances (created by
 * the first), else <state_directory>/results-key.pem, created at the first start.
 * A key that replaces another keeps the other published as the previous key. */
int results_keys_open(Storage *storage, const char *state_directory, const char *key_file, ResultsKeys **ret);
ResultsKeys *results_keys_free(ResultsKeys *k);

typedef struct Manager Manager;
typedef struct Request Request;

/* The EAR of a node's attestation, signed with the results key. */
int results_sign(Manager *m, const char *node_id, const Attestation *a, char **ret_jwt);
/* Adds "ear": JWT to an attestation's JSON (nothing when it cannot be signed). */
void results_attach(Manager *m, const char *node_id, const Attestation *a, json_object *o);
/* GET /.well-known/jwks.json, for anyone; false when the path is not ours. */
bool route_well_known(Request *q, const char *const *seg, size_t n);
