/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Push attestation end to end: N simulated nodes (software EK/AK, real
 * TPMS_ATTEST/TPMT_SIGNATURE, a real UEFI log, IMA logs that grow) register
 * through the HTTP registration path, authenticate and attest against a
 * running attest-verifierd over HTTP, as agents do. For each N it prints
 * attestations/s, p50/p99 latency of one attestation (POST + PATCH) and the
 * verifier's memory per node (RSS growth / N), with the bare signature
 * verification rate of this machine, measured in the same run, as the base
 * of the ratio. attest/s is wall clock with the simulated nodes sharing the
 * machine; per-cpu-s divides by the CPU time the verifier process used
 * (attestations per core-second), cpu-r is that over the bare rate.
 *
 *   build/bench/push [--rounds R] [--threads T] [--lines L] [--evaluation-threads E]
 *                    [--verifierd PATH] [--postgresql URL --postgresql-pid PID]
 *                    [--instances K] [N …]     (default: N = 100, T = 16, K = 1)
 *
 * --postgresql runs the verifier instances on that database (emptied before each
 * N) instead of SQLite; the CPU per attestation then counts the server's
 * processes too (children of the postmaster PID). --instances K runs K
 * verifier processes on it, the client threads spread over them.
 * bench/push-postgresql.sh starts a server and runs SQLite, K = 1 and K = 2.
 *
 * --evaluation-threads sets the verifier's evaluation_threads= (its default
 * otherwise); --verifierd runs another build of the daemon, e.g. an older one
 * to compare with.
 *
 * --lines 0 (default) is quote-only (a tpm policy on PCR 15); --lines L adds a
 * runtime policy of 100 000 digests and L new IMA lines per push. The
 * verifier runs as a child with its database in a temporary directory; its
 * verdicts are durable (SQLite WAL, synchronous commit) as in production.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <dirent.h>
#include <libpq-fe.h>

#include "parse-util.h"
#include "sim-agent.h"
#include "tpm2-public.h"
#include "tpm2-signature.h"

#define POLICY_DIGESTS 100000u
#define FILES_DIR "/bench"

static unsigned arg_rounds = 3, arg_threads = 16, arg_lines = 0, arg_instances = 1;
static const char *arg_verifierd = BENCH_VERIFIERD, *arg_pg_url = NULL;
static pid_t arg_pg_pid = 0;
static int arg_eval_threads = -1;       /* -1: not set in verifierd.conf */
static SimUefi uefi;

#define INSTANCES_MAX 8u
static pid_t verifier_pids[INSTANCES_MAX];     /* running, for die() to stop */

static void die(const char *what, int e) {
        fprintf(stderr, "push: %s: %s\n", what, strerror(e < 0 ? -e : e));
        for (unsigned i = 0; i < INSTANCES_MAX; i++)
                if (verifier_pids[i] > 0)
                        kill(verifier_pids[i], SIGTERM);
        exit(EXIT_FAILURE);
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static long rss_kib(pid_t pid) {
        char path[64], line[256];
        long kib = -1;
        FILE *f;

        (void) snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
                        break;
        fclose(f);
        return kib;
}

/* CPU seconds (user + system) the process has used. */
static double cpu_s(pid_t pid) {
        char path[64], buf[1024], *p;
        unsigned long ut = 0, st = 0;
        FILE *f;
        size_t n;

        (void) snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');          /* the command name may hold spaces */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
                return 0;
        return (double) (ut + st) / (double) sysconf(_SC_CLK_TCK);
}

/* CPU seconds of the PostgreSQL server: the postmaster and its children (backends, writers). */
static double pg_cpu_s(void) {
        char path[300], buf[1024], *p;
        double sum = 0;
        DIR *d;
        struct dirent *de;

        if (arg_pg_pid <= 0)
                return 0;
        sum = cpu_s(arg_pg_pid);
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                int ppid = 0;
                uint32_t pid;
                FILE *f;
                size_t n;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                (void) snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                n = fread(buf, 1, sizeof buf - 1, f);
                fclose(f);
                buf[n] = '\0';
                p = strrchr(buf, ')');
                if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == arg_pg_pid &&
                    safe_atou32(de->d_name, &pid) >= 0)
                        sum += cpu_s((pid_t) pid);
        }
        if (d)
                closedir(d);
        return sum;
}

/* A fresh schema for each run: the instances migrate it when they start. */
static void pg_empty(void) {
        PGconn *c = PQconnectdb(arg_pg_url);
        PGresult *r;

        if (PQstatus(c) != CONNECTION_OK)
                die(PQerrorMessage(c), ECONNREFUSED);
        r = PQexec(c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
                die(PQresultErrorMessage(r), EIO);
        PQclear(r);
        PQfinish(c);
}

static int free_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t l = sizeof a;
        int fd = socket(AF_INET, SOCK_STREAM, 0), port;

        if (fd < 0 || bind(fd, (struct sockaddr *) &a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *) &a, &l) < 0)
                die("port", -errno);
        port = ntohs(a.sin_port);
        close(fd);
        return port;
}

static void write_file(const char *dir, const char *name, const char *text) {
        char path[512];
        FILE *f;

        (void) snprintf(path, sizeof path, "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0)
                die(path, -errno);
}

/* A runtime policy of POLICY_DIGESTS files under FILES_DIR and the nodes' boot_aggregate. */
static void write_runtime_policy(const char *dir) {
        SimNode *n = NULL;
        char path[512], agg[65];
        FILE *f;
        int e;

        e = sim_node_new("policy", &uefi, 1, &n);
        if (e < 0)
                die("node", e);
        /* "10 <template hash> ima-ng sha256:<digest> boot_aggregate" */
        if (sscanf(n->ima, "10 %*s ima-ng sha256:%64s", agg) != 1)
                die("boot_aggregate", EINVAL);
        sim_node_free(n);
        (void) snprintf(path, sizeof path, "%s/runtime.json", dir);
        f = fopen(path, "we");
        if (!f)
                die(path, -errno);
        fprintf(f, "{\"meta\":{\"version\":1,\"generator\":0},\"release\":0,\"digests\":{\"boot_aggregate\":[\"%s\"]", agg);
        for (unsigned i = 1; i <= POLICY_DIGESTS; i++) {
                char p[64];
                uint8_t d[32];
                int len = snprintf(p, sizeof p, FILES_DIR "/file-%u", i);
                EVP_Digest(p, (size_t) len, d, NULL, EVP_sha256(), NULL);
                fprintf(f, ",\"%s\":[\"", p);
                for (int k = 0; k < 32; k++)
                        fprintf(f, "%02x", d[k]);
                fputs("\"]", f);
        }
        fputs("},\"excludes\":[],\"keyrings\":{},\"ima\":{\"ignored_keyrings\":[],\"log_hash_alg\":\"sha1\","
              "\"dm_policy\":null},\"ima-buf\":{},\"verification-keys\":\"\"}", f);
        if (fclose(f) != 0)
                die(path, -errno);
}

static pid_t start_verifier(const char *dir, unsigned instance, int port) {
        char conf[512], state[512], listen[64], text[2048];
        pid_t pid;

        (void) snprintf(text, sizeof text,
                        "[Enrolment]\nauto_enrol = yes\ntpm_policy = %s/tpm.json\n%s%s%sinterval = 1s\n", dir,
                        arg_lines ? "runtime_policy = " : "", arg_lines ? dir : "", arg_lines ? "/runtime.json\n" : "");
        write_file(dir, "tenant.conf", text);
        write_file(dir, "tpm.json", "{\"15\": [\"0000000000000000000000000000000000000000000000000000000000000000\"]}");
        (void) snprintf(text, sizeof text,
                        "[Server]\ntenant_config = %s/tenant.conf\nadmin_socket = %s/admin-%u.sock\n"
                        "[Attestation]\nplugin_directory = %s\nhistory_retention = 10\n"
                        /* every simulated node connects from loopback */
                        "session_rate_limit = 0\n", dir, dir, instance, BENCH_PLUGIN_DIR);
        if (arg_eval_threads >= 0)
                (void) snprintf(text + strlen(text), sizeof text - strlen(text), "evaluation_threads = %d\n",
                                arg_eval_threads);
        if (arg_pg_url)
                (void) snprintf(text + strlen(text), sizeof text - strlen(text),
                                "[Storage]\nbackend = postgresql\nurl = %s\n", arg_pg_url);
        (void) snprintf(conf, sizeof conf, "verifierd-%u.conf", instance);
        write_file(dir, conf, text);
        (void) snprintf(conf, sizeof conf, "%s/verifierd-%u.conf", dir, instance);
        (void) snprintf(state, sizeof state, "%s/state-%u", dir, instance);
        if (mkdir(state, 0700) < 0 && errno != EEXIST)
                die(state, -errno);
        (void) snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
        (void) snprintf(text, sizeof text, "%s/verifierd-%u.log", dir, instance);
        pid = fork();
        if (pid < 0)
                die("fork", -errno);
        if (pid == 0) {
                /* Kept for a look when the bench fails; removed with the directory. */
                if (!freopen(text, "w", stderr))
                        _exit(127);
                execl(arg_verifierd, arg_verifierd, "--config", conf, "--state-directory", state, "--listen", listen,
                      (char *) NULL);
                _exit(127);
        }
        return pid;
}

typedef struct Worker {
        pthread_t thread;
        SimClient *client;
        SimAgent *agents;
        size_t n_agents;
        double *latency;                /* per attestation, seconds */
        size_t n_latency;
        unsigned failed;
} Worker;

static pthread_barrier_t barrier;

static void sleep_s(double s) {
        struct timespec ts = { .tv_sec = (time_t) s, .tv_nsec = (long) ((s - (double) (time_t) s) * 1e9) };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void attest_one(Worker *w, SimAgent *a) {
        SimAttestation r;
        double t;

        if (arg_lines > 0 && sim_node_ima_grow(a->node, arg_lines, FILES_DIR) < 0)
                die("IMA log", ENOMEM);
        for (;;) {
                t = now_s();
                if (sim_agent_attest(w->client, a, SIM_SPOIL_NONE, 0, &r) < 0)
                        die("attestation", EIO);
                if (r.create_status != 429 && r.create_status != 503)
                        break;
                sleep_s(r.retry_after > 0 ? 0.05 : 0.01);
        }
        w->latency[w->n_latency++] = now_s() - t;
        if (r.evidence_status != 202 || strcmp(r.evaluation, "pass") != 0) {
                if (w->failed++ == 0)
                        fprintf(stderr, "push: %s: %ld/%ld %s %s %s\n", a->node->id, r.create_status, r.evidence_status,
                                r.failure_reason, r.failure_id, r.error_code);
        }
}

static void *worker_run(void *userdata) {
        Worker *w = userdata;

        for (size_t i = 0; i < w->n_agents; i++)
                if (sim_agent_register(w->client, w->agents[i].node) < 0 || sim_agent_session(w->client, &w->agents[i]) < 0)
                        die("registration", EIO);
        pthread_barrier_wait(&barrier);
        for (unsigned round = 0; round < arg_rounds; round++) {
                pthread_barrier_wait(&barrier);
                for (size_t i = 0; i < w->n_agents; i++)
                        attest_one(w, &w->agents[i]);
                pthread_barrier_wait(&barrier);
        }
        return NULL;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

/* Verifications per second of one quote signature, on this thread, for about a second. */
static double bare_verify_rate(void) {
        SimNode *n = NULL;
        SimBuf attest, sig;
        uint8_t nonce[16] = { 1 }, *blob = NULL;
        size_t blob_size;
        Tpm2Signature s;
        EVP_PKEY *pub = NULL;
        unsigned count = 0;
        double t0, t;

        if (sim_node_new("bare", &uefi, 1, &n) < 0 ||
            sim_node_quote(n, nonce, sizeof nonce, UINT32_C(1) << 15, NULL, &attest, &sig, &blob, &blob_size) < 0 ||
            tpm2_signature_parse(sig.data, sig.size, &s) < 0)
                die("bare quote", EIO);
        free(blob);
        /* the key as the verifier gets it: from the registered TPM2B_PUBLIC */
        Tpm2Public *ak = NULL;
        if (tpm2_public_parse(n->ak_tpm.data, n->ak_tpm.size, &ak) < 0 || tpm2_public_to_evp_pkey(ak, &pub) < 0)
                die("public key", EIO);
        tpm2_public_free(ak);
        t0 = now_s();
        do {
                for (int i = 0; i < 100; i++)
                        if (tpm2_signature_verify(&s, pub, attest.data, attest.size) != 0)
                                die("signature", EIO);
                count += 100;
                t = now_s();
        } while (t - t0 < 1.0);
        EVP_PKEY_free(pub);
        sim_node_free(n);
        return count / (t - t0);
}

static void wait_ready(SimClient *c) {
        /* Instances on one database start one after the other: they migrate it in turn. */
        for (int i = 0; i < 600; i++) {
                SimResponse r = {};
                if (sim_http(c, "GET", "/version", NULL, NULL, &r) >= 0 && r.status == 200) {
                        sim_response_done(&r);
                        return;
                }
                sim_response_done(&r);
                sleep_s(0.05);
        }
        die("verifier does not answer", ETIMEDOUT);
}

/* CPU seconds of the verifier instances, and of the database server when it is PostgreSQL. */
static double cpu_all(const pid_t *pids) {
        double sum = pg_cpu_s();

        for (unsigned i = 0; i < arg_instances; i++)
                sum += cpu_s(pids[i]);
        return sum;
}

static long rss_all(const pid_t *pids) {
        long sum = 0;

        for (unsigned i = 0; i < arg_instances; i++)
                sum += rss_kib(pids[i]);
        return sum;
}

static void run(size_t n_nodes, const char *dir, double bare) {
        char base[INSTANCES_MAX][64];
        Worker *w = calloc(arg_threads, sizeof *w);
        SimAgent *agents = calloc(n_nodes, sizeof *agents);
        double *all, busy = 0, t, t_reg, cpu0, cpu1;
        size_t n_all = 0;
        unsigned failed = 0;
        long rss0, rss1;
        pid_t pids[INSTANCES_MAX];

        if (!w || !agents)
                die("memory", ENOMEM);
        if (arg_pg_url)
                pg_empty();
        for (unsigned i = 0; i < arg_instances; i++) {
                int port = free_port();
                pids[i] = verifier_pids[i] = start_verifier(dir, i, port);
                (void) snprintf(base[i], sizeof base[i], "http://127.0.0.1:%d", port);
        }
        for (size_t i = 0; i < n_nodes; i++) {
                char id[64];
                (void) snprintf(id, sizeof id, "bench-%zu", i);
                if (sim_node_new(id, &uefi, (uint64_t) time(NULL) - 3600, &agents[i].node) < 0)
                        die("node", ENOMEM);
        }
        for (unsigned k = 0; k < arg_threads; k++) {
                size_t from = n_nodes * k / arg_threads, to = n_nodes * (k + 1) / arg_threads;
                if (sim_client_new(base[k % arg_instances], &w[k].client) < 0)
                        die("client", ENOMEM);
                w[k].agents = agents + from;
                w[k].n_agents = to - from;
                w[k].latency = calloc((to - from) * arg_rounds + 1, sizeof(double));
        }
        for (unsigned k = 0; k < MIN(arg_threads, arg_instances); k++)
                wait_ready(w[k].client);
        rss0 = rss_all(pids);
        pthread_barrier_init(&barrier, NULL, arg_threads + 1);
        t = now_s();
        for (unsigned k = 0; k < arg_threads; k++)
                pthread_create(&w[k].thread, NULL, worker_run, &w[k]);
        pthread_barrier_wait(&barrier);
        t_reg = now_s() - t;
        cpu0 = cpu_all(pids);
        for (unsigned round = 0; round < arg_rounds; round++) {
                double start = now_s(), took;
                pthread_barrier_wait(&barrier);
                pthread_barrier_wait(&barrier);
                took = now_s() - start;
                busy += took;
                if (round + 1 < arg_rounds && took < 1.05)
                        sleep_s(1.05 - took);   /* the nodes' interval is 1 s */
        }
        rss1 = rss_all(pids);
        cpu1 = cpu_all(pids);
        all = calloc(n_nodes * arg_rounds + 1, sizeof *all);
        for (unsigned k = 0; k < arg_threads; k++) {
                pthread_join(w[k].thread, NULL);
                memcpy(all + n_all, w[k].latency, w[k].n_latency * sizeof *all);
                n_all += w[k].n_latency;
                failed += w[k].failed;
                free(w[k].latency);
                sim_client_free(w[k].client);
        }
        pthread_barrier_destroy(&barrier);
        for (unsigned i = 0; i < arg_instances; i++) {
                kill(pids[i], SIGTERM);
                (void) waitpid(pids[i], NULL, 0);
                verifier_pids[i] = 0;
        }
        qsort(all, n_all, sizeof *all, cmp_double);
        double per_cpu = cpu1 > cpu0 ? n_all / (cpu1 - cpu0) : 0;
        printf("%7zu %8.0f %9.0f %10.0f %8.2f %8.2f %9.1f %7.3f %7.3f %6u\n", n_nodes, n_nodes / t_reg, n_all / busy,
               per_cpu, all[n_all / 2] * 1e3, all[(size_t) ((double) n_all * 0.99)] * 1e3,
               (double) (rss1 - rss0) / (double) n_nodes, n_all / busy / bare, per_cpu / bare, failed);
        for (size_t i = 0; i < n_nodes; i++)
                sim_node_free(agents[i].node);
        free(agents);
        free(all);
        free(w);
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "rounds",  required_argument, NULL, 'r' },
                { "threads", required_argument, NULL, 't' },
                { "lines",   required_argument, NULL, 'l' },
                { "evaluation-threads", required_argument, NULL, 'e' },
                { "verifierd", required_argument, NULL, 'v' },
                { "postgresql", required_argument, NULL, 'p' },
                { "postgresql-pid", required_argument, NULL, 'P' },
                { "instances", required_argument, NULL, 'i' },
                {}
        };
        char dir[] = "/tmp/bench-push-XXXXXX", cmd[600];
        double bare;
        uint32_t pg_pid;
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'r': arg_rounds = (unsigned) atoi(optarg); break;
                case 't': arg_threads = (unsigned) atoi(optarg); break;
                case 'l': arg_lines = (unsigned) atoi(optarg); break;
                case 'e': arg_eval_threads = atoi(optarg); break;
                case 'v': arg_verifierd = optarg; break;
                case 'p': arg_pg_url = optarg; break;
                case 'P':
                        if (safe_atou32(optarg, &pg_pid) < 0 || pg_pid == 0 || pg_pid > INT32_MAX)
                                return fprintf(stderr, "Invalid --postgresql-pid: %s\n", optarg), EXIT_FAILURE;
                        arg_pg_pid = (pid_t) pg_pid;
                        break;
                case 'i':
                        if (safe_atou32(optarg, &arg_instances) < 0)
                                return fprintf(stderr, "Invalid --instances: %s\n", optarg), EXIT_FAILURE;
                        break;
                default: return EXIT_FAILURE;
                }
        if (arg_rounds < 1 || arg_threads < 1 || arg_threads > 64 || arg_instances < 1 ||
            arg_instances > INSTANCES_MAX || (arg_instances > 1 && !arg_pg_url))
                return EXIT_FAILURE;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (sim_uefi_load(BENCH_UEFI_LOG, &uefi) < 0)
                die(BENCH_UEFI_LOG, EIO);
        if (!mkdtemp(dir))
                die("mkdtemp", -errno);
        if (arg_lines > 0)
                write_runtime_policy(dir);
        bare = bare_verify_rate();
        printf("bare signature verification (ECDSA P-256/SHA-256 of a quote): %.0f/s\n", bare);
        printf("%s, %u rounds, %u client threads; verifier: %u process%s on %s, durable verdicts%s\n",
               arg_lines ? "runtime policy of 100000 digests, new IMA lines per push" : "quote only (tpm policy, PCR 15)",
               arg_rounds, arg_threads, arg_instances, arg_instances > 1 ? "es" : "", arg_pg_url ? "PostgreSQL" : "SQLite",
               arg_pg_url ? " (per-cpu-s counts the server's CPU)" : "");
        if (arg_eval_threads >= 0)
                printf("verifier: %s, evaluation_threads = %d\n", arg_verifierd, arg_eval_threads);
        else
                printf("verifier: %s, default evaluation threads\n", arg_verifierd);
        if (arg_lines)
                printf("IMA lines per push: %u\n", arg_lines);
        printf("%7s %8s %9s %10s %8s %8s %9s %7s %7s %6s\n", "nodes", "reg/s", "attest/s", "per-cpu-s", "p50 ms",
               "p99 ms", "KiB/node", "ratio", "cpu-r", "failed");
        if (optind == argc)
                run(100, dir, bare);
        for (int i = optind; i < argc; i++) {
                (void) snprintf(cmd, sizeof cmd, "rm -rf %s/state-*", dir);
                if (system(cmd) != 0)
                        die("cleanup", EIO);
                run((size_t) strtoul(argv[i], NULL, 10), dir, bare);
        }
        (void) snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        (void) system(cmd);
        sim_uefi_done(&uefi);
        return EXIT_SUCCESS;
}
