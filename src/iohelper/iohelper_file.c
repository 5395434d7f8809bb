/*
 * iohelper_file.c: the image file and plain pipes as sources and sinks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "iohelper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("iohelper.file");

/* What F_SETPIPE_SZ asks for first; unprivileged processes are limited
 * by /proc/sys/fs/pipe-max-size (1 MiB by default). */
#define IOHELPER_PIPE_SIZE (1024 * 1024)
#define IOHELPER_PIPE_SIZE_MIN (64 * 1024)

typedef struct {
    iohelperSource parent;
    int fd;
    char *name;
    off_t pos;
    size_t align;
    size_t skip;
    gboolean eof;
} iohelperFileSource;

typedef struct {
    iohelperSink parent;
    int fd;
    char *name;
    off_t start;
    off_t pos;
    size_t align;
    gboolean regular;
    gboolean padded;
} iohelperFileSink;

typedef struct {
    iohelperSource parent;
    int fd;
    char *name;
} iohelperPipeSource;

typedef struct {
    iohelperSink parent;
    int fd;
    char *name;
    gboolean broken;
} iohelperPipeSink;


/*
 * With O_DIRECT the reads start at the aligned offset at or below the
 * stream's start and skip the bytes before it, so any offset works. A
 * short read that leaves the position unaligned can only be the end of
 * the file: the kernel serves O_DIRECT reads in whole blocks except for
 * the file's last one.
 */
static gssize
iohelperFileSourceFill(iohelperSource *src,
                       char *buf,
                       size_t len,
                       GError **error)
{
    iohelperFileSource *fs = (iohelperFileSource *) src;
    size_t done = 0;

    while (done < len && !fs->eof) {
        ssize_t n = pread(fs->fd, buf + done, len - done, fs->pos);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot read '%s'"), fs->name);
            return -1;
        }
        if (n == 0)
            fs->eof = TRUE;
        done += n;
        fs->pos += n;
        if (fs->align && fs->pos % fs->align)
            fs->eof = TRUE;
    }

    if (fs->skip) {
        size_t skip = MIN(fs->skip, done);

        memmove(buf, buf + skip, done - skip);
        done -= skip;
        fs->skip -= skip;
        if (done == 0 && !fs->eof)
            return iohelperFileSourceFill(src, buf, len, error);
    }

    return done;
}


static void
iohelperFileSourceFree(iohelperSource *src)
{
    iohelperFileSource *fs = (iohelperFileSource *) src;

    g_free(fs->name);
    g_free(fs);
}


/**
 * iohelperFileSourceNew:
 * @fd: the image, open for reading (with O_DIRECT if @align is not 0)
 * @name: the image's name for messages
 * @offset: where the stream starts
 * @align: O_DIRECT offset alignment, 0 for buffered reads
 *
 * Returns: (transfer full) a source reading @fd from @offset to its end.
 * @fd stays the caller's.
 */
iohelperSource *
iohelperFileSourceNew(int fd,
                      const char *name,
                      uint64_t offset,
                      size_t align)
{
    iohelperFileSource *fs = g_new0(iohelperFileSource, 1);

    fs->parent.fill = iohelperFileSourceFill;
    fs->parent.free = iohelperFileSourceFree;
    fs->parent.cancelFd = -1;
    fs->fd = fd;
    fs->name = g_strdup(name);
    fs->align = align;
    fs->pos = offset;
    if (align) {
        fs->pos = offset - offset % align;
        fs->skip = offset % align;
    }

    return &fs->parent;
}


/*
 * Only the last buffer may be short. With O_DIRECT its length is rounded
 * up to the alignment with zeros; they land beyond the end of the stream,
 * where nothing of the image lives, and finish() cuts them off again.
 */
static gboolean
iohelperFileSinkPut(iohelperSink *sink,
                    char *buf,
                    size_t len,
                    GError **error)
{
    iohelperFileSink *fk = (iohelperFileSink *) sink;
    size_t wlen = len;
    size_t done = 0;

    if (fk->padded) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INTERNAL_ERROR,
                    _("unaligned write in the middle of '%s'"), fk->name);
        return FALSE;
    }

    if (fk->align && len % fk->align) {
        wlen = VS_ROUND_UP(len, fk->align);
        memset(buf + len, 0, wlen - len);
        fk->padded = TRUE;
    }

    while (done < wlen) {
        ssize_t n = pwrite(fk->fd, buf + done, wlen - done, fk->pos + done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot write '%s'"), fk->name);
            return FALSE;
        }
        if (n == 0) {
            vsSetErrorSystem(error, ENOSPC, _("cannot write '%s'"), fk->name);
            return FALSE;
        }
        done += n;
    }

    fk->pos += len;
    return TRUE;
}


/*
 * The stream is the rest of the image, so a regular file ends where the
 * stream ends: this drops the tail padding and whatever a longer earlier
 * image left behind. The fdatasync is the durability point of the save.
 */
static gboolean
iohelperFileSinkFinish(iohelperSink *sink,
                       GError **error)
{
    iohelperFileSink *fk = (iohelperFileSink *) sink;

    VS_DEBUG("wrote %lld bytes of stream to '%s'",
             (long long) (fk->pos - fk->start), fk->name);

    if (fk->regular && ftruncate(fk->fd, fk->pos) < 0) {
        vsSetErrorSystem(error, errno, _("cannot truncate '%s'"), fk->name);
        return FALSE;
    }

    if (!vsFileSync(fk->fd, error)) {
        g_prefix_error(error, _("cannot save '%s': "), fk->name);
        return FALSE;
    }

    return TRUE;
}


static void
iohelperFileSinkFree(iohelperSink *sink)
{
    iohelperFileSink *fk = (iohelperFileSink *) sink;

    g_free(fk->name);
    g_free(fk);
}


/**
 * iohelperFileSinkNew:
 * @fd: the image, open for writing (with O_DIRECT if @align is not 0)
 * @name: the image's name for messages
 * @offset: where the stream starts, a multiple of @align
 * @align: O_DIRECT offset alignment, 0 for buffered writes
 * @regular: whether @fd is a regular file (truncated at the end)
 *
 * Returns: (transfer full) a sink writing the stream into @fd from
 * @offset on and making it durable in finish(). @fd stays the caller's.
 */
iohelperSink *
iohelperFileSinkNew(int fd,
                    const char *name,
                    uint64_t offset,
                    size_t align,
                    gboolean regular)
{
    iohelperFileSink *fk = g_new0(iohelperFileSink, 1);

    fk->parent.put = iohelperFileSinkPut;
    fk->parent.finish = iohelperFileSinkFinish;
    fk->parent.free = iohelperFileSinkFree;
    fk->fd = fd;
    fk->name = g_strdup(name);
    fk->start = offset;
    fk->pos = offset;
    fk->align = align;
    fk->regular = regular;

    return &fk->parent;
}


/*
 * Waits until @fd is readable or @cancelFd (if any) signals that the
 * other side of the copy gave up.
 */
static gboolean
iohelperPipeWait(int fd,
                 int cancelFd,
                 const char *name,
                 GError **error)
{
    struct pollfd fds[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = cancelFd, .events = POLLIN },
    };

    if (cancelFd < 0)
        return TRUE;

    while (poll(fds, 2, -1) < 0) {
        if (errno != EINTR) {
            vsSetErrorSystem(error, errno, _("cannot wait for '%s'"), name);
            return FALSE;
        }
    }

    if (fds[1].revents) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_ABORTED,
                    _("reading from '%s' was cancelled"), name);
        return FALSE;
    }

    return TRUE;
}


static gssize
iohelperPipeSourceFill(iohelperSource *src,
                       char *buf,
                       size_t len,
                       GError **error)
{
    iohelperPipeSource *ps = (iohelperPipeSource *) src;
    size_t done = 0;

    while (done < len) {
        ssize_t n;

        if (!iohelperPipeWait(ps->fd, src->cancelFd, ps->name, error))
            return -1;

        n = read(ps->fd, buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            vsSetErrorSystem(error, errno, _("cannot read from '%s'"), ps->name);
            return -1;
        }
        if (n == 0)
            break;
        done += n;
    }

    return done;
}


static void
iohelperPipeSourceFree(iohelperSource *src)
{
    iohelperPipeSource *ps = (iohelperPipeSource *) src;

    g_free(ps->name);
    g_free(ps);
}


/**
 * iohelperPipeSourceNew:
 * @fd: a pipe (or any readable descriptor)
 * @name: what @fd is, for messages, e.g. "stdin" or a program's name
 *
 * Returns: (transfer full) a source reading @fd to its end, filling each
 * buffer completely except the last. @fd stays the caller's.
 */
iohelperSource *
iohelperPipeSourceNew(int fd,
                      const char *name)
{
    iohelperPipeSource *ps = g_new0(iohelperPipeSource, 1);

    ps->parent.fill = iohelperPipeSourceFill;
    ps->parent.free = iohelperPipeSourceFree;
    ps->parent.cancelFd = -1;
    ps->fd = fd;
    ps->name = g_strdup(name);

    return &ps->parent;
}


static gboolean
iohelperPipeSinkPut(iohelperSink *sink,
                    char *buf,
                    size_t len,
                    GError **error)
{
    iohelperPipeSink *pk = (iohelperPipeSink *) sink;
    size_t done = 0;

    if (pk->fd < 0) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INTERNAL_ERROR,
                    _("cannot write to '%s': already closed"), pk->name);
        return FALSE;
    }

    while (done < len) {
        ssize_t n = write(pk->fd, buf + done, len - done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE) {
                pk->broken = TRUE;
                /* IOHELPER_ERR_READER_GONE: a consequence, not a cause. */
                g_set_error(error, VS_ERROR_SYSTEM, IOHELPER_ERR_READER_GONE,
                            _("cannot write to '%s': the reader closed the pipe early"),
                            pk->name);
            } else {
                vsSetErrorSystem(error, errno, _("cannot write to '%s'"),
                                 pk->name);
            }
            return FALSE;
        }
        done += n;
    }

    return TRUE;
}


static gboolean
iohelperPipeSinkFinish(iohelperSink *sink,
                       GError **error G_GNUC_UNUSED)
{
    iohelperPipeSinkClose(sink);
    return TRUE;
}


static void
iohelperPipeSinkFree(iohelperSink *sink)
{
    iohelperPipeSink *pk = (iohelperPipeSink *) sink;

    vsFdClose(&pk->fd);
    g_free(pk->name);
    g_free(pk);
}


/**
 * iohelperPipeSinkNew:
 * @fd: a pipe (or any writable descriptor)
 * @name: what @fd is, for messages, e.g. "stdout" or a program's name
 *
 * Returns: (transfer full) a sink writing everything to @fd. The sink
 * owns @fd and closes it in finish(), so that the reader sees the end of
 * the data, or in iohelperPipeSinkClose() or when freed.
 */
iohelperSink *
iohelperPipeSinkNew(int fd,
                    const char *name)
{
    iohelperPipeSink *pk = g_new0(iohelperPipeSink, 1);

    pk->parent.put = iohelperPipeSinkPut;
    pk->parent.finish = iohelperPipeSinkFinish;
    pk->parent.free = iohelperPipeSinkFree;
    pk->fd = fd;
    pk->name = g_strdup(name);

    return &pk->parent;
}


/**
 * iohelperPipeSinkBroken:
 * @sink: a sink from iohelperPipeSinkNew()
 *
 * Returns: TRUE if a write failed because the reader had gone (EPIPE).
 */
gboolean
iohelperPipeSinkBroken(iohelperSink *sink)
{
    return ((iohelperPipeSink *) sink)->broken;
}


/**
 * iohelperPipeSinkClose:
 * @sink: a sink from iohelperPipeSinkNew()
 *
 * Closes the sink's descriptor (once), telling the reader that no more
 * data comes.
 */
void
iohelperPipeSinkClose(iohelperSink *sink)
{
    vsFdClose(&((iohelperPipeSink *) sink)->fd);
}


/**
 * iohelperPipeGrow:
 * @fd: a descriptor, maybe a pipe
 *
 * Raises the capacity of a pipe to 1 MiB, halving the request down to
 * 64 KiB when the limit for unprivileged processes refuses it. Larger
 * pipes mean fewer wake-ups on both sides. Descriptors that are not pipes
 * are left alone.
 */
void
iohelperPipeGrow(int fd)
{
    int size;

    for (size = IOHELPER_PIPE_SIZE; size >= IOHELPER_PIPE_SIZE_MIN;
         size /= 2) {
        int ret = fcntl(fd, F_SETPIPE_SZ, size);

        if (ret >= 0) {
            VS_DEBUG("pipe fd %d now holds %d bytes", fd, ret);
            return;
        }
        if (errno != EPERM)
            break;
    }

    VS_DEBUG("pipe size of fd %d left unchanged: %s", fd, g_strerror(errno));
}
