/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IMA replay and runtime policy figures, measured in one run so that they can
 * be read as ratios: replay (parse, template hash check, extend) into the
 * verifier's one sha256 bank and into two banks, beside the raw SHA-256 rate
 * of this machine and the 2 M entries/s target; loading, size and lookup rate
 * of a generated one-million-digest policy. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hexdecode.h"
#include "ima-replay.h"
#include "macro.h"
#include "runtime-policy.h"

#define LOG_ENTRIES 200000u
#define POLICY_DIGESTS 1000000u
#define LOOKUPS 10000000u
#define ROUNDS 5u   /* best of, alternating, so that both rates see the same machine */

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* CPU time of this thread, for the per-core rates: on a shared machine wall
 * time would also count the time other processes hold the core. */
static double cpu_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static int path_of(char *buf, size_t size, size_t i) {
        return snprintf(buf, size, "/usr/lib/x86_64-linux-gnu/package-%zu/module-%zu.so", i / 40, i);
}

/* An ascii log of n ima-ng sha256 entries with correct template hashes. */
static char *make_log(size_t n, size_t *ret_size) {
        static ImaEntryBuffer b;
        size_t cap = n * 200, size = 0;
        char *log = malloc(cap), path[128], line[512];
        uint8_t digest[32], th[20];

        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < 32; k++)
                        digest[k] = (uint8_t) rng();
                _cleanup_free_ char *hex = hex_encode(digest, 32);
                path_of(path, sizeof path, i);
                int len = snprintf(line, sizeof line, "10 %040d ima-ng sha256:%s %s", 1, hex, path);
                ImaEntry e;
                if (ima_entry_parse_ascii(line, (size_t) len, &b, &e) < 0 ||
                    hash_alg_digest(hash_alg_from_name("sha1"), e.template_data, e.template_data_size, th) < 0)
                        abort();
                _cleanup_free_ char *thex = hex_encode(th, 20);
                memcpy(line + 3, thex, 40);
                memcpy(log + size, line, (size_t) len);
                size += (size_t) len;
                log[size++] = '\n';
        }
        *ret_size = size;
        return log;
}

static double time_replay(ImaReplayer *rp, const HashAlg *const *algs, size_t n_algs, const char *log, size_t size) {
        ImaReplayState s;
        double t0;

        if (ima_replay_state_init(&s, algs, n_algs) < 0)
                abort();
        t0 = cpu_now();
        if (ima_replay_feed(rp, &s, IMA_LOG_ASCII, (const uint8_t *) log, size, true, NULL, NULL, NULL) < 0 ||
            s.n_entries != LOG_ENTRIES)
                abort();
        return cpu_now() - t0;
}

/* The same number of SHA-256 runs over a template-sized buffer. */
static double time_sha256(void) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        const EVP_MD *md = hash_alg_md(hash_alg_from_name("sha256"));
        uint8_t buf[128] = {}, out[32];
        double t0 = cpu_now();

        for (size_t i = 0; i < LOG_ENTRIES; i++) {
                buf[0] = (uint8_t) i;
                if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, buf, 110) != 1 ||
                    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
                        abort();
        }
        EVP_MD_CTX_free(ctx);
        return cpu_now() - t0;
}

#define TARGET_RATE 2e6   /* DESIGN.md: full IMA replay, entries/s per core */

static void print_rate(const char *what, double rate, double sha_rate) {
        printf("IMA replay, %-27s %9.0f entries/s  %5.0f ns/entry  %.2f x target  %.2f SHA-256 runs/entry\n",
               what, rate, 1e9 / rate, rate / TARGET_RATE, sha_rate / rate);
}

static void bench_replay(void) {
        const HashAlg *sha1 = hash_alg_from_name("sha1"), *sha256 = hash_alg_from_name("sha256");
        const HashAlg *one[] = { sha256 }, *two[] = { sha1, sha256 };
        size_t size;
        _cleanup_free_ char *log = make_log(LOG_ENTRIES, &size);
        _cleanup_(ima_replayer_freep) ImaReplayer *rp = NULL;
        double t_one = 1e9, t_two = 1e9, t_sha = 1e9;

        if (ima_replayer_new(&rp) < 0)
                abort();
        for (unsigned i = 0; i < ROUNDS; i++) {
                t_one = MIN(t_one, time_replay(rp, one, ELEMENTSOF(one), log, size));
                t_two = MIN(t_two, time_replay(rp, two, ELEMENTSOF(two), log, size));
                t_sha = MIN(t_sha, time_sha256());
        }
        double sha_rate = LOG_ENTRIES / t_sha;
        printf("ascii ima-ng log of %u entries (%.0f bytes/entry), %u rounds, best, CPU time of one core\n",
               LOG_ENTRIES, (double) size / LOG_ENTRIES, ROUNDS);
        printf("raw SHA-256 of 110 bytes (EVP, one core):     %9.0f hashes/s   %5.0f ns/hash\n", sha_rate, 1e9 / sha_rate);
        print_rate("sha256 bank (verifier):", LOG_ENTRIES / t_one, sha_rate);
        print_rate("sha1+sha256 banks:", LOG_ENTRIES / t_two, sha_rate);
        printf("(an entry hashes twice per bank: template data and extend; target %.0f M entries/s)\n",
               TARGET_RATE / 1e6);
}

/* A policy text of n digests, one per path. */
static void append(char *s, size_t cap, size_t *size, const char *format, ...) _printf_(4, 5);
static void append(char *s, size_t cap, size_t *size, const char *format, ...) {
        va_list ap;
        int k;

        va_start(ap, format);
        k = vsnprintf(s + *size, cap - *size, format, ap);
        va_end(ap);
        if (k < 0 || (size_t) k >= cap - *size)
                abort();   /* the generator's size estimate is wrong */
        *size += (size_t) k;
}

/* A policy text of n digests, one per path. */
static char *make_policy(size_t n, size_t *ret_size) {
        size_t cap = n * 160 + 256, size = 0;
        char *s = malloc(cap), path[128];
        uint8_t d[32];

        if (!s)
                abort();
        append(s, cap, &size, "{\"meta\":{\"version\":1,\"generator\":3},\"release\":0,\"digests\":{");
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < 32; k++)
                        d[k] = (uint8_t) (i * 7 + k * 13);
                _cleanup_free_ char *hex = hex_encode(d, 32);
                path_of(path, sizeof path, i);
                append(s, cap, &size, "%s\"%s\":[\"%s\"]", i ? "," : "", path, hex);
        }
        append(s, cap, &size, "},\"excludes\":[\"/tmp/.*\"],\"keyrings\":{},\"ima\":{\"ignored_keyrings\":[],"
                              "\"log_hash_alg\":\"sha1\",\"dm_policy\":null},\"ima-buf\":{},"
                              "\"verification-keys\":\"\"}");
        *ret_size = size;
        return s;
}

static void bench_policy(void) {
        size_t size;
        _cleanup_free_ char *text = make_policy(POLICY_DIGESTS, &size);
        _cleanup_(runtime_policy_freep) RuntimePolicy *p = NULL;
        char (*paths)[96] = malloc(4096 * sizeof *paths);
        size_t lens[4096], found = 0;
        uint8_t d[4096][32];
        double t0, t_load, t_lookup;

        t0 = now();
        if (runtime_policy_load(text, size, &p, NULL) < 0)
                abort();
        t_load = now() - t0;

        for (size_t j = 0; j < 4096; j++) {
                size_t i = rng() % POLICY_DIGESTS;
                lens[j] = (size_t) path_of(paths[j], sizeof paths[j], i);
                for (size_t k = 0; k < 32; k++)
                        d[j][k] = (uint8_t) (i * 7 + k * 13);
        }
        t0 = now();
        for (size_t i = 0; i < LOOKUPS; i++) {
                size_t j = (i * 2654435761u) & 4095;
                const uint8_t *rec = digest_index_find(p->digests, paths[j], lens[j]);
                found += rec && digest_index_record_has(rec, d[j], 32);
        }
        t_lookup = now() - t0;
        if (found != LOOKUPS)
                abort();

        printf("runtime policy, %u digests (%.0f MiB of JSON): loaded in %.2f s\n", POLICY_DIGESTS,
               (double) size / (1 << 20), t_load);
        printf("compiled index: %.1f bytes per digest entry\n",
               (double) runtime_policy_memory(p) / POLICY_DIGESTS);
        printf("lookups (path + sha256 digest, one core): %.1f M/s\n", LOOKUPS / t_lookup / 1e6);
        free(paths);
}

int main(void) {
        bench_replay();
        bench_policy();
        return 0;
}
