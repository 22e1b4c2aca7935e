/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Push attestation end to end: N simulated nodes (software EK/AK, real
 * TPMS_ATTEST/TPMT_SIGNATURE, a real UEFI log, IMA logs that grow) register
 * through the HTTP registration path, authenticate and attest against a
 * running attest-verifierd over HTTP, as agents do. For each N it prints
 * attestations/s, p50/p99 latency of one attestation (POST + PATCH) and the
 * verifier's memory per node (RSS growth / N), with the bare signature
 * verification rate of this machine, measured in the same run (per CPU-second
 * of one thread), as the base of the ratio. attest/s is wall clock with the
 * simulated nodes sharing the machine; per-cpu-s divides by the CPU time the
 * verifier process used (attestations per core-second), cpu-r is that over
 * the bare rate: the target figure, which other load on the machine moves least.
 *
 *   build/bench/push [--rounds R] [--threads T] [--lines L] [--evaluation-threads E]
 *                    [--verifierd PATH] [--postgresql URL --postgresql-pid PID]
 *                    [--instances K] [--ak ecc|rsa] [--tls]
 *                    [--duration SECONDS --interval SECONDS] [N …]
 *                    (default: N = 100, T = 16, K = 1, ECC P-256 AKs, plain HTTP)
 *
 * --postgresql runs the verifier instances on that database (emptied before each
 * N) instead of SQLite; the CPU per attestation then counts the server's
 * processes too (children of the postmaster PID). --instances K runs K
 * verifier processes on it, the client threads spread over them.
 * bench/push-postgresql.sh starts a server and runs SQLite, K = 1 and K = 2.
 *
 * --ak rsa gives the nodes RSA-2048 AKs (RSASSA): the bare rate is then RSA's.
 * --tls serves the nodes over HTTPS (a P-256 certificate made for the run);
 * each client thread keeps its connection, as an agent does.
 *
 * --duration and --interval make it a soak instead of rounds: N nodes each push
 * every interval (the next push is due an interval after the last verdict, as
 * seconds_to_next_attestation says) for the duration. It prints the verifier's
 * RSS, CPU and database size as it goes, then the RSS spread after the first
 * tenth, failed attestations, verdict lateness (verdict time minus due time, or
 * minus the start when the client thread was busy with another node when the push
 * was due: the simulated nodes' own queueing, which a fleet of real nodes does
 * not have, is reported apart as the client's start delay) and the database growth
 * per hour over the second half, when the history (history_retention = 10) is full.
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
#include <limits.h>
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
static bool arg_rsa = false, arg_tls = false;
static double arg_duration = 0, arg_interval = 0;       /* a soak when both are set */
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
        /* Not exit(): called from a client thread, it would run OpenSSL's and libcurl's exit
         * handlers under the other threads still in their requests, which then crash. */
        (void) fflush(stdout);
        _exit(EXIT_FAILURE);
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

/* A CA and a P-256 server certificate for 127.0.0.1, made for this run. */
static void write_tls_files(const char *dir) {
        char cmd[2048];

        write_file(dir, "san.ext", "subjectAltName = IP:127.0.0.1\n");
        (void) snprintf(cmd, sizeof cmd,
                        "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key "
                        "-out ca.pem -subj /CN=bench-ca -days 2 2>/dev/null && openssl req -new -newkey ec -pkeyopt "
                        "ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null && "
                        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                        "-extfile san.ext -out server.pem >/dev/null 2>&1", dir);
        if (system(cmd) != 0)
                die("openssl (TLS certificates)", EIO);
}

static pid_t start_verifier(const char *dir, unsigned instance, int port) {
        char conf[512], state[512], listen[64], text[2048];
        pid_t pid;

        (void) snprintf(text, sizeof text,
                        "[Enrolment]\nauto_enrol = yes\ntpm_policy = %s/tpm.json\n%s%s%sinterval = %.0fs\n", dir,
                        arg_lines ? "runtime_policy = " : "", arg_lines ? dir : "", arg_lines ? "/runtime.json\n" : "",
                        arg_interval > 0 ? arg_interval : 1.0);
        write_file(dir, "tenant.conf", text);
        write_file(dir, "tpm.json", "{\"15\": [\"0000000000000000000000000000000000000000000000000000000000000000\"]}");
        (void) snprintf(text, sizeof text,
                        "[Server]\ntenant_config = %s/tenant.conf\nadmin_socket = %s/admin-%u.sock\n"
                        /* every client thread's connection comes from loopback */
                        "max_connections_per_address = %u\n"
                        "%s%s%s%s%s"
                        "[Attestation]\nplugin_directory = %s\nhistory_retention = 10\n"
                        /* every simulated node connects from loopback */
                        "session_rate_limit = 0\n", dir, dir, instance, MAX(arg_threads, 16u) + 2,
                        arg_tls ? "tls_certificate = " : "", arg_tls ? dir : "", arg_tls ? "/server.pem\ntls_key = " : "",
                        arg_tls ? dir : "", arg_tls ? "/server.key\n" : "", BENCH_PLUGIN_DIR);
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
        SimAgent *agents;               /* its nodes: agents[first + i * stride], i < n_agents */
        size_t first, stride, n_agents;
        double *latency;                /* per attestation, seconds */
        double *lateness;               /* soak: verdict time minus due time (or start), seconds */
        double *start_delay;            /* soak: start minus due time, the client thread's own queueing */
        size_t n_latency, allocated;
        unsigned long done;             /* attestations, read by the soak's sampler */
        unsigned failed;
} Worker;

static SimAgent *worker_agent(Worker *w, size_t i) {
        return &w->agents[w->first + i * w->stride];
}

static double soak_start, soak_end;     /* CLOCK_MONOTONIC seconds, set before the soak's barrier */

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
        if (w->n_latency < w->allocated)
                w->latency[w->n_latency++] = now_s() - t;
        __atomic_add_fetch(&w->done, 1, __ATOMIC_RELAXED);
        if (r.evidence_status != 202 || strcmp(r.evaluation, "pass") != 0) {
                if (__atomic_fetch_add(&w->failed, 1, __ATOMIC_RELAXED) == 0)
                        fprintf(stderr, "push: %s: %ld/%ld %s %s %s\n", a->node->id, r.create_status, r.evidence_status,
                                r.failure_reason, r.failure_id, r.error_code);
        }
}

/* The soak: each of the worker's nodes pushes an interval after its last verdict;
 * the first pushes are spread over one interval across all nodes. Its nodes stay
 * in due order, so they are served round-robin. */
static void soak_nodes(Worker *w, size_t n_nodes) {
        double *due = calloc(w->n_agents + 1, sizeof *due);

        if (!due)
                die("memory", ENOMEM);
        for (size_t i = 0; i < w->n_agents; i++)
                due[i] = soak_start + arg_interval * (double) (w->first + i * w->stride) / (double) n_nodes;
        for (size_t i = 0; w->n_agents > 0; i = (i + 1) % w->n_agents) {
                double t = now_s(), v;

                if (due[i] >= soak_end)
                        break;
                if (due[i] > t)
                        sleep_s(due[i] - t);
                size_t before = w->n_latency;
                t = now_s();
                attest_one(w, worker_agent(w, i));
                v = now_s();
                if (w->n_latency > before) {
                        w->lateness[before] = v - MAX(due[i], t);
                        w->start_delay[before] = MAX(t - due[i], 0.0);
                }
                due[i] = v + arg_interval;
        }
        free(due);
}

static size_t soak_nodes_total;

static void *worker_run(void *userdata) {
        Worker *w = userdata;

        for (size_t i = 0; i < w->n_agents; i++)
                if (sim_agent_register(w->client, worker_agent(w, i)->node) < 0 ||
                    sim_agent_session(w->client, worker_agent(w, i)) < 0)
                        die("registration", EIO);
        pthread_barrier_wait(&barrier);
        if (arg_duration > 0) {
                pthread_barrier_wait(&barrier);
                soak_nodes(w, soak_nodes_total);
                return NULL;
        }
        for (unsigned round = 0; round < arg_rounds; round++) {
                pthread_barrier_wait(&barrier);
                for (size_t i = 0; i < w->n_agents; i++)
                        attest_one(w, worker_agent(w, i));
                pthread_barrier_wait(&barrier);
        }
        return NULL;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double thread_cpu_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Verifications of one quote signature per CPU-second of this thread, for about a
 * CPU-second: the same unit as per-cpu-s, and steady when other work shares the machine. */
static double bare_verify_rate(void) {
        SimNode *n = NULL;
        SimBuf attest, sig;
        uint8_t nonce[16] = { 1 }, *blob = NULL;
        size_t blob_size;
        Tpm2Signature s;
        EVP_PKEY *pub = NULL;
        unsigned count = 0;
        double t0, t;

        if (sim_node_new_ak("bare", &uefi, 1, arg_rsa, &n) < 0 ||
            sim_node_quote(n, nonce, sizeof nonce, UINT32_C(1) << 15, NULL, &attest, &sig, &blob, &blob_size) < 0 ||
            tpm2_signature_parse(sig.data, sig.size, &s) < 0)
                die("bare quote", EIO);
        free(blob);
        /* the key as the verifier gets it: from the registered TPM2B_PUBLIC */
        Tpm2Public *ak = NULL;
        if (tpm2_public_parse(n->ak_tpm.data, n->ak_tpm.size, &ak) < 0 || tpm2_public_to_evp_pkey(ak, &pub) < 0)
                die("public key", EIO);
        tpm2_public_free(ak);
        t0 = thread_cpu_s();
        do {
                for (int i = 0; i < 100; i++)
                        if (tpm2_signature_verify(&s, pub, attest.data, attest.size) != 0)
                                die("signature", EIO);
                count += 100;
                t = thread_cpu_s();
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

/* Bytes of the first instance's SQLite database with its WAL. */
static long long db_bytes(const char *dir) {
        static const char *const files[] = { "verifier.db", "verifier.db-wal" };
        long long sum = 0;
        char path[600];
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                (void) snprintf(path, sizeof path, "%s/state-0/%s", dir, files[i]);
                if (stat(path, &st) == 0)
                        sum += (long long) st.st_size;
        }
        return sum;
}

typedef struct Sample {
        double t;                       /* since the soak started */
        long rss;                       /* KiB */
        long long db;                   /* bytes */
} Sample;

#define SAMPLES_MAX 4096u

static unsigned long done_all(Worker *w) {
        unsigned long sum = 0;

        for (unsigned k = 0; k < arg_threads; k++)
                sum += __atomic_load_n(&w[k].done, __ATOMIC_RELAXED);
        return sum;
}

/* Starts the soak and samples the verifier until it ends: one line per sample. */
static size_t soak_sample(Worker *w, const pid_t *pids, const char *dir, Sample *samples) {
        double step = MIN(60.0, MAX(1.0, arg_duration / 60.0)), cpu_prev, t_prev;
        unsigned long done_prev = 0;
        size_t n = 0;

        soak_start = now_s() + 0.1;
        soak_end = soak_start + arg_duration;
        cpu_prev = cpu_all(pids);
        t_prev = soak_start;
        pthread_barrier_wait(&barrier);
        printf("%8s %10s %10s %12s %9s %7s %7s\n", "t s", "RSS KiB", "DB KiB", "attestations", "attest/s", "cpu %",
               "failed");
        for (double next = soak_start + step;; next += step) {
                double t = now_s(), cpu;
                unsigned long done;
                unsigned failed = 0;

                if (next > t)
                        sleep_s(next - t);
                t = now_s();
                cpu = cpu_all(pids);
                done = done_all(w);
                for (unsigned k = 0; k < arg_threads; k++)
                        failed += __atomic_load_n(&w[k].failed, __ATOMIC_RELAXED);
                if (n < SAMPLES_MAX)
                        samples[n++] = (Sample) { .t = t - soak_start, .rss = rss_all(pids), .db = db_bytes(dir) };
                printf("%8.0f %10ld %10lld %12lu %9.1f %7.1f %7u\n", t - soak_start, samples[n - 1].rss,
                       samples[n - 1].db / 1024, done, (double) (done - done_prev) / (t - t_prev),
                       100.0 * (cpu - cpu_prev) / (t - t_prev), failed);
                fflush(stdout);
                done_prev = done;
                cpu_prev = cpu;
                t_prev = t;
                if (t >= soak_end)
                        return n;
        }
}

static double percentile(const double *sorted, size_t n, double p) {
        return n == 0 ? 0 : sorted[MIN(n - 1, (size_t) ((double) n * p))];
}

static void soak_report(const Sample *samples, size_t n, const double *late, const double *delay, size_t n_late,
                        unsigned failed, unsigned long done, double cpu, double bare, size_t n_nodes) {
        long lo = LONG_MAX, hi = 0;
        const Sample *mid = NULL, *last = n > 0 ? &samples[n - 1] : NULL;

        for (size_t i = 0; i < n; i++) {
                if (samples[i].t < arg_duration / 10)
                        continue;
                lo = MIN(lo, samples[i].rss);
                hi = MAX(hi, samples[i].rss);
                if (!mid && samples[i].t >= arg_duration / 2)
                        mid = &samples[i];
        }
        printf("soak: %zu nodes, one push every %.0f s each, %.0f s: %lu attestations (%.1f/s), %u failed\n", n_nodes,
               arg_interval, arg_duration, done, (double) done / arg_duration, failed);
        if (hi > 0)
                printf("verifier RSS after the first tenth: %ld .. %ld KiB, spread %.1f %% of the lowest\n", lo, hi,
                       100.0 * (double) (hi - lo) / (double) lo);
        printf("verdict lateness (verdict time - due time): p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
               percentile(late, n_late, 0.5) * 1e3, percentile(late, n_late, 0.99) * 1e3,
               n_late ? late[n_late - 1] * 1e3 : 0);
        printf("client start delay (its thread busy with another node when due, not counted above): p50 %.1f ms,"
               " p99 %.1f ms, max %.1f ms\n", percentile(delay, n_late, 0.5) * 1e3, percentile(delay, n_late, 0.99) * 1e3,
               n_late ? delay[n_late - 1] * 1e3 : 0);
        printf("verifier CPU: %.1f %% of a core, %.0f us per attestation (%.0f per cpu-s, cpu-r %.3f)\n",
               100.0 * cpu / arg_duration, done ? cpu / (double) done * 1e6 : 0, cpu > 0 ? (double) done / cpu : 0,
               cpu > 0 ? (double) done / cpu / bare : 0);
        if (mid && last && last->t > mid->t)
                printf("database: %.1f MiB at the end, growth over the second half %.1f MiB/hour\n",
                       (double) last->db / 1048576.0,
                       (double) (last->db - mid->db) / 1048576.0 / (last->t - mid->t) * 3600.0);
}

static void run(size_t n_nodes, const char *dir, double bare) {
        char base[INSTANCES_MAX][64], ca[600];
        Worker *w = calloc(arg_threads, sizeof *w);
        SimAgent *agents = calloc(n_nodes, sizeof *agents);
        Sample *samples = arg_duration > 0 ? calloc(SAMPLES_MAX, sizeof *samples) : NULL;
        double *all, *late = NULL, *delay = NULL, busy = 0, t, t_reg, cpu0, cpu1;
        size_t n_all = 0, n_samples = 0, per_node;
        unsigned failed = 0;
        unsigned long done = 0;
        long rss0, rss1;
        pid_t pids[INSTANCES_MAX];

        if (!w || !agents || (arg_duration > 0 && !samples))
                die("memory", ENOMEM);
        if (arg_pg_url)
                pg_empty();
        for (unsigned i = 0; i < arg_instances; i++) {
                int port = free_port();
                pids[i] = verifier_pids[i] = start_verifier(dir, i, port);
                (void) snprintf(base[i], sizeof base[i], "%s://127.0.0.1:%d", arg_tls ? "https" : "http", port);
        }
        for (size_t i = 0; i < n_nodes; i++) {
                char id[64];
                (void) snprintf(id, sizeof id, "bench-%zu", i);
                if (sim_node_new_ak(id, &uefi, (uint64_t) time(NULL) - 3600, arg_rsa, &agents[i].node) < 0)
                        die("node", ENOMEM);
        }
        /* Rounds: contiguous shares. Soak: every T-th node, so each thread's nodes are due evenly over the interval. */
        per_node = arg_duration > 0 ? (size_t) (arg_duration / arg_interval) + 2 : arg_rounds;
        soak_nodes_total = n_nodes;
        (void) snprintf(ca, sizeof ca, "%s/ca.pem", dir);
        for (unsigned k = 0; k < arg_threads; k++) {
                size_t from = n_nodes * k / arg_threads, to = n_nodes * (k + 1) / arg_threads;
                if (sim_client_new(base[k % arg_instances], &w[k].client) < 0 ||
                    (arg_tls && sim_client_set_ca(w[k].client, ca) < 0))
                        die("client", ENOMEM);
                w[k].agents = arg_duration > 0 ? agents : agents + from;
                w[k].first = arg_duration > 0 ? k : 0;
                w[k].stride = arg_duration > 0 ? arg_threads : 1;
                w[k].n_agents = arg_duration > 0 ? (k < n_nodes ? (n_nodes - k + arg_threads - 1) / arg_threads : 0) : to - from;
                w[k].allocated = w[k].n_agents * per_node;
                w[k].latency = calloc(w[k].allocated + 1, sizeof(double));
                w[k].lateness = arg_duration > 0 ? calloc(w[k].allocated + 1, sizeof(double)) : NULL;
                w[k].start_delay = arg_duration > 0 ? calloc(w[k].allocated + 1, sizeof(double)) : NULL;
                if (!w[k].latency || (arg_duration > 0 && (!w[k].lateness || !w[k].start_delay)))
                        die("memory", ENOMEM);
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
        if (arg_duration > 0) {
                printf("%zu nodes registered in %.1f s\n", n_nodes, t_reg);
                n_samples = soak_sample(w, pids, dir, samples);
        }
        for (unsigned round = 0; arg_duration <= 0 && round < arg_rounds; round++) {
                double start = now_s(), took;
                pthread_barrier_wait(&barrier);
                pthread_barrier_wait(&barrier);
                took = now_s() - start;
                busy += took;
                if (round + 1 < arg_rounds && took < 1.05)
                        sleep_s(1.05 - took);   /* the nodes' interval is 1 s */
        }
        for (unsigned k = 0; k < arg_threads; k++)
                pthread_join(w[k].thread, NULL);
        rss1 = rss_all(pids);
        cpu1 = cpu_all(pids);
        all = calloc(n_nodes * per_node + 1, sizeof *all);
        late = arg_duration > 0 ? calloc(n_nodes * per_node + 1, sizeof *late) : NULL;
        delay = arg_duration > 0 ? calloc(n_nodes * per_node + 1, sizeof *delay) : NULL;
        if (!all || (arg_duration > 0 && (!late || !delay)))
                die("memory", ENOMEM);
        for (unsigned k = 0; k < arg_threads; k++) {
                memcpy(all + n_all, w[k].latency, w[k].n_latency * sizeof *all);
                if (late) {
                        memcpy(late + n_all, w[k].lateness, w[k].n_latency * sizeof *late);
                        memcpy(delay + n_all, w[k].start_delay, w[k].n_latency * sizeof *delay);
                }
                n_all += w[k].n_latency;
                failed += w[k].failed;
                done += w[k].done;
                free(w[k].latency);
                free(w[k].lateness);
                free(w[k].start_delay);
                sim_client_free(w[k].client);
        }
        pthread_barrier_destroy(&barrier);
        for (unsigned i = 0; i < arg_instances; i++) {
                kill(pids[i], SIGTERM);
                (void) waitpid(pids[i], NULL, 0);
                verifier_pids[i] = 0;
        }
        qsort(all, n_all, sizeof *all, cmp_double);
        if (late) {
                qsort(late, n_all, sizeof *late, cmp_double);
                qsort(delay, n_all, sizeof *delay, cmp_double);
                soak_report(samples, n_samples, late, delay, n_all, failed, done, cpu1 - cpu0, bare, n_nodes);
                printf("attestation round trip (POST + PATCH): p50 %.2f ms, p99 %.2f ms\n", percentile(all, n_all, 0.5) * 1e3,
                       percentile(all, n_all, 0.99) * 1e3);
        } else {
                double per_cpu = cpu1 > cpu0 ? n_all / (cpu1 - cpu0) : 0;
                printf("%7zu %8.0f %9.0f %10.0f %8.2f %8.2f %9.1f %7.3f %7.3f %6u\n", n_nodes, n_nodes / t_reg, n_all / busy,
                       per_cpu, all[n_all / 2] * 1e3, all[(size_t) ((double) n_all * 0.99)] * 1e3,
                       (double) (rss1 - rss0) / (double) n_nodes, n_all / busy / bare, per_cpu / bare, failed);
        }
        for (size_t i = 0; i < n_nodes; i++)
                sim_node_free(agents[i].node);
        free(agents);
        free(all);
        free(late);
        free(delay);
        free(samples);
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
                { "ak",        required_argument, NULL, 'a' },
                { "tls",       no_argument,       NULL, 's' },
                { "duration",  required_argument, NULL, 'd' },
                { "interval",  required_argument, NULL, 'I' },
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
                case 'a':
                        if (strcmp(optarg, "rsa") != 0 && strcmp(optarg, "ecc") != 0)
                                return fprintf(stderr, "Invalid --ak: %s (ecc or rsa)\n", optarg), EXIT_FAILURE;
                        arg_rsa = strcmp(optarg, "rsa") == 0;
                        break;
                case 's': arg_tls = true; break;
                case 'd':
                case 'I': {
                        uint32_t v;
                        if (safe_atou32(optarg, &v) < 0 || v == 0 || v > 7 * 86400)
                                return fprintf(stderr, "Invalid --%s: %s (seconds, 1 to 604800)\n",
                                               c == 'd' ? "duration" : "interval", optarg), EXIT_FAILURE;
                        *(c == 'd' ? &arg_duration : &arg_interval) = v;
                        break;
                }
                default: return EXIT_FAILURE;
                }
        if (arg_rounds < 1 || arg_threads < 1 || arg_threads > 64 || arg_instances < 1 ||
            arg_instances > INSTANCES_MAX || (arg_instances > 1 && !arg_pg_url))
                return EXIT_FAILURE;
        if ((arg_duration > 0) != (arg_interval > 0))
                return fprintf(stderr, "--duration and --interval go together.\n"), EXIT_FAILURE;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (sim_uefi_load(BENCH_UEFI_LOG, &uefi) < 0)
                die(BENCH_UEFI_LOG, EIO);
        if (!mkdtemp(dir))
                die("mkdtemp", -errno);
        if (arg_lines > 0)
                write_runtime_policy(dir);
        if (arg_tls)
                write_tls_files(dir);
        bare = bare_verify_rate();
        printf("bare signature verification (%s of a quote): %.0f per CPU-second\n",
               arg_rsa ? "RSASSA RSA-2048/SHA-256" : "ECDSA P-256/SHA-256", bare);
        printf("%s, %u %s, %u client threads; verifier: %u process%s on %s over %s, durable verdicts%s\n",
               arg_lines ? "runtime policy of 100000 digests, new IMA lines per push" : "quote only (tpm policy, PCR 15)",
               arg_duration > 0 ? (unsigned) arg_duration : arg_rounds, arg_duration > 0 ? "s soak" : "rounds",
               arg_threads, arg_instances, arg_instances > 1 ? "es" : "", arg_pg_url ? "PostgreSQL" : "SQLite",
               arg_tls ? "HTTPS" : "HTTP", arg_pg_url ? " (per-cpu-s counts the server's CPU)" : "");
        if (arg_eval_threads >= 0)
                printf("verifier: %s, evaluation_threads = %d\n", arg_verifierd, arg_eval_threads);
        else
                printf("verifier: %s, default evaluation threads\n", arg_verifierd);
        if (arg_lines)
                printf("IMA lines per push: %u\n", arg_lines);
        /* DESIGN.md section 11 sets them for P-256 AKs, quote only and with 50 IMA lines, at
         * full load: a soak's trickle of verdicts is not what they are about. */
        if (arg_duration <= 0 && !arg_rsa && (arg_lines == 0 || arg_lines == 50))
                printf("target: cpu-r at least %.2f\n", arg_lines ? 0.25 : 0.40);
        if (arg_duration <= 0)
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
