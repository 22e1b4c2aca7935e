/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The push protocol as a node speaks it (KEYLIME-WIRE.md), over HTTP with
 * libcurl, for simulated nodes: registration and activation, the session's
 * proof of possession, and attestations, with ways to spoil the evidence so
 * that tests reach each refusal. */

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "sim-node.h"

typedef struct SimClient SimClient;

/* The string at a path of member names and array indexes, or NULL. */
const char *sim_dig_string(json_object *o, const char *const *path);
#define SIM_DIG_STRING(o, ...) sim_dig_string((o), (const char *const[]) { __VA_ARGS__, NULL })

int sim_client_new(const char *base_url, SimClient **ret);
SimClient *sim_client_free(SimClient *c);
/* An https base URL: the server's certificate must chain to the PEM file ca_file.
 * The connection (and its TLS session) is kept from one request to the next. */
int sim_client_set_ca(SimClient *c, const char *ca_file);

typedef struct SimResponse {
        long status;
        char *body;
        char location[512];
        unsigned retry_after;
} SimResponse;

void sim_response_done(SimResponse *r);

/* One request; body may be NULL. Negative errno on transport failures. */
int sim_http(SimClient *c, const char *method, const char *path, const char *bearer, const char *body,
             SimResponse *ret);

/* Registration (v2.6) and activation of the credential. */
int sim_agent_register(SimClient *c, SimNode *n);

typedef struct SimAgent {
        SimNode *node;
        char token[256];
        uint8_t last_nonce[16];
        bool have_last_nonce;
} SimAgent;

/* A session with the TPM2_Certify proof of possession; the token in a->token. */
int sim_agent_session(SimClient *c, SimAgent *a);
/* The same, keeping the bodies of the two answers (POST and PATCH /sessions;
 * malloc'ed, either may be NULL) for tests of their fields. */
int sim_agent_session_answers(SimClient *c, SimAgent *a, char **ret_created, char **ret_proven);

/* A node booted ten minutes ago, registered, with its session proven: where a
 * scenario starts. On failure *ret_step names the step that failed. */
int sim_agent_setup(SimClient *c, SimAgent *a, const char *id, const SimUefi *uefi, const char **ret_step);

/* Ways to spoil one attestation. */
typedef enum SimSpoil {
        SIM_SPOIL_NONE,
        SIM_SPOIL_REPLAY_NONCE,         /* quote over the previous attestation's nonce */
        SIM_SPOIL_EXPIRE,               /* POST twice, send the evidence after expire_wait_ms */
        SIM_SPOIL_OTHER_AK,             /* quote signed by another key */
        SIM_SPOIL_PCR_VALUE,            /* a reported PCR value differs from the quoted digest */
        SIM_SPOIL_UEFI_EVENT,           /* a digest of an event in the UEFI log edited */
        SIM_SPOIL_IMA_TRUNCATE,         /* the IMA log without its last entry */
        SIM_SPOIL_IMA_REWRITE,          /* an IMA entry's path rewritten */
        SIM_SPOIL_BOOT_TIME,            /* boot_time earlier than the last one */
} SimSpoil;

typedef struct SimAttestation {
        long create_status;             /* POST …/attestations */
        long second_create_status;      /* SIM_SPOIL_EXPIRE: a POST while the first awaits evidence */
        unsigned retry_after;
        long evidence_status;           /* PATCH <Location>, 0 when not sent */
        char evaluation[16];            /* "pass", "fail" from the answer */
        char failure_reason[64];
        char failure_id[128];           /* the first failure's id */
        char error_code[64];            /* errors[0].code of a refusal */
        uint64_t ima_offset;
        uint64_t seconds_to_next;
        unsigned acked_items;           /* items of the 202's evidence list with Keylime's members:
                                         * capabilities, chosen_parameters and data */
} SimAttestation;

/* One attestation: capabilities, the chosen parameters, the evidence. */
int sim_agent_attest(SimClient *c, SimAgent *a, SimSpoil spoil, unsigned expire_wait_ms, SimAttestation *ret);


/* A scenario client's expectation: a miss is printed and counted in the
 * client's own `failures`, and the run goes on so that one run names them all. */
#define CHECK(cond, ...)                                                \
        do {                                                            \
                if (!(cond)) {                                          \
                        fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
                        fprintf(stderr, __VA_ARGS__);                   \
                        fputc('\n', stderr);                            \
                        failures++;                                     \
                }                                                       \
        } while (0)
