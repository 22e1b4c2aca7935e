/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "http-client.h"
#include "attest-limits.h"

static bool header(const char *line, const char *name, char *out, size_t out_size) {
        const char *v;
        size_t len;

        if (!http_header_value(line, strlen(line), name, &v, &len))
                return false;
        assert_true(len < out_size);
        memcpy(out, v, len);
        out[len] = 0;
        return true;
}

static void test_header_value(void **state) {
        char v[64];

        assert_true(header("Location: /v3.0/agents/a/attestations/0\r\n", "Location", v, sizeof v));
        assert_string_equal(v, "/v3.0/agents/a/attestations/0");
        assert_true(header("location:\t/x \r\n", "Location", v, sizeof v));
        assert_string_equal(v, "/x");
        assert_true(header("RETRY-AFTER: 5\n", "Retry-After", v, sizeof v));
        assert_string_equal(v, "5");
        assert_true(header("Location:\r\n", "Location", v, sizeof v));
        assert_string_equal(v, "");
}

static void test_header_other(void **state) {
        char v[64];

        assert_false(header("Locations: /x\r\n", "Location", v, sizeof v));
        assert_false(header("Content-Location: /x\r\n", "Location", v, sizeof v));
        assert_false(header("Location /x\r\n", "Location", v, sizeof v));
        assert_false(header("Loc", "Location", v, sizeof v));
        assert_false(header("HTTP/1.1 201 Created\r\n", "Location", v, sizeof v));
        assert_false(header("\r\n", "Location", v, sizeof v));
}

static void test_retry_after(void **state) {
        uint64_t s = 7;

        assert_int_equal(http_parse_retry_after("120", 3, &s), 0);
        assert_int_equal(s, 120);
        assert_int_equal(http_parse_retry_after("0", 1, &s), 0);
        assert_int_equal(s, 0);
}

static void test_retry_after_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "-1",
                "+5",
                " 5",
                "5s",
                "1.5",
                "Wed, 21 Oct 2015 07:28:00 GMT",
                "99999999999999999999",         /* overflow */
                "123456789012345",              /* too long for a delta */
        };
        uint64_t s = 7;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(http_parse_retry_after(bad[i], strlen(bad[i]), &s), -EINVAL);
                assert_int_equal(s, 7);
        }
}

static void test_retry_after_limit(void **state) {
        char text[32];
        uint64_t s = 7;

        snprintf(text, sizeof text, "%u", HTTP_RETRY_AFTER_MAX_SEC);
        assert_int_equal(http_parse_retry_after(text, strlen(text), &s), 0);
        assert_int_equal(s, HTTP_RETRY_AFTER_MAX_SEC);
        snprintf(text, sizeof text, "%u", HTTP_RETRY_AFTER_MAX_SEC + 1);
        assert_int_equal(http_parse_retry_after(text, strlen(text), &s), -EINVAL);
}

static void media(const char *value, const char *want) {
        char *t = NULL;

        assert_int_equal(http_media_type(value, strlen(value), &t), 0);
        assert_string_equal(t, want);
        free(t);
}

static void test_media_type(void **state) {
        media("application/vnd.api+json", "application/vnd.api+json");
        media("Application/JSON; charset=utf-8", "application/json");
        media("text/html ;charset=iso-8859-1", "text/html");
        media("application/problem+json", "application/problem+json");
}

static void test_media_type_invalid(void **state) {
        static const char *const bad[] = {
                "",
                "; charset=utf-8",
                "json",                         /* no subtype */
                "/json",
                "application/",
                "application/json/x",           /* two slashes */
                "application/js on",
                "application/json\x01",
                "text/h\xc3\xa4ml",             /* not a token */
        };
        char long_type[HTTP_MEDIA_TYPE_MAX + 2], *t = NULL;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(http_media_type(bad[i], strlen(bad[i]), &t), -EINVAL);
                assert_null(t);
        }
        memset(long_type, 'a', sizeof long_type);
        long_type[1] = '/';
        assert_int_equal(http_media_type(long_type, HTTP_MEDIA_TYPE_MAX, &t), 0);
        free(t);
        t = NULL;
        assert_int_equal(http_media_type(long_type, HTTP_MEDIA_TYPE_MAX + 1, &t), -EINVAL);
        assert_null(t);
}

/* fuzz/corpus/http-header/content-type-nul: the copy ended at the NUL, and
 * "app/" was taken for a media type. */
static void test_media_type_nul(void **state) {
        static const char value[] = "App/\0\0\0tion/JSON; charset=:onte";
        char *t = NULL;

        assert_int_equal(http_media_type(value, sizeof value - 1, &t), -EINVAL);
        assert_null(t);
        assert_int_equal(http_media_type("application/json\0", 17, &t), -EINVAL);
        assert_null(t);
}

static void test_media_type_is_json(void **state) {
        assert_true(http_media_type_is_json("application/json"));
        assert_true(http_media_type_is_json("application/vnd.api+json"));
        assert_false(http_media_type_is_json(NULL));
        assert_false(http_media_type_is_json("text/html"));
        assert_false(http_media_type_is_json("text/json"));
        assert_false(http_media_type_is_json("application/+json"));
        assert_false(http_media_type_is_json("application/jsonx"));
        assert_false(http_media_type_is_json("application/x-json-seq"));
        assert_false(http_media_type_is_json("invalid"));
}

/* A loopback HTTP/1.1 server in a thread: answers n_requests requests with
 * 200 and "{}", keeping each connection open for the next request unless
 * close_each, and counts the connections it accepted. */
typedef struct TestServer {
        int fd;
        char url[64];
        unsigned n_requests;
        bool close_each;
        unsigned accepted;
        pthread_t thread;
} TestServer;

/* Reads one request head (the client's GETs have no body); false at EOF. */
static bool read_request(int fd) {
        char buf[4096];
        size_t n = 0;

        while (n < sizeof(buf) - 1) {
                ssize_t k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);

                if (k <= 0)
                        return false;
                n += (size_t) k;
                buf[n] = 0;
                if (strstr(buf, "\r\n\r\n"))
                        return true;
        }
        return false;
}

static void *server_run(void *p) {
        TestServer *s = p;
        unsigned served = 0;

        while (served < s->n_requests) {
                int c = accept(s->fd, NULL, NULL);

                if (c < 0)
                        break;
                s->accepted++;
                while (served < s->n_requests && read_request(c)) {
                        char answer[128];
                        int n = snprintf(answer, sizeof(answer),
                                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                         "Content-Length: 2\r\n%s\r\n{}",
                                         s->close_each ? "Connection: close\r\n" : "");

                        if (send(c, answer, (size_t) n, MSG_NOSIGNAL) != n)
                                break;
                        served++;
                        if (s->close_each)
                                break;
                }
                close(c);
        }
        return NULL;
}

static void server_start(TestServer *s, unsigned n_requests, bool close_each) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);

        *s = (TestServer) { .n_requests = n_requests, .close_each = close_each };
        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->fd >= 0);
        assert_int_equal(bind(s->fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(s->fd, 8), 0);
        assert_int_equal(getsockname(s->fd, (struct sockaddr *) &a, &len), 0);
        snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/x", ntohs(a.sin_port));
        assert_int_equal(pthread_create(&s->thread, NULL, server_run, s), 0);
}

static unsigned server_stop(TestServer *s) {
        assert_int_equal(pthread_join(s->thread, NULL), 0);
        close(s->fd);
        return s->accepted;
}

static void get(TestServer *s, HttpClient *client) {
        HttpClientResponse r = {};

        assert_int_equal(http_client_request(&(HttpClientRequest) {
                        .url = s->url, .method = "GET", .client = client,
                }, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "{}");
        http_client_response_done(&r);
}

/* A kept client sends its requests over one connection. */
static void test_client_keeps_connection(void **state) {
        HttpClient *c = http_client_new();
        TestServer s;

        assert_non_null(c);
        server_start(&s, 3, false);
        for (int i = 0; i < 3; i++)
                get(&s, c);
        assert_int_equal(server_stop(&s), 1);
        http_client_free(c);
}

/* Without one, each request opens a connection of its own. */
static void test_request_own_connection(void **state) {
        TestServer s;

        server_start(&s, 3, false);
        for (int i = 0; i < 3; i++)
                get(&s, NULL);
        assert_int_equal(server_stop(&s), 3);
}

/* A server that closes after each answer: the kept client connects again. */
static void test_client_server_closes(void **state) {
        HttpClient *c = http_client_new();
        TestServer s;

        assert_non_null(c);
        server_start(&s, 3, true);
        for (int i = 0; i < 3; i++)
                get(&s, c);
        assert_int_equal(server_stop(&s), 3);
        http_client_free(c);
}

/* Two servers in turn (failover and back): one connection to each. */
static void test_client_two_servers(void **state) {
        HttpClient *c = http_client_new();
        TestServer a, b;

        assert_non_null(c);
        server_start(&a, 2, false);
        server_start(&b, 2, false);
        get(&a, c);
        get(&b, c);
        get(&a, c);
        get(&b, c);
        assert_int_equal(server_stop(&a), 1);
        assert_int_equal(server_stop(&b), 1);
        http_client_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header_value),
                cmocka_unit_test(test_header_other),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_retry_after_invalid),
                cmocka_unit_test(test_retry_after_limit),
                cmocka_unit_test(test_media_type),
                cmocka_unit_test(test_media_type_invalid),
                cmocka_unit_test(test_media_type_nul),
                cmocka_unit_test(test_media_type_is_json),
                cmocka_unit_test(test_client_keeps_connection),
                cmocka_unit_test(test_request_own_connection),
                cmocka_unit_test(test_client_server_closes),
                cmocka_unit_test(test_client_two_servers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
