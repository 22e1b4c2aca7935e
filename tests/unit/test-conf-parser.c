/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf-parser.h"
#include "log.h"

typedef struct Settings {
        char *name;
        bool flag;
        uint32_t count;
        uint64_t interval;
        uint64_t size;
        char *path;
        char **list;
        char **pairs;
} Settings;

static const ConfigItem items[] = {
        { "Main",  "name",     config_parse_string, offsetof(Settings, name)     },
        { "Main",  "flag",     config_parse_bool,   offsetof(Settings, flag)     },
        { "Main",  "count",    config_parse_uint32, offsetof(Settings, count)    },
        { "Main",  "interval", config_parse_sec,    offsetof(Settings, interval) },
        { "Main",  "size",     config_parse_size,   offsetof(Settings, size)     },
        { "Other", "path",     config_parse_path,   offsetof(Settings, path)     },
        { "Other", "list",     config_parse_strv,   offsetof(Settings, list)     },
        { "Other", "pair.*",   config_parse_strv,   offsetof(Settings, pairs)    },
};

static char dir[] = "/tmp/test-conf-parser-XXXXXX";

static void settings_done(Settings *s) {
        free(s->name);
        free(s->path);
        strv_free(s->list);
        strv_free(s->pairs);
        memset(s, 0, sizeof *s);
}

static char *write_file(const char *name, const char *content) {
        char *p;
        FILE *f;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        return p;
}

static int parse_text(const char *content, Settings *s) {
        char *p = write_file("t.conf", content);
        int r = config_parse_file(p, items, ELEMENTSOF(items), s);
        unlink(p);
        free(p);
        return r;
}

static void test_typed_values(void **state) {
        Settings s = {};

        assert_int_equal(parse_text("# comment\n; other\n[Main]\nname = hello world \nflag=yes\ncount = 42\n"
                                    "interval = 5min\nsize = 64K\n\n[Other]\npath = /etc/x\nlist = a b\nlist = c\n", &s), 0);
        assert_string_equal(s.name, "hello world");
        assert_true(s.flag);
        assert_int_equal(s.count, 42);
        assert_int_equal(s.interval, 300);
        assert_int_equal(s.size, 65536);
        assert_string_equal(s.path, "/etc/x");
        assert_int_equal(strv_length(s.list), 3);
        assert_string_equal(s.list[2], "c");
        settings_done(&s);
}

static void test_empty_resets(void **state) {
        Settings s = {};

        assert_int_equal(parse_text("[Main]\nname = x\nname =\n[Other]\nlist = a\nlist =\n", &s), 0);
        assert_null(s.name);
        assert_null(s.list);
        settings_done(&s);
}

static void test_unknown_key(void **state) {
        Settings s = {};
        assert_int_equal(parse_text("[Main]\nnmae = x\n", &s), -EINVAL);
        settings_done(&s);
}

/* The message of a refusal, with stderr captured. */
static char *refusal(const char *content) {
        char buf[512] = "";
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO);
        size_t n;

        assert_non_null(f);
        fflush(stderr);
        assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
        log_set_max_level(LOG_ERR);
        assert_int_equal(parse_text(content, &(Settings) {}), -EINVAL);
        log_set_max_level(LOG_CRIT);
        fflush(stderr);
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        rewind(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        return strdup(buf);
}

/* A key in the other file convention's spelling is refused, naming this file's. */
static void test_other_convention(void **state) {
        char *m;

        m = refusal("[Other]\nPath = /etc/x\n");
        assert_non_null(strstr(m, "Unknown key 'Path' in section [Other]; this file spells it path="));
        free(m);
        m = refusal("[Main]\nInter_Val = 5\n");
        assert_non_null(strstr(m, "this file spells it interval="));
        free(m);
        /* no suggestion for another word, nor for a pattern */
        m = refusal("[Main]\ncounts = 5\n");
        assert_null(strstr(m, "spells"));
        free(m);
        m = refusal("[Other]\npair = x\n");
        assert_null(strstr(m, "spells"));
        free(m);
}

static void test_unknown_section(void **state) {
        Settings s = {};
        assert_int_equal(parse_text("[Mian]\n", &s), -EINVAL);
        settings_done(&s);
}

static void test_bad_values(void **state) {
        Settings s = {};
        assert_int_equal(parse_text("[Main]\nflag = maybe\n", &s), -EINVAL);
        assert_int_equal(parse_text("[Main]\ncount = -1\n", &s), -EINVAL);
        assert_int_equal(parse_text("[Main]\ncount = 4294967296\n", &s), -ERANGE);
        assert_int_equal(parse_text("[Main]\ninterval = 5 years\n", &s), -EINVAL);
        assert_int_equal(parse_text("[Main]\nsize = 18446744073709551615G\n", &s), -ERANGE);
        assert_int_equal(parse_text("[Other]\npath = relative/x\n", &s), -EINVAL);
        settings_done(&s);
}

static void test_syntax_errors(void **state) {
        Settings s = {};
        assert_int_equal(parse_text("name = x\n", &s), -EINVAL);         /* outside a section */
        assert_int_equal(parse_text("[Main]\nname\n", &s), -EINVAL);     /* no '=' */
        assert_int_equal(parse_text("[Main\n", &s), -EINVAL);            /* bad header */
        assert_int_equal(parse_text("[]\n", &s), -EINVAL);
        settings_done(&s);
}

static void test_line_too_long(void **state) {
        Settings s = {};
        char *text = malloc(CONF_LINE_MAX + 32);

        assert_non_null(text);
        strcpy(text, "[Main]\nname = ");
        memset(text + strlen(text), 'a', CONF_LINE_MAX);
        text[14 + CONF_LINE_MAX] = 0;
        assert_int_equal(parse_text(text, &s), -EINVAL);
        free(text);
        settings_done(&s);
}

static void test_dropins(void **state) {
        Settings s = {};
        char *main_path, *d, *a, *b, *ignored;

        main_path = write_file("main.conf", "[Main]\nname = main\ncount = 1\n");
        assert_true(asprintf(&d, "%s/main.conf.d", dir) > 0);
        assert_int_equal(mkdir(d, 0755), 0);
        b = write_file("main.conf.d/20-b.conf", "[Main]\nname = b\n");
        a = write_file("main.conf.d/10-a.conf", "[Main]\nname = a\ncount = 2\n");
        ignored = write_file("main.conf.d/30-c.txt", "garbage\n");

        assert_int_equal(config_parse_with_dropins(main_path, items, ELEMENTSOF(items), &s), 0);
        assert_string_equal(s.name, "b");   /* lexical order: 20-b after 10-a */
        assert_int_equal(s.count, 2);
        settings_done(&s);

        /* A bad drop-in fails the whole parse. */
        unlink(b);
        free(b);
        b = write_file("main.conf.d/20-b.conf", "[Main]\nbogus = 1\n");
        assert_int_equal(config_parse_with_dropins(main_path, items, ELEMENTSOF(items), &s), -EINVAL);
        settings_done(&s);

        unlink(a);
        unlink(b);
        unlink(ignored);
        rmdir(d);
        unlink(main_path);
        free(a);
        free(b);
        free(ignored);
        free(d);
        free(main_path);
}

static void test_missing_file(void **state) {
        Settings s = {};
        assert_int_equal(config_parse_file("/nonexistent/x.conf", items, ELEMENTSOF(items), &s), -ENOENT);
        assert_int_equal(config_parse_with_dropins("/nonexistent/x.conf", items, ELEMENTSOF(items), &s), 0);
}

static void test_nul_byte(void **state) {
        Settings s = {};
        char *p;
        FILE *f;

        assert_true(asprintf(&p, "%s/nul.conf", dir) > 0);
        f = fopen(p, "w");
        assert_non_null(f);
        fwrite("[Main]\nname = a\0b\n", 1, 18, f);
        fclose(f);
        assert_int_equal(config_parse_file(p, items, ELEMENTSOF(items), &s), -EINVAL);
        unlink(p);
        free(p);
        settings_done(&s);
}

/* A "prefix.*" key matches every key with that prefix; its parser gets "rest=value". */
static void test_pattern_keys(void **state) {
        Settings s = {};

        assert_int_equal(parse_text("[Other]\npair.exec = /etc/x.json\npair.opa-2 = fleet\n", &s), 0);
        assert_int_equal(strv_length(s.pairs), 2);
        assert_string_equal(s.pairs[0], "exec=/etc/x.json");
        assert_string_equal(s.pairs[1], "opa-2=fleet");
        settings_done(&s);
        assert_int_equal(parse_text("[Other]\npair. = x\n", &s), -EINVAL);    /* no rest */
        settings_done(&s);
        assert_int_equal(parse_text("[Other]\npair = x\n", &s), -EINVAL);     /* no dot */
        settings_done(&s);
        assert_int_equal(parse_text("[Other]\npairs.x = x\n", &s), -EINVAL);  /* another prefix */
        settings_done(&s);
        assert_int_equal(parse_text("[Main]\npair.x = x\n", &s), -EINVAL);    /* another section */
        settings_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_typed_values),
                cmocka_unit_test(test_empty_resets),
                cmocka_unit_test(test_unknown_key),
                cmocka_unit_test(test_other_convention),
                cmocka_unit_test(test_unknown_section),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_line_too_long),
                cmocka_unit_test(test_dropins),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_pattern_keys),
        };
        int r;

        log_set_max_level(LOG_CRIT);
        assert_non_null(mkdtemp(dir));
        r = cmocka_run_group_tests(tests, NULL, NULL);
        rmdir(dir);
        return r;
}
