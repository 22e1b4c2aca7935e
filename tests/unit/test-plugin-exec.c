/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The exec engine: external programs that pass, deny, crash, hang, or talk nonsense. */

#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "evidence-test-abi.h"

static TestNode node;
static TestEvidence evidence;
static Plugin *engine;

static int setup(void **state) {
        test_node_init(&node, 50);
        test_node_quote(&node);
        test_evidence_make(&evidence, &node, 0, NULL, NULL);
        engine = load_builtin("exec");
        return 0;
}

static int teardown(void **state) {
        plugin_free(engine);
        test_evidence_done(&evidence);
        test_node_done(&node);
        return 0;
}

/* Runs script under /bin/sh -c as the engine; returns the outcome. */
static void run(const char *script, unsigned timeout_ms, PolicyOutcome *o) {
        json_object *root = json_object_new_object(), *cmd = json_object_new_array(), *inner = json_object_new_object();

        json_object_array_add(cmd, json_object_new_string("/bin/sh"));
        json_object_array_add(cmd, json_object_new_string("-c"));
        json_object_array_add(cmd, json_object_new_string(script));
        json_object_object_add(root, "command", cmd);
        json_object_object_add(root, "timeout_ms", json_object_new_int((int) timeout_ms));
        json_object_object_add(inner, "allow", json_object_new_int(1));
        json_object_object_add(root, "policy", inner);
        test_evaluate(engine, json_object_to_json_string(root), &evidence, o);
        json_object_put(root);
}

static void expect_failure(const char *script, unsigned timeout_ms, const char *id) {
        PolicyOutcome o = {};

        run(script, timeout_ms, &o);
        assert_false(o.pass);
        if (outcome_find(&o, id) < 0)
                fail_msg("%s: expected %s, got %s", script, id, o.n_failures > 0 ? o.failures[0].id : "nothing");
        policy_outcome_done(&o);
}

static void test_pass(void **state) {
        PolicyOutcome o = {};

        run("cat >/dev/null; echo '{\"pass\": true}'", 5000, &o);
        assert_true(o.pass);
        assert_int_equal(o.n_failures, 0);
        policy_outcome_done(&o);
}

/* The engine sees the policy and the validated evidence, IMA entries included. */
static void test_input(void **state) {
        PolicyOutcome o = {};

        run("in=$(cat); case \"$in\" in "
            "*'\"policy\":{\"allow\":1}'*'\"pcrs\":{'*'\"path\":\"/init\"'*) echo '{\"pass\": true}';; "
            "*) echo '{\"pass\": false}';; esac", 5000, &o);
        assert_true(o.pass);
        policy_outcome_done(&o);
}

static void test_deny(void **state) {
        PolicyOutcome o = {};
        int i;

        run("cat >/dev/null; echo '{\"pass\": false, \"failures\": [{\"id\": \"opa.denied\", \"severity\": \"critical\", "
            "\"context\": {\"rule\": \"r1\"}}]}'", 5000, &o);
        assert_false(o.pass);
        i = outcome_find(&o, "opa.denied");
        assert_true(i >= 0);
        assert_int_equal(o.failures[i].severity, ATTEST_SEVERITY_CRITICAL);
        assert_string_equal(o.failures[i].context, "{\"rule\":\"r1\"}");
        policy_outcome_done(&o);

        /* A pass that reports an error is no pass. */
        run("cat >/dev/null; echo '{\"pass\": true, \"failures\": [{\"id\": \"x.y\"}]}'", 5000, &o);
        assert_false(o.pass);
        policy_outcome_done(&o);
        expect_failure("cat >/dev/null; echo '{\"pass\": false}'", 5000, "exec.denied");
}

static void test_crash(void **state) {
        expect_failure("cat >/dev/null; kill -SEGV $$", 5000, "exec.crashed");
        expect_failure("kill -KILL $$", 5000, "exec.crashed");
}

static void test_timeout(void **state) {
        struct timespec a, b;

        clock_gettime(CLOCK_MONOTONIC, &a);
        expect_failure("exec sleep 30", 300, "exec.timeout");
        /* Closing stdout does not let a hanging child escape the deadline either. */
        expect_failure("exec >&-; exec sleep 30", 300, "exec.timeout");
        clock_gettime(CLOCK_MONOTONIC, &b);
        assert_true(b.tv_sec - a.tv_sec < 20);
}

/* Gone or a zombie: what a SIGKILL leaves. */
static bool process_dead(long pid) {
        char path[64], buf[256], *p;
        FILE *f;
        bool dead;

        (void) snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        f = fopen(path, "re");
        if (!f)
                return true;
        dead = fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ' && p[2] == 'Z';
        fclose(f);
        return dead;
}

/* A timeout kills what the engine started as well. */
static void test_timeout_kills_group(void **state) {
        char tmp[] = "/tmp/attest-exec-XXXXXX", script[256];
        long pid = 0;
        FILE *f;
        int fd;

        fd = mkstemp(tmp);
        assert_true(fd >= 0);
        close(fd);
        (void) snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", tmp);
        expect_failure(script, 300, "exec.timeout");
        f = fopen(tmp, "re");
        assert_non_null(f);
        assert_int_equal(fscanf(f, "%ld", &pid), 1);
        fclose(f);
        unlink(tmp);
        assert_true(pid > 0);
        for (int i = 0; i < 200 && !process_dead(pid); i++)
                usleep(10000);
        assert_true(process_dead(pid));
}

static void test_bad_output(void **state) {
        expect_failure("cat >/dev/null; exit 3", 5000, "exec.exit_status");
        expect_failure("cat >/dev/null; echo nonsense", 5000, "exec.bad_verdict");
        expect_failure("cat >/dev/null; echo '{\"pass\": \"yes\"}'", 5000, "exec.bad_verdict");
        expect_failure("cat >/dev/null; echo '{\"pass\": false, \"failures\": [{\"id\": \"Bad Id\"}]}'", 5000,
                       "exec.bad_verdict");
        expect_failure("cat >/dev/null; head -c 2000000 /dev/zero", 5000, "exec.bad_verdict");
        /* An engine that ignores its input still answers. */
        expect_failure("exit 0", 5000, "exec.bad_verdict");
}

static void test_spawn_failure(void **state) {
        _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
        const char *policy = "{\"command\": [\"/nonexistent/engine\"]}";
        PolicyOutcome o = {};
        CompiledPolicy *cp;

        assert_int_equal(policy_cache_new(&c), 0);
        cp = compile_ok(c, engine, policy);
        assert_int_equal(policy_evaluate(cp, &evidence.abi.ev, NULL, &o), 0);
        assert_false(o.pass);
        assert_string_equal(o.failures[0].id, "exec.spawn");
        policy_outcome_done(&o);
        policy_cache_release(c, cp);
}

static void test_bad_policies(void **state) {
        static const char *const bad[] = {
                "{}",
                "{\"command\": []}",
                "{\"command\": [\"relative\"]}",
                "{\"command\": [\"/bin/true\", 3]}",
                "{\"command\": [\"/bin/true\"], \"timeout_ms\": 0}",
                "{\"command\": [\"/bin/true\"], \"timeout_ms\": 600001}",
                "{\"command\": [\"/bin/true\"], \"needs\": [\"tdx_quote\"]}",
                "{\"command\": [\"/bin/true\"], \"pcrs\": [24]}",
                "[]",
                "{",
        };
        _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
        CompiledPolicy *cp;
        char error[256];

        assert_int_equal(policy_cache_new(&c), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                error[0] = 0;
                cp = NULL;
                assert_int_equal(policy_cache_get(c, engine, (const uint8_t *) bad[i], strlen(bad[i]), &cp, error,
                                                  sizeof(error)), -EBADMSG);
                assert_non_null(strstr(error, "exec policy"));
        }
        cp = compile_ok(c, engine, "{\"command\": [\"/bin/true\"], \"needs\": [\"ima_log\"], \"pcrs\": [10, 14]}");
        assert_int_equal(cp->requirements.needs, ATTEST_NEED_QUOTE | ATTEST_NEED_IMA_LOG);
        assert_int_equal(cp->requirements.pcr_mask, (1u << 10) | (1u << 14));
        policy_cache_release(c, cp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pass),
                cmocka_unit_test(test_input),
                cmocka_unit_test(test_deny),
                cmocka_unit_test(test_crash),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_timeout_kills_group),
                cmocka_unit_test(test_bad_output),
                cmocka_unit_test(test_spawn_failure),
                cmocka_unit_test(test_bad_policies),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
