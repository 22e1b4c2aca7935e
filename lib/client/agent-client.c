/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent-client.h"

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}

void agent_status_done(AgentStatus *s) {
        if (!s)
                return;
        s->verdict = mfree(s->verdict);
        strv_free(s->failure_reasons);
        s->failure_reasons = NULL;
        s->last_attestation = 0;
}

int agent_client_open(const char *description, uint64_t timeout_usec, sd_bus **ret) {
        sd_bus *bus = NULL;
        int r;

        assert_return(description, -EINVAL);
        assert_return(timeout_usec > 0, -EINVAL);
        assert_return(ret, -EINVAL);

        /* Private: never the process's shared default connection, which may
         * belong to the program that loaded us. */
        r = sd_bus_open_system_with_description(&bus, description);
        if (r < 0)
                return r;
        r = sd_bus_set_method_call_timeout(bus, timeout_usec);
        if (r < 0) {
                sd_bus_flush_close_unref(bus);
                return r;
        }
        *ret = bus;
        return 0;
}

/* Failures that mean "nobody answered" rather than "the answer was no". */
static bool is_unreachable(int r, const sd_bus_error *e) {
        if (sd_bus_error_is_set(e))
                return sd_bus_error_has_names(e,
                                SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT,
                                SD_BUS_ERROR_NO_SERVER, SD_BUS_ERROR_DISCONNECTED,
                                SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_INTERFACE);
        switch (-r) {
        case ENOENT: case ECONNREFUSED: case ECONNRESET: case ETIMEDOUT: case ENOTCONN:
        case EPIPE: case EHOSTUNREACH: case ENXIO: case ESHUTDOWN:
                return true;
        default:
                return false;
        }
}

static int read_reasons(sd_bus_message *m, char ***ret) {
        char **l = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_read_strv(m, &l);
        if (r < 0)
                return r;
        for (char **p = l; p && *p; p++, n++)
                if (n >= AGENT_CLIENT_REASONS_MAX || strlen(*p) > AGENT_CLIENT_REASON_MAX) {
                        strv_free(l);
                        return -EBADMSG;
                }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = l;
        return 0;
}

/* One "{sv}" entry of GetAll; keeps the properties we know, skips the rest. */
static int read_property(sd_bus_message *m, AgentStatus *s) {
        const char *key, *str;
        int r;

        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
                return r;
        if (strcmp(key, "Verdict") == 0) {
                r = sd_bus_message_read(m, "v", "s", &str);
                if (r < 0)
                        return r;
                if (strlen(str) > AGENT_CLIENT_VERDICT_MAX)
                        return -EBADMSG;
                free(s->verdict);
                s->verdict = strdup(str);
                return s->verdict ? 0 : -ENOMEM;
        }
        if (strcmp(key, "LastAttestation") == 0)
                return sd_bus_message_read(m, "v", "t", &s->last_attestation);
        if (strcmp(key, "FailureReasons") == 0) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                strv_free(s->failure_reasons);
                s->failure_reasons = NULL;
                r = read_reasons(m, &s->failure_reasons);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        return sd_bus_message_skip(m, "v");
}

static int parse_properties(sd_bus_message *m, AgentStatus *s) {
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = read_property(m, s);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        /* A status without a verdict is not a status. */
        return s->verdict ? 0 : -EBADMSG;
}

int agent_client_get_status(sd_bus *bus, AgentStatus *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(agent_status_done) AgentStatus s = {};
        int r;

        assert_return(bus, -EINVAL);
        assert_return(ret, -EINVAL);

        r = sd_bus_call_method(bus, AGENT_BUS_NAME, AGENT_BUS_PATH,
                               "org.freedesktop.DBus.Properties", "GetAll",
                               &error, &reply, "s", AGENT_BUS_INTERFACE);
        if (r < 0)
                return is_unreachable(r, &error) ? -EHOSTDOWN : r;
        r = parse_properties(reply, &s);
        if (r < 0)
                return r;
        *ret = s;
        s = (AgentStatus) {};
        return 0;
}

static int copy_error_message(const sd_bus_error *e, char **ret) {
        if (!ret)
                return 0;
        *ret = strdup(e->message ?: e->name ?: "refused");
        return *ret ? 0 : -ENOMEM;
}

int agent_client_request_secret(sd_bus *bus, const char *name, SecretBuffer *ret,
                                char **ret_error_message) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const void *p;
        size_t n;
        uint8_t *copy;
        int r;

        assert_return(bus, -EINVAL);
        assert_return(name && *name, -EINVAL);
        assert_return(ret, -EINVAL);

        r = sd_bus_call_method(bus, AGENT_BUS_NAME, AGENT_BUS_PATH, AGENT_BUS_INTERFACE,
                               "RequestSecret", &error, &reply, "s", name);
        if (r < 0) {
                if (is_unreachable(r, &error))
                        return -EHOSTDOWN;
                if (!sd_bus_error_is_set(&error))
                        return r;
                r = copy_error_message(&error, ret_error_message);
                return r < 0 ? r : -EACCES;
        }
        /* The reply holds the secret: have sd-bus wipe it when freed. */
        r = sd_bus_message_sensitive(reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', &p, &n);
        if (r < 0)
                return r;
        if (n == 0 || n > AGENT_CLIENT_SECRET_MAX)
                return -EBADMSG;
        copy = malloc(n);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, p, n);
        *ret = (SecretBuffer) { .data = copy, .size = n };
        return 0;
}

int agent_verdict_allowed(const char *verdict, const char *allow) {
        size_t vlen;

        assert_return(verdict, -EINVAL);
        assert_return(allow, -EINVAL);

        vlen = strlen(verdict);
        for (const char *p = allow; *p; ) {
                size_t n = strcspn(p, ",");
                if (n > 0 && n == vlen && strncasecmp(p, verdict, n) == 0)
                        return 1;
                p += n;
                if (*p == ',')
                        p++;
        }
        return 0;
}
