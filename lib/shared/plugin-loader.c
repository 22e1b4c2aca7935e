/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "plugin-loader.h"

bool plugin_name_is_valid(const char *name) {
        size_t n;

        if (!name || !(name[0] >= 'a' && name[0] <= 'z'))
                return false;
        n = strlen(name);
        if (n > ATTEST_PLUGIN_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
                      name[i] == '_' || name[i] == '-'))
                        return false;
        return true;
}

/* "<name>" of ".../libattest-plugin-<name>.so", malloc'ed, or NULL when the file name is not a plugin's. */
static char *name_from_path(const char *path) {
        const char *base = strrchr(path, '/');
        size_t n;
        char *name;

        base = base ? base + 1 : path;
        if (strncmp(base, PLUGIN_FILE_PREFIX, strlen(PLUGIN_FILE_PREFIX)) != 0)
                return NULL;
        base += strlen(PLUGIN_FILE_PREFIX);
        n = strlen(base);
        if (n <= strlen(PLUGIN_FILE_SUFFIX) || strcmp(base + n - strlen(PLUGIN_FILE_SUFFIX), PLUGIN_FILE_SUFFIX) != 0)
                return NULL;
        name = strndup(base, n - strlen(PLUGIN_FILE_SUFFIX));
        if (name && !plugin_name_is_valid(name))
                name = mfree(name);
        return name;
}

Plugin *plugin_free(Plugin *p) {
        if (!p)
                return NULL;
        if (p->dl)
                dlclose(p->dl);
        free(p->name);
        free(p->path);
        return mfree(p);
}

#define VTABLE_V1_SIZE(type, last) (offsetof(type, last) + sizeof(((type *) 0)->last))

static int check_vtable(Plugin *p, const char **ret_error) {
        const uint32_t *size = p->info->vtable;

        if (!size) {
                *ret_error = "no vtable";
                return -EBADMSG;
        }
        switch (p->kind) {
        case ATTEST_PLUGIN_POLICY_ENGINE: {
                const AttestPolicyEngine *e = p->info->vtable;

                if (*size < VTABLE_V1_SIZE(AttestPolicyEngine, evaluate)) {
                        *ret_error = "policy engine vtable smaller than ABI version 1";
                        return -EPROTO;
                }
                if (!e->compile || !e->free_compiled || !e->requirements || !e->evaluate) {
                        *ret_error = "policy engine vtable lacks a function";
                        return -EBADMSG;
                }
                p->engine = e;
                return 0;
        }
        case ATTEST_PLUGIN_FAILURE_ACTION: {
                const AttestFailureAction *a = p->info->vtable;

                if (*size < VTABLE_V1_SIZE(AttestFailureAction, run)) {
                        *ret_error = "failure action vtable smaller than ABI version 1";
                        return -EPROTO;
                }
                if (!a->configure || !a->free_instance || !a->run) {
                        *ret_error = "failure action vtable lacks a function";
                        return -EBADMSG;
                }
                p->action = a;
                return 0;
        }
        case ATTEST_PLUGIN_EVIDENCE_VERIFIER:
                *ret_error = "evidence verifier plugins are reserved and not supported yet";
                return -EPROTONOSUPPORT;
        default:
                *ret_error = "unknown plugin kind";
                return -EPROTO;
        }
}

static int check_info(Plugin *p, const char **ret_error) {
        const AttestPluginInfo *info = p->info;

        if (!info) {
                *ret_error = "attest_plugin_info() returned NULL";
                return -EPROTO;
        }
        if (info->abi_version != ATTEST_PLUGIN_ABI_VERSION) {
                *ret_error = "unsupported ABI version";
                return -EPROTO;
        }
        /* Newer plugins may append fields; none may be missing. */
        if (info->struct_size < VTABLE_V1_SIZE(AttestPluginInfo, vtable)) {
                *ret_error = "plugin info smaller than ABI version 1";
                return -EPROTO;
        }
        if (!info->name || strcmp(info->name, p->name) != 0) {
                *ret_error = "plugin name differs from its file name";
                return -EPROTO;
        }
        p->kind = info->kind;
        return check_vtable(p, ret_error);
}

int plugin_load(const char *path, Plugin **ret, const char **ret_error) {
        static _Thread_local char dl_error[256];
        _cleanup_(plugin_freep) Plugin *p = NULL;
        const char *error = NULL;
        AttestPluginInfoFn fn;
        int r;

        assert_return(path && ret, -EINVAL);
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->name = name_from_path(path);
        if (!p->name) {
                error = "file name is not libattest-plugin-<name>.so with a valid name";
                r = -EINVAL;
                goto fail;
        }
        p->path = strdup(path);
        if (!p->path)
                return -ENOMEM;
        p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!p->dl) {
                (void) snprintf(dl_error, sizeof(dl_error), "%s", dlerror());
                error = dl_error;
                r = -ELIBBAD;
                goto fail;
        }
        fn = (AttestPluginInfoFn) dlvsym(p->dl, ATTEST_PLUGIN_ENTRY, ATTEST_PLUGIN_VERSION_NODE);
        if (!fn) {
                error = "no symbol " ATTEST_PLUGIN_ENTRY "@" ATTEST_PLUGIN_VERSION_NODE;
                r = -ELIBBAD;
                goto fail;
        }
        p->info = fn();
        r = check_info(p, &error);
        if (r < 0)
                goto fail;
        *ret = TAKE_PTR(p);
        return 0;
fail:
        if (ret_error)
                *ret_error = error;
        return r;
}

PluginSet *plugin_set_free(PluginSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_plugins; i++)
                plugin_free(s->plugins[i]);
        free(s->plugins);
        return mfree(s);
}

static int is_plugin_file(const struct dirent *d) {
        size_t n = strlen(d->d_name);

        return strncmp(d->d_name, PLUGIN_FILE_PREFIX, strlen(PLUGIN_FILE_PREFIX)) == 0 &&
               n > strlen(PLUGIN_FILE_SUFFIX) &&
               strcmp(d->d_name + n - strlen(PLUGIN_FILE_SUFFIX), PLUGIN_FILE_SUFFIX) == 0;
}

static int plugin_set_add(PluginSet *s, const char *dir, const char *file) {
        _cleanup_(plugin_freep) Plugin *p = NULL;
        _cleanup_free_ char *path = NULL;
        const char *error = NULL;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = plugin_load(path, &p, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_warning_errno(r, "Skipping plugin %s: %s", path, error ?: "unusable");
                return 0;
        }
        s->plugins[s->n_plugins++] = TAKE_PTR(p);
        log_debug("Loaded plugin %s from %s.", s->plugins[s->n_plugins - 1]->name, path);
        return 0;
}

int plugin_set_load(const char *dir, PluginSet **ret) {
        _cleanup_(plugin_set_freep) PluginSet *s = NULL;
        struct dirent **entries = NULL;
        int n, r = 0;

        assert_return(dir && ret, -EINVAL);
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        n = scandir(dir, &entries, is_plugin_file, alphasort);
        if (n < 0) {
                if (errno != ENOENT)
                        log_warning_errno(-errno, "Cannot read plugin directory %s: %m", dir);
                *ret = TAKE_PTR(s);
                return 0;
        }
        if ((unsigned) n > PLUGIN_FILES_MAX)
                log_warning("Plugin directory %s holds %d plugins, loading the first %u.", dir, n, PLUGIN_FILES_MAX);
        s->plugins = calloc(MIN((unsigned) n, PLUGIN_FILES_MAX) + 1, sizeof(Plugin *));
        for (int i = 0; i < n; i++) {
                if (r == 0 && !s->plugins)
                        r = -ENOMEM;
                if (r == 0 && (unsigned) i < PLUGIN_FILES_MAX)
                        r = plugin_set_add(s, dir, entries[i]->d_name);
                free(entries[i]);
        }
        free(entries);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

const Plugin *plugin_set_find(const PluginSet *s, const char *name, AttestPluginKind kind) {
        if (!s || !name)
                return NULL;
        for (size_t i = 0; i < s->n_plugins; i++)
                if (s->plugins[i]->kind == kind && strcmp(s->plugins[i]->name, name) == 0)
                        return s->plugins[i];
        return NULL;
}
