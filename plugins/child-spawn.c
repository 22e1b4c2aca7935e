/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "child-spawn.h"

extern char **environ;

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* Sockets rather than pipes: send(MSG_NOSIGNAL) to a child that died must
 * not raise SIGPIPE in the host process. */
static int start(char *const argv[], int *ret_in, int *ret_out, pid_t *ret_pid) {
        int in[2] = { -1, -1 }, out[2] = { -1, -1 };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, all;
        pid_t pid;
        int r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
                return -errno;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0) {
                r = -errno;
                goto close_in;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[1], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
        /* Its own process group, so that a timeout kills what it started too;
         * no signal blocked or ignored as it may be in the host. */
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        r = -posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        close(in[1]);
        close(out[1]);
        if (r < 0) {
                close(out[0]);
                close(in[0]);
                return r;
        }
        (void) shutdown(out[0], SHUT_WR);
        (void) fcntl(in[0], F_SETFL, O_NONBLOCK);
        *ret_in = in[0];
        *ret_out = out[0];
        *ret_pid = pid;
        return 0;
close_in:
        close(in[0]);
        close(in[1]);
        return r;
}

static int append(SpawnResult *res, int fd, size_t max) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        char *p;

        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -errno;
        if (n == 0)
                return 0;
        if (res->output_size + (size_t) n > max)
                return -EFBIG;
        p = realloc(res->output, res->output_size + (size_t) n + 1);
        if (!p)
                return -ENOMEM;
        memcpy(p + res->output_size, buf, (size_t) n);
        res->output = p;
        res->output_size += (size_t) n;
        p[res->output_size] = 0;
        return 1;
}

/* Feeds input and drains output until the child closes stdout, the deadline passes or output overflows. */
static int pump(int in, int out, const uint8_t *input, size_t input_size, uint64_t deadline, size_t max,
                SpawnResult *res) {
        size_t written = 0;

        if (input_size == 0)
                in = safe_close(in);
        for (;;) {
                struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = in, .events = POLLOUT } };
                uint64_t now = now_ms();
                int k;

                if (now >= deadline)
                        return -ETIME;
                k = poll(p, in >= 0 ? 2 : 1, (int) MIN(deadline - now, (uint64_t) INT32_MAX));
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k <= 0)
                        continue;
                if (in >= 0 && p[1].revents) {
                        ssize_t n = send(in, input + written, input_size - written, MSG_NOSIGNAL | MSG_DONTWAIT);

                        if (n > 0)
                                written += (size_t) n;
                        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == input_size)
                                in = safe_close(in);  /* done, or the child stopped reading */
                }
                if (p[0].revents) {
                        k = append(res, out, max);
                        if (k <= 0) {
                                safe_close(in);
                                return k;
                        }
                }
        }
}

/* Reaps the child, killing it at the deadline: it may close stdout and keep running. */
static int reap(pid_t pid, uint64_t deadline, bool *ret_killed, int *ret_status) {
        bool killed = false;

        for (;;) {
                pid_t k = waitpid(pid, ret_status, WNOHANG);

                if (k == pid)
                        break;
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (!killed && now_ms() >= deadline) {
                        (void) kill(-pid, SIGKILL);
                        killed = true;
                }
                if (k == 0)
                        (void) usleep(killed ? 1000 : 5000);
        }
        *ret_killed = killed;
        return 0;
}

int spawn_run(char *const argv[], const void *input, size_t input_size, uint64_t timeout_ms,
              size_t output_max, SpawnResult *ret) {
        SpawnResult res = {};
        int in = -1, out = -1, status = 0, r, k;
        uint64_t deadline;
        bool killed = false;
        pid_t pid = 0;

        if (!argv || !argv[0] || argv[0][0] != '/' || !ret)
                return -EINVAL;
        r = start(argv, &in, &out, &pid);
        if (r < 0)
                return r;
        deadline = now_ms() + timeout_ms;
        r = pump(in, out, input, input_size, deadline, output_max, &res);
        close(out);
        if (r < 0)
                (void) kill(-pid, SIGKILL);     /* the group: the child has not been reaped yet */
        k = reap(pid, deadline, &killed, &status);
        if (k < 0) {
                spawn_result_done(&res);
                return k;
        }
        if (r == -ETIME || (r == 0 && killed))
                res.outcome = SPAWN_TIMEOUT;
        else if (r == -EFBIG)
                res.outcome = SPAWN_OUTPUT_TOO_LARGE;
        else if (r < 0) {
                spawn_result_done(&res);
                return r;
        } else if (WIFSIGNALED(status)) {
                res.outcome = SPAWN_SIGNALED;
                res.signal = WTERMSIG(status);
        } else {
                res.outcome = SPAWN_EXITED;
                res.exit_code = WEXITSTATUS(status);
        }
        *ret = res;
        return 0;
}

void spawn_result_done(SpawnResult *r) {
        free(r->output);
        *r = (SpawnResult) {};
}

const char *spawn_result_describe(const SpawnResult *r, char *buf, size_t size) {
        switch (r->outcome) {
        case SPAWN_EXITED:
                (void) snprintf(buf, size, "exited with status %d", r->exit_code);
                break;
        case SPAWN_SIGNALED:
                (void) snprintf(buf, size, "killed by signal %s", sigabbrev_np(r->signal) ?: "?");
                break;
        case SPAWN_TIMEOUT:
                (void) snprintf(buf, size, "did not finish in time");
                break;
        case SPAWN_OUTPUT_TOO_LARGE:
                (void) snprintf(buf, size, "wrote too much output");
                break;
        }
        return buf;
}
