/*
 * qemu_domain.h: domain objects, the domain list, jobs and QEMU events
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Locking. Each qemuDomainObj has a mutex (vm->lock) that protects every
 * mutable member, and a condition (vm->cond) that is broadcast whenever
 * something a waiter may care about changes: the state, the job slot, the
 * last MIGRATION status, an abort request, the end of the QEMU process.
 * The lock is held only for short, non-blocking sections: never across a
 * monitor command (see qemuDomainObjEnterMonitor()), disk I/O or a wait
 * other than on vm->cond.
 *
 * The driver-wide list lock is a leaf: code holding it never takes a
 * domain lock. Lookups take the list lock, reference the object, drop the
 * list lock and only then lock the object; code holding a domain lock may
 * take the list lock (to add or remove that domain). Two domain locks are
 * never held at once.
 *
 * Jobs. A domain lock is never held for long; what keeps two API calls
 * from changing one domain at once is its job slot. Every state-changing
 * operation (start, stop, suspend, define over a running domain, save,
 * restore, ...) runs inside qemuDomainJobBegin()/qemuDomainJobEnd().
 * There is one slot per domain: a second caller waits for it up to
 * QEMU_DOMAIN_JOB_WAIT_MS, then fails. Queries (state, info, XML, job
 * statistics) take no job and never wait for one.
 *
 * QEMU events arrive on the monitor's reader thread and update the object
 * under its lock (state changes the driver did not cause itself, the
 * MIGRATION status) and broadcast vm->cond, so a job thread waits for a
 * migration to progress with qemuDomainObjWait() rather than polling.
 * The handlers are in qemu_process.c (qemuProcessMonitorCallbacks):
 * STOP and RESUME change the state only when it does not already match
 * (an API that stops or resumes QEMU sets its own reason); MIGRATION
 * stores the status in vm->migrationStatus; SHUTDOWN sets
 * vm->gotShutdown; end of file sets vm->exited and hands the clean-up to
 * a thread of its own, which takes a MODIFY job first, so a job that
 * runs when QEMU dies sees vm->exited and ends before the clean-up.
 * Every event bumps vm->eventSeq.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "domain_conf.h"
#include "domain_state.h"
#include "qemu_graphics.h"
#include "qemu_iosched.h"
#include "qemu_capabilities.h"
#include "qemu_conf.h"
#include "qemu_driver.h"
#include "qemu_monitor.h"

/* How long qemuDomainJobBegin() waits for a busy job slot (libvirt's
 * figure for its state change lock). */
#define QEMU_DOMAIN_JOB_WAIT_MS 30000

typedef struct _qemuDomainObj qemuDomainObj;
typedef struct _qemuDomainSaveRecord qemuDomainSaveRecord;
typedef struct _qemuDomainObjList qemuDomainObjList;

/* The driver: immutable after qemuDriverNew() except where noted. */
struct _qemuDriver {
    qemuDriverConfig *config;
    qemuCapsCache *caps;
    qemuDomainObjList *domains;
    /* The next domain id handed out by qemuDomainObjAssignId(). */
    gint nextId;                    /* atomic */
    char *hostArch;                 /* uname machine, e.g. "x86_64" */
    /* Threads that handle a QEMU's exit; qemuDriverFree() waits for
     * them. */
    GMutex workerLock;
    GCond workerCond;
    unsigned int workers;
    /* Display ports of running domains (qemu_graphics.c). */
    qemuGraphicsPorts *graphicsPorts;
    /* Turns of the saves and restores that move data; set once the
     * configuration is read. */
    qemuIOSched *iosched;
    /* Lifecycle events; set once before clients are served. */
    qemuDriverEventFunc eventFunc;
    gpointer eventOpaque;
};

typedef enum {
    QEMU_JOB_NONE = 0,      /* the slot is free */
    /* A short state change with no progress to report (suspend, resume,
     * destroy, shutdown, define over an active domain, exit handling). */
    QEMU_JOB_MODIFY,
    /* A long operation with statistics and abort (save, managed save,
     * restore, start): vm->job.current is allocated while it runs. */
    QEMU_JOB_ASYNC,

    QEMU_JOB_LAST
} qemuDomainJobKind;

VS_ENUM_DECL(qemuDomainJobKind);

/*
 * Statistics of an async job, in libvirt's units (bytes, ms). The job's
 * owner fills in the data and memory counters from query-migrate with
 * qemuDomainJobInfoUpdate() (or directly, under vm->lock); the rest is
 * maintained by the job functions.
 */
typedef struct _qemuDomainJobInfo qemuDomainJobInfo;
struct _qemuDomainJobInfo {
    vsDomainJobType type;           /* UNBOUNDED while running; then
                                     * COMPLETED, FAILED or CANCELLED */
    vsDomainJobOperation operation;
    gint64 started;                 /* g_get_monotonic_time(), us */
    gint64 stopped;                 /* 0 while running */

    unsigned long long dataTotal;
    unsigned long long dataProcessed;
    unsigned long long dataRemaining;
    unsigned long long memTotal;
    unsigned long long memProcessed;
    unsigned long long memRemaining;
    unsigned long long memBps;
    unsigned long long memConstant;     /* pages */
    unsigned long long memNormal;       /* pages */
    unsigned long long memNormalBytes;
    unsigned long long memDirtyRate;
    unsigned long long memIteration;
    unsigned long long memPageSize;
    gboolean hasDowntime;
    unsigned long long downtime;        /* ms */
    gboolean hasSetupTime;
    unsigned long long setupTime;       /* ms */
    /* A restore's progress (qemu_restoreprogress.c): QEMU's read
     * counter when the load began. */
    gboolean readProgress;
    unsigned long long readBase;
    /* Channels of a sparse save or restore, 0: none (qemu_channels.c). */
    unsigned int channels;
};

void qemuDomainJobInfoFree(qemuDomainJobInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainJobInfo, qemuDomainJobInfoFree);

/*
 * Called by qemuDriverAbortJob() (through qemuDomainJobRequestAbort())
 * without vm->lock held, from the client's thread, after the abort flag
 * was set and vm->cond broadcast. It may send monitor commands (e.g.
 * migrate_cancel) through a monitor reference it took itself. Optional:
 * a job thread that waits on vm->cond sees vm->job.abortRequested anyway.
 */
typedef void (*qemuDomainJobAbortFunc)(qemuDomainObj *vm, gpointer opaque);

typedef struct _qemuDomainJob qemuDomainJob;
struct _qemuDomainJob {
    qemuDomainJobKind kind;         /* QEMU_JOB_NONE: the slot is free */
    vsDomainJobOperation operation;
    GThread *owner;                 /* the thread that began the job */
    gint64 started;                 /* monotonic us */
    gboolean abortRequested;
    qemuDomainJobAbortFunc abortFunc;
    gpointer abortOpaque;
    qemuDomainJobInfo *current;     /* ASYNC jobs only, else NULL */
    qemuDomainJobInfo *completed;   /* the last finished ASYNC job */
};

struct _qemuDomainObj {
    GMutex lock;
    GCond cond;
    gint refs;                      /* atomic */
    qemuDriver *driver;             /* (transfer none) */

    /* Immutable for the life of the object. */
    char *name;
    unsigned char uuid[VS_UUID_BUFLEN];

    /* Definitions. Inactive: @def is the persistent definition and
     * @persistentDef NULL. Active: @def is the live definition QEMU runs
     * and, for a persistent domain, @persistentDef the one to use at the
     * next start (NULL for a transient domain). */
    vsDomainDef *def;
    vsDomainDef *persistentDef;
    gboolean persistent;
    gboolean autostart;
    gboolean hasManagedSave;
    gboolean removed;               /* no longer in the domain list */

    /* The running QEMU; id -1, pid 0, pidfd -1 and mon NULL when
     * inactive. */
    int id;
    vsDomainState state;
    int reason;                     /* the vsDomain<State>Reason enum */
    pid_t pid;
    int pidfd;
    gboolean ourChild;              /* FALSE after a reattach: no waitpid */
    unsigned long long startTime;   /* /proc/<pid>/stat starttime */
    qemuMonitor *mon;
    char *monitorPath;
    qemuCaps *caps;                 /* of the running binary */
    /* Of the running process, queried by its first save or restore
     * (qemuSaveGetMigrationSupport()); NULL before. */
    qemuMonitorMigrationSupport *migration;
    unsigned int generation;        /* bumped for each QEMU started */

    /* Set by the event handlers. */
    gboolean exited;                /* monitor EOF: QEMU is gone or going */
    gboolean gotShutdown;           /* SHUTDOWN event seen */
    gboolean beingDestroyed;        /* destroy asked for the exit */
    qemuMonitorMigrationStatus migrationStatus; /* last MIGRATION event */
    unsigned long long eventSeq;    /* bumped on every event */
    char *lastExit;                 /* how the last QEMU ended, e.g.
                                     * "killed by signal 9 (Killed)" */

    /* The running save, persisted in the status file; NULL otherwise. */
    qemuDomainSaveRecord *saveRecord;

    qemuDomainJob job;

    /* Held (without vm->lock) during a conversation with the guest
     * agent, which QEMU serves one client at a time (qemu_guest.c). */
    GMutex agentLock;
};

/* ---- objects ------------------------------------------------------
 *
 * Objects are reference counted. Lookups return a referenced, locked
 * object; qemuDomainObjEndAPI() unlocks and unreferences it.
 */

/* A new inactive object owning @def (transfer full); one reference. */
qemuDomainObj *qemuDomainObjNew(qemuDriver *driver,
                                vsDomainDef *def);
qemuDomainObj *qemuDomainObjRef(qemuDomainObj *vm);
void qemuDomainObjUnref(qemuDomainObj *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainObj, qemuDomainObjUnref);

void qemuDomainObjLock(qemuDomainObj *vm);
void qemuDomainObjUnlock(qemuDomainObj *vm);
/* Unlock and unreference *@vm (NULL is fine) and set it to NULL. */
void qemuDomainObjEndAPI(qemuDomainObj **vm);

/* All with vm->lock held. Active = a QEMU process belongs to the domain
 * (id != -1), even one that is exiting and not yet cleaned up. */
gboolean qemuDomainObjIsActive(const qemuDomainObj *vm);
/* FALSE with VS_ERROR_DOMAIN / VS_ERR_OPERATION_INVALID "domain is not
 * running" when inactive. */
gboolean qemuDomainObjCheckActive(const qemuDomainObj *vm,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* FALSE with VS_ERR_OPERATION_INVALID "domain is already running". */
gboolean qemuDomainObjCheckInactive(const qemuDomainObj *vm,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* For job threads between monitor calls: FALSE with VS_ERROR_QEMU /
 * VS_ERR_OPERATION_FAILED "domain is not running" when inactive or when
 * QEMU has gone away (vm->exited) under the job. */
gboolean qemuDomainObjCheckAlive(const qemuDomainObj *vm,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Set state and reason, persist them in the status file when active and
 * broadcast vm->cond. */
void qemuDomainObjSetState(qemuDomainObj *vm,
                           vsDomainState state,
                           int reason);
VS_ENUM_DECL(qemuDomainState);
/* libvirt's words for a state's reasons, as virsh domstate --reason
 * prints them ("booted", "user", "saved", ...). */
const char *qemuDomainStateReasonToString(vsDomainState state,
                                          int reason);
int qemuDomainStateReasonFromString(vsDomainState state,
                                    const char *reason);

/* The definition the next start uses: @persistentDef when active, @def
 * otherwise. (transfer none) */
vsDomainDef *qemuDomainObjGetPersistentDef(qemuDomainObj *vm);
/* Make @live (transfer full) the running definition, keeping the
 * persistent one aside when the domain is persistent. */
void qemuDomainObjSetDefTransient(qemuDomainObj *vm,
                                  vsDomainDef *live);
/* Give an activating domain the next driver-wide id (from 1). */
int qemuDomainObjAssignId(qemuDomainObj *vm);

/* With vm->lock held: sleep on vm->cond until it is broadcast or the
 * monotonic time @deadline (us, g_get_monotonic_time(); 0 = no limit)
 * passes. Returns FALSE on timeout. Recheck the condition either way:
 *
 *     while (vm->migrationStatus is not final) {
 *         if (!qemuDomainObjCheckAlive(vm, error) ||
 *             !qemuDomainJobCheckAbort(vm, _("domain save"), error))
 *             goto failed;
 *         qemuDomainObjWait(vm, deadline);
 *     }
 */
gboolean qemuDomainObjWait(qemuDomainObj *vm,
                           gint64 deadline);
void qemuDomainObjBroadcast(qemuDomainObj *vm);

/* Send monitor commands from a job: with vm->lock held and a job owned,
 * EnterMonitor takes a monitor reference and drops vm->lock; ExitMonitor
 * drops the reference and relocks. Never send a command with vm->lock
 * held: event callbacks need that lock and run on the thread that reads
 * the replies. EnterMonitor fails (vm->lock still held) like
 * qemuDomainObjCheckAlive() when there is no usable monitor.
 *
 *     if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
 *         return FALSE;
 *     ok = qemuMonitorStop(mon, error);
 *     qemuDomainObjExitMonitor(vm, mon);
 */
qemuMonitor *qemuDomainObjEnterMonitor(qemuDomainObj *vm,
                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void qemuDomainObjExitMonitor(qemuDomainObj *vm,
                              qemuMonitor *mon);

/* (transfer full) name, uuid and id for the client. */
qemuDomainRef *qemuDomainObjToRef(const qemuDomainObj *vm);

/* libvirt's lifecycle events (virDomainEventType) and the details used. */
typedef enum {
    QEMU_EVENT_DEFINED = 0,
    QEMU_EVENT_UNDEFINED = 1,
    QEMU_EVENT_STARTED = 2,
    QEMU_EVENT_SUSPENDED = 3,
    QEMU_EVENT_RESUMED = 4,
    QEMU_EVENT_STOPPED = 5,
    QEMU_EVENT_SHUTDOWN = 6,
} qemuDomainEventType;

#define QEMU_EVENT_DEFINED_ADDED 0
#define QEMU_EVENT_DEFINED_UPDATED 1
#define QEMU_EVENT_UNDEFINED_REMOVED 0
#define QEMU_EVENT_STARTED_BOOTED 0
#define QEMU_EVENT_STARTED_RESTORED 2
#define QEMU_EVENT_SUSPENDED_PAUSED 0
#define QEMU_EVENT_SUSPENDED_IOERROR 2
#define QEMU_EVENT_RESUMED_UNPAUSED 0
#define QEMU_EVENT_STOPPED_SHUTDOWN 0
#define QEMU_EVENT_STOPPED_DESTROYED 1
#define QEMU_EVENT_STOPPED_CRASHED 2
#define QEMU_EVENT_STOPPED_MIGRATED 3
#define QEMU_EVENT_STOPPED_SAVED 4
#define QEMU_EVENT_STOPPED_FAILED 5
#define QEMU_EVENT_SHUTDOWN_FINISHED 0

/* The events a state change from (@oldState, @oldReason) to
 * (@state, @reason) means, as (event, detail) pairs in @events; returns
 * how many (0 to 2). */
size_t qemuDomainEventsForState(int oldState, int oldReason,
                                int state, int reason,
                                int events[2][2]);
/* Report (@event, @detail) of @vm (locked) to the driver's listener. */
void qemuDomainEmitEvent(qemuDomainObj *vm, int event, int detail);

/* ---- status files --------------------------------------------------
 *
 * While a domain is active, <stateDir>/<name>.xml records what a later
 * daemon needs to reattach: state and reason, QEMU's pid and start time
 * (to tell it from an unrelated process that reused the pid), the
 * monitor path and the live definition with its id.
 */
/* A save that has paused the guest and not yet ended, either way. It is
 * recorded in the status file (<savejob> beside <domain>) while the save
 * runs, so that a daemon started after a crash finds the interrupted save
 * and undoes it (qemu_recover.c, docs/save-restore.md). */
struct _qemuDomainSaveRecord {
    char *path;                     /* the image the user asked for */
    char *tmpPath;                  /* the .part file being written */
    vsDomainState prevState;        /* before the save paused the guest */
    int prevReason;
    int fdset;                      /* -1: no fdset handed to QEMU yet */
    gboolean hasMaxBandwidth;       /* QEMU's limit before the save */
    unsigned long long maxBandwidth;
    gboolean managed;               /* a managed save */
    long long owner;                /* pid of the daemon that began it */
    gint64 started;                 /* wall clock, microseconds */
};
void qemuDomainSaveRecordFree(qemuDomainSaveRecord *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainSaveRecord, qemuDomainSaveRecordFree);

typedef struct _qemuDomainStatus qemuDomainStatus;
struct _qemuDomainStatus {
    vsDomainDef *def;               /* live definition, def->id set */
    vsDomainState state;
    int reason;
    pid_t pid;
    unsigned long long startTime;
    char *monitorPath;
    qemuDomainSaveRecord *save;     /* NULL: no save was running */
};
void qemuDomainStatusClear(qemuDomainStatus *status);

char *qemuDomainStatusFormat(const qemuDomainObj *vm,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuDomainStatusParse(const char *xml,
                               qemuDomainStatus *status,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Atomically (re)write the status file of an active domain. */
gboolean qemuDomainSaveStatus(const qemuDomainObj *vm,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void qemuDomainRemoveStatus(const qemuDomainObj *vm);

/* ---- jobs ----------------------------------------------------------
 *
 * All with vm->lock held.
 */

/* Take the domain's job slot for @kind, waiting (vm->lock released
 * meanwhile) up to QEMU_DOMAIN_JOB_WAIT_MS for the current job to end.
 * Fails with VS_ERROR_QEMU / VS_ERR_OPERATION_TIMEOUT "cannot acquire
 * state change lock (held by job 'X')" on timeout. An ASYNC job starts
 * a fresh vm->job.current (type UNBOUNDED, @operation, start time) and
 * clears any earlier abort request. Re-check the domain's state after
 * this returns: it may have changed while waiting. */
gboolean qemuDomainJobBegin(qemuDomainObj *vm,
                            qemuDomainJobKind kind,
                            vsDomainJobOperation operation,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Free the slot and wake waiters. An ASYNC job's statistics move to
 * vm->job.completed with their end time; a job whose result was not set
 * with qemuDomainJobSetResult() counts as FAILED. */
void qemuDomainJobEnd(qemuDomainObj *vm);
/* COMPLETED, FAILED or CANCELLED, for an ASYNC job before it ends. */
void qemuDomainJobSetResult(qemuDomainObj *vm,
                            vsDomainJobType result);
/* Install (or with NULL, remove) the current job's abort hook; cleared
 * by qemuDomainJobEnd(). */
void qemuDomainJobSetAbortFunc(qemuDomainObj *vm,
                               qemuDomainJobAbortFunc func,
                               gpointer opaque);
/* qemuDriverAbortJob(): set vm->job.abortRequested, broadcast, and run
 * the hook (with vm->lock dropped around the call). Fails with
 * VS_ERR_OPERATION_INVALID "no job is active on the domain" when no ASYNC
 * job runs. */
gboolean qemuDomainJobRequestAbort(qemuDomainObj *vm,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* FALSE with VS_ERROR_QEMU / VS_ERR_OPERATION_ABORTED "job '@what'
 * canceled by client" once an abort was requested. */
gboolean qemuDomainJobCheckAbort(qemuDomainObj *vm,
                                 const char *what,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Copy query-migrate counters into @info (data_* = memory_* for a save,
 * as libvirt reports them). */
void qemuDomainJobInfoUpdate(qemuDomainJobInfo *info,
                             const qemuMonitorMigrationStats *stats);
/* Milliseconds from the start to now, or to the end once stopped. */
unsigned long long qemuDomainJobInfoElapsed(const qemuDomainJobInfo *info);
/* (transfer full) libvirt's job statistics fields ("operation",
 * "time_elapsed", "data_total", ...). */
vsTypedParamList *qemuDomainJobInfoToParams(const qemuDomainJobInfo *info);

/* ---- the domain list ---------------------------------------------- */

qemuDomainObjList *qemuDomainObjListNew(void);
void qemuDomainObjListFree(qemuDomainObjList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainObjList, qemuDomainObjListFree);

/* Add a new object for @def (transfer full on success) and return it
 * referenced and locked. Fails with VS_ERROR_QEMU /
 * VS_ERR_OPERATION_FAILED when the name or the uuid is taken: "domain
 * 'N' already exists with uuid U" / "domain 'N' is already defined with
 * uuid U". Redefinitions go through the existing object instead. */
qemuDomainObj *qemuDomainObjListAdd(qemuDomainObjList *list,
                                    qemuDriver *driver,
                                    vsDomainDef *def,
                                    gboolean persistent,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Remove @vm (locked by the caller, stays locked) from the list: it is
 * marked removed, so threads that looked it up earlier notice. */
void qemuDomainObjListRemove(qemuDomainObjList *list,
                             qemuDomainObj *vm);

/* Referenced and locked objects, or NULL (no error set). */
qemuDomainObj *qemuDomainObjListFindByUUID(qemuDomainObjList *list,
                                           const unsigned char *uuid);
qemuDomainObj *qemuDomainObjListFindByName(qemuDomainObjList *list,
                                           const char *name);
qemuDomainObj *qemuDomainObjListFindByID(qemuDomainObjList *list,
                                         int id);
/* (transfer full) referenced, unlocked objects, sorted by name. */
GPtrArray *qemuDomainObjListCollect(qemuDomainObjList *list);

/* FindByUUID with libvirt's error when missing: VS_ERROR_QEMU /
 * VS_ERR_NO_DOMAIN "no domain with matching uuid 'U'". */
qemuDomainObj *qemuDomainObjFromUUID(qemuDriver *driver,
                                     const unsigned char *uuid,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
