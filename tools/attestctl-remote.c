/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where attestctl sends admin requests: the verifier's local admin socket, or a
 * verifier elsewhere over HTTPS with a client certificate (--url, --cert, --key,
 * --cacert, or the [Verifier] section of ~/.config/hostattest/attestctl.conf).
 * The command line wins over the file; --admin-socket keeps the request local. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-admin.h"
#include "conf-parser.h"
#include "http-client.h"
#include "log.h"

typedef struct RemoteConfig {
        char *url, *cert, *key, *cacert;
} RemoteConfig;

/* Read once; the strings live as long as the process, as argv's do. */
static RemoteConfig file_config;

static const ConfigItem remote_items[] = {
        { "Verifier", "URL",         config_parse_string, offsetof(RemoteConfig, url)    },
        { "Verifier", "Certificate", config_parse_path,   offsetof(RemoteConfig, cert)   },
        { "Verifier", "Key",         config_parse_path,   offsetof(RemoteConfig, key)    },
        { "Verifier", "CAFile",      config_parse_path,   offsetof(RemoteConfig, cacert) },
};

static int config_path(char **ret) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

        if (xdg && xdg[0] == '/')
                return asprintf(ret, "%s/hostattest/attestctl.conf", xdg) < 0 ? -ENOMEM : 0;
        if (home && home[0] == '/')
                return asprintf(ret, "%s/.config/hostattest/attestctl.conf", home) < 0 ? -ENOMEM : 0;
        return -ENOENT;
}

static void fill(const char **field, char *from_file) {
        if (!*field)
                *field = from_file;
}

/* Completes arg_globals from the file, once. */
static int remote_settings_load(void) {
        static bool loaded = false;
        _cleanup_free_ char *path = NULL;
        int r;

        if (loaded)
                return 0;
        loaded = true;
        if (arg_globals.admin_socket_set || config_path(&path) < 0)
                return 0;
        r = config_parse_file(path, remote_items, ELEMENTSOF(remote_items), &file_config);
        if (r < 0 && r != -ENOENT)
                return r;   /* config_parse_file() named the file, the line and the reason */
        fill(&arg_globals.url, file_config.url);
        fill(&arg_globals.cert, file_config.cert);
        fill(&arg_globals.key, file_config.key);
        fill(&arg_globals.cacert, file_config.cacert);
        return 0;
}

int admin_is_remote(void) {
        int r = remote_settings_load();
        if (r < 0)
                return r;
        return arg_globals.url != NULL;
}

int admin_remote_request(const char *method, const char *path, const char *body, size_t body_size, long *ret_status,
                         char **ret_body) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_free_ char *url = NULL;
        const char *base = arg_globals.url;
        size_t n = strlen(base);
        int r;

        /* The admin API answers only callers with a client certificate: without one there is no point asking. */
        if (strncmp(base, "https://", 8) != 0)
                return log_error_errno(-EINVAL, "Invalid --url '%s': the admin API is served over https:// only.", base);
        if (!arg_globals.cert || !arg_globals.key)
                return log_error_errno(-EINVAL, "--url %s needs --cert and --key: a client certificate issued by the "
                                       "verifier's tls_client_ca, and its key.", base);
        while (n > 0 && base[n - 1] == '/')
                n--;
        if (asprintf(&url, "%.*s%s", (int) n, base, path) < 0)
                return log_oom();
        r = http_client_request(&(HttpClientRequest) {
                        .url = url,
                        .method = method,
                        .ca_file = arg_globals.cacert,
                        .body = body,
                        .body_size = body_size,
                        .client_cert = arg_globals.cert,
                        .client_key = arg_globals.key,
                }, &resp);
        if (r == -EPERM)
                return log_error_errno(r, "The verifier at %s did not present a certificate that verifies against %s.",
                                       base, arg_globals.cacert ?: "the system's trust store");
        if (r < 0)
                return log_error_errno(r, "Cannot reach the verifier at %s: %m", base);
        *ret_status = resp.status;
        *ret_body = TAKE_PTR(resp.body);
        return 0;
}
