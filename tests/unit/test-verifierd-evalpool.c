/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "verifierd-evalpool.h"

typedef struct TestJob {
        pthread_t worker;
        bool ran, completed;
        bool block;                     /* wait until released */
} TestJob;

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static pthread_t main_thread;
static unsigned n_completed;

static void gate_set(bool open) {
        pthread_mutex_lock(&gate_lock);
        gate_open = open;
        pthread_cond_broadcast(&gate_cond);
        pthread_mutex_unlock(&gate_lock);
}

static void work(void *userdata) {
        TestJob *j = userdata;

        j->worker = pthread_self();
        if (j->block) {
                pthread_mutex_lock(&gate_lock);
                while (!gate_open)
                        pthread_cond_wait(&gate_cond, &gate_lock);
                pthread_mutex_unlock(&gate_lock);
        }
        j->ran = true;
}

static void done(void *userdata, void *unused) {
        TestJob *j = userdata;

        assert_true(pthread_equal(pthread_self(), main_thread));
        assert_true(j->ran);
        j->completed = true;
        n_completed++;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Runs the loop until want completions, for at most 10 s. */
static void run_until(sd_event *e, unsigned want) {
        uint64_t end = now_usec() + 10000000u;

        while (n_completed < want && now_usec() < end)
                assert_true(sd_event_run(e, 100000) >= 0);
        assert_int_equal(n_completed, want);
}

/* A fresh loop and a pool of n workers on it, with jobs submitted. */
static EvalPool *start_pool(sd_event **ret_event, unsigned n, TestJob *jobs, size_t n_jobs) {
        EvalPool *p = NULL;

        main_thread = pthread_self();
        n_completed = 0;
        gate_set(false);
        assert_int_equal(sd_event_new(ret_event), 0);
        assert_int_equal(eval_pool_new(*ret_event, n, work, done, NULL, &p), 0);
        for (size_t i = 0; i < n_jobs; i++)
                assert_int_equal(eval_pool_submit(p, &jobs[i]), 0);
        return p;
}

static void test_jobs_run_on_workers(void **state) {
        sd_event *e = NULL;
        TestJob jobs[64] = {};
        EvalPool *p = start_pool(&e, 3, jobs, 64);

        assert_true(eval_pool_in_flight(p) > 0);
        run_until(e, 64);
        assert_int_equal(eval_pool_in_flight(p), 0);
        for (size_t i = 0; i < 64; i++) {
                assert_true(jobs[i].completed);
                assert_false(pthread_equal(jobs[i].worker, main_thread));
        }
        assert_int_equal(eval_pool_stop(p, now_usec() + 1000000u), 0);
        sd_event_unref(e);
}

/* One job that does not end holds one worker; the other serves the rest. */
static void test_blocked_job_does_not_stop_others(void **state) {
        sd_event *e = NULL;
        TestJob stuck = { .block = true }, jobs[8] = {};
        EvalPool *p = start_pool(&e, 2, &stuck, 1);

        for (size_t i = 0; i < 8; i++)
                assert_int_equal(eval_pool_submit(p, &jobs[i]), 0);
        run_until(e, 8);
        assert_false(stuck.completed);
        assert_int_equal(eval_pool_in_flight(p), 1);

        /* Stopping with a job still running gives up at the deadline, and may be retried. */
        assert_int_equal(eval_pool_stop(p, now_usec() + 100000u), -ETIMEDOUT);
        assert_false(stuck.completed);
        gate_set(true);
        assert_int_equal(eval_pool_stop(p, now_usec() + 5000000u), 0);
        assert_true(stuck.completed);
        assert_int_equal(n_completed, 9);
        sd_event_unref(e);
}

/* Jobs queued before the stop still run and complete inside it. */
static void test_stop_completes_queued(void **state) {
        sd_event *e = NULL;
        TestJob jobs[16] = {};
        EvalPool *p = start_pool(&e, 2, jobs, 16);

        assert_int_equal(eval_pool_stop(p, now_usec() + 5000000u), 0);
        assert_int_equal(n_completed, 16);
        sd_event_unref(e);
}

static void test_refused_while_stopping(void **state) {
        sd_event *e = NULL;
        TestJob stuck = { .block = true }, late = {};
        EvalPool *p = start_pool(&e, 2, &stuck, 1);

        assert_int_equal(eval_pool_stop(p, now_usec() + 50000u), -ETIMEDOUT);
        assert_int_equal(eval_pool_submit(p, &late), -ESHUTDOWN);
        gate_set(true);
        assert_int_equal(eval_pool_stop(p, now_usec() + 5000000u), 0);
        assert_false(late.ran);
        sd_event_unref(e);
}

static void test_thread_counts(void **state) {
        sd_event *e = NULL;
        EvalPool *p = NULL;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(eval_pool_new(e, 0, work, done, NULL, &p), -EINVAL);
        assert_int_equal(eval_pool_new(e, EVALUATION_THREADS_MAX + 1, work, done, NULL, &p), -EINVAL);
        assert_null(p);
        assert_true(eval_pool_default_threads() >= 2);
        assert_true(eval_pool_default_threads() <= EVALUATION_THREADS_MAX);
        assert_int_equal(eval_pool_stop(NULL, 0), 0);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_jobs_run_on_workers),
                cmocka_unit_test(test_blocked_job_does_not_stop_others),
                cmocka_unit_test(test_stop_completes_queued),
                cmocka_unit_test(test_refused_while_stopping),
                cmocka_unit_test(test_thread_counts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
