/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RequestSecret(): a fresh attestation, then the secret fetched with the
 * TPM (tpm-secret.c) and returned to the caller. The fetch runs in the event
 * loop once the cycle is over: the TPM is free then, and a secret request
 * is rare (boot, unlock). The secret is never logged and is wiped from
 * every buffer that held it: the reply is marked sensitive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-daemon.h"
#include "log.h"
#include "push-protocol.h"
#include "secret-name.h"
#include "tpm-secret.h"

#define ERROR_NO_VERIFIER "org.hostattest.Agent1.Error.NoVerifier"
#define ERROR_NOT_REGISTERED "org.hostattest.Agent1.Error.NotRegistered"
#define ERROR_ATTESTATION "org.hostattest.Agent1.Error.AttestationFailed"
#define ERROR_REFUSED "org.hostattest.Agent1.Error.SecretRefused"

typedef struct SecretWaiter {
        sd_bus_message *m;
        char *name;
        uint64_t cycle;   /* the first cycle started after the call */
        bool registering; /* came before the registration: no cycle asked for yet */
} SecretWaiter;

typedef struct SecretFetch {
        const SecretRequest *request;
        SecretBuffer secret;
        char *refusal;
        bool opened;
} SecretFetch;

static int secret_fetch(AgentIdentity *id, void *userdata) {
        SecretFetch *f = userdata;

        f->opened = true;
        secret_buffer_done(&f->secret);
        f->refusal = mfree(f->refusal);
        return tpm_secret_fetch(id->tpm, id->ak.handle, f->request, &f->secret, &f->refusal);
}

static int reply_secret(Agent *a, sd_bus_message *m, const char *name) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_secret_buffer_ SecretBuffer secret = {};
        _cleanup_free_ char *refusal = NULL;
        SecretFetch f = {
                .request = &(SecretRequest) {
                        .verifier_url = a->verifier_url, .ca_file = a->config->ca_file,
                        .node_id = a->node_id, .name = name,
                },
        };
        int r;

        r = agent_identity_run(a->config, false, secret_fetch, &f);
        secret = f.secret;
        refusal = f.refusal;
        if (r < 0 && !f.opened)
                return sd_bus_reply_method_errnof(m, r, "The TPM identity is not available: %m");
        if (r == -EACCES) {
                log_notice("The verifier refused the secret %s: %s", name, refusal ?: "no reason");
                return sd_bus_reply_method_errorf(m, ERROR_REFUSED, "The verifier refused the secret %s: %s",
                                                  name, refusal ?: "no reason");
        }
        if (r < 0) {
                log_warning_errno(r, "Fetching the secret %s failed: %m", name);
                return sd_bus_reply_method_errnof(m, r, "Fetching the secret %s failed: %m", name);
        }

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_sensitive(reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', secret.data, secret.size);
        if (r < 0)
                return sd_bus_reply_method_errnof(m, r, "Failed to build the reply: %m");
        log_info("Released the secret %s to a local caller.", name);
        return sd_bus_send(NULL, reply, NULL);
}

static int reply_not_attesting(Agent *a, sd_bus_message *m, PushEvaluation e) {
        _cleanup_free_ char *reasons = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&reasons, &size);

        if (!f)
                return -ENOMEM;
        for (char **p = a->failure_reasons; p && *p; p++)
                fprintf(f, "%s%s", p == a->failure_reasons ? ": " : ", ", *p);
        if (fclose(f) != 0)
                return -ENOMEM;
        return sd_bus_reply_method_errorf(m, ERROR_ATTESTATION, "The host does not attest (%s%s).",
                                          push_evaluation_to_string(e), reasons);
}

/* After a cycle: a failed attestation refuses with its reasons; a pass (or
 * a node the verifier just ended, which may fetch for a while) fetches.
 * Callers that came while the cycle ran, and all of them when the verifier
 * asked to wait, wait for the next cycle: the secret follows a fresh
 * attestation, not an earlier one. */
void agent_secret_cycle_done(Agent *a, uint64_t cycle, bool final, int result, const PushOutcome *o) {
        size_t kept = 0;

        if (result == -EAGAIN && !final)
                return;
        for (size_t i = 0; i < a->n_secret_waiters; i++) {
                SecretWaiter *w = &a->secret_waiters[i];
                int r;

                if (w->registering || (!final && w->cycle > cycle)) {
                        a->secret_waiters[kept++] = *w;
                        continue;
                }
                if (o->terminated || (result >= 0 && o->have_verdict && o->evaluation == PUSH_EVALUATION_PASS))
                        r = reply_secret(a, w->m, w->name);
                else if (result >= 0 && o->have_verdict)
                        r = reply_not_attesting(a, w->m, o->evaluation);
                else
                        r = sd_bus_reply_method_errorf(w->m, ERROR_ATTESTATION, "%s",
                                                       o->error ?: "The attestation did not complete.");
                if (r < 0)
                        log_debug_errno(r, "Failed to answer RequestSecret(): %m");
                sd_bus_message_unref(w->m);
                free(w->name);
        }
        a->n_secret_waiters = kept;
        if (kept == 0)
                a->secret_waiters = mfree(a->secret_waiters);
}

void agent_secret_waiters_drop(Agent *a) {
        for (size_t i = 0; i < a->n_secret_waiters; i++) {
                sd_bus_message_unref(a->secret_waiters[i].m);
                free(a->secret_waiters[i].name);
        }
        a->secret_waiters = mfree(a->secret_waiters);
        a->n_secret_waiters = 0;
}

/* registering: park the call until the registration ends, else ask for a cycle now. */
static int queue_waiter(Agent *a, sd_bus_message *m, const char *name, bool registering) {
        SecretWaiter *w;
        uint64_t cycle = 0;
        char *n;
        int r;

        if (a->n_secret_waiters >= AGENT_SECRET_WAITERS_MAX)
                return -ENOBUFS;   /* LimitsExceeded on the bus */
        w = reallocarray(a->secret_waiters, a->n_secret_waiters + 1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        a->secret_waiters = w;
        n = strdup(name);
        if (!n)
                return -ENOMEM;
        if (!registering) {
                r = agent_push_request(a, &cycle);
                if (r < 0) {
                        free(n);
                        return r;
                }
        }
        a->secret_waiters[a->n_secret_waiters++] = (SecretWaiter) {
                .m = sd_bus_message_ref(m), .name = n, .cycle = cycle, .registering = registering,
        };
        return 0;
}

static void waiter_refuse(SecretWaiter *w, const char *error, const char *message) {
        int r = sd_bus_reply_method_errorf(w->m, error, "%s", message);
        if (r < 0)
                log_debug_errno(r, "Failed to answer RequestSecret(): %m");
        sd_bus_message_unref(w->m);
        free(w->name);
}

/* The registration ended: the calls that waited for it now wait for a cycle
 * (result ≥ 0 and a verifier to push to), or are refused with the reason. */
void agent_secret_registration_done(Agent *a, int result) {
        _cleanup_free_ char *why = NULL;
        size_t kept = 0;
        uint64_t cycle = 0;
        bool any = false;
        int r = result;

        for (size_t i = 0; i < a->n_secret_waiters; i++)
                any = any || a->secret_waiters[i].registering;
        if (!any)
                return;
        if (r >= 0 && a->verifier_url && a->state == AGENT_STATE_REGISTERED)
                r = agent_push_request(a, &cycle);
        else if (r >= 0)
                r = -ENXIO;
        for (size_t i = 0; i < a->n_secret_waiters; i++) {
                SecretWaiter *w = &a->secret_waiters[i];

                if (!w->registering) {
                        a->secret_waiters[kept++] = *w;
                        continue;
                }
                if (r >= 0) {
                        w->registering = false;
                        w->cycle = cycle;
                        a->secret_waiters[kept++] = *w;
                } else if (r == -ENXIO)
                        waiter_refuse(w, ERROR_NO_VERIFIER,
                                      "Registered, but no verifier is configured: no secret to fetch.");
                else if (r == -ENOTRECOVERABLE)
                        waiter_refuse(w, ERROR_NOT_REGISTERED, "The agent failed: see its journal.");
                else {
                        if (!why && asprintf(&why, "The registration failed: %s.", strerror(-r)) < 0)
                                why = NULL;
                        waiter_refuse(w, ERROR_NOT_REGISTERED, why ?: "The registration failed.");
                }
        }
        a->n_secret_waiters = kept;
        if (kept == 0)
                a->secret_waiters = mfree(a->secret_waiters);
}

int method_request_secret(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Agent *a = userdata;
        const char *name;
        int r;

        r = agent_bus_check_root(m, error);
        if (r != 0)
                return r;
        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (!secret_name_is_valid(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Invalid secret name.");
        if (!a->node_id)
                return sd_bus_error_set(error, ERROR_NO_VERIFIER, "No verifier is configured: no secret to fetch.");
        if (a->config->registrar_url &&
            (a->state == AGENT_STATE_STARTING || a->state == AGENT_STATE_UNREGISTERED)) {
                /* Still registering (or retrying): the call waits for it, as
                 * long as its caller does; the registrar may name the verifier. */
                r = queue_waiter(a, m, name, true);
                if (r < 0)
                        return sd_bus_error_set_errnof(error, r, "Failed to wait for the registration: %m");
                log_debug("RequestSecret(%s) waits for the registration.", name);
                return 1;
        }
        if (!a->verifier_url)
                return sd_bus_error_set(error, ERROR_NO_VERIFIER, "No verifier is configured: no secret to fetch.");
        if (a->state == AGENT_STATE_TERMINATED) {
                /* Attested for the last time (attest_count): the verifier still
                 * releases secrets within its window after that pass. */
                (void) reply_secret(a, m, name);
                return 1;
        }
        if (a->state != AGENT_STATE_REGISTERED && a->config->registrar_url)
                return sd_bus_error_setf(error, ERROR_NOT_REGISTERED, "The node is %s, not registered yet.",
                                         agent_state_to_string(a->state));
        r = queue_waiter(a, m, name, false);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to start an attestation: %m");
        return 1;   /* answered when the cycle ends */
}
