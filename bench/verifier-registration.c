/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a registration costs the verifier, measured in one run: software
 * MakeCredential for a real RSA EK and AK (tests/data/tpm/keylime), the durable
 * write of the node row (SQLite WAL, synchronous commit) and a node lookup.
 * Prints the rate of each and their ratios.
 *
 *   build/bench/verifier-registration [nodes]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "makecredential.h"
#include "storage.h"
#include "tpm2-public.h"

static double wall_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void die(const char *what) {
        fprintf(stderr, "verifier-registration: %s\n", what);
        exit(EXIT_FAILURE);
}

static Tpm2Public *load_public(const char *rel, uint8_t **ret_raw, size_t *ret_size) {
        char path[1024];
        Tpm2Public *p = NULL;

        snprintf(path, sizeof(path), "%s/%s", BENCH_DATA_DIR, rel);
        if (read_full_file(path, 1u << 16, ret_raw, ret_size) < 0 || tpm2_public_parse(*ret_raw, *ret_size, &p) < 0)
                die(path);
        return p;
}

static double bench_makecredential(const Tpm2Public *ek, const Tpm2Public *ak, unsigned n) {
        uint8_t secret[CREDENTIAL_KEYLIME_SECRET_SIZE];
        CredentialBlob blob;
        double t = wall_now();

        for (unsigned i = 0; i < n; i++)
                if (credential_random_secret(secret, sizeof secret) < 0 ||
                    makecredential(ek, ak->name, ak->name_size, secret, sizeof secret, &blob) < 0)
                        die("makecredential");
        return (double) n / (wall_now() - t);
}

static double bench_put(Storage *s, Node *node, unsigned n) {
        char id[32];
        double t = wall_now();

        for (unsigned i = 0; i < n; i++) {
                snprintf(id, sizeof id, "node-%u", i);
                node->id = id;
                if (storage_node_put(s, node) < 0)
                        die("node put");
        }
        node->id = NULL;
        return (double) n / (wall_now() - t);
}

static double bench_get(Storage *s, unsigned n) {
        char id[32];
        double t = wall_now();

        for (unsigned i = 0; i < n; i++) {
                Node *got = NULL;
                snprintf(id, sizeof id, "node-%u", (i * 7919u) % n);
                if (storage_node_get(s, id, &got) < 0)
                        die("node get");
                node_free(got);
        }
        return (double) n / (wall_now() - t);
}

int main(int argc, char *argv[]) {
        unsigned n = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 2000;
        char dir[] = "/var/tmp/bench-verifier-XXXXXX", path[64], cmd[128];
        Tpm2Public *ek, *ak;
        Node node = { .state = NODE_REGISTERED, .regcount = 1 };
        uint8_t *ek_raw, *ak_raw;
        size_t ek_size, ak_size;
        Storage *s;
        double mc, put, get;

        if (n == 0)
                die("nodes must be positive");
        ek = load_public("tpm/keylime/files/ek.pub", &ek_raw, &ek_size);
        ak = load_public("tpm/keylime/files/ak.pub", &ak_raw, &ak_size);
        node.ek_tpm = (Blob) { ek_raw, ek_size };
        node.aik_tpm = (Blob) { ak_raw, ak_size };

        if (!mkdtemp(dir))
                die("mkdtemp");
        snprintf(path, sizeof path, "%s/verifier.db", dir);
        if (storage_open_sqlite(path, &s) < 0)
                die("open database");

        mc = bench_makecredential(ek, ak, n);
        put = bench_put(s, &node, n);
        get = bench_get(s, n);

        printf("nodes: %u\n", n);
        printf("MakeCredential (RSA-2048 EK):   %10.0f /s\n", mc);
        printf("durable node write (WAL, FULL): %10.0f /s\n", put);
        printf("node lookup:                    %10.0f /s\n", get);
        printf("ratio MakeCredential / write:   %10.2f\n", mc / put);
        printf("ratio lookup / write:           %10.2f\n", get / put);

        storage_close(s);
        tpm2_public_free(ek);
        tpm2_public_free(ak);
        free(ek_raw);
        free(ak_raw);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
