/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parse + replay + evaluate of one event log against the reference state made
 * from it, per log, beside the time tpm2_eventlog takes to read the same log.
 * Usage: eventlog [LOG] [ITERATIONS] */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attest-limits.h"
#include "boot-policy-json.h"
#include "fileio.h"
#include "parse-util.h"
#include "tcg-replay.h"

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static BootPolicy *policy_for(const uint8_t *data, size_t size) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        BootPolicy *p = NULL;
        json_object *o;
        const char *text;
        BootState s;

        if (tcg_eventlog_parse(data, size, &log) < 0 ||
            boot_state_extract(log, boot_state_default_alg(log), &s) < 0)
                return NULL;
        if (boot_state_to_policy_json(&s, &o) >= 0) {
                text = json_object_to_json_string(o);
                (void) boot_policy_parse(text, strlen(text), &p, NULL);
                json_object_put(o);
        }
        boot_state_done(&s);
        return p;
}

static int one_run(const uint8_t *data, size_t size, const BootPolicy *policy) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        BootFailures f = {};
        PcrValues v;
        int r;

        r = tcg_eventlog_parse(data, size, &log);
        if (r >= 0)
                r = tcg_eventlog_replay(log, &v);
        if (r >= 0)
                r = boot_policy_evaluate(policy, log, &f);
        boot_failures_done(&f);
        return r;
}

/* Seconds per run of tpm2_eventlog LOG, output discarded; < 0 when it cannot run. */
static double time_tpm2_eventlog(const char *path, unsigned n) {
        double t0 = now();

        for (unsigned i = 0; i < n; i++) {
                int status;
                pid_t pid = fork();
                if (pid < 0)
                        return -1;
                if (pid == 0) {
                        int fd = open("/dev/null", O_WRONLY);
                        if (fd >= 0) {
                                dup2(fd, STDOUT_FILENO);
                                dup2(fd, STDERR_FILENO);
                        }
                        execlp("tpm2_eventlog", "tpm2_eventlog", path, (char *) NULL);
                        _exit(127);
                }
                if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        return -1;
        }
        return (now() - t0) / n;
}

int main(int argc, char *argv[]) {
        const char *path = argc > 1 ? argv[1] : BENCH_DEFAULT_LOG;
        uint32_t iterations = 2000;
        _cleanup_(boot_policy_freep) BootPolicy *policy = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        double t0, ours, theirs;
        size_t size;
        int r;

        if (argc > 2 && (safe_atou32(argv[2], &iterations) < 0 || iterations == 0)) {
                fprintf(stderr, "Bad iteration count: %s\n", argv[2]);
                return EXIT_FAILURE;
        }
        r = read_full_file(path, TCG_EVENTLOG_SIZE_MAX, &data, &size);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return EXIT_FAILURE;
        }
        policy = policy_for(data, size);
        if (!policy || iterations == 0) {
                fprintf(stderr, "%s: no reference state can be made from this log\n", path);
                return EXIT_FAILURE;
        }
        if (one_run(data, size, policy) != 0) {
                fprintf(stderr, "%s: the log does not pass its own reference state\n", path);
                return EXIT_FAILURE;
        }

        t0 = now();
        for (unsigned i = 0; i < iterations; i++)
                if (one_run(data, size, policy) != 0)
                        return EXIT_FAILURE;
        ours = (now() - t0) / iterations;

        printf("log: %s (%zu bytes)\n", path, size);
        printf("parse+replay+evaluate: %.1f us per log (%u runs)\n", ours * 1e6, iterations);
        theirs = time_tpm2_eventlog(path, 20);
        if (theirs < 0) {
                printf("tpm2_eventlog: not available or failed on this log; no ratio\n");
                return EXIT_SUCCESS;
        }
        printf("tpm2_eventlog: %.2f ms per log (20 runs)\n", theirs * 1e3);
        printf("ratio: %.0fx faster than tpm2_eventlog\n", theirs / ours);
        return EXIT_SUCCESS;
}
