/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One push cycle against a Keylime v3.0 verifier: session (TPM2_Certify
 * proof of possession) when needed, capabilities, evidence, verdict. Runs in
 * a worker thread: it touches only its arguments and the kept TPM identity
 * (agent-identity.c), under its lock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>

#include <tss2/tss2_mu.h>

#include "fileio.h"
#include "hash-alg.h"
#include "hexdecode.h"
#include "http-client.h"
#include "attest-limits.h"
#include "log.h"
#include "push-cc.h"
#include "push-cycle.h"
#include "tpm-quote.h"

#define CONTENT_TYPE_JSON_API "application/vnd.api+json"
#define VERDICT_WAIT_MSEC 15000
#define VERDICT_POLL_MSEC 250

void push_session_state_done(PushSessionState *s) {
        if (!s)
                return;
        s->token = mfree(s->token);
        s->opened_location = mfree(s->opened_location);
}

void push_outcome_done(PushOutcome *o) {
        if (!o)
                return;
        for (char **p = o->failures; p && *p; p++)
                free(*p);
        o->failures = mfree(o->failures);
        o->error = mfree(o->error);
        o->ear = mfree(o->ear);
}

static int fail(PushOutcome *o, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(PushOutcome *o, int r, const char *fmt, ...) {
        va_list ap;

        free(o->error);
        va_start(ap, fmt);
        if (vasprintf(&o->error, fmt, ap) < 0)
                o->error = NULL;
        va_end(ap);
        log_warning("%s", o->error ?: "Push cycle failed.");
        return r;
}

/* A request that got no answer: the verifier away, or an answer over the limit. */
static int request_failed(PushOutcome *o, const PushContext *ctx, const char *what, int r) {
        switch (r) {
        case -EFBIG:
                return fail(o, r, "The answer to the %s is too large (over %u MiB).", what,
                            HTTP_CLIENT_RESPONSE_MAX / (1024u * 1024u));
        case -EPERM:
                return fail(o, r, "TLS with verifier %s failed: its certificate does not verify against the CA bundle.",
                            ctx->verifier_url);
        default:
                return fail(o, r, "Verifier %s unreachable: %s", ctx->verifier_url, strerror(-r));
        }
}

/* A 2xx answer is parsed only when it is typed JSON, or not typed at all. */
static int check_json(PushOutcome *o, const char *what, const HttpClientResponse *resp) {
        if (!resp->content_type || http_media_type_is_json(resp->content_type))
                return 0;
        return fail(o, -EBADMSG, "The answer to the %s is %s, not JSON.", what, resp->content_type);
}

/* An answer that did not parse (push-protocol.h's error codes). */
static int unusable(PushOutcome *o, const char *what, int r) {
        const char *why = r == -ENOMSG ? "is not a valid JSON object" :
                          r == -E2BIG ? "is too large, or a field in it is" :
                          r == -ENOMEM ? "could not be parsed: out of memory" :
                                         "lacks a required field or has an invalid one";

        return fail(o, r, "The answer to the %s %s.", what, why);
}

/* base URL + path; an absolute URL must point at the same verifier, so that
 * the bearer token goes nowhere else. */
static int make_url(const char *base, const char *path, char **ret) {
        size_t n = strlen(base);

        while (n > 0 && base[n - 1] == '/')
                n--;
        if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
                if (strncmp(path, base, n) != 0 || path[n] != '/')
                        return -EBADMSG;
                path += n;
        }
        if (path[0] != '/')
                return -EBADMSG;
        return asprintf(ret, "%.*s%s", (int) n, base, path) < 0 ? -ENOMEM : 0;
}

static int request(const PushContext *ctx, const PushSessionState *s, const char *method, const char *path,
                   const char *body, HttpClientResponse *ret) {
        _cleanup_free_ char *url = NULL;
        int r;

        r = make_url(ctx->verifier_url, path, &url);
        if (r < 0)
                return r;
        r = http_client_request(&(HttpClientRequest) {
                        .url = url,
                        .method = method,
                        .ca_file = ctx->config->ca_file,
                        .content_type = CONTENT_TYPE_JSON_API,
                        .bearer_token = s ? s->token : NULL,
                        .body = body,
                        .body_size = body ? strlen(body) : 0,
                        .cancel = ctx->cancel,
                        .client = ctx->http,
                }, ret);
        log_debug("%s %s → %ld", method, url, r < 0 ? (long) r : ret->status);
        return r;
}

static int refused(PushOutcome *o, const char *what, const HttpClientResponse *resp) {
        _cleanup_free_ char *detail = push_answer_error(resp->body, resp->body_size);

        switch (resp->status) {
        case 410:
                o->terminated = true;
                return fail(o, -ESHUTDOWN, "The verifier ended attestation of this node (%s).", detail ?: "410 Gone");
        case 429:
        case 503:
                o->retry_after_sec = resp->retry_after_sec;
                if (resp->retry_after_sec == 0)
                        return fail(o, -EAGAIN, "The verifier is busy (%ld at the %s, %s, no Retry-After): backing off.",
                                    resp->status, what, detail ?: "no detail");
                return fail(o, -EAGAIN, "The verifier asks to wait %llu s (%ld at the %s, %s).",
                            (unsigned long long) resp->retry_after_sec, resp->status, what, detail ?: "no detail");
        case 404:
                o->unknown_node = true;
                return fail(o, -ENOENT, "The verifier does not know this node (404 at the %s, %s).", what,
                            detail ?: "no detail");
        case 401:
                return fail(o, -EACCES, "The verifier refused the session token at the %s (401, %s).", what,
                            detail ?: "no detail");
        default:
                /* The instance failed, not the request: another instance may take it. */
                if (resp->status >= 500)
                        return fail(o, -EREMOTEIO, "The verifier failed at the %s with HTTP %ld (%s).", what,
                                    resp->status, detail ?: "no detail");
                return fail(o, -EPROTO, "The verifier refused the %s with HTTP %ld (%s).", what, resp->status,
                            detail ?: "no detail");
        }
}

static int authenticate(const PushContext *ctx, PushSessionState *s, AgentIdentity *id, PushOutcome *o) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {}, proof = {};
        _cleanup_free_ char *body = NULL, *sid = NULL, *path = NULL, *proof_body = NULL;
        _cleanup_free_ uint8_t *challenge = NULL;
        _cleanup_tpm_evidence_ TpmEvidence e = {};
        size_t challenge_size;
        int r;

        s->token = mfree(s->token);
        body = push_session_request_body(ctx->node_id);
        if (!body)
                return log_oom();
        r = request(ctx, NULL, "POST", "/v" PUSH_API_VERSION "/sessions", body, &resp);
        if (r < 0)
                return request_failed(o, ctx, "session", r);
        if (resp.status != 200 && resp.status != 201)
                return refused(o, "session", &resp);
        r = check_json(o, "session", &resp);
        if (r < 0)
                return r;
        r = push_session_answer_parse(resp.body, resp.body_size, &sid, &challenge, &challenge_size);
        if (r < 0)
                return unusable(o, "session", r);

        r = tpm_certify_ak(id->tpm, &id->ak, challenge, challenge_size, &e);
        if (r < 0)
                return fail(o, r, "TPM2_Certify of the AK failed: %s", strerror(-r));
        proof_body = push_session_proof_body(ctx->node_id, sid, e.attest, e.attest_size, e.signature, e.signature_size);
        if (!proof_body || asprintf(&path, "/v" PUSH_API_VERSION "/sessions/%s", sid) < 0)
                return log_oom();
        r = request(ctx, NULL, "PATCH", path, proof_body, &proof);
        if (r < 0)
                return request_failed(o, ctx, "session proof", r);
        if (proof.status != 200)
                return proof.status == 401 ? fail(o, -EACCES, "The verifier refused the proof of possession of the AK.")
                                           : refused(o, "session proof", &proof);
        r = check_json(o, "session proof", &proof);
        if (r < 0)
                return r;
        r = push_session_token_parse(proof.body, proof.body_size, &s->token);
        if (r == -EACCES)
                return fail(o, r, "The verifier refused the proof of possession of the AK.");
        if (r < 0)
                return unusable(o, "session proof", r);
        log_debug("Authenticated to %s (session %s).", ctx->verifier_url, sid);
        return 0;
}

static int capabilities_body(const PushContext *ctx, PushSessionState *s, AgentIdentity *id, char **ret) {
        const TPMT_PUBLIC *pub = &id->ak.public.publicArea;
        _cleanup_free_ char *name = hex_encode(id->ak.name.name, id->ak.name.size);
        uint8_t buf[sizeof(TPMT_PUBLIC)];
        const uint16_t *banks;
        size_t off = 0, n_banks = 0;
        PushCapabilities c = {};
        int r;

        if (!name)
                return -ENOMEM;
        r = tpm_pcr_banks(id->tpm, &banks, &n_banks);
        if (r < 0)
                return r;
        if (Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
                return -EINVAL;
        c = (PushCapabilities) {
                .banks = banks,
                .n_banks = n_banks,
                .signature_scheme = pub->type == TPM2_ALG_RSA ? "rsassa" : "ecdsa",
                .key_algorithm = pub->type == TPM2_ALG_RSA ? "rsa" : "ecc",
                .key_size = pub->type == TPM2_ALG_RSA ? pub->parameters.rsaDetail.keyBits : 256,
                .ak_hash = hash_alg_from_tpm_id(tpm_ak_hash(&id->ak)) ? hash_alg_from_tpm_id(tpm_ak_hash(&id->ak))->name : NULL,
                .ak_name_hex = name,
                .ak_public = buf,
                .ak_public_size = off,
                .uefi_log = access(ctx->config->uefi_log_path, R_OK) == 0,
        };
        r = boot_time_usec("/proc/stat", &c.boot_time_usec);
        if (r < 0)
                return log_error_errno(r, "Failed to read the boot time from /proc/stat: %m");
        if (ima_log_count(ctx->config->ima_log_path, &s->ima, &c.ima_entry_count) >= 0)
                c.ima_log = true;
        char provider[32] = "";
        c.cc_type = push_cc_offer(ctx->config->tsm_report_path, ctx->config->sev_guest_device, provider, sizeof provider);
        c.cc_provider = provider;
        *ret = push_capabilities_body(&c);
        return *ret ? 0 : -ENOMEM;
}

/* POST the capabilities; on 401 authenticate once more and repeat, unless the
 * token refused was just issued: a newer one would fare no better. */
static int send_capabilities(const PushContext *ctx, PushSessionState *s, AgentIdentity *id, PushRequest *ret_req,
                             char **ret_location, PushOutcome *o) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_free_ char *body = NULL, *path = NULL;
        int r;

        r = capabilities_body(ctx, s, id, &body);
        if (r < 0)
                return fail(o, r, "Failed to describe the evidence this node offers: %s", strerror(-r));
        if (asprintf(&path, "/v" PUSH_API_VERSION "/agents/%s/attestations", ctx->node_id) < 0)
                return log_oom();
        for (int attempt = 0; attempt < 2; attempt++) {
                bool fresh = !s->token;

                if (fresh) {
                        r = authenticate(ctx, s, id, o);
                        if (r < 0)
                                return r;
                }
                http_client_response_done(&resp);
                r = request(ctx, s, "POST", path, body, &resp);
                if (r < 0)
                        return request_failed(o, ctx, "capabilities", r);
                if (resp.status != 401)
                        break;
                s->token = mfree(s->token);
                if (fresh)
                        break;
        }
        if (resp.status != 201 && resp.status != 200)
                return refused(o, "capabilities", &resp);
        r = check_json(o, "capabilities", &resp);
        if (r < 0)
                return r;
        r = push_capabilities_answer_parse(resp.body, resp.body_size, ret_req);
        if (r < 0) {
                log_debug("Capabilities answer: %.*s", (int) MIN(resp.body_size, 4096u), resp.body);
                return unusable(o, "capabilities", r);
        }
        if (resp.location)
                *ret_location = TAKE_PTR(resp.location);
        else if (push_answer_self_link(resp.body, resp.body_size, ret_location) < 0)
                return fail(o, -EBADMSG, "The verifier gave no Location for the attestation.");
        return 0;
}

typedef struct Collected {
        TpmEvidence quote;
        uint8_t *uefi;
        size_t uefi_size;
        char *ima;
        size_t ima_size;
        uint64_t ima_count;
        CcCollected cc;
} Collected;

static void collected_done(Collected *c) {
        tpm_evidence_done(&c->quote);
        cc_collected_done(&c->cc);
        c->uefi = mfree(c->uefi);
        c->ima = mfree(c->ima);
}

static bool requested(const PushRequest *req, PushEvidenceKind k) {
        for (size_t i = 0; i < req->n_items; i++)
                if (req->order[i] == k)
                        return true;
        return false;
}

/* The quote first, the logs after: the logs then cover at least what the quote does. */
static int collect(const PushContext *ctx, PushSessionState *s, AgentIdentity *id, const PushRequest *req, Collected *c,
                   PushOutcome *o) {
        const char *want = id->ak.public.publicArea.type == TPM2_ALG_RSA ? "rsassa" : "ecdsa";
        int r;

        if (strcmp(req->signature_scheme, want) != 0)
                return fail(o, -EOPNOTSUPP, "The verifier chose signature scheme %s, the AK signs with %s.",
                            req->signature_scheme, want);
        if (req->pcr_mask == 0)
                return fail(o, -EOPNOTSUPP, "The verifier asked for a quote of no PCR.");
        r = tpm_quote(id->tpm, &id->ak, req->pcr_bank, req->pcr_mask, req->hash_alg, req->challenge,
                      req->challenge_size, &c->quote);
        if (r < 0)
                return fail(o, r, "TPM2_Quote failed: %s", strerror(-r));

        if (requested(req, PUSH_EVIDENCE_UEFI_LOG)) {
                r = read_full_file(ctx->config->uefi_log_path, PUSH_UEFI_LOG_MAX, &c->uefi, &c->uefi_size);
                if (r < 0)
                        return fail(o, r, "Failed to read %s: %s", ctx->config->uefi_log_path, strerror(-r));
        }
        if (requested(req, PUSH_EVIDENCE_IMA_LOG)) {
                r = ima_log_read_from(ctx->config->ima_log_path, &s->ima, req->ima_starting_offset,
                                      &c->ima, &c->ima_size, &c->ima_count);
                if (r < 0)
                        return fail(o, r, "Failed to read %s from entry %llu: %s", ctx->config->ima_log_path,
                                    (unsigned long long) req->ima_starting_offset, strerror(-r));
        }
        for (PushEvidenceKind k = PUSH_EVIDENCE_SEV_SNP; k <= PUSH_EVIDENCE_TDX; k++)
                if (requested(req, k)) {
                        r = push_cc_collect(ctx->config->tsm_report_path, ctx->config->sev_guest_device, req, k, &c->cc);
                        if (r < 0)
                                return fail(o, r, "Failed to get the %s report from %s: %s",
                                            k == PUSH_EVIDENCE_SEV_SNP ? "SEV-SNP" : "TDX",
                                            ctx->config->tsm_report_path ?: "configfs-tsm", strerror(-r));
                }
        return 0;
}

static int send_evidence(const PushContext *ctx, PushSessionState *s, AgentIdentity *id, const PushRequest *req,
                         const char *location, const Collected *c, PushOutcome *o, bool *ret_answered) {
        _cleanup_(http_client_response_done) HttpClientResponse resp = {};
        _cleanup_free_ char *body = NULL;
        int r;

        body = push_evidence_body(&(PushEvidence) {
                        .request = req,
                        .quote_attest = c->quote.attest, .quote_attest_size = c->quote.attest_size,
                        .quote_signature = c->quote.signature, .quote_signature_size = c->quote.signature_size,
                        .pcr_blob = c->quote.pcr_blob, .pcr_blob_size = c->quote.pcr_blob_size,
                        .uefi_log = c->uefi, .uefi_log_size = c->uefi_size,
                        .ima_entries = c->ima, .ima_entries_size = c->ima_size, .ima_entry_count = c->ima_count,
                        .cc_report = c->cc.report, .cc_report_size = c->cc.report_size,
                        .cc_cert = c->cc.cert, .cc_cert_size = c->cc.cert_size,
                });
        if (!body)
                return log_oom();
        for (int attempt = 0; attempt < 2; attempt++) {
                http_client_response_done(&resp);
                r = request(ctx, s, "PATCH", location, body, &resp);
                if (r < 0)
                        return request_failed(o, ctx, "evidence", r);
                *ret_answered = true;
                if (resp.status != 401 || attempt > 0)
                        break;
                r = authenticate(ctx, s, id, o);
                if (r < 0)
                        return r;
        }
        if (resp.status == 401)
                s->token = mfree(s->token);
        if (resp.status != 202 && resp.status != 200)
                return refused(o, "evidence", &resp);
        r = check_json(o, "evidence", &resp);
        if (r < 0)
                return r;
        r = push_evidence_answer_parse(resp.body, resp.body_size, &o->next_sec);
        if (r < 0)
                return unusable(o, "evidence", r);
        return 0;
}

static void sleep_msec(unsigned ms, const atomic_bool *cancel) {
        for (unsigned done = 0; done < ms && !(cancel && atomic_load(cancel)); done += 50)
                (void) nanosleep(&(struct timespec) { .tv_nsec = 50 * 1000000L }, NULL);
}

/* The verdict is the verifier's: poll …/attestations/latest until it is
 * decided; where the verifier shows attestations to admins only (Keylime
 * 7.14: 403), the node's own record says it. */
static int fetch_verdict(const PushContext *ctx, PushSessionState *s, PushOutcome *o) {
        _cleanup_free_ char *path = NULL, *record = NULL;
        bool use_record = false;
        int r;

        if (asprintf(&path, "/v" PUSH_API_VERSION "/agents/%s/attestations/latest", ctx->node_id) < 0 ||
            asprintf(&record, "/v" PUSH_AGENT_STATUS_API_VERSION "/agents/%s", ctx->node_id) < 0)
                return log_oom();
        for (unsigned waited = 0;; waited += VERDICT_POLL_MSEC) {
                _cleanup_(http_client_response_done) HttpClientResponse resp = {};
                _cleanup_(push_verdict_done) PushVerdict v = {};

                r = request(ctx, s, "GET", use_record ? record : path, NULL, &resp);
                if (r < 0)
                        return request_failed(o, ctx, "verdict", r);
                if (resp.status == 403 && !use_record) {
                        log_debug("Attestations are for admins at %s; reading the node's record.", ctx->verifier_url);
                        use_record = true;
                        continue;
                }
                if (resp.status == 401)
                        s->token = mfree(s->token);   /* the next cycle starts with a new session */
                if (resp.status != 200)
                        return refused(o, "verdict", &resp);
                r = check_json(o, "verdict", &resp);
                if (r < 0)
                        return r;
                r = use_record ? push_agent_status_parse(resp.body, resp.body_size, ctx->node_id, &v)
                               : push_verdict_parse(resp.body, resp.body_size, &v);
                if (r < 0)
                        return unusable(o, "verdict", r);
                if (v.complete || v.evaluation != PUSH_EVALUATION_PENDING || waited >= VERDICT_WAIT_MSEC ||
                    (ctx->cancel && atomic_load(ctx->cancel))) {
                        o->have_verdict = true;
                        o->evaluation = v.evaluation;
                        o->failures = TAKE_PTR(v.failures);
                        o->ear = TAKE_PTR(v.ear);
                        return 0;
                }
                sleep_msec(VERDICT_POLL_MSEC, ctx->cancel);
        }
}

/* What the TPM part of a cycle needs and yields. */
typedef struct TpmPart {
        const PushContext *ctx;
        PushSessionState *s;
        PushOutcome *o;
        PushRequest req;
        char *location;   /* set once the verifier took the capabilities */
        Collected c;
        bool collected;
        bool evidence_sent;   /* the verifier answered the evidence, whatever it said */
        unsigned runs;
} TpmPart;

/* Run once more after the TPM lost the identity, it goes on from the step
 * that failed: an attestation the verifier opened awaits its evidence, and
 * the challenge it gave stays good for a quote with the reloaded AK. */
static int tpm_part_run(AgentIdentity *id, void *userdata) {
        TpmPart *p = userdata;
        int r;

        p->runs++;
        if (!p->location) {
                r = send_capabilities(p->ctx, p->s, id, &p->req, &p->location, p->o);
                if (r < 0)
                        return r;
        }
        if (!p->collected) {
                collected_done(&p->c);
                r = collect(p->ctx, p->s, id, &p->req, &p->c, p->o);
                if (r < 0)
                        return r;
                p->collected = true;
        }
        return send_evidence(p->ctx, p->s, id, &p->req, p->location, &p->c, p->o, &p->evidence_sent);
}

int push_cycle_run(const PushContext *ctx, PushSessionState *s, PushOutcome *o) {
        TpmPart p = { .ctx = ctx, .s = s, .o = o, .location = TAKE_PTR(s->opened_location), .req = s->opened_request };
        int r;

        if (p.location)
                log_debug("Sending evidence for %s, which the verifier opened in an earlier cycle.", p.location);
        /* The TPM is one client's at a time: held for this part only. */
        r = agent_identity_run(ctx->config, false, tpm_part_run, &p);
        if (r < 0 && p.location && !p.evidence_sent) {
                s->opened_location = TAKE_PTR(p.location);
                s->opened_request = p.req;
        }
        p.location = mfree(p.location);
        collected_done(&p.c);
        if (r < 0 && p.runs == 0)
                return fail(o, r, "Failed to open the TPM identity: %s", strerror(-r));
        if (r < 0)
                return r;
        log_debug("Evidence accepted; next attestation in %llu s.", (unsigned long long) o->next_sec);
        return fetch_verdict(ctx, s, o);
}
