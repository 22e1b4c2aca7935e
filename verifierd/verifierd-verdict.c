/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One pushed evidence to a durable verdict: validation (lib/core), then the
 * node's policy engines over the validated evidence, then one transaction
 * with the attestation, the node row, the push state and the session. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ear.h"
#include "failure-event.h"
#include "json-util.h"
#include "log.h"
#include "memory-util.h"
#include "tpm2-public.h"
#include "validate.h"
#include "verifierd-evalpool.h"
#include "verifierd.h"
#include "verifierd-cc.h"
#include "verifierd-messages.h"
#include "verifierd-policy.h"
#include "verifierd-push.h"

typedef struct Failures {
        PolicyFailure *items;
        size_t n;
} Failures;

static void failures_done(Failures *f) {
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].id);
                free(f->items[i].context);
        }
        free(f->items);
        *f = (Failures) {};
}

static int failures_add(Failures *f, const char *id, AttestSeverity sev, const char *context) {
        PolicyFailure *m;

        if (f->n >= POLICY_FAILURES_MAX)
                return 0;
        m = reallocarray(f->items, f->n + 1, sizeof *m);
        if (!m)
                return -ENOMEM;
        f->items = m;
        m[f->n] = (PolicyFailure) { .id = strdup(id), .severity = sev, .context = context ? strdup(context) : NULL };
        if (!m[f->n].id || (context && !m[f->n].context)) {
                free(m[f->n].id);
                free(m[f->n].context);
                return -ENOMEM;
        }
        f->n++;
        return 0;
}

/* Moves an engine's failures over. */
static int failures_take(Failures *f, PolicyOutcome *o) {
        for (size_t i = 0; i < o->n_failures; i++) {
                int r = failures_add(f, o->failures[i].id, o->failures[i].severity, o->failures[i].context);
                if (r < 0)
                        return r;
        }
        return 0;
}

static char *failures_to_json(const Failures *f) {
        json_object *a = json_object_new_array();
        char *s;

        if (!a)
                return NULL;
        for (size_t i = 0; i < f->n; i++) {
                json_object *o = json_object_new_object(), *ctx = NULL;
                (void) json_add_string(o, "id", f->items[i].id);
                (void) json_add_string(o, "severity", attest_severity_to_string(f->items[i].severity));
                if (f->items[i].context && json_parse_object(f->items[i].context, strlen(f->items[i].context), &ctx) < 0)
                        ctx = json_object_new_string(f->items[i].context);
                (void) json_object_object_add(o, "context", ctx);
                (void) json_object_array_add(a, o);
        }
        s = strdup(json_object_to_json_string_ext(a, JSON_TEXT_PLAIN));
        json_object_put(a);
        return s;
}

/* One policy of a job: a reference on its compiled form, or why it cannot run. */
typedef struct JobPolicy {
        char kind[ATTEST_PLUGIN_NAME_MAX + 1];
        char digest[POLICY_DIGEST_HEX_SIZE];
        CompiledPolicy *compiled;       /* referenced for the job's lifetime; NULL: unusable */
        int error_r;
} JobPolicy;

/* A policy that cannot run never passes: its engine is not loaded, or it refuses the stored policy. */
static int add_unusable(Failures *f, const JobPolicy *jp) {
        char id[64], context[128];

        if (jp->error_r == -ENOPKG && policy_kind_is_engine(jp->kind)) {
                (void) snprintf(context, sizeof context, "{\"engine\":\"%s\"}", jp->kind);
                return failures_add(f, "verifier.engine_missing", ATTEST_SEVERITY_CRITICAL, context);
        }
        (void) snprintf(id, sizeof id, "%s.engine_unavailable", jp->kind);
        return failures_add(f, id, ATTEST_SEVERITY_CRITICAL, NULL);
}

/* Each policy's part in the verdict, for the signed result: none until it has judged. */
static void appraisals_init(const JobPolicy *policies, size_t n, EarAppraisal *ret) {
        for (size_t i = 0; i < n; i++) {
                const char *engine = policy_kind_engine(policies[i].kind);

                ret[i] = (EarAppraisal) { .status = EAR_STATUS_NONE };
                (void) snprintf(ret[i].engine, sizeof ret[i].engine, "%s", engine ?: policies[i].kind);
                (void) snprintf(ret[i].digest, sizeof ret[i].digest, "%s", policies[i].digest);
        }
}

static EarStatus outcome_status(const PolicyOutcome *o) {
        if (!o->pass)
                return EAR_STATUS_CONTRAINDICATED;
        return o->n_failures > 0 ? EAR_STATUS_WARNING : EAR_STATUS_AFFIRMING;
}

/* The node's policy engines over validated evidence, every one of them; failures appended,
 * each policy's status in appr. Runs on a worker: touches only its arguments and the
 * engines' read-only compiled policies. */
static int evaluate(const char *node_id, const JobPolicy *policies, size_t n_policies, const ValidatedEvidence *ev,
                    const Tpm2ClockInfo *enrolment, Failures *f, EarAppraisal *appr, bool *ret_fail) {
        EvidenceAbi abi;
        int r;

        validated_evidence_to_abi(ev, node_id, enrolment, &abi);
        for (size_t i = 0; i < n_policies; i++) {
                PolicyOutcome o = {};
                char id[64];

                if (!policies[i].compiled) {
                        appr[i].status = EAR_STATUS_CONTRAINDICATED;
                        r = add_unusable(f, &policies[i]);
                        if (r < 0)
                                return r;
                        *ret_fail = true;
                        continue;
                }
                r = policy_evaluate(policies[i].compiled, &abi.ev, NULL, &o);
                if (r < 0)
                        return r;
                r = failures_take(f, &o);
                if (r >= 0 && !o.pass && o.n_failures == 0) {
                        (void) snprintf(id, sizeof id, "%s.failed", policies[i].kind);
                        r = failures_add(f, id, ATTEST_SEVERITY_ERROR, NULL);
                }
                if (!o.pass)
                        *ret_fail = true;
                appr[i].status = outcome_status(&o);
                policy_outcome_done(&o);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct ActionJob {
        Manager *m;
        char *event;
        char *node_id;
        char *names;            /* the node's actions, space separated */
} ActionJob;

static pthread_mutex_t actions_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t actions_ended = PTHREAD_COND_INITIALIZER;
static unsigned actions_running;        /* threads started, under actions_lock */

static bool word_in(const char *list, const char *word) {
        size_t n = strlen(word);

        for (const char *p = list; p && *p; p += strcspn(p, " "), p += strspn(p, " "))
                if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
                        return true;
        return false;
}

static void action_job_free(ActionJob *j) {
        if (!j)
                return;
        free(j->names);
        free(j->event);
        free(j->node_id);
        free(j);
}

static void *run_actions(void *userdata) {
        ActionJob *j = userdata;
        PushContext *c = &j->m->push;

        for (size_t i = 0; i < c->n_actions; i++) {
                const char *name = c->actions[i].plugin->name;
                int r;

                if (strcmp(name, "journal") != 0 && !word_in(j->names, name))
                        continue;
                /* Instances are not promised to be reentrant. */
                pthread_mutex_lock(&actions_lock);
                r = c->actions[i].plugin->action->run(c->actions[i].instance, j->event, strlen(j->event));
                pthread_mutex_unlock(&actions_lock);
                if (r < 0)
                        log_warning("Failure action %s for node %s failed: %s", name, j->node_id, strerror(-r));
        }
        action_job_free(j);
        pthread_mutex_lock(&actions_lock);
        actions_running--;
        pthread_cond_broadcast(&actions_ended);
        pthread_mutex_unlock(&actions_lock);
        return NULL;
}

int verdict_actions_wait(uint64_t timeout_usec) {
        struct timespec ts;
        int k = 0;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t) (timeout_usec / 1000000u);
        ts.tv_nsec += (long) (timeout_usec % 1000000u) * 1000;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&actions_lock);
        while (actions_running > 0 && k == 0)
                k = pthread_cond_timedwait(&actions_ended, &actions_lock, &ts);
        k = actions_running > 0 ? -ETIMEDOUT : 0;
        pthread_mutex_unlock(&actions_lock);
        return k;
}

/* Failure actions may block (retries, children): they run on a detached thread. */
void failure_actions_start(Manager *m, const Node *n, const char *kind, const PolicyFailure *items, size_t n_items) {
        ActionJob *j = calloc(1, sizeof *j);
        pthread_t t;
        pthread_attr_t attr;

        if (!j || failure_event_build(n->id, kind, now_realtime_usec(), items, n_items, &j->event) < 0 ||
            !(j->node_id = strdup(n->id)) || (n->failure_actions && !(j->names = strdup(n->failure_actions)))) {
                action_job_free(j);
                log_oom();
                return;
        }
        j->m = m;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&actions_lock);
        actions_running++;
        pthread_mutex_unlock(&actions_lock);
        if (pthread_create(&t, &attr, run_actions, j) != 0) {
                log_warning("Cannot start failure actions for node %s.", n->id);
                action_job_free(j);
                pthread_mutex_lock(&actions_lock);
                actions_running--;
                pthread_mutex_unlock(&actions_lock);
        }
        pthread_attr_destroy(&attr);
}

/* Validation input of the pending attestation and its evidence. */
static ValidationInput validation_input(const PendingAttestation *p, const PushEvidence *e, EVP_PKEY *ak,
                                        const PushState *ps, const Tpm2ClockInfo *prev_clock,
                                        const ImaReplayState *ima) {
        return (ValidationInput) {
                .ak = ak,
                .nonce = p->nonce,
                .nonce_size = sizeof p->nonce,
                .attest = e->attest,
                .attest_size = e->attest_size,
                .sig = e->sig,
                .sig_size = e->sig_size,
                .pcr_blob = e->pcr_blob,
                .pcr_blob_size = e->pcr_blob_size,
                .previous_clock = prev_clock,
                .previous_boot_time = ps->boot_time,
                .boot_time = p->boot_time,
                .uefi_log = p->uefi ? e->uefi : NULL,
                .uefi_log_size = p->uefi ? e->uefi_size : 0,
                .uefi_pcr_mask = p->pcr_mask & TCG_UEFI_PCR_MASK,
                .has_ima = p->ima,
                .ima_format = IMA_LOG_ASCII,
                .ima_log = p->ima ? (const uint8_t *) e->ima : NULL,
                .ima_log_size = p->ima ? e->ima_size : 0,
                .ima_state = ima,
                .required_pcr_mask = p->pcr_mask,
        };
}

typedef struct Outcome {
        bool valid, pass;
        Failures failures;
        EarAppraisal appraisals[NODE_POLICY_REFS_MAX];
        size_t n_appraisals;
        ValidationFailure vf;
        ValidatedEvidence *ev;
} Outcome;

struct VerdictJob {
        struct VerdictJob *ev_prev, *ev_next;   /* the jobs at the workers, event loop thread only */
        Manager *m;
        Node *node;
        NodeRuntime *rt;
        /* The inputs, taken on the event loop before the job goes to a worker. */
        PendingAttestation p;
        PushEvidence e;
        PushState old;
        EVP_PKEY *ak;                   /* a reference: rt->ak may be replaced meanwhile */
        JobPolicy policies[NODE_POLICY_REFS_MAX];
        size_t n_policies;
        int eval_r;
        /* The verdict. */
        Attestation a;
        PushState next;
        char *session_id;
        uint64_t session_expires_usec;
        char *old_verdict;
        Outcome o;
        bool terminated, changed;
        bool pooled;                    /* evaluated by a worker, while the event loop went on */
        VerdictDone done;
        void *userdata;
        uint64_t queued_usec;           /* CLOCK_MONOTONIC: the evidence came */
};

/* Validation, then the engines: pure work, on a worker thread or on the event
 * loop with the loop's replayer. */
static int validate_and_evaluate(VerdictJob *j, ImaReplayer *shared_replayer) {
        _cleanup_(ima_replayer_freep) ImaReplayer *own_replayer = NULL;
        ImaReplayer *replayer = shared_replayer;
        const PendingAttestation *p = &j->p;
        const PushState *ps = &j->old;
        Outcome *o = &j->o;
        Tpm2ClockInfo prev, enrol;
        ImaReplayState ima;
        bool have_prev, have_enrol, have_ima;
        bool fail = false;
        int r;

        /* The replayer's digest contexts and scratch are per thread: one per pooled job. */
        if (!replayer) {
                r = ima_replayer_new(&own_replayer);
                if (r < 0)
                        return r;
                replayer = own_replayer;
        }
        have_prev = push_clock_decode(&ps->clock, &prev) >= 0;
        have_enrol = push_clock_decode(&ps->enrolment_clock, &enrol) >= 0;
        have_ima = !p->ima_fresh && push_ima_state_decode(&ps->ima_state, &ima) >= 0;
        appraisals_init(j->policies, j->n_policies, o->appraisals);
        o->n_appraisals = j->n_policies;

        ValidationInput in = validation_input(p, &j->e, j->ak, ps, have_prev ? &prev : NULL, have_ima ? &ima : NULL);
        r = evidence_validate(&in, replayer, &o->ev, &o->vf);
        if (r < 0)
                return r;
        if (r > 0) {
                o->valid = o->pass = false;
                return failures_add(&o->failures, validation_reason_to_string(o->vf.reason) ?: "validation.unknown",
                                    ATTEST_SEVERITY_CRITICAL, NULL);
        }
        /* The confidential VM's report, if asked for, is part of the evidence chain. */
        char cc_id[96];
        r = cc_validate_evidence(j->m->cc_trust, p->evidence, &j->e, &j->node->aik_tpm, p->nonce, sizeof p->nonce,
                                 o->ev, cc_id, sizeof cc_id, o->vf.detail, sizeof o->vf.detail);
        if (r < 0)
                return r;
        if (r > 0) {
                o->valid = o->pass = false;
                return failures_add(&o->failures, cc_id, ATTEST_SEVERITY_CRITICAL, NULL);
        }
        o->valid = true;
        r = evaluate(j->node->id, j->policies, j->n_policies, o->ev, have_enrol ? &enrol : &o->ev->clock_info,
                     &o->failures, o->appraisals, &fail);
        o->pass = r >= 0 && !fail;
        return r;
}

/* The push state after this attestation. */
static int next_push_state(const PushState *old, const PendingAttestation *p, const Outcome *o, PushState *ret) {
        PushState s = { .boot_time = old->boot_time, .next_index = p->index + 1 };
        int r = 0;

        if (!o->valid) {
                /* Nothing of a broken chain is trusted: keep what was known. */
                r = r ?: blob_set(&s.clock, old->clock.data, old->clock.size);
                r = r ?: blob_set(&s.ima_state, old->ima_state.data, old->ima_state.size);
                r = r ?: blob_set(&s.ima_state_latest, old->ima_state_latest.data, old->ima_state_latest.size);
                s.ima_restart = old->ima_restart || o->vf.ima_restart;
        } else {
                s.boot_time = p->boot_time ?: old->boot_time;
                r = r ?: push_clock_encode(&o->ev->clock_info, &s.clock);
                r = r ?: push_ima_next(old, o->ev->has_ima ? &o->ev->ima_state : NULL, o->pass, p->ima_fresh, &s);
        }
        if (old->enrolment_clock.size > 0)
                r = r ?: blob_set(&s.enrolment_clock, old->enrolment_clock.data, old->enrolment_clock.size);
        else if (o->valid)
                r = r ?: push_clock_encode(&o->ev->clock_info, &s.enrolment_clock);
        if (r < 0) {
                push_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

static void log_transition(const Node *n, const char *old_verdict, const Outcome *o, bool terminated) {
        const char *first = o->failures.n > 0 ? o->failures.items[0].id : "";

        if (!o->pass)
                log_node(LOG_WARNING, MESSAGE_VERDICT_FAIL, n->id, "Node %s failed attestation: %s (%s%s%s).", n->id,
                         o->valid ? FAILURE_KIND_POLICY_VIOLATION : FAILURE_KIND_BROKEN_CHAIN, first,
                         !o->valid && o->vf.detail[0] ? ": " : "", !o->valid ? o->vf.detail : "");
        else if (terminated)
                log_node(LOG_INFO, MESSAGE_NODE_TERMINATED, n->id,
                         "Node %s passed its %llu attestations and is terminated.",
                         n->id, (unsigned long long) n->attestations_passed);
        else if (!old_verdict || strcmp(old_verdict, "PASS") != 0)
                log_node(LOG_INFO, MESSAGE_VERDICT_PASS, n->id, "Node %s passes attestation (was %s).", n->id,
                         old_verdict ?: "PENDING");
}

static int fill_attestation(const PendingAttestation *p, const Outcome *o, Attestation *a) {
        uint64_t now = now_realtime_usec();

        *a = (Attestation) {
                .index = p->index,
                .boot_time = p->boot_time,
                .ima_offset = p->ima_offset,
                .ima_count = o->valid && o->ev->has_ima ? validated_evidence_ima_count(o->ev) : 0,
                .created_usec = p->created_usec,
                .updated_usec = now,
        };
        memcpy(a->nonce, p->nonce, sizeof a->nonce);
        a->stage = strdup("verification_complete");
        a->evaluation = strdup(o->pass ? "pass" : "fail");
        a->failure_reason = o->pass ? NULL : strdup(o->valid ? FAILURE_KIND_POLICY_VIOLATION : FAILURE_KIND_BROKEN_CHAIN);
        a->failures = o->failures.n > 0 ? failures_to_json(&o->failures) : NULL;
        a->evidence = p->evidence ? strdup(p->evidence) : NULL;
        a->appraisal = ear_appraisals_to_json(o->appraisals, o->n_appraisals);
        if (!o->valid && o->vf.detail[0]) {
                json_object *d = json_object_new_object();
                (void) json_add_string(d, "detail", o->vf.detail);
                a->detail = strdup(json_object_to_json_string_ext(d, JSON_TEXT_PLAIN));
                json_object_put(d);
        }
        if (!a->stage || !a->evaluation || (!o->pass && !a->failure_reason) || (o->failures.n > 0 && !a->failures) ||
            (p->evidence && !a->evidence) || !a->appraisal) {
                attestation_done(a);
                return -ENOMEM;
        }
        return 0;
}

static VerdictJob *verdict_job_free(VerdictJob *j) {
        if (!j)
                return NULL;
        node_free(j->node);
        free(j->p.evidence);
        push_evidence_done(&j->e);
        push_state_done(&j->old);
        EVP_PKEY_free(j->ak);
        for (size_t i = 0; i < j->n_policies; i++)
                if (j->policies[i].compiled)
                        policy_cache_release(j->m->push.cache, j->policies[i].compiled);
        attestation_done(&j->a);
        push_state_done(&j->next);
        free(j->session_id);
        free(j->old_verdict);
        failures_done(&j->o.failures);
        validated_evidence_free(j->o.ev);
        free(j);
        return NULL;
}

/* The node row after this verdict. */
static int apply_verdict(VerdictJob *j) {
        Node *n = j->node;

        j->old_verdict = TAKE_PTR(n->verdict);
        n->verdict = strdup(j->o.pass ? "PASS" : "FAIL");
        if (!n->verdict)
                return -ENOMEM;
        n->last_attestation_usec = j->a.updated_usec;
        /* With several instances, the operator sees which one took it. */
        free(n->attested_by);
        n->attested_by = strdup(j->m->config.instance_name);
        if (!n->attested_by)
                return -ENOMEM;
        if (j->o.pass) {
                n->attestations_passed++;
                j->terminated = n->attest_count > 0 && n->attestations_passed >= n->attest_count;
                if (j->terminated)
                        n->state = NODE_TERMINATED;
        }
        j->changed = !j->old_verdict || strcmp(j->old_verdict, n->verdict) != 0 || j->terminated;
        return 0;
}

static bool job_extends_session(Manager *m, const VerdictJob *j) {
        return j->o.pass && j->session_id &&
               session_renewal_due(j->session_expires_usec, j->a.updated_usec,
                                   m->config.session_lifetime_sec * 1000000ULL);
}

static VerdictCommit job_commit(Manager *m, const VerdictJob *j) {
        return (VerdictCommit) {
                .node = j->node,
                .verdict_only = true,
                .attestation = &j->a,
                .push_state = &j->next,
                .session_id = job_extends_session(m, j) ? j->session_id : NULL,
                .session_expires_usec = j->a.updated_usec + m->config.session_lifetime_sec * 1000000ULL,
                .history_retention = m->config.history_retention,
                .event_kind = j->changed ? (j->terminated ? "terminated" : j->node->verdict) : NULL,
                .event_detail = j->o.failures.n > 0 ? j->o.failures.items[0].id : NULL,
        };
}

static void count_verdict(Manager *m, const VerdictJob *j) {
        metrics_verdict(&m->metrics, j->o.pass, !j->o.valid, (double) (metrics_now_usec() - j->queued_usec) / 1e6);
        for (size_t i = 0; i < j->o.failures.n; i++)
                metrics_failure(&m->metrics, j->o.failures.items[i].id);
}

/* Writes every queued verdict in one transaction, then answers them. */
void verdict_flush(Manager *m) {
        PushContext *c = &m->push;
        VerdictJob **jobs = c->batch;
        size_t n = c->n_batch, stored = 0;
        VerdictCommit *commits;
        int *results;

        if (n == 0)
                return;
        c->batch = NULL;
        c->n_batch = c->batch_allocated = 0;
        /* Flushed before its source fired (a full batch, or at exit): that source must not
         * commit the next batch before the spacing. */
        if (c->flush)
                (void) sd_event_source_set_enabled(c->flush, SD_EVENT_OFF);
        if (c->flush_timer)
                (void) sd_event_source_set_enabled(c->flush_timer, SD_EVENT_OFF);
        commits = calloc(n, sizeof *commits);
        results = calloc(n, sizeof *results);
        for (size_t i = 0; commits && i < n; i++)
                commits[i] = job_commit(m, jobs[i]);
        uint64_t start = metrics_now_usec();
        c->last_commit_usec = start;       /* metrics_now_usec() is CLOCK_MONOTONIC */
        if (commits && results)
                stored = storage_verdict_commit_each(m->storage, commits, n, results);
        else
                results = mfree(results);
        metrics_commit(&m->metrics, (double) (metrics_now_usec() - start) / 1e6);
        free(commits);
        if (stored < n)
                log_error("Failed to store %zu of %zu verdicts.", n - stored, n);
        for (size_t i = 0; i < n; i++) {
                VerdictJob *j = jobs[i];
                int r = results ? results[i] : -ENOMEM;

                j->rt->committing = false;
                if (r < 0)
                        log_error_errno(r, "Failed to store the verdict of node %s: %m", j->node->id);
                if (r >= 0)
                        count_verdict(m, j);
                if (r >= 0 && (j->changed || !j->o.pass))
                        log_transition(j->node, j->old_verdict, &j->o, j->terminated);
                if (r >= 0 && !j->o.pass)
                        failure_actions_start(m, j->node, j->o.valid ? FAILURE_KIND_POLICY_VIOLATION : FAILURE_KIND_BROKEN_CHAIN,
                                              j->o.failures.items, j->o.failures.n);
                j->done(m, r, &j->a, j->node, j->userdata);
                verdict_job_free(j);
        }
        free(results);
        free(jobs);
}

static int on_flush(sd_event_source *s, void *userdata) {
        verdict_flush(userdata);
        return 0;
}

static int on_flush_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        bool committing = m->push.n_batch > 0;

        verdict_flush(m);
        /* Under a steady load the next verdict comes within the spacing: the timer is moved
         * on to then (one timerfd_settime()) rather than set back to the loop's next timer
         * and armed again by that verdict (two). Fired with nothing to commit, it stays off. */
        if (committing && sd_event_source_set_time(s, m->push.last_commit_usec + VERDICT_COMMIT_SPACING_USEC) >= 0)
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* The commit of the first verdict of a batch, at idle priority: it runs once the requests
 * that are ready now have been read. A timer only when the spacing has not passed yet;
 * otherwise a deferred source: a timer due now costs two timerfd_settime() calls (armed,
 * then set back), and at full load a commit with its flush can take longer than the spacing. */
static int flush_schedule(Manager *m) {
        PushContext *c = &m->push;
        uint64_t now, due = c->last_commit_usec + VERDICT_COMMIT_SPACING_USEC;
        int r;

        r = sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        if (now < due) {
                if (!c->flush_timer) {
                        r = sd_event_add_time(m->event, &c->flush_timer, CLOCK_MONOTONIC, due, 1, on_flush_timer, m);
                        if (r >= 0)
                                r = sd_event_source_set_priority(c->flush_timer, SD_EVENT_PRIORITY_IDLE);
                } else
                        r = sd_event_source_set_time(c->flush_timer, due);
                return r < 0 ? r : sd_event_source_set_enabled(c->flush_timer, SD_EVENT_ONESHOT);
        }
        if (!c->flush) {
                r = sd_event_add_defer(m->event, &c->flush, on_flush, m);
                if (r >= 0)
                        r = sd_event_source_set_priority(c->flush, SD_EVENT_PRIORITY_IDLE);
                if (r < 0)
                        return r;
        }
        return sd_event_source_set_enabled(c->flush, SD_EVENT_ONESHOT);
}

static int batch_add(Manager *m, VerdictJob *j) {
        PushContext *c = &m->push;

        if (array_reserve((void **) &c->batch, &c->batch_allocated, c->n_batch + 1, sizeof *c->batch) < 0)
                return -ENOMEM;
        c->batch[c->n_batch++] = j;
        j->rt->committing = true;
        if (c->n_batch >= VERDICT_BATCH_MAX || (c->n_batch == 1 && flush_schedule(m) < 0))
                verdict_flush(m);       /* full, or no event source: now */
        return 0;
}

/* Everything the worker needs, read on the event loop: the AK and references on the compiled policies. */
static int job_take_inputs(Manager *m, VerdictJob *j) {
        PolicyRef refs[NODE_POLICY_REFS_MAX];
        size_t k = node_policy_refs(j->node, refs);
        EVP_PKEY *key;
        int r;

        r = node_runtime_ak(j->rt, &j->node->aik_tpm, &key, NULL);
        if (r < 0)
                return r;
        if (EVP_PKEY_up_ref(key) != 1)
                return -ENOMEM;
        j->ak = key;
        for (size_t i = 0; i < k; i++) {
                const PolicySlot *s = push_policy(m, refs[i].kind, refs[i].digest);
                JobPolicy *jp = &j->policies[j->n_policies++];

                (void) snprintf(jp->kind, sizeof jp->kind, "%s", refs[i].kind);
                (void) snprintf(jp->digest, sizeof jp->digest, "%s", refs[i].digest);
                if (s && s->compiled)
                        jp->compiled = policy_cache_ref(m->push.cache, s->compiled);
                else
                        jp->error_r = s ? s->error_r : 0;
        }
        return 0;
}

static void job_work(void *userdata) {
        VerdictJob *j = userdata;

        j->eval_r = validate_and_evaluate(j, NULL);
}

/* The shipped tpm, mb and ima engines are bounded CPU work of well under a
 * millisecond per push: handing that to a thread costs more than it takes
 * (bench/push), so such nodes are evaluated on the event loop. Any other
 * engine (exec runs a program, a third-party one may wait) goes to the pool,
 * where it cannot hold up the other nodes. */
static bool job_runs_inline(const VerdictJob *j) {
        for (size_t i = 0; i < j->n_policies; i++) {
                const char *engine = policy_kind_engine(j->policies[i].kind);

                if (!engine || (strcmp(engine, "tpm") != 0 && strcmp(engine, "mb") != 0 &&
                                strcmp(engine, "ima") != 0))
                        return false;
        }
        return true;
}

/* The node's row as it is now: the administrator may have changed or removed it
 * while the evidence was evaluated (by an engine that may take long), and the
 * verdict's counters and TERMINATED come from it. */
static int job_refresh_node(Manager *m, VerdictJob *j) {
        Node *fresh = NULL;
        int r;

        r = storage_node_get(m->storage, j->node->id, &fresh);
        if (r < 0)
                return r;
        node_free(j->node);
        j->node = fresh;
        return 0;
}

static VerdictJob *evaluating;  /* the jobs handed to the workers */

static void evaluating_add(VerdictJob *j) {
        j->ev_prev = NULL;
        j->ev_next = evaluating;
        if (evaluating)
                evaluating->ev_prev = j;
        evaluating = j;
}

static void evaluating_remove(VerdictJob *j) {
        if (j->ev_prev)
                j->ev_prev->ev_next = j->ev_next;
        else if (evaluating == j)
                evaluating = j->ev_next;
        if (j->ev_next)
                j->ev_next->ev_prev = j->ev_prev;
        j->ev_prev = j->ev_next = NULL;
}

/* Back on the event loop: the verdict joins the next group commit. */
static void job_evaluated(void *userdata, void *manager) {
        VerdictJob *j = userdata;
        Manager *m = manager;
        int r = j->eval_r;

        evaluating_remove(j);
        /* Evaluated in place, nothing ran since the request read the row. */
        if (r >= 0 && j->pooled)
                r = job_refresh_node(m, j);
        if (r >= 0)
                r = next_push_state(&j->old, &j->p, &j->o, &j->next);
        if (r >= 0)
                r = fill_attestation(&j->p, &j->o, &j->a);
        if (r >= 0)
                r = apply_verdict(j);
        if (r >= 0)
                r = batch_add(m, j);
        if (r < 0) {
                log_warning_errno(r, "Failed to evaluate evidence of node %s: %m", j->node->id);
                j->rt->committing = false;
                j->done(m, r, &j->a, j->node, j->userdata);
                verdict_job_free(j);
        }
}

int verdict_pool_start(Manager *m) {
        unsigned n = m->config.evaluation_threads > 0 ? (unsigned) m->config.evaluation_threads
                                                      : eval_pool_default_threads();
        int r;

        r = eval_pool_new(m->event, n, job_work, job_evaluated, m, &m->push.pool);
        if (r < 0)
                return log_error_errno(r, "Failed to start %u evaluation threads: %m", n);
        log_debug("Evaluating evidence in %u threads.", n);
        return 0;
}

int verdict_pool_stop(Manager *m, uint64_t deadline_usec) {
        int r = eval_pool_stop(m->push.pool, deadline_usec);

        if (r >= 0) {
                m->push.pool = NULL;
                return r;
        }
        /* Their requests are answered unacknowledged; the jobs stay with the workers. */
        for (VerdictJob *j = evaluating; j; j = j->ev_next)
                j->done(m, -ESHUTDOWN, &j->a, j->node, j->userdata);
        evaluating = NULL;
        return r;
}

int verdict_queue(Manager *m, Node *n, NodeRuntime *rt, const PendingAttestation *p, PushEvidence *e, PushState *ps,
                  const char *session_id, uint64_t session_expires_usec, VerdictDone done, void *userdata) {
        VerdictJob *j = calloc(1, sizeof *j);
        bool pooled;
        int r = 0;

        if (!j) {
                node_free(n);
                push_state_done(ps);
                return -ENOMEM;
        }
        *j = (VerdictJob) { .m = m, .node = n, .rt = rt, .p = *p, .e = *e, .old = *ps, .done = done, .userdata = userdata,
                            .session_expires_usec = session_expires_usec, .queued_usec = metrics_now_usec() };
        *e = (PushEvidence) {};
        *ps = (PushState) {};
        j->p.evidence = p->evidence ? strdup(p->evidence) : NULL;
        if ((session_id && !(j->session_id = strdup(session_id))) || (p->evidence && !j->p.evidence))
                r = -ENOMEM;
        if (r >= 0)
                r = job_take_inputs(m, j);
        pooled = j->pooled = m->push.pool && !job_runs_inline(j);
        if (r >= 0 && pooled)
                r = eval_pool_submit(m->push.pool, j);
        if (r >= 0 && !pooled && !m->push.replayer)
                r = ima_replayer_new(&m->push.replayer);
        if (r < 0) {
                verdict_job_free(j);
                return r;
        }
        /* One evaluation per node: no new attestation until this verdict is stored. */
        rt->committing = true;
        if (pooled)
                evaluating_add(j);
        else {
                j->eval_r = validate_and_evaluate(j, m->push.replayer);
                job_evaluated(j, m);
        }
        return 0;
}

static void write_time(JsonWriter *w, const char *key, uint64_t usec, bool first) {
        char when[64];

        (void) format_timestamp_iso(usec, when, sizeof when);
        json_writer_key(w, key, first);
        json_writer_string(w, when);
}

static size_t length_of(const char *s) {
        return s ? strlen(s) : 0;
}

/* What attestation_write() writes, but for escapes: the text in one allocation. The
 * members' names, six times and the numbers take less than 640 bytes. */
static size_t attestation_text_size(const Attestation *a, const AttestationReceived *received) {
        return 640 + length_of(a->stage) + length_of(a->evaluation) + length_of(a->failure_reason) +
               length_of(a->failures) + length_of(a->detail) + length_of(received ? received->evidence : a->evidence);
}

void attestation_write(JsonWriter *w, const Attestation *a, const AttestationReceived *received) {
        json_writer_key(w, "stage", true);
        json_writer_string(w, received ? received->stage : a->stage);
        json_writer_key(w, "evaluation", false);
        json_writer_string(w, a->evaluation);
        json_writer_key(w, "failure_reason", false);
        json_writer_string(w, a->failure_reason);
        /* Our own stored JSON, not input: written as json-c writes it once parsed. */
        json_writer_key(w, "failures", false);
        json_writer_stored(w, a->failures);
        if (a->detail) {
                json_object *d = json_tokener_parse(a->detail);
                if (d) {
                        json_writer_key(w, "validation", false);
                        json_writer_json(w, d);
                        json_object_put(d);
                }
        }
        /* Keylime's members: the evidence requested, the node's boot time, when it all came. */
        json_writer_key(w, "evidence", false);
        if (received)
                json_writer_literal(w, received->evidence);
        else if (a->evidence)
                json_writer_stored(w, a->evidence);
        else
                json_writer_literal(w, "[]");
        if (a->boot_time > 0) {
                json_writer_key(w, "system_info", false);
                json_writer_literal(w, "{");
                write_time(w, "boot_time", a->boot_time * 1000000ULL, true);
                json_writer_literal(w, "}");
        }
        write_time(w, "capabilities_received_at", a->created_usec, false);
        write_time(w, "evidence_received_at", received ? received->received_usec : a->updated_usec, false);
        json_writer_key(w, "ima_starting_offset", false);
        json_writer_int(w, (int64_t) a->ima_offset);
        json_writer_key(w, "ima_entry_count", false);
        json_writer_int(w, (int64_t) a->ima_count);
        write_time(w, "created_at", a->created_usec, false);
        write_time(w, "updated_at", a->updated_usec, false);
        if (received)
                write_time(w, "challenges_expire_at", received->challenges_expire_usec, false);
}

json_object *attestation_to_json(const Attestation *a) {
        _cleanup_free_ char *text = NULL;
        json_tokener *t;
        json_object *o;
        JsonWriter w = {};

        json_writer_reserve(&w, attestation_text_size(a, NULL));
        json_writer_literal(&w, "{");
        attestation_write(&w, a, NULL);
        json_writer_literal(&w, "}");
        text = json_writer_finish(&w);
        /* The stored members parsed at json-c's depth on their own: two levels deeper here. */
        t = text ? json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH + 2) : NULL;
        if (!t)
                return NULL;
        o = json_tokener_parse_ex(t, text, -1);
        json_tokener_free(t);
        return o;
}

char *attestation_accepted(const char *node_id, const Attestation *a, const AttestationReceived *received,
                           uint64_t seconds_to_next) {
        char idx[24], self[AGENT_ID_MAX + 64];
        JsonWriter w = {};

        (void) snprintf(idx, sizeof idx, "%llu", (unsigned long long) a->index);
        (void) snprintf(self, sizeof self, "/v3.0/agents/%s/attestations/%s", node_id, idx);
        /* Sized once: grown by doubling, the buffer was reallocated twice for most answers. */
        json_writer_reserve(&w, 160 + strlen(self) + attestation_text_size(a, received));
        json_writer_literal(&w, "{\"data\":{\"type\":\"attestation\",\"id\":");
        json_writer_string(&w, idx);
        json_writer_literal(&w, ",\"attributes\":{");
        attestation_write(&w, a, received);
        json_writer_literal(&w, "},\"links\":{\"self\":");
        json_writer_string(&w, self);
        json_writer_literal(&w, "}},\"meta\":{\"seconds_to_next_attestation\":");
        json_writer_int(&w, (int64_t) seconds_to_next);
        json_writer_literal(&w, "}}");
        return json_writer_finish(&w);
}
