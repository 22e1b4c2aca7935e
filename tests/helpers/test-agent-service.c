/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A stand-in for attest-agent on a private bus, for testing the programs
 * that consume org.hostattest.Agent1 (PAM module, LUKS2 token). It serves
 * the same properties and RequestSecret with values from the command line:
 *   --verdict V  --age SECONDS|never  --reason R (repeatable)
 *   --secret NAME=VALUE  --refuse MESSAGE  --hang  --ready-file PATH */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "macro.h"

#define MAX_REASONS 8

static const char *arg_verdict = "PASS";
static uint64_t arg_last_attestation;
static const char *arg_reasons[MAX_REASONS + 1];
static const char *arg_secret;
static const char *arg_refuse;
static const char *arg_ready_file;
static int arg_hang;

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static int get_property(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        if (strcmp(property, "Verdict") == 0)
                return sd_bus_message_append(reply, "s", arg_verdict);
        if (strcmp(property, "LastAttestation") == 0)
                return sd_bus_message_append(reply, "t", arg_last_attestation);
        if (strcmp(property, "FailureReasons") == 0)
                return sd_bus_message_append_strv(reply, (char **) arg_reasons);
        if (strcmp(property, "NodeId") == 0)
                return sd_bus_message_append(reply, "s", "test-node");
        return -ENOENT;
}

static int method_request_secret(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name, *eq;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        if (arg_refuse)
                return sd_bus_error_set(error, "org.hostattest.Agent1.Error.AttestationFailed", arg_refuse);
        eq = arg_secret ? strchr(arg_secret, '=') : NULL;
        if (!eq || strlen(name) != (size_t) (eq - arg_secret) || strncmp(name, arg_secret, eq - arg_secret) != 0)
                return sd_bus_error_setf(error, "org.hostattest.Agent1.Error.NoSuchSecret",
                                         "No secret named %s.", name);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', eq + 1, strlen(eq + 1));
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static const sd_bus_vtable agent_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("NodeId", "s", get_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Verdict", "s", get_property, 0, 0),
        SD_BUS_PROPERTY("LastAttestation", "t", get_property, 0, 0),
        SD_BUS_PROPERTY("FailureReasons", "as", get_property, 0, 0),
        SD_BUS_METHOD_WITH_NAMES("RequestSecret", "s", SD_BUS_PARAM(name), "ay", SD_BUS_PARAM(secret),
                                 method_request_secret, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END
};

static int parse_args(int argc, char *argv[]) {
        static const struct option options[] = {
                { "verdict",    required_argument, NULL, 'v' },
                { "age",        required_argument, NULL, 'a' },
                { "reason",     required_argument, NULL, 'r' },
                { "secret",     required_argument, NULL, 's' },
                { "refuse",     required_argument, NULL, 'f' },
                { "ready-file", required_argument, NULL, 'R' },
                { "hang",       no_argument,       NULL, 'h' },
                {}
        };
        size_t n_reasons = 0;
        int c;

        arg_last_attestation = now_usec();
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'v': arg_verdict = optarg; break;
                case 'a':
                        arg_last_attestation = strcmp(optarg, "never") == 0 ? 0 :
                                now_usec() - strtoull(optarg, NULL, 10) * 1000000ULL;
                        break;
                case 'r':
                        if (n_reasons >= MAX_REASONS)
                                return -E2BIG;
                        arg_reasons[n_reasons++] = optarg;
                        break;
                case 's': arg_secret = optarg; break;
                case 'f': arg_refuse = optarg; break;
                case 'R': arg_ready_file = optarg; break;
                case 'h': arg_hang = 1; break;
                default: return -EINVAL;
                }
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (parse_args(argc, argv) < 0) {
                fprintf(stderr, "usage: test-agent-service [--verdict V] [--age S|never] ...\n");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/hostattest/Agent1",
                                             "org.hostattest.Agent1", agent_vtable, NULL);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.hostattest.Agent1", 0);
        if (r < 0) {
                fprintf(stderr, "test-agent-service: %s\n", strerror(-r));
                return 1;
        }
        if (arg_ready_file) {
                FILE *f = fopen(arg_ready_file, "we");
                if (f)
                        fclose(f);
        }
        for (;;) {
                if (arg_hang) {
                        pause();
                        continue;
                }
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}
