/*
 * qemu_lazyrestore.c: restoring a sparse image with the guest's RAM
 * mapped copy-on-write from the image
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A sparse (mapped-ram) image holds the main RAM block as a plain,
 * page-aligned copy of guest memory. Instead of letting QEMU read it,
 * the lazy mode gives QEMU that region as the RAM backend (a private
 * mapping: the guest's writes stay in QEMU) and a copy of the stream in
 * which the block's bitmap is all zero, so the incoming migration loads
 * device state and the small blocks only. QEMU checks none of what
 * makes this safe, so this file does: the block's length against the
 * backend's, alignment, and that no data lies where the bitmap says a
 * page is absent (a mapping would show it to the guest instead of
 * zeros). See docs/save-restore.md.
 */

#include <config.h>

#include "qemu_lazyrestore.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.lazyrestore");

/* Unit of the stream copy and of the warm-up's readahead. */
#define QEMU_LAZY_COPY_CHUNK (1024 * 1024)
#define QEMU_LAZY_WARM_CHUNK (8 * 1024 * 1024)

/* Pause between two warm-up chunks, so that the warm-up never takes the
 * disk away from the guest for long: at most ~8 MiB per 2 ms burst. */
#define QEMU_LAZY_WARM_PAUSE_US 2000


/**
 * qemuLazyRestoreFree:
 * @lazy: (nullable) a prepared lazy restore
 *
 * Closes its descriptors and frees it.
 */
void
qemuLazyRestoreFree(qemuLazyRestore *lazy)
{
    if (!lazy)
        return;
    vsFdClose(&lazy->imageFd);
    vsFdClose(&lazy->streamFd);
    g_free(lazy);
}


/**
 * qemuLazyRestoreCheckDomain:
 * @def: the definition the image will run
 * @error: return location for a #GError
 *
 * A private file mapping is only safe while QEMU never gives a page back
 * to the host: a page dropped from it reads back the saved data, not
 * zeros. A memory balloon does exactly that. Hugepage and shared memory
 * backends cannot be described in virtsave's domain XML, so the RAM is
 * always ordinary anonymous memory when not mapped from the image.
 *
 * Returns: TRUE if @def can run on a mapped image, else FALSE with
 * @error set.
 */
gboolean
qemuLazyRestoreCheckDomain(const vsDomainDef *def,
                           GError **error)
{
    if (def->memballoon.model == VS_DOMAIN_MEMBALLOON_VIRTIO) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("domain '%s' has a memory balloon: pages it returns to the host would read back the saved data in a mapped image"),
                    def->name);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuLazyRestoreCheckBlock:
 * @blk: the main RAM block of the stream
 * @fileSize: size of the image
 * @memoryBytes: size of the memory backend QEMU will be given
 * @error: return location for a #GError
 *
 * QEMU's mapped-ram load does not compare the block's length with the
 * backend's size: a smaller backend "loads" and the guest runs on wrong
 * memory. The mapping also needs host-page alignment inside the file.
 *
 * Returns: TRUE if @blk can be mapped as the backend, else FALSE with
 * @error set.
 */
gboolean
qemuLazyRestoreCheckBlock(const qemuSaveRamBlock *blk,
                          uint64_t fileSize,
                          uint64_t memoryBytes,
                          GError **error)
{
    uint64_t hostPage = sysconf(_SC_PAGESIZE);

    if (blk->usedLength != memoryBytes) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("RAM block '%s' holds %llu bytes but the domain has %llu bytes of memory"),
                    blk->idstr, (unsigned long long) blk->usedLength,
                    (unsigned long long) memoryBytes);
        return FALSE;
    }
    if (blk->pageSize != hostPage || blk->pagesOffset % hostPage != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("pages of RAM block '%s' (page size %llu, offset %llu) are not aligned to the host page size %llu"),
                    blk->idstr, (unsigned long long) blk->pageSize,
                    (unsigned long long) blk->pagesOffset,
                    (unsigned long long) hostPage);
        return FALSE;
    }
    if (blk->pagesOffset > fileSize ||
        blk->usedLength > fileSize - blk->pagesOffset) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: pages of RAM block '%s' end at offset %llu but the file has %llu bytes"),
                    blk->idstr,
                    (unsigned long long) (blk->pagesOffset + blk->usedLength),
                    (unsigned long long) fileSize);
        return FALSE;
    }
    return TRUE;
}


/* The main RAM block of @report. */
static const qemuSaveRamBlock *
qemuLazyRestoreFindBlock(const qemuSaveMappedRamReport *report,
                         GError **error)
{
    size_t i;

    for (i = 0; i < report->nblocks; i++) {
        if (g_str_equal(report->blocks[i].idstr, QEMU_LAZY_RESTORE_RAM_BLOCK))
            return &report->blocks[i];
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("the QEMU stream has no RAM block '%s'"),
                QEMU_LAZY_RESTORE_RAM_BLOCK);
    return NULL;
}


/* 1 if the page at @offset reads as zeros, 0 if not, -1 on error. */
static int
qemuLazyRestorePageIsZero(int fd,
                          uint64_t offset,
                          uint64_t pageSize,
                          GError **error)
{
    g_autofree uint8_t *buf = g_malloc(pageSize);
    uint64_t i;

    if (!vsFilePreadFull(fd, buf, pageSize, offset, error))
        return -1;
    for (i = 0; i < pageSize; i++) {
        if (buf[i] != 0)
            return 0;
    }
    return 1;
}


/* Each absent page inside the data extent [@start, @end) of the page
 * area must read as zeros. */
static gboolean
qemuLazyRestoreCheckExtent(int fd,
                           const qemuSaveRamBlock *blk,
                           const uint8_t *bitmap,
                           uint64_t start,
                           uint64_t end,
                           GError **error)
{
    uint64_t first = (start - blk->pagesOffset) / blk->pageSize;
    uint64_t last = (end - blk->pagesOffset - 1) / blk->pageSize;
    uint64_t page;
    int zero;

    for (page = first; page <= last; page++) {
        uint64_t offset = blk->pagesOffset + page * blk->pageSize;

        if ((bitmap[page / 8] >> (page % 8)) & 1)
            continue;
        if ((zero = qemuLazyRestorePageIsZero(fd, offset, blk->pageSize,
                                              error)) < 0)
            return FALSE;
        if (zero == 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("page %llu of RAM block '%s' at offset %llu is absent from the bitmap but holds stale data"),
                        (unsigned long long) page, blk->idstr,
                        (unsigned long long) offset);
            return FALSE;
        }
    }
    return TRUE;
}


/* The next data extent of @fd in [@pos, @end): TRUE with *@start and
 * *@stop set, FALSE at the end (*@done) or on error. Without SEEK_DATA
 * support the whole range counts as data. */
static gboolean
qemuLazyRestoreNextData(int fd,
                        uint64_t pos,
                        uint64_t end,
                        uint64_t *start,
                        uint64_t *stop,
                        gboolean *done,
                        GError **error)
{
    off_t data;
    off_t hole;

    *done = FALSE;
    if (pos >= end) {
        *done = TRUE;
        return FALSE;
    }
    if ((data = lseek(fd, pos, SEEK_DATA)) < 0) {
        if (errno == ENXIO) {
            *done = TRUE;
            return FALSE;
        }
        if (errno != EINVAL) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_READ_FAILED, errno,
                            _("cannot look for data in the save image"));
            return FALSE;
        }
        data = pos;
        hole = end;
    } else if ((hole = lseek(fd, data, SEEK_HOLE)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_READ_FAILED, errno,
                        _("cannot look for holes in the save image"));
        return FALSE;
    }
    if ((uint64_t) data >= end) {
        *done = TRUE;
        return FALSE;
    }
    *start = data;
    *stop = MIN((uint64_t) hole, end);
    return TRUE;
}


/* No data extent of the page area may hold a page the bitmap marks
 * absent: QEMU would have left it zero, a mapping shows its bytes. */
static gboolean
qemuLazyRestoreCheckStale(int fd,
                          const qemuSaveRamBlock *blk,
                          const uint8_t *bitmap,
                          GError **error)
{
    uint64_t end = blk->pagesOffset + blk->usedLength;
    uint64_t pos = blk->pagesOffset;
    uint64_t start;
    uint64_t stop;
    gboolean done;

    while (qemuLazyRestoreNextData(fd, pos, end, &start, &stop, &done,
                                   error)) {
        if (!qemuLazyRestoreCheckExtent(fd, blk, bitmap, start, stop, error))
            return FALSE;
        pos = stop;
    }
    return done;
}


/* Copy the data extents of [@start, @end) from @src to @dst at the same
 * offsets; holes stay holes. */
static gboolean
qemuLazyRestoreCopyRange(int src,
                         int dst,
                         uint64_t start,
                         uint64_t end,
                         uint64_t *copied,
                         GError **error)
{
    g_autofree uint8_t *buf = g_malloc(QEMU_LAZY_COPY_CHUNK);
    uint64_t pos = start;
    uint64_t from;
    uint64_t to;
    gboolean done;

    while (qemuLazyRestoreNextData(src, pos, end, &from, &to, &done,
                                   error)) {
        while (from < to) {
            size_t len = MIN(to - from, QEMU_LAZY_COPY_CHUNK);

            if (!vsFilePreadFull(src, buf, len, from, error) ||
                !vsFilePwriteFull(dst, buf, len, from, error))
                return FALSE;
            from += len;
            *copied += len;
        }
        pos = to;
    }
    return done;
}


/* A read-only descriptor of @fd's file: QEMU looks in the fdset for one
 * whose access mode is O_RDONLY, and a memfd is created read-write. */
static int
qemuLazyRestoreReopenReadOnly(int fd,
                              GError **error)
{
    g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);

    return vsFileOpen(path, O_RDONLY | O_CLOEXEC, 0, error);
}


/* A memfd as large as the image holding its QEMU stream except the
 * mapped block's bitmap (left zero: no page to load) and pages. */
static int
qemuLazyRestoreBuildStream(int fd,
                           uint64_t streamStart,
                           uint64_t fileSize,
                           const qemuSaveRamBlock *blk,
                           uint64_t *copied,
                           GError **error)
{
    uint64_t bitmapEnd = blk->bitmapOffset +
        (blk->usedLength / blk->pageSize + 7) / 8;
    VS_AUTOCLOSE int mfd = -1;

    if ((mfd = memfd_create("virtsave-restore-stream", MFD_CLOEXEC)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot create the stream copy"));
        return -1;
    }
    if (ftruncate(mfd, fileSize) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot size the stream copy"));
        return -1;
    }
    *copied = 0;
    if (!qemuLazyRestoreCopyRange(fd, mfd, streamStart, blk->bitmapOffset,
                                  copied, error) ||
        !qemuLazyRestoreCopyRange(fd, mfd, bitmapEnd, blk->pagesOffset,
                                  copied, error) ||
        !qemuLazyRestoreCopyRange(fd, mfd, blk->pagesOffset + blk->usedLength,
                                  fileSize, copied, error))
        return -1;
    return qemuLazyRestoreReopenReadOnly(mfd, error);
}


/* A second descriptor of @path that must be the inode @fd has open: the
 * checks and the mapping must see the same file. */
static int
qemuLazyRestoreReopen(const char *path,
                      int fd,
                      GError **error)
{
    VS_AUTOCLOSE int nfd = -1;
    struct stat a;
    struct stat b;

    if ((nfd = vsFileOpen(path, O_RDONLY | O_CLOEXEC, 0, error)) < 0)
        return -1;
    if (fstat(fd, &a) < 0 || fstat(nfd, &b) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot stat the save image"));
        return -1;
    }
    if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("the save image was replaced while it was being restored"));
        return -1;
    }
    return vsFdSteal(&nfd);
}


/* The bitmap of @blk, one bit per page. */
static uint8_t *
qemuLazyRestoreReadBitmap(int fd,
                          const qemuSaveRamBlock *blk,
                          GError **error)
{
    size_t bytes = (blk->usedLength / blk->pageSize + 7) / 8;
    g_autofree uint8_t *bitmap = g_malloc(bytes);

    if (!vsFilePreadFull(fd, bitmap, bytes, blk->bitmapOffset, error))
        return NULL;
    return g_steal_pointer(&bitmap);
}


/**
 * qemuLazyRestorePrepare:
 * @path: the image
 * @fd: the image, opened and checked by the restore
 * @hdr: its header
 * @fileSize: its size
 * @def: the definition the image will run
 * @error: return location for a #GError
 *
 * Makes every check a lazy restore of @path needs and builds the stream
 * copy QEMU loads from. Nothing is changed on failure, so the caller can
 * still restore eagerly.
 *
 * Returns: (transfer full) the prepared restore, or NULL with @error set
 * (naming why the image cannot be mapped).
 */
qemuLazyRestore *
qemuLazyRestorePrepare(const char *path,
                       int fd,
                       const qemuSaveHeader *hdr,
                       uint64_t fileSize,
                       const vsDomainDef *def,
                       GError **error)
{
    g_autoptr(qemuLazyRestore) lazy = g_new0(qemuLazyRestore, 1);
    g_autoptr(qemuSaveMappedRamReport) report = NULL;
    g_autofree uint8_t *bitmap = NULL;
    const qemuSaveRamBlock *blk;
    gint64 begin = g_get_monotonic_time();

    lazy->imageFd = -1;
    lazy->streamFd = -1;
    if (!qemuLazyRestoreCheckDomain(def, error) ||
        (lazy->imageFd = qemuLazyRestoreReopen(path, fd, error)) < 0 ||
        !qemuSaveImageCheckMappedRam(lazy->imageFd, hdr, fileSize, &report,
                                     error) ||
        !(blk = qemuLazyRestoreFindBlock(report, error)) ||
        !qemuLazyRestoreCheckBlock(blk, fileSize, def->maxMemory * 1024,
                                   error) ||
        !(bitmap = qemuLazyRestoreReadBitmap(lazy->imageFd, blk, error)) ||
        !qemuLazyRestoreCheckStale(lazy->imageFd, blk, bitmap, error) ||
        (lazy->streamFd = qemuLazyRestoreBuildStream(
             lazy->imageFd, qemuSaveImageDataOffset(hdr), fileSize, blk,
             &lazy->copied, error)) < 0)
        return NULL;

    lazy->pagesOffset = blk->pagesOffset;
    lazy->size = blk->usedLength;
    VS_INFO("lazy restore of '%s': block %s of %llu bytes at offset %llu, %llu pages present, stream copy %llu bytes, prepared in %lld us",
            path, blk->idstr, (unsigned long long) lazy->size,
            (unsigned long long) lazy->pagesOffset,
            (unsigned long long) blk->pagesPresent,
            (unsigned long long) lazy->copied,
            (long long) (g_get_monotonic_time() - begin));
    return g_steal_pointer(&lazy);
}


typedef struct {
    int fd;
    uint64_t start;
    uint64_t end;
    qemuDomainObj *vm;          /* a reference */
    pid_t pid;                  /* the QEMU the pages are for */
    gint64 jobStarted;          /* identifies the restore's job info */
} qemuLazyRestoreWarm;


/* Publish the warm-up's progress in the restore's job statistics, as
 * memory processed; FALSE once the QEMU it warms for is gone. */
static gboolean
qemuLazyRestoreWarmReport(qemuLazyRestoreWarm *warm,
                          uint64_t done)
{
    qemuDomainObj *vm = warm->vm;
    qemuDomainJobInfo *info;
    gboolean alive;

    qemuDomainObjLock(vm);
    alive = qemuDomainObjIsActive(vm) && vm->pid == warm->pid;
    info = vm->job.current ? vm->job.current : vm->job.completed;
    if (info && info->started == warm->jobStarted &&
        info->operation == VS_DOMAIN_JOB_OPERATION_RESTORE) {
        info->memProcessed = done;
        info->memRemaining = warm->end - warm->start - MIN(done, warm->end -
                                                               warm->start);
    }
    qemuDomainObjUnlock(vm);
    return alive;
}


static gpointer
qemuLazyRestoreWarmThread(gpointer opaque)
{
    qemuLazyRestoreWarm *warm = opaque;
    gint64 begin = g_get_monotonic_time();
    uint64_t pos = warm->start;
    uint64_t from;
    uint64_t to;
    gboolean end = FALSE;

    while (qemuLazyRestoreNextData(warm->fd, pos, warm->end, &from, &to,
                                   &end, NULL)) {
        to = MIN(to, from + QEMU_LAZY_WARM_CHUNK);
        if (readahead(warm->fd, from, to - from) < 0)
            break;
        pos = to;
        if (!qemuLazyRestoreWarmReport(warm, pos - warm->start))
            break;
        g_usleep(QEMU_LAZY_WARM_PAUSE_US);
    }
    if (end)
        qemuLazyRestoreWarmReport(warm, warm->end - warm->start);
    VS_INFO("domain '%s': warm-up %s at offset %llu of the page area after %lld ms",
            warm->vm->name, end ? "completed" : "stopped",
            (unsigned long long) (pos - warm->start),
            (long long) (g_get_monotonic_time() - begin) / 1000);
    vsFdClose(&warm->fd);
    qemuDomainObjUnref(warm->vm);
    g_free(warm);
    return NULL;
}


/**
 * qemuLazyRestoreWarmUp:
 * @lazy: a lazy restore whose QEMU has loaded the stream
 * @vm: its domain, locked, with the restore job still current
 *
 * Brings the image's pages into the page cache from a thread of its own,
 * in bounded chunks with pauses in between, so that the guest's first
 * touch of a page is a minor fault rather than a disk read. Progress
 * shows in the restore's job statistics (memory processed/remaining,
 * also once the job has completed). Best effort: a failure, or QEMU's
 * end, only ends the warm-up early.
 */
void
qemuLazyRestoreWarmUp(const qemuLazyRestore *lazy,
                      qemuDomainObj *vm)
{
    qemuLazyRestoreWarm *warm = g_new0(qemuLazyRestoreWarm, 1);
    GThread *thread;

    if ((warm->fd = fcntl(lazy->imageFd, F_DUPFD_CLOEXEC, 0)) < 0) {
        VS_WARN("domain '%s': no warm-up of the mapped image: %s",
                vm->name, g_strerror(errno));
        g_free(warm);
        return;
    }
    warm->start = lazy->pagesOffset;
    warm->end = lazy->pagesOffset + lazy->size;
    warm->vm = qemuDomainObjRef(vm);
    warm->pid = vm->pid;
    warm->jobStarted = vm->job.current ? vm->job.current->started : -1;
    thread = g_thread_new("lazy-warm-up", qemuLazyRestoreWarmThread, warm);
    g_thread_unref(thread);
}
