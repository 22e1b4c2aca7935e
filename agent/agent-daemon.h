/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "agent.h"
#include "push-cycle.h"

typedef enum AgentState {
        AGENT_STATE_STARTING,
        AGENT_STATE_UNREGISTERED,  /* registration failed so far; retrying */
        AGENT_STATE_REGISTERED,    /* identity activated at the registrar */
        AGENT_STATE_TERMINATED,    /* the verifier ended attestation of this node */
        AGENT_STATE_FAILED,        /* a permanent error; see the journal */
        _AGENT_STATE_MAX,
} AgentState;

const char *agent_state_to_string(AgentState s);

/* The verdict as the verifier last stated it; never computed here. */
#define AGENT_VERDICT_UNKNOWN "UNKNOWN"

typedef struct Agent {
        const AgentConfig *config;
        sd_event *event;
        sd_bus *bus;
        sd_bus_slot *vtable_slot;
        sd_event_source *retry_source;
        unsigned retry_count;

        /* Registration runs in a worker thread (TPM and HTTP block), which
         * reports through an eventfd; at most one at a time. */
        struct RegistrationJob *job;
        pthread_t job_thread;
        sd_event_source *job_source;

        char *node_id;
        char *ak_name;             /* hex TPM name */
        AgentState state;
        char *verdict;
        uint64_t last_attestation_usec;
        char **failure_reasons;    /* NULL-terminated */
        char *result;              /* the verifier's signed result (EAR JWT) of the verdict, or NULL */
        char *verifier_url;        /* the one of [Verifier] URL= (or the registrar's) in use */
        unsigned verifier_index;   /* its position in [Verifier] URL= */
        char *registrar_url;       /* the one of [Registrar] URL= in use */
        unsigned registrar_index;

        /* The push loop (agent-push.c): one cycle at a time, all in one worker thread. */
        struct PushJob *push_job;
        struct PushWorker *push_worker;
        sd_event_source *push_job_source;
        sd_event_source *push_timer;
        PushSessionState push_state;      /* token and IMA log marks, between cycles */
        unsigned push_failures;
        uint64_t push_not_before;  /* CLOCK_MONOTONIC µs: the verifier's Retry-After holds until then */
        uint64_t push_cycles;      /* cycles started so far; a cycle's number is its count */
        struct AttestWaiter *attest_waiters;   /* AttestNow() and GetResult() calls waiting for a cycle */
        size_t n_attest_waiters;
        bool attest_requested;     /* AttestNow() during a cycle: run a fresh one after it */
        struct SecretWaiter *secret_waiters;   /* RequestSecret() calls waiting for a cycle */
        size_t n_secret_waiters;
} Agent;

void agent_set_state(Agent *a, AgentState s);

/* Registration (agent-registration.c): starts a worker unless one runs. */
int agent_registration_start(Agent *a);
/* Waits for a running worker and drops its result; for shutdown. */
void agent_registration_stop(Agent *a);
/* Failover between the instances of [Registrar] URL= and [Verifier] URL= (agent-failover.c). */
/* Whether a failed request should be tried at the next instance. */
bool agent_failover_error(int r);
void agent_verifier_failover(Agent *a);
void agent_registrar_failover(Agent *a);

/* Exponential backoff with jitter for the attempt'th retry, in µs. */
uint64_t agent_retry_delay(unsigned attempt);

/* Push loop (agent-push.c): starts a cycle now unless one runs. */
int agent_push_start(Agent *a);
/* AttestNow(): m is answered with the verdict of a cycle started after the call. */
int agent_attest_now(Agent *a, sd_bus_message *m);
/* GetResult(): m is answered with the signed result of a cycle started after
 * the call; start: start one now (as AttestNow()), else wait for the schedule. */
int agent_result_wait(Agent *a, sd_bus_message *m, bool start);
/* Starts a cycle now, or a fresh one after the running one. Returns the
 * number of the first cycle that starts after the call (the one to wait for). */
int agent_push_request(Agent *a, uint64_t *ret_cycle);
void agent_push_stop(Agent *a);

/* D-Bus side (agent-bus.c). */
#define AGENT_BUS_NAME "org.hostattest.Agent1"
#define AGENT_BUS_PATH "/org/hostattest/Agent1"
#define AGENT_BUS_INTERFACE "org.hostattest.Agent1"

int agent_bus_setup(Agent *a);
/* 0 when the caller of m is root, else an AccessDenied error in error. */
int agent_bus_check_root(sd_bus_message *m, sd_bus_error *error);

/* RequestSecret() (agent-secret.c). */
int method_request_secret(sd_bus_message *m, void *userdata, sd_bus_error *error);
/* Answers the RequestSecret() callers that waited for this cycle (or an
 * earlier one); final: the last cycle there will be, answer them all. */
void agent_secret_cycle_done(Agent *a, uint64_t cycle, bool final, int result, const PushOutcome *o);
void agent_secret_waiters_drop(Agent *a);
/* RequestSecret() calls that came before the registration ended: on to a
 * cycle when result ≥ 0, else refused with it. */
void agent_secret_registration_done(Agent *a, int result);
/* RequestSecret() calls waiting at once, at most. */
#define AGENT_SECRET_WAITERS_MAX 64U
/* Emits PropertiesChanged for the listed properties (NULL-terminated names). */
void agent_bus_properties_changed(Agent *a, const char *property, ...);
/* Emits VerdictChanged and the property change after a.verdict changed. */
void agent_bus_verdict_changed(Agent *a);
