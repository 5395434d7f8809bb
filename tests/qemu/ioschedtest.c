/*
 * ioschedtest.c: turns of the saves and restores that move data
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_iosched.h"

/* A job of the test: takes a turn, records the order, holds the turn
 * until told to give it back. */
typedef struct {
    qemuIOSched *sched;
    GMutex *lock;
    GPtrArray *started;         /* names, in the order turns came */
    const char *name;
    gint release;               /* atomic: give the turn back */
    gint abort;                 /* atomic: stop waiting */
    gboolean granted;
    unsigned int share;
} Job;


static gboolean
jobKeepWaiting(gpointer opaque)
{
    Job *job = opaque;

    return !g_atomic_int_get(&job->abort);
}


static gpointer
jobRun(gpointer opaque)
{
    Job *job = opaque;

    job->granted = qemuIOSchedAcquire(job->sched, job->name, jobKeepWaiting,
                                      job, &job->share);
    if (!job->granted)
        return NULL;
    g_mutex_lock(job->lock);
    g_ptr_array_add(job->started, (gpointer) job->name);
    g_mutex_unlock(job->lock);
    while (!g_atomic_int_get(&job->release))
        g_usleep(1000);
    qemuIOSchedRelease(job->sched);
    return NULL;
}


static guint
startedCount(Job *job)
{
    guint n;

    g_mutex_lock(job->lock);
    n = job->started->len;
    g_mutex_unlock(job->lock);
    return n;
}


/* Wait until @n jobs hold or held a turn, and stay there a moment. */
static void
waitStarted(Job *job,
            guint n)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;

    while (startedCount(job) < n && g_get_monotonic_time() < deadline)
        g_usleep(1000);
    g_usleep(50 * 1000);
    g_assert_cmpuint(startedCount(job), ==, n);
}


/* Two turns, five jobs asking one after the other: two run, the others
 * start in the order they asked as turns come back; CPU shares follow
 * the number running. One waiting job gives up. */
static void
testOrder(void)
{
    g_autoptr(qemuIOSched) sched = qemuIOSchedNew(2, 8);
    g_autoptr(GPtrArray) started = g_ptr_array_new();
    const char *names[] = { "a", "b", "c", "d", "e" };
    Job jobs[G_N_ELEMENTS(names)] = { 0 };
    GThread *threads[G_N_ELEMENTS(names)];
    GMutex lock;
    size_t i;

    g_mutex_init(&lock);
    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        jobs[i].sched = sched;
        jobs[i].lock = &lock;
        jobs[i].started = started;
        jobs[i].name = names[i];
        threads[i] = g_thread_new(names[i], jobRun, &jobs[i]);
        /* Each asks after the previous one is queued or running. */
        g_usleep(20 * 1000);
    }
    waitStarted(&jobs[0], 2);
    g_assert_cmpuint(qemuIOSchedRunning(sched), ==, 2);
    g_assert_cmpuint(jobs[0].share, ==, 8);
    g_assert_cmpuint(jobs[1].share, ==, 4);

    g_atomic_int_set(&jobs[3].abort, 1);        /* "d" gives up */
    g_atomic_int_set(&jobs[1].release, 1);
    waitStarted(&jobs[0], 3);
    g_atomic_int_set(&jobs[0].release, 1);
    waitStarted(&jobs[0], 4);
    for (i = 0; i < G_N_ELEMENTS(names); i++)
        g_atomic_int_set(&jobs[i].release, 1);
    for (i = 0; i < G_N_ELEMENTS(names); i++)
        g_thread_join(threads[i]);

    g_assert_cmpuint(started->len, ==, 4);
    g_assert_cmpstr(g_ptr_array_index(started, 0), ==, "a");
    g_assert_cmpstr(g_ptr_array_index(started, 1), ==, "b");
    g_assert_cmpstr(g_ptr_array_index(started, 2), ==, "c");
    g_assert_cmpstr(g_ptr_array_index(started, 3), ==, "e");
    g_assert_false(jobs[3].granted);
    g_assert_cmpuint(qemuIOSchedRunning(sched), ==, 0);
    g_mutex_clear(&lock);
}


/* No bound: every job starts at once; the CPU share never drops to 0. */
static void
testUnbounded(void)
{
    g_autoptr(qemuIOSched) sched = qemuIOSchedNew(0, 2);
    unsigned int share = 0;
    size_t i;

    for (i = 0; i < 5; i++) {
        g_assert_true(qemuIOSchedAcquire(sched, "job", NULL, NULL, &share));
        g_assert_cmpuint(share, ==, MAX(2 / (i + 1), 1));
    }
    g_assert_cmpuint(qemuIOSchedRunning(sched), ==, 5);
    for (i = 0; i < 5; i++)
        qemuIOSchedRelease(sched);
    g_assert_cmpuint(qemuIOSchedRunning(sched), ==, 0);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iosched/order", testOrder);
    g_test_add_func("/iosched/unbounded", testUnbounded);
    return g_test_run();
}
