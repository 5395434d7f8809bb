/*
 * qemu_restore.c: restoring a domain from a save image, managed save
 * images, and editing the XML inside an image
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything about an image is checked before QEMU sees it: header,
 * XML, the payload's magic, the end of the stream, and for the sparse
 * format every RAM block's page area, because QEMU trusts those offsets
 * and crashes on a truncated file. See docs/save-restore.md.
 */

#include <config.h>

#include "qemu_save.h"
#include "qemu_savepriv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_channels.h"
#include "qemu_iohelper.h"
#include "qemu_lazyrestore.h"
#include "qemu_process.h"
#include "qemu_restoreprogress.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsuuid.h"

VS_LOG_INIT("qemu.restore");

#define QEMU_RESTORE_JOB_NAME _("domain restore")

/* How often a waiting restore looks for progress when no event came. */
#define QEMU_RESTORE_POLL_MS 1000

/* How long a failed restore waits for the I/O helper to end by itself:
 * it does as soon as QEMU has closed the pipe, so this only bounds a
 * helper that is stuck on its disk. */
#define QEMU_RESTORE_HELPER_GRACE_MS 5000


/* An opened, validated image and the definition to run it with. */
typedef struct _qemuRestoreImage qemuRestoreImage;
struct _qemuRestoreImage {
    qemuSaveImage file;
    vsDomainDef *def;           /* to run: the image's, or dxml's */
};


static void
qemuRestoreImageClear(qemuRestoreImage *img)
{
    qemuSaveImageClear(&img->file);
    g_clear_pointer(&img->def, vsDomainDefFree);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuRestoreImage, qemuRestoreImageClear);


/* Open @path, run every check of the image (qemuSaveImageVerify), apply
 * @dxml. Errors name @path. */
static gboolean
qemuRestoreOpenImage(const char *path,
                     const char *dxml,
                     qemuRestoreImage *img,
                     GError **error)
{
    g_autoptr(vsDomainDef) newdef = NULL;

    if (!qemuSaveImageOpen(path, 0, &img->file, NULL, NULL, error)) {
        if (img->file.fd >= 0)
            g_prefix_error(error, _("cannot restore from '%s': "), path);
        return FALSE;
    }
    if (!qemuSaveImageVerify(&img->file, &img->def, NULL, NULL, error)) {
        g_prefix_error(error, _("cannot restore from '%s': "), path);
        return FALSE;
    }

    if (dxml) {
        if (!(newdef = vsDomainDefParseString(dxml,
                                              VS_DOMAIN_DEF_PARSE_INACTIVE,
                                              error)) ||
            !vsDomainDefCheckABIStability(img->def, newdef, error))
            return FALSE;
        vsDomainDefFree(img->def);
        img->def = g_steal_pointer(&newdef);
    }
    return TRUE;
}


/* Whether the engine and QEMU can load @img as @opts asks, and how the
 * stream goes (@opts->viaHelper). The image itself passed
 * qemuSaveImageVerify(). Before QEMU starts. */
static gboolean
qemuRestoreCheckImage(qemuDriver *driver,
                      const qemuRestoreImage *img,
                      qemuSaveOptions *opts,
                      GError **error)
{
    g_autoptr(qemuCaps) caps = NULL;
    g_autofree char *binary = NULL;
    qemuSaveFormat format = img->file.hdr.format;

    if (opts->channels > 0 && format != QEMU_SAVE_FORMAT_SPARSE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("Parallel save is only supported with the 'sparse' save image format"));
        return FALSE;
    }
    if (!qemuSaveCheckFormat(format, opts->bypassCache, error))
        return FALSE;
    opts->viaHelper = qemuIOHelperNeeded(format, opts->bypassCache);

    /* The binary this restore will run: the image's <emulator>, if any. */
    if (!(binary = qemuProcessFindEmulator(driver, img->def, error)) ||
        !(caps = qemuCapsCacheLookup(driver->caps, binary, error)))
        return FALSE;
    return qemuSaveCheckQemuCaps(caps, format, opts->bypassCache, error);
}


/* Wait for the incoming migration to end. Events wake us; a load that
 * shows no progress (no event, no bytes read) for
 * QEMU_SAVE_RESTORE_STALL_MS fails, as does QEMU's death or an abort. */
static gboolean
qemuRestoreWait(qemuDomainObj *vm,
                GError **error)
{
    unsigned long long seq = vm->eventSeq;
    unsigned long long bytes = qemuRestoreProgressReadBytes(vm->pid);
    gint64 progress = g_get_monotonic_time();
    gint64 now;

    while (!qemuMonitorMigrationStatusIsFinal(vm->migrationStatus)) {
        if (!qemuDomainObjCheckAlive(vm, error) ||
            !qemuDomainJobCheckAbort(vm, QEMU_RESTORE_JOB_NAME, error))
            return FALSE;

        now = g_get_monotonic_time();
        qemuDomainObjWait(vm, now + QEMU_RESTORE_POLL_MS *
                          G_TIME_SPAN_MILLISECOND);
        now = g_get_monotonic_time();

        if (vm->eventSeq != seq ||
            qemuRestoreProgressReadBytes(vm->pid) != bytes) {
            seq = vm->eventSeq;
            bytes = qemuRestoreProgressReadBytes(vm->pid);
            progress = now;
        } else if (now - progress >
                   QEMU_SAVE_RESTORE_STALL_MS * G_TIME_SPAN_MILLISECOND) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("job '%s' failed: QEMU made no progress loading the image for %d seconds"),
                        QEMU_RESTORE_JOB_NAME,
                        QEMU_SAVE_RESTORE_STALL_MS / 1000);
            return FALSE;
        }
    }

    if (vm->migrationStatus != QEMU_MONITOR_MIGRATION_STATUS_COMPLETED) {
        g_autofree char *desc = qemuSaveMigrationError(vm);

        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("job '%s' failed: %s"), QEMU_RESTORE_JOB_NAME,
                    desc ? desc : _("QEMU could not load the image"));
        return FALSE;
    }
    return TRUE;
}


/* Feed the image to the QEMU that was started with -incoming defer. */
static gboolean
qemuRestoreLoad(qemuDomainObj *vm,
                const qemuRestoreImage *img,
                unsigned int channels,
                gboolean directIO,
                GError **error)
{
    gboolean sparse = img->file.hdr.format == QEMU_SAVE_FORMAT_SPARSE;
    qemuMonitorMigrationParams saved;
    g_autofree char *uri = NULL;
    qemuMonitor *mon;
    gboolean ok;

    if (!qemuSaveSetupMigration(vm, sparse, channels, directIO, FALSE,
                                &saved, error))
        return FALSE;

    uri = qemuSaveBuildURI(QEMU_SAVE_RESTORE_FDSET,
                           qemuSaveImageDataOffset(&img->file.hdr));
    VS_INFO("domain '%s': restoring from '%s' (%s, %u channel(s)%s) via %s",
            vm->name, img->file.path, qemuSaveFormatTypeToString(img->file.hdr.format),
            channels, directIO ? ", direct I/O" : "", uri);

    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    qemuRestoreProgressBegin(vm, img->file.fd, qemuSaveImageDataOffset(&img->file.hdr));
    if (vm->job.current && sparse)
        vm->job.current->channels = channels;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorMigrateIncoming(mon, uri, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok || !qemuRestoreWait(vm, error))
        return FALSE;

    /* QEMU would otherwise keep the image open for its whole life. */
    qemuSaveRemoveFdset(vm, QEMU_SAVE_RESTORE_FDSET);
    qemuSaveResetMigration(vm, &saved);
    return TRUE;
}


/* Stream formats: the helper reads (and decompresses) the file into a
 * pipe that QEMU loads from. */
static gboolean
qemuRestoreLoadPipe(qemuDomainObj *vm,
                    const qemuRestoreImage *img,
                    gboolean direct,
                    GError **error)
{
    g_autoptr(qemuIOHelper) helper = NULL;
    g_autoptr(GError) herr = NULL;
    VS_AUTOCLOSE int pipeFd = -1;
    qemuMonitorMigrationParams saved;
    qemuMonitor *mon;
    gboolean ok;

    if (!qemuSaveSetupMigration(vm, FALSE, 1, FALSE, FALSE, &saved, error))
        return FALSE;
    if (!(helper = qemuIOHelperStartRead(img->file.path, img->file.fd,
                                         qemuSaveImageDataOffset(&img->file.hdr),
                                         direct, img->file.hdr.format, &pipeFd,
                                         error)))
        return FALSE;

    VS_INFO("domain '%s': restoring from '%s' (%s%s) through the I/O helper",
            vm->name, img->file.path, qemuSaveFormatTypeToString(img->file.hdr.format),
            direct ? ", direct I/O" : "");
    vm->migrationStatus = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorGetFd(mon, "migrate", pipeFd, error);
    vsFdClose(&pipeFd);
    ok = ok && qemuMonitorMigrateIncoming(mon, "fd:migrate", error);
    qemuDomainObjExitMonitor(vm, mon);

    if (ok && qemuRestoreWait(vm, error)) {
        qemuDomainObjUnlock(vm);
        ok = qemuIOHelperFinish(helper, 30000, error);
        qemuDomainObjLock(vm);
        if (ok)
            qemuSaveResetMigration(vm, &saved);
        return ok;
    }

    /* The helper ends by itself once QEMU has closed its end of the pipe
     * or the image's stream has ended. A helper that failed on its own
     * (a corrupt or cut compressed stream, a read error) explains QEMU's
     * failure better than QEMU does; one that only saw QEMU go away
     * (VS_ERR_OPERATION_ABORTED), or had to be killed after the grace
     * period (VS_ERR_OPERATION_TIMEOUT), leaves QEMU's reason. */
    qemuDomainObjUnlock(vm);
    ok = qemuIOHelperFinish(helper, QEMU_RESTORE_HELPER_GRACE_MS, &herr);
    qemuDomainObjLock(vm);
    if (!ok &&
        !g_error_matches(herr, VS_ERROR_QEMU, VS_ERR_OPERATION_ABORTED) &&
        !g_error_matches(herr, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT)) {
        g_clear_error(error);
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("job '%s' failed: %s"), QEMU_RESTORE_JOB_NAME,
                    herr->message);
    }
    return FALSE;
}


/* The lazy restore @img gets, if any: *@lazy stays NULL for an eager
 * one. Lazy comes from the call's "virtsave.restore_mode" or else from
 * qemu.conf; an image or domain that cannot be mapped falls back to an
 * eager restore with the reason logged, unless the call asked for lazy
 * by name, which then fails. */
static gboolean
qemuRestorePrepareLazy(qemuDriver *driver,
                       const qemuRestoreImage *img,
                       const qemuSaveOptions *opts,
                       qemuLazyRestore **lazy,
                       GError **error)
{
    g_autoptr(GError) err = NULL;
    int mode = opts->restoreMode >= 0 ? opts->restoreMode :
        (int) driver->config->restoreMode;

    *lazy = NULL;
    if (mode != QEMU_RESTORE_MODE_LAZY)
        return TRUE;
    if (img->file.hdr.format != QEMU_SAVE_FORMAT_SPARSE) {
        g_set_error(&err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("only images in the 'sparse' format can be mapped"));
    } else {
        *lazy = qemuLazyRestorePrepare(img->file.path, img->file.fd, &img->file.hdr,
                                       img->file.size, img->def, &err);
    }
    if (*lazy)
        return TRUE;

    if (opts->restoreMode == QEMU_RESTORE_MODE_LAZY) {
        g_propagate_prefixed_error(error, g_steal_pointer(&err),
                                   _("cannot restore '%s' lazily: "),
                                   img->file.path);
        return FALSE;
    }
    VS_WARN("domain '%s': restoring '%s' eagerly instead of lazily: %s",
            img->def->name, img->file.path, err->message);
    return TRUE;
}


/* Hand QEMU the stream copy instead of the image, and the image to map:
 * by its descriptor, so QEMU maps the very inode that was checked even
 * if the path changes meanwhile. */
static void
qemuRestoreSetupLazy(const qemuLazyRestore *lazy,
                     qemuProcessFd *fds,
                     qemuProcessStartOpts *start)
{
    fds[0].fd = lazy->streamFd;
    start->nfds = 1;
    start->mapRam = TRUE;
    start->ramFd = lazy->imageFd;
    start->ramOffset = lazy->pagesOffset;
}


/* Start the vCPUs, or leave the domain paused. */
static gboolean
qemuRestoreResume(qemuDomainObj *vm,
                  gboolean running,
                  GError **error)
{
    qemuMonitor *mon;
    gboolean ok;

    if (!running) {
        qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                              VS_DOMAIN_PAUSED_MIGRATION);
        return TRUE;
    }
    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorCont(mon, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING, VS_DOMAIN_RUNNING_RESTORED);
    return TRUE;
}


/* After an eager restore: the image was read in full. */
static void
qemuRestoreFinishEager(qemuDomainObj *vm,
                       const qemuRestoreImage *img,
                       gboolean bypassCache)
{
    /* Drop what the checks and QEMU's metadata reads left cached. */
    if (bypassCache)
        posix_fadvise(img->file.fd, 0, 0, POSIX_FADV_DONTNEED);
    /* QEMU reports no counters for an incoming migration: the image was
     * read in full. */
    if (vm->job.current) {
        vm->job.current->dataTotal = img->file.size;
        vm->job.current->dataProcessed = img->file.size;
    }
}


/* After a lazy restore: QEMU read the stream copy; the pages come from
 * the mapping, warmed in the background. */
static void
qemuRestoreFinishLazy(qemuDriver *driver,
                      qemuDomainObj *vm,
                      const qemuLazyRestore *lazy)
{
    if (vm->job.current) {
        vm->job.current->dataTotal = lazy->copied;
        vm->job.current->dataProcessed = lazy->copied;
        vm->job.current->memTotal = lazy->size;
        vm->job.current->memRemaining = lazy->size;
    }
    qemuLazyRestoreWarmUp(lazy, vm, driver->config->restoreLazyDetach);
}


/* Did QEMU end by itself under a failed restore? A monitor command
 * fails with the socket's error a moment before the end of file reaches
 * the event handler: give it a second. */
static gboolean
qemuRestoreQEMUDied(qemuDomainObj *vm)
{
    gint64 deadline = g_get_monotonic_time() + G_TIME_SPAN_SECOND;

    if (!vm->exited && vm->mon && qemuMonitorIsAlive(vm->mon))
        return FALSE;
    while (!vm->exited && qemuDomainObjWait(vm, deadline))
        ;
    return vm->exited && !vm->beingDestroyed;
}


/* With @vm locked, inactive and its job owned: start QEMU on @img. On
 * failure no QEMU is left. */
static gboolean
qemuRestoreRun(qemuDriver *driver,
               qemuDomainObj *vm,
               const qemuRestoreImage *img,
               const qemuSaveOptions *opts,
               GError **error)
{
    VS_AUTOCLOSE int directFd = -1;
    g_autoptr(qemuLazyRestore) lazy = NULL;
    qemuProcessFd fds[2] = {
        { img->file.fd, QEMU_SAVE_RESTORE_FDSET, QEMU_SAVE_FD_OPAQUE_IN },
        { -1, QEMU_SAVE_RESTORE_FDSET, QEMU_SAVE_FD_OPAQUE_IN_DIRECT },
    };
    qemuProcessStartOpts start = { 0 };
    g_autoptr(qemuIOSchedTurn) turn = NULL;
    unsigned int channels = opts->channels;
    gboolean running = img->file.hdr.wasRunning != 0;
    gboolean pipe = opts->viaHelper;
    gint64 begin = g_get_monotonic_time();

    if (!qemuDomainObjCheckInactive(vm, error) ||
        !qemuRestorePrepareLazy(driver, img, opts, &lazy, error))
        return FALSE;

    /* Only the multifd channels read with O_DIRECT; the main channel
     * needs the buffered descriptor for the unaligned stream. */
    if (opts->bypassCache && !pipe && !lazy) {
        if ((directFd = vsFileOpenRegular(img->file.path, O_RDONLY | O_DIRECT,
                                          error)) < 0)
            return FALSE;
        fds[1].fd = directFd;
    }

    /* With the cache bypassed, the buffered descriptor reads only the
     * stream's small metadata: no readahead into the page area. QEMU
     * dups the descriptor, so the advice carries over. */
    if (opts->bypassCache && !lazy)
        posix_fadvise(img->file.fd, 0, 0, POSIX_FADV_RANDOM);

    start.incomingDefer = TRUE;
    start.paused = TRUE;
    start.pausedReason = VS_DOMAIN_PAUSED_MIGRATION;
    start.fds = fds;
    start.nfds = pipe ? 0 : directFd >= 0 ? 2 : 1;
    start.def = img->def;
    start.resetNVRAM = opts->resetNVRAM;
    /* A lazy restore reads little up front and takes no turn. */
    if (lazy) {
        qemuRestoreSetupLazy(lazy, fds, &start);
        channels = 1;
    } else if (!qemuSaveWaitTurn(driver, vm, QEMU_RESTORE_JOB_NAME,
                                 img->def->maxMemory * 1024ULL, &channels,
                                 &turn, error)) {
        return FALSE;
    }

    if (!qemuProcessStart(driver, vm, &start, error))
        return FALSE;

    if (opts->running >= 0)
        running = opts->running;
    if (!(pipe ? qemuRestoreLoadPipe(vm, img, opts->bypassCache, error) :
          qemuRestoreLoad(vm, img, channels, directFd >= 0, error)) ||
        !qemuRestoreResume(vm, running, error)) {
        gboolean died = qemuRestoreQEMUDied(vm);

        qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_FAILED, 0);
        if (died) {
            g_clear_error(error);
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU exited during the restore of domain '%s': %s"),
                        vm->name, vm->lastExit ? vm->lastExit : _("exited"));
        }
        return FALSE;
    }
    if (lazy) {
        qemuRestoreFinishLazy(driver, vm, lazy);
    } else {
        qemuRestoreFinishEager(vm, img, opts->bypassCache);
    }
    VS_INFO("domain '%s': restored from '%s'%s in %" G_GINT64_FORMAT " ms",
            vm->name, img->file.path, lazy ? " lazily" : "",
            (g_get_monotonic_time() - begin) / 1000);
    return TRUE;
}


/* A second restore of the same domain fails at once and says why,
 * rather than waiting for the job slot or tripping over the first one's
 * new domain. */
static gboolean
qemuRestoreCheckNotRestoring(qemuDomainObj *vm,
                             GError **error)
{
    if (vm->job.kind == QEMU_JOB_NONE ||
        vm->job.operation != VS_DOMAIN_JOB_OPERATION_RESTORE)
        return TRUE;
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                _("a restore of domain '%s' is already running"), vm->name);
    return FALSE;
}


/* ListAdd failed: when another restore added the same domain meanwhile,
 * say so instead. */
static void
qemuRestoreExplainAddFailure(qemuDriver *driver,
                             const vsDomainDef *def,
                             GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjListFindByUUID(driver->domains, def->uuid)))
        return;
    if (g_str_equal(vm->name, def->name) &&
        !qemuRestoreCheckNotRestoring(vm, NULL)) {
        g_clear_error(error);
        qemuRestoreCheckNotRestoring(vm, error);
    }
    qemuDomainObjEndAPI(&vm);
}


/* The object to restore into: an inactive domain with the same name and
 * uuid, or a new transient one (*@created). Returned locked. */
static qemuDomainObj *
qemuRestoreGetObj(qemuDriver *driver,
                  const vsDomainDef *def,
                  gboolean *created,
                  GError **error)
{
    char uuidstr[VS_UUID_STRING_BUFLEN];
    g_autoptr(vsDomainDef) copy = NULL;
    qemuDomainObj *vm;

    *created = FALSE;
    vsUUIDFormat(def->uuid, uuidstr);
    if ((vm = qemuDomainObjListFindByUUID(driver->domains, def->uuid))) {
        if (!g_str_equal(vm->name, def->name)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("domain '%s' is already defined with uuid %s"),
                        vm->name, uuidstr);
            qemuDomainObjEndAPI(&vm);
            return NULL;
        }
        if (!qemuRestoreCheckNotRestoring(vm, error)) {
            qemuDomainObjEndAPI(&vm);
            return NULL;
        }
        return vm;
    }
    if ((vm = qemuDomainObjListFindByName(driver->domains, def->name))) {
        vsUUIDFormat(vm->uuid, uuidstr);
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain '%s' already exists with uuid %s"),
                    vm->name, uuidstr);
        qemuDomainObjEndAPI(&vm);
        return NULL;
    }

    if (!(copy = vsDomainDefCopy(def, error)))
        return NULL;
    if (!(vm = qemuDomainObjListAdd(driver->domains, driver, copy, FALSE,
                                    error))) {
        qemuRestoreExplainAddFailure(driver, def, error);
        return NULL;
    }
    g_steal_pointer(&copy);
    *created = TRUE;
    return vm;
}


/**
 * qemuSaveRestoreParams:
 * @driver: the driver
 * @params: "file", "dxml", "parallel.channels", "virtsave.restore_mode"
 * @flags: vsDomainSaveRestoreFlags
 * @error: return location for a #GError
 *
 * Restores the domain saved in "file": into its inactive persistent
 * definition when one has the same name and uuid, else as a new
 * transient domain.
 *
 * Returns: TRUE, or FALSE with @error set (no QEMU and no new domain is
 * left behind).
 */
gboolean
qemuSaveRestoreParams(qemuDriver *driver,
                      const vsTypedParamList *params,
                      unsigned int flags,
                      GError **error)
{
    g_auto(qemuRestoreImage) img = { .file = QEMU_SAVE_IMAGE_INIT };
    qemuSaveOptions opts;
    qemuDomainObj *vm;
    gboolean created;
    gboolean ok;

    if (!qemuSaveParseRestoreOptions(params, flags, &opts, error) ||
        !qemuRestoreOpenImage(opts.path, opts.dxml, &img, error) ||
        !qemuRestoreCheckImage(driver, &img, &opts, error) ||
        !(vm = qemuRestoreGetObj(driver, img.def, &created, error)))
        return FALSE;

    if (!qemuDomainJobBegin(vm, QEMU_JOB_ASYNC,
                            VS_DOMAIN_JOB_OPERATION_RESTORE, error)) {
        ok = FALSE;
    } else {
        ok = qemuRestoreRun(driver, vm, &img, &opts, error);
        qemuDomainJobSetResult(vm, ok ? VS_DOMAIN_JOB_COMPLETED :
                               VS_DOMAIN_JOB_FAILED);
        qemuDomainJobEnd(vm);
    }
    if (!ok && created && !qemuDomainObjIsActive(vm))
        qemuDomainObjListRemove(driver->domains, vm);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/* Delete a managed save image that can never be restored. */
static void
qemuRestoreDiscardManaged(qemuDomainObj *vm,
                          const char *path,
                          const char *why)
{
    VS_WARN("domain '%s': discarding managed save image '%s' (%s); the domain boots afresh",
            vm->name, path, why);
    if (unlink(path) < 0 && errno != ENOENT)
        VS_WARN("cannot remove '%s': %s", path, g_strerror(errno));
    vm->hasManagedSave = FALSE;
}


/* Whether the managed image at @path can be tried: FALSE when it is
 * incomplete or its header cannot be read (it is then discarded). */
static gboolean
qemuRestoreProbeManaged(qemuDomainObj *vm,
                        const char *path)
{
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    qemuSaveHeader hdr;

    if ((fd = vsFileOpenRegular(path, O_RDONLY, &err)) < 0)
        return TRUE;   /* the restore reports it */
    if (!qemuSaveImageReadHeader(fd, &hdr, &err)) {
        qemuRestoreDiscardManaged(vm, path, err->message);
        return FALSE;
    }
    if (!qemuSaveImageIsComplete(&hdr)) {
        qemuRestoreDiscardManaged(vm, path, _("save image is incomplete"));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuSaveRestoreManaged:
 * @driver: the driver
 * @vm: a locked, inactive domain whose START job the caller owns
 * @flags: vsDomainCreateFlags
 * @error: return location for a #GError
 *
 * See qemu_save.h.
 *
 * Returns: 1 restored, 0 boot normally, -1 with @error set.
 */
int
qemuSaveRestoreManaged(qemuDriver *driver,
                       qemuDomainObj *vm,
                       unsigned int flags,
                       GError **error)
{
    g_autofree char *path = NULL;
    g_auto(qemuRestoreImage) img = { .file = QEMU_SAVE_IMAGE_INIT };
    qemuSaveOptions opts = { 0 };

    path = qemuDriverConfigManagedSavePath(driver->config, vm->name);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        vm->hasManagedSave = FALSE;
        return 0;
    }
    if (!qemuRestoreProbeManaged(vm, path))
        return 0;

    opts.path = path;
    opts.restoreMode = -1;
    opts.running = (flags & VS_DOMAIN_START_PAUSED) ? 0 : -1;
    opts.bypassCache = (flags & VS_DOMAIN_START_BYPASS_CACHE) ||
                       driver->config->autoStartBypassCache;

    if (!qemuRestoreOpenImage(path, NULL, &img, error) ||
        !qemuRestoreCheckImage(driver, &img, &opts, error))
        return -1;
    if (memcmp(img.def->uuid, vm->uuid, VS_UUID_BUFLEN) != 0 ||
        !g_str_equal(img.def->name, vm->name)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("managed save image '%s' belongs to domain '%s', not '%s'"),
                    path, img.def->name, vm->name);
        return -1;
    }
    if (!qemuRestoreRun(driver, vm, &img, &opts, error))
        return -1;

    if (unlink(path) < 0 && errno != ENOENT)
        VS_WARN("cannot remove restored managed save image '%s': %s",
                path, g_strerror(errno));
    vm->hasManagedSave = FALSE;
    return 1;
}


/* ---- managed save images ------------------------------------------ */

/* The managed image path of the domain @uuid, which must have one. */
static char *
qemuRestoreManagedPath(qemuDriver *driver,
                       const unsigned char *uuid,
                       gboolean mustExist,
                       GError **error)
{
    qemuDomainObj *vm;
    char *path;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    path = qemuDriverConfigManagedSavePath(driver->config, vm->name);
    vm->hasManagedSave = g_file_test(path, G_FILE_TEST_EXISTS);
    if (mustExist && !vm->hasManagedSave) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("domain '%s' does not have a managed save image"),
                    vm->name);
        g_clear_pointer(&path, g_free);
    }
    qemuDomainObjEndAPI(&vm);
    return path;
}


/**
 * qemuSaveHasManagedImage:
 * @driver: the driver
 * @uuid: the domain
 * @flags: none
 * @error: return location for a #GError
 *
 * Returns: 1 if the domain has a managed save image, 0 if not, -1 with
 * @error set.
 */
int
qemuSaveHasManagedImage(qemuDriver *driver,
                        const unsigned char *uuid,
                        unsigned int flags,
                        GError **error)
{
    g_autofree char *path = NULL;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, 0, G_STRFUNC, error) ||
        !(path = qemuRestoreManagedPath(driver, uuid, FALSE, error)))
        return -1;
    return g_file_test(path, G_FILE_TEST_EXISTS) ? 1 : 0;
}


/**
 * qemuSaveManagedRemove:
 * @driver: the driver
 * @uuid: the domain
 * @flags: none
 * @error: return location for a #GError
 *
 * Deletes the domain's managed save image; none is not an error.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveManagedRemove(qemuDriver *driver,
                      const unsigned char *uuid,
                      unsigned int flags,
                      GError **error)
{
    g_autofree char *path = NULL;
    qemuDomainObj *vm;
    gboolean ok = TRUE;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, 0, G_STRFUNC, error) ||
        !(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    /* A start could be restoring the image right now. */
    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error)) {
        qemuDomainObjEndAPI(&vm);
        return FALSE;
    }
    path = qemuDriverConfigManagedSavePath(driver->config, vm->name);
    if (unlink(path) < 0 && errno != ENOENT) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot remove managed save image '%s' of domain '%s'"),
                        path, vm->name);
        ok = FALSE;
    } else {
        vm->hasManagedSave = FALSE;
    }
    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/**
 * qemuSaveManagedGetXMLDesc:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainXMLFlags (SECURE)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the XML stored in the managed save image.
 */
char *
qemuSaveManagedGetXMLDesc(qemuDriver *driver,
                          const unsigned char *uuid,
                          unsigned int flags,
                          GError **error)
{
    g_autofree char *path = NULL;

    if (!(path = qemuRestoreManagedPath(driver, uuid, TRUE, error)))
        return NULL;
    return qemuSaveImageGetXMLDesc(driver, path, flags, error);
}


/**
 * qemuSaveManagedDefineXML:
 * @driver: the driver
 * @uuid: the domain
 * @dxml: the new XML, ABI compatible with the stored one
 * @flags: vsDomainSaveRestoreFlags (RUNNING or PAUSED)
 * @error: return location for a #GError
 *
 * Returns: TRUE, or FALSE with @error set (the image is then unchanged).
 */
gboolean
qemuSaveManagedDefineXML(qemuDriver *driver,
                         const unsigned char *uuid,
                         const char *dxml,
                         unsigned int flags,
                         GError **error)
{
    g_autofree char *path = NULL;

    if (!(path = qemuRestoreManagedPath(driver, uuid, TRUE, error)))
        return FALSE;
    return qemuSaveImageDefineXML(driver, path, dxml, flags, error);
}


/* ---- the XML inside an image -------------------------------------- */

/* Header and definition of a complete image. */
static vsDomainDef *
qemuRestoreLoadImageDef(const char *path,
                        qemuSaveHeader *hdr,
                        GError **error)
{
    g_auto(qemuSaveImage) img = QEMU_SAVE_IMAGE_INIT;
    vsDomainDef *def;

    if (!qemuSaveImageOpen(path, 0, &img, NULL, NULL, error)) {
        if (img.fd >= 0)
            g_prefix_error(error, _("cannot read save image '%s': "), path);
        return NULL;
    }
    if (!(def = qemuSaveImageParseDef(&img, error))) {
        g_prefix_error(error, _("cannot read save image '%s': "), path);
        return NULL;
    }
    *hdr = img.hdr;
    return def;
}


/**
 * qemuSaveImageGetXMLDesc:
 * @driver: the driver
 * @path: a save image
 * @flags: vsDomainXMLFlags (SECURE)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the domain XML stored in @path, or NULL with
 * @error set.
 */
char *
qemuSaveImageGetXMLDesc(qemuDriver *driver G_GNUC_UNUSED,
                        const char *path,
                        unsigned int flags,
                        GError **error)
{
    g_autoptr(vsDomainDef) def = NULL;
    qemuSaveHeader hdr;
    unsigned int fmt = VS_DOMAIN_DEF_FORMAT_INACTIVE;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags, VS_DOMAIN_XML_SECURE, G_STRFUNC,
                      error) ||
        !vsFileCheckAbsolute(path, error) ||
        !(def = qemuRestoreLoadImageDef(path, &hdr, error)))
        return NULL;
    if (flags & VS_DOMAIN_XML_SECURE)
        fmt |= VS_DOMAIN_DEF_FORMAT_SECURE;
    return vsDomainDefFormat(def, -1, fmt, error);
}


/**
 * qemuSaveImageDefineXML:
 * @driver: the driver
 * @path: a save image
 * @dxml: the new XML, ABI compatible with the stored one
 * @flags: vsDomainSaveRestoreFlags (RUNNING or PAUSED)
 * @error: return location for a #GError
 *
 * Rewrites the XML in place without moving the QEMU stream.
 *
 * Returns: TRUE, or FALSE with @error set (the image is then unchanged).
 */
gboolean
qemuSaveImageDefineXML(qemuDriver *driver G_GNUC_UNUSED,
                       const char *path,
                       const char *dxml,
                       unsigned int flags,
                       GError **error)
{
    g_autoptr(vsDomainDef) olddef = NULL;
    g_autoptr(vsDomainDef) newdef = NULL;
    g_autofree char *xml = NULL;
    qemuSaveHeader hdr;
    int running = -1;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags,
                      VS_DOMAIN_SAVE_RUNNING | VS_DOMAIN_SAVE_PAUSED,
                      G_STRFUNC, error) ||
        !vsFileCheckAbsolute(path, error))
        return FALSE;
    if (!qemuSaveParseRunningFlags(flags, &running, error))
        return FALSE;

    if (!(olddef = qemuRestoreLoadImageDef(path, &hdr, error)) ||
        !(newdef = vsDomainDefParseString(dxml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                          error)) ||
        !vsDomainDefCheckABIStability(olddef, newdef, error) ||
        !(xml = vsDomainDefFormat(newdef, -1,
                                  VS_DOMAIN_DEF_FORMAT_INACTIVE |
                                  VS_DOMAIN_DEF_FORMAT_SECURE |
                                  VS_DOMAIN_DEF_FORMAT_MIGRATABLE, error)))
        return FALSE;

    if (!qemuSaveImageUpdateXML(path, xml, running, error)) {
        g_prefix_error(error, _("cannot update save image '%s': "), path);
        return FALSE;
    }
    return TRUE;
}
