/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated node for the push integration test: registers, authenticates
 * and attests against a running attest-verifierd, and checks each answer.
 *
 *   push-client ima-log DIR N          the IMA log of a node with N files under DIR
 *   push-client run URL SCENARIO ID    pass | spoils | count1 | engine-missing | timeout | exec |
 *                                      exec-missing | stall | stall-long | session-fields | secret |
 *                                      sticky | results
 *
 * Exit 0 when every check held; each failed check is printed. The timeout
 * scenario runs $PUSH_CLIENT_HOOK with "timeout" and then "recovered"; the
 * secret scenario runs it with "secret" once the node passed, for the test to
 * store the node's secret "disk" (and start what else it wants to run meanwhile);
 * the sticky scenario runs it with "fail", "allow", "disallow", "reactivate"
 * and "pending" (see there); the results scenario runs it with "pass" and
 * "fail", after writing the node's own signed result to $SIM_RESULT_DIR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hexdecode.h"
#include "macro.h"
#include "sim-agent.h"

#define FILES_DIR "/usr/lib/hostattest-test"
#define CHALLENGE_WAIT_MS 2500u

static int failures;
static SimUefi uefi;

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void die(const char *what, int e) {
        fprintf(stderr, "push-client: %s: %s\n", what, strerror(-e));
        exit(2);
}

static void setup(SimClient *c, SimAgent *a, const char *id) {
        const char *step;
        int e = sim_agent_setup(c, a, id, &uefi, &step);

        if (e < 0)
                die(step, e);
}

/* An attestation after the interval, with lines new IMA entries under dir. */
static SimAttestation attest(SimClient *c, SimAgent *a, SimSpoil spoil, unsigned lines, const char *dir) {
        SimAttestation r = {};
        int e;

        if (lines > 0 && (e = sim_node_ima_grow(a->node, lines, dir)) < 0)
                die("IMA log", e);
        for (int tries = 0; tries < 20; tries++) {
                e = sim_agent_attest(c, a, spoil, CHALLENGE_WAIT_MS, &r);
                if (e < 0)
                        die("attestation", e);
                if (r.create_status != 429)
                        break;
                sleep_ms(r.retry_after * 1000u);
        }
        return r;
}

static void expect_pass(const SimAttestation *r, const char *what) {
        CHECK(r->create_status == 201 && r->evidence_status == 202 && strcmp(r->evaluation, "pass") == 0,
              "%s: %ld/%ld evaluation '%s' %s %s %s", what, r->create_status, r->evidence_status, r->evaluation,
              r->failure_reason, r->failure_id, r->error_code);
}

static void expect_fail(const SimAttestation *r, const char *reason, const char *id_prefix, const char *what) {
        CHECK(r->evidence_status == 202 && strcmp(r->evaluation, "fail") == 0 && strcmp(r->failure_reason, reason) == 0 &&
              strncmp(r->failure_id, id_prefix, strlen(id_prefix)) == 0,
              "%s: %ld/%ld evaluation '%s' reason '%s' id '%s' (want %s %s)", what, r->create_status,
              r->evidence_status, r->evaluation, r->failure_reason, r->failure_id, reason, id_prefix);
}

static void scenario_pass(SimClient *c, SimAgent *a) {
        char path[256], token[256];
        SimAttestation r;
        SimResponse resp = {};

        r = attest(c, a, SIM_SPOIL_NONE, 3, FILES_DIR);
        expect_pass(&r, "first attestation");
        CHECK(r.ima_offset == 0 && r.seconds_to_next >= 1, "first offset %llu, next in %llu s",
              (unsigned long long) r.ima_offset, (unsigned long long) r.seconds_to_next);

        CHECK(sim_agent_attest(c, a, SIM_SPOIL_NONE, 0, &r) >= 0 && r.create_status == 429 && r.retry_after >= 1,
              "early attestation: %ld, Retry-After %u", r.create_status, r.retry_after);

        memcpy(token, a->token, sizeof token);
        a->token[strlen(a->token) - 1] ^= 0x01;
        CHECK(sim_agent_attest(c, a, SIM_SPOIL_NONE, 0, &r) >= 0 && r.create_status == 401, "bad token: %ld",
              r.create_status);
        memcpy(a->token, token, sizeof token);

        r = attest(c, a, SIM_SPOIL_NONE, 5, FILES_DIR);
        expect_pass(&r, "second attestation");
        CHECK(r.ima_offset == 4, "second starting_offset %llu, want 4", (unsigned long long) r.ima_offset);

        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations/latest", a->node->id);
        CHECK(sim_http(c, "GET", path, a->token, NULL, &resp) >= 0 && resp.status == 200 && strstr(resp.body, "\"pass\""),
              "GET latest: %ld", resp.status);
        sim_response_done(&resp);
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations", a->node->id);
        CHECK(sim_http(c, "GET", path, a->token, NULL, &resp) >= 0 && resp.status == 200 && strstr(resp.body, "\"id\":\"1\""),
              "GET list: %ld", resp.status);
        sim_response_done(&resp);
        CHECK(sim_http(c, "GET", path, NULL, NULL, &resp) >= 0 && resp.status == 401, "GET without token: %ld", resp.status);
        sim_response_done(&resp);
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations/0", a->node->id);
        CHECK(sim_http(c, "PATCH", path, a->token, "{}", &resp) >= 0 && resp.status == 403 &&
              strstr(resp.body, "evidence_immutable"), "PATCH of a completed attestation: %ld", resp.status);
        sim_response_done(&resp);
        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations/7", a->node->id);
        CHECK(sim_http(c, "PATCH", path, a->token, "{}", &resp) >= 0 && resp.status == 404,
              "PATCH of an unknown attestation: %ld", resp.status);
        sim_response_done(&resp);
}

static void scenario_spoils(SimClient *c, SimAgent *a) {
        static const struct {
                SimSpoil spoil;
                const char *id;
        } chain[] = {
                { SIM_SPOIL_REPLAY_NONCE, "validation.nonce" },
                { SIM_SPOIL_OTHER_AK,     "validation.quote_signature" },
                { SIM_SPOIL_PCR_VALUE,    "validation.pcr_digest" },
                { SIM_SPOIL_UEFI_EVENT,   "validation.uefi_log" },
                { SIM_SPOIL_IMA_TRUNCATE, "validation.ima_log" },
                { SIM_SPOIL_IMA_REWRITE,  "validation.ima_log" },
                { SIM_SPOIL_BOOT_TIME,    "validation.boot_time" },
        };
        SimAttestation r;

        r = attest(c, a, SIM_SPOIL_NONE, 2, FILES_DIR);
        expect_pass(&r, "before the spoils");
        for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
                r = attest(c, a, chain[i].spoil, 2, FILES_DIR);
                expect_fail(&r, "broken_evidence_chain", chain[i].id, chain[i].id);
                r = attest(c, a, SIM_SPOIL_NONE, 0, FILES_DIR);
                expect_pass(&r, "recovery");
        }

        r = attest(c, a, SIM_SPOIL_EXPIRE, 1, FILES_DIR);
        CHECK(r.second_create_status == 409, "second creation: %ld, want 409", r.second_create_status);
        CHECK(r.evidence_status == 403 && strcmp(r.error_code, "challenges_expired") == 0,
              "expired challenge: %ld %s", r.evidence_status, r.error_code);
        r = attest(c, a, SIM_SPOIL_NONE, 0, FILES_DIR);
        expect_pass(&r, "after the expired challenge");

        r = attest(c, a, SIM_SPOIL_NONE, 1, "/tmp/not-in-policy");
        expect_fail(&r, "policy_violation", "ima.", "a file not in the policy");
}

static void scenario_count1(SimClient *c, SimAgent *a) {
        SimAttestation r;
        SimAgent again = { .node = a->node };

        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "the only attestation");
        CHECK(sim_agent_attest(c, a, SIM_SPOIL_NONE, 0, &r) >= 0 && r.create_status == 410,
              "after attest_count: %ld, want 410", r.create_status);
        /* A terminated node may still authenticate, to fetch its secrets, but not attest. */
        CHECK(sim_agent_session(c, &again) >= 0, "a new session of a terminated node");
        CHECK(sim_agent_attest(c, &again, SIM_SPOIL_NONE, 0, &r) >= 0 && r.create_status == 410,
              "with the new session: %ld, want 410", r.create_status);
}

static void scenario_engine_missing(SimClient *c, SimAgent *a) {
        SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_fail(&r, "policy_violation", "runtime.engine_unavailable", "missing ima engine");
}

static void hook(const char *what) {
        const char *h = getenv("PUSH_CLIENT_HOOK");
        char cmd[1024];

        if (!h)
                return;
        (void) snprintf(cmd, sizeof cmd, "%s %s", h, what);
        CHECK(system(cmd) == 0, "hook %s", what);
}

/* The test attaches an exec policy through the hook before each attestation:
 * a program that passes, one that denies with its own failure id, one that
 * crashes, one that hangs past its timeout_ms. */
typedef struct HookStep {
        const char *hook;
        const char *failure_id;         /* NULL: the attestation passes */
} HookStep;

/* Runs the hook with each step's name, then attests and checks the outcome. */
static void run_steps(SimClient *c, SimAgent *a, const HookStep *steps, size_t n) {
        for (size_t i = 0; i < n; i++) {
                SimAttestation r;

                hook(steps[i].hook);
                r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
                if (steps[i].failure_id)
                        expect_fail(&r, "policy_violation", steps[i].failure_id, steps[i].hook);
                else
                        expect_pass(&r, steps[i].hook);
        }
}

static void scenario_exec(SimClient *c, SimAgent *a) {
        static const HookStep steps[] = {
                { "pass", NULL },
                { "deny", "site.kernel_not_allowed" },
                { "crash", "exec.crashed" },
                { "hang", "exec.timeout" },
                { "detach", NULL },
        };
        run_steps(c, a, steps, sizeof steps / sizeof steps[0]);
}

/* A node whose exec program hangs until its timeout. */
static void scenario_stall(SimClient *c, SimAgent *a, const char *step) {
        const HookStep steps[] = {
                { step, "exec.timeout" },
        };
        run_steps(c, a, steps, sizeof steps / sizeof steps[0]);
}

/* A node whose stored exec policy outlived the exec engine. */
static void scenario_exec_missing(SimClient *c, SimAgent *a) {
        static const HookStep steps[] = {
                { "attach", NULL },
                { "restart-without-exec", "verifier.engine_missing" },
        };
        run_steps(c, a, steps, sizeof steps / sizeof steps[0]);
}

#define STICKY_DIR "/tmp/sticky"

/* Clean attestations after a failure: each fails again with the failure id
 * first seen, asking for the IMA log from where the last pass ended. */
static void expect_stays_failed(SimClient *c, SimAgent *a, const char *id, uint64_t offset, const char *what) {
        for (int i = 0; i < 2; i++) {
                SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);

                expect_fail(&r, "policy_violation", id, what);
                CHECK(r.ima_offset == offset, "%s: starting_offset %llu, want %llu", what,
                      (unsigned long long) r.ima_offset, (unsigned long long) offset);
        }
        hook("fail");
}

/* A file outside the runtime policy fails the node on every attestation of
 * the boot until the operator acts: the hook's "allow" puts the file in the
 * node's policy ("disallow" takes it out again), its "reactivate" accepts the
 * node as it is ("pending": the verdict waits for the next attestation);
 * or until the node reboots. */
static void scenario_sticky(SimClient *c, SimAgent *a) {
        char id[sizeof ((SimAttestation) {}).failure_id];
        SimAttestation r;
        uint64_t anchor;

        r = attest(c, a, SIM_SPOIL_NONE, 2, FILES_DIR);
        expect_pass(&r, "before the violation");
        CHECK(r.acked_items == 3, "202 evidence list (quote, UEFI log, IMA log): %u items with capabilities, parameters and data", r.acked_items);
        anchor = a->node->ima_entries;
        r = attest(c, a, SIM_SPOIL_NONE, 1, STICKY_DIR);
        expect_fail(&r, "policy_violation", "ima.", "the violation");
        memcpy(id, r.failure_id, sizeof id);
        expect_stays_failed(c, a, id, anchor, "after the violation");

        hook("allow");
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "with the file in the policy");
        CHECK(r.ima_offset == anchor, "with the file in the policy: starting_offset %llu, want %llu",
              (unsigned long long) r.ima_offset, (unsigned long long) anchor);
        hook("disallow");

        anchor = a->node->ima_entries;
        r = attest(c, a, SIM_SPOIL_NONE, 1, STICKY_DIR);
        expect_fail(&r, "policy_violation", id, "a second violation");
        expect_stays_failed(c, a, id, anchor, "after the second violation");
        hook("reactivate");
        hook("pending");
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "after reactivate");

        r = attest(c, a, SIM_SPOIL_NONE, 1, STICKY_DIR);
        expect_fail(&r, "policy_violation", id, "a third violation");
        CHECK(sim_node_boot(a->node, a->node->boot_time + 60) >= 0, "reboot");
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "after the reboot");
        CHECK(r.ima_offset == 0, "after the reboot: starting_offset %llu, want 0", (unsigned long long) r.ima_offset);
}

/* The node's own signed result, as GET latest gives it with its token, to
 * $SIM_RESULT_DIR/<step>.jwt for the test to verify. */
static void save_own_result(SimClient *c, SimAgent *a, const char *step) {
        const char *dir = getenv("SIM_RESULT_DIR"), *ear;
        char path[256], file[512];
        SimResponse resp = {};
        json_object *doc = NULL;
        FILE *f;

        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/attestations/latest", a->node->id);
        CHECK(sim_http(c, "GET", path, a->token, NULL, &resp) >= 0 && resp.status == 200, "GET latest: %ld", resp.status);
        doc = json_tokener_parse(resp.body ?: "");
        ear = SIM_DIG_STRING(doc, "data", "attributes", "ear");
        CHECK(ear && dir, "%s: no signed result in the latest attestation", step);
        (void) snprintf(file, sizeof file, "%s/%s.jwt", dir ?: ".", step);
        if (ear && dir && (f = fopen(file, "we"))) {
                fprintf(f, "%s\n", ear);
                CHECK(fclose(f) == 0, "%s: cannot write %s", step, file);
        }
        json_object_put(doc);
        sim_response_done(&resp);
}

/* A pass, then a file outside the runtime policy: two signed results. */
static void scenario_results(SimClient *c, SimAgent *a) {
        SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 3, FILES_DIR);

        expect_pass(&r, "passing attestation");
        save_own_result(c, a, "pass");
        hook("pass");
        r = attest(c, a, SIM_SPOIL_NONE, 1, STICKY_DIR);
        expect_fail(&r, "policy_violation", "ima.", "failing attestation");
        save_own_result(c, a, "fail");
        hook("fail");
}

static void scenario_timeout(SimClient *c, SimAgent *a) {
        SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);

        expect_pass(&r, "before the silence");
        sleep_ms(7000);         /* 5 × interval of 1 s, and the liveness period */
        hook("timeout");
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "after the timeout");
        hook("recovered");
}

/* An ISO 8601 time as Keylime writes it: microseconds and a UTC offset. */
static bool is_keylime_time(const char *t) {
        return t && strlen(t) == 32 && t[10] == 'T' && t[19] == '.' && strcmp(t + 26, "+00:00") == 0;
}

static void check_times(json_object *attrs, const char *const *names, const char *what) {
        for (; *names; names++)
                CHECK(is_keylime_time(SIM_DIG_STRING(attrs, *names)), "%s: %s is '%s'", what, *names,
                      SIM_DIG_STRING(attrs, *names) ?: "(missing)");
}

/* The session answers carry the fields Keylime sends and the Rust agent
 * decodes (rust-keylime structures/sessions.rs). */
static void scenario_session_fields(SimClient *c, SimAgent *a) {
        static const char *const created_times[] = { "created_at", "challenges_expire_at", NULL };
        static const char *const proven_times[] = { "created_at", "challenges_expire_at", "response_received_at",
                                                    "token_expires_at", NULL };
        _cleanup_free_ char *created = NULL, *proven = NULL;
        json_object *cj, *pj, *ca, *pa;
        const char *challenge;
        SimAttestation r;

        CHECK(sim_agent_session_answers(c, a, &created, &proven) >= 0, "second session");
        cj = json_tokener_parse(created ?: "");
        pj = json_tokener_parse(proven ?: "");
        ca = json_object_object_get(json_object_object_get(cj, "data"), "attributes");
        pa = json_object_object_get(json_object_object_get(pj, "data"), "attributes");
        check_times(ca, created_times, "POST /sessions");
        challenge = SIM_DIG_STRING(ca, "authentication_requested", "0", "chosen_parameters", "challenge");
        CHECK(challenge, "POST /sessions: no challenge");
        check_times(pa, proven_times, "PATCH /sessions");
        CHECK(SIM_DIG_STRING(pa, "evaluation") && strcmp(SIM_DIG_STRING(pa, "evaluation"), "pass") == 0 &&
              SIM_DIG_STRING(pa, "token") && SIM_DIG_STRING(pa, "agent_id") &&
              strcmp(SIM_DIG_STRING(pa, "agent_id"), a->node->id) == 0, "PATCH /sessions: %s", proven);
        CHECK(SIM_DIG_STRING(pa, "authentication", "0", "authentication_class") &&
              strcmp(SIM_DIG_STRING(pa, "authentication", "0", "authentication_class"), "pop") == 0 &&
              strcmp(SIM_DIG_STRING(pa, "authentication", "0", "authentication_type") ?: "", "tpm_pop") == 0 &&
              challenge && strcmp(SIM_DIG_STRING(pa, "authentication", "0", "chosen_parameters", "challenge") ?: "",
                                  challenge) == 0 &&
              *(SIM_DIG_STRING(pa, "authentication", "0", "data", "message") ?: "") &&
              *(SIM_DIG_STRING(pa, "authentication", "0", "data", "signature") ?: ""),
              "PATCH /sessions: authentication list: %s", proven);
        CHECK(!json_object_object_get(pa, "authentication_requested"),
              "PATCH /sessions: authentication_requested is not Keylime's");
        json_object_put(cj);
        json_object_put(pj);
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "attestation with the second session's token");
}

/* POST …/secrets/disk[/challenge] with the token given (or none). */
static long secret_post(SimClient *c, SimAgent *a, const char *suffix, const char *token, const char *body,
                        char **ret_challenge) {
        SimResponse r = {};
        char path[256];
        long status;

        (void) snprintf(path, sizeof path, "/v3.0/agents/%s/secrets/disk%s", a->node->id, suffix);
        if (sim_http(c, "POST", path, token, body ?: "{}", &r) < 0)
                return -1;
        status = r.status;
        if (ret_challenge && status == 201) {
                json_object *j = json_tokener_parse(r.body ?: "");
                const char *ch = SIM_DIG_STRING(j, "data", "attributes", "challenge");

                *ret_challenge = ch ? strdup(ch) : NULL;
                json_object_put(j);
        }
        sim_response_done(&r);
        return status;
}

/* A secret request: a fresh decryption key certified by the AK over qualifying. */
static char *secret_request_body(SimAgent *a, const uint8_t *qualifying, size_t size) {
        uint8_t name[SIM_NAME_SIZE];
        _cleanup_free_ char *k = NULL, *m = NULL, *s = NULL;
        SimBuf key, attest, sig;
        char *body = NULL;

        if (sim_decrypt_key_new(&key, name) < 0 || sim_node_certify_name(a->node, name, qualifying, size, &attest, &sig) < 0)
                return NULL;
        k = base64_encode(key.data, key.size);
        m = base64_encode(attest.data, attest.size);
        s = base64_encode(sig.data, sig.size);
        if (!k || !m || !s || asprintf(&body, "{\"data\":{\"type\":\"secret_request\",\"attributes\":{\"key_public\":\"%s\","
                                        "\"certify_attest\":\"%s\",\"certify_signature\":\"%s\"}}}", k, m, s) < 0)
                return NULL;
        return body;
}

/* Secret release needs the node's token on both requests; a certification
 * that does not verify leaves the challenge for the real request. */
static void scenario_secret(SimClient *c, SimAgent *a) {
        static const uint8_t other[32] = { 1 };
        _cleanup_free_ char *challenge = NULL, *bad = NULL, *good = NULL;
        _cleanup_free_ uint8_t *raw = NULL;
        size_t raw_size = 0;
        SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);

        expect_pass(&r, "attestation before the secret");
        hook("secret");
        CHECK(secret_post(c, a, "/challenge", NULL, NULL, NULL) == 401, "challenge without a token");
        CHECK(secret_post(c, a, "", NULL, "{}", NULL) == 401, "request without a token");
        CHECK(secret_post(c, a, "/challenge", a->token, NULL, &challenge) == 201 && challenge, "challenge with the token");
        CHECK(challenge && base64_decode(challenge, strlen(challenge), &raw, &raw_size) >= 0, "challenge: base64");
        bad = secret_request_body(a, other, sizeof other);
        good = raw ? secret_request_body(a, raw, raw_size) : NULL;
        CHECK(bad && good, "secret requests");
        if (!bad || !good)
                return;
        CHECK(secret_post(c, a, "", a->token, "{\"data\":{\"type\":\"secret_request\",\"attributes\":{}}}", NULL) == 400,
              "malformed request");
        CHECK(secret_post(c, a, "", a->token, bad, NULL) == 403, "certification over other data");
        CHECK(secret_post(c, a, "", a->token, good, NULL) == 200, "release after the failed attempts");
        CHECK(secret_post(c, a, "", a->token, good, NULL) == 409, "replayed request");
}

int main(int argc, char *argv[]) {
        SimClient *c = NULL;
        SimAgent a = {};
        int e;

        if (argc < 2)
                return 2;
        e = sim_uefi_load(SIM_UEFI_LOG, &uefi);
        if (e < 0)
                die(SIM_UEFI_LOG, e);
        if (strcmp(argv[1], "ima-log") == 0 && argc == 4) {
                SimNode *n = NULL;
                e = sim_node_new("policy", &uefi, 1, &n);
                if (e >= 0)
                        e = sim_node_ima_grow(n, (unsigned) atoi(argv[3]), argv[2]);
                if (e < 0)
                        die("IMA log", e);
                fputs(n->ima, stdout);
                sim_node_free(n);
                return 0;
        }
        if (strcmp(argv[1], "run") != 0 || argc != 5)
                return 2;
        e = sim_client_new(argv[2], &c);
        if (e < 0)
                die("client", e);
        setup(c, &a, argv[4]);
        if (strcmp(argv[3], "pass") == 0)
                scenario_pass(c, &a);
        else if (strcmp(argv[3], "spoils") == 0)
                scenario_spoils(c, &a);
        else if (strcmp(argv[3], "count1") == 0)
                scenario_count1(c, &a);
        else if (strcmp(argv[3], "engine-missing") == 0)
                scenario_engine_missing(c, &a);
        else if (strcmp(argv[3], "timeout") == 0)
                scenario_timeout(c, &a);
        else if (strcmp(argv[3], "exec") == 0)
                scenario_exec(c, &a);
        else if (strcmp(argv[3], "exec-missing") == 0)
                scenario_exec_missing(c, &a);
        else if (strcmp(argv[3], "stall") == 0 || strcmp(argv[3], "stall-long") == 0)
                scenario_stall(c, &a, argv[3]);
        else if (strcmp(argv[3], "session-fields") == 0)
                scenario_session_fields(c, &a);
        else if (strcmp(argv[3], "secret") == 0)
                scenario_secret(c, &a);
        else if (strcmp(argv[3], "sticky") == 0)
                scenario_sticky(c, &a);
        else if (strcmp(argv[3], "results") == 0)
                scenario_results(c, &a);
        else
                return 2;
        sim_node_free(a.node);
        sim_client_free(c);
        sim_uefi_done(&uefi);
        printf("%s: %s\n", argv[3], failures == 0 ? "ok" : "FAILED");
        return failures == 0 ? 0 : 1;
}
