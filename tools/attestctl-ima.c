/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl ima …: the measurement list offline. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attestctl.h"
#include "attestctl-ima.h"
#include "fileio.h"
#include "hexdecode.h"
#include "log.h"

int ima_log_file_read(const char *path, ImaLogFile *ret) {
        uint8_t *data;
        size_t size;
        int r;

        r = read_full_file(path, ATTESTCTL_IMA_LOG_MAX, &data, &size);
        if (r < 0)
                return r;
        *ret = (ImaLogFile) { data, size, ima_log_guess_format(data, size) };
        return 0;
}

void ima_log_file_done(ImaLogFile *f) {
        f->data = mfree(f->data);
        f->size = 0;
}

const char *ima_strerror(int r) {
        switch (r) {
        case -EBADMSG:         return "malformed entry";
        case -E2BIG:           return "entry exceeds a size or count limit";
        case -EPROTONOSUPPORT: return "unknown template";
        case -EUCLEAN:         return "template hash does not match the template data";
        case -EOPNOTSUPP:      return "hash algorithm not available";
        case -ENOENT:          return "no prefix of the log matches the quoted PCR 10";
        default:               return strerror(-r);
        }
}

int ima_default_state(ImaReplayState *s) {
        const HashAlg *algs[] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        return ima_replay_state_init(s, algs, ELEMENTSOF(algs));
}

/* "ALG:HEX" as given to --pcr10. */
int ima_parse_pcr_arg(const char *s, ImaPcrValue *ret) {
        const char *colon = strchr(s, ':');
        char alg[16];

        if (!colon || (size_t) (colon - s) >= sizeof alg)
                return -EINVAL;
        memcpy(alg, s, (size_t) (colon - s));
        alg[colon - s] = 0;
        ret->alg = hash_alg_from_name(alg);
        if (!ret->alg || strlen(colon + 1) != ret->alg->size * 2)
                return -EINVAL;
        return hex_decode_into(colon + 1, ret->alg->size * 2, ret->value, ret->alg->size);
}

static void print_state(const ImaReplayState *s, bool json, int quote_result, size_t n_quoted) {
        if (json) {
                printf("{\"entries\": %" PRIu64 ", \"pcr10\": {", s->n_entries);
                for (size_t i = 0; i < s->n_banks; i++) {
                        _cleanup_free_ char *hex = hex_encode(s->banks[i].value, s->banks[i].alg->size);
                        printf("%s\"%s\": \"%s\"", i ? ", " : "", s->banks[i].alg->name, hex ? hex : "");
                }
                printf("}");
                if (n_quoted > 0)
                        printf(", \"quote_match\": %s", quote_result == 0 ? "true" : "false");
                printf("}\n");
                return;
        }
        printf("entries: %" PRIu64 "\n", s->n_entries);
        for (size_t i = 0; i < s->n_banks; i++) {
                _cleanup_free_ char *hex = hex_encode(s->banks[i].value, s->banks[i].alg->size);
                printf("pcr10 %-7s %s\n", s->banks[i].alg->name, hex ? hex : "");
        }
}

/* --hash ALG: one more bank to replay (instead of the default ones). */
static int add_bank(const char *name, const HashAlg **algs, size_t *n) {
        const HashAlg *alg = hash_alg_from_name(name);

        if (!alg || *n >= IMA_REPLAY_BANKS_MAX)
                return -EINVAL;
        for (size_t i = 0; i < *n; i++)
                if (algs[i] == alg)
                        return -EINVAL;
        algs[(*n)++] = alg;
        return 0;
}

static int verb_ima_replay(int argc, char *argv[]) {
        enum { ARG_JSON = 0x100, ARG_PCR10, ARG_HASH };
        static const struct option options[] = {
                { "help",  no_argument,       NULL, 'h'       },
                { "json",  no_argument,       NULL, ARG_JSON  },
                { "pcr10", required_argument, NULL, ARG_PCR10 },
                { "hash",  required_argument, NULL, ARG_HASH  },
                /* The earlier spelling; every verb that picks a hash algorithm says --hash. */
                { "bank",  required_argument, NULL, ARG_HASH  },
                {}
        };
        const HashAlg *banks[IMA_REPLAY_BANKS_MAX];
        size_t n_banks = 0;
        ImaPcrValue quoted[IMA_REPLAY_BANKS_MAX];
        _cleanup_(ima_replayer_freep) ImaReplayer *rp = NULL;
        _cleanup_(ima_log_file_done) ImaLogFile log = {};
        size_t n_quoted = 0, consumed = 0;
        ImaReplayState s;
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: attestctl ima replay LOG [--json] [--hash ALG]… [--pcr10 ALG:HEX]…\n\n"
                               "Replays an IMA measurement list (ascii or binary) into PCR 10 for the\n"
                               "sha1 and sha256 banks, or the banks given with --hash. With --pcr10, finds\n"
                               "the entry at which the running value equals the given (quoted) value.\n");
                        return EXIT_PASS;
                case ARG_HASH:
                        if (add_bank(optarg, banks, &n_banks) < 0 || !hash_alg_md(banks[n_banks - 1])) {
                                log_error("Invalid --hash '%s': a hash algorithm, at most once, at most %u.",
                                          optarg, IMA_REPLAY_BANKS_MAX);
                                return EXIT_UNUSABLE;
                        }
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_PCR10:
                        if (n_quoted >= ELEMENTSOF(quoted) || ima_parse_pcr_arg(optarg, &quoted[n_quoted]) < 0) {
                                log_error("Invalid --pcr10 '%s': expected ALG:HEX.", optarg);
                                return EXIT_UNUSABLE;
                        }
                        n_quoted++;
                        break;
                default:
                        return EXIT_UNUSABLE;
                }
        if (optind + 1 != argc) {
                log_error("Expected exactly one LOG argument.");
                return EXIT_UNUSABLE;
        }
        r = ima_log_file_read(argv[optind], &log);
        if (r < 0) {
                log_error_errno(r, "Failed to read '%s': %m", argv[optind]);
                return EXIT_UNUSABLE;
        }
        r = n_banks > 0 ? ima_replay_state_init(&s, banks, n_banks) : ima_default_state(&s);
        if (r < 0 || ima_replayer_new(&rp) < 0) {
                log_error("Failed to set up the replay.");
                return EXIT_UNUSABLE;
        }
        if (n_quoted > 0) {
                r = ima_replay_to_quote(rp, &s, log.format, log.data, log.size, quoted, n_quoted, &consumed);
                if (r == -EINVAL) {
                        log_error("--pcr10 names a bank that is not replayed (see --hash).");
                        return EXIT_UNUSABLE;
                }
                if (r < 0 && r != -ENOENT) {
                        log_error("%s: %s.", argv[optind], ima_strerror(r));
                        return EXIT_UNUSABLE;
                }
                if (r == -ENOENT)
                        log_error("ima.pcr_mismatch: %s.", ima_strerror(r));
                print_state(&s, json, r, n_quoted);
                return r < 0 ? EXIT_VIOLATION : EXIT_PASS;
        }
        r = ima_replay_feed(rp, &s, log.format, log.data, log.size, true, NULL, NULL, &consumed);
        if (r < 0) {
                log_error("%s: entry %" PRIu64 " (byte %zu): %s.", argv[optind], s.n_entries, consumed,
                          ima_strerror(r));
                return r == -EUCLEAN ? EXIT_VIOLATION : EXIT_UNUSABLE;
        }
        print_state(&s, json, 0, 0);
        return EXIT_PASS;
}

int verb_ima(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "replay", verb_ima_replay, "Replay a measurement list into PCR 10" },
        };
        return dispatch_verbs("ima", verbs, ELEMENTSOF(verbs), argc, argv);
}
