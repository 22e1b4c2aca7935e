/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "agent.h"

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
        char *verifier_url;
} Agent;

void agent_set_state(Agent *a, AgentState s);

/* Registration (agent-registration.c): starts a worker unless one runs. */
int agent_registration_start(Agent *a);
/* Waits for a running worker and drops its result; for shutdown. */
void agent_registration_stop(Agent *a);

/* D-Bus side (agent-bus.c). */
#define AGENT_BUS_NAME "org.hostattest.Agent1"
#define AGENT_BUS_PATH "/org/hostattest/Agent1"
#define AGENT_BUS_INTERFACE "org.hostattest.Agent1"

int agent_bus_setup(Agent *a);
/* Emits PropertiesChanged for the listed properties (NULL-terminated names). */
void agent_bus_properties_changed(Agent *a, const char *property, ...);
/* Emits VerdictChanged and the property change after a.verdict changed. */
void agent_bus_verdict_changed(Agent *a);
