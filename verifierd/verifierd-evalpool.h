/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A fixed set of worker threads for pure work (evidence validation, policy
 * engines). Jobs are handed over from the event loop's thread; each one comes
 * back to that thread through an eventfd, where its completion runs. */

#include <stddef.h>

#include <systemd/sd-event.h>

#define EVALUATION_THREADS_MAX 256u

typedef struct EvalPool EvalPool;

/* work runs on a worker and must touch only the job; done runs on the event loop. */
typedef void (*EvalWorkFn)(void *job);
typedef void (*EvalDoneFn)(void *job, void *userdata);

int eval_pool_new(sd_event *e, unsigned n_threads, EvalWorkFn work, EvalDoneFn done, void *userdata,
                  EvalPool **ret);
/* Queues job; -ENOMEM or -ESHUTDOWN leave it with the caller. */
int eval_pool_submit(EvalPool *p, void *job);
/* Jobs submitted and not yet completed. */
size_t eval_pool_in_flight(const EvalPool *p);
/* Runs the completions of the jobs that are done now; returns how many. */
size_t eval_pool_dispatch(EvalPool *p);
/* Stops accepting jobs, runs the completions of finished ones and joins the
 * workers, waiting for running jobs until deadline_usec (CLOCK_MONOTONIC).
 * Returns 0 when every worker ended and the pool was freed; -ETIMEDOUT when
 * some job still runs: the pool stays valid, and the call may be repeated. */
int eval_pool_stop(EvalPool *p, uint64_t deadline_usec);

/* The default number of workers: the online CPUs, at least 2. */
unsigned eval_pool_default_threads(void);
