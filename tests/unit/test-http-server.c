/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>

#include "http-server.h"

/* Deferred requests run again (http_deferred_rerun()) with what they kept
 * (http_request_keep()). The clients are plain sockets of the test thread: a
 * request fits the socket buffers, so the loop runs until the server is done
 * and the answers are read afterwards. */

typedef struct Kept {
        unsigned id;
} Kept;

typedef struct Waiting {
        HttpDeferred *deferred;
        Kept *kept;
        unsigned runs;
} Waiting;

typedef struct Fixture {
        sd_event *event;
        HttpServer *server;
        uint16_t port;
} Fixture;

static unsigned n_kept, n_freed;        /* kept objects made and freed */
static Waiting to_rerun[8], to_complete[8];
static unsigned n_rerun, n_complete;
static const Waiting *rerunning;
static unsigned batch;                   /* the reruns wait until this many requests are deferred */
static sd_event_source *rerun_source;

static void kept_free(void *p) {
        n_freed++;
        free(p);
}

static Kept *keep(const HttpRequest *req) {
        Kept *k = malloc(sizeof *k);

        assert_non_null(k);
        *k = (Kept) { .id = ++n_kept };
        http_request_keep(req, k, kept_free);
        assert_ptr_equal(http_request_kept(req), k);
        return k;
}

/* /answer answers when run again; /again defers once more, with new state, and is
 * completed by the test. */
static void handler(const HttpRequest *req, HttpResponse *resp, void *userdata) {
        unsigned freed = n_freed;
        char *body;

        assert_string_equal(req->method, "POST");
        /* The body stays with the request across its runs. */
        assert_int_equal(req->body_size, 5);
        assert_memory_equal(req->body, "hello", 6);

        if (req->runs == 0) {
                assert_null(http_request_kept(req));
                assert_true(n_rerun < ELEMENTSOF(to_rerun));
                to_rerun[n_rerun++] = (Waiting) { http_request_defer(req), keep(req), req->runs };
                if (n_rerun >= batch)
                        assert_int_equal(sd_event_source_set_enabled(rerun_source, SD_EVENT_ONESHOT), 0);
                /* What a deferring handler answered is dropped. */
                assert_int_equal(http_response_set(resp, 500, strdup("dropped")), 0);
                return;
        }

        assert_int_equal(req->runs, 1);
        assert_non_null(rerunning);
        assert_ptr_equal(http_request_kept(req), rerunning->kept);
        if (strcmp(req->path, "/again") == 0) {
                assert_true(n_complete < ELEMENTSOF(to_complete));
                to_complete[n_complete++] = (Waiting) { http_request_defer(req), keep(req), req->runs };
                /* The replaced state goes at once, its successor with the request. */
                assert_int_equal(n_freed, freed + 1);
                return;
        }
        assert_string_equal(req->path, "/answer");
        assert_true(asprintf(&body, "%s runs=%u", req->path, req->runs) > 0);
        assert_int_equal(http_response_set(resp, 200, body), 0);
}

/* At idle priority, as the server's users do: what was ready has been read. */
static int on_rerun(sd_event_source *s, void *userdata) {
        Waiting w[ELEMENTSOF(to_rerun)];
        unsigned n = n_rerun;

        /* Taken out first: a rerun may defer again. */
        memcpy(w, to_rerun, n * sizeof w[0]);
        n_rerun = 0;
        for (unsigned i = 0; i < n; i++) {
                rerunning = &w[i];
                http_deferred_rerun(w[i].deferred);
                /* Until the answer is out the kept state stays. */
                assert_true(n_freed < n_kept);
        }
        rerunning = NULL;
        return 0;
}

static void run_until(sd_event *e, const unsigned *counter, unsigned want) {
        for (unsigned i = 0; *counter < want && i < 500; i++)
                assert_true(sd_event_run(e, 20000) >= 0);
        assert_int_equal(*counter, want);
}

static int client_send(const Fixture *f, const char *path) {
        struct sockaddr_in sa = {
                .sin_family = AF_INET,
                .sin_port = htons(f->port),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
        };
        struct timeval tv = { .tv_sec = 10 };   /* no hang when the answer is missing */
        char req[256];
        int fd, n;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
        assert_int_equal(connect(fd, (const struct sockaddr *) &sa, sizeof sa), 0);
        n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                     "Connection: close\r\n\r\nhello", path);
        assert_int_equal(write(fd, req, n), n);
        return fd;
}

/* Reads the answer up to the end of its body, and closes fd. */
static void client_expect(int fd, unsigned status, const char *body) {
        char buf[2048], *end, *cl;
        size_t n = 0, length;
        unsigned long got;
        ssize_t k;

        buf[0] = 0;
        for (;;) {
                end = strstr(buf, "\r\n\r\n");
                cl = strcasestr(buf, "\r\nContent-Length:");
                if (end && cl && cl < end) {
                        length = strtoul(cl + STRLEN("\r\nContent-Length:"), NULL, 10);
                        if (n >= (size_t) (end + 4 - buf) + length)
                                break;
                }
                assert_true(n < sizeof buf - 1);
                k = read(fd, buf + n, sizeof buf - 1 - n);
                assert_true(k > 0);
                n += k;
                buf[n] = 0;
        }
        assert_true(strncmp(buf, "HTTP/1.1 ", STRLEN("HTTP/1.1 ")) == 0);
        got = strtoul(buf + STRLEN("HTTP/1.1 "), NULL, 10);
        assert_int_equal(got, status);
        assert_int_equal(length, strlen(body));
        assert_memory_equal(end + 4, body, length);
        close(fd);
}

static int setup(void **state) {
        static const HttpLimits limits = {
                .max_connections = 16,
                .max_connections_per_address = 16,
                .request_timeout_usec = 10 * 1000000ULL,
                .max_pending_body_bytes = 1 << 20,
        };
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        Fixture *f = calloc(1, sizeof *f);
        int fd;

        assert_non_null(f);
        n_kept = n_freed = 0;
        n_rerun = n_complete = 0;
        batch = 1;
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(sd_event_add_defer(f->event, &rerun_source, on_rerun, NULL), 0);
        assert_int_equal(sd_event_source_set_priority(rerun_source, SD_EVENT_PRIORITY_IDLE), 0);
        assert_int_equal(sd_event_source_set_enabled(rerun_source, SD_EVENT_OFF), 0);
        assert_int_equal(http_server_new(f->event, &limits, handler, NULL, NULL, &f->server), 0);
        /* Not http_listen_tcp(): it takes no port 0. */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (const struct sockaddr *) &sa, len), 0);
        assert_int_equal(listen(fd, 16), 0);
        assert_true(http_socket_is_local(fd));
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        f->port = ntohs(sa.sin_port);
        assert_int_equal(http_server_add_listener(f->server, fd, 0, NULL), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        http_server_free(f->server);
        rerun_source = sd_event_source_disable_unref(rerun_source);
        sd_event_unref(f->event);
        free(f);
        /* Each kept object freed once, none by the server's end. */
        assert_int_equal(n_freed, n_kept);
        return 0;
}

static void test_rerun_answers(void **state) {
        Fixture *f = *state;
        int fd = client_send(f, "/answer");

        run_until(f->event, &n_freed, 1);
        assert_int_equal(n_kept, 1);
        client_expect(fd, 200, "/answer runs=1");
}

/* Requests deferred in one turn run again together; some defer twice. */
static void test_rerun_together(void **state) {
        static const char *const paths[] = { "/answer", "/again", "/answer", "/again" };
        Fixture *f = *state;
        int fds[ELEMENTSOF(paths)];
        char body[32];

        batch = ELEMENTSOF(paths);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                fds[i] = client_send(f, paths[i]);
        run_until(f->event, &n_complete, 2);
        /* Replaced ones only: the others' answers are not out yet. */
        assert_int_equal(n_kept, 6);
        assert_int_equal(n_freed, 2);
        run_until(f->event, &n_freed, 4);

        for (unsigned i = 0; i < n_complete; i++) {
                HttpResponse resp = {};

                snprintf(body, sizeof body, "/again runs=%u", to_complete[i].runs);
                assert_int_equal(http_response_set(&resp, 202, strdup(body)), 0);
                http_deferred_complete(to_complete[i].deferred, &resp);
                assert_null(resp.body);
        }
        run_until(f->event, &n_freed, 6);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                client_expect(fds[i], i % 2 ? 202 : 200, i % 2 ? "/again runs=1" : "/answer runs=1");
}

/* The client leaves while its request waits: the answer goes nowhere, and what the
 * request kept is freed all the same. */
static void test_rerun_client_gone(void **state) {
        Fixture *f = *state;
        int fd;

        batch = 2;      /* the test starts the rerun */
        fd = client_send(f, "/answer");
        run_until(f->event, &n_kept, 1);
        assert_int_equal(n_rerun, 1);
        close(fd);
        for (unsigned i = 0; i < 5; i++)
                assert_true(sd_event_run(f->event, 10000) >= 0);
        assert_int_equal(n_freed, 0);

        assert_int_equal(sd_event_source_set_enabled(rerun_source, SD_EVENT_ONESHOT), 0);
        run_until(f->event, &n_freed, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_rerun_answers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rerun_together, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rerun_client_gone, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
