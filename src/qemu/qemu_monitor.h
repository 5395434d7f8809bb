/*
 * qemu_monitor.h: QMP client, the conversation with one QEMU process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One qemuMonitor owns the QMP socket of one QEMU process.
 *
 * Threads. Each monitor runs one reader thread, the only code that ever
 * reads the socket. It splits the byte stream into JSON messages, hands
 * replies to the commands waiting for them (matched by the "id" member,
 * "vs-<N>") and delivers events and end of file through the callbacks.
 * Commands are synchronous: qemuMonitorCommand() and the typed wrappers
 * may be called from any thread, several at a time; each writes its
 * message (and any descriptors, as SCM_RIGHTS on that same write) under a
 * send lock and sleeps until its reply arrives, the monitor fails or the
 * monitor's timeout expires.
 *
 * Failure. End of file, a read error or bytes that are not QMP JSON make
 * the monitor fail for good: every waiting command returns at once with
 * VS_ERROR_QEMU / VS_ERR_OPERATION_FAILED and a message starting
 * "QEMU monitor closed: ", later commands fail the same way without
 * touching the socket, and @eof is called once. An error reply from QEMU
 * fails only its command (VS_ERR_OPERATION_FAILED, QEMU's "desc" text)
 * and a timeout only its command (VS_ERR_OPERATION_TIMEOUT): the monitor
 * stays usable, and the reply that arrives late is dropped.
 *
 * Callbacks run on the reader thread without any monitor lock held, one
 * at a time, in the order QEMU sent the messages. They may take the
 * caller's own locks (e.g. a domain lock) and may call qemuMonitorClose()
 * (also on their own monitor). They must not send monitor commands: the
 * reply could only be read by the thread that is busy running the
 * callback, so such a call fails at once with VS_ERR_INTERNAL_ERROR.
 * Hand the work to another thread instead. No callback runs before
 * qemuMonitorOpen() has returned the monitor and none starts after
 * qemuMonitorClose() was called, but one already running may finish
 * after qemuMonitorClose() returns: keep @opaque alive until @dispose.
 *
 * Lifetime. The monitor is reference counted. qemuMonitorOpen() returns
 * one reference; qemuMonitorClose() shuts the socket down, fails waiting
 * commands and drops that reference. A thread that wants to send a
 * command without holding the lock that protects its pointer to the
 * monitor takes its own reference first (qemuMonitorRef()) and drops it
 * after (qemuMonitorUnref()). The reader thread holds a reference until it
 * exits, so the memory and the descriptor go away (and @dispose runs)
 * only when nobody can use them any more. qemuMonitorClose() never waits
 * for a callback: it may be called with a lock held that a running
 * callback is waiting for.
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>
#include <stdint.h>

#include "vsenum.h"

typedef struct _qemuMonitor qemuMonitor;

/* Default time a command waits for its reply, and the time
 * qemuMonitorOpen() waits for the greeting. */
#define QEMU_MONITOR_DEFAULT_TIMEOUT_MS 30000

/**
 * qemuMonitorCallbacks:
 * @event: a QMP event: @name (e.g. "STOP"), its "data" member (transfer
 *   none, valid during the call only; NULL when QEMU sent none) and
 *   QEMU's timestamp. May be NULL. json-c counts references without
 *   atomics: to keep @data beyond the call, or hand it to another thread,
 *   take a json_object_deep_copy(), never a json_object_get().
 * @eof: the monitor failed (QEMU exited, closed the socket or sent
 *   garbage); @reason is a translated sentence for logs and errors.
 *   Called at most once, never after qemuMonitorClose(). May be NULL.
 * @dispose: the last reference is gone; release @opaque. Runs on
 *   whichever thread dropped it, with no lock held. May be NULL.
 *
 * See the top of this file for the rules that bind callbacks.
 */
typedef struct _qemuMonitorCallbacks qemuMonitorCallbacks;
struct _qemuMonitorCallbacks {
    void (*event)(qemuMonitor *mon,
                  const char *name,
                  json_object *data,
                  long long seconds,
                  unsigned int micros,
                  gpointer opaque);
    void (*eof)(qemuMonitor *mon,
                const char *reason,
                gpointer opaque);
    void (*dispose)(gpointer opaque);
};

/* QEMU's version as the greeting and query-version report it. */
typedef struct _qemuMonitorVersion qemuMonitorVersion;
struct _qemuMonitorVersion {
    unsigned int major;
    unsigned int minor;
    unsigned int micro;
    char *package;      /* distribution's package string, may be "" */
};
void qemuMonitorVersionClear(qemuMonitorVersion *version);

/* ---- lifecycle ---------------------------------------------------- */

/* Take over @fd, a connected stream socket to QEMU's QMP server (closed
 * on failure too), read the greeting, negotiate capabilities and start
 * the reader thread. @timeoutMs <= 0 selects the default; it bounds the
 * greeting and is each command's timeout afterwards. */
qemuMonitor *qemuMonitorOpen(int fd,
                             const qemuMonitorCallbacks *cb,
                             gpointer opaque,
                             int timeoutMs,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Connect to the socket at @path, retrying while QEMU has not created
 * or is not yet listening on it, for up to @connectTimeoutMs; give up at
 * once when @pidfd (a pidfd of the QEMU process, -1 for none) reports
 * that QEMU exited. Then as qemuMonitorOpen(). */
qemuMonitor *qemuMonitorOpenPath(const char *path,
                                 int pidfd,
                                 int connectTimeoutMs,
                                 const qemuMonitorCallbacks *cb,
                                 gpointer opaque,
                                 int timeoutMs,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Stop the monitor and drop the caller's reference (NULL is fine):
 * waiting commands fail, no callback starts any more, the socket is shut
 * down; it never waits for a running callback. */
void qemuMonitorClose(qemuMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitor, qemuMonitorClose);

qemuMonitor *qemuMonitorRef(qemuMonitor *mon);
void qemuMonitorUnref(qemuMonitor *mon);

/* Timeout of each later command; <= 0 selects the default. */
void qemuMonitorSetTimeout(qemuMonitor *mon, int timeoutMs);
void qemuMonitorGetVersion(qemuMonitor *mon,
                           unsigned int *major,
                           unsigned int *minor,
                           unsigned int *micro);
/* FALSE once the monitor failed or was closed. */
gboolean qemuMonitorIsAlive(qemuMonitor *mon);

/* ---- raw commands ------------------------------------------------- */

/* Send {"execute":@execute,"arguments":@args,"id":"vs-N"} with @nfds
 * descriptors attached to the same write (QEMU dups them; the caller
 * keeps its own) and wait for the reply. @args: (transfer full), may be
 * NULL. @reply: (transfer full) the "return" member, may be NULL when the
 * caller does not want it. */
gboolean qemuMonitorCommand(qemuMonitor *mon,
                            const char *execute,
                            json_object *args,
                            const int *fds,
                            size_t nfds,
                            json_object **reply,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- typed values ------------------------------------------------- */

/* QEMU's RunState, as query-status reports it. */
typedef enum {
    QEMU_MONITOR_VM_STATUS_DEBUG,
    QEMU_MONITOR_VM_STATUS_INMIGRATE,
    QEMU_MONITOR_VM_STATUS_INTERNAL_ERROR,
    QEMU_MONITOR_VM_STATUS_IO_ERROR,
    QEMU_MONITOR_VM_STATUS_PAUSED,
    QEMU_MONITOR_VM_STATUS_POSTMIGRATE,
    QEMU_MONITOR_VM_STATUS_PRELAUNCH,
    QEMU_MONITOR_VM_STATUS_FINISH_MIGRATE,
    QEMU_MONITOR_VM_STATUS_RESTORE_VM,
    QEMU_MONITOR_VM_STATUS_RUNNING,
    QEMU_MONITOR_VM_STATUS_SAVE_VM,
    QEMU_MONITOR_VM_STATUS_SHUTDOWN,
    QEMU_MONITOR_VM_STATUS_SUSPENDED,
    QEMU_MONITOR_VM_STATUS_WATCHDOG,
    QEMU_MONITOR_VM_STATUS_GUEST_PANICKED,
    QEMU_MONITOR_VM_STATUS_COLO,
    QEMU_MONITOR_VM_STATUS_UNKNOWN,     /* a state newer than this code */

    QEMU_MONITOR_VM_STATUS_LAST,
} qemuMonitorVMStatus;
VS_ENUM_DECL(qemuMonitorVMStatus);

typedef struct _qemuMonitorStatus qemuMonitorStatus;
struct _qemuMonitorStatus {
    gboolean running;
    qemuMonitorVMStatus status;
};

/* QEMU's MigrationStatus, shared by query-migrate and the MIGRATION
 * event. NONE also stands for a reply without "status" (no migration
 * yet, QEMU answers {}). */
typedef enum {
    QEMU_MONITOR_MIGRATION_STATUS_NONE,
    QEMU_MONITOR_MIGRATION_STATUS_SETUP,
    QEMU_MONITOR_MIGRATION_STATUS_CANCELLING,
    QEMU_MONITOR_MIGRATION_STATUS_CANCELLED,
    QEMU_MONITOR_MIGRATION_STATUS_ACTIVE,
    QEMU_MONITOR_MIGRATION_STATUS_POSTCOPY_ACTIVE,
    QEMU_MONITOR_MIGRATION_STATUS_POSTCOPY_PAUSED,
    QEMU_MONITOR_MIGRATION_STATUS_POSTCOPY_RECOVER_SETUP,
    QEMU_MONITOR_MIGRATION_STATUS_POSTCOPY_RECOVER,
    QEMU_MONITOR_MIGRATION_STATUS_COMPLETED,
    QEMU_MONITOR_MIGRATION_STATUS_FAILED,
    QEMU_MONITOR_MIGRATION_STATUS_COLO,
    QEMU_MONITOR_MIGRATION_STATUS_PRE_SWITCHOVER,
    QEMU_MONITOR_MIGRATION_STATUS_DEVICE,
    QEMU_MONITOR_MIGRATION_STATUS_WAIT_UNPLUG,
    QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN,  /* newer than this code */

    QEMU_MONITOR_MIGRATION_STATUS_LAST,
} qemuMonitorMigrationStatus;
VS_ENUM_DECL(qemuMonitorMigrationStatus);

gboolean qemuMonitorMigrationStatusIsFinal(qemuMonitorMigrationStatus status);

/* query-migrate. Counters QEMU did not report are 0; the has* flags say
 * whether the optional times were present. */
typedef struct _qemuMonitorMigrationStats qemuMonitorMigrationStats;
struct _qemuMonitorMigrationStats {
    qemuMonitorMigrationStatus status;
    char *statusStr;            /* QEMU's word, also for UNKNOWN; NULL for {} */

    gboolean hasRam;
    unsigned long long ramTotal;        /* bytes */
    unsigned long long ramRemaining;
    unsigned long long ramTransferred;
    unsigned long long ramNormal;       /* pages */
    unsigned long long ramNormalBytes;
    unsigned long long ramDuplicate;    /* zero pages */
    double ramMbps;
    unsigned long long ramPageSize;
    unsigned long long ramDirtyPagesRate;
    unsigned long long ramDirtySyncCount;

    gboolean hasTotalTime;
    unsigned long long totalTime;       /* ms */
    gboolean hasDowntime;
    unsigned long long downtime;        /* ms */
    gboolean hasSetupTime;
    unsigned long long setupTime;       /* ms */
    gboolean hasExpectedDowntime;
    unsigned long long expectedDowntime; /* ms */

    char *errorDesc;            /* only after a failure, else NULL */
    char **blockedReasons;      /* NULL-terminated; NULL when absent */
};
void qemuMonitorMigrationStatsClear(qemuMonitorMigrationStats *stats);

/* One migration capability with an explicit state. */
typedef struct _qemuMonitorMigrationCap qemuMonitorMigrationCap;
struct _qemuMonitorMigrationCap {
    char *name;         /* QEMU's name, e.g. "mapped-ram" */
    gboolean state;
};
void qemuMonitorMigrationCapClear(qemuMonitorMigrationCap *cap);

/* migrate-set-parameters / query-migrate-parameters: only the members
 * the save engine uses. On the way out only members with has* TRUE are
 * sent; on the way in has* says QEMU reported the parameter (i.e. this
 * QEMU knows it, which is how "direct-io" support is detected). */
typedef struct _qemuMonitorMigrationParams qemuMonitorMigrationParams;
struct _qemuMonitorMigrationParams {
    gboolean hasMultifdChannels;
    unsigned int multifdChannels;       /* 1..255 */
    gboolean hasDirectIO;
    gboolean directIO;
    gboolean hasMaxBandwidth;
    unsigned long long maxBandwidth;    /* bytes/s */
    gboolean hasDowntimeLimit;
    unsigned long long downtimeLimit;   /* ms */
};

/* What one QEMU process offers for migration, queried once and kept
 * for its life (the binary on disk may change under it). */
typedef struct _qemuMonitorMigrationSupport qemuMonitorMigrationSupport;
struct _qemuMonitorMigrationSupport {
    GArray *caps;                       /* qemuMonitorMigrationCap: every
                                         * capability it knows, in the
                                         * state found */
    qemuMonitorMigrationParams params;  /* as found; has* = it knows it */
};
void qemuMonitorMigrationSupportFree(qemuMonitorMigrationSupport *support);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitorMigrationSupport,
                              qemuMonitorMigrationSupportFree);
/* Whether @support lists the capability @name. */
gboolean qemuMonitorMigrationSupportHasCap(const qemuMonitorMigrationSupport *support,
                                           const char *name);

/* libvirt's "unlimited" bandwidth: INT64_MAX / 1 MiB MiB/s in bytes/s. */
#define QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED 0x7FFFFFFFFFF00000ULL

/* add-fd's reply: the set the descriptor went into and QEMU's own number
 * for its copy of the descriptor. */
typedef struct _qemuMonitorAddFdInfo qemuMonitorAddFdInfo;
struct _qemuMonitorAddFdInfo {
    int fdsetId;
    int fd;
};

/* query-fdsets. */
typedef struct _qemuMonitorFdsetFd qemuMonitorFdsetFd;
struct _qemuMonitorFdsetFd {
    int fd;             /* QEMU's descriptor number */
    char *opaque;       /* NULL when none was given */
};

typedef struct _qemuMonitorFdset qemuMonitorFdset;
struct _qemuMonitorFdset {
    int id;
    size_t nfds;
    qemuMonitorFdsetFd *fds;
};
void qemuMonitorFdsetFree(qemuMonitorFdset *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitorFdset, qemuMonitorFdsetFree);

/* Events the driver acts on. */
typedef enum {
    QEMU_MONITOR_EVENT_STOP,
    QEMU_MONITOR_EVENT_RESUME,
    QEMU_MONITOR_EVENT_SHUTDOWN,
    QEMU_MONITOR_EVENT_POWERDOWN,
    QEMU_MONITOR_EVENT_RESET,
    QEMU_MONITOR_EVENT_MIGRATION,
    QEMU_MONITOR_EVENT_MIGRATION_PASS,
    QEMU_MONITOR_EVENT_VSERPORT_CHANGE,

    QEMU_MONITOR_EVENT_LAST,
} qemuMonitorEvent;
VS_ENUM_DECL(qemuMonitorEvent);

/* ---- typed commands ------------------------------------------------
 *
 * Each sends one command through qemuMonitorCommand() and reads its
 * reply with the matching qemuMonitorParse*() function of
 * qemu_monitor_json.h; they fail as qemuMonitorCommand() does, or with
 * VS_ERR_INTERNAL_ERROR when the reply lacks what QEMU always sends.
 */

gboolean qemuMonitorStop(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* set_link: the link of network device @name (a -device or -netdev
 * id) up or down, for both ends. */
gboolean qemuMonitorSetLink(qemuMonitor *mon, const char *name,
                            gboolean up, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorCont(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorQuit(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorSystemPowerdown(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorSystemReset(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuMonitorQueryStatus(qemuMonitor *mon,
                                qemuMonitorStatus *status,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorQueryVersion(qemuMonitor *mon,
                                 qemuMonitorVersion *version,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuMonitorQueryMigrate(qemuMonitor *mon,
                                 qemuMonitorMigrationStats *stats,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* migrate-set-capabilities with every capability in @caps and its
 * explicit state: pass the full list (see
 * qemuMonitorQueryMigrationCapabilities()) so that nothing left over
 * from an earlier migration stays on. */
gboolean qemuMonitorSetMigrationCapabilities(qemuMonitor *mon,
                                             const qemuMonitorMigrationCap *caps,
                                             size_t ncaps,
                                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Returns: (transfer full) a GArray of qemuMonitorMigrationCap, every
 * capability this QEMU knows with its current state, in QEMU's order (it
 * frees its elements), or NULL with @error set. */
GArray *qemuMonitorQueryMigrationCapabilities(qemuMonitor *mon,
                                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorSetMigrationParams(qemuMonitor *mon,
                                       const qemuMonitorMigrationParams *params,
                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorQueryMigrationParams(qemuMonitor *mon,
                                         qemuMonitorMigrationParams *params,
                                         GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* query-migrate-capabilities and query-migrate-parameters.
 * Returns: (transfer full) or NULL with @error set. */
qemuMonitorMigrationSupport *qemuMonitorProbeMigration(qemuMonitor *mon,
                                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* migrate to @uri, e.g. "file:/dev/fdset/3,offset=4096". QEMU 10 always
 * runs it in the background (its "detach" is accepted and ignored, so it
 * is not sent): follow MIGRATION events or qemuMonitorQueryMigrate(). */
gboolean qemuMonitorMigrate(qemuMonitor *mon,
                            const char *uri,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* migrate-incoming from @uri with "exit-on-error": false, so that a
 * failed load leaves QEMU alive to report it (QEMU started with
 * -incoming defer). */
gboolean qemuMonitorMigrateIncoming(qemuMonitor *mon,
                                    const char *uri,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorMigrateCancel(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* add-fd: pass @fd to QEMU into fdset @fdsetId (< 0: QEMU picks a new
 * set) with @opaque (may be NULL) as its label. @info (may be NULL) gets
 * the set's id and QEMU's descriptor number. */
gboolean qemuMonitorAddFd(qemuMonitor *mon,
                          int fdsetId,
                          const char *opaque,
                          int fd,
                          qemuMonitorAddFdInfo *info,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* remove-fd: drop descriptor @fd (QEMU's number) from set @fdsetId, or
 * the whole set when @fd < 0. QEMU closes a descriptor once nothing uses
 * it any more. */
gboolean qemuMonitorRemoveFd(qemuMonitor *mon,
                             int fdsetId,
                             int fd,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Returns: (transfer full) a GPtrArray of qemuMonitorFdset (it frees
 * them), possibly empty, or NULL with @error set. */
GPtrArray *qemuMonitorQueryFdsets(qemuMonitor *mon, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* getfd: pass @fd to QEMU under the name @fdname (e.g. for "fd:NAME"
 * migration URIs); closefd releases it. */
gboolean qemuMonitorGetFd(qemuMonitor *mon,
                          const char *fdname,
                          int fd,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorCloseFd(qemuMonitor *mon,
                            const char *fdname,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
