/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* attestctl eventlog dump|replay */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "attestctl-eventlog.h"
#include "attest-limits.h"
#include "attestctl-util.h"
#include "attestctl.h"
#include "hexdecode.h"
#include "json-util.h"
#include "log.h"
#include "tcg-eventlog-json.h"
#include "tcg-replay.h"

static const char *parse_error_reason(int r) {
        switch (r) {
        case -ENODATA:
                return "the log is empty";
        case -E2BIG:
                return "the log exceeds a size or count limit";
        case -EBADMSG:
                return "malformed or truncated event log";
        default:
                return strerror(-r);
        }
}

int eventlog_load(const char *path, TcgEventLog **ret) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        if (attestctl_read_file(path, TCG_EVENTLOG_SIZE_MAX, "event log", &data, &size) < 0)
                return -EIO;
        r = tcg_eventlog_parse(data, size, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse event log %s: %s", path, parse_error_reason(r));
        return 0;
}

int pcr_values_load(const char *path, PcrValues *ret) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t size;
        int r;

        if (attestctl_read_file(path, PCR_VALUES_SIZE_MAX, "PCR values", &data, &size) < 0)
                return -EIO;
        r = pcr_values_from_json((const char *) data, size, ret);
        if (r < 0)
                return log_error_errno(r, "Failed to parse PCR values %s: expected {\"pcrs\": {\"sha256\": {\"0\": \"<hex>\", …}}}", path);
        return 0;
}

static void report_mismatch(const TcgEventLog *log, const TcgPcrMismatch *m) {
        _cleanup_free_ char *q = hex_encode(m->quoted, m->alg->size);
        _cleanup_free_ char *p = hex_encode(m->replayed, m->alg->size);

        fprintf(stderr, "PCR %u (%s) mismatch: expected %s, replay gives %s\n", m->pcr, m->alg->name,
                q ? q : "?", p ? p : "?");
        if (m->n_events == 0)
                fprintf(stderr, "  no event in the log extends PCR %u\n", m->pcr);
        for (size_t i = 0; i < m->n_events; i++) {
                const TcgEvent *e = log->events + m->events[i];
                const TcgDigest *d = tcg_event_digest(e, m->alg->tpm_alg_id);
                const char *type = tcg_event_type_to_string(e->type);
                _cleanup_free_ char *h = d ? hex_encode(d->digest, d->size) : NULL;

                fprintf(stderr, "  event %zu %s %s\n", m->events[i], type ? type : "unknown", h ? h : "");
        }
}

int eventlog_check_pcrs(const TcgEventLog *log, const PcrValues *pcrs) {
        TcgCompareResult res = {};
        int r;

        r = tcg_eventlog_compare(log, pcrs, TCG_UEFI_PCR_MASK, TCG_COMPARE_EBS_WORKAROUND, &res);
        if (r < 0)
                return log_error_errno(r, "Failed to replay the event log: %m");
        if (res.n_compared == 0) {
                tcg_compare_result_done(&res);
                log_error("The PCR values share no bank and no PCR 0-9, 11-14 with the event log.");
                return -ENODATA;
        }
        if (res.ebs_workaround)
                log_notice("PCR 5 matches only with the unlogged Exit Boot Services events added.");
        for (size_t i = 0; i < res.n_mismatches; i++)
                report_mismatch(log, res.mismatches + i);
        r = res.n_mismatches > 0;
        tcg_compare_result_done(&res);
        return r;
}

/* Parses "[--json] LOG" and loads LOG. Returns -1 to go on, else the exit code. */
static int log_verb_start(int argc, char *argv[], bool *json, TcgEventLog **log) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        *json = true;
                        break;
                case 'h':
                        printf("Usage: attestctl eventlog %s LOG [--json]\n", argv[0]);
                        return EXIT_PASS;
                default:
                        return EXIT_UNUSABLE;
                }
        if (optind + 1 != argc) {
                log_error("Usage: attestctl eventlog %s LOG [--json]", argv[0]);
                return EXIT_UNUSABLE;
        }
        if (eventlog_load(argv[optind], log) < 0)
                return EXIT_UNUSABLE;
        return -1;
}

static void print_event_human(json_object *e) {
        json_object *digests = json_object_object_get(e, "digests");

        printf("#%-4d PCR %-2d %s\n", json_object_get_int(json_object_object_get(e, "number")),
               json_object_get_int(json_object_object_get(e, "pcr")),
               json_object_get_string(json_object_object_get(e, "type")));
        json_object_object_foreach(digests, bank, d)
                printf("      %-8s %s\n", bank, json_object_get_string(d));
        printf("      %s\n", json_object_to_json_string_ext(json_object_object_get(e, "data"),
                                                             JSON_TEXT_PLAIN));
}

static int verb_dump(int argc, char *argv[]) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        json_object *o;
        bool json = false;
        int r;

        r = log_verb_start(argc, argv, &json, &log);
        if (r >= 0)
                return r;
        r = tcg_eventlog_to_json(log, &o);
        if (r < 0)
                return log_error_errno(r, "Failed to format the event log: %m"), EXIT_UNUSABLE;
        if (json)
                attestctl_print_json(o);
        else {
                json_object *events = json_object_object_get(o, "events");
                printf("%s log, banks %s, %zu events\n", json_object_get_string(json_object_object_get(o, "format")),
                       json_object_to_json_string_ext(json_object_object_get(o, "banks"), JSON_TEXT_PLAIN),
                       log->n_events);
                for (size_t k = 0; k < json_object_array_length(events); k++)
                        print_event_human(json_object_array_get_idx(events, k));
        }
        json_object_put(o);
        return EXIT_PASS;
}

static int verb_replay(int argc, char *argv[]) {
        _cleanup_(tcg_eventlog_freep) TcgEventLog *log = NULL;
        PcrValues v;
        json_object *o;
        bool json = false;
        int r;

        r = log_verb_start(argc, argv, &json, &log);
        if (r >= 0)
                return r;
        r = tcg_eventlog_replay(log, &v);
        if (r < 0)
                return log_error_errno(r, "Failed to replay the event log: no bank is recorded by every event"), EXIT_UNUSABLE;
        if (json) {
                r = pcr_values_to_json(&v, &o);
                if (r < 0)
                        return log_oom(), EXIT_UNUSABLE;
                attestctl_print_json(o);
                json_object_put(o);
                return EXIT_PASS;
        }
        attestctl_print_pcr_values(&v);
        return EXIT_PASS;
}

int verb_eventlog(int argc, char *argv[]) {
        static const Verb verbs[] = {
                { "dump",   verb_dump,   "Print every event: PCR, type, digests, decoded data" },
                { "replay", verb_replay, "Print the PCR values the log replays to, per bank" },
        };
        return dispatch_verbs("eventlog", verbs, ELEMENTSOF(verbs), argc, argv);
}
