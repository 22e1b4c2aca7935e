/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The agent's registrar and verifier URL lists: several instances in one
 * setting, picked in turn; every bad entry refused with its number and why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "log.h"

AgentConfig arg_config;

/* Runs agent_url_list_check() with stderr (where the log goes) in a file; returns what was logged. */
static int check_logged(const char *list, char *out, size_t size) {
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO), r;
        size_t n;

        assert_non_null(f);
        assert_true(saved >= 0);
        fflush(stderr);
        assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
        r = agent_url_list_check(list, "Verifier URL");
        fflush(stderr);
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        rewind(f);
        n = fread(out, 1, size - 1, f);
        out[n] = '\0';
        fclose(f);
        return r;
}

static void assert_refused(const char *list, int error, const char *message) {
        char logged[1024];

        assert_int_equal(check_logged(list, logged, sizeof logged), error);
        if (!strstr(logged, message))
                fail_msg("'%s': logged '%s', want '%s'", list, logged, message);
}

static void test_pick(void **state) {
        const char *list = " http://a:1  http://b:2,http://c:3\n\t";
        char *u = NULL;

        assert_int_equal(agent_url_count(list), 3);
        for (unsigned i = 0; i < 7; i++) {
                static const char *const want[] = { "http://a:1", "http://b:2", "http://c:3" };
                assert_int_equal(agent_url_pick(list, i, &u), 0);
                assert_string_equal(u, want[i % 3]);
                free(u);
        }
        assert_int_equal(agent_url_pick("https://one.example", 5, &u), 0);
        assert_string_equal(u, "https://one.example");
        free(u);
        assert_int_equal(agent_url_count(NULL), 0);
        assert_int_equal(agent_url_pick(NULL, 0, &u), 0);
        assert_null(u);
        assert_int_equal(agent_url_pick(" ,, ", 1, &u), 0);
        assert_null(u);
}

static void test_valid(void **state) {
        static const char *const ok[] = {
                "http://127.0.0.1:8881",
                "https://verifier.example.com",
                "HTTPS://Verifier.Example.COM:443/base/",
                "http://[::1]:8881 http://[fe80::1%25eth0]",
                "http://user:secret@host:1/",
                "http://a:1,http://b:2, http://c:65535",
                "http://h?x=1",
        };
        char logged[1024];

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                assert_int_equal(check_logged(ok[i], logged, sizeof logged), 0);
                assert_string_equal(logged, "");
        }
        assert_int_equal(agent_url_list_check(NULL, "Verifier URL"), 0);
}

static void test_bad_entries(void **state) {
        char many[20 * 24] = "", longest[AGENT_URL_MAX + 32] = "http://";

        assert_refused("", -EINVAL, "Verifier URL: no URL given.");
        assert_refused(" , \t", -EINVAL, "Verifier URL: no URL given.");
        assert_refused("ftp://files.example", -EINVAL, "entry 1 'ftp://files.example' is not an http:// or https:// URL");
        assert_refused("http://a:1 verifier.example:8881", -EINVAL,
                       "entry 2 'verifier.example:8881' is not an http:// or https:// URL");
        assert_refused("http://", -EINVAL, "entry 1 'http://' names no host");
        assert_refused("http:///path", -EINVAL, "entry 1 'http:///path' names no host");
        assert_refused("https://:8881", -EINVAL, "names no host");
        assert_refused("https://user@:1", -EINVAL, "names no host");
        assert_refused("http://a:1,http://b:0", -EINVAL, "entry 2 'http://b:0' has an invalid port");
        assert_refused("http://b:65536", -EINVAL, "has an invalid port");
        assert_refused("http://b:88x1/", -EINVAL, "has an invalid port");
        assert_refused("http://b:", -EINVAL, "has an invalid port");
        assert_refused("http://[::1", -EINVAL, "has an unterminated or empty IPv6 address");
        assert_refused("http://[]:1", -EINVAL, "has an unterminated or empty IPv6 address");
        assert_refused("http://[::1]x", -EINVAL, "has an invalid port");
        /* A control or non-ASCII character is named, not echoed. */
        assert_refused("http://a\001b", -EINVAL, "Verifier URL: entry 1 contains a control or non-ASCII character.");
        assert_refused("http://a:1 http://h\xc3\xa9", -EINVAL, "entry 2 contains a control or non-ASCII character");
        /* Limits: the number of URLs and the length of one (echoed shortened). */
        for (unsigned i = 0; i <= AGENT_URLS_MAX; i++)
                (void) snprintf(many + strlen(many), sizeof many - strlen(many), "http://h%u:1 ", i);
        assert_refused(many, -E2BIG, "17 URLs, at most 16 are allowed");
        memset(longest + 7, 'a', AGENT_URL_MAX - 6);
        longest[AGENT_URL_MAX + 1] = '\0';
        assert_refused(longest, -EINVAL, "...' is too long");
        longest[AGENT_URL_MAX] = '\0';
        assert_int_equal(agent_url_list_check(longest, "Verifier URL"), 0);
}

/* agent.conf's [Registrar] URL= and [Verifier] URL=, and the command line's, are checked on load. */
static void test_config_file(void **state) {
        char path[] = "/tmp/test-agent-urls-XXXXXX";
        AgentConfig c = {};
        AgentConfigSet set = {};
        char *u = NULL;
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");

        assert_non_null(f);
        fputs("[Registrar]\nURL = http://r1:8890 http://r2:8890\n[Verifier]\nURL=http://v1:8881,https://v2\n", f);
        fclose(f);
        assert_int_equal(agent_config_load(path, &c, &set), 0);
        assert_int_equal(agent_url_count(c.registrar_url), 2);
        assert_int_equal(agent_url_pick(c.registrar_url, 1, &u), 0);
        assert_string_equal(u, "http://r2:8890");
        free(u);
        assert_int_equal(agent_url_pick(c.verifier_url, 1, &u), 0);
        assert_string_equal(u, "https://v2");
        free(u);
        agent_config_done();

        /* The command line wins, and is checked the same way. */
        c = (AgentConfig) { .verifier_url = "http://ok:1 mailto:x" };
        set = (AgentConfigSet) { .verifier_url = true };
        assert_int_equal(agent_config_load(path, &c, &set), -EINVAL);
        agent_config_done();

        f = fopen(path, "w");
        assert_non_null(f);
        fputs("[Verifier]\nURL=http://v1:8881 ftp://v2\n", f);
        fclose(f);
        c = (AgentConfig) {};
        set = (AgentConfigSet) {};
        assert_int_equal(agent_config_load(path, &c, &set), -EINVAL);
        agent_config_done();

        f = fopen(path, "w");
        assert_non_null(f);
        fputs("[Registrar]\nURL=http://r1:8890 http://:8890\n", f);
        fclose(f);
        c = (AgentConfig) {};
        assert_int_equal(agent_config_load(path, &c, &set), -EINVAL);
        agent_config_done();
        unlink(path);
}

int main(void) {
        static const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pick),
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_bad_entries),
                cmocka_unit_test(test_config_file),
        };

        log_set_target(LOG_TARGET_STDERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
