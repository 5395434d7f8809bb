/*
 * qemu_iosched.c: turns for the saves and restores that move data
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Saves and restores that run at the same time (a host shutdown, or
 * clients asking together) share one disk. Past a few streams more of
 * them only add seeks and threads: the scheduler lets at most
 * save_max_concurrent of them move data at once and makes the others
 * wait in the order they asked (oldest first). A job that gets its turn
 * also gets its share of the host's CPUs for an automatic channel
 * count: the online CPUs divided by the jobs then running, so that N
 * concurrent saves together use about as many channels as one.
 * docs/save-restore.md, "Many saves at once".
 */

#include <config.h>

#include "qemu_iosched.h"

#include "vslog.h"

VS_LOG_INIT("qemu.iosched");

/* How often a waiting job asks whether it should go on waiting. */
#define QEMU_IOSCHED_POLL_MS 200

struct _qemuIOSched {
    GMutex lock;
    GCond cond;
    unsigned int maxJobs;       /* 0: no bound */
    unsigned int hostCPUs;
    unsigned int running;
    GQueue waiting;             /* tickets (GUINT_TO_POINTER), oldest first */
    guint nextTicket;
};


/**
 * qemuIOSchedNew:
 * @maxJobs: jobs that may move data at once, 0 for no bound
 * @hostCPUs: online CPUs, shared out among the running jobs
 *
 * Returns: (transfer full) a scheduler.
 */
qemuIOSched *
qemuIOSchedNew(unsigned int maxJobs,
               unsigned int hostCPUs)
{
    qemuIOSched *sched = g_new0(qemuIOSched, 1);

    g_mutex_init(&sched->lock);
    g_cond_init(&sched->cond);
    g_queue_init(&sched->waiting);
    sched->maxJobs = maxJobs;
    sched->hostCPUs = MAX(hostCPUs, 1);
    sched->nextTicket = 1;
    return sched;
}


void
qemuIOSchedFree(qemuIOSched *sched)
{
    if (!sched)
        return;
    g_queue_clear(&sched->waiting);
    g_cond_clear(&sched->cond);
    g_mutex_clear(&sched->lock);
    g_free(sched);
}


/* With the lock held: may the job holding @ticket start now? */
static gboolean
qemuIOSchedMayStart(qemuIOSched *sched,
                    guint ticket)
{
    return GPOINTER_TO_UINT(g_queue_peek_head(&sched->waiting)) == ticket &&
           (sched->maxJobs == 0 || sched->running < sched->maxJobs);
}


/**
 * qemuIOSchedAcquire:
 * @sched: the scheduler
 * @what: what is waiting, for the log ("save of domain 'x'")
 * @keepWaiting: (nullable): asked now and then while the job waits;
 *   FALSE gives up the place in the queue
 * @opaque: its argument
 * @cpuShare: (out) (optional): the host CPUs this job may count on
 *
 * Waits, without any domain lock held by the caller, until the job's
 * turn comes: jobs start in the order they asked, at most maxJobs at a
 * time.
 *
 * Returns: TRUE with a turn to give back with qemuIOSchedRelease(), or
 * FALSE when @keepWaiting said to stop.
 */
gboolean
qemuIOSchedAcquire(qemuIOSched *sched,
                   const char *what,
                   qemuIOSchedKeepWaiting keepWaiting,
                   gpointer opaque,
                   unsigned int *cpuShare)
{
    gint64 asked = g_get_monotonic_time();
    gboolean waited = FALSE;
    guint ticket;

    g_mutex_lock(&sched->lock);
    ticket = sched->nextTicket++;
    if (sched->nextTicket == 0)
        sched->nextTicket = 1;
    g_queue_push_tail(&sched->waiting, GUINT_TO_POINTER(ticket));

    while (!qemuIOSchedMayStart(sched, ticket)) {
        gint64 until = g_get_monotonic_time() +
                       QEMU_IOSCHED_POLL_MS * G_TIME_SPAN_MILLISECOND;

        if (!waited)
            VS_INFO("%s waits for its turn: %u of at most %u running, "
                    "%u waiting", what, sched->running, sched->maxJobs,
                    g_queue_get_length(&sched->waiting) - 1);
        waited = TRUE;
        g_cond_wait_until(&sched->cond, &sched->lock, until);
        if (qemuIOSchedMayStart(sched, ticket))
            break;
        if (keepWaiting) {
            gboolean keep;

            g_mutex_unlock(&sched->lock);
            keep = keepWaiting(opaque);
            g_mutex_lock(&sched->lock);
            if (!keep) {
                g_queue_remove(&sched->waiting, GUINT_TO_POINTER(ticket));
                g_cond_broadcast(&sched->cond);
                g_mutex_unlock(&sched->lock);
                return FALSE;
            }
        }
    }

    g_queue_pop_head(&sched->waiting);
    sched->running++;
    if (cpuShare)
        *cpuShare = MAX(sched->hostCPUs / sched->running, 1);
    /* The next in line may fit too. */
    g_cond_broadcast(&sched->cond);
    if (waited)
        VS_INFO("%s starts after waiting %" G_GINT64_FORMAT " ms", what,
                (g_get_monotonic_time() - asked) / 1000);
    g_mutex_unlock(&sched->lock);
    return TRUE;
}


/**
 * qemuIOSchedRelease:
 * @sched: the scheduler
 *
 * Gives back a turn qemuIOSchedAcquire() granted.
 */
void
qemuIOSchedRelease(qemuIOSched *sched)
{
    g_mutex_lock(&sched->lock);
    g_warn_if_fail(sched->running > 0);
    if (sched->running > 0)
        sched->running--;
    g_cond_broadcast(&sched->cond);
    g_mutex_unlock(&sched->lock);
}


/**
 * qemuIOSchedRunning:
 * @sched: the scheduler
 *
 * Returns: how many jobs hold a turn now.
 */
unsigned int
qemuIOSchedRunning(qemuIOSched *sched)
{
    unsigned int n;

    g_mutex_lock(&sched->lock);
    n = sched->running;
    g_mutex_unlock(&sched->lock);
    return n;
}
