/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf-parser.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

int strv_extend(char ***l, const char *s) {
        size_t n = strv_length(*l);
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        char **m = realloc(*l, (n + 2) * sizeof(char *));
        if (!m) {
                free(copy);
                return -ENOMEM;
        }
        m[n] = copy;
        m[n + 1] = NULL;
        *l = m;
        return 0;
}

static char *strip(char *s) {
        char *e;
        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = 0;
        return s;
}

/* "policy.*" matches "policy.exec": the prefix up to and including the dot, then at least one character. */
static bool key_matches(const char *pattern, const char *key) {
        size_t n = strlen(pattern);

        if (n >= 2 && pattern[n - 2] == '.' && pattern[n - 1] == '*')
                return strncmp(pattern, key, n - 1) == 0 && key[n - 1] != 0;
        return strcmp(pattern, key) == 0;
}

static const ConfigItem *find_item(const ConfigItem *table, size_t n, const char *section, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].section, section) == 0 && key_matches(table[i].key, key))
                        return table + i;
        return NULL;
}

/* A pattern item is given "<rest of the key>=<value>". */
static int parse_item(const ConfigItem *item, const char *key, const char *value, void *userdata) {
        _cleanup_free_ char *pair = NULL;
        void *data = (uint8_t *) userdata + item->offset;

        if (strcmp(item->key, key) == 0)
                return item->parse(value, data);
        if (asprintf(&pair, "%s=%s", key + strlen(item->key) - 1, value) < 0)
                return -ENOMEM;
        return item->parse(pair, data);
}

/* "state_directory" and "StateDirectory": the same words in the other naming
 * convention (snake_case in verifierd.conf and tenant.conf, CamelCase in
 * agent.conf and attestctl.conf). */
static bool same_words(const char *a, const char *b) {
        for (;; a++, b++) {
                while (*a == '_')
                        a++;
                while (*b == '_')
                        b++;
                if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
                        return false;
                if (*a == 0)
                        return true;
        }
}

static const ConfigItem *find_spelling(const ConfigItem *table, size_t n, const char *section, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].section, section) == 0 && !strchr(table[i].key, '*') && same_words(table[i].key, key))
                        return table + i;
        return NULL;
}

static bool section_known(const ConfigItem *table, size_t n, const char *section) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i].section, section) == 0)
                        return true;
        return false;
}

static int parse_line(const char *path, unsigned line, char *l, char *section, size_t section_size,
                      const ConfigItem *table, size_t n_items, void *userdata) {
        char *eq, *key, *value;
        const ConfigItem *item;
        int r;

        l = strip(l);
        if (*l == 0 || *l == '#' || *l == ';')
                return 0;

        if (*l == '[') {
                size_t k = strlen(l);
                if (k < 3 || l[k - 1] != ']' || k - 2 >= section_size)
                        return log_error_errno(-EINVAL, "%s:%u: Invalid section header.", path, line);
                memcpy(section, l + 1, k - 2);
                section[k - 2] = 0;
                if (!section_known(table, n_items, section))
                        return log_error_errno(-EINVAL, "%s:%u: Unknown section [%s].", path, line, section);
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq)
                return log_error_errno(-EINVAL, "%s:%u: Missing '=' in assignment.", path, line);
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (*section == 0)
                return log_error_errno(-EINVAL, "%s:%u: Assignment outside of a section.", path, line);

        item = find_item(table, n_items, section, key);
        if (!item) {
                item = find_spelling(table, n_items, section, key);
                if (item)
                        return log_error_errno(-EINVAL, "%s:%u: Unknown key '%s' in section [%s]; this file spells it %s=.",
                                               path, line, key, section, item->key);
                return log_error_errno(-EINVAL, "%s:%u: Unknown key '%s' in section [%s].", path, line, key, section);
        }

        r = parse_item(item, key, value, userdata);
        if (r < 0)
                return log_error_errno(r, "%s:%u: Invalid value for %s= '%s': %m", path, line, key, value);
        return 0;
}

int config_parse_file(const char *path, const ConfigItem *table, size_t n_items, void *userdata) {
        _cleanup_free_ uint8_t *buf = NULL;
        char section[128] = "";
        unsigned line = 0;
        size_t size;
        char *p, *nl;
        int r;

        r = read_full_file(path, CONF_FILE_MAX, &buf, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        if (memchr(buf, 0, size))
                return log_error_errno(-EINVAL, "%s: File contains a NUL byte.", path);

        for (p = (char *) buf; p && *p; p = nl) {
                line++;
                nl = strchr(p, '\n');
                if (nl)
                        *nl++ = 0;
                if (strlen(p) > CONF_LINE_MAX)
                        return log_error_errno(-EINVAL, "%s:%u: Line too long.", path, line);
                r = parse_line(path, line, p, section, sizeof section, table, n_items, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_conf_name(const char *n) {
        size_t k = strlen(n);
        return n[0] != '.' && k > 5 && strcmp(n + k - 5, ".conf") == 0;
}

static int list_dropins(const char *dir, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d) {
                if (errno == ENOENT || errno == ENOTDIR) {
                        *ret = NULL;
                        return 0;
                }
                return log_error_errno(-errno, "Failed to open %s: %m", dir);
        }
        while ((de = readdir(d))) {
                if (!is_conf_name(de->d_name))
                        continue;
                if (strv_length(names) >= CONF_DROPINS_MAX) {
                        r = log_error_errno(-E2BIG, "%s: Too many drop-in files.", dir);
                        break;
                }
                r = strv_extend(&names, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort(names, strv_length(names), sizeof(char *), cmp_str);
        *ret = TAKE_PTR(names);
        return 0;
}

int config_parse_with_dropins(const char *path, const ConfigItem *table, size_t n_items, void *userdata) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ char *dir = NULL;
        int r;

        r = config_parse_file(path, table, n_items, userdata);
        if (r < 0 && r != -ENOENT)
                return r;

        if (asprintf(&dir, "%s.d", path) < 0)
                return log_oom();
        r = list_dropins(dir, &names);
        if (r < 0)
                return r;
        for (char **n = names; n && *n; n++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s", dir, *n) < 0)
                        return log_oom();
                r = config_parse_file(p, table, n_items, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int config_parse_string(const char *rvalue, void *data) {
        char **s = data, *n = NULL;

        if (*rvalue && !(n = strdup(rvalue)))
                return -ENOMEM;
        free(*s);
        *s = n;
        return 0;
}

int config_parse_path(const char *rvalue, void *data) {
        if (*rvalue && rvalue[0] != '/')
                return -EINVAL;
        return config_parse_string(rvalue, data);
}

int config_parse_bool(const char *rvalue, void *data) {
        return parse_boolean(rvalue, data);
}

int config_parse_uint32(const char *rvalue, void *data) {
        return safe_atou32(rvalue, data);
}

int config_parse_uint64(const char *rvalue, void *data) {
        return safe_atou64(rvalue, data);
}

/* A number followed by one of the given suffixes; returns the number times the suffix's factor. */
static int parse_with_suffix(const char *rvalue, const char *const *suffixes, const uint64_t *factors,
                             size_t n, uint64_t *ret) {
        char digits[32];
        size_t k = strspn(rvalue, "0123456789");
        uint64_t v, out;
        int r;

        if (k == 0 || k >= sizeof digits)
                return -EINVAL;
        memcpy(digits, rvalue, k);
        digits[k] = 0;
        r = safe_atou64(digits, &v);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strcmp(rvalue + k, suffixes[i]) == 0) {
                        if (MUL_OVERFLOW(v, factors[i], &out))
                                return -ERANGE;
                        *ret = out;
                        return 0;
                }
        return -EINVAL;
}

int config_parse_sec(const char *rvalue, void *data) {
        static const char *const s[] = { "", "s", "sec", "min", "m", "h", "d" };
        static const uint64_t f[] = { 1, 1, 1, 60, 60, 3600, 86400 };
        return parse_with_suffix(rvalue, s, f, ELEMENTSOF(s), data);
}

int config_parse_size(const char *rvalue, void *data) {
        static const char *const s[] = { "", "K", "M", "G" };
        static const uint64_t f[] = { 1, 1024, 1024 * 1024, 1024 * 1024 * 1024 };
        return parse_with_suffix(rvalue, s, f, ELEMENTSOF(s), data);
}

int config_parse_strv(const char *rvalue, void *data) {
        char ***l = data;
        _cleanup_free_ char *copy = strdup(rvalue);
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        if (*rvalue == 0) {
                strv_free(*l);
                *l = NULL;
                return 0;
        }
        for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                r = strv_extend(l, w);
                if (r < 0)
                        return r;
        }
        return 0;
}
