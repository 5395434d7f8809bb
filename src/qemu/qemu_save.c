/*
 * qemu_save.c: saving a running domain to a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The sequence, its failure handling and the reasons for each step are
 * in docs/save-restore.md. In short: validate everything, pause, write
 * the header block of a new image under a temporary name, pass the
 * image's descriptors to QEMU in an fdset, let QEMU migrate to
 * "file:/dev/fdset/N,offset=...", follow the MIGRATION events, then make
 * the image durable, flip its magic and rename it into place.
 */

#include <config.h>

#include "qemu_save.h"
#include "qemu_savepriv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_channels.h"
#include "qemu_iohelper.h"
#include "qemu_process.h"
#include "qemu_recover.h"
#include "qemu_restoreprogress.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.save");

#define QEMU_SAVE_JOB_NAME _("domain save")

/* How long a failed or aborted save waits for QEMU to stop writing
 * before it cleans up anyway. */
#define QEMU_SAVE_CANCEL_WAIT_MS 30000


/* ---- the save ----------------------------------------------------- */

/* Everything one save owns while it runs. */
typedef struct _qemuSaveJob qemuSaveJob;
struct _qemuSaveJob {
    const qemuSaveOptions *opts;
    const char *path;           /* final image path */
    char *tmpPath;              /* where it is written */
    char *dir;
    char *xml;                  /* domain XML for the image */
    gboolean wasRunning;        /* the vCPUs ran when the save began */
    gboolean paused;            /* this save paused them */
    int fd;                     /* buffered O_WRONLY (the helper's
                                 * may be O_DIRECT) */
    int directFd;               /* O_DIRECT O_WRONLY, or -1 */
    qemuIOHelper *helper;       /* stream formats: the copying helper */
    int pipeFd;                 /* its pipe, until QEMU has it */
    gboolean gotFd;             /* QEMU holds the pipe as "migrate" */
    uint64_t offset;            /* stream start */
    size_t align;               /* of the header block */
    int fdset;                  /* -1 until an add-fd succeeded */
    gboolean migrating;         /* migrate was accepted */
    gboolean canCancel;         /* see qemuSaveCanCancel() */
    gboolean created;           /* tmpPath exists and is ours */
    qemuMonitorMigrationParams savedParams;
    gboolean settingsChanged;
    gint64 start;               /* of the call, monotonic us */
    GString *timeline;          /* "event ms, ..." since @start */
};


static void
qemuSaveJobClear(qemuSaveJob *job)
{
    vsFdClose(&job->fd);
    vsFdClose(&job->directFd);
    vsFdClose(&job->pipeFd);
    qemuIOHelperFree(job->helper);
    g_free(job->tmpPath);
    g_free(job->dir);
    g_free(job->xml);
    if (job->timeline)
        g_string_free(job->timeline, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuSaveJob, qemuSaveJobClear);


/* Add @event, which happened at @when (monotonic us), to the timeline
 * logged when the save succeeds. */
static void
qemuSaveMarkAt(qemuSaveJob *job,
               const char *event,
               gint64 when)
{
    if (!when)
        return;
    g_string_append_printf(job->timeline, "%s%s %.1f",
                           job->timeline->len ? ", " : "", event,
                           (when - job->start) / 1000.0);
}


static void
qemuSaveMark(qemuSaveJob *job,
             const char *event)
{
    qemuSaveMarkAt(job, event, g_get_monotonic_time());
}


/* The domain XML stored in the image: the running definition, or @dxml
 * when it passes the ABI check against it. Runs under vm->lock. */
static char *
qemuSaveFormatXML(qemuDomainObj *vm,
                  const char *dxml,
                  GError **error)
{
    g_autoptr(vsDomainDef) newdef = NULL;
    const vsDomainDef *def = vm->def;
    unsigned int fmt = VS_DOMAIN_DEF_FORMAT_INACTIVE |
                       VS_DOMAIN_DEF_FORMAT_SECURE |
                       VS_DOMAIN_DEF_FORMAT_MIGRATABLE;

    if (dxml) {
        if (!(newdef = vsDomainDefParseString(dxml,
                                              VS_DOMAIN_DEF_PARSE_INACTIVE,
                                              error)) ||
            !vsDomainDefCheckABIStability(vm->def, newdef, error))
            return NULL;
        def = newdef;
    }
    return vsDomainDefFormat(def, -1, fmt, error);
}


/* Space the image will need. Guest pages that were never touched are
 * zero: the sparse format skips them and the raw format stores a marker
 * of a few bytes per page, so QEMU's resident set size bounds what is
 * written (it also counts QEMU's own memory, a harmless overestimate).
 * Without it, assume every guest page is written. */
static gboolean
qemuSaveEstimateSize(pid_t pid,
                     unsigned long long ramBytes,
                     unsigned long long *need)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
    g_autofree char *status = NULL;
    unsigned long long rss;

    if (pid > 0 && g_file_get_contents(path, &status, NULL, NULL) &&
        qemuSaveParseVmRSS(status, &rss)) {
        *need = MIN(rss, ramBytes) + QEMU_SAVE_SPACE_MARGIN;
        return TRUE;
    }
    *need = ramBytes + QEMU_SAVE_SPACE_MARGIN;
    return FALSE;
}


/* Target directory checks, before the guest is paused. */
static gboolean
qemuSaveCheckTarget(qemuDomainObj *vm,
                    qemuSaveJob *job,
                    unsigned long long ramBytes,
                    GError **error)
{
    struct statvfs sv;
    unsigned long long avail;
    unsigned long long need;

    if (access(job->dir, W_OK | X_OK) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot create save image '%s' of domain '%s'"),
                        job->path, vm->name);
        return FALSE;
    }
    if (g_file_test(job->path, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot save domain '%s': '%s' is a directory"),
                    vm->name, job->path);
        return FALSE;
    }
    if (!vsFileCheckTarget(job->path, error)) {
        g_prefix_error(error, _("cannot save domain '%s': "), vm->name);
        return FALSE;
    }

    if (job->opts->bypassCache &&
        !vsFileProbeDirectIO(job->dir, error)) {
        g_prefix_error(error, _("cannot bypass the cache for save image '%s': "),
                       job->path);
        return FALSE;
    }

    if (statvfs(job->dir, &sv) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot read the free space of '%s'"), job->dir);
        return FALSE;
    }
    avail = (unsigned long long) sv.f_bavail * sv.f_frsize;
    qemuSaveEstimateSize(vm->pid, ramBytes, &need);
    VS_DEBUG("domain '%s': save needs about %llu bytes, %llu available in '%s'",
             vm->name, need, avail, job->dir);
    if (avail < need) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("not enough free space in '%s' to save domain '%s': about %llu MiB needed, %llu MiB available"),
                    job->dir, vm->name, need >> 20, avail >> 20);
        return FALSE;
    }
    return TRUE;
}


/* Write the header block (with the partial magic) at the start of @fd:
 * one pwrite of job->align bytes' multiple, so @fd may be O_DIRECT. */
static gboolean
qemuSaveWriteHeader(qemuSaveJob *job,
                    int fd,
                    GError **error)
{
    VS_AUTOALIGNED void *block = NULL;
    size_t len;

    if (!(block = qemuSaveImageNewBlock(job->xml, NULL, job->opts->format,
                                        job->wasRunning, job->align, NULL,
                                        &len, error)))
        return FALSE;
    if (!vsFilePwriteFull(fd, block, len, 0, error)) {
        g_prefix_error(error, _("cannot write the header of save image '%s': "),
                       job->path);
        return FALSE;
    }
    job->offset = len;
    return TRUE;
}


/* Create the temporary image and write its header block: O_DIRECT when
 * bypassing the cache (one aligned pwrite), then open the buffered
 * descriptor QEMU's main channel uses. No lock held. */
static gboolean
qemuSaveCreateImage(qemuSaveJob *job,
                    GError **error)
{
    VS_AUTOCLOSE int first = -1;
    size_t memAlign = 0;
    size_t offAlign = 0;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;

    if (job->opts->bypassCache)
        flags |= O_DIRECT;
    if ((first = vsFileOpen(job->tmpPath, flags, 0600, error)) < 0)
        return FALSE;
    job->created = TRUE;

    job->align = QEMU_SAVE_ALIGN_MIN;
    if (job->opts->bypassCache &&
        vsFileGetDirectIOAlign(first, &memAlign, &offAlign))
        job->align = MAX(job->align, MAX(memAlign, offAlign));

    if (!qemuSaveWriteHeader(job, first, error))
        return FALSE;

    if (job->opts->viaHelper) {
        job->fd = vsFdSteal(&first);
        /* With a descriptor, the helper uses the path only in messages:
         * name the image the user asked for, not its temporary name. */
        return (job->helper = qemuIOHelperStartWrite(job->path, job->fd,
                                                     job->offset,
                                                     job->opts->bypassCache,
                                                     job->opts->format,
                                                     &job->pipeFd,
                                                     error)) != NULL;
    }
    if (job->opts->bypassCache) {
        job->directFd = vsFdSteal(&first);
        if ((job->fd = vsFileOpen(job->tmpPath, O_WRONLY | O_CLOEXEC, 0,
                                  error)) < 0)
            return FALSE;
    } else {
        job->fd = vsFdSteal(&first);
    }
    VS_DEBUG("created '%s': stream at 0x%" PRIx64 ", fd %d, direct fd %d",
             job->tmpPath, job->offset, job->fd, job->directFd);
    return TRUE;
}


/* Stream formats: QEMU will write a pipe, the helper the file. */
static gboolean
qemuSavePreparePipeMigration(qemuDomainObj *vm,
                             qemuSaveJob *job,
                             GError **error)
{
    qemuMonitor *mon;

    job->settingsChanged = TRUE;
    if (!qemuSaveSetupMigration(vm, FALSE, 1, FALSE, TRUE,
                                &job->savedParams, error))
        return FALSE;
    qemuRecoverUpdateSave(vm, -1, &job->savedParams);

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    job->gotFd = qemuMonitorGetFd(mon, "migrate", job->pipeFd, error);
    qemuDomainObjExitMonitor(vm, mon);
    /* Only QEMU may hold the write end, or the helper never sees EOF. */
    vsFdClose(&job->pipeFd);
    return job->gotFd;
}


/* After a failed stream save, the helper's own error (e.g. a full disk)
 * says more than QEMU's broken pipe. */
static void
qemuSaveHelperError(qemuDomainObj *vm,
                    qemuSaveJob *job,
                    GError **error)
{
    g_autoptr(GError) herr = NULL;
    gboolean ok;

    qemuDomainObjUnlock(vm);
    ok = qemuIOHelperFinish(job->helper, 10000, &herr);
    qemuDomainObjLock(vm);
    if (ok || herr->code == VS_ERR_OPERATION_TIMEOUT)
        return;
    g_clear_error(error);
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("job '%s' failed: %s"), QEMU_SAVE_JOB_NAME, herr->message);
}


/* Pass the descriptors to QEMU and set the migration up, all before
 * the guest is paused. */
static gboolean
qemuSavePrepareMigration(qemuDomainObj *vm,
                         qemuSaveJob *job,
                         GError **error)
{
    gboolean sparse = job->opts->format == QEMU_SAVE_FORMAT_SPARSE;
    g_autoptr(GPtrArray) sets = NULL;
    qemuMonitorAddFdInfo info = { -1, -1 };
    qemuMonitor *mon;
    gboolean ok;

    if (job->helper)
        return qemuSavePreparePipeMigration(vm, job, error);

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = (sets = qemuMonitorQueryFdsets(mon, error)) &&
         qemuMonitorAddFd(mon, qemuSavePickFdsetId(sets),
                          QEMU_SAVE_FD_OPAQUE_OUT, job->fd, &info, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    job->fdset = info.fdsetId;

    if (job->directFd >= 0) {
        if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
            return FALSE;
        ok = qemuMonitorAddFd(mon, job->fdset, QEMU_SAVE_FD_OPAQUE_OUT_DIRECT,
                              job->directFd, NULL, error);
        qemuDomainObjExitMonitor(vm, mon);
        if (!ok)
            return FALSE;
    }

    job->settingsChanged = TRUE;
    /* Multifd runs exactly when mapped-ram does. */
    job->canCancel = qemuSaveCanCancel(sparse, sparse);
    if (!qemuSaveSetupMigration(vm, sparse, job->opts->channels,
                                job->directFd >= 0, TRUE,
                                &job->savedParams, error))
        return FALSE;
    qemuRecoverUpdateSave(vm, job->fdset, &job->savedParams);
    return TRUE;
}


/* Start the prepared migration of the paused guest. */
static gboolean
qemuSaveStartMigration(qemuDomainObj *vm,
                       qemuSaveJob *job,
                       GError **error)
{
    g_autofree char *uri = NULL;
    qemuMonitor *mon;
    gboolean ok;

    if (job->helper) {
        uri = g_strdup("fd:migrate");
        VS_INFO("domain '%s': saving to '%s' (%s%s) through the I/O helper",
                vm->name, job->path,
                qemuSaveFormatTypeToString(job->opts->format),
                job->opts->bypassCache ? ", direct I/O" : "");
    } else {
        uri = qemuSaveBuildURI(job->fdset, job->offset);
        VS_INFO("domain '%s': saving to '%s' (%s, %u channel(s)%s) via %s",
                vm->name, job->path,
                qemuSaveFormatTypeToString(job->opts->format),
                job->opts->channels, job->directFd >= 0 ? ", direct I/O" : "",
                uri);
    }

    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorMigrate(mon, uri, error);
    qemuDomainObjExitMonitor(vm, mon);
    job->migrating = ok;
    if (ok)
        qemuSaveMark(job, "migrating");
    return ok;
}


/* Abort hook: runs on the client's thread without vm->lock. The save's
 * thread, woken by the request, sees the migration end (cancelled, or
 * completed when it cannot be cancelled) and fails as aborted. */
static void
qemuSaveAbort(qemuDomainObj *vm,
              gpointer opaque)
{
    const qemuSaveJob *job = opaque;
    qemuMonitor *mon = NULL;

    qemuDomainObjLock(vm);
    if (vm->mon && !vm->exited)
        mon = qemuMonitorRef(vm->mon);
    qemuDomainObjUnlock(vm);
    if (!mon)
        return;
    qemuSaveCancelMigration(mon, vm->name, job->canCancel);
    qemuMonitorUnref(mon);
}


/* Sleep on vm->cond until the migration reaches a final status or QEMU
 * goes away; the MIGRATION events wake us. @timeoutMs 0: no limit. */
static gboolean
qemuSaveWaitFinal(qemuDomainObj *vm,
                  unsigned int timeoutMs,
                  GError **error)
{
    gint64 deadline = 0;

    if (timeoutMs)
        deadline = g_get_monotonic_time() +
                   (gint64) timeoutMs * G_TIME_SPAN_MILLISECOND;

    while (!qemuMonitorMigrationStatusIsFinal(vm->migrationStatus)) {
        if (!qemuDomainObjCheckAlive(vm, error))
            return FALSE;
        if (!qemuDomainObjWait(vm, deadline) &&
            !qemuMonitorMigrationStatusIsFinal(vm->migrationStatus)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT,
                        _("timed out waiting for the migration of domain '%s' to end"),
                        vm->name);
            return FALSE;
        }
    }
    return TRUE;
}


/* Copy QEMU's final counters into the job's statistics. */
static void
qemuSaveUpdateStats(qemuDomainObj *vm)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, NULL)))
        return;
    ok = qemuMonitorQueryMigrate(mon, &stats, NULL);
    qemuDomainObjExitMonitor(vm, mon);
    if (ok && vm->job.current)
        qemuDomainJobInfoUpdate(vm->job.current, &stats);
    qemuMonitorMigrationStatsClear(&stats);
}


/* The migration ended: turn its status into the save's result. */
static gboolean
qemuSaveCheckResult(qemuDomainObj *vm,
                    GError **error)
{
    g_autofree char *desc = NULL;

    if (vm->migrationStatus == QEMU_MONITOR_MIGRATION_STATUS_COMPLETED &&
        !vm->job.abortRequested)
        return TRUE;

    /* The client asked for the abort: whatever QEMU made of it
     * (cancelled, failed when a channel broke off first, or completed
     * when the migration was not cancelled), that is why the save
     * ended. */
    if (!qemuDomainJobCheckAbort(vm, QEMU_SAVE_JOB_NAME, error))
        return FALSE;

    if (vm->migrationStatus == QEMU_MONITOR_MIGRATION_STATUS_CANCELLED) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("job '%s' failed: migration was cancelled by QEMU"),
                    QEMU_SAVE_JOB_NAME);
        return FALSE;
    }

    desc = qemuSaveMigrationError(vm);
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("job '%s' failed: %s"), QEMU_SAVE_JOB_NAME,
                desc ? desc : _("unexpectedly failed"));
    return FALSE;
}


/* Data first, then the magic, then the name (qemuSaveImageCommit): a
 * crash at any point leaves either the old image or a complete new one
 * under @path. Once renamed, the save has succeeded. */
static gboolean
qemuSaveFinishImage(qemuSaveJob *job,
                    GError **error)
{
    qemuSaveImageCommitTimes times;
    gboolean renamed = FALSE;
    gboolean ok;

    ok = qemuSaveImageCommit(job->tmpPath, job->path,
                             job->opts->bypassCache, &renamed, &times, error);
    if (renamed)
        job->created = FALSE;
    qemuSaveMarkAt(job, "data-durable", times.dataDurable);
    qemuSaveMarkAt(job, "header-durable", times.headerDurable);
    qemuSaveMarkAt(job, "renamed", times.renamed);
    return ok;
}


/* When QEMU died under the save, a monitor command fails with the
 * socket's error; say instead what happened. The end of file may reach
 * the event handler a moment after the failed command returns. */
static void
qemuSaveExplainDeath(qemuDomainObj *vm,
                     GError **error)
{
    gint64 deadline = g_get_monotonic_time() + G_TIME_SPAN_SECOND;

    /* QEMU alive: the error stands. */
    if (!vm->exited && (!vm->mon || qemuMonitorIsAlive(vm->mon)))
        return;
    while (!vm->exited && qemuDomainObjWait(vm, deadline))
        ;
    if (!vm->exited)
        return;
    g_clear_error(error);
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("domain is not running: QEMU of domain '%s' exited during job '%s'"),
                vm->name, QEMU_SAVE_JOB_NAME);
}


/* Undo a failed save; @vm locked, job owned. */
static void
qemuSaveRollback(qemuDomainObj *vm,
                 qemuSaveJob *job)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;

    if (job->migrating &&
        !qemuMonitorMigrationStatusIsFinal(vm->migrationStatus) &&
        (mon = qemuDomainObjEnterMonitor(vm, NULL))) {
        qemuSaveCancelMigration(mon, vm->name, job->canCancel);
        qemuDomainObjExitMonitor(vm, mon);
        /* A migration that is not cancelled ends when the image is
         * written, however long the disk takes. */
        if (!qemuSaveWaitFinal(vm, job->canCancel ?
                               QEMU_SAVE_CANCEL_WAIT_MS : 0, &err))
            VS_WARN("domain '%s': %s", vm->name, err->message);
        g_clear_error(&err);
    }
    if (job->fdset >= 0)
        qemuSaveRemoveFdset(vm, job->fdset);
    if (job->helper)
        qemuIOHelperAbort(job->helper);
    if (job->gotFd && !job->migrating &&
        qemuDomainObjCheckAlive(vm, NULL) &&
        (mon = qemuDomainObjEnterMonitor(vm, NULL))) {
        if (!qemuMonitorCloseFd(mon, "migrate", &err))
            VS_WARN("domain '%s': closefd failed: %s", vm->name, err->message);
        qemuDomainObjExitMonitor(vm, mon);
        g_clear_error(&err);
    }
    if (job->created && unlink(job->tmpPath) < 0 && errno != ENOENT)
        VS_WARN("cannot remove partial save image '%s': %s",
                job->tmpPath, g_strerror(errno));
    job->created = FALSE;
    if (job->settingsChanged)
        qemuSaveResetMigration(vm, &job->savedParams);

    if (!job->paused || !qemuDomainObjCheckAlive(vm, NULL))
        return;
    if ((mon = qemuDomainObjEnterMonitor(vm, NULL))) {
        gboolean ok = qemuMonitorCont(mon, &err);

        qemuDomainObjExitMonitor(vm, mon);
        if (ok) {
            qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                                  VS_DOMAIN_RUNNING_SAVE_CANCELED);
            return;
        }
        VS_WARN("domain '%s': cannot resume after a failed save: %s",
                vm->name, err->message);
    }
    qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_API_ERROR);
}


/* Pause the vCPUs if they run. The header written before says whether
 * they ran then; a guest that paused itself since (e.g. on an I/O
 * error) gets the header rewritten, so a restore leaves it paused. */
static gboolean
qemuSavePause(qemuDomainObj *vm,
              qemuSaveJob *job,
              GError **error)
{
    gboolean running = vm->state == VS_DOMAIN_RUNNING;
    qemuMonitor *mon;
    gboolean ok;

    if (job->opts->running < 0 && running != job->wasRunning) {
        VS_INFO("domain '%s': %s before the save paused it", vm->name,
                running ? "resumed" : "paused");
        job->wasRunning = running;
        if (!qemuSaveWriteHeader(job, job->directFd >= 0 ? job->directFd
                                                           : job->fd,
                                 error))
            return FALSE;
    }
    if (!running)
        return TRUE;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorStop(mon, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    job->paused = TRUE;
    qemuSaveMark(job, "paused");
    qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED, VS_DOMAIN_PAUSED_SAVE);
    return TRUE;
}


/* From the new image to the complete one; @vm locked. The guest runs
 * until everything but the migration itself is ready. */
static gboolean
qemuSaveRunLocked(qemuDomainObj *vm,
                  qemuSaveJob *job,
                  GError **error)
{
    g_autoptr(GError) result = NULL;
    gboolean ok;

    job->wasRunning = job->opts->running >= 0 ? job->opts->running
                                              : vm->state == VS_DOMAIN_RUNNING;
    qemuDomainObjUnlock(vm);
    ok = qemuSaveCreateImage(job, error);
    qemuDomainObjLock(vm);
    if (!ok)
        return FALSE;
    qemuSaveMark(job, "created");
    if (!qemuSavePrepareMigration(vm, job, error))
        return FALSE;
    qemuSaveMark(job, "prepared");
    if (!qemuSavePause(vm, job, error) ||
        !qemuSaveStartMigration(vm, job, error))
        return FALSE;

    qemuDomainJobSetAbortFunc(vm, qemuSaveAbort, job);
    /* An abort requested before the hook was installed. */
    if (vm->job.abortRequested) {
        qemuDomainObjUnlock(vm);
        qemuSaveAbort(vm, job);
        qemuDomainObjLock(vm);
    }
    ok = qemuSaveWaitFinal(vm, 0, error);
    qemuDomainJobSetAbortFunc(vm, NULL, NULL);
    if (!ok)
        return FALSE;
    qemuSaveMark(job, "completed");

    qemuSaveUpdateStats(vm);
    if (!qemuSaveCheckResult(vm, &result)) {
        /* An abort stays the reason; otherwise a failed helper explains
         * more than QEMU's broken pipe. */
        if (job->helper &&
            !g_error_matches(result, VS_ERROR_QEMU, VS_ERR_OPERATION_ABORTED))
            qemuSaveHelperError(vm, job, &result);
        g_propagate_error(error, g_steal_pointer(&result));
        return FALSE;
    }

    qemuDomainObjUnlock(vm);
    ok = (!job->helper || qemuIOHelperFinish(job->helper, -1, error)) &&
         qemuSaveFinishImage(job, error);
    qemuDomainObjLock(vm);
    return ok;
}


/* The successful end: QEMU no longer needs the image, stop it. Its
 * migration settings and fdset go with it, so nothing is reset. */
static void
qemuSaveStopDomain(qemuDriver *driver,
                   qemuDomainObj *vm,
                   qemuSaveJob *job)
{
    qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_SAVED, 0);
    /* A transient domain leaves the list here. */
    if (!job->opts->path)
        vm->hasManagedSave = TRUE;
}


/* Inside the job: checks, then the save itself. */
static gboolean
qemuSaveInJob(qemuDriver *driver,
              qemuDomainObj *vm,
              qemuSaveJob *job,
              GError **error)
{
    unsigned long long ram;

    const qemuMonitorMigrationSupport *support;

    if (!qemuDomainObjCheckActive(vm, error))
        return FALSE;
    if (!(support = qemuSaveGetMigrationSupport(vm, error)) ||
        !qemuSaveCheckMigrationSupport(support, vm->name, job->opts->format,
                                       job->opts->bypassCache, error))
        return FALSE;
    if (!(job->xml = qemuSaveFormatXML(vm, job->opts->dxml, error)))
        return FALSE;
    ram = vm->def->maxMemory * 1024;

    qemuDomainObjUnlock(vm);
    if (!qemuSaveCheckTarget(vm, job, ram, error)) {
        qemuDomainObjLock(vm);
        return FALSE;
    }
    qemuDomainObjLock(vm);
    qemuSaveMark(job, "checked");

    qemuRecoverRecordSave(vm, job->path, job->tmpPath, !job->opts->path);
    if (!qemuSaveRunLocked(vm, job, error)) {
        qemuSaveExplainDeath(vm, error);
        qemuSaveRollback(vm, job);
        qemuRecoverForgetSave(vm);
        return FALSE;
    }
    /* Forgotten only once QEMU is stopped: a daemon that dies between
     * the rename and the stop leaves the record, and the next one
     * finishes the save (qemuRecoverSave()). */
    qemuSaveStopDomain(driver, vm, job);
    qemuSaveMark(job, "stopped");
    qemuRecoverForgetSave(vm);
    VS_INFO("domain '%s': save timeline (ms): %s", vm->name,
            job->timeline->str);
    return TRUE;
}


/* Save the domain @uuid as @opts says; @path NULL: managed save. */
static gboolean
qemuSaveRun(qemuDriver *driver,
            const unsigned char *uuid,
            const qemuSaveOptions *opts,
            GError **error)
{
    qemuDomainObj *vm;
    g_auto(qemuSaveJob) job = { 0 };
    g_autofree char *managed = NULL;
    g_autoptr(qemuIOSchedTurn) turn = NULL;
    qemuSaveOptions chosen = *opts;
    gboolean ok;

    job.start = g_get_monotonic_time();
    job.timeline = g_string_new(NULL);
    job.opts = &chosen;
    job.fd = -1;
    job.directFd = -1;
    job.pipeFd = -1;
    job.fdset = -1;
    job.canCancel = TRUE;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!opts->path) {
        if (!vm->persistent) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        _("cannot do managed save for transient domain '%s'"),
                        vm->name);
            qemuDomainObjEndAPI(&vm);
            return FALSE;
        }
        managed = qemuDriverConfigManagedSavePath(driver->config, vm->name);
    }
    job.path = opts->path ? opts->path : managed;
    job.dir = g_path_get_dirname(job.path);
    /* Unique per call; O_EXCL still guards the creation. */
    job.tmpPath = qemuSaveImageTempPath(job.path);

    if (!qemuDomainJobBegin(vm, QEMU_JOB_ASYNC, VS_DOMAIN_JOB_OPERATION_SAVE,
                            error)) {
        qemuDomainObjEndAPI(&vm);
        return FALSE;
    }

    ok = qemuSaveWaitTurn(driver, vm, QEMU_SAVE_JOB_NAME,
                          vm->def->maxMemory * 1024ULL, &chosen.channels,
                          &turn, error);
    if (ok && vm->job.current && chosen.format == QEMU_SAVE_FORMAT_SPARSE)
        vm->job.current->channels = chosen.channels;
    ok = ok && qemuSaveInJob(driver, vm, &job, error);
    g_clear_pointer(&turn, qemuIOSchedRelease);
    qemuDomainJobSetResult(vm, ok ? VS_DOMAIN_JOB_COMPLETED :
                           vm->job.abortRequested ? VS_DOMAIN_JOB_CANCELLED :
                           VS_DOMAIN_JOB_FAILED);
    qemuDomainJobEnd(vm);
    VS_INFO("domain '%s': save to '%s' %s after %" G_GINT64_FORMAT " ms",
            vm->name, job.path, ok ? "completed" : "failed",
            (g_get_monotonic_time() - job.start) / 1000);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/**
 * qemuSaveDomainParams:
 * @driver: the driver
 * @uuid: the domain
 * @params: "file", "dxml", "image_format", "parallel.channels"
 * @flags: vsDomainSaveRestoreFlags
 * @error: return location for a #GError
 *
 * Saves a running domain and stops it. Without "file" this is a managed
 * save (and the other parameters are ignored, as libvirt does).
 *
 * Returns: TRUE, or FALSE with @error set (the domain then runs or is
 * paused as before, and no image or temporary file is left).
 */
gboolean
qemuSaveDomainParams(qemuDriver *driver,
                     const unsigned char *uuid,
                     const vsTypedParamList *params,
                     unsigned int flags,
                     GError **error)
{
    const qemuDriverConfig *cfg = driver->config;
    qemuSaveOptions opts;

    /* qemuSaveParseOptions() checks the parameters of a save to a file;
     * a managed save ignores them, but not before they are checked. */
    if (!vsTypedParamListFind(params, VS_DOMAIN_SAVE_PARAM_FILE))
        return qemuSaveCheckParams(params, error) &&
               qemuSaveManagedSave(driver, uuid, flags, error);

    if (!qemuSaveParseOptions(params, flags, cfg->saveImageFormat,
                              cfg->saveParallelChannels, &opts, error))
        return FALSE;
    return qemuSaveRun(driver, uuid, &opts, error);
}


/**
 * qemuSaveManagedSave:
 * @driver: the driver
 * @uuid: a persistent, running domain
 * @flags: vsDomainSaveRestoreFlags
 * @error: return location for a #GError
 *
 * Saves to <saveDir>/<name>.save in the configured format with one
 * channel; the next start restores it.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveManagedSave(qemuDriver *driver,
                    const unsigned char *uuid,
                    unsigned int flags,
                    GError **error)
{
    const qemuDriverConfig *cfg = driver->config;
    qemuSaveOptions opts;

    if (cfg->autoSaveBypassCache)
        flags |= VS_DOMAIN_SAVE_BYPASS_CACHE;
    if (!qemuSaveParseOptions(NULL, flags, cfg->saveImageFormat, 1,
                              &opts, error))
        return FALSE;
    return qemuSaveRun(driver, uuid, &opts, error);
}


/* ---- job statistics and abort ------------------------------------- */

/* Ask QEMU for the progress of a running save or restore. */
static void
qemuSaveRefreshJobStats(qemuDomainObj *vm)
{
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitor *mon;
    gint64 started = vm->job.started;
    gboolean ok;

    if (!vm->mon || vm->exited)
        return;
    mon = qemuMonitorRef(vm->mon);
    qemuDomainObjUnlock(vm);
    ok = qemuMonitorQueryMigrate(mon, &stats, NULL);
    qemuMonitorUnref(mon);
    qemuDomainObjLock(vm);

    /* The job may have ended while the lock was dropped. */
    if (ok && vm->job.current && vm->job.started == started &&
        stats.status != QEMU_MONITOR_MIGRATION_STATUS_NONE)
        qemuDomainJobInfoUpdate(vm->job.current, &stats);
    qemuMonitorMigrationStatsClear(&stats);
}


/**
 * qemuSaveGetJobStats:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainGetJobStatsFlags
 * @type: return location for a vsDomainJobType
 * @params: return location for the statistics (transfer full)
 * @error: return location for a #GError
 *
 * The running save, restore or start, with fresh counters from QEMU; or
 * with COMPLETED the statistics of the last finished one (forgotten
 * after this call unless KEEP_COMPLETED).
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveGetJobStats(qemuDriver *driver,
                    const unsigned char *uuid,
                    unsigned int flags,
                    int *type,
                    vsTypedParamList **params,
                    GError **error)
{
    qemuDomainObj *vm;
    unsigned int known = VS_DOMAIN_JOB_STATS_COMPLETED |
                         VS_DOMAIN_JOB_STATS_KEEP_COMPLETED;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, known, G_STRFUNC, error))
        return FALSE;
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;

    if (flags & VS_DOMAIN_JOB_STATS_COMPLETED) {
        if (vm->job.completed) {
            *type = vm->job.completed->type;
            *params = qemuDomainJobInfoToParams(vm->job.completed);
            if (!(flags & VS_DOMAIN_JOB_STATS_KEEP_COMPLETED))
                g_clear_pointer(&vm->job.completed, qemuDomainJobInfoFree);
        } else {
            *type = VS_DOMAIN_JOB_NONE;
            *params = vsTypedParamListNew();
        }
        qemuDomainObjEndAPI(&vm);
        return TRUE;
    }

    /* An incoming QEMU counts nothing and answers no command while it
     * loads: a restore's progress comes from its read counter. */
    if (vm->job.kind == QEMU_JOB_ASYNC && vm->job.current &&
        vm->job.operation == VS_DOMAIN_JOB_OPERATION_SAVE)
        qemuSaveRefreshJobStats(vm);
    qemuRestoreProgressUpdate(vm);

    if (vm->job.kind == QEMU_JOB_ASYNC && vm->job.current) {
        *type = vm->job.current->type;
        *params = qemuDomainJobInfoToParams(vm->job.current);
    } else {
        *type = VS_DOMAIN_JOB_NONE;
        *params = vsTypedParamListNew();
    }
    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuSaveAbortJob:
 * @driver: the driver
 * @uuid: the domain
 * @flags: none supported
 * @error: return location for a #GError
 *
 * Asks a running save (or restore) to stop: migrate_cancel; the save
 * then fails with "operation aborted" and the guest runs again.
 *
 * Returns: TRUE once the request is delivered, FALSE with @error set.
 */
gboolean
qemuSaveAbortJob(qemuDriver *driver,
                 const unsigned char *uuid,
                 unsigned int flags,
                 GError **error)
{
    qemuDomainObj *vm;
    gboolean ok;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, 0, G_STRFUNC, error))
        return FALSE;
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    ok = qemuDomainObjCheckActive(vm, error) &&
         qemuDomainJobRequestAbort(vm, error);
    qemuDomainObjEndAPI(&vm);
    return ok;
}
