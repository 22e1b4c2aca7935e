/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>

#include "agent.h"

/* Where and how to reach the registrar. */
typedef struct RegistrarClient {
        const char *base_url;     /* "https://registrar:8891" */
        const char *ca_file;      /* pinned CA bundle */
        const char *api_version;  /* "2.1" */
        const atomic_bool *cancel; /* set from another thread to abandon the registration */
} RegistrarClient;

/* What a finished registration leaves behind. */
typedef struct Registration {
        char *verifier_url;       /* from the activation answer, when the registrar gave one */
        bool reused;              /* already registered with this AK: nothing was sent */
} Registration;

void registration_done(Registration *r);

/* Registers the identity under agent_id and activates the AK: POST the EK,
 * its certificate and the AK, activate the credential blob the registrar
 * answers with, PUT the auth_tag. Success is recorded in the state directory
 * (registration) so that a restart with the same AK does not register again. */
int registrar_register(const RegistrarClient *c, const char *state_dir, const char *agent_id,
                       AgentIdentity *id, Registration *ret);

/* Drops the registration record, so that the next registrar_register()
 * registers the same AK again (the verifier no longer knows the node). */
int registrar_forget(const char *state_dir);
