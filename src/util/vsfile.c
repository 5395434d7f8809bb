/*
 * vsfile.c: descriptors, full and positioned I/O, O_DIRECT, durability
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsfile.h"
#include "vserror.h"
#include "vsinternal.h"


/**
 * vsFdAutoClose:
 * @fd: pointer to a descriptor or -1
 *
 * Cleanup function behind VS_AUTOCLOSE; errors of close(2) are ignored
 * here, so close explicitly where they matter (written files).
 */
void
vsFdAutoClose(int *fd)
{
    vsFdClose(fd);
}


/**
 * vsFdClose:
 * @fd: pointer to a descriptor or -1
 *
 * Closes *@fd if it is open and sets it to -1, preserving errno.
 */
void
vsFdClose(int *fd)
{
    int saved = errno;

    if (*fd >= 0)
        close(*fd);
    *fd = -1;
    errno = saved;
}


/**
 * vsFdSteal:
 * @fd: pointer to a descriptor
 *
 * Returns: (transfer full) *@fd, leaving -1 in its place.
 */
int
vsFdSteal(int *fd)
{
    int ret = *fd;

    *fd = -1;
    return ret;
}


/**
 * vsAlignedAlloc0:
 * @size: bytes wanted
 * @align: a power of two
 *
 * Returns: (transfer full) zeroed memory aligned to @align, to be freed
 * with g_aligned_free() (or held in a VS_AUTOALIGNED pointer).
 */
void *
vsAlignedAlloc0(size_t size,
                size_t align)
{
    return g_aligned_alloc0(1, MAX(size, 1), MAX(align, sizeof(void *)));
}


/**
 * vsAlignedAutoFree:
 * @p: pointer to a pointer from vsAlignedAlloc0(), or to NULL
 */
void
vsAlignedAutoFree(void *p)
{
    void **ptr = p;

    g_aligned_free(*ptr);
    *ptr = NULL;
}


/**
 * vsFileOpen:
 * @path: file to open
 * @flags: open(2) flags; O_CLOEXEC is always added
 * @mode: mode for a created file
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the descriptor, or -1 with a system error that
 * names @path ("Failed to open file" or, with O_CREAT, "Failed to create
 * file").
 */
int
vsFileOpen(const char *path,
           int flags,
           mode_t mode,
           GError **error)
{
    int fd = open(path, flags | O_CLOEXEC, mode);

    if (fd < 0) {
        if (flags & O_CREAT)
            vsSetErrorSystem(error, errno, _("Failed to create file '%s'"),
                             path);
        else
            vsSetErrorSystem(error, errno, _("Failed to open file '%s'"),
                             path);
        return -1;
    }

    return fd;
}


/**
 * vsFileOpenRegular:
 * @path: an absolute path to an existing file
 * @flags: open(2) access flags plus O_DIRECT if wanted; O_CLOEXEC is added
 * @error: return location for a #GError
 *
 * Opens @path without blocking and refuses anything but a regular file.
 * open(2) of a FIFO waits for its other end, of a device can wait for the
 * hardware: O_NONBLOCK makes it return at once, and the type is checked
 * before any read. The returned descriptor is blocking again.
 *
 * Returns: (transfer full) the descriptor, or -1 with @error set (the
 * message names @path).
 */
int
vsFileOpenRegular(const char *path,
                  int flags,
                  GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    struct stat sb;

    if ((fd = vsFileOpen(path, flags | O_NONBLOCK | O_NOCTTY, 0,
                         error)) < 0)
        return -1;
    if (fstat(fd, &sb) < 0) {
        vsSetErrorSystem(error, errno, _("Cannot stat file '%s'"), path);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_INVALID,
                    _("'%s' is not a regular file"), path);
        return -1;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        vsSetErrorSystem(error, errno,
                         _("Cannot make file '%s' blocking"), path);
        return -1;
    }
    return vsFdSteal(&fd);
}


/**
 * vsFileCheckTarget:
 * @path: a file about to be created or replaced
 * @error: return location for a #GError
 *
 * Refuses @path when it exists and is not a regular file (a FIFO, a
 * device, a directory): replacing it would not do what the caller asked,
 * and opening it could block. stat(2) itself never blocks on these.
 *
 * Returns: TRUE when @path is absent or a regular file.
 */
gboolean
vsFileCheckTarget(const char *path,
                  GError **error)
{
    struct stat sb;

    if (stat(path, &sb) < 0) {
        if (errno == ENOENT)
            return TRUE;
        vsSetErrorSystem(error, errno, _("Cannot stat file '%s'"), path);
        return FALSE;
    }
    if (!S_ISREG(sb.st_mode)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_INVALID,
                    _("'%s' exists and is not a regular file"), path);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsFileCheckAbsolute:
 * @path: a path received from a client
 * @error: return location for a #GError
 *
 * The daemon's working directory means nothing to a client, so a path
 * that crosses the protocol must be absolute.
 *
 * Returns: TRUE when @path is absolute.
 */
gboolean
vsFileCheckAbsolute(const char *path,
                    GError **error)
{
    if (!path || !g_path_is_absolute(path)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("path '%s' is not absolute"), path ? path : "");
        return FALSE;
    }
    return TRUE;
}


/**
 * vsFileRead:
 * @fd: descriptor
 * @buf: buffer of @len bytes
 * @len: bytes wanted
 * @error: return location for a #GError
 *
 * Reads until @len bytes arrived or end of file, retrying on EINTR and
 * short reads.
 *
 * Returns: the bytes read (less than @len only at end of file), or -1.
 */
gssize
vsFileRead(int fd,
           void *buf,
           size_t len,
           GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = read(fd, (char *) buf + done, len - done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot read file"));
            return -1;
        }
        if (n == 0)
            break;
        done += n;
    }

    return done;
}


/**
 * vsFileReadFull:
 * @fd: descriptor
 * @buf: buffer of @len bytes
 * @len: bytes wanted
 * @error: return location for a #GError
 *
 * Returns: TRUE if exactly @len bytes were read; end of file first is an
 * error (VS_ERR_OPERATION_FAILED).
 */
gboolean
vsFileReadFull(int fd,
               void *buf,
               size_t len,
               GError **error)
{
    gssize n = vsFileRead(fd, buf, len, error);

    if (n < 0)
        return FALSE;

    if ((size_t) n != len) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                    _("unexpected end of file after %zd of %zu bytes"),
                    n, len);
        return FALSE;
    }

    return TRUE;
}


/**
 * vsFileWriteFull:
 * @fd: descriptor
 * @buf: data
 * @len: bytes to write
 * @error: return location for a #GError
 *
 * Returns: TRUE if all of @buf was written, retrying short writes.
 */
gboolean
vsFileWriteFull(int fd,
                const void *buf,
                size_t len,
                GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(fd, (const char *) buf + done, len - done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot write file"));
            return FALSE;
        }
        if (n == 0) {
            vsSetErrorSystem(error, ENOSPC, _("cannot write file"));
            return FALSE;
        }
        done += n;
    }

    return TRUE;
}


/**
 * vsFilePread:
 * @fd: descriptor
 * @buf: buffer of @len bytes
 * @len: bytes wanted
 * @offset: file offset
 * @error: return location for a #GError
 *
 * Returns: the bytes read (less than @len only at end of file), or -1.
 */
gssize
vsFilePread(int fd,
            void *buf,
            size_t len,
            off_t offset,
            GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (char *) buf + done, len - done, offset + done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno,
                             _("cannot read file at offset %lld"),
                             (long long) (offset + done));
            return -1;
        }
        if (n == 0)
            break;
        done += n;
    }

    return done;
}


/**
 * vsFilePreadFull:
 * @fd: descriptor
 * @buf: buffer of @len bytes
 * @len: bytes wanted
 * @offset: file offset
 * @error: return location for a #GError
 *
 * Returns: TRUE if exactly @len bytes were read at @offset.
 */
gboolean
vsFilePreadFull(int fd,
                void *buf,
                size_t len,
                off_t offset,
                GError **error)
{
    gssize n = vsFilePread(fd, buf, len, offset, error);

    if (n < 0)
        return FALSE;

    if ((size_t) n != len) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                    _("unexpected end of file at offset %lld"),
                    (long long) (offset + n));
        return FALSE;
    }

    return TRUE;
}


/**
 * vsFilePwriteFull:
 * @fd: descriptor
 * @buf: data
 * @len: bytes to write
 * @offset: file offset
 * @error: return location for a #GError
 *
 * Returns: TRUE if all of @buf was written at @offset.
 */
gboolean
vsFilePwriteFull(int fd,
                 const void *buf,
                 size_t len,
                 off_t offset,
                 GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pwrite(fd, (const char *) buf + done, len - done,
                           offset + done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno,
                             _("cannot write file at offset %lld"),
                             (long long) (offset + done));
            return FALSE;
        }
        if (n == 0) {
            vsSetErrorSystem(error, ENOSPC,
                             _("cannot write file at offset %lld"),
                             (long long) (offset + done));
            return FALSE;
        }
        done += n;
    }

    return TRUE;
}


/**
 * vsFileSync:
 * @fd: descriptor
 * @error: return location for a #GError
 *
 * Makes the data of @fd durable (fdatasync). Descriptors that cannot be
 * synced (pipes, sockets: EINVAL, EROFS) count as success.
 *
 * Returns: FALSE with @error set if the kernel reported a write error.
 */
gboolean
vsFileSync(int fd,
           GError **error)
{
    while (fdatasync(fd) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EINVAL || errno == EROFS)
            return TRUE;
        vsSetErrorSystem(error, errno, _("cannot sync file data to disk"));
        return FALSE;
    }

    return TRUE;
}


/**
 * vsFileSyncDir:
 * @dir: a directory
 * @error: return location for a #GError
 *
 * Makes the directory's entries durable: after a create or rename in
 * @dir, this is what makes the new name survive a crash.
 *
 * Returns: FALSE with @error set on failure.
 */
gboolean
vsFileSyncDir(const char *dir,
              GError **error)
{
    VS_AUTOCLOSE int fd = -1;

    if ((fd = vsFileOpen(dir, O_RDONLY | O_DIRECTORY, 0, error)) < 0)
        return FALSE;

    while (fsync(fd) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EINVAL || errno == EROFS)
            return TRUE;
        vsSetErrorSystem(error, errno, _("cannot sync directory '%s'"), dir);
        return FALSE;
    }

    return TRUE;
}


/**
 * vsFileGetSizes:
 * @fd: descriptor
 * @size: return location for the apparent size, may be NULL
 * @allocated: return location for the bytes allocated on disk, may be NULL
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if fstat fails.
 */
gboolean
vsFileGetSizes(int fd,
               uint64_t *size,
               uint64_t *allocated,
               GError **error)
{
    struct stat sb;

    if (fstat(fd, &sb) < 0) {
        vsSetErrorSystem(error, errno, _("cannot stat file"));
        return FALSE;
    }

    if (size)
        *size = sb.st_size;
    if (allocated)
        *allocated = (uint64_t) sb.st_blocks * 512;
    return TRUE;
}


/**
 * vsFileProbeDirectIO:
 * @dir: a directory
 * @error: return location for a #GError
 *
 * Checks that files in @dir can be opened with O_DIRECT and written with
 * aligned I/O, using an unnamed temporary file where the file system
 * supports O_TMPFILE and a named one removed at once otherwise.
 *
 * Returns: TRUE if O_DIRECT works in @dir, FALSE with @error set
 * (VS_ERR_OPERATION_UNSUPPORTED if the file system refuses O_DIRECT).
 */
gboolean
vsFileProbeDirectIO(const char *dir,
                    GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOALIGNED void *buf = NULL;
    size_t memAlign;
    size_t offAlign;
    int err;

    fd = open(dir, O_TMPFILE | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
        g_autofree char *tmpl = g_build_filename(dir, ".vs-dio-XXXXXX",
                                                 NULL);

        fd = g_mkstemp_full(tmpl, O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
        if (fd >= 0)
            unlink(tmpl);
    }

    if (fd < 0) {
        err = errno;
        if (err == EINVAL) {
            g_set_error(error, VS_ERROR_SYSTEM,
                        VS_ERR_OPERATION_UNSUPPORTED,
                        _("the file system of '%s' does not support O_DIRECT"),
                        dir);
        } else {
            vsSetErrorSystem(error, err, _("cannot create a file in '%s'"),
                             dir);
        }
        return FALSE;
    }

    vsFileGetDirectIOAlign(fd, &memAlign, &offAlign);
    if (memAlign == 0 || offAlign == 0) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the file system of '%s' does not support O_DIRECT"),
                    dir);
        return FALSE;
    }

    buf = vsAlignedAlloc0(MAX(offAlign, memAlign), memAlign);
    if (pwrite(fd, buf, MAX(offAlign, memAlign), 0) < 0) {
        err = errno;
        if (err == EINVAL) {
            g_set_error(error, VS_ERROR_SYSTEM,
                        VS_ERR_OPERATION_UNSUPPORTED,
                        _("the file system of '%s' does not support O_DIRECT"),
                        dir);
        } else {
            vsSetErrorSystem(error, err,
                             _("cannot write with O_DIRECT in '%s'"), dir);
        }
        return FALSE;
    }

    return TRUE;
}
