/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A simulated node for the push integration test: registers, authenticates
 * and attests against a running attest-verifierd, and checks each answer.
 *
 *   push-client ima-log DIR N          the IMA log of a node with N files under DIR
 *   push-client run URL SCENARIO ID    pass | spoils | count1 | engine-missing | timeout | exec |
 *                                      exec-missing | stall | stall-long
 *
 * Exit 0 when every check held; each failed check is printed. The timeout
 * scenario runs $PUSH_CLIENT_HOOK with "timeout" and then "recovered". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim-agent.h"

#define FILES_DIR "/usr/lib/hostattest-test"
#define CHALLENGE_WAIT_MS 2500u

static int failures;
static SimUefi uefi;

#define CHECK(cond, ...)                                                \
        do {                                                            \
                if (!(cond)) {                                          \
                        fprintf(stderr, "FAIL %s:%d: ", __func__, __LINE__); \
                        fprintf(stderr, __VA_ARGS__);                   \
                        fputc('\n', stderr);                            \
                        failures++;                                     \
                }                                                       \
        } while (0)

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
        int e;

        e = sim_node_new(id, &uefi, (uint64_t) time(NULL) - 600, &a->node);
        if (e < 0)
                die("node", e);
        e = sim_agent_register(c, a->node);
        if (e < 0)
                die("registration", e);
        e = sim_agent_session(c, a);
        if (e < 0)
                die("session", e);
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
        CHECK(sim_agent_session(c, &again) < 0, "a new session of a terminated node");
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

static void scenario_timeout(SimClient *c, SimAgent *a) {
        SimAttestation r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);

        expect_pass(&r, "before the silence");
        sleep_ms(7000);         /* 5 × interval of 1 s, and the liveness period */
        hook("timeout");
        r = attest(c, a, SIM_SPOIL_NONE, 1, FILES_DIR);
        expect_pass(&r, "after the timeout");
        hook("recovered");
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
        else
                return 2;
        sim_node_free(a.node);
        sim_client_free(c);
        sim_uefi_done(&uefi);
        printf("%s: %s\n", argv[3], failures == 0 ? "ok" : "FAILED");
        return failures == 0 ? 0 : 1;
}
