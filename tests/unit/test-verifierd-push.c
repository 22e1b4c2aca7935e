/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The verifier's encodings of a node's push state (clock, IMA replay state)
 * and how the IMA replay anchor moves with passes, failures and reactivate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json-util.h"
#include "verifierd.h"
#include "verifierd-push.h"

static void test_encodings(void **state) {
        Tpm2ClockInfo c = { .clock = 123456789, .reset_count = 3, .restart_count = 4, .safe = true }, c2;
        const HashAlg *algs[2] = { hash_alg_from_name("sha1"), hash_alg_from_name("sha256") };
        ImaReplayState st, st2;
        Blob b = {};

        assert_int_equal(push_clock_encode(&c, &b), 0);
        assert_int_equal(push_clock_decode(&b, &c2), 0);
        assert_true(c2.clock == c.clock && c2.reset_count == 3 && c2.restart_count == 4 && c2.safe);
        b.data[16] = 2;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        b.size--;
        assert_int_equal(push_clock_decode(&b, &c2), -EBADMSG);
        blob_done(&b);

        assert_int_equal(ima_replay_state_init(&st, algs, 2), 0);
        st.n_entries = 42;
        st.banks[1].value[5] = 0x55;
        assert_int_equal(push_ima_state_encode(&st, &b), 0);
        assert_int_equal(push_ima_state_decode(&b, &st2), 0);
        assert_int_equal(st2.n_entries, 42);
        assert_int_equal(st2.n_banks, 2);
        assert_int_equal(ima_replay_state_bank(&st2, algs[1])->value[5], 0x55);
        b.data[9] = 0x7f;                /* unknown algorithm */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        b.data[9] = 0x00;
        assert_int_equal(blob_set(&b, b.data, b.size - 1), 0);      /* truncated */
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG);
        blob_done(&b);
        assert_int_equal(push_ima_state_decode(&b, &st2), -EBADMSG); /* empty */
}

/* A replay state of n entries whose SHA-256 value starts with mark. */
static void ima_blob(uint64_t n, uint8_t mark, Blob *ret) {
        const HashAlg *algs[1] = { hash_alg_from_name("sha256") };
        ImaReplayState st;

        assert_int_equal(ima_replay_state_init(&st, algs, 1), 0);
        st.n_entries = n;
        st.banks[0].value[0] = mark;
        assert_int_equal(push_ima_state_encode(&st, ret), 0);
}

static uint64_t ima_entries(const Blob *b) {
        ImaReplayState st;

        assert_int_equal(push_ima_state_decode(b, &st), 0);
        return st.n_entries;
}

static void ima_after(uint64_t n, ImaReplayState *ret) {
        const HashAlg *algs[1] = { hash_alg_from_name("sha256") };

        assert_int_equal(ima_replay_state_init(ret, algs, 1), 0);
        ret->n_entries = n;
}

/* A pass moves the anchor; a failure leaves it at the last pass, so the entries since are asked for again. */
/* Another instance's record of a pending attestation: read back whole, or refused when cut
 * short, of another version, of an unknown bank, or with a NUL in its evidence list. */
static void test_pending_record(void **state) {
        PendingAttestation p = {
                .index = 7, .nonce = { 1, 2, 3 }, .created_usec = 10, .expires_usec = 20, .boot_time = 30,
                .bank = hash_alg_from_tpm_id(0x000b), .pcr_mask = 0x8001, .hash_alg = 0x000b, .sig_scheme = 0x0018,
                .ima = true, .ima_offset = 5, .evidence = (char *) "[{\"evidence_type\":\"tpm_quote\"}]",
        }, got = {};
        Blob b = {};
        uint8_t *bad;

        assert_int_equal(pending_encode(&p, &b), 0);
        assert_int_equal(pending_decode(b.data, b.size, &got), 0);
        assert_int_equal(got.index, 7);
        assert_memory_equal(got.nonce, p.nonce, sizeof p.nonce);
        assert_ptr_equal(got.bank, p.bank);
        assert_true(got.ima && !got.uefi && got.adopted);
        assert_string_equal(got.evidence, p.evidence);
        free(got.evidence);

        for (size_t cut = 0; cut < b.size - strlen(p.evidence); cut++)
                assert_true(pending_decode(b.data, cut, &got) < 0);
        bad = malloc(b.size);
        assert_non_null(bad);
        memcpy(bad, b.data, b.size);
        bad[0] = 2;                                     /* version */
        assert_int_equal(pending_decode(bad, b.size, &got), -EPROTO);
        memcpy(bad, b.data, b.size);
        bad[1 + 8 + sizeof p.nonce + 24] = 0x7f;        /* bank */
        assert_int_equal(pending_decode(bad, b.size, &got), -EBADMSG);
        memcpy(bad, b.data, b.size);
        bad[b.size - 2] = 0;                            /* NUL in the list */
        assert_int_equal(pending_decode(bad, b.size, &got), -EBADMSG);
        free(bad);
        blob_done(&b);
}

static void test_ima_anchor(void **state) {
        PushState old = {}, s = {}, s2 = {};
        ImaReplayState after;

        ima_blob(10, 0xaa, &old.ima_state);
        ima_blob(10, 0xaa, &old.ima_state_latest);
        ima_after(14, &after);

        assert_int_equal(push_ima_next(&old, &after, true, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 14);
        assert_int_equal(ima_entries(&s.ima_state_latest), 14);
        assert_false(s.ima_restart);
        push_state_done(&s);

        assert_int_equal(push_ima_next(&old, &after, false, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 10);
        assert_int_equal(ima_entries(&s.ima_state_latest), 14);
        assert_false(s.ima_restart);

        /* Clean attestations after the failure: the anchor stays where the last pass left it. */
        ima_after(20, &after);
        assert_int_equal(push_ima_next(&s, &after, false, false, &s2), 0);
        assert_int_equal(ima_entries(&s2.ima_state), 10);
        assert_int_equal(ima_entries(&s2.ima_state_latest), 20);
        push_state_done(&s);

        /* Reactivate accepts up to the latest validated entries. */
        assert_int_equal(push_state_accept(&s2, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 20);
        assert_false(s.ima_restart);
        push_state_done(&s);
        push_state_done(&s2);

        /* Without an IMA log both states stay. */
        assert_int_equal(push_ima_next(&old, NULL, false, false, &s), 0);
        assert_int_equal(ima_entries(&s.ima_state), 10);
        assert_int_equal(ima_entries(&s.ima_state_latest), 10);
        push_state_done(&s);
        push_state_done(&old);
}

/* The first attestation of a boot fails: the next one starts from entry 0 again. */
static void test_ima_fresh_failure(void **state) {
        PushState old = {}, s = {}, s2 = {};
        ImaReplayState after;

        ima_blob(50, 0xbb, &old.ima_state);    /* the previous boot's */
        ima_after(3, &after);
        assert_int_equal(push_ima_next(&old, &after, false, true, &s), 0);
        assert_true(s.ima_restart);
        assert_int_equal(s.ima_state.size, 0);
        assert_int_equal(ima_entries(&s.ima_state_latest), 3);

        assert_int_equal(push_state_accept(&s, &s2), 0);
        assert_false(s2.ima_restart);
        assert_int_equal(ima_entries(&s2.ima_state), 3);
        push_state_done(&s2);

        /* A pass from entry 0 clears the restart. */
        ima_after(5, &after);
        assert_int_equal(push_ima_next(&s, &after, true, true, &s2), 0);
        assert_false(s2.ima_restart);
        assert_int_equal(ima_entries(&s2.ima_state), 5);
        push_state_done(&s2);
        push_state_done(&s);
        push_state_done(&old);

        /* Nothing validated yet: reactivate keeps what there is. */
        assert_int_equal(push_state_accept(&old, &s), 0);
        assert_int_equal(s.ima_state.size, 0);
        push_state_done(&s);
}

/* A pass renews the token only once less than half its lifetime is left. */
static void test_session_renewal(void **state) {
        const uint64_t life = 180000000, now = 1000000000;

        assert_false(session_renewal_due(now + life, now, life));               /* just issued */
        assert_false(session_renewal_due(now + life / 2, now, life));           /* exactly half left */
        assert_true(session_renewal_due(now + life / 2 - 1, now, life));
        assert_true(session_renewal_due(now + 1, now, life));
        assert_true(session_renewal_due(now - 1, now, life));                   /* expired meanwhile */
        /* A node pushing every 30 s renews every fourth pass at most, and never runs out. */
        uint64_t expires = now + life, renewals = 0;
        for (uint64_t t = now; t < now + 20 * life; t += 30000000) {
                assert_true(expires >= t);
                if (session_renewal_due(expires, t, life)) {
                        expires = t + life;
                        renewals++;
                }
        }
        assert_true(renewals > 0 && renewals <= 20 * life / 30000000 / 3);
}

/* The attributes as json-c built them before they were written as text: the reference. */
static json_object *reference_attributes(const Attestation *a) {
        json_object *o = json_object_new_object(), *d = a->detail ? json_tokener_parse(a->detail) : NULL;
        char when[64];

        (void) json_add_string(o, "stage", a->stage);
        (void) json_add_string(o, "evaluation", a->evaluation);
        (void) json_add_string(o, "failure_reason", a->failure_reason);
        (void) json_object_object_add(o, "failures", a->failures ? json_tokener_parse(a->failures) : NULL);
        if (d)
                (void) json_object_object_add(o, "validation", d);
        (void) json_object_object_add(o, "evidence", a->evidence ? json_tokener_parse(a->evidence) : json_object_new_array());
        if (a->boot_time > 0) {
                json_object *info = json_object_new_object();
                (void) format_timestamp_iso(a->boot_time * 1000000ULL, when, sizeof when);
                (void) json_add_string(info, "boot_time", when);
                (void) json_object_object_add(o, "system_info", info);
        }
        (void) format_timestamp_iso(a->created_usec, when, sizeof when);
        (void) json_add_string(o, "capabilities_received_at", when);
        (void) format_timestamp_iso(a->updated_usec, when, sizeof when);
        (void) json_add_string(o, "evidence_received_at", when);
        (void) json_add_int(o, "ima_starting_offset", (int64_t) a->ima_offset);
        (void) json_add_int(o, "ima_entry_count", (int64_t) a->ima_count);
        (void) format_timestamp_iso(a->created_usec, when, sizeof when);
        (void) json_add_string(o, "created_at", when);
        (void) format_timestamp_iso(a->updated_usec, when, sizeof when);
        (void) json_add_string(o, "updated_at", when);
        return o;
}

/* The 202 as json-c built it: the stored resource, then what was received put in. */
static char *reference_accepted(const char *node_id, const Attestation *a, const AttestationReceived *r,
                                json_object *evidence, uint64_t next) {
        json_object *doc = json_object_new_object(), *data = json_object_new_object(), *links = json_object_new_object();
        json_object *meta = json_object_new_object(), *attrs;
        char idx[24], self[512], when[64], *text;
        Attestation shown = *a;

        shown.evidence = NULL;
        attrs = reference_attributes(&shown);
        (void) snprintf(idx, sizeof idx, "%llu", (unsigned long long) a->index);
        (void) snprintf(self, sizeof self, "/v3.0/agents/%s/attestations/%s", node_id, idx);
        (void) json_add_string(data, "type", "attestation");
        (void) json_add_string(data, "id", idx);
        (void) json_object_object_add(data, "attributes", attrs);
        (void) json_add_string(links, "self", self);
        (void) json_object_object_add(data, "links", links);
        (void) json_add_string(attrs, "stage", r->stage);
        (void) json_object_object_add(attrs, "evidence", json_object_get(evidence));
        (void) format_timestamp_iso(r->challenges_expire_usec, when, sizeof when);
        (void) json_add_string(attrs, "challenges_expire_at", when);
        (void) format_timestamp_iso(r->received_usec, when, sizeof when);
        (void) json_add_string(attrs, "evidence_received_at", when);
        (void) json_add_int(meta, "seconds_to_next_attestation", (int64_t) next);
        (void) json_object_object_add(doc, "data", data);
        (void) json_object_object_add(doc, "meta", meta);
        text = strdup(json_object_to_json_string_ext(doc, JSON_TEXT_PLAIN));
        json_object_put(doc);
        return text;
}

/* The 202 and the v3 attributes, written as text, are what json-c wrote for them,
 * with quotes, backslashes, control characters and non-ASCII in every string. */
static void test_accepted_text(void **state) {
        static const char tricky[] = "q\"b\\s/l\x01\x1f\x7f\b\f\n\r\t caf\xc3\xa9 \xff";
        const char *ev_text = "[{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\","
                              "\"data\":{\"message\":\"/\\\\\\\"\\u0001\\u00e9\",\"entry_count\":3}}]";
        json_object *evidence = json_tokener_parse(ev_text), *item = json_object_array_get_idx(evidence, 0);
        Attestation a = {
                .index = 18446744073709551615ULL, .stage = (char *) "verification_complete", .evaluation = (char *) "fail",
                .boot_time = 1700000000, .ima_offset = 42, .ima_count = 7,
                .failure_reason = (char *) "policy_violation",
                .failures = (char *) "[{\"id\":\"ima.hash\",\"severity\":\"error\",\"context\":{\"path\":\"/a\\\"b\\\\c\\n\","
                                     "\"n\":1.50,\"u\":\"\xc3\xa9\\u0002\"}}]",
                .detail = (char *) "{\"detail\":\"bad \\\"quote\\\"\"}",
                .evidence = (char *) "[{\"stored\":true}]",
                .created_usec = 1700000000123456, .updated_usec = 1700000001654321,
        };
        AttestationReceived r = { .stage = "evaluating_evidence",
                                  .received_usec = 1700000002000001, .challenges_expire_usec = 1700000003000000 };

        assert_non_null(item);
        (void) json_add_string(json_object_object_get(item, "data"), "entries", tricky);
        r.evidence = json_object_to_json_string_ext(evidence, JSON_TEXT_PLAIN);
        for (unsigned variant = 0; variant < 4; variant++) {
                char *got, *want;

                if (variant == 1) {             /* a pass: no failures, no detail */
                        a.evaluation = (char *) "pass";
                        a.failure_reason = a.failures = a.detail = NULL;
                } else if (variant == 2) {      /* no boot time, stored evidence absent, index 0 */
                        a.boot_time = 0;
                        a.evidence = NULL;
                        a.index = 0;
                } else if (variant == 3)        /* stored text that does not parse */
                        a.failures = (char *) "[{";
                got = attestation_accepted("node-\xc3\xa9\"1", &a, &r, 30);
                want = reference_accepted("node-\xc3\xa9\"1", &a, &r, evidence, 30);
                assert_non_null(got);
                assert_string_equal(got, want);
                free(got);
                free(want);

                json_object *o = attestation_to_json(&a), *ref = reference_attributes(&a);
                assert_non_null(o);
                assert_string_equal(json_object_to_json_string_ext(o, JSON_TEXT_PLAIN),
                                    json_object_to_json_string_ext(ref, JSON_TEXT_PLAIN));
                json_object_put(o);
                json_object_put(ref);
        }
        json_object_put(evidence);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_encodings),
                cmocka_unit_test(test_pending_record),
                cmocka_unit_test(test_ima_anchor),
                cmocka_unit_test(test_ima_fresh_failure),
                cmocka_unit_test(test_session_renewal),
                cmocka_unit_test(test_accepted_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
