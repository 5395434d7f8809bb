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
#include <json-c/json.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
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

/* The signal that announces a lease break (F_SETSIG), so that its
 * siginfo names the descriptor. */
#define QEMU_LAZY_LEASE_SIGNAL (SIGRTMIN + 3)


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


/* A private copy of the image that shares its blocks: FICLONE into an
 * unnamed file beside it (O_TMPFILE), so that no later write, truncation
 * or deletion of the image can reach a guest mapped from the copy. Only
 * file systems with reflinks (XFS, Btrfs, ...) make one; the others fail
 * here at once. Returns a read-only descriptor, or -1 with @error set. */
static int
qemuLazyRestoreClone(const char *path,
                     int fd,
                     GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    VS_AUTOCLOSE int tmp = -1;

    if ((tmp = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0 ||
        ioctl(tmp, FICLONE, fd) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                        errno, _("cannot clone '%s'"), path);
        return -1;
    }
    return qemuLazyRestoreReopenReadOnly(tmp, error);
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
    g_autoptr(GError) cloneErr = NULL;
    const qemuSaveRamBlock *blk;
    gint64 begin = g_get_monotonic_time();
    int clone;

    lazy->imageFd = -1;
    lazy->streamFd = -1;
    if (!qemuLazyRestoreCheckDomain(def, error) ||
        (lazy->imageFd = qemuLazyRestoreReopen(path, fd, error)) < 0)
        return NULL;
    /* The checks below then look at the very blocks the guest gets. */
    if ((clone = qemuLazyRestoreClone(path, lazy->imageFd, &cloneErr)) >= 0) {
        vsFdClose(&lazy->imageFd);
        lazy->imageFd = clone;
        lazy->cloned = TRUE;
    } else {
        VS_DEBUG("lazy restore of '%s' maps the image itself: %s", path,
                 cloneErr->message);
    }
    if (!qemuSaveImageCheckMappedRam(lazy->imageFd, hdr, fileSize, &report,
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
    VS_INFO("lazy restore of '%s': block %s of %llu bytes at offset %llu, %llu pages present, stream copy %llu bytes, %s, prepared in %lld us",
            path, blk->idstr, (unsigned long long) lazy->size,
            (unsigned long long) lazy->pagesOffset,
            (unsigned long long) blk->pagesPresent,
            (unsigned long long) lazy->copied,
            lazy->cloned ? "mapped from a reflink clone" : "mapped from the image",
            (long long) (g_get_monotonic_time() - begin));
    return g_steal_pointer(&lazy);
}


/* What keeps a lazily restored guest's memory safe while it runs on
 * the image, from the restore until QEMU exits or the guest's memory is
 * detached from the image. */
typedef struct {
    int fd;                     /* the warm-up's, on the image */
    int leaseFd;                /* own open of the image holding a read
                                 * lease, or -1 */
    gint broken;                /* atomic: someone opens the image for
                                 * writing or truncates it */
    gboolean detach;            /* detach once warmed up */
    uint64_t start;
    uint64_t end;
    qemuDomainObj *vm;          /* a reference */
    pid_t pid;                  /* the QEMU the pages are for */
    gint64 jobStarted;          /* identifies the restore's job info */
} qemuLazyRestoreWarm;


/* ---- the lease ----------------------------------------------------
 *
 * A read lease on the image makes the kernel tell the daemon (with
 * QEMU_LAZY_LEASE_SIGNAL) before anyone opens the image for writing or
 * truncates it, and holds that open or truncate back until the lease
 * is given up (or /proc/sys/fs/lease-break-time passes). The daemon
 * uses the time to detach the guest's memory from the image. Unlinking
 * and renaming do not break a lease, and do no harm.
 */

static GMutex leaseLock;
static GHashTable *leases;          /* lease fd -> qemuLazyRestoreWarm */
static int leasePipe[2] = { -1, -1 };


/* Async-signal-safe: pass the descriptor on to the lease thread. */
static void
qemuLazyRestoreLeaseSignal(int signum G_GNUC_UNUSED,
                           siginfo_t *info,
                           void *ctx G_GNUC_UNUSED)
{
    int saved = errno;
    int fd = info->si_fd;

    /* A full pipe drops the note; the kernel still ends the lease after
     * lease-break-time. */
    if (write(leasePipe[1], &fd, sizeof(fd)) < 0) {
        /* nothing else is async-signal-safe to do */
    }
    errno = saved;
}


/* Mark the lease of @fd broken and wake its keeper. */
static gpointer
qemuLazyRestoreLeaseThread(gpointer opaque G_GNUC_UNUSED)
{
    for (;;) {
        qemuLazyRestoreWarm *warm;
        qemuDomainObj *vm = NULL;
        ssize_t got;
        int fd;

        got = read(leasePipe[0], &fd, sizeof(fd));
        if (got < 0 && errno == EINTR)
            continue;
        if (got != sizeof(fd))
            return NULL;

        g_mutex_lock(&leaseLock);
        if ((warm = g_hash_table_lookup(leases, GINT_TO_POINTER(fd)))) {
            g_atomic_int_set(&warm->broken, 1);
            vm = qemuDomainObjRef(warm->vm);
        }
        g_mutex_unlock(&leaseLock);
        if (!vm)
            continue;
        qemuDomainObjLock(vm);
        qemuDomainObjBroadcast(vm);
        qemuDomainObjUnlock(vm);
        qemuDomainObjUnref(vm);
    }
}


static gpointer
qemuLazyRestoreLeaseInit(gpointer opaque G_GNUC_UNUSED)
{
    struct sigaction sa;
    GThread *thread;

    if (pipe2(leasePipe, O_CLOEXEC) < 0 ||
        fcntl(leasePipe[1], F_SETFL, O_NONBLOCK) < 0)
        return GINT_TO_POINTER(errno);
    leases = g_hash_table_new(g_direct_hash, g_direct_equal);

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = qemuLazyRestoreLeaseSignal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(QEMU_LAZY_LEASE_SIGNAL, &sa, NULL) < 0)
        return GINT_TO_POINTER(errno);

    thread = g_thread_new("lazy-lease", qemuLazyRestoreLeaseThread, NULL);
    g_thread_unref(thread);
    return NULL;
}


/* Take a read lease on the image through a descriptor of its own (so
 * that only the daemon's close ends it, not QEMU's copy). */
static gboolean
qemuLazyRestoreLeaseTake(qemuLazyRestoreWarm *warm,
                         GError **error)
{
    static GOnce once = G_ONCE_INIT;
    g_autofree char *self = g_strdup_printf("/proc/self/fd/%d", warm->fd);
    VS_AUTOCLOSE int fd = -1;
    int err;

    if ((err = GPOINTER_TO_INT(g_once(&once, qemuLazyRestoreLeaseInit,
                                      NULL)))) {
        vsSetErrorSystem(error, err, _("cannot watch for lease breaks"));
        return FALSE;
    }
    if ((fd = open(self, O_RDONLY | O_CLOEXEC)) < 0 ||
        fcntl(fd, F_SETSIG, QEMU_LAZY_LEASE_SIGNAL) < 0 ||
        fcntl(fd, F_SETLEASE, F_RDLCK) < 0) {
        vsSetErrorSystem(error, errno, _("cannot take a lease on the image"));
        return FALSE;
    }
    g_mutex_lock(&leaseLock);
    g_hash_table_insert(leases, GINT_TO_POINTER(fd), warm);
    g_mutex_unlock(&leaseLock);
    warm->leaseFd = vsFdSteal(&fd);
    return TRUE;
}


/* Give the lease up: a writer held back by it goes on. */
static void
qemuLazyRestoreLeaseRelease(qemuLazyRestoreWarm *warm)
{
    if (warm->leaseFd < 0)
        return;
    g_mutex_lock(&leaseLock);
    g_hash_table_remove(leases, GINT_TO_POINTER(warm->leaseFd));
    g_mutex_unlock(&leaseLock);
    if (fcntl(warm->leaseFd, F_SETLEASE, F_UNLCK) < 0)
        VS_DEBUG("releasing the lease on fd %d: %s", warm->leaseFd,
                 g_strerror(errno));
    vsFdClose(&warm->leaseFd);
}


/* ---- detaching ---------------------------------------------------- */

/* Is @warm's QEMU still the domain's? @vm locked. */
static gboolean
qemuLazyRestoreAlive(const qemuLazyRestoreWarm *warm)
{
    return qemuDomainObjIsActive(warm->vm) && warm->vm->pid == warm->pid;
}


/* qom-set a property of the guest RAM's backend. @value: (transfer full) */
static gboolean
qemuLazyRestoreSetBackend(qemuMonitor *mon,
                          const char *property,
                          json_object *value,
                          GError **error)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "path", json_object_new_string(
        "/objects/" QEMU_LAZY_RESTORE_RAM_BLOCK));
    json_object_object_add(args, "property",
                           json_object_new_string(property));
    json_object_object_add(args, "value", value);
    return qemuMonitorCommand(mon, "qom-set", args, NULL, 0, NULL, error);
}


/* Make QEMU copy every page of the guest's memory that still comes from
 * the image into memory of its own: setting the backend's "prealloc"
 * populates the private mapping for writing (MADV_POPULATE_WRITE),
 * which copies each page without changing it, while the guest runs.
 * @vm locked; the job is taken here. */
static gboolean
qemuLazyRestoreDetach(qemuLazyRestoreWarm *warm,
                      GError **error)
{
    qemuDomainObj *vm = warm->vm;
    qemuMonitor *mon;
    gboolean ok = TRUE;

    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error))
        return FALSE;
    if (qemuLazyRestoreAlive(warm) &&
        (mon = qemuDomainObjEnterMonitor(vm, error))) {
        /* One copying thread per host CPU: a writer waits for this. */
        ok = qemuLazyRestoreSetBackend(mon, "prealloc-threads",
                                       json_object_new_int(
                                           g_get_num_processors()),
                                       error) &&
             qemuLazyRestoreSetBackend(mon, "prealloc",
                                       json_object_new_boolean(TRUE), error);
        qemuDomainObjExitMonitor(vm, mon);
    }
    qemuDomainJobEnd(vm);
    return ok;
}


/* Publish the warm-up's progress in the restore's job statistics, as
 * memory processed; FALSE once the QEMU it warms for is gone or the
 * image is about to change. */
static gboolean
qemuLazyRestoreWarmReport(qemuLazyRestoreWarm *warm,
                          uint64_t done)
{
    qemuDomainObj *vm = warm->vm;
    qemuDomainJobInfo *info;
    gboolean alive;

    qemuDomainObjLock(vm);
    alive = qemuLazyRestoreAlive(warm);
    info = vm->job.current ? vm->job.current : vm->job.completed;
    if (info && info->started == warm->jobStarted &&
        info->operation == VS_DOMAIN_JOB_OPERATION_RESTORE) {
        info->memProcessed = done;
        info->memRemaining = warm->end - warm->start - MIN(done, warm->end -
                                                               warm->start);
    }
    qemuDomainObjUnlock(vm);
    return alive && !g_atomic_int_get(&warm->broken);
}


/* Bring the pages into the page cache; TRUE if it got to the end. */
static gboolean
qemuLazyRestoreWarmPages(qemuLazyRestoreWarm *warm)
{
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
    return end;
}


/* The keeper: warm the pages up, then hold the lease until QEMU ends,
 * detaching the guest's memory first if the image is about to change
 * (or once warm, when asked to). */
static gpointer
qemuLazyRestoreWarmThread(gpointer opaque)
{
    qemuLazyRestoreWarm *warm = opaque;
    qemuDomainObj *vm = warm->vm;
    g_autoptr(GError) err = NULL;
    /* Nothing to warm up after a reattach (qemuLazyRestoreReattach()). */
    gboolean warmed = warm->end > warm->start &&
                      qemuLazyRestoreWarmPages(warm);
    gboolean detachNow = warm->detach && warmed;
    gboolean broken;
    gint64 begin;

    vsFdClose(&warm->fd);
    qemuDomainObjLock(vm);
    while (qemuLazyRestoreAlive(warm) && warm->leaseFd >= 0 && !detachNow &&
           !g_atomic_int_get(&warm->broken))
        qemuDomainObjWait(vm, 0);
    broken = g_atomic_int_get(&warm->broken);

    if (qemuLazyRestoreAlive(warm) && (broken || detachNow)) {
        if (broken)
            VS_WARN("domain '%s': another process opens or truncates the image it runs on; detaching the guest's memory from it first",
                    vm->name);
        begin = g_get_monotonic_time();
        if (qemuLazyRestoreDetach(warm, &err))
            VS_INFO("domain '%s': guest memory detached from the image in %lld ms",
                    vm->name,
                    (long long) (g_get_monotonic_time() - begin) / 1000);
        else
            VS_WARN("domain '%s': cannot detach the guest's memory from the image: %s",
                    vm->name, err->message);
    }
    qemuLazyRestoreLeaseRelease(warm);
    qemuDomainObjUnlock(vm);
    qemuDomainObjUnref(vm);
    g_free(warm);
    return NULL;
}


/* Start @warm's keeper for @vm's QEMU, with a lease on the image unless
 * @lease is FALSE (a clone, which nobody else can open). Returns whether
 * the lease was taken. */
static gboolean
qemuLazyRestoreKeep(qemuLazyRestoreWarm *warm,
                    qemuDomainObj *vm,
                    gboolean lease)
{
    g_autoptr(GError) err = NULL;
    gboolean leased = FALSE;
    GThread *thread;

    warm->leaseFd = -1;
    if (lease && !(leased = qemuLazyRestoreLeaseTake(warm, &err)))
        VS_WARN("domain '%s': the image it runs on is not protected against changes: %s",
                vm->name, err->message);
    warm->vm = qemuDomainObjRef(vm);
    warm->pid = vm->pid;
    /* The thread owns @warm from here on. */
    thread = g_thread_new("lazy-keeper", qemuLazyRestoreWarmThread, warm);
    g_thread_unref(thread);
    return leased;
}


/**
 * qemuLazyRestoreWarmUp:
 * @lazy: a lazy restore whose QEMU has loaded the stream
 * @vm: its domain, locked, with the restore job still current
 *
 * @detach: once warm, copy the guest's memory out of the image
 *
 * Brings the image's pages into the page cache from a thread of its own,
 * in bounded chunks with pauses in between, so that the guest's first
 * touch of a page is a minor fault rather than a disk read. Progress
 * shows in the restore's job statistics (memory processed/remaining,
 * also once the job has completed). Best effort: a failure, or QEMU's
 * end, only ends the warm-up early.
 *
 * The same thread keeps a read lease on the image for as long as QEMU
 * runs on it. Before another process may open the image for writing or
 * truncate it, QEMU copies the pages the guest still reads from the
 * image into memory of its own (as it does at the end of the warm-up
 * with @detach), so that the change never reaches the guest. Where no
 * lease can be taken (a file system without leases, or a writer that
 * already has the image open) this is logged and the guest runs
 * unprotected.
 */
void
qemuLazyRestoreWarmUp(const qemuLazyRestore *lazy,
                      qemuDomainObj *vm,
                      gboolean detach)
{
    qemuLazyRestoreWarm *warm = g_new0(qemuLazyRestoreWarm, 1);

    if ((warm->fd = fcntl(lazy->imageFd, F_DUPFD_CLOEXEC, 0)) < 0) {
        VS_WARN("domain '%s': no warm-up of the mapped image: %s",
                vm->name, g_strerror(errno));
        g_free(warm);
        return;
    }
    warm->detach = detach;
    warm->start = lazy->pagesOffset;
    warm->end = lazy->pagesOffset + lazy->size;
    warm->jobStarted = vm->job.current ? vm->job.current->started : -1;
    qemuLazyRestoreKeep(warm, vm, !lazy->cloned);
}


/* The descriptor number in QEMU of the guest RAM's file, from its
 * command line (qemuBuildRamBackend(): mem-path=/proc/self/fd/N); -1
 * for a QEMU whose RAM is not mapped from a file. */
static int
qemuLazyRestoreFindRamFd(pid_t pid)
{
    static const char key[] = "memory-backend-file,id="
                              QEMU_LAZY_RESTORE_RAM_BLOCK
                              ",mem-path=/proc/self/fd/";
    g_autofree char *path = g_strdup_printf("/proc/%lld/cmdline",
                                            (long long) pid);
    g_autofree char *cmdline = NULL;
    const char *found = NULL;
    gsize len;
    gsize i;

    if (!g_file_get_contents(path, &cmdline, &len, NULL))
        return -1;
    /* Arguments are NUL-separated; each is searched on its own. */
    for (i = 0; i < len && !found; i += strlen(cmdline + i) + 1)
        found = strstr(cmdline + i, key);
    if (!found)
        return -1;
    return (int) g_ascii_strtoll(found + strlen(key), NULL, 10);
}


/**
 * qemuLazyRestoreReattach:
 * @vm: a locked domain whose QEMU was just reattached
 *
 * A QEMU that an earlier daemon restored lazily still maps the image,
 * but the lease that kept other processes' writes away from the guest
 * went with that daemon. When QEMU's guest RAM comes from a file that
 * still has a name (not a reflink clone, not a deleted image: nobody
 * can open those), take the lease again and keep it as
 * qemuLazyRestoreWarmUp() does, without a warm-up.
 */
void
qemuLazyRestoreReattach(qemuDomainObj *vm)
{
    qemuLazyRestoreWarm *warm;
    g_autofree char *path = NULL;
    VS_AUTOCLOSE int fd = -1;
    struct stat st;
    int qemuFd;

    if ((qemuFd = qemuLazyRestoreFindRamFd(vm->pid)) < 0)
        return;
    path = g_strdup_printf("/proc/%lld/fd/%d", (long long) vm->pid, qemuFd);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        VS_WARN("domain '%s': cannot open the image its memory is mapped from: %s",
                vm->name, g_strerror(errno));
        return;
    }
    if (st.st_nlink == 0) {
        VS_DEBUG("domain '%s': its memory is mapped from a file without a name",
                 vm->name);
        return;
    }

    /* start == end: no warm-up; without the lease the keeper ends at
     * once. */
    warm = g_new0(qemuLazyRestoreWarm, 1);
    warm->fd = vsFdSteal(&fd);
    warm->jobStarted = -1;
    if (qemuLazyRestoreKeep(warm, vm, TRUE))
        VS_INFO("domain '%s': runs lazily on its image; holding a lease on it again",
                vm->name);
}
