/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent service: learns its TPM identity, registers (retrying with
 * backoff while the registrar is away) and serves org.hostattest.Agent1. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "agent-daemon.h"
#include "hexdecode.h"
#include "log.h"
#include "registration-request.h"

/* Journal MESSAGE_ID of the agent's state transitions. */
#define MESSAGE_AGENT_STATE "d3dc6ef382d74efd93955fecf653c17f"


static const char *const agent_state_names[_AGENT_STATE_MAX] = {
        [AGENT_STATE_STARTING] = "starting",
        [AGENT_STATE_UNREGISTERED] = "unregistered",
        [AGENT_STATE_REGISTERED] = "registered",
        [AGENT_STATE_TERMINATED] = "terminated",
        [AGENT_STATE_FAILED] = "failed",
};

const char *agent_state_to_string(AgentState s) {
        if (s < 0 || s >= _AGENT_STATE_MAX)
                return "failed";
        return agent_state_names[s];
}

void agent_set_state(Agent *a, AgentState s) {
        if (a->state == s)
                return;
        log_struct(s == AGENT_STATE_FAILED ? LOG_ERR : LOG_INFO, MESSAGE_AGENT_STATE,
                   "State: %s → %s.", agent_state_to_string(a->state), agent_state_to_string(s));
        a->state = s;
        (void) sd_notifyf(false, "STATUS=%s", agent_state_to_string(s));
        agent_bus_properties_changed(a, "State", NULL);
        /* Nothing more to wait for: see the journal for why. */
        if (s == AGENT_STATE_FAILED)
                agent_secret_registration_done(a, -ENOTRECOVERABLE);
}

static void agent_done(Agent *a) {
        agent_registration_stop(a);
        agent_push_stop(a);
        a->retry_source = sd_event_source_disable_unref(a->retry_source);
        a->vtable_slot = sd_bus_slot_unref(a->vtable_slot);
        a->bus = sd_bus_flush_close_unref(a->bus);
        a->event = sd_event_unref(a->event);
        a->node_id = mfree(a->node_id);
        a->ak_name = mfree(a->ak_name);
        a->verdict = mfree(a->verdict);
        a->result = mfree(a->result);
        a->verifier_url = mfree(a->verifier_url);
        a->registrar_url = mfree(a->registrar_url);
        for (char **p = a->failure_reasons; p && *p; p++)
                free(*p);
        a->failure_reasons = mfree(a->failure_reasons);
}

/* Learns the AK's name; the EK and AK stay loaded for the cycles to come. */
static int agent_identity_check(Agent *a) {
        _cleanup_agent_identity_ AgentIdentity id = {};
        int r;

        r = agent_identity_open_devid(a->config, &id);
        if (r < 0)
                return r;
        a->ak_name = hex_encode(id.ak.name.name, id.ak.name.size);
        return a->ak_name ? 0 : log_oom();
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Agent *a = userdata;

        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(a->event, 0);
}

int verb_run(int argc, char *argv[]) {
        _cleanup_(agent_done) Agent a = { .config = &arg_config, .state = AGENT_STATE_STARTING };
        sigset_t mask;
        int r;

        if (argc > 1) {
                log_error("Usage: attest-agent [OPTIONS] run");
                return EXIT_USAGE;
        }
        if (agent_id_get(&arg_config, &a.node_id) < 0)
                return EXIT_USAGE;
        if (!agent_id_is_valid(a.node_id)) {
                log_error("Invalid agent id '%s'.", a.node_id);
                return EXIT_USAGE;
        }
        a.verdict = strdup(AGENT_VERDICT_UNKNOWN);
        if (!a.verdict || agent_url_pick(arg_config.verifier_url, 0, &a.verifier_url) < 0 ||
            agent_url_pick(arg_config.registrar_url, 0, &a.registrar_url) < 0)
                return log_oom(), EXIT_FAILED;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return EXIT_FAILED;

        r = sd_event_default(&a.event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), EXIT_FAILED;
        if (sd_event_add_signal(a.event, NULL, SIGTERM, on_signal, &a) < 0 ||
            sd_event_add_signal(a.event, NULL, SIGINT, on_signal, &a) < 0)
                return log_error("Failed to watch signals."), EXIT_FAILED;
        (void) sd_event_set_watchdog(a.event, true);

        /* The identity must work before the service says it is there. */
        if (agent_identity_check(&a) < 0)
                return EXIT_FAILED;
        if (agent_bus_setup(&a) < 0)
                return EXIT_FAILED;

        if (arg_config.registrar_url) {
                if (agent_registration_start(&a) < 0)
                        return EXIT_FAILED;
        } else {
                log_notice("No registrar configured: %s.",
                           a.verifier_url ? "pushing to the verifier with the identity registered before"
                                          : "serving the local state only");
                agent_set_state(&a, AGENT_STATE_UNREGISTERED);
                if (a.verifier_url && agent_push_start(&a) < 0)
                        return EXIT_FAILED;
        }

        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", agent_state_to_string(a.state));
        log_info("attest-agent %s serving %s as node %s.", PACKAGE_VERSION, AGENT_BUS_NAME, a.node_id);

        r = sd_event_loop(a.event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), EXIT_FAILED;
        return EXIT_OK;
}
