/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Registration in the background: the TPM work and the HTTP round trips
 * block, so they run in a worker thread while the event loop keeps serving
 * D-Bus. The worker touches nothing of the Agent; it hands its result back
 * through an eventfd and the main thread applies it. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "agent-daemon.h"
#include "backoff.h"
#include "log.h"
#include "registrar-client.h"

#define RETRY_FIRST_USEC (2ULL * 1000000ULL)
#define RETRY_MAX_USEC (300ULL * 1000000ULL)

typedef struct RegistrationJob {
        /* In: copies, owned by the job. */
        AgentConfig config;
        char *node_id;
        /* Out. */
        int result;
        char *verifier_url;
        int fd;   /* eventfd the worker signals when done */
        atomic_bool cancel;
} RegistrationJob;

static RegistrationJob *job_free(RegistrationJob *j) {
        if (!j)
                return NULL;
        free(j->node_id);
        free(j->verifier_url);
        if (j->fd >= 0)
                close(j->fd);
        free(j);
        return NULL;
}

/* 2 s doubling to 5 min, ±25 %: registration and pushes alike. */
static const Backoff agent_backoff = {
        .first_usec = RETRY_FIRST_USEC,
        .max_usec = RETRY_MAX_USEC,
};

uint64_t agent_retry_delay(unsigned attempt) {
        return backoff_delay_usec(&agent_backoff, attempt, backoff_random_u32());
}

/* Unreachable or busy servers and TPMs come back; a refusal does not. */
static bool error_is_transient(int r) {
        switch (r) {
        case -ECONNREFUSED:
        case -ECONNRESET:       /* accepted and closed without an answer */
        case -ETIMEDOUT:
        case -EIO:
        case -EPROTO:
        case -EBUSY:
        case -EREMOTEIO:        /* a 5xx answer */
                return true;
        default:
                return false;
        }
}

static int job_register(AgentIdentity *id, void *userdata) {
        RegistrationJob *j = userdata;
        _cleanup_(registration_done) Registration reg = {};
        const RegistrarClient client = {
                .base_url = j->config.registrar_url,
                .ca_file = j->config.ca_file,
                .api_version = j->config.api_version,
                .cancel = &j->cancel,
        };
        int r;

        r = registrar_register(&client, j->config.state_dir, j->node_id, id, &reg);
        if (r < 0)
                return r;
        free(j->verifier_url);
        j->verifier_url = TAKE_PTR(reg.verifier_url);
        return 0;
}

static void *job_run(void *p) {
        RegistrationJob *j = p;
        uint64_t one = 1;

        /* The TPM is held only for the time of the registration. */
        j->result = agent_identity_run(&j->config, true, job_register, j);

        if (write(j->fd, &one, sizeof(one)) != sizeof(one))
                log_error_errno(-errno, "Failed to signal the end of the registration: %m");
        return NULL;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Agent *a = userdata;

        if (agent_registration_start(a) < 0)
                agent_set_state(a, AGENT_STATE_FAILED);
        return 0;
}

static int schedule_retry(Agent *a) {
        uint64_t now, delay = agent_retry_delay(a->retry_count++);
        int r;

        r = sd_event_now(a->event, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        log_info("Retrying registration in %llu s.", (unsigned long long) (delay / 1000000ULL));
        a->retry_source = sd_event_source_disable_unref(a->retry_source);
        return sd_event_add_time(a->event, &a->retry_source, CLOCK_MONOTONIC, now + delay, 0, on_retry, a);
}

static void job_apply(Agent *a, RegistrationJob *j) {
        if (j->result >= 0) {
                a->retry_count = 0;
                if (j->verifier_url && (!a->verifier_url || strcmp(j->verifier_url, a->verifier_url) != 0)) {
                        free(a->verifier_url);
                        a->verifier_url = TAKE_PTR(j->verifier_url);
                        agent_bus_properties_changed(a, "VerifierURL", NULL);
                }
                agent_set_state(a, AGENT_STATE_REGISTERED);
                /* RequestSecret() calls that waited: the first cycle is theirs. */
                agent_secret_registration_done(a, 0);
                if (a->verifier_url && agent_push_start(a) < 0)
                        agent_set_state(a, AGENT_STATE_FAILED);
                return;
        }
        if (!error_is_transient(j->result)) {
                agent_secret_registration_done(a, j->result);
                agent_set_state(a, AGENT_STATE_FAILED);
                return;
        }
        agent_set_state(a, AGENT_STATE_UNREGISTERED);
        if (agent_failover_error(j->result))
                agent_registrar_failover(a);
        if (schedule_retry(a) < 0)
                agent_set_state(a, AGENT_STATE_FAILED);
}

/* Joins the worker and takes its job back. */
static RegistrationJob *job_reap(Agent *a) {
        RegistrationJob *j = TAKE_PTR(a->job);

        (void) pthread_join(a->job_thread, NULL);
        a->job_source = sd_event_source_disable_unref(a->job_source);
        return j;
}

static int on_job_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Agent *a = userdata;
        RegistrationJob *j;
        uint64_t n;

        if (read(fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
                return 0;
        j = job_reap(a);
        job_apply(a, j);
        job_free(j);
        return 0;
}

int agent_registration_start(Agent *a) {
        RegistrationJob *j;
        int r;

        if (a->job)
                return 0;

        j = calloc(1, sizeof(*j));
        if (!j)
                return log_oom();
        j->config = *a->config;
        j->config.registrar_url = a->registrar_url;     /* the instance in use; kept until the job is reaped */
        j->node_id = strdup(a->node_id);
        j->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (!j->node_id || j->fd < 0) {
                r = j->fd < 0 ? -errno : -ENOMEM;
                job_free(j);
                return log_error_errno(r, "Failed to prepare the registration: %m");
        }

        r = sd_event_add_io(a->event, &a->job_source, j->fd, EPOLLIN, on_job_done, a);
        if (r < 0) {
                job_free(j);
                return log_error_errno(r, "Failed to watch the registration: %m");
        }
        r = -pthread_create(&a->job_thread, NULL, job_run, j);
        if (r < 0) {
                a->job_source = sd_event_source_disable_unref(a->job_source);
                job_free(j);
                return log_error_errno(r, "Failed to start the registration: %m");
        }
        a->job = j;
        return 0;
}

void agent_registration_stop(Agent *a) {
        if (!a->job)
                return;
        /* A request in flight ends within about a second; TPM commands are short. */
        atomic_store(&a->job->cancel, true);
        log_debug("Waiting for the registration to end.");
        job_free(job_reap(a));
}
