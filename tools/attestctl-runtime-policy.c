/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl runtime-policy-run: the verifier's runtime engine, offline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "attestctl-runtime-policy.h"
#include "attestctl-ima.h"
#include "attestctl.h"
#include "fileio.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "runtime-policy-eval.h"

int runtime_policy_read(const char *path, RuntimePolicy **ret) {
        _cleanup_free_ uint8_t *data = NULL;
        RuntimePolicyError err = {};
        size_t size;
        int r;

        r = read_full_file(path, ATTESTCTL_RUNTIME_POLICY_MAX, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read runtime policy '%s': %m", path);
        r = runtime_policy_load((const char *) data, size, ret, &err);
        if (r < 0)
                return log_error_errno(r, "Invalid runtime policy '%s': %s.", path, err.text[0] ? err.text : "invalid");
        return 0;
}

/* A PEM public key (SubjectPublicKeyInfo) into the keyring. */
static int keyring_add_pem(ImaKeyring *k, const char *path) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, RUNTIME_POLICY_KEY_DER_MAX * 2, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read key '%s': %m", path);
        BIO *bio = BIO_new_mem_buf(data, (int) size);
        EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        if (!pkey)
                return log_error_errno(-EBADMSG, "'%s' is not a PEM public key.", path);
        r = ima_keyring_add_pkey(k, pkey);
        EVP_PKEY_free(pkey);
        if (r < 0)
                return log_error_errno(r, "Failed to add key '%s': %m", path);
        return 0;
}

/* Keylime's serialised keyring file ({"pubkeys": […]}) into the keyring. */
static int keyring_add_json(ImaKeyring *k, const char *path) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, RUNTIME_POLICY_KEYS_MAX * RUNTIME_POLICY_KEY_DER_MAX * 2, &data, &size);
        if (r < 0)
                return log_error_errno(r, "Failed to read keyring '%s': %m", path);
        r = ima_keyring_parse_json(k, (const char *) data, size);
        if (r < 0)
                return log_error_errno(r, "Invalid keyring '%s'.", path);
        return 0;
}

typedef struct RunArgs {
        bool json;
        ImaKeyring keys;
        ImaPcrValue quoted[IMA_REPLAY_BANKS_MAX];
        size_t n_quoted;
} RunArgs;

static void run_args_done(RunArgs *a) {
        ima_keyring_done(&a->keys);
}

static void run_help(void) {
        printf("Usage: attestctl runtime-policy-run POLICY LOG [OPTIONS]\n\n"
               "Checks an IMA measurement list against a runtime policy, as the verifier does.\n\n"
               "  --json                      Print the verdict as JSON\n"
               "  --verification-key PEM      A key for ima-sig and ima-modsig signatures besides\n"
               "                              the policy's\n"
               "  --keyring JSON              Keys as {\"pubkeys\": [base64 SPKI…]}\n"
               "  --pcr10 ALG:HEX             The quoted PCR 10: entries past it are not checked\n"
               "\nExit status: 0 pass, 1 policy violated, 2 unusable input.\n");
}

static int run_parse_args(int argc, char *argv[], RunArgs *a) {
        enum { ARG_JSON = 0x100, ARG_KEY, ARG_KEYRING, ARG_PCR10 };
        static const struct option options[] = {
                { "help",             no_argument,       NULL, 'h'         },
                { "json",             no_argument,       NULL, ARG_JSON    },
                { "verification-key", required_argument, NULL, ARG_KEY     },
                { "keyring",          required_argument, NULL, ARG_KEYRING },
                { "pcr10",            required_argument, NULL, ARG_PCR10   },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        run_help();
                        return 0;
                case ARG_JSON:
                        a->json = true;
                        break;
                case ARG_KEY:
                        if (keyring_add_pem(&a->keys, optarg) < 0)
                                return -EINVAL;
                        break;
                case ARG_KEYRING:
                        if (keyring_add_json(&a->keys, optarg) < 0)
                                return -EINVAL;
                        break;
                case ARG_PCR10:
                        if (a->n_quoted >= ELEMENTSOF(a->quoted) || ima_parse_pcr_arg(optarg, &a->quoted[a->n_quoted]) < 0)
                                return log_error_errno(-EINVAL, "Invalid --pcr10 '%s': expected ALG:HEX.", optarg);
                        a->n_quoted++;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind + 2 != argc)
                return log_error_errno(-EINVAL, "Expected POLICY and LOG.");
        return 1;
}

/* Parses, checks and replays every entry of data[0..len). A template hash
 * that does not match its data is ima.pcr_mismatch for that entry. */
static int run_entries(ImaReplayer *rp, ImaReplayState *s, RuntimeEvaluation *ev, const ImaLogFile *log,
                       size_t len, const char *path) {
        size_t o = 0;
        ImaEntry e;
        int r;

        for (;;) {
                r = ima_replayer_next_entry(rp, log->format, log->data, len, &o, true, &e);
                if (r < 0)
                        return log_error_errno(r, "%s: entry %" PRIu64 ": %s.", path, s->n_entries, ima_strerror(r));
                if (r == 0)
                        return 0;
                uint64_t no = s->n_entries;
                r = runtime_evaluation_check(ev, no, &e);
                if (r < 0)
                        return log_oom();
                r = ima_replay_entry(rp, s, &e);
                if (r == -EUCLEAN) {
                        s->n_entries++;
                        r = runtime_evaluation_fail(ev, RUNTIME_FAILURE_PCR_MISMATCH, no, e.name, ima_strerror(r));
                }
                if (r < 0)
                        return log_error_errno(r, "%s: entry %" PRIu64 ": %s.", path, no, ima_strerror(r));
        }
}

static void print_human(const RuntimeEvaluation *ev, const ImaReplayState *s) {
        for (size_t i = 0; i < ev->n_failures; i++) {
                const RuntimeFailure *f = ev->failures + i;
                fprintf(stderr, "%s: entry %" PRIu64 " %s%s%s%s\n", f->id, f->entry, f->path,
                        f->detail ? " (" : "", f->detail ? f->detail : "", f->detail ? ")" : "");
        }
        if (ev->n_failed > ev->n_failures)
                fprintf(stderr, "… and %" PRIu64 " more failures\n", ev->n_failed - ev->n_failures);
        printf("%s: %" PRIu64 " entries, %" PRIu64 " passed (%" PRIu64 " by signature), %" PRIu64 " excluded, %"
               PRIu64 " violations, %" PRIu64 " failures\n",
               ev->n_failed ? "FAIL" : "PASS", s->n_entries, ev->n_passed, ev->n_signed, ev->n_excluded,
               ev->n_violations, ev->n_failed);
}

static void print_json(const RuntimeEvaluation *ev, const ImaReplayState *s) {
        json_object *o = json_object_new_object(), *fails = json_object_new_array(), *pcr = json_object_new_object();

        json_object_object_add(o, "result", json_object_new_string(ev->n_failed ? "fail" : "pass"));
        json_object_object_add(o, "entries", json_object_new_int64((int64_t) s->n_entries));
        for (size_t i = 0; i < s->n_banks; i++) {
                _cleanup_free_ char *hex = hex_encode(s->banks[i].value, s->banks[i].alg->size);
                json_object_object_add(pcr, s->banks[i].alg->name, json_object_new_string(hex ? hex : ""));
        }
        json_object_object_add(o, "pcr10", pcr);
        json_object_object_add(o, "passed", json_object_new_int64((int64_t) ev->n_passed));
        json_object_object_add(o, "signed", json_object_new_int64((int64_t) ev->n_signed));
        json_object_object_add(o, "excluded", json_object_new_int64((int64_t) ev->n_excluded));
        json_object_object_add(o, "violations", json_object_new_int64((int64_t) ev->n_violations));
        json_object_object_add(o, "failed", json_object_new_int64((int64_t) ev->n_failed));
        for (size_t i = 0; i < ev->n_failures; i++) {
                json_object *f = json_object_new_object();
                json_object_object_add(f, "id", json_object_new_string(ev->failures[i].id));
                json_object_object_add(f, "entry", json_object_new_int64((int64_t) ev->failures[i].entry));
                json_object_object_add(f, "path", json_object_new_string(ev->failures[i].path));
                if (ev->failures[i].detail)
                        json_object_object_add(f, "detail", json_object_new_string(ev->failures[i].detail));
                json_object_array_add(fails, f);
        }
        json_object_object_add(o, "failures", fails);
        puts(json_object_to_json_string_ext(o, JSON_TEXT_PLAIN));
        json_object_put(o);
}

int verb_runtime_policy_run(int argc, char *argv[]) {
        _cleanup_(runtime_policy_freep) RuntimePolicy *policy = NULL;
        _cleanup_(runtime_evaluation_freep) RuntimeEvaluation *ev = NULL;
        _cleanup_(ima_replayer_freep) ImaReplayer *rp = NULL;
        _cleanup_(ima_log_file_done) ImaLogFile log = {};
        _cleanup_(run_args_done) RunArgs a = {};
        ImaReplayState s, quoted_state;
        size_t len;
        int r;

        r = run_parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_UNUSABLE : EXIT_PASS;
        if (runtime_policy_read(argv[optind], &policy) < 0)
                return EXIT_UNUSABLE;
        r = ima_log_file_read(argv[optind + 1], &log);
        if (r < 0) {
                log_error_errno(r, "Failed to read '%s': %m", argv[optind + 1]);
                return EXIT_UNUSABLE;
        }
        if (ima_default_state(&s) < 0 || ima_replayer_new(&rp) < 0 || runtime_evaluation_new(policy, &a.keys, &ev) < 0)
                return log_oom(), EXIT_UNUSABLE;

        len = log.size;
        if (a.n_quoted > 0) {
                quoted_state = s;
                r = ima_replay_to_quote(rp, &quoted_state, log.format, log.data, log.size, a.quoted, a.n_quoted, &len);
                if (r == -ENOENT) {
                        len = log.size;
                        if (runtime_evaluation_fail(ev, RUNTIME_FAILURE_PCR_MISMATCH, 0, "", ima_strerror(r)) < 0)
                                return log_oom(), EXIT_UNUSABLE;
                } else if (r < 0) {
                        log_error("%s: %s.", argv[optind + 1], ima_strerror(r));
                        return EXIT_UNUSABLE;
                }
        }
        if (run_entries(rp, &s, ev, &log, len, argv[optind + 1]) < 0)
                return EXIT_UNUSABLE;
        if (a.json)
                print_json(ev, &s);
        else
                print_human(ev, &s);
        return ev->n_failed ? EXIT_VIOLATION : EXIT_PASS;
}
