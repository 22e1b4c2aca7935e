/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Worker threads for evidence evaluation. Everything but the job's own work
 * stays on the event loop's thread: submission, completion, shutdown. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <assert.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "verifierd-evalpool.h"

typedef struct Item {
        struct Item *next;
        void *job;
} Item;

typedef struct ItemList {
        Item *head, *tail;
} ItemList;

struct EvalPool {
        pthread_mutex_t lock;
        pthread_cond_t work_ready;      /* a job was queued, or stop */
        pthread_cond_t progress;        /* a job finished or a worker ended */
        ItemList queue, done;           /* under lock */
        bool stopping;                  /* under lock */
        unsigned n_exited;              /* under lock */
        pthread_t *threads;
        unsigned n_threads;
        size_t in_flight;               /* event loop thread only */
        int efd;
        sd_event_source *source;
        EvalWorkFn work;
        EvalDoneFn done_fn;
        void *userdata;
};

static void list_push(ItemList *l, Item *i) {
        i->next = NULL;
        if (l->tail)
                l->tail->next = i;
        else
                l->head = i;
        l->tail = i;
}

static Item *list_pop(ItemList *l) {
        Item *i = l->head;

        if (i) {
                l->head = i->next;
                if (!l->head)
                        l->tail = NULL;
        }
        return i;
}

static void *worker(void *userdata) {
        EvalPool *p = userdata;
        const uint64_t one = 1;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                Item *i;

                while (!p->queue.head && !p->stopping)
                        pthread_cond_wait(&p->work_ready, &p->lock);
                i = list_pop(&p->queue);
                if (!i)
                        break;
                pthread_mutex_unlock(&p->lock);
                p->work(i->job);
                pthread_mutex_lock(&p->lock);
                list_push(&p->done, i);
                pthread_cond_broadcast(&p->progress);
                /* A full counter only means a wakeup is already pending. */
                (void) !write(p->efd, &one, sizeof one);
        }
        p->n_exited++;
        pthread_cond_broadcast(&p->progress);
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

size_t eval_pool_dispatch(EvalPool *p) {
        ItemList l;
        size_t n = 0;

        pthread_mutex_lock(&p->lock);
        l = p->done;
        p->done = (ItemList) {};
        pthread_mutex_unlock(&p->lock);
        for (Item *i; (i = list_pop(&l)); n++) {
                void *job = i->job;

                free(i);
                assert(p->in_flight > 0);
                p->in_flight--;
                p->done_fn(job, p->userdata);
        }
        return n;
}

static int on_eventfd(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        uint64_t v;

        (void) !read(fd, &v, sizeof v);
        (void) eval_pool_dispatch(userdata);
        return 0;
}

static void pool_free(EvalPool *p) {
        sd_event_source_disable_unref(p->source);
        if (p->efd >= 0)
                (void) close(p->efd);
        pthread_cond_destroy(&p->work_ready);
        pthread_cond_destroy(&p->progress);
        pthread_mutex_destroy(&p->lock);
        free(p->threads);
        free(p);
}

/* Asks the workers to end once the queue is empty. */
static void pool_request_stop(EvalPool *p) {
        pthread_mutex_lock(&p->lock);
        p->stopping = true;
        pthread_cond_broadcast(&p->work_ready);
        pthread_mutex_unlock(&p->lock);
}

static void pool_init_sync(EvalPool *p) {
        pthread_condattr_t ca;

        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->work_ready, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&p->progress, &ca);
        pthread_condattr_destroy(&ca);
}

/* Starts n workers; on failure those started are stopped again. */
static int pool_start(EvalPool *p, unsigned n) {
        for (p->n_threads = 0; p->n_threads < n; p->n_threads++) {
                int r = -pthread_create(&p->threads[p->n_threads], NULL, worker, p);
                if (r < 0) {
                        pool_request_stop(p);
                        for (unsigned i = 0; i < p->n_threads; i++)
                                (void) pthread_join(p->threads[i], NULL);
                        return r;
                }
        }
        return 0;
}

int eval_pool_new(sd_event *e, unsigned n_threads, EvalWorkFn work, EvalDoneFn done, void *userdata,
                  EvalPool **ret) {
        EvalPool *p;
        int r;

        if (n_threads == 0 || n_threads > EVALUATION_THREADS_MAX)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        *p = (EvalPool) { .efd = -1, .work = work, .done_fn = done, .userdata = userdata };
        pool_init_sync(p);
        p->threads = calloc(n_threads, sizeof *p->threads);
        p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (!p->threads || p->efd < 0)
                r = p->threads ? -errno : -ENOMEM;
        else
                r = sd_event_add_io(e, &p->source, p->efd, EPOLLIN, on_eventfd, p);
        if (r >= 0)
                r = pool_start(p, n_threads);
        if (r < 0) {
                pool_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int eval_pool_submit(EvalPool *p, void *job) {
        Item *i = malloc(sizeof *i);
        int r = 0;

        if (!i)
                return -ENOMEM;
        i->job = job;
        pthread_mutex_lock(&p->lock);
        if (p->stopping)
                r = -ESHUTDOWN;
        else {
                list_push(&p->queue, i);
                pthread_cond_signal(&p->work_ready);
        }
        pthread_mutex_unlock(&p->lock);
        if (r < 0) {
                free(i);
                return r;
        }
        p->in_flight++;
        return 0;
}

size_t eval_pool_in_flight(const EvalPool *p) {
        return p->in_flight;
}

static struct timespec timespec_from_usec(uint64_t usec) {
        return (struct timespec) { .tv_sec = (time_t) (usec / 1000000u), .tv_nsec = (long) (usec % 1000000u) * 1000 };
}

int eval_pool_stop(EvalPool *p, uint64_t deadline_usec) {
        struct timespec deadline = timespec_from_usec(deadline_usec);
        bool all_ended;

        if (!p)
                return 0;
        pool_request_stop(p);
        for (;;) {
                int k = 0;

                pthread_mutex_lock(&p->lock);
                while (!p->done.head && p->n_exited < p->n_threads && k == 0)
                        k = pthread_cond_timedwait(&p->progress, &p->lock, &deadline);
                all_ended = p->n_exited == p->n_threads;
                pthread_mutex_unlock(&p->lock);
                /* Completions may answer requests: run them while the server exists. */
                (void) eval_pool_dispatch(p);
                if (all_ended || k == ETIMEDOUT)
                        break;
        }
        if (!all_ended) {
                /* The workers still use the pool and their jobs' shared state. */
                log_warning("%zu evaluations still running at exit; their evidence was not acknowledged.",
                            p->in_flight);
                return -ETIMEDOUT;
        }
        for (unsigned i = 0; i < p->n_threads; i++)
                (void) pthread_join(p->threads[i], NULL);
        pool_free(p);
        return 0;
}

unsigned eval_pool_default_threads(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        return (unsigned) MIN(MAX(n, 2L), (long) EVALUATION_THREADS_MAX);
}
