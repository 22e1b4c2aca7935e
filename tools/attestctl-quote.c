/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "attestctl.h"
#include "attestctl-keyfile.h"
#include "attestctl-quote.h"
#include "attestctl-util.h"
#include "hexdecode.h"
#include "log.h"
#include "pcr-blob.h"
#include "quote-string.h"
#include "quote-verify.h"
#include "tcg-eventlog-json.h"
#include "tpm2-signature.h"

typedef struct QuoteArgs {
        const char *ak;
        const char *nonce;
        const char *quote;
        const char *message;
        const char *signature;
        const char *pcrs;
        const HashAlg *hash;
        bool json;
} QuoteArgs;

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static void verify_help(FILE *f) {
        fprintf(f,
                "Usage: attestctl quote verify --ak FILE --nonce HEX\n"
                "                              (--quote STRING | --message FILE --signature FILE --pcrs FILE)\n"
                "                              [--hash ALG] [--json]\n\n"
                "Verify a TPM quote against an attestation key, a nonce and PCR values.\n\n"
                "  --ak FILE          AK public key: TPM2B_PUBLIC (tpm2_createak -u) or PEM\n"
                "  --nonce HEX        Expected qualifying data\n"
                "  --quote STRING     Keylime quote string r<attest>:<signature>:<pcrs> (@FILE reads it)\n"
                "  --message FILE     TPMS_ATTEST (tpm2_quote -m)\n"
                "  --signature FILE   TPMT_SIGNATURE (tpm2_quote -s)\n"
                "  --pcrs FILE        PCR values (tpm2_quote -o)\n"
                "  --hash ALG         Require this signature hash (sha1, sha256, sha384, sha512);\n"
                "                     default: any of sha256, sha384, sha512\n"
                "  --json             Machine-readable output\n");
}

static int parse_args(int argc, char *argv[], QuoteArgs *a) {
        const char *hash = NULL;
        const VerbOption options[] = {
                { "ak",        &a->ak           },
                { "nonce",     &a->nonce        },
                { "quote",     &a->quote        },
                { "message",   &a->message      },
                { "signature", &a->signature    },
                { "pcrs",      &a->pcrs         },
                { "hash",      &hash            },
                { "json",      .flag = &a->json },
                {}
        };
        int first;

        first = attestctl_parse_options(argc, argv, options, verify_help);
        if (first <= 0)
                return first;
        if (hash) {
                a->hash = hash_alg_from_name(hash);
                if (!a->hash || a->hash->tpm_alg_id == TPM2_ALG_ID_SM3_256)
                        return log_error_errno(-EINVAL, "Unsupported hash algorithm '%s'.", hash);
        }
        if (first < argc)
                return log_error_errno(-EINVAL, "Unexpected argument '%s'.", argv[first]);
        if (!a->ak || !a->nonce)
                return log_error_errno(-EINVAL, "--ak and --nonce are required; see 'attestctl quote verify --help'.");
        if (!!a->quote == !!(a->message || a->signature || a->pcrs) ||
            (!a->quote && !(a->message && a->signature && a->pcrs)))
                return log_error_errno(-EINVAL, "Give either --quote or all of --message, --signature and --pcrs.");
        return 1;
}

/* Fills parts from --quote or from the three files. */
static int load_quote(const QuoteArgs *a, QuoteParts *q) {
        _cleanup_free_ uint8_t *text = NULL;
        const char *s = a->quote;
        size_t n;
        int r;

        if (!s) {
                if ((r = attestctl_read_file(a->message, TPM2_ATTEST_SIZE_MAX, "quote message", &q->attest, &q->attest_size)) < 0 ||
                    (r = attestctl_read_file(a->signature, TPM2_SIGNATURE_SIZE_MAX, "quote signature", &q->signature, &q->signature_size)) < 0 ||
                    (r = attestctl_read_file(a->pcrs, QUOTE_STRING_SIZE_MAX, "PCR values", &q->pcr_blob, &q->pcr_blob_size)) < 0)
                        return r;
                return 0;
        }
        if (s[0] == '@') {
                r = attestctl_read_file(s + 1, QUOTE_STRING_SIZE_MAX, "quote string", &text, &n);
                if (r < 0)
                        return r;
                while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
                        n--;
                s = (const char *) text;
        } else
                n = strlen(s);
        r = quote_string_parse(s, n, q);
        if (r < 0)
                return log_error_errno(r, "Quote string is malformed.");
        return 0;
}

static void print_json(AttestVerdict v, const QuoteResult *res) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        json_object_object_add(o, "valid", json_object_new_boolean(v == ATTEST_VALID));
        if (v != ATTEST_VALID) {
                json_object_object_add(o, "reason", json_object_new_string(attest_verdict_to_string(v)));
                json_object_object_add(o, "message", json_object_new_string(attest_verdict_to_message(v)));
        } else {
                json_object *clock = json_object_new_object();
                json_object_object_add(clock, "clock", json_object_new_uint64(res->clock_info.clock));
                json_object_object_add(clock, "reset_count", json_object_new_int64(res->clock_info.reset_count));
                json_object_object_add(clock, "restart_count", json_object_new_int64(res->clock_info.restart_count));
                json_object_object_add(clock, "safe", json_object_new_boolean(res->clock_info.safe));
                json_object_object_add(o, "hash_alg", json_object_new_string(hash_alg_from_tpm_id(res->hash_alg)->name));
                json_object_object_add(o, "signature_scheme", json_object_new_string(tpm2_sig_alg_to_string(res->sig_alg)));
                json_object_object_add(o, "clock_info", clock);
                json_object_object_add(o, "firmware_version", json_object_new_uint64(res->firmware_version));
                json_object *pcrs = NULL;
                if (pcr_values_to_json(&res->pcrs, &pcrs) >= 0)
                        json_object_object_add(o, "pcrs", json_object_get(json_object_object_get(pcrs, "pcrs")));
                json_object_put(pcrs);
        }
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void print_human(const QuoteResult *res) {
        printf("Quote valid: %s/%s signature.\n", tpm2_sig_alg_to_string(res->sig_alg),
               hash_alg_from_tpm_id(res->hash_alg)->name);
        printf("Clock: %" PRIu64 " ms, reset count %" PRIu32 ", restart count %" PRIu32 ", safe: %s\n",
               res->clock_info.clock, res->clock_info.reset_count, res->clock_info.restart_count,
               res->clock_info.safe ? "yes" : "no");
        printf("Firmware version: 0x%016" PRIx64 "\n", res->firmware_version);
        attestctl_print_pcr_values(&res->pcrs);
}

static int verb_quote_verify(int argc, char *argv[]) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *ak = NULL;
        _cleanup_(quote_parts_done) QuoteParts q = {};
        _cleanup_free_ uint8_t *nonce = NULL;
        _cleanup_free_ PcrValues *pcrs = NULL;
        _cleanup_free_ QuoteResult *res = NULL;
        QuoteArgs a = {};
        AttestVerdict v;
        size_t nonce_size;
        int r;

        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (hex_decode(a.nonce, strlen(a.nonce), &nonce, &nonce_size) < 0 || nonce_size > TPM2_DATA_SIZE_MAX) {
                log_error("--nonce must be hex of at most %u bytes.", TPM2_DATA_SIZE_MAX);
                return EXIT_UNUSABLE;
        }
        if (attestctl_load_public_key(a.ak, NULL, &ak) < 0 || load_quote(&a, &q) < 0)
                return EXIT_UNUSABLE;

        pcrs = calloc(1, sizeof(*pcrs));
        res = calloc(1, sizeof(*res));
        if (!pcrs || !res)
                return log_oom(), EXIT_UNUSABLE;
        r = pcr_blob_parse(q.pcr_blob, q.pcr_blob_size, pcrs);
        if (r < 0) {
                log_error_errno(r, "PCR values are not a tpm2-tools PCR file.");
                return EXIT_UNUSABLE;
        }

        QuoteVerifyParams p = {
                .ak = ak,
                .nonce = nonce,
                .nonce_size = nonce_size,
                .allowed_hash_mask = a.hash ? TPM2_ALG_BIT(a.hash->tpm_alg_id) : 0,
        };
        r = quote_verify(&p, q.attest, q.attest_size, q.signature, q.signature_size, pcrs, &v, res);
        if (r == -EBADMSG) {
                log_error("Quote is malformed: not a TPMS_ATTEST and TPMT_SIGNATURE hostattest can read.");
                return EXIT_UNUSABLE;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to verify quote: %m");
                return EXIT_UNUSABLE;
        }

        if (a.json)
                print_json(v, res);
        else if (v == ATTEST_VALID)
                print_human(res);
        if (v != ATTEST_VALID) {
                log_error("Quote verification failed (%s): %s", attest_verdict_to_string(v), attest_verdict_to_message(v));
                return EXIT_VIOLATION;
        }
        return EXIT_PASS;
}

int verb_quote(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "verify", verb_quote_verify, "Verify a quote against an AK, a nonce and PCR values" },
        };
        return dispatch_verbs("quote", verbs, ELEMENTSOF(verbs), argc, argv);
}
