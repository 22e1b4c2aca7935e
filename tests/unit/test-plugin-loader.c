/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "plugin-test.h"

static int load_bad(const char *name, const char **error) {
        char path[4096], rel[256];
        Plugin *p = NULL;
        int r;

        (void) snprintf(rel, sizeof(rel), "tests/unit/bad-plugins/libattest-plugin-%s.so", name);
        *error = NULL;
        r = plugin_load(build_path(path, sizeof(path), rel), &p, error);
        if (r >= 0) {
                assert_string_equal(p->name, name);
                plugin_free(p);
        } else
                assert_non_null(*error);
        return r;
}

static void test_builtin_set(void **state) {
        _cleanup_(plugin_set_freep) PluginSet *s = NULL;
        static const char *const engines[] = { "tpm", "mb", "ima", "exec", "snp", "tdx" };
        static const char *const actions[] = { "journal", "webhook", "exec-action" };
        char dir[4096];

        assert_int_equal(plugin_set_load(build_path(dir, sizeof(dir), "plugins"), &s), 0);
        assert_int_equal(s->n_plugins, ELEMENTSOF(engines) + ELEMENTSOF(actions));
        for (size_t i = 0; i < ELEMENTSOF(engines); i++) {
                const Plugin *p = plugin_set_find(s, engines[i], ATTEST_PLUGIN_POLICY_ENGINE);
                assert_non_null(p);
                assert_non_null(p->engine);
                assert_null(plugin_set_find(s, engines[i], ATTEST_PLUGIN_FAILURE_ACTION));
        }
        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                assert_non_null(plugin_set_find(s, actions[i], ATTEST_PLUGIN_FAILURE_ACTION)->action);
}

static void test_bad_plugins(void **state) {
        const char *error;

        assert_int_equal(load_bad("good", &error), 0);
        assert_int_equal(load_bad("bad-abi", &error), -EPROTO);
        assert_string_equal(error, "unsupported ABI version");
        assert_int_equal(load_bad("bad-info-size", &error), -EPROTO);
        assert_int_equal(load_bad("bad-vtable-size", &error), -EPROTO);
        assert_int_equal(load_bad("bad-name", &error), -EPROTO);
        assert_int_equal(load_bad("bad-kind", &error), -EPROTO);
        assert_int_equal(load_bad("no-evaluate", &error), -EBADMSG);
        assert_int_equal(load_bad("no-entry", &error), -ELIBBAD);
        assert_int_equal(load_bad("missing", &error), -ELIBBAD);
}

static void test_bad_names(void **state) {
        const char *error;
        Plugin *p = NULL;

        assert_true(plugin_name_is_valid("exec-action"));
        assert_false(plugin_name_is_valid("Exec"));
        assert_false(plugin_name_is_valid("1tpm"));
        assert_false(plugin_name_is_valid("a/b"));
        assert_false(plugin_name_is_valid(""));
        assert_false(plugin_name_is_valid("abcdefghijklmnopqrstuvwxyzabcdefg"));
        assert_int_equal(plugin_load("/nonexistent/libattest-plugin-UPPER.so", &p, &error), -EINVAL);
        assert_int_equal(plugin_load("/nonexistent/libattest-plugin-.so", &p, &error), -EINVAL);
        assert_int_equal(plugin_load("/nonexistent/attest-plugin-x.so", &p, &error), -EINVAL);
        assert_null(p);
}

/* A directory of good and bad plugins and a file that is no ELF object at all: only the good load. */
static void test_mixed_directory(void **state) {
        _cleanup_(plugin_set_freep) PluginSet *s = NULL;
        char tmp[] = "/tmp/attest-plugins-XXXXXX", path[4096], target[4096], rel[256];
        static const char *const files[] = { "good", "bad-abi", "bad-info-size", "bad-vtable-size", "no-entry" };
        int fd;

        assert_non_null(mkdtemp(tmp));
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                (void) snprintf(rel, sizeof(rel), "tests/unit/bad-plugins/libattest-plugin-%s.so", files[i]);
                (void) snprintf(path, sizeof(path), "%s/libattest-plugin-%s.so", tmp, files[i]);
                assert_int_equal(symlink(build_path(target, sizeof(target), rel), path), 0);
        }
        (void) snprintf(path, sizeof(path), "%s/libattest-plugin-garbage.so", tmp);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "not an ELF object\n", 18), 18);
        close(fd);
        (void) snprintf(path, sizeof(path), "%s/libattest-plugin-Upper.so", tmp);
        assert_int_equal(symlink(build_path(target, sizeof(target), "tests/unit/bad-plugins/libattest-plugin-good.so"), path), 0);

        assert_int_equal(plugin_set_load(tmp, &s), 0);
        assert_int_equal(s->n_plugins, 1);
        assert_string_equal(s->plugins[0]->name, "good");

        (void) snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
        assert_int_equal(system(path), 0);
}

static void test_missing_directory(void **state) {
        _cleanup_(plugin_set_freep) PluginSet *s = NULL;

        assert_int_equal(plugin_set_load("/nonexistent/plugins", &s), 0);
        assert_int_equal(s->n_plugins, 0);
}

static void test_policy_cache(void **state) {
        _cleanup_(plugin_freep) Plugin *tpm = load_builtin("tpm");
        _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
        const char *a = "{\"15\": [\"" "0000000000000000000000000000000000000000000000000000000000000000" "\"]}";
        const char *b = "{\"16\": [\"" "0000000000000000000000000000000000000000000000000000000000000000" "\"]}";
        CompiledPolicy *x, *y, *z = NULL;
        char error[256] = "";

        assert_int_equal(policy_cache_new(&c), 0);
        x = compile_ok(c, tpm, a);
        y = compile_ok(c, tpm, a);
        assert_ptr_equal(x, y);
        assert_int_equal(x->n_ref, 2);
        assert_int_equal(policy_cache_size(c), 1);
        assert_int_equal(x->requirements.pcr_mask, 1u << 15);
        assert_true(x->requirements.needs & ATTEST_NEED_QUOTE);
        z = compile_ok(c, tpm, b);
        assert_ptr_not_equal(x, z);
        assert_int_equal(policy_cache_size(c), 2);

        assert_null(policy_cache_release(c, y));
        assert_int_equal(policy_cache_size(c), 2);
        assert_null(policy_cache_release(c, x));
        assert_int_equal(policy_cache_size(c), 1);
        assert_null(policy_cache_release(c, z));
        assert_int_equal(policy_cache_size(c), 0);

        x = NULL;
        assert_int_equal(policy_cache_get(c, tpm, (const uint8_t *) "{\"99\": []}", 11, &x, error, sizeof(error)), -EBADMSG);
        assert_null(x);
        assert_non_null(strstr(error, "tpm policy"));
        assert_int_equal(policy_cache_size(c), 0);
}

/* Evaluates the test plugin name over empty evidence. */
static void evaluate_bad(const char *name, PolicyOutcome *o) {
        _cleanup_(policy_cache_freep) PolicyCache *c = NULL;
        AttestEvidence ev = { .struct_size = sizeof(ev) };
        char path[4096], rel[256];
        const char *error;
        Plugin *p = NULL;
        CompiledPolicy *cp;

        (void) snprintf(rel, sizeof(rel), "tests/unit/bad-plugins/libattest-plugin-%s.so", name);
        assert_int_equal(plugin_load(build_path(path, sizeof(path), rel), &p, &error), 0);
        assert_int_equal(policy_cache_new(&c), 0);
        cp = compile_ok(c, p, "x");
        assert_int_equal(policy_evaluate(cp, &ev, NULL, o), 0);
        policy_cache_release(c, cp);
        plugin_free(p);
}

static void test_engine_error(void **state) {
        PolicyOutcome o;

        evaluate_bad("engine-error", &o);
        assert_false(o.pass);
        assert_int_equal(o.n_failures, 1);
        assert_string_equal(o.failures[0].id, "engine-error.engine_error");
        policy_outcome_done(&o);
}

/* A pass with an error among more failures than are kept is a fail. */
static void test_failure_flood(void **state) {
        PolicyOutcome o;

        evaluate_bad("flood", &o);
        assert_false(o.pass);
        assert_int_equal(o.n_failures, POLICY_FAILURES_MAX);
        assert_int_equal(outcome_find(&o, "flood.bad"), -1);
        policy_outcome_done(&o);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_builtin_set),
                cmocka_unit_test(test_bad_plugins),
                cmocka_unit_test(test_bad_names),
                cmocka_unit_test(test_mixed_directory),
                cmocka_unit_test(test_missing_directory),
                cmocka_unit_test(test_policy_cache),
                cmocka_unit_test(test_engine_error),
                cmocka_unit_test(test_failure_flood),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
