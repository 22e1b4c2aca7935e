/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A client of the local agent (org.hostattest.Agent1) for code that runs
 * inside other programs' processes: the PAM module and the LUKS2 token. It
 * uses a private system-bus connection and a timeout on every call, and it
 * sorts failures into "agent not there" and "agent said no". */

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "memory-util.h"

#define AGENT_BUS_NAME "org.hostattest.Agent1"
#define AGENT_BUS_PATH "/org/hostattest/Agent1"
#define AGENT_BUS_INTERFACE "org.hostattest.Agent1"

/* Bounds on what the agent may send us: it is trusted, but we are guests in
 * another program's process and do not allocate without limit. */
#define AGENT_CLIENT_VERDICT_MAX 64
#define AGENT_CLIENT_REASONS_MAX 32
#define AGENT_CLIENT_REASON_MAX 256
#define AGENT_CLIENT_SECRET_MAX 4096

typedef struct AgentStatus {
        char *verdict;              /* as the agent reports it, e.g. "PASS" */
        uint64_t last_attestation;  /* CLOCK_REALTIME µs, 0 = never */
        char **failure_reasons;     /* NULL-terminated, may be empty */
} AgentStatus;

void agent_status_done(AgentStatus *s);

/* Opens a private connection to the system bus ($DBUS_SYSTEM_BUS_ADDRESS when
 * set) with the given per-call timeout. */
int agent_client_open(const char *description, uint64_t timeout_usec, sd_bus **ret);

/* Reads Verdict, LastAttestation and FailureReasons in one round trip.
 * -EHOSTDOWN: the agent is not on the bus or did not answer in time;
 * other negative errno: the bus or the agent failed. */
int agent_client_get_status(sd_bus *bus, AgentStatus *ret);

/* Calls RequestSecret(name). -EHOSTDOWN as above; -EACCES when the agent
 * refused (error message in ret_error_message when given, caller frees). */
int agent_client_request_secret(sd_bus *bus, const char *name, SecretBuffer *ret,
                                char **ret_error_message);

/* Whether verdict is in the comma-separated list allow (case-insensitive). */
int agent_verdict_allowed(const char *verdict, const char *allow);
