/*
 * qemu_recover.c: undoing a save that a daemon exit interrupted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A save that began and never ended leaves a record in the status file.
 * On reattach: ask QEMU where its migration is, cancel it (a multifd
 * mapped-ram one is left to complete instead, see qemuSaveCanCancel();
 * a completed image is treated as not committed all the same), drop the
 * partial image and every fdset holding save descriptors, reset the
 * migration settings and give the guest the state it had before the
 * save. Every step is logged. See docs/save-restore.md, "Crash
 * recovery", for the naming of partial images and the sweep rule.
 */

#include <config.h>

#include "qemu_recover.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_process.h"
#include "qemu_savepriv.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.recover");

/* Between two query-migrate calls while waiting for the cancel. */
#define QEMU_RECOVER_POLL_MS 100


/* ---- the record --------------------------------------------------- */

static void
qemuRecoverWriteStatus(qemuDomainObj *vm)
{
    g_autoptr(GError) err = NULL;

    if (qemuDomainObjIsActive(vm) && !qemuDomainSaveStatus(vm, &err))
        VS_WARN("domain '%s': %s", vm->name, err->message);
}


/**
 * qemuRecoverRecordSave:
 * @vm: a locked, active domain whose save job the caller owns
 * @path: the image the save commits to
 * @tmpPath: the partial image it writes first
 * @managed: a managed save
 *
 * Records the save and the domain's current state, before the save
 * pauses the guest.
 */
void
qemuRecoverRecordSave(qemuDomainObj *vm,
                      const char *path,
                      const char *tmpPath,
                      gboolean managed)
{
    qemuDomainSaveRecord *rec = g_new0(qemuDomainSaveRecord, 1);

    rec->path = g_strdup(path);
    rec->tmpPath = g_strdup(tmpPath);
    rec->prevState = vm->state;
    rec->prevReason = vm->reason;
    rec->fdset = -1;
    rec->managed = managed;
    rec->owner = getpid();
    rec->started = g_get_real_time();
    qemuDomainSaveRecordFree(vm->saveRecord);
    vm->saveRecord = rec;
    qemuRecoverWriteStatus(vm);
}


/**
 * qemuRecoverUpdateSave:
 * @vm: a locked domain with a recorded save
 * @fdset: the fdset QEMU holds the image in, or -1
 * @saved: QEMU's migration parameters before the save
 *
 * Adds what a recovery must give back to the record.
 */
void
qemuRecoverUpdateSave(qemuDomainObj *vm,
                      int fdset,
                      const qemuMonitorMigrationParams *saved)
{
    if (!vm->saveRecord)
        return;
    vm->saveRecord->fdset = fdset;
    vm->saveRecord->hasMaxBandwidth = saved->hasMaxBandwidth;
    vm->saveRecord->maxBandwidth = saved->maxBandwidth;
    qemuRecoverWriteStatus(vm);
}


/**
 * qemuRecoverForgetSave:
 * @vm: a locked domain
 *
 * The save has ended (committed, or rolled back): drop the record.
 */
void
qemuRecoverForgetSave(qemuDomainObj *vm)
{
    if (!vm->saveRecord)
        return;
    g_clear_pointer(&vm->saveRecord, qemuDomainSaveRecordFree);
    qemuRecoverWriteStatus(vm);
}


/* ---- recovery ----------------------------------------------------- */

static gboolean
qemuRecoverQueryMigrate(qemuDomainObj *vm,
                        qemuMonitorMigrationStatus *status,
                        GError **error)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorQueryMigrate(mon, &stats, error);
    qemuDomainObjExitMonitor(vm, mon);
    *status = stats.status;
    qemuMonitorMigrationStatsClear(&stats);
    return ok;
}


/* Whether the migration QEMU runs can be cancelled (qemuSaveCanCancel()),
 * told by the capabilities the save turned on. */
static gboolean
qemuRecoverCanCancel(qemuMonitor *mon)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) caps = NULL;
    gboolean mappedRam = FALSE;
    gboolean multifd = FALSE;
    guint i;

    if (!(caps = qemuMonitorQueryMigrationCapabilities(mon, &err)))
        return TRUE;
    for (i = 0; i < caps->len; i++) {
        const qemuMonitorMigrationCap *cap =
            &g_array_index(caps, qemuMonitorMigrationCap, i);

        if (g_str_equal(cap->name, "mapped-ram"))
            mappedRam = cap->state;
        else if (g_str_equal(cap->name, "multifd"))
            multifd = cap->state;
    }
    return qemuSaveCanCancel(mappedRam, multifd);
}


/* Poll until the migration reaches a final status or the wait is over;
 * FALSE when QEMU cannot tell. */
static gboolean
qemuRecoverWaitFinal(qemuDomainObj *vm,
                     qemuMonitorMigrationStatus *status)
{
    g_autoptr(GError) err = NULL;
    gint64 deadline = g_get_monotonic_time() +
                      QEMU_RECOVER_CANCEL_WAIT_MS * G_TIME_SPAN_MILLISECOND;

    while (!qemuMonitorMigrationStatusIsFinal(*status) &&
           g_get_monotonic_time() < deadline) {
        qemuDomainObjUnlock(vm);
        g_usleep(QEMU_RECOVER_POLL_MS * 1000);
        qemuDomainObjLock(vm);
        if (!qemuRecoverQueryMigrate(vm, status, &err)) {
            VS_WARN("domain '%s': query-migrate failed: %s",
                    vm->name, err->message);
            return FALSE;
        }
    }
    return TRUE;
}


/* Stop a migration still under way (cancelled, or left to complete when
 * it cannot be cancelled safely) and wait until QEMU says it has ended.
 * Returns the final status, or UNKNOWN when QEMU cannot tell. */
static qemuMonitorMigrationStatus
qemuRecoverCancelMigration(qemuDomainObj *vm)
{
    g_autoptr(GError) err = NULL;
    qemuMonitorMigrationStatus status = QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN;
    gboolean canCancel = TRUE;
    qemuMonitor *mon;

    if (!qemuRecoverQueryMigrate(vm, &status, &err)) {
        VS_WARN("domain '%s': query-migrate failed: %s",
                vm->name, err->message);
        return QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN;
    }
    VS_INFO("domain '%s': the interrupted save's migration is '%s'",
            vm->name, qemuMonitorMigrationStatusTypeToString(status));
    if (status == QEMU_MONITOR_MIGRATION_STATUS_NONE ||
        qemuMonitorMigrationStatusIsFinal(status))
        return status;

    if ((mon = qemuDomainObjEnterMonitor(vm, &err))) {
        canCancel = qemuRecoverCanCancel(mon);
        qemuSaveCancelMigration(mon, vm->name, canCancel);
        qemuDomainObjExitMonitor(vm, mon);
    }
    g_clear_error(&err);
    if (canCancel)
        VS_INFO("domain '%s': cancelled the interrupted save's migration",
                vm->name);

    if (!qemuRecoverWaitFinal(vm, &status))
        return QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN;
    /* A disk too slow to finish the image in time: cancel after all,
     * rather than let the migration stop the guest again later. */
    if (!canCancel && !qemuMonitorMigrationStatusIsFinal(status)) {
        VS_WARN("domain '%s': the migration is still '%s' after %d ms; "
                "cancelling it", vm->name,
                qemuMonitorMigrationStatusTypeToString(status),
                QEMU_RECOVER_CANCEL_WAIT_MS);
        if ((mon = qemuDomainObjEnterMonitor(vm, &err))) {
            qemuSaveCancelMigration(mon, vm->name, TRUE);
            qemuDomainObjExitMonitor(vm, mon);
        }
        if (!qemuRecoverWaitFinal(vm, &status))
            return QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN;
    }
    if (!qemuMonitorMigrationStatusIsFinal(status))
        VS_WARN("domain '%s': the migration is still '%s' after %d ms",
                vm->name, qemuMonitorMigrationStatusTypeToString(status),
                QEMU_RECOVER_CANCEL_WAIT_MS);
    else
        VS_INFO("domain '%s': the migration ended as '%s'", vm->name,
                qemuMonitorMigrationStatusTypeToString(status));
    return status;
}


static gboolean
qemuRecoverIsSaveFdset(const qemuMonitorFdset *set)
{
    size_t i;

    for (i = 0; i < set->nfds; i++) {
        if (g_strcmp0(set->fds[i].opaque, QEMU_SAVE_FD_OPAQUE_OUT) == 0 ||
            g_strcmp0(set->fds[i].opaque,
                      QEMU_SAVE_FD_OPAQUE_OUT_DIRECT) == 0)
            return TRUE;
    }
    return FALSE;
}


/* The recorded fdset and any other one holding save descriptors (the
 * daemon may have died between add-fd and updating the record). */
static void
qemuRecoverRemoveFdsets(qemuDomainObj *vm,
                        const qemuDomainSaveRecord *rec)
{
    g_autoptr(GPtrArray) sets = NULL;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;
    guint i;

    if (!(mon = qemuDomainObjEnterMonitor(vm, &err)))
        return;
    sets = qemuMonitorQueryFdsets(mon, &err);
    qemuDomainObjExitMonitor(vm, mon);
    if (!sets) {
        VS_WARN("domain '%s': query-fdsets failed: %s", vm->name,
                err->message);
        return;
    }
    for (i = 0; i < sets->len; i++) {
        const qemuMonitorFdset *set = g_ptr_array_index(sets, i);

        if (set->id != rec->fdset && !qemuRecoverIsSaveFdset(set))
            continue;
        VS_INFO("domain '%s': removing fdset %d of the interrupted save",
                vm->name, set->id);
        qemuSaveRemoveFdset(vm, set->id);
    }
}


/* Was the image renamed into place before the daemon died? Only then is
 * the partial file gone and the target newer than the save's start. */
static gboolean
qemuRecoverWasCommitted(const qemuDomainSaveRecord *rec,
                        qemuMonitorMigrationStatus status)
{
    struct stat st;

    if (status != QEMU_MONITOR_MIGRATION_STATUS_COMPLETED ||
        lstat(rec->tmpPath, &st) == 0 || errno != ENOENT ||
        lstat(rec->path, &st) < 0 || !S_ISREG(st.st_mode))
        return FALSE;
    return (gint64) st.st_mtime * G_USEC_PER_SEC >= rec->started;
}


static void
qemuRecoverRemovePart(qemuDomainObj *vm,
                      const qemuDomainSaveRecord *rec)
{
    if (unlink(rec->tmpPath) == 0)
        VS_INFO("domain '%s': removed the partial save image '%s'",
                vm->name, rec->tmpPath);
    else if (errno != ENOENT)
        VS_WARN("domain '%s': cannot remove the partial save image '%s': %s",
                vm->name, rec->tmpPath, g_strerror(errno));
}


/* Which parameters this QEMU has (direct-io is not in every version). */
static void
qemuRecoverQueryParams(qemuDomainObj *vm,
                       qemuMonitorMigrationParams *params)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;

    if (!(mon = qemuDomainObjEnterMonitor(vm, &err)))
        return;
    if (!qemuMonitorQueryMigrationParams(mon, params, &err))
        VS_WARN("domain '%s': query-migrate-parameters failed: %s",
                vm->name, err->message);
    qemuDomainObjExitMonitor(vm, mon);
}


/* Give the guest the state it had before the save. */
static void
qemuRecoverState(qemuDomainObj *vm,
                 const qemuDomainSaveRecord *rec)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;
    gboolean ok;

    if (rec->prevState != VS_DOMAIN_RUNNING) {
        VS_INFO("domain '%s': stays %s as before the save", vm->name,
                qemuDomainStateTypeToString(rec->prevState));
        qemuDomainObjSetState(vm, rec->prevState, rec->prevReason);
        return;
    }
    if (!(mon = qemuDomainObjEnterMonitor(vm, &err))) {
        VS_WARN("domain '%s': cannot resume: %s", vm->name, err->message);
        return;
    }
    ok = qemuMonitorCont(mon, &err);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok) {
        VS_WARN("domain '%s': cannot resume after the interrupted save: %s",
                vm->name, err->message);
        qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                              VS_DOMAIN_PAUSED_API_ERROR);
        return;
    }
    VS_INFO("domain '%s': resumed, as it ran before the save", vm->name);
    qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                          VS_DOMAIN_RUNNING_SAVE_CANCELED);
}


/* Undo the save of @rec; see qemuRecoverSave(). */
static void
qemuRecoverUndo(qemuDriver *driver,
                qemuDomainObj *vm,
                const qemuDomainSaveRecord *rec)
{
    qemuMonitorMigrationParams saved = { 0 };
    qemuMonitorMigrationStatus status;

    status = qemuRecoverCancelMigration(vm);

    if (qemuRecoverWasCommitted(rec, status)) {
        VS_WARN("domain '%s': the image '%s' was committed before the daemon "
                "exited; stopping the domain as saved", vm->name, rec->path);
        qemuRecoverRemoveFdsets(vm, rec);
        qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_SAVED, 0);
        if (rec->managed)
            vm->hasManagedSave = TRUE;
        return;
    }

    if (status == QEMU_MONITOR_MIGRATION_STATUS_COMPLETED)
        VS_INFO("domain '%s': the image was written but never committed: "
                "discarding it", vm->name);
    qemuRecoverRemovePart(vm, rec);
    qemuRecoverRemoveFdsets(vm, rec);
    qemuRecoverQueryParams(vm, &saved);
    saved.hasMaxBandwidth = rec->hasMaxBandwidth;
    saved.maxBandwidth = rec->maxBandwidth;
    qemuSaveResetMigration(vm, &saved);
    VS_INFO("domain '%s': migration settings reset", vm->name);
    qemuRecoverState(vm, rec);
}


/**
 * qemuRecoverSave:
 * @driver: the driver
 * @vm: a locked domain just reattached, whose job the caller owns
 * @rec: (transfer full): the save record its status file held
 *
 * Undoes the save the previous daemon did not finish. A save already
 * renamed into place (the daemon died between the rename and stopping
 * QEMU) is finished instead: the domain is stopped as saved. The record
 * stays in the status file until the recovery is over, so a daemon that
 * dies during it recovers again. Problems are logged.
 */
void
qemuRecoverSave(qemuDriver *driver,
                qemuDomainObj *vm,
                qemuDomainSaveRecord *rec)
{
    g_autofree char *dir = g_path_get_dirname(rec->path);
    g_autofree char *base = g_path_get_basename(rec->path);
    g_autofree char *prefix = g_strconcat(base, ".", NULL);

    VS_WARN("domain '%s': the save to '%s' begun by daemon %lld did not end; "
            "recovering", vm->name, rec->path, rec->owner);
    qemuDomainSaveRecordFree(vm->saveRecord);
    vm->saveRecord = rec;
    qemuRecoverUndo(driver, vm, rec);
    qemuRecoverForgetSave(vm);
    qemuRecoverSweepDir(dir, prefix);
    VS_INFO("domain '%s': recovery of the interrupted save done, %s",
            vm->name, qemuDomainStateTypeToString(vm->state));
}


/* ---- the sweep ---------------------------------------------------- */

/**
 * qemuRecoverParsePartName:
 * @name: a directory entry
 * @prefix: (nullable): "<image name>." the entry must begin with
 * @owner: return location for the pid in the name
 *
 * Partial images are named "<image>.<daemon pid>.<number>.part".
 *
 * Returns: TRUE if @name has that form.
 */
gboolean
qemuRecoverParsePartName(const char *name,
                         const char *prefix,
                         long long *owner)
{
    g_auto(GStrv) parts = NULL;
    const char *tail = name;
    guint n;
    gint64 pid = 0;
    guint64 num = 0;

    if (!g_str_has_suffix(name, ".part"))
        return FALSE;
    if (prefix) {
        if (!g_str_has_prefix(name, prefix))
            return FALSE;
        tail = name + strlen(prefix);
    }
    parts = g_strsplit(tail, ".", -1);
    n = g_strv_length(parts);
    /* With @prefix: exactly pid, number and "part"; without: a non-empty
     * image name before them. */
    if ((prefix ? n != 3 : n < 4 || !*parts[0]) ||
        !g_ascii_string_to_signed(parts[n - 3], 10, 1, G_MAXINT32, &pid,
                                  NULL) ||
        !g_ascii_string_to_unsigned(parts[n - 2], 10, 0, G_MAXUINT64, &num,
                                    NULL))
        return FALSE;
    *owner = pid;
    return TRUE;
}


/* Is process @pid a live daemon of ours other than this one? A pid that
 * names another program now is a reused one: the owner is gone. The
 * program is told by its name (comm), which survives an upgrade of the
 * binary under a running daemon. */
static gboolean
qemuRecoverOwnerAlive(long long pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/comm", pid);
    g_autofree char *comm = NULL;
    g_autofree char *self = NULL;

    if (pid == getpid())
        return FALSE;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return FALSE;
    /* Unreadable: assume it is alive rather than delete a live save. */
    if (!g_file_get_contents(path, &comm, NULL, NULL) ||
        !g_file_get_contents("/proc/self/comm", &self, NULL, NULL))
        return TRUE;
    return g_str_equal(g_strstrip(comm), g_strstrip(self));
}


/**
 * qemuRecoverSweepDir:
 * @dir: a directory saves write to
 * @prefix: (nullable): only entries beginning with it
 *
 * Removes the partial images in @dir whose owner is gone: regular files
 * of this user named as qemuRecoverParsePartName() says, whose daemon
 * pid is no live daemon of ours. Nothing else is touched.
 */
void
qemuRecoverSweepDir(const char *dir,
                    const char *prefix)
{
    g_autoptr(GDir) d = NULL;
    VS_AUTOCLOSE int dfd = -1;
    const char *name;

    if (!(d = g_dir_open(dir, 0, NULL)) ||
        (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return;

    while ((name = g_dir_read_name(d))) {
        struct stat st;
        long long owner;

        if (!qemuRecoverParsePartName(name, prefix, &owner) ||
            fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
            qemuRecoverOwnerAlive(owner))
            continue;
        if (unlinkat(dfd, name, 0) == 0)
            VS_INFO("removed stale partial save image '%s/%s' of daemon %lld",
                    dir, name, owner);
        else
            VS_WARN("cannot remove stale partial save image '%s/%s': %s",
                    dir, name, g_strerror(errno));
    }
}
