/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The failure actions loaded from the build tree: exec-action, webhook, journal. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "failure-event.h"
#include "plugin-test.h"

#define EVENT "{\"event\":\"attestation_failed\",\"node_id\":\"node-1\",\"kind\":\"policy_violation\"," \
              "\"failures\":[{\"id\":\"ima.not_in_policy\",\"severity\":\"error\"}]}"

static void *configure(const Plugin *p, const char *config, int expect) {
        void *instance = NULL;
        char error[256] = "";
        int r;

        r = p->action->configure(config, config ? strlen(config) : 0, &instance, error, sizeof(error));
        if (r != expect)
                fail_msg("%s configure(%s) = %d: %s", p->name, config ?: "NULL", r, error);
        if (r < 0)
                assert_true(error[0] != 0);
        return instance;
}

static void test_exec_action(void **state) {
        _cleanup_(plugin_freep) Plugin *p = load_builtin("exec-action");
        char tmp[] = "/tmp/attest-action-XXXXXX", config[512], *got;
        void *a;
        int fd;

        fd = mkstemp(tmp);
        assert_true(fd >= 0);
        close(fd);
        (void) snprintf(config, sizeof(config), "{\"command\": [\"/bin/sh\", \"-c\", \"cat > %s\"]}", tmp);
        a = configure(p, config, 0);
        assert_int_equal(p->action->run(a, EVENT, strlen(EVENT)), 0);
        p->action->free_instance(a);
        got = fixture_read_abs(tmp);
        assert_string_equal(got, EVENT);
        free(got);
        unlink(tmp);

        a = configure(p, "{\"command\": [\"/bin/sh\", \"-c\", \"kill -SEGV $$\"]}", 0);
        assert_int_equal(p->action->run(a, EVENT, strlen(EVENT)), -ECHILD);
        p->action->free_instance(a);
        a = configure(p, "{\"command\": [\"/bin/sh\", \"-c\", \"exec sleep 30\"], \"timeout_ms\": 200}", 0);
        assert_int_equal(p->action->run(a, EVENT, strlen(EVENT)), -ETIME);
        p->action->free_instance(a);
        a = configure(p, "{\"command\": [\"/bin/false\"]}", 0);
        assert_int_equal(p->action->run(a, EVENT, strlen(EVENT)), -EIO);
        p->action->free_instance(a);

        configure(p, "{\"command\": \"/bin/true\"}", -EBADMSG);
        configure(p, "{}", -EBADMSG);
        configure(p, NULL, -EBADMSG);
}

/* A one-thread HTTP server answering each request with the next status. */
typedef struct Server {
        int fd;
        int port;
        const int *statuses;
        size_t n;
        char requests[4][4096];
} Server;

static void *serve(void *userdata) {
        Server *s = userdata;

        for (size_t i = 0; i < s->n; i++) {
                int c = accept(s->fd, NULL, NULL);
                size_t got = 0;
                char reply[128];
                char *body;

                assert_true(c >= 0);
                /* Headers, then Content-Length bytes of body. */
                for (;;) {
                        ssize_t k = read(c, s->requests[i] + got, sizeof(s->requests[i]) - 1 - got);
                        if (k <= 0)
                                break;
                        got += (size_t) k;
                        s->requests[i][got] = 0;
                        body = strstr(s->requests[i], "\r\n\r\n");
                        if (body) {
                                const char *cl = strcasestr(s->requests[i], "Content-Length: ");
                                if (cl && strlen(body + 4) >= (size_t) atoi(cl + 16))
                                        break;
                        }
                }
                (void) snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                                s->statuses[i]);
                assert_true(write(c, reply, strlen(reply)) > 0);
                close(c);
        }
        return NULL;
}

static void server_start(Server *s, pthread_t *t) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);

        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->fd >= 0);
        assert_int_equal(bind(s->fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(s->fd, 4), 0);
        assert_int_equal(getsockname(s->fd, (struct sockaddr *) &a, &len), 0);
        s->port = ntohs(a.sin_port);
        assert_int_equal(pthread_create(t, NULL, serve, s), 0);
}

static const char *header(const char *request, const char *name, char *buf, size_t size) {
        const char *h = strcasestr(request, name);
        size_t n;

        assert_non_null(h);
        h += strlen(name);
        n = strcspn(h, "\r");
        assert_true(n < size);
        memcpy(buf, h, n);
        buf[n] = 0;
        return buf;
}

/* The signature header is HMAC-SHA256 over "<timestamp>.<body>". */
static void check_signature(const char *request, const char *secret) {
        char ts[64], sig[128], msg[2048], hex[65];
        uint8_t mac[32];
        size_t n;

        header(request, "X-Hostattest-Timestamp: ", ts, sizeof(ts));
        header(request, "X-Hostattest-Signature: ", sig, sizeof(sig));
        (void) snprintf(msg, sizeof(msg), "%s.%s", ts, strstr(request, "\r\n\r\n") + 4);
        assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, secret, strlen(secret),
                                  (const uint8_t *) msg, strlen(msg), mac, sizeof(mac), &n));
        for (size_t i = 0; i < 32; i++)
                (void) snprintf(hex + 2 * i, 3, "%02x", mac[i]);
        assert_true(strncmp(sig, "sha256=", 7) == 0);
        assert_string_equal(sig + 7, hex);
}

static void test_webhook_retry(void **state) {
        _cleanup_(plugin_freep) Plugin *p = load_builtin("webhook");
        static const int statuses[] = { 503, 500, 200 };
        Server s = { .statuses = statuses, .n = ELEMENTSOF(statuses) };
        char config[256];
        pthread_t t;
        void *a;

        server_start(&s, &t);
        (void) snprintf(config, sizeof(config),
                        "{\"url\": \"http://127.0.0.1:%d/hook\", \"secret\": \"s3cret\", \"retries\": 3, \"backoff_ms\": 10}",
                        s.port);
        a = configure(p, config, 0);
        assert_int_equal(p->action->run(a, EVENT, strlen(EVENT)), 0);
        p->action->free_instance(a);
        pthread_join(t, NULL);
        close(s.fd);
        for (size_t i = 0; i < s.n; i++) {
                assert_true(strncmp(s.requests[i], "POST /hook ", 11) == 0);
                assert_string_equal(strstr(s.requests[i], "\r\n\r\n") + 4, EVENT);
                check_signature(s.requests[i], "s3cret");
        }
}

/* Runs the webhook against a server answering statuses, with retries; returns what run() returned. */
static int webhook_exchange(const Plugin *p, const int *statuses, size_t n, int retries) {
        Server s = { .statuses = statuses, .n = n };
        char config[256];
        pthread_t t;
        void *a;
        int r;

        server_start(&s, &t);
        (void) snprintf(config, sizeof(config),
                        "{\"url\": \"http://127.0.0.1:%d/\", \"secret\": \"k\", \"retries\": %d, \"backoff_ms\": 1}",
                        s.port, retries);
        a = configure(p, config, 0);
        r = p->action->run(a, EVENT, strlen(EVENT));
        p->action->free_instance(a);
        pthread_join(t, NULL);
        close(s.fd);
        return r;
}

static void test_webhook_gives_up(void **state) {
        _cleanup_(plugin_freep) Plugin *p = load_builtin("webhook");
        static const int unavailable[] = { 503, 503 };
        static const int rejected[] = { 403 };

        assert_int_equal(webhook_exchange(p, unavailable, ELEMENTSOF(unavailable), 1), -EAGAIN);
        /* A refusal is final: no retry (the server would not answer a second request). */
        assert_int_equal(webhook_exchange(p, rejected, ELEMENTSOF(rejected), 5), -EBADR);
}

static void test_webhook_config(void **state) {
        _cleanup_(plugin_freep) Plugin *p = load_builtin("webhook");

        configure(p, "{\"secret\": \"k\"}", -EBADMSG);
        configure(p, "{\"url\": \"ftp://x/\", \"secret\": \"k\"}", -EBADMSG);
        configure(p, "{\"url\": \"http://x/\"}", -EBADMSG);
        configure(p, "{\"url\": \"http://x/\", \"secret\": \"k\", \"secret_file\": \"/etc/hostname\"}", -EBADMSG);
        configure(p, "{\"url\": \"http://x/\", \"secret_file\": \"/nonexistent\"}", -EBADMSG);
        configure(p, "{\"url\": \"http://x/\", \"secret\": \"k\", \"retries\": 11}", -EBADMSG);
        configure(p, "{\"url\": \"http://x/\", \"secret\": \"\"}", -EBADMSG);
}

static void test_journal(void **state) {
        _cleanup_(plugin_freep) Plugin *p = load_builtin("journal");
        void *a;

        configure(p, "{\"priority\": 9}", -EBADMSG);
        configure(p, "{", -EBADMSG);
        a = configure(p, "{\"priority\": 3}", 0);
        assert_int_equal(p->action->run(a, "not json", 8), -EINVAL);
        assert_int_equal(p->action->run(a, "[1]", 3), -EINVAL);
        p->action->free_instance(a);
        a = configure(p, NULL, 0);
        p->action->free_instance(a);
}

/* The event the verifier builds goes through the exec action unchanged. */
static void test_event(void **state) {
        PolicyFailure f[] = {
                { .id = (char *) "ima.not_in_policy", .severity = ATTEST_SEVERITY_ERROR,
                  .context = (char *) "{\"path\":\"/tmp/x\"}" },
                { .id = (char *) "x.note", .severity = ATTEST_SEVERITY_INFO, .context = (char *) "plain text" },
        };
        _cleanup_free_ char *event = NULL;

        assert_int_equal(failure_event_build("node-1", FAILURE_KIND_POLICY_VIOLATION, UINT64_C(1764367200000000),
                                             f, ELEMENTSOF(f), &event), 0);
        assert_string_equal(event,
                            "{\"event\":\"attestation_failed\",\"node_id\":\"node-1\",\"time\":\"2025-11-28T22:00:00Z\","
                            "\"verdict\":\"FAIL\",\"kind\":\"policy_violation\",\"failures\":["
                            "{\"id\":\"ima.not_in_policy\",\"severity\":\"error\",\"context\":{\"path\":\"/tmp/x\"}},"
                            "{\"id\":\"x.note\",\"severity\":\"info\",\"context\":\"plain text\"}]}");
        assert_int_equal(failure_event_build(NULL, "k", 0, NULL, 0, &event), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_action),
                cmocka_unit_test(test_webhook_retry),
                cmocka_unit_test(test_webhook_gives_up),
                cmocka_unit_test(test_webhook_config),
                cmocka_unit_test(test_journal),
                cmocka_unit_test(test_event),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
