/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.hostattest.Agent1: the host's attestation state for local programs.
 * Reading is for everyone; methods that make the agent act are for root,
 * checked here on the caller's credentials whatever the bus policy says. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "agent-daemon.h"
#include "log.h"

#define ERROR_NO_VERIFIER "org.hostattest.Agent1.Error.NoVerifier"
#define ERROR_TERMINATED "org.hostattest.Agent1.Error.Terminated"
#define ERROR_NOT_REGISTERED "org.hostattest.Agent1.Error.NotRegistered"

int agent_bus_check_root(sd_bus_message *m, sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        /* The UID the bus daemon took from the socket when the caller connected:
         * never augmented from /proc, which the caller could race (exec a setuid
         * program after sending). */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Only root may call %s.", sd_bus_message_get_member(m));
        return 0;
}

static const char *empty_if_null(const char *s) {
        return s ?: "";
}

static int property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Agent *a = userdata;

        if (strcmp(property, "NodeId") == 0)
                return sd_bus_message_append(reply, "s", empty_if_null(a->node_id));
        if (strcmp(property, "State") == 0)
                return sd_bus_message_append(reply, "s", agent_state_to_string(a->state));
        if (strcmp(property, "Verdict") == 0)
                return sd_bus_message_append(reply, "s", a->verdict ?: AGENT_VERDICT_UNKNOWN);
        if (strcmp(property, "LastAttestation") == 0)
                return sd_bus_message_append(reply, "t", a->last_attestation_usec);
        if (strcmp(property, "VerifierURL") == 0)
                return sd_bus_message_append(reply, "s", empty_if_null(a->verifier_url));
        if (strcmp(property, "FailureReasons") == 0)
                return sd_bus_message_append_strv(reply, a->failure_reasons);
        if (strcmp(property, "Result") == 0)
                return sd_bus_message_append(reply, "s", empty_if_null(a->result));
        return -ENOENT;
}

static int append_entry(sd_bus_message *reply, const char *key, const char *type, ...) {
        va_list ap;
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'v', type);
        if (r < 0)
                return r;
        va_start(ap, type);
        r = sd_bus_message_appendv(reply, type, ap);
        va_end(ap);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int method_get_status(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Agent *a = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        if ((r = append_entry(reply, "NodeId", "s", empty_if_null(a->node_id))) < 0 ||
            (r = append_entry(reply, "State", "s", agent_state_to_string(a->state))) < 0 ||
            (r = append_entry(reply, "Verdict", "s", a->verdict ?: AGENT_VERDICT_UNKNOWN)) < 0 ||
            (r = append_entry(reply, "LastAttestation", "t", a->last_attestation_usec)) < 0 ||
            (r = append_entry(reply, "VerifierURL", "s", empty_if_null(a->verifier_url))) < 0 ||
            (r = append_entry(reply, "AKName", "s", empty_if_null(a->ak_name))) < 0 ||
            (r = append_entry(reply, "Result", "s", empty_if_null(a->result))) < 0)
                return r;

        /* as inside a variant: appended by hand, the varargs form has no strv. */
        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "FailureReasons");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "as");
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, a->failure_reasons);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* 0 when the agent can attest now, else the reason in error. */
static int check_can_attest(Agent *a, sd_bus_error *error) {
        if (!a->verifier_url)
                return sd_bus_error_set(error, ERROR_NO_VERIFIER,
                                        "No verifier is configured: there is no verdict to report.");
        if (a->state == AGENT_STATE_TERMINATED)
                return sd_bus_error_set(error, ERROR_TERMINATED, "The verifier ended attestation of this node.");
        if (a->state != AGENT_STATE_REGISTERED && a->config->registrar_url)
                return sd_bus_error_setf(error, ERROR_NOT_REGISTERED, "The node is %s, not registered yet.",
                                         agent_state_to_string(a->state));
        return 0;
}

static int method_attest_now(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Agent *a = userdata;
        int r;

        r = agent_bus_check_root(m, error);
        if (r == 0)
                r = check_can_attest(a, error);
        if (r != 0)
                return r;
        r = agent_attest_now(a, m);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to start an attestation: %m");
        return 1;   /* answered when the cycle ends */
}

/* A signed result fresher than the call: root makes the agent attest now, anyone
 * else waits for the next scheduled attestation (no one else may drive the TPM). */
static int method_get_result(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        sd_bus_error denied = SD_BUS_ERROR_NULL;
        Agent *a = userdata;
        bool root;
        int r;

        r = check_can_attest(a, error);
        if (r != 0)
                return r;
        r = agent_bus_check_root(m, &denied);
        root = r == 0;
        if (r < 0 && !sd_bus_error_has_name(&denied, SD_BUS_ERROR_ACCESS_DENIED)) {
                sd_bus_error_free(&denied);
                return r;
        }
        sd_bus_error_free(&denied);
        r = agent_result_wait(a, m, root);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to wait for an attestation: %m");
        return 1;   /* answered when the cycle ends */
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("NodeId", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Verdict", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastAttestation", "t", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FailureReasons", "as", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("VerifierURL", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Result", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_NAMES("GetStatus", "", , "a{sv}", SD_BUS_PARAM(status),
                                 method_get_status, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("AttestNow", "", , "s", SD_BUS_PARAM(verdict),
                                 method_attest_now, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("GetResult", "", , "s", SD_BUS_PARAM(result),
                                 method_get_result, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_NAMES("RequestSecret", "s", SD_BUS_PARAM(name), "ay", SD_BUS_PARAM(secret),
                                 method_request_secret, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
        SD_BUS_SIGNAL_WITH_NAMES("VerdictChanged", "sast",
                                 SD_BUS_PARAM(verdict) SD_BUS_PARAM(failure_reasons) SD_BUS_PARAM(timestamp), 0),
        SD_BUS_VTABLE_END
};

int agent_bus_setup(Agent *a) {
        int r;

        r = sd_bus_open_system(&a->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_add_object_vtable(a->bus, &a->vtable_slot, AGENT_BUS_PATH, AGENT_BUS_INTERFACE,
                                     agent_vtable, a);
        if (r < 0)
                return log_error_errno(r, "Failed to add the D-Bus object: %m");
        r = sd_bus_attach_event(a->bus, a->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        r = sd_bus_request_name(a->bus, AGENT_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", AGENT_BUS_NAME);
        return 0;
}

void agent_bus_properties_changed(Agent *a, const char *property, ...) {
        const char *names[8];
        size_t n = 0;
        va_list ap;
        int r;

        if (!a->bus)
                return;
        va_start(ap, property);
        for (const char *p = property; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = p;
        va_end(ap);
        names[n] = NULL;

        r = sd_bus_emit_properties_changed_strv(a->bus, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, (char **) names);
        if (r < 0)
                log_warning_errno(r, "Failed to emit PropertiesChanged: %m");
}

void agent_bus_verdict_changed(Agent *a) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!a->bus)
                return;
        r = sd_bus_message_new_signal(a->bus, &m, AGENT_BUS_PATH, AGENT_BUS_INTERFACE, "VerdictChanged");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", a->verdict ?: AGENT_VERDICT_UNKNOWN);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, a->failure_reasons);
        if (r >= 0)
                r = sd_bus_message_append(m, "t", a->last_attestation_usec);
        if (r >= 0)
                r = sd_bus_send(a->bus, m, NULL);
        if (r < 0)
                log_warning_errno(r, "Failed to emit VerdictChanged: %m");
        agent_bus_properties_changed(a, "Verdict", "FailureReasons", "LastAttestation", NULL);
}
