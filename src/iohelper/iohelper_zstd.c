/*
 * iohelper_zstd.c: zstd compression and decompression through libzstd
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * zstd runs in process: libzstd's streaming API compresses with worker
 * threads of its own, which beats a pipeline through the zstd program by
 * a copy and a context switch per buffer. The frames it writes carry a
 * content checksum and decode with the standard "zstd -d".
 */

#include <config.h>

#include "iohelper.h"

#include <zstd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("iohelper.zstd");

/* Input chunk read from the pipe per compression call: the pipe's size,
 * so that one read can empty it. */
#define IOHELPER_ZSTD_IN_SIZE (1024 * 1024)
/* Decompressed bytes written to the output per write(2). */
#define IOHELPER_ZSTD_OUT_SIZE (1024 * 1024)

typedef struct {
    iohelperSource parent;
    iohelperSource *input;
    ZSTD_CCtx *cctx;
    char *inBuf;
    ZSTD_inBuffer in;
    gboolean inEof;
    gboolean done;
} iohelperZstdSource;

typedef struct {
    iohelperSink parent;
    iohelperSink *output;
    ZSTD_DCtx *dctx;
    char *outBuf;
    size_t lastRet;
} iohelperZstdSink;


/*
 * Reads the next chunk of uncompressed data; an empty one marks the end.
 */
static gboolean
iohelperZstdSourceRead(iohelperZstdSource *zs,
                       GError **error)
{
    gssize n;

    zs->input->cancelFd = zs->parent.cancelFd;
    if ((n = zs->input->fill(zs->input, zs->inBuf, IOHELPER_ZSTD_IN_SIZE,
                             error)) < 0)
        return FALSE;

    zs->in.src = zs->inBuf;
    zs->in.size = n;
    zs->in.pos = 0;
    if (n == 0)
        zs->inEof = TRUE;
    return TRUE;
}


static gssize
iohelperZstdSourceFill(iohelperSource *src,
                       char *buf,
                       size_t len,
                       GError **error)
{
    iohelperZstdSource *zs = (iohelperZstdSource *) src;
    ZSTD_outBuffer out = { .dst = buf, .size = len, .pos = 0 };

    while (out.pos < out.size && !zs->done) {
        size_t ret;

        if (zs->in.pos == zs->in.size && !zs->inEof &&
            !iohelperZstdSourceRead(zs, error))
            return -1;

        ret = ZSTD_compressStream2(zs->cctx, &out, &zs->in,
                                   zs->inEof ? ZSTD_e_end : ZSTD_e_continue);
        if (ZSTD_isError(ret)) {
            g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INTERNAL_ERROR,
                        _("zstd compression failed: %s"),
                        ZSTD_getErrorName(ret));
            return -1;
        }
        if (zs->inEof && ret == 0)
            zs->done = TRUE;
    }

    return out.pos;
}


static void
iohelperZstdSourceFree(iohelperSource *src)
{
    iohelperZstdSource *zs = (iohelperZstdSource *) src;

    ZSTD_freeCCtx(zs->cctx);
    iohelperSourceFree(zs->input);
    g_free(zs->inBuf);
    g_free(zs);
}


static gboolean
iohelperZstdSetParam(ZSTD_CCtx *cctx,
                     ZSTD_cParameter param,
                     int value,
                     GError **error)
{
    size_t ret = ZSTD_CCtx_setParameter(cctx, param, value);

    if (ZSTD_isError(ret)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INTERNAL_ERROR,
                    _("cannot set up zstd compression: %s"),
                    ZSTD_getErrorName(ret));
        return FALSE;
    }

    return TRUE;
}


/**
 * iohelperZstdSourceNew:
 * @input: (transfer full) where the uncompressed stream comes from
 * @level: zstd compression level
 * @threads: compression worker threads, 0 to compress in the caller
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a source producing one zstd frame (with a
 * content checksum) of everything @input produces, or NULL with @error
 * set.
 */
iohelperSource *
iohelperZstdSourceNew(iohelperSource *input,
                      int level,
                      guint threads,
                      GError **error)
{
    g_autoptr(iohelperSource) src = NULL;
    iohelperZstdSource *zs = g_new0(iohelperZstdSource, 1);
    ZSTD_bounds workers = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers);

    zs->parent.fill = iohelperZstdSourceFill;
    zs->parent.free = iohelperZstdSourceFree;
    zs->parent.cancelFd = -1;
    zs->input = input;
    zs->inBuf = g_malloc(IOHELPER_ZSTD_IN_SIZE);
    src = &zs->parent;

    if (!(zs->cctx = ZSTD_createCCtx())) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_NO_MEMORY,
                    _("cannot create a zstd compression context"));
        return NULL;
    }

    if (!ZSTD_isError(workers.error) && threads > (guint) workers.upperBound) {
        VS_DEBUG("libzstd allows %d workers, not %u",
                 workers.upperBound, threads);
        threads = workers.upperBound;
    }
    VS_DEBUG("zstd level %d, %u workers", level, threads);

    if (!iohelperZstdSetParam(zs->cctx, ZSTD_c_compressionLevel, level,
                              error) ||
        !iohelperZstdSetParam(zs->cctx, ZSTD_c_checksumFlag, 1, error) ||
        !iohelperZstdSetParam(zs->cctx, ZSTD_c_nbWorkers, threads, error))
        return NULL;

    return g_steal_pointer(&src);
}


static gboolean
iohelperZstdSinkPut(iohelperSink *sink,
                    char *buf,
                    size_t len,
                    GError **error)
{
    iohelperZstdSink *zk = (iohelperZstdSink *) sink;
    ZSTD_inBuffer in = { .src = buf, .size = len, .pos = 0 };
    ZSTD_outBuffer out = { .dst = zk->outBuf, .size = IOHELPER_ZSTD_OUT_SIZE };

    /* A full output buffer may hide more output for the same input, so
     * keep going until the decoder leaves room. */
    do {
        size_t ret;

        out.pos = 0;
        ret = ZSTD_decompressStream(zk->dctx, &out, &in);
        if (ZSTD_isError(ret)) {
            g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_READ_FAILED,
                        _("cannot decompress the zstd stream: %s"),
                        ZSTD_getErrorName(ret));
            return FALSE;
        }
        zk->lastRet = ret;

        if (out.pos &&
            !zk->output->put(zk->output, zk->outBuf, out.pos, error))
            return FALSE;
    } while (in.pos < in.size || out.pos == out.size);

    return TRUE;
}


/*
 * The decoder returns 0 exactly when a frame ended and all of it was
 * written out; anything else at the end of the file is a cut stream.
 */
static gboolean
iohelperZstdSinkFinish(iohelperSink *sink,
                       GError **error)
{
    iohelperZstdSink *zk = (iohelperZstdSink *) sink;

    if (zk->lastRet != 0) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_READ_FAILED,
                    _("the zstd stream is truncated"));
        return FALSE;
    }

    return zk->output->finish(zk->output, error);
}


static void
iohelperZstdSinkFree(iohelperSink *sink)
{
    iohelperZstdSink *zk = (iohelperZstdSink *) sink;

    ZSTD_freeDCtx(zk->dctx);
    iohelperSinkFree(zk->output);
    g_free(zk->outBuf);
    g_free(zk);
}


/**
 * iohelperZstdSinkNew:
 * @output: (transfer full) where the decompressed stream goes
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a sink decompressing one or more zstd frames
 * into @output and failing in finish() if the last frame is incomplete,
 * or NULL with @error set.
 */
iohelperSink *
iohelperZstdSinkNew(iohelperSink *output,
                    GError **error)
{
    g_autoptr(iohelperSink) sink = NULL;
    iohelperZstdSink *zk = g_new0(iohelperZstdSink, 1);

    zk->parent.put = iohelperZstdSinkPut;
    zk->parent.finish = iohelperZstdSinkFinish;
    zk->parent.free = iohelperZstdSinkFree;
    zk->output = output;
    zk->outBuf = g_malloc(IOHELPER_ZSTD_OUT_SIZE);
    /* No frame seen yet: an empty file is not a zstd stream. */
    zk->lastRet = 1;
    sink = &zk->parent;

    if (!(zk->dctx = ZSTD_createDCtx())) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_NO_MEMORY,
                    _("cannot create a zstd decompression context"));
        return NULL;
    }

    return g_steal_pointer(&sink);
}
