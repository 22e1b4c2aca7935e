/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What one push costs below the HTTP layer: validation (quote, clock,
 * incremental IMA replay) and evaluation by plugins loaded through the ABI,
 * as a ratio to the bare signature verification of the same quote, measured
 * in the same run on one core.
 *
 *   quote only:      evidence_validate + the tpm engine (PCR 15 rule)
 *   50 IMA lines:    evidence_validate with 50 new lines + the ima engine over
 *                    a runtime policy of 100 000 digests
 *
 *   build/bench/push-eval [seconds per round]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <json-c/json.h>
#include <tss2/tss2_tpm2_types.h>

#include "fileio.h"
#include "hexdecode.h"
#include "pcr-blob.h"
#include "plugin-loader.h"
#include "validate.h"

#define ROUNDS 3
#define LINES_PER_PUSH 50u
#define POLICY_DIGESTS 100000u

typedef struct Push {
        uint8_t attest[1024], sig[256];
        size_t attest_size, sig_size;
        uint8_t *blob;
        size_t blob_size;
        size_t ima_offset, ima_size;    /* the lines this push adds */
        ImaReplayState before;
} Push;

static EVP_PKEY *ak;
static uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static char *ima_log;
static size_t ima_size;

static void die(const char *what) {
        fprintf(stderr, "push-eval: %s\n", what);
        exit(EXIT_FAILURE);
}

static double cpu_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void put(uint8_t *b, size_t *o, uint64_t v, size_t n) {
        for (size_t i = 0; i < n; i++)
                b[(*o)++] = (uint8_t) (v >> (8 * (n - 1 - i)));
}

static void put_tpm2b(uint8_t *b, size_t *o, const void *p, size_t n) {
        put(b, o, n, 2);
        memcpy(b + *o, p, n);
        *o += n;
}

/* A TPM-shaped quote of pcrs, ECDSA P-256/SHA-256 by ak. */
static void make_quote(const PcrValues *pcrs, Push *p) {
        static const uint8_t signer[34] = { 0x00, 0x0b };
        uint8_t digest[32], der[128], r[32], s[32];
        const uint8_t *q = der;
        PcrSelection sel;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t o = 0, n = sizeof(der);
        ECDSA_SIG *es;

        pcr_values_selection(pcrs, &sel);
        if (pcr_values_digest(pcrs, &sel, hash_alg_from_name("sha256"), digest) < 0)
                die("PCR digest");
        put(p->attest, &o, TPM2_GENERATED_VALUE, 4);
        put(p->attest, &o, TPM2_ST_ATTEST_QUOTE, 2);
        put_tpm2b(p->attest, &o, signer, sizeof(signer));
        put_tpm2b(p->attest, &o, nonce, sizeof(nonce));
        put(p->attest, &o, 1000, 8);
        put(p->attest, &o, 1, 4);
        put(p->attest, &o, 0, 4);
        put(p->attest, &o, 1, 1);
        put(p->attest, &o, 0, 8);
        put(p->attest, &o, sel.count, 4);
        for (size_t i = 0; i < sel.count; i++) {
                put(p->attest, &o, sel.banks[i].hash_alg, 2);
                put(p->attest, &o, 3, 1);
                for (int k = 0; k < 3; k++)
                        put(p->attest, &o, (sel.banks[i].mask >> (8 * k)) & 0xff, 1);
        }
        put_tpm2b(p->attest, &o, digest, sizeof(digest));
        p->attest_size = o;

        if (EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, ak, NULL) != 1 ||
            EVP_DigestSign(ctx, der, &n, p->attest, p->attest_size) != 1)
                die("signing");
        EVP_MD_CTX_free(ctx);
        es = d2i_ECDSA_SIG(NULL, &q, (long) n);
        if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), r, 32) != 32 || BN_bn2binpad(ECDSA_SIG_get0_s(es), s, 32) != 32)
                die("ECDSA signature");
        ECDSA_SIG_free(es);
        o = 0;
        put(p->sig, &o, TPM2_ALG_ECDSA, 2);
        put(p->sig, &o, TPM2_ALG_SHA256, 2);
        put_tpm2b(p->sig, &o, r, 32);
        put_tpm2b(p->sig, &o, s, 32);
        p->sig_size = o;
        if (pcr_blob_serialize(pcrs, &p->blob, &p->blob_size) < 0)
                die("PCR blob");
}

/* One push per LINES_PER_PUSH lines of the log, each quoting PCR 10 after its lines. */
static size_t make_pushes(Push **ret) {
        const HashAlg *sha256 = hash_alg_from_name("sha256");
        _cleanup_(ima_replayer_freep) ImaReplayer *r = NULL;
        size_t n = 0, o = 0, lines = 0;
        ImaReplayState s;
        PcrValues pcrs = {};
        uint8_t pcr15[32] = { 15 };
        Push *pushes = calloc(ima_size / 64 + 1, sizeof(Push));

        if (!pushes || ima_replayer_new(&r) < 0 || ima_replay_state_init(&s, &sha256, 1) < 0)
                die("setup");
        pcr_values_set(&pcrs, sha256, 15, pcr15);
        for (;;) {
                size_t start = o, consumed;

                while (o < ima_size && lines < (n + 1) * LINES_PER_PUSH) {
                        const char *nl = memchr(ima_log + o, '\n', ima_size - o);
                        if (!nl)
                                break;
                        o = (size_t) (nl - ima_log) + 1;
                        lines++;
                }
                if (lines < (n + 1) * LINES_PER_PUSH)
                        break;
                pushes[n].before = s;
                pushes[n].ima_offset = start;
                pushes[n].ima_size = o - start;
                if (ima_replay_feed(r, &s, IMA_LOG_ASCII, (const uint8_t *) ima_log + start, o - start, true,
                                    NULL, NULL, &consumed) < 0)
                        die("replay");
                pcr_values_set(&pcrs, sha256, 10, s.banks[0].value);
                make_quote(&pcrs, &pushes[n]);
                n++;
        }
        *ret = pushes;
        return n;
}

static ValidationInput input(const Push *p, bool with_ima) {
        return (ValidationInput) {
                .ak = ak, .nonce = nonce, .nonce_size = sizeof(nonce),
                .attest = p->attest, .attest_size = p->attest_size,
                .sig = p->sig, .sig_size = p->sig_size,
                .pcr_blob = p->blob, .pcr_blob_size = p->blob_size,
                .has_ima = with_ima, .ima_format = IMA_LOG_ASCII,
                .ima_log = (const uint8_t *) ima_log + p->ima_offset, .ima_log_size = p->ima_size,
                .ima_state = &p->before,
        };
}

/* Pushes per second through validation and cp's engine. */
static double run_pushes(const Push *pushes, size_t n, bool with_ima, const CompiledPolicy *cp,
                         ImaReplayer *r, double seconds) {
        double start = cpu_now(), now;
        unsigned long count = 0;

        do {
                for (size_t i = 0; i < n; i++, count++) {
                        ValidationInput in = input(&pushes[i], with_ima);
                        ValidatedEvidence *ev = NULL;
                        ValidationFailure f;
                        PolicyOutcome o;
                        EvidenceAbi abi;

                        if (evidence_validate(&in, r, &ev, &f) != 0)
                                die(f.detail[0] ? f.detail : "validation");
                        validated_evidence_to_abi(ev, "node", NULL, &abi);
                        if (policy_evaluate(cp, &abi.ev, NULL, &o) < 0 || !o.pass)
                                die("evaluation did not pass");
                        policy_outcome_done(&o);
                        validated_evidence_free(ev);
                }
        } while ((now = cpu_now()) - start < seconds);
        return (double) count / (now - start);
}

static double run_bare(const Push *pushes, size_t n, double seconds) {
        double start = cpu_now(), now;
        unsigned long count = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        uint8_t der[128];

        do {
                for (size_t i = 0; i < n; i++, count++) {
                        ECDSA_SIG *es = ECDSA_SIG_new();
                        uint8_t *d = der;
                        int len;

                        ECDSA_SIG_set0(es, BN_bin2bn(pushes[i].sig + 6, 32, NULL), BN_bin2bn(pushes[i].sig + 40, 32, NULL));
                        len = i2d_ECDSA_SIG(es, &d);
                        ECDSA_SIG_free(es);
                        if (EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, ak) != 1 ||
                            EVP_DigestVerify(ctx, der, (size_t) len, pushes[i].attest, pushes[i].attest_size) != 1)
                                die("bare verify");
                }
        } while ((now = cpu_now()) - start < seconds);
        EVP_MD_CTX_free(ctx);
        return (double) count / (now - start);
}

/* The node's own files plus synthetic ones up to POLICY_DIGESTS digests. */
static char *runtime_policy(void) {
        _cleanup_(ima_replayer_freep) ImaReplayer *r = NULL;
        json_object *root = json_object_new_object(), *meta = json_object_new_object(), *digests = json_object_new_object();
        size_t pos = 0, n = 0;
        char *text, name[64], hex[41];
        ImaEntry e;

        if (!root || !meta || !digests || ima_replayer_new(&r) < 0)
                die("policy");
        while (ima_replayer_next_entry(r, IMA_LOG_ASCII, (const uint8_t *) ima_log, ima_size, &pos, true, &e) > 0) {
                _cleanup_free_ char *h = hex_encode(e.digest.data, e.digest.size);
                json_object *list;

                if (!json_object_object_get_ex(digests, e.name, &list)) {
                        list = json_object_new_array();
                        json_object_object_add(digests, e.name, list);
                }
                json_object_array_add(list, json_object_new_string(h));
                n++;
        }
        for (; n < POLICY_DIGESTS; n++) {
                json_object *list = json_object_new_array();

                snprintf(name, sizeof(name), "/usr/lib/synthetic/%zu.so", n);
                snprintf(hex, sizeof(hex), "%040zx", n);
                json_object_array_add(list, json_object_new_string(hex));
                json_object_object_add(digests, name, list);
        }
        json_object_object_add(meta, "version", json_object_new_int(1));
        json_object_object_add(root, "meta", meta);
        json_object_object_add(root, "digests", digests);
        text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
        json_object_put(root);
        return text;
}

int main(int argc, char *argv[]) {
        double seconds = argc > 1 ? atof(argv[1]) : 1.0, bare = 0, quote = 0, ima = 0;
        _cleanup_(ima_replayer_freep) ImaReplayer *r = NULL;
        _cleanup_(policy_cache_freep) PolicyCache *cache = NULL;
        _cleanup_free_ char *ima_policy = NULL;
        Plugin *tpm = NULL, *imap = NULL;
        CompiledPolicy *tpm_cp, *ima_cp;
        char tpm_policy[128], error[256];
        const char *why = NULL;
        Push *pushes;
        size_t n;

        ak = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (!ak || read_full_file(BENCH_IMA_LOG, 16u << 20, (uint8_t **) &ima_log, &ima_size) < 0)
                die("setup");
        n = make_pushes(&pushes);
        if (plugin_load(BENCH_PLUGIN_DIR "/libattest-plugin-tpm.so", &tpm, &why) < 0 ||
            plugin_load(BENCH_PLUGIN_DIR "/libattest-plugin-ima.so", &imap, &why) < 0)
                die(why ?: "plugins");
        ima_policy = runtime_policy();
        snprintf(tpm_policy, sizeof(tpm_policy), "{\"15\": [\"0f%062d\"]}", 0);
        if (policy_cache_new(&cache) < 0 || ima_replayer_new(&r) < 0 ||
            policy_cache_get(cache, tpm, (const uint8_t *) tpm_policy, strlen(tpm_policy), &tpm_cp, error, sizeof(error)) < 0 ||
            policy_cache_get(cache, imap, (const uint8_t *) ima_policy, strlen(ima_policy), &ima_cp, error, sizeof(error)) < 0)
                die(error);

        /* Interleaved rounds, best of each, so that a noisy neighbour hurts all alike. */
        for (int round = 0; round < ROUNDS; round++) {
                double b = run_bare(pushes, n, seconds), q = run_pushes(pushes, n, false, tpm_cp, r, seconds),
                       i = run_pushes(pushes, n, true, ima_cp, r, seconds);
                bare = b > bare ? b : bare;
                quote = q > quote ? q : quote;
                ima = i > ima ? i : ima;
        }
        printf("Pushes per second on one core (CPU time), best of %d rounds of %.1f s; ECDSA P-256/SHA-256 AK.\n",
               ROUNDS, seconds);
        printf("%-44s %12.0f\n", "bare EVP_DigestVerify (base)", bare);
        printf("%-44s %12.0f  ratio %.3f\n", "quote only: validate + tpm engine", quote, quote / bare);
        printf("%-44s %12.0f  ratio %.3f\n", "50 IMA lines: validate + ima engine (100k)", ima, ima / bare);

        policy_cache_release(cache, tpm_cp);
        policy_cache_release(cache, ima_cp);
        for (size_t i = 0; i < n; i++)
                free(pushes[i].blob);
        free(pushes);
        plugin_free(tpm);
        plugin_free(imap);
        free(ima_log);
        EVP_PKEY_free(ak);
        return 0;
}
