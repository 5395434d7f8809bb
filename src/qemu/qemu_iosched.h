/*
 * qemu_iosched.h: turns for the saves and restores that move data
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

typedef struct _qemuIOSched qemuIOSched;

qemuIOSched *qemuIOSchedNew(unsigned int maxJobs,
                            unsigned int hostCPUs);
void qemuIOSchedFree(qemuIOSched *sched);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuIOSched, qemuIOSchedFree);

/* Returns FALSE to stop waiting for a turn. */
typedef gboolean (*qemuIOSchedKeepWaiting)(gpointer opaque);

gboolean qemuIOSchedAcquire(qemuIOSched *sched,
                            const char *what,
                            qemuIOSchedKeepWaiting keepWaiting,
                            gpointer opaque,
                            unsigned int *cpuShare);
void qemuIOSchedRelease(qemuIOSched *sched);
/* A granted turn, given back when it goes out of scope:
 * g_autoptr(qemuIOSchedTurn) turn = sched after a successful acquire. */
typedef qemuIOSched qemuIOSchedTurn;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuIOSchedTurn, qemuIOSchedRelease);
unsigned int qemuIOSchedRunning(qemuIOSched *sched);
