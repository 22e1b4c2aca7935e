/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The push loop on the verifier's schedule: the cycles run one at a time in
 * one long-lived worker thread (TPM and HTTP block) while the event loop
 * keeps serving D-Bus; the main thread applies the outcome, schedules the
 * next cycle and answers the AttestNow() callers that waited for it. One
 * thread for all cycles, so that what a thread sets up once (OpenSSL's
 * per-thread state, the connection to the verifier) serves every cycle. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent-daemon.h"
#include "log.h"
#include "push-cycle.h"
#include "registrar-client.h"

#define ERROR_TERMINATED "org.hostattest.Agent1.Error.Terminated"
#define ERROR_ATTESTATION "org.hostattest.Agent1.Error.AttestationFailed"

typedef struct PushJob {
        /* In: copies, owned by the job. */
        AgentConfig config;
        char *node_id;
        char *verifier_url;
        PushSessionState state;   /* moved in from the Agent and back */
        uint64_t cycle;           /* its number (Agent.push_cycles when it started) */
        /* Out. */
        int result;
        PushOutcome outcome;
        int fd;
        atomic_bool cancel;
} PushJob;

static PushJob *push_job_free(PushJob *j) {
        if (!j)
                return NULL;
        free(j->node_id);
        free(j->verifier_url);
        push_session_state_done(&j->state);
        push_outcome_done(&j->outcome);
        if (j->fd >= 0)
                close(j->fd);
        free(j);
        return NULL;
}

/* After the write the job is the main thread's again: not touched here. */
static void push_job_run(PushJob *j, HttpClient *http) {
        const PushContext ctx = {
                .config = &j->config,
                .node_id = j->node_id,
                .verifier_url = j->verifier_url,
                .cancel = &j->cancel,
                .http = http,
        };
        uint64_t one = 1;

        j->result = push_cycle_run(&ctx, &j->state, &j->outcome);
        if (write(j->fd, &one, sizeof(one)) != sizeof(one))
                log_error_errno(-errno, "Failed to signal the end of the push cycle: %m");
}

typedef struct PushWorker {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        PushJob *job;   /* handed over, not taken yet */
        bool quit;
} PushWorker;

static void *push_worker_run(void *p) {
        PushWorker *w = p;
        /* Without one, every request opens a connection of its own. */
        _cleanup_(http_client_freep) HttpClient *http = http_client_new();

        for (;;) {
                PushJob *j;

                (void) pthread_mutex_lock(&w->lock);
                while (!w->job && !w->quit)
                        (void) pthread_cond_wait(&w->wake, &w->lock);
                j = w->quit ? NULL : TAKE_PTR(w->job);
                (void) pthread_mutex_unlock(&w->lock);
                if (!j)
                        return NULL;
                push_job_run(j, http);
        }
}

static int push_worker_start(PushWorker **ret) {
        PushWorker *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        (void) pthread_mutex_init(&w->lock, NULL);
        (void) pthread_cond_init(&w->wake, NULL);
        r = -pthread_create(&w->thread, NULL, push_worker_run, w);
        if (r < 0) {
                (void) pthread_cond_destroy(&w->wake);
                (void) pthread_mutex_destroy(&w->lock);
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

static void push_worker_submit(PushWorker *w, PushJob *j) {
        (void) pthread_mutex_lock(&w->lock);
        w->job = j;
        (void) pthread_cond_signal(&w->wake);
        (void) pthread_mutex_unlock(&w->lock);
}

/* Waits for the cycle running, if any; a job handed over and not taken yet
 * is not run, and stays the caller's. */
static PushWorker *push_worker_stop(PushWorker *w) {
        if (!w)
                return NULL;
        (void) pthread_mutex_lock(&w->lock);
        w->quit = true;
        (void) pthread_cond_signal(&w->wake);
        (void) pthread_mutex_unlock(&w->lock);
        (void) pthread_join(w->thread, NULL);
        (void) pthread_cond_destroy(&w->wake);
        (void) pthread_mutex_destroy(&w->lock);
        return mfree(w);
}

static int on_push_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Agent *a = userdata;

        if (agent_push_start(a) < 0)
                agent_set_state(a, AGENT_STATE_FAILED);
        return 0;
}

static int schedule_push(Agent *a, uint64_t delay) {
        uint64_t now;
        int r;

        r = sd_event_now(a->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        a->push_timer = sd_event_source_disable_unref(a->push_timer);
        return sd_event_add_time(a->event, &a->push_timer, CLOCK_MONOTONIC, now + delay, 0, on_push_timer, a);
}

static bool strv_equal(char **a, char **b) {
        for (; a && *a && b && *b; a++, b++)
                if (strcmp(*a, *b) != 0)
                        return false;
        return !(a && *a) && !(b && *b);
}

/* The signed result changes with every attestation (its time and nonce); a
 * verifier that signs none leaves the last one in place until it expires. */
static void apply_result(Agent *a, PushOutcome *o) {
        if (!o->ear)
                return;
        free(a->result);
        a->result = TAKE_PTR(o->ear);
        agent_bus_properties_changed(a, "Result", NULL);
}

static void apply_verdict(Agent *a, PushOutcome *o) {
        const char *verdict = push_evaluation_to_string(o->evaluation);
        bool changed = !a->verdict || strcmp(a->verdict, verdict) != 0 || !strv_equal(a->failure_reasons, o->failures);
        struct timespec ts;
        char *v = strdup(verdict);

        if (!v) {
                log_oom();
                return;
        }
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        a->last_attestation_usec = (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
        free(a->verdict);
        a->verdict = v;
        for (char **p = a->failure_reasons; p && *p; p++)
                free(*p);
        free(a->failure_reasons);
        a->failure_reasons = TAKE_PTR(o->failures);
        apply_result(a, o);
        if (changed) {
                log_info("Verdict of %s: %s%s%s.", a->verifier_url, verdict,
                         a->failure_reasons && a->failure_reasons[0] ? ", first reason " : "",
                         a->failure_reasons && a->failure_reasons[0] ? a->failure_reasons[0] : "");
                agent_bus_verdict_changed(a);
        } else
                agent_bus_properties_changed(a, "LastAttestation", NULL);
}

typedef struct AttestWaiter {
        sd_bus_message *m;
        uint64_t cycle;   /* the first cycle started after the call */
        bool result;      /* GetResult(): answered with the signed result */
} AttestWaiter;

static int reply_waiter(Agent *a, const AttestWaiter *w, const PushJob *j) {
        if (j->outcome.terminated)
                return sd_bus_reply_method_errorf(w->m, ERROR_TERMINATED, "%s",
                                                  j->outcome.error ?: "The verifier ended attestation of this node.");
        if (j->result < 0 || !j->outcome.have_verdict)
                return sd_bus_reply_method_errorf(w->m, ERROR_ATTESTATION, "%s",
                                                  j->outcome.error ?: "The attestation did not complete.");
        if (!w->result)
                return sd_bus_reply_method_return(w->m, "s", a->verdict);
        if (!a->result)
                return sd_bus_reply_method_errorf(w->m, ERROR_ATTESTATION, "The verifier sent no signed result.");
        return sd_bus_reply_method_return(w->m, "s", a->result);
}

/* Answers the callers this cycle is fresh enough for; the others, who called
 * while it ran, wait for the next one (final: there is none). */
static void reply_waiters(Agent *a, const PushJob *j, bool final) {
        size_t kept = 0;

        for (size_t i = 0; i < a->n_attest_waiters; i++) {
                sd_bus_message *m = a->attest_waiters[i].m;
                int r;

                /* A result is worth the wait when the verifier asked for one (Retry-After). */
                if (!final && (a->attest_waiters[i].cycle > j->cycle || (a->attest_waiters[i].result && j->result == -EAGAIN))) {
                        a->attest_waiters[kept++] = a->attest_waiters[i];
                        continue;
                }
                r = reply_waiter(a, &a->attest_waiters[i], j);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer %s(): %m", sd_bus_message_get_member(m));
                sd_bus_message_unref(m);
        }
        a->n_attest_waiters = kept;
        if (kept == 0)
                a->attest_waiters = mfree(a->attest_waiters);
}

/* Removed at the verifier (attestctl remove): the saved registration is stale,
 * so register the same AK again, which enrols the node anew. */
static void reregister(Agent *a) {
        int r;

        log_notice("The verifier does not know %s any more: registering again with the same AK.", a->node_id);
        r = registrar_forget(a->config->state_dir);
        if (r < 0)
                log_warning_errno(r, "Failed to drop the registration record in %s: %m", a->config->state_dir);
        push_session_state_done(&a->push_state);
        agent_set_state(a, AGENT_STATE_UNREGISTERED);
        if (agent_registration_start(a) < 0)
                agent_set_state(a, AGENT_STATE_FAILED);
}

static void push_job_apply(Agent *a, PushJob *j) {
        uint64_t delay, now = 0;
        /* No cycle follows these: every caller gets this one's answer. */
        bool final = j->outcome.terminated || (j->outcome.unknown_node && a->config->registrar_url);

        a->push_state = j->state;
        j->state = (PushSessionState) {};
        if (j->outcome.have_verdict)
                apply_verdict(a, &j->outcome);
        reply_waiters(a, j, final);
        agent_secret_cycle_done(a, j->cycle, final, j->result, &j->outcome);

        if (j->outcome.terminated) {
                if (!j->outcome.error)   /* else logged already */
                        log_notice("Attestation ended by the verifier.");
                agent_set_state(a, AGENT_STATE_TERMINATED);
                return;
        }
        if (j->outcome.unknown_node && a->config->registrar_url) {
                a->attest_requested = false;
                reregister(a);
                return;
        }
        (void) sd_event_now(a->event, CLOCK_MONOTONIC, &now);
        a->push_not_before = 0;
        if (j->result >= 0) {
                a->push_failures = 0;
                delay = MAX(j->outcome.next_sec, 1u) * 1000000ULL;
        } else if (j->result == -EAGAIN && j->outcome.retry_after_sec > 0) {
                delay = j->outcome.retry_after_sec * 1000000ULL;
                a->push_not_before = now + delay;
        } else {
                if (agent_failover_error(j->result))
                        agent_verifier_failover(a);
                delay = agent_retry_delay(a->push_failures++);
        }

        /* AttestNow() asks for a cycle now, but not before the verifier said. */
        if (a->attest_requested) {
                a->attest_requested = false;
                if (!a->push_not_before)
                        delay = 0;
        }
        log_debug("Next push in %llu ms.", (unsigned long long) (delay / 1000));
        if (schedule_push(a, delay) < 0)
                agent_set_state(a, AGENT_STATE_FAILED);
}

static int on_push_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Agent *a = userdata;
        PushJob *j;
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
                return 0;
        j = TAKE_PTR(a->push_job);
        a->push_job_source = sd_event_source_disable_unref(a->push_job_source);
        push_job_apply(a, j);
        push_job_free(j);
        return 0;
}

int agent_push_start(Agent *a) {
        PushJob *j;
        int r;

        if (a->push_job || a->state == AGENT_STATE_TERMINATED)
                return 0;
        if (!a->verifier_url)
                return log_error_errno(-ENXIO, "No verifier to push to: set [Verifier] URL= or have the registrar name one.");

        a->push_timer = sd_event_source_disable_unref(a->push_timer);
        j = calloc(1, sizeof(*j));
        if (!j)
                return log_oom();
        j->config = *a->config;
        j->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        j->node_id = strdup(a->node_id);
        j->verifier_url = strdup(a->verifier_url);
        if (j->fd < 0 || !j->node_id || !j->verifier_url) {
                r = j->fd < 0 ? -errno : -ENOMEM;
                push_job_free(j);
                return log_error_errno(r, "Failed to prepare the push cycle: %m");
        }
        j->state = a->push_state;
        a->push_state = (PushSessionState) {};
        j->cycle = a->push_cycles + 1;

        r = sd_event_add_io(a->event, &a->push_job_source, j->fd, EPOLLIN, on_push_done, a);
        if (r >= 0 && !a->push_worker)
                r = push_worker_start(&a->push_worker);
        if (r < 0) {
                a->push_job_source = sd_event_source_disable_unref(a->push_job_source);
                a->push_state = j->state;
                j->state = (PushSessionState) {};
                push_job_free(j);
                return log_error_errno(r, "Failed to start the push cycle: %m");
        }
        a->push_job = j;
        a->push_cycles = j->cycle;
        push_worker_submit(a->push_worker, j);
        return 0;
}

int agent_push_request(Agent *a, uint64_t *ret_cycle) {
        uint64_t now;

        *ret_cycle = a->push_cycles + 1;
        if (a->push_job) {
                /* The running cycle may have quoted before the call: a fresh one follows. */
                a->attest_requested = true;
                return 0;
        }
        /* Told to wait (429/503 Retry-After): the cycle already set for then answers. */
        if (a->push_timer && sd_event_now(a->event, CLOCK_MONOTONIC, &now) >= 0 && now < a->push_not_before) {
                log_debug("Attesting when the verifier's Retry-After ends, in %llu ms.",
                          (unsigned long long) ((a->push_not_before - now) / 1000));
                return 0;
        }
        return agent_push_start(a);
}

static int waiter_add(Agent *a, sd_bus_message *m, bool start, bool result) {
        AttestWaiter *w;
        uint64_t cycle = a->push_cycles + 1;   /* the next one to start */
        int r;

        w = reallocarray(a->attest_waiters, a->n_attest_waiters + 1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        a->attest_waiters = w;
        if (start) {
                r = agent_push_request(a, &cycle);
                if (r < 0)
                        return r;
        }
        a->attest_waiters[a->n_attest_waiters++] = (AttestWaiter) {
                .m = sd_bus_message_ref(m), .cycle = cycle, .result = result,
        };
        return 0;
}

int agent_attest_now(Agent *a, sd_bus_message *m) {
        return waiter_add(a, m, true, false);
}

int agent_result_wait(Agent *a, sd_bus_message *m, bool start) {
        return waiter_add(a, m, start, true);
}

void agent_push_stop(Agent *a) {
        a->push_timer = sd_event_source_disable_unref(a->push_timer);
        if (a->push_job) {
                atomic_store(&a->push_job->cancel, true);
                log_debug("Waiting for the push cycle to end.");
        }
        a->push_worker = push_worker_stop(a->push_worker);
        a->push_job_source = sd_event_source_disable_unref(a->push_job_source);
        a->push_job = push_job_free(a->push_job);
        for (size_t i = 0; i < a->n_attest_waiters; i++)
                sd_bus_message_unref(a->attest_waiters[i].m);
        a->attest_waiters = mfree(a->attest_waiters);
        a->n_attest_waiters = 0;
        agent_secret_waiters_drop(a);
        push_session_state_done(&a->push_state);
}
