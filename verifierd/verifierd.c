/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "conf-parser.h"
#include "fileio.h"
#include "attest-limits.h"
#include "log.h"
#include "memory-util.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-messages.h"

#define DRAIN_TIMEOUT_USEC (10ULL * 1000000ULL)
#define EVALUATION_STOP_GRACE_USEC (2ULL * 1000000ULL)
#define DRAIN_POLL_USEC (50ULL * 1000ULL)
#define TLS_FILE_MAX (256u * 1024u)
/* Free memory kept at the heap's top, and added to each extension of it. */
#define MALLOC_TRIM_THRESHOLD (2 * 1024 * 1024)
#define MALLOC_TOP_PAD (512 * 1024)

static const char *arg_config = VERIFIERD_CONFIG_FILE;
static char **arg_listen = NULL;
static const char *arg_admin_socket = NULL;
static const char *arg_state_directory = NULL;


static void help(void) {
        printf("Usage: attest-verifierd [OPTIONS…]\n\n"
               "Registrar and verifier of hostattest nodes.\n\n"
               "  -h --help                  Show this help\n"
               "     --version               Show the version\n"
               "     --config FILE           Configuration file (default %s)\n"
               "     --listen ADDR:PORT      Listen here when not socket-activated (repeatable)\n"
               "     --admin-socket PATH     Admin API socket (default %s)\n"
               "     --state-directory DIR   Where the database lives (default %s)\n"
               "\nSee attest-verifierd(8).\n", VERIFIERD_CONFIG_FILE, DEFAULT_ADMIN_SOCKET_PATH, LOCALSTATEDIR);
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_VERSION = 0x100, ARG_CONFIG, ARG_LISTEN, ARG_ADMIN_SOCKET, ARG_STATE_DIRECTORY };
        static const struct option options[] = {
                { "help",            no_argument,       NULL, 'h'                 },
                { "version",         no_argument,       NULL, ARG_VERSION         },
                { "config",          required_argument, NULL, ARG_CONFIG          },
                { "listen",          required_argument, NULL, ARG_LISTEN          },
                { "admin-socket",    required_argument, NULL, ARG_ADMIN_SOCKET    },
                { "state-directory", required_argument, NULL, ARG_STATE_DIRECTORY },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        puts(PACKAGE_VERSION);
                        return 0;
                case ARG_CONFIG:
                        arg_config = optarg;
                        break;
                case ARG_LISTEN:
                        if (strv_extend(&arg_listen, optarg) < 0)
                                return log_oom();
                        break;
                case ARG_ADMIN_SOCKET:
                        arg_admin_socket = optarg;
                        break;
                case ARG_STATE_DIRECTORY:
                        arg_state_directory = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(-EINVAL, "This program takes no arguments.");
        return 1;
}

static int replace_string(char **field, const char *value) {
        char *c = strdup(value);
        if (!c)
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

static int load_config(Manager *m) {
        int r;

        r = verifier_config_load(arg_config, &m->config);
        if (r < 0)
                return r;
        if (arg_listen) {
                strv_free(m->config.listen);
                m->config.listen = TAKE_PTR(arg_listen);
        }
        if (arg_admin_socket && replace_string(&m->config.admin_socket, arg_admin_socket) < 0)
                return log_oom();
        if (arg_state_directory && replace_string(&m->config.state_directory, arg_state_directory) < 0)
                return log_oom();
        r = tenant_config_load(m->config.tenant_config, &m->tenant);
        if (r < 0)
                return r;

        struct group *g = getgrnam(m->config.admin_group);
        if (g) {
                m->admin_gid = g->gr_gid;
                m->have_admin_gid = true;
        } else
                log_notice("Group %s does not exist; only root may use the admin API.", m->config.admin_group);

        if (m->config.ek_ca_directory) {
                r = trust_store_load(m->config.ek_ca_directory, &m->ek_store);
                if (r < 0)
                        return log_error_errno(r, "Failed to load EK CA directory %s: %m", m->config.ek_ca_directory);
        } else if (m->config.require_ek_cert)
                return log_error_errno(-EINVAL, "require_ek_cert = yes needs ek_ca_directory.");
        /* Said at every start: with nothing to check EK certificates against, any TPM
         * (software TPMs included) that registers is enrolled and given policies. */
        if (m->tenant.auto_enrol && !m->config.ek_ca_directory)
                log_warning("auto_enrol = yes without ek_ca_directory: any TPM that registers is enrolled, software TPMs included.");
        if (m->config.iak_ca_directory) {
                r = trust_store_load(m->config.iak_ca_directory, &m->iak_store);
                if (r < 0)
                        return log_error_errno(r, "Failed to load IAK CA directory %s: %m", m->config.iak_ca_directory);
        }
        return cc_trust_setup(m);
}

static int open_storage(Manager *m) {
        int r;

        r = verifier_storage_open(&m->config, &m->storage);
        if (r < 0)
                return r;
        if (mkdir(m->config.state_directory, 0750) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create %s: %m", m->config.state_directory);
        r = secret_store_open(m->storage, m->config.state_directory, m->config.secret_key_file, &m->secrets);
        if (r < 0)
                return r;
        return results_keys_open(m->storage, m->config.state_directory, m->config.results_signing_key, &m->results);
}

/* "A (what), B (what)" for the ready message. */
static char *listening_text(char **l) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        for (char **p = l; p && *p; p++)
                fprintf(f, "%s%s", p == l ? "" : ", ", *p);
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static void tls_done(HttpTlsConfig *t) {
        free((char *) t->cert_pem);
        erase_and_free_string((char *) t->key_pem);
        free((char *) t->client_ca_pem);
}

static int load_tls(Manager *m, HttpTlsConfig *ret) {
        uint8_t *cert = NULL, *key = NULL, *ca = NULL;
        size_t n;
        int r;

        r = read_full_file(m->config.tls_certificate, TLS_FILE_MAX, &cert, &n);
        if (r >= 0)
                r = read_full_file(m->config.tls_key, TLS_FILE_MAX, &key, &n);
        if (r >= 0 && m->config.tls_client_ca)
                r = read_full_file(m->config.tls_client_ca, TLS_FILE_MAX, &ca, &n);
        *ret = (HttpTlsConfig) { (char *) cert, (char *) key, (char *) ca };
        if (r < 0) {
                tls_done(ret);
                return log_error_errno(r, "Failed to read TLS certificate, key or client CA: %m");
        }
        return 0;
}

static int add_tcp_listener(Manager *m, int fd, const HttpTlsConfig *tls) {
        char address[INET6_ADDRSTRLEN + 8] = "?";
        int r;

        (void) http_socket_address(fd, address, sizeof address);
        if (!tls && !http_socket_is_local(fd)) {
                safe_close(fd);
                return log_error_errno(-EPERM, "Refusing plain HTTP on %s, not a loopback address: set tls_certificate= "
                                       "and tls_key= in [Server] of %s, or listen on 127.0.0.1 or [::1] only.",
                                       address, arg_config);
        }
        r = http_server_add_listener(m->server, fd, LISTENER_TCP, tls);
        if (r < 0)
                return log_error_errno(r, "Failed to serve %s: %m", address);
        listener_note(m, fd, tls ? (tls->client_ca_pem ? "TLS, client certificates" : "TLS") : "plain HTTP");
        return 0;
}

static int setup_listeners(Manager *m) {
        _cleanup_(tls_done) HttpTlsConfig tls = {};
        bool have_tls = m->config.tls_certificate, have_unix = false;
        int n, r;

        if (have_tls && (r = load_tls(m, &tls)) < 0)
                return r;
        if (!have_tls)
                log_notice("No TLS certificate configured: serving plain HTTP on loopback addresses only.");

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "Failed to get sockets from the service manager: %m");
        for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0) {
                        r = http_server_add_listener(m->server, fd, LISTENER_UNIX, NULL);
                        if (r < 0)
                                return log_error_errno(r, "Failed to serve passed Unix socket: %m");
                        listener_note(m, fd, "admin");
                        have_unix = true;
                } else if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) > 0) {
                        r = add_tcp_listener(m, fd, have_tls ? &tls : NULL);
                        if (r < 0)
                                return r;
                } else
                        return log_error_errno(-EINVAL, "Passed file descriptor %d is not a listening stream socket.", fd);
        }
        for (char **a = n > 0 ? NULL : m->config.listen; a && *a; a++) {
                bool loopback;
                int fd;
                r = http_listen_tcp(*a, &fd, &loopback);
                if (r < 0)
                        return log_error_errno(r, "Failed to listen on %s: %m", *a);
                r = add_tcp_listener(m, fd, have_tls ? &tls : NULL);
                if (r < 0)
                        return r;
        }
        if (!have_unix) {
                int fd;
                /* Anyone may connect; each request is judged by its peer credentials. */
                r = http_listen_unix(m->config.admin_socket, 0666, &fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to listen on %s: %m", m->config.admin_socket);
                r = http_server_add_listener(m->server, fd, LISTENER_UNIX, NULL);
                if (r < 0)
                        return log_error_errno(r, "Failed to serve %s: %m", m->config.admin_socket);
                listener_note(m, fd, "admin");
        }
        return 0;
}

static int on_drain(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (http_server_n_connections(m->server) == 0 || usec >= m->drain_deadline)
                return sd_event_exit(m->event, 0);
        (void) sd_event_source_set_time(s, usec + DRAIN_POLL_USEC);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        uint64_t now;

        if (m->stopping)
                return 0;
        m->stopping = true;
        (void) sd_notify(false, "STOPPING=1");
        log_info("Stopping: finishing requests in flight.");
        http_server_quiesce(m->server);
        (void) sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        m->drain_deadline = now + DRAIN_TIMEOUT_USEC;
        return sd_event_add_time(m->event, &m->drain_timer, CLOCK_MONOTONIC, now, 0, on_drain, m);
}

/* false when worker threads still run: the process must then end without
 * the exit handlers that would free what they use. */
static bool manager_done(Manager *m) {
        struct timespec ts;
        uint64_t deadline;
        bool evaluating;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        deadline = (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u + EVALUATION_STOP_GRACE_USEC;
        /* Requests waiting for a shared round trip go on (or are refused as the verifier stops)
         * while the server exists: their evidence joins the evaluations below. */
        round_trip_done(m);
        /* Evaluations finished by now are answered; one still running was not acknowledged. */
        evaluating = verdict_pool_stop(m, deadline) < 0;
        verdict_flush(m);       /* answers deferred requests while their connections exist */
        http_server_free(m->server);
        tenant_policies_done(m);
        /* Else its workers still use the plugins and policies. */
        if (!evaluating && push_context_done(m) < 0)
                evaluating = true;
        storage_close(m->storage);
        secret_store_free(m->secrets);
        results_keys_free(m->results);
        strv_free(m->listening);
        session_table_free(m->session_table);
        sd_event_source_disable_unref(m->drain_timer);
        sd_event_unref(m->event);
        X509_STORE_free(m->ek_store);
        X509_STORE_free(m->iak_store);
        cc_trust_free(m->cc_trust);
        if (m->parser)
                json_tokener_free(m->parser);
        verifier_config_done(&m->config);
        tenant_config_done(&m->tenant);
        return !evaluating;
}

static int run(Manager *m) {
        sigset_t mask;
        int r;

        r = load_config(m);
        if (r < 0)
                return r;
        r = open_storage(m);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m");
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void) signal(SIGPIPE, SIG_IGN);
        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_terminate, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_terminate, m);
        if (r >= 0)
                r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return log_error_errno(r, "Failed to set up event sources: %m");

        r = push_context_init(m);
        if (r >= 0)
                r = verdict_pool_start(m);
        if (r < 0)
                return r;
        r = tenant_policies_load(m);
        if (r < 0)
                return r;
        r = liveness_start(m);
        if (r < 0)
                return log_error_errno(r, "Failed to start the liveness timer: %m");

        r = http_server_new(m->event, &(HttpLimits) {
                                    .max_connections = (unsigned) m->config.max_connections,
                                    .max_connections_per_address = (unsigned) m->config.max_connections_per_address,
                                    .request_timeout_usec = m->config.request_timeout_sec * 1000000ULL,
                                    .max_pending_body_bytes = m->config.max_pending_body_bytes,
                            }, http_handler, http_admit, m, &m->server);
        if (r < 0)
                return log_oom();
        r = setup_listeners(m);
        if (r >= 0)
                r = metrics_listen(m);
        if (r < 0)
                return r;

        (void) sd_notify(false, "READY=1\nSTATUS=Serving.");
        _cleanup_free_ char *listening = listening_text(m->listening);
        log_info("attest-verifierd %s ready (storage %s, database schema %u, instance %s) on %s.", PACKAGE_VERSION,
                 storage_backend_to_string(m->config.storage_backend), verifier_storage_schema_version(&m->config),
                 m->config.instance_name, listening ?: "?");
        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return 0;
}

int main(int argc, char *argv[]) {
        Manager m = {};
        int r;

        /* A group commit frees the verdicts of a batch together, at the top of the heap:
         * with glibc's defaults (trimmed past 128 KiB free) the heap was shrunk and grown
         * again (brk) with most commits. Fixed thresholds also stop glibc from raising them
         * once a large block (a policy loaded) is freed, which left MiBs free in the heap. */
        (void) mallopt(M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD);
        (void) mallopt(M_TOP_PAD, MALLOC_TOP_PAD);
        log_parse_environment();
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        r = run(&m);
        if (r < 0)
                log_struct(LOG_ERR, MESSAGE_SERVICE_ERROR, "attest-verifierd failed: %s", strerror(-r));
        if (!manager_done(&m)) {
                fflush(NULL);
                _exit(r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
        }
        strv_free(arg_listen);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
