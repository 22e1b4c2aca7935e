/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl policy create-mb, attestctl policy convert, attestctl boot-policy-run */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "attest-limits.h"
#include "attestctl-eventlog.h"
#include "attestctl-policy.h"
#include "attestctl-util.h"
#include "attestctl-verbs.h"
#include "attestctl.h"
#include "boot-policy-json.h"
#include "log.h"

static void print_notices(const BootFailures *n) {
        for (size_t i = 0; i < n->n; i++)
                log_notice("Event %" PRIi64 ": %s, not %s; accepted by the reference state's quirk (%s).",
                           n->items[i].event, n->items[i].actual, n->items[i].expected, n->items[i].id);
}

int verb_policy_create_mb(int argc, char *argv[]) {
        static const struct option options[] = {
                { "hash",     required_argument, NULL, 'a' },
                /* The earlier spelling; the other verbs say --hash. */
                { "hash-alg", required_argument, NULL, 'a' },
                { "quirk",    required_argument, NULL, 'q' },
                { "help",     no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        const HashAlg *alg = NULL;
        BootQuirks quirks = 0;
        BootState s;
        json_object *o;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        alg = hash_alg_from_name(optarg);
                        if (!alg)
                                return log_error("Unknown hash algorithm '%s' (sha1, sha256, sha384, sha512, sm3_256).",
                                                 optarg), EXIT_UNUSABLE;
                        break;
                case 'q':
                        if (strcmp(optarg, BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME) != 0)
                                return log_error("Unknown quirk '%s' (" BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME ").",
                                                 optarg), EXIT_UNUSABLE;
                        quirks |= BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY;
                        break;
                case 'h':
                        printf("Usage: attestctl policy create-mb LOG [--hash ALG] [--quirk NAME]\n");
                        return EXIT_PASS;
                default:
                        return EXIT_UNUSABLE;
                }
        if (optind + 1 != argc)
                return log_error("Usage: attestctl policy create-mb LOG [--hash ALG] [--quirk NAME]"), EXIT_UNUSABLE;
        if (eventlog_load(argv[optind], &log) < 0)
                return EXIT_UNUSABLE;
        if (!alg)
                alg = boot_state_default_alg(log);
        r = alg ? boot_state_extract_quirks(log, alg, quirks, &s) : -ENODATA;
        if (r < 0)
                return log_error_errno(r, "The event log has no usable %s bank.", alg ? alg->name : "known"), EXIT_UNUSABLE;
        for (size_t i = 0; i < s.problems.n; i++)
                log_warning("Event %" PRIi64 ": %s does not hold %s; the reference state will not accept this log.",
                            s.problems.items[i].event, s.problems.items[i].actual, s.problems.items[i].expected);
        print_notices(&s.notices);
        if (quirks && s.notices.n == 0)
                log_notice("The log does not need the quirk " BOOT_QUIRK_DRIVER_CONFIG_DATA_ONLY_NAME
                           "; the reference state does not include it.");
        r = boot_state_to_policy_json(&s, &o);
        boot_state_done(&s);
        if (r < 0)
                return log_oom(), EXIT_UNUSABLE;
        attestctl_print_json(o);
        json_object_put(o);
        return EXIT_PASS;
}

static int load_policy(const char *path, BootPolicy **ret) {
        _cleanup_free_ uint8_t *data = NULL;
        const char *why = NULL;
        size_t size;
        int r;

        if (attestctl_read_file(path, BOOT_POLICY_SIZE_MAX, "boot policy", &data, &size) < 0)
                return -EIO;
        r = boot_policy_parse((const char *) data, size, ret, &why);
        if (r < 0)
                return log_error_errno(r, "Failed to parse boot policy %s: %s", path, why ? why : "invalid");
        return 0;
}

int verb_policy_convert(int argc, char *argv[]) {
        static const struct option options[] = {
                { "to",   required_argument, NULL, 't' },
                { "help", no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(boot_policy_freep) BootPolicy *policy = NULL;
        const char *to = NULL;
        json_object *o;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 't':
                        to = optarg;
                        break;
                case 'h':
                        printf("Usage: attestctl policy convert --to hostattest|keylime FILE\n");
                        return EXIT_PASS;
                default:
                        return EXIT_UNUSABLE;
                }
        if (!to || optind + 1 != argc)
                return log_error("Usage: attestctl policy convert --to hostattest|keylime FILE"), EXIT_UNUSABLE;
        if (strcmp(to, "keylime") == 0)
                /* A reference state of attest-boot-policy(5) holds certificate fingerprints and
                 * per-stage alternatives; Keylime's needs the certificates and whole boot chains. */
                return log_error("Cannot convert to Keylime's format: a hostattest reference state holds the "
                                 "fingerprints of certificates, not the certificates Keylime's needs. Create it "
                                 "from the event log with 'keylime-policy create measured-boot -e LOG'."),
                       EXIT_UNUSABLE;
        if (strcmp(to, "hostattest") != 0)
                return log_error("Unknown format '%s' for --to (hostattest, keylime).", to), EXIT_UNUSABLE;
        if (load_policy(argv[optind], &policy) < 0)
                return EXIT_UNUSABLE;
        if (!policy->keylime)
                log_info("%s is already a hostattest reference state; printing it normalised.", argv[optind]);
        if (boot_policy_to_json(policy, &o) < 0)
                return log_oom(), EXIT_UNUSABLE;
        attestctl_print_json(o);
        json_object_put(o);
        return EXIT_PASS;
}

static void print_failures(const BootFailures *f, const BootFailures *notices, bool json) {
        json_object *o, *a;

        if (json) {
                o = json_object_new_object();
                json_object_object_add(o, "result", json_object_new_string(f->n ? "fail" : "pass"));
                if (boot_failures_to_json(f, &a) >= 0)
                        json_object_object_add(o, "failures", a);
                if (notices->n > 0 && boot_failures_to_json(notices, &a) >= 0)
                        json_object_object_add(o, "notices", a);
                attestctl_print_json(o);
                json_object_put(o);
                return;
        }
        print_notices(notices);
        if (f->n == 0)
                printf("pass\n");
        for (size_t i = 0; i < f->n; i++) {
                const BootFailure *x = f->items + i;
                char ev[32] = "-";
                if (x->event >= 0)
                        snprintf(ev, sizeof ev, "%" PRIi64, x->event);
                fprintf(stderr, "%s: event %s: expected %s, got %s\n", x->id, ev, x->expected, x->actual);
        }
}

int verb_boot_policy_run(int argc, char *argv[]) {
        static const struct option options[] = {
                { "pcrs", required_argument, NULL, 'p' },
                { "json", no_argument,       NULL, 'j' },
                { "help", no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        _cleanup_(boot_policy_freep) BootPolicy *policy = NULL;
        const char *pcrs_path = NULL;
        BootFailures f = {}, notices = {};
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        pcrs_path = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        printf("Usage: attestctl boot-policy-run POLICY LOG [--pcrs FILE] [--json]\n");
                        return EXIT_PASS;
                default:
                        return EXIT_UNUSABLE;
                }
        if (optind + 2 != argc)
                return log_error("Usage: attestctl boot-policy-run POLICY LOG [--pcrs FILE] [--json]"), EXIT_UNUSABLE;
        if (load_policy(argv[optind], &policy) < 0 || eventlog_load(argv[optind + 1], &log) < 0)
                return EXIT_UNUSABLE;

        if (pcrs_path) {
                PcrValues pcrs;
                if (pcr_values_load(pcrs_path, &pcrs) < 0)
                        return EXIT_UNUSABLE;
                r = eventlog_check_pcrs(log, &pcrs);
                if (r < 0)
                        return EXIT_UNUSABLE;
                if (r > 0) {
                        log_error("The event log does not replay to the given PCR values; the policy was not evaluated.");
                        return EXIT_VIOLATION;
                }
        }

        r = boot_policy_evaluate_notices(policy, log, &f, &notices);
        if (r == -ENODATA)
                return log_error("The event log has no %s bank, which the policy uses.", policy->alg->name), EXIT_UNUSABLE;
        if (r < 0)
                return log_error_errno(r, "Failed to evaluate the boot policy: %m"), EXIT_UNUSABLE;
        print_failures(&f, &notices, json);
        boot_failures_done(&f);
        boot_failures_done(&notices);
        return r > 0 ? EXIT_VIOLATION : EXIT_PASS;
}
