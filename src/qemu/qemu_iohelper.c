/*
 * qemu_iohelper.c: running virtsave_iohelper for the stream formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One helper process per save or restore. The image descriptor is passed
 * to it as descriptor 3 ("--fd 3"), the stream travels through a pipe
 * whose other end goes to QEMU (or to a second helper when converting
 * images offline). The helper reports a failure as one line on standard
 * error; a thread collects that line while the copy runs, so that the
 * helper can never block on a full stderr pipe, and qemuIOHelperFinish()
 * turns it into the caller's error. See docs/stream-formats.md.
 */

#include <config.h>

#include "qemu_iohelper.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsspawn.h"

VS_LOG_INIT("qemu.iohelper");

/* The helper's image descriptor number ("--fd"). */
#define QEMU_IOHELPER_IMAGE_FD 3

/* The smallest pipe size worth asking for when 1 MiB is refused. */
#define QEMU_IOHELPER_PIPE_SIZE_MIN (64 * 1024)

/* The helper writes one line; keep a generous bound on what we store. */
#define QEMU_IOHELPER_STDERR_MAX (64 * 1024)

/* Prefix of the helper's error line (docs/iohelper.md). */
#define QEMU_IOHELPER_PREFIX QEMU_IOHELPER_NAME ": "

struct _qemuIOHelper {
    char *path;             /* the image, for messages */
    gboolean write;
    pid_t pid;
    int pidfd;
    gboolean reaped;
    int status;

    /* Standard error of the helper, read by @errThread until end of file
     * or until @wakeWr is written. @errText is only touched by the
     * thread until it has been joined. */
    int errRd;
    int wakeRd;
    int wakeWr;
    GThread *errThread;
    GString *errText;
};


/**
 * qemuIOHelperFree:
 * @h: (nullable) a helper
 *
 * Frees @h; a helper still running is killed and reaped first.
 */
void
qemuIOHelperFree(qemuIOHelper *h)
{
    if (!h)
        return;

    if (!h->reaped)
        qemuIOHelperAbort(h);
    vsFdClose(&h->pidfd);
    vsFdClose(&h->errRd);
    vsFdClose(&h->wakeRd);
    vsFdClose(&h->wakeWr);
    if (h->errText)
        g_string_free(h->errText, TRUE);
    g_free(h->path);
    g_free(h);
}


/* Whether the running program lives in the build tree, so that it
 * should run the helper built beside it rather than an installed one. */
static gboolean
qemuIOHelperRunningFromBuildDir(void)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *prefix = g_strconcat(VS_BUILDDIR, "/", NULL);

    return self && g_str_has_prefix(self, prefix);
}


/**
 * qemuIOHelperFindBinary:
 * @error: return location for a #GError
 *
 * Where the helper is, in this order: the file named by the environment
 * variable VIRTSAVE_IOHELPER when it is set and not empty (tests); the
 * helper of the build tree, when the running program itself was started
 * from that build tree and the helper has been built there; otherwise
 * the installed VS_LIBEXECDIR/virtsave_iohelper.
 *
 * Returns: (transfer full) the path of an executable helper, or NULL
 * with @error set.
 */
char *
qemuIOHelperFindBinary(GError **error)
{
    const char *env = g_getenv(QEMU_IOHELPER_ENV);
    g_autofree char *path = NULL;

    if (env && *env) {
        path = g_strdup(env);
    } else {
        g_autofree char *built = g_build_filename(VS_BUILDDIR, "src",
                                                  "iohelper",
                                                  QEMU_IOHELPER_NAME, NULL);

        if (qemuIOHelperRunningFromBuildDir() &&
            g_file_test(built, G_FILE_TEST_IS_EXECUTABLE))
            path = g_steal_pointer(&built);
        else
            path = g_build_filename(VS_LIBEXECDIR, QEMU_IOHELPER_NAME, NULL);
    }

    if (access(path, X_OK) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED, errno,
                        _("cannot run the I/O helper '%s'"), path);
        return NULL;
    }
    return g_steal_pointer(&path);
}


/**
 * qemuIOHelperNeeded:
 * @format: an image format
 * @bypassCache: whether the page cache is to be bypassed
 *
 * Returns: TRUE if saving or restoring @format goes through the helper:
 * every compressed format, and raw when bypassing the cache (QEMU's
 * unaligned stream cannot be written with O_DIRECT directly).
 */
gboolean
qemuIOHelperNeeded(qemuSaveFormat format,
                   gboolean bypassCache)
{
    switch (format) {
    case QEMU_SAVE_FORMAT_RAW:
        return bypassCache;
    case QEMU_SAVE_FORMAT_GZIP:
    case QEMU_SAVE_FORMAT_BZIP2:
    case QEMU_SAVE_FORMAT_XZ:
    case QEMU_SAVE_FORMAT_LZOP:
    case QEMU_SAVE_FORMAT_ZSTD:
        return TRUE;
    case QEMU_SAVE_FORMAT_SPARSE:
    case QEMU_SAVE_FORMAT_LAST:
    default:
        return FALSE;
    }
}


/**
 * qemuIOHelperCheckFormatAvailable:
 * @format: an image format
 * @error: return location for a #GError
 *
 * The helper runs an external program for gzip, bzip2, xz and lzop, found
 * in PATH (the helper inherits ours); zstd is compressed in the helper by
 * libzstd, raw and sparse need no program. Call this before pausing a
 * guest so that a missing program fails early.
 *
 * Returns: TRUE if @format can be written and read, else FALSE with
 * @error naming the missing program.
 */
gboolean
qemuIOHelperCheckFormatAvailable(qemuSaveFormat format,
                                 GError **error)
{
    g_autofree char *found = NULL;
    const char *prog;

    switch (format) {
    case QEMU_SAVE_FORMAT_GZIP:
    case QEMU_SAVE_FORMAT_BZIP2:
    case QEMU_SAVE_FORMAT_XZ:
    case QEMU_SAVE_FORMAT_LZOP:
        break;
    case QEMU_SAVE_FORMAT_RAW:
    case QEMU_SAVE_FORMAT_ZSTD:
    case QEMU_SAVE_FORMAT_SPARSE:
        return TRUE;
    case QEMU_SAVE_FORMAT_LAST:
    default:
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported save image format: %d"), (int) format);
        return FALSE;
    }

    /* The format's name is the program's name. */
    prog = qemuSaveFormatTypeToString(format);
    if (!(found = g_find_program_in_path(prog))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("compression program '%s' is not available in PATH"),
                    prog);
        return FALSE;
    }
    VS_DEBUG("format '%s' uses '%s'", prog, found);
    return TRUE;
}


/* Make the pipe big enough to keep QEMU busy while the helper writes:
 * 1 MiB, or the largest power of two down to 64 KiB that an unprivileged
 * limit (pipe-max-size) allows. The default 64 KiB still works. */
static void
qemuIOHelperGrowPipe(int fd)
{
    int size;

    for (size = QEMU_IOHELPER_PIPE_SIZE; size >= QEMU_IOHELPER_PIPE_SIZE_MIN;
         size /= 2) {
        if (fcntl(fd, F_SETPIPE_SZ, size) >= 0) {
            VS_DEBUG("pipe size %d", size);
            return;
        }
        if (errno != EPERM)
            break;
    }
    VS_DEBUG("cannot grow pipe %d: %s", fd, g_strerror(errno));
}


/**
 * qemuIOHelperGetPid:
 * @h: a started helper
 *
 * Returns: the helper's process id (for logs and tests).
 */
pid_t
qemuIOHelperGetPid(const qemuIOHelper *h)
{
    return h->pid;
}


/* Append what @fd has to @buf, up to the bound. Returns 1 after reading
 * something, 0 at end of file or on error, -1 when a non-blocking @fd
 * has nothing now. */
static int
qemuIOHelperReadErr(int fd,
                    GString *buf)
{
    char chunk[4096];
    ssize_t n;

    do {
        n = read(fd, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);

    if (n < 0 && errno == EAGAIN)
        return -1;
    if (n <= 0)
        return 0;
    if (buf->len < QEMU_IOHELPER_STDERR_MAX)
        g_string_append_len(buf, chunk,
                            MIN((size_t) n,
                                QEMU_IOHELPER_STDERR_MAX - buf->len));
    return 1;
}


/* The stderr reader. It stops at end of file, or when woken: the helper
 * has then been reaped, and a descendant of it that kept the pipe open
 * must not keep us waiting; what is buffered is still drained. */
static gpointer
qemuIOHelperErrThread(gpointer opaque)
{
    qemuIOHelper *h = opaque;
    struct pollfd pfd[2] = {
        { .fd = h->errRd, .events = POLLIN },
        { .fd = h->wakeRd, .events = POLLIN },
    };

    for (;;) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[0].revents && qemuIOHelperReadErr(h->errRd, h->errText) == 0)
            return NULL;
        if (pfd[1].revents)
            break;
    }

    if (fcntl(h->errRd, F_SETFL, O_NONBLOCK) == 0) {
        while (qemuIOHelperReadErr(h->errRd, h->errText) > 0)
            ;
    }
    return NULL;
}


/* Stop and join the stderr reader; harmless when it never started. */
static void
qemuIOHelperJoinErrThread(qemuIOHelper *h)
{
    char byte = 0;
    ssize_t n G_GNUC_UNUSED;

    if (!h->errThread)
        return;
    n = write(h->wakeWr, &byte, 1);
    g_thread_join(g_steal_pointer(&h->errThread));
}


/* A new pipe; @grow for the stream between QEMU and the helper. */
static gboolean
qemuIOHelperOpenPipe(int *rd,
                     int *wr,
                     gboolean grow,
                     GError **error)
{
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot create a pipe for the I/O helper"));
        return FALSE;
    }
    if (grow)
        qemuIOHelperGrowPipe(fds[1]);
    *rd = fds[0];
    *wr = fds[1];
    return TRUE;
}


/* The helper's command line for one image. */
static vsSpawn *
qemuIOHelperBuildCommand(const char *binary,
                         gboolean write,
                         const char *path,
                         off_t offset,
                         gboolean direct,
                         qemuSaveFormat format)
{
    const char *argv[] = { binary, NULL };
    vsSpawn *cmd = vsSpawnNew(argv);

    vsSpawnAddArg(cmd, write ? "--write" : "--read");
    vsSpawnAddArg(cmd, path);
    vsSpawnAddArgFormat(cmd, "--fd=%d", QEMU_IOHELPER_IMAGE_FD);
    vsSpawnAddArgFormat(cmd, "--offset=%" PRIu64, (uint64_t) offset);
    if (direct)
        vsSpawnAddArg(cmd, "--direct");
    vsSpawnAddArgFormat(cmd, "--format=%s", qemuSaveFormatTypeToString(format));
    return cmd;
}


/* Start the helper with the image @fd and the stream on @streamFd (its
 * stdin when writing, its stdout when reading). */
static qemuIOHelper *
qemuIOHelperStart(gboolean write,
                  const char *path,
                  int fd,
                  off_t offset,
                  gboolean direct,
                  qemuSaveFormat format,
                  int streamFd,
                  GError **error)
{
    g_autoptr(qemuIOHelper) h = g_new0(qemuIOHelper, 1);
    g_autoptr(vsSpawn) cmd = NULL;
    g_autofree char *binary = NULL;
    VS_AUTOCLOSE int errWr = -1;

    h->path = g_strdup(path);
    h->write = write;
    h->pidfd = h->errRd = h->wakeRd = h->wakeWr = -1;
    h->reaped = TRUE;
    h->errText = g_string_new(NULL);

    if (!qemuIOHelperNeeded(format, direct) &&
        format != QEMU_SAVE_FORMAT_RAW) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("save image format '%s' cannot be copied by the I/O helper"),
                    qemuSaveFormatTypeToString(format));
        return NULL;
    }
    if (!qemuIOHelperCheckFormatAvailable(format, error) ||
        !(binary = qemuIOHelperFindBinary(error)))
        return NULL;

    if (!qemuIOHelperOpenPipe(&h->errRd, &errWr, FALSE, error) ||
        !qemuIOHelperOpenPipe(&h->wakeRd, &h->wakeWr, FALSE, error))
        return NULL;

    cmd = qemuIOHelperBuildCommand(binary, write, path, offset, direct,
                                   format);
    vsSpawnPassFd(cmd, fd, QEMU_IOHELPER_IMAGE_FD);
    if (write) {
        vsSpawnSetStdin(cmd, streamFd);
        vsSpawnSetStdout(cmd, -1);
    } else {
        vsSpawnSetStdin(cmd, -1);
        vsSpawnSetStdout(cmd, streamFd);
    }
    vsSpawnSetStderr(cmd, errWr);
    /* Signals of the daemon's terminal are not the helper's business. */
    vsSpawnSetNewSession(cmd, TRUE);

    if ((h->pid = vsSpawnRun(cmd, &h->pidfd, error)) < 0) {
        g_prefix_error(error, _("cannot start the I/O helper for '%s': "),
                       path);
        return NULL;
    }
    h->reaped = FALSE;
    vsFdClose(&errWr);
    h->errThread = g_thread_new("iohelper-stderr", qemuIOHelperErrThread, h);

    VS_INFO("started I/O helper pid %lld: %s '%s' at offset %" PRIu64
            ", format %s%s", (long long) h->pid, write ? "write" : "read",
            path, (uint64_t) offset, qemuSaveFormatTypeToString(format),
            direct ? ", O_DIRECT" : "");
    return g_steal_pointer(&h);
}


/**
 * qemuIOHelperStartWrite:
 * @path: the image, named in messages
 * @fd: the image opened for writing (O_DIRECT or not); the helper gets
 *   its own copy, the caller keeps @fd
 * @offset: where the stream begins in the image (the header block's
 *   length; a multiple of the O_DIRECT alignment when @direct)
 * @direct: write with O_DIRECT
 * @format: raw or a compressed format
 * @pipeWriteEnd: (out) the pipe end to give QEMU for an "fd:" migration
 *   (O_CLOEXEC, blocking; the caller owns and must close it once QEMU
 *   has its own copy)
 * @error: return location for a #GError
 *
 * Starts the helper that writes the stream arriving on the pipe into
 * @fd from @offset on. The stream is durable once qemuIOHelperFinish()
 * succeeds after the last writer closed the pipe.
 *
 * Returns: (transfer full) the running helper, or NULL with @error set.
 */
qemuIOHelper *
qemuIOHelperStartWrite(const char *path,
                       int fd,
                       off_t offset,
                       gboolean direct,
                       qemuSaveFormat format,
                       int *pipeWriteEnd,
                       GError **error)
{
    VS_AUTOCLOSE int rd = -1;
    VS_AUTOCLOSE int wr = -1;
    qemuIOHelper *h;

    if (!qemuIOHelperOpenPipe(&rd, &wr, TRUE, error))
        return NULL;
    if (!(h = qemuIOHelperStartWriteFromFd(path, fd, offset, direct, format,
                                           rd, error)))
        return NULL;
    *pipeWriteEnd = vsFdSteal(&wr);
    return h;
}


/**
 * qemuIOHelperStartWriteFromFd:
 * @path: the image, named in messages
 * @fd: the image opened for writing; the caller keeps it
 * @offset: where the stream begins in the image
 * @direct: write with O_DIRECT
 * @format: raw or a compressed format
 * @streamFd: the stream to read, the helper's standard input; the caller
 *   keeps it and should close it after this call
 * @error: return location for a #GError
 *
 * Like qemuIOHelperStartWrite() with a stream source of the caller's
 * choosing, e.g. the output of a reading helper (image conversion).
 *
 * Returns: (transfer full) the running helper, or NULL with @error set.
 */
qemuIOHelper *
qemuIOHelperStartWriteFromFd(const char *path,
                             int fd,
                             off_t offset,
                             gboolean direct,
                             qemuSaveFormat format,
                             int streamFd,
                             GError **error)
{
    return qemuIOHelperStart(TRUE, path, fd, offset, direct, format,
                             streamFd, error);
}


/**
 * qemuIOHelperStartRead:
 * @path: the image, named in messages
 * @fd: the image opened for reading; the caller keeps it
 * @offset: where the stream begins in the image (92 + data_len, any
 *   value, also with @direct)
 * @direct: read with O_DIRECT
 * @format: raw or a compressed format; the helper decompresses
 * @pipeReadEnd: (out) the pipe end QEMU reads the stream from (O_CLOEXEC,
 *   blocking; owned by the caller)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the running helper, or NULL with @error set.
 */
qemuIOHelper *
qemuIOHelperStartRead(const char *path,
                      int fd,
                      off_t offset,
                      gboolean direct,
                      qemuSaveFormat format,
                      int *pipeReadEnd,
                      GError **error)
{
    VS_AUTOCLOSE int rd = -1;
    VS_AUTOCLOSE int wr = -1;
    qemuIOHelper *h;

    if (!qemuIOHelperOpenPipe(&rd, &wr, TRUE, error))
        return NULL;
    if (!(h = qemuIOHelperStartReadToFd(path, fd, offset, direct, format,
                                        wr, error)))
        return NULL;
    *pipeReadEnd = vsFdSteal(&rd);
    return h;
}


/**
 * qemuIOHelperStartReadToFd:
 * @path: the image, named in messages
 * @fd: the image opened for reading; the caller keeps it
 * @offset: where the stream begins in the image
 * @direct: read with O_DIRECT
 * @format: raw or a compressed format
 * @streamFd: where the decompressed stream goes, the helper's standard
 *   output; the caller keeps it and should close it after this call
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the running helper, or NULL with @error set.
 */
qemuIOHelper *
qemuIOHelperStartReadToFd(const char *path,
                          int fd,
                          off_t offset,
                          gboolean direct,
                          qemuSaveFormat format,
                          int streamFd,
                          GError **error)
{
    return qemuIOHelperStart(FALSE, path, fd, offset, direct, format,
                             streamFd, error);
}


/* The helper's own message: the last line of its stderr without the
 * program prefix, or NULL if it said nothing. */
static char *
qemuIOHelperLastLine(const GString *text)
{
    g_auto(GStrv) lines = g_strsplit(text->str, "\n", -1);
    const char *last = NULL;
    size_t i;

    for (i = 0; lines[i]; i++) {
        if (*g_strstrip(lines[i]))
            last = lines[i];
    }
    if (!last)
        return NULL;
    if (g_str_has_prefix(last, QEMU_IOHELPER_PREFIX))
        last += strlen(QEMU_IOHELPER_PREFIX);
    return g_utf8_make_valid(last, -1);
}


/* Turn a failed helper's status and stderr into one error. The helper's
 * line names the image when the image failed; when a program or the
 * stream did ("the zstd stream is truncated"), the image is added. */
static void
qemuIOHelperSetError(const qemuIOHelper *h,
                     GError **error)
{
    g_autofree char *line = qemuIOHelperLastLine(h->errText);
    g_autofree char *desc = vsSpawnDescribeStatus(h->status);

    /* The helper's exit status 3: its reader went away first. */
    int code = WIFEXITED(h->status) && WEXITSTATUS(h->status) == 3 ?
               VS_ERR_OPERATION_ABORTED : VS_ERR_OPERATION_FAILED;

    if (line && WIFEXITED(h->status) && strstr(line, h->path)) {
        g_set_error_literal(error, VS_ERROR_QEMU, code, line);
    } else if (line && WIFEXITED(h->status)) {
        g_set_error(error, VS_ERROR_QEMU, code,
                    h->write ? _("cannot write save image '%s': %s") :
                    _("cannot read save image '%s': %s"), h->path, line);
    } else if (line) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("I/O helper for '%s' %s: %s"), h->path, desc, line);
    } else {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("I/O helper for '%s' %s"), h->path, desc);
    }
}


/**
 * qemuIOHelperFinish:
 * @h: a started helper
 * @timeoutMs: longest wait in milliseconds, < 0 for no limit
 * @error: return location for a #GError
 *
 * Waits for the helper to exit, after every writer of its input (on
 * save) or every reader of its output (on restore) is done. A helper
 * still running after @timeoutMs is killed. Exit status 0 after a write
 * means the stream is durable in the image.
 *
 * Returns: TRUE if the helper succeeded, else FALSE with @error set
 * (VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED) to the helper's own message,
 * e.g. "cannot write '/x/y.save': No space left on device", or to how
 * it died; VS_ERR_OPERATION_TIMEOUT on timeout.
 */
gboolean
qemuIOHelperFinish(qemuIOHelper *h,
                   int timeoutMs,
                   GError **error)
{
    g_autoptr(GError) waitErr = NULL;

    if (!h->reaped) {
        if (!vsSpawnWait(h->pid, h->pidfd, timeoutMs, &h->status,
                         &waitErr)) {
            qemuIOHelperAbort(h);
            g_set_error(error, VS_ERROR_QEMU,
                        g_error_matches(waitErr, VS_ERROR_NONE,
                                        VS_ERR_OPERATION_TIMEOUT) ?
                        VS_ERR_OPERATION_TIMEOUT : VS_ERR_OPERATION_FAILED,
                        _("I/O helper for '%s' did not finish: %s"),
                        h->path, waitErr->message);
            return FALSE;
        }
        h->reaped = TRUE;
    }
    qemuIOHelperJoinErrThread(h);

    if (WIFEXITED(h->status) && WEXITSTATUS(h->status) == 0) {
        VS_DEBUG("I/O helper pid %lld for '%s' succeeded",
                 (long long) h->pid, h->path);
        return TRUE;
    }

    qemuIOHelperSetError(h, error);
    VS_DEBUG("I/O helper pid %lld for '%s' failed (status 0x%x): %s",
             (long long) h->pid, h->path, h->status, h->errText->str);
    return FALSE;
}


/**
 * qemuIOHelperAbort:
 * @h: a started helper
 *
 * Kills the helper (SIGKILL) and reaps it; the helper's own children
 * notice their closed pipes and end. A later qemuIOHelperFinish()
 * reports it as killed. Does nothing to a helper already reaped.
 */
void
qemuIOHelperAbort(qemuIOHelper *h)
{
    if (!h->reaped) {
        VS_DEBUG("killing I/O helper pid %lld for '%s'",
                 (long long) h->pid, h->path);
        if (kill(h->pid, SIGKILL) < 0)
            VS_WARN("cannot kill I/O helper %lld: %s", (long long) h->pid,
                    g_strerror(errno));
        if (vsSpawnWait(h->pid, h->pidfd, -1, &h->status, NULL))
            h->reaped = TRUE;
        else
            h->status = 0x7f00;  /* not reaped: report it as failed */
    }
    qemuIOHelperJoinErrThread(h);
}
