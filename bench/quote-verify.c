/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Quote verifications per second on one core, as a ratio to bare EVP_DigestVerify
 * with the same key over the same bytes, measured in the same run on real TPM
 * quotes (RSA-2048/SHA-256 and ECDSA P-384/SHA-384).
 *
 *   build/bench/quote-verify [seconds per round]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/pem.h>

#include "fileio.h"
#include "hexdecode.h"
#include "pcr-blob.h"
#include "quote-verify.h"
#include "tpm2-public.h"

#define ROUNDS 3

typedef struct Case {
        const char *label;
        EVP_PKEY *ak;
        uint8_t *msg, *sig, *pcrs;
        size_t msg_size, sig_size, pcrs_size;
        uint8_t nonce[TPM2_DATA_SIZE_MAX];
        size_t nonce_size;
        PcrValues *values;
        Tpm2Signature parsed_sig;
} Case;

static double cpu_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void die(const char *what) {
        fprintf(stderr, "quote-verify: %s\n", what);
        exit(EXIT_FAILURE);
}

static uint8_t *load(const char *rel, size_t *size) {
        char path[1024];
        uint8_t *buf;

        snprintf(path, sizeof(path), "%s/%s", BENCH_DATA_DIR, rel);
        if (read_full_file(path, 1u << 20, &buf, size) < 0)
                die(path);
        return buf;
}

static EVP_PKEY *load_ak(const char *rel) {
        size_t n;
        _cleanup_free_ uint8_t *buf = load(rel, &n);
        _cleanup_(tpm2_public_freep) Tpm2Public *p = NULL;
        EVP_PKEY *k = NULL;

        if (n > 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
                BIO *bio = BIO_new_mem_buf(buf, (int) n);
                k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
                BIO_free(bio);
        } else if (tpm2_public_parse(buf, n, &p) >= 0)
                (void) tpm2_public_to_evp_pkey(p, &k);
        if (!k)
                die(rel);
        return k;
}

static void setup(Case *c, const char *ak, const char *base, const char *msg, const char *sig, const char *pcrs,
                  const char *nonce_hex) {
        char path[512];

        c->ak = load_ak(ak);
        snprintf(path, sizeof(path), "%s%s", base, msg);
        c->msg = load(path, &c->msg_size);
        snprintf(path, sizeof(path), "%s%s", base, sig);
        c->sig = load(path, &c->sig_size);
        snprintf(path, sizeof(path), "%s%s", base, pcrs);
        c->pcrs = load(path, &c->pcrs_size);
        c->nonce_size = strlen(nonce_hex) / 2;
        c->values = calloc(1, sizeof(*c->values));
        if (!c->values || hex_decode_into(nonce_hex, strlen(nonce_hex), c->nonce, c->nonce_size) < 0 ||
            pcr_blob_parse(c->pcrs, c->pcrs_size, c->values) < 0 ||
            tpm2_signature_parse(c->sig, c->sig_size, &c->parsed_sig) < 0)
                die("fixture does not parse");
}

/* The floor: what OpenSSL alone needs to check this signature over these bytes. */
static unsigned long run_bare(const Case *c, double seconds) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        const EVP_MD *md = hash_alg_md(c->parsed_sig.hash);
        unsigned long n = 0;
        double end = cpu_now() + seconds;

        do {
                if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, c->ak) != 1 ||
                    EVP_DigestVerify(ctx, c->parsed_sig.sig, c->parsed_sig.sig_size, c->msg, c->msg_size) != 1)
                        die("bare verification failed");
                n++;
        } while ((n & 15) || cpu_now() < end);
        EVP_MD_CTX_free(ctx);
        return n;
}

/* quote_verify() from the TPMS_ATTEST and TPMT_SIGNATURE bytes, with PCR values
 * already parsed (when parse_pcrs, the PCR blob is parsed each time too). */
static unsigned long run_quote(const Case *c, double seconds, bool parse_pcrs) {
        QuoteVerifyParams p = { .ak = c->ak, .nonce = c->nonce, .nonce_size = c->nonce_size };
        PcrValues *v = calloc(1, sizeof(*v));
        unsigned long n = 0;
        double end = cpu_now() + seconds;
        AttestVerdict verdict;

        if (!v)
                die("out of memory");
        do {
                if (parse_pcrs && pcr_blob_parse(c->pcrs, c->pcrs_size, v) < 0)
                        die("PCR blob does not parse");
                if (quote_verify(&p, c->msg, c->msg_size, c->sig, c->sig_size, parse_pcrs ? v : c->values,
                                 &verdict, NULL) < 0 || verdict != ATTEST_VALID)
                        die("quote does not verify");
                n++;
        } while ((n & 15) || cpu_now() < end);
        free(v);
        return n;
}

static void bench(const Case *c, double seconds) {
        double bare = 0, quote = 0, full = 0;

        /* Interleaved rounds, best of each, so that a noisy neighbour hurts both alike. */
        for (int r = 0; r < ROUNDS; r++) {
                double t;
                t = run_bare(c, seconds) / seconds;
                bare = t > bare ? t : bare;
                t = run_quote(c, seconds, false) / seconds;
                quote = t > quote ? t : quote;
                t = run_quote(c, seconds, true) / seconds;
                full = t > full ? t : full;
        }
        printf("%-22s %12.0f %14.0f %7.3f %16.0f %7.3f\n", c->label, bare, quote, quote / bare, full, full / bare);
}

int main(int argc, char *argv[]) {
        double seconds = argc > 1 ? atof(argv[1]) : 1.0;
        Case rsa = { .label = "rsa2048 rsassa/sha256" }, ecc = { .label = "ecc-p384 ecdsa/sha384" };

        if (seconds <= 0)
                die("seconds must be positive");
        setup(&rsa, "tpm/keylime/files/akpub.pem", "tpm/keylime/files/", "quote.out", "quotesig.out", "quotepcr.out",
              "db1db298db6d60e6385b7231743e9c3056a18003");
        setup(&ecc, "tpm/swtpm/ak-p384.pub", "tpm/swtpm/", "quote-multibank.msg", "quote-multibank.sig",
              "quote-multibank.pcrs", "00112233445566778899aabbccddeeff");

        printf("Verifications per second on one core (CPU time), best of %d rounds of %.1f s.\n", ROUNDS, seconds);
        printf("ratio = quote_verify / bare EVP_DigestVerify on the same key and bytes (goal >= 0.8)\n\n");
        printf("%-22s %12s %14s %7s %16s %7s\n", "key", "bare verify/s", "quote_verify/s", "ratio",
               "+pcr blob parse/s", "ratio");
        bench(&rsa, seconds);
        bench(&ecc, seconds);
        return 0;
}
