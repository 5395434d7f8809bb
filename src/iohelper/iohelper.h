/*
 * iohelper.h: the copying helper for stream-format save images
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virtsave_iohelper moves a QEMU migration stream between a pipe and the
 * image file. The copy is built from one source and one sink: the source
 * fills buffers (from a pipe, from the file, or by compressing), the sink
 * drains them (into the file, into a pipe, or by decompressing). Between
 * the two runs either a ring of buffers served by two threads or, for
 * comparison, a single buffer (see docs/iohelper.md).
 */

#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "vsenum.h"
#include "vserror.h"

/*
 * The code of an error that only says the reader of the helper's output
 * (QEMU, on restore) went away before the stream ended: a consequence of
 * a failure elsewhere, not its cause. The helper then exits with
 * IOHELPER_EXIT_READER_GONE so that the driver reports QEMU's reason.
 */
#define IOHELPER_ERR_READER_GONE VS_ERR_OPERATION_ABORTED
#define IOHELPER_EXIT_READER_GONE 3

typedef enum {
    IOHELPER_FORMAT_RAW,
    IOHELPER_FORMAT_GZIP,
    IOHELPER_FORMAT_BZIP2,
    IOHELPER_FORMAT_XZ,
    IOHELPER_FORMAT_LZOP,
    IOHELPER_FORMAT_ZSTD,

    IOHELPER_FORMAT_LAST,
} iohelperFormat;

VS_ENUM_DECL(iohelperFormat);

typedef struct _iohelperSource iohelperSource;
typedef struct _iohelperSink iohelperSink;

/*
 * A producer of bytes. fill() stores up to @len bytes in @buf and returns
 * how many, 0 meaning the end of the data, -1 an error. Sources that feed
 * the image file fill @buf completely except at the end, which is what
 * keeps O_DIRECT writes aligned. @cancelFd is set by the copy engine: a
 * source that may block on a pipe must give up once it becomes readable.
 */
struct _iohelperSource {
    gssize (*fill)(iohelperSource *src, char *buf, size_t len,
                   GError **error);
    void (*free)(iohelperSource *src);
    int cancelFd;
};

/*
 * A consumer of bytes. put() takes @len bytes from @buf; @buf is one of
 * the copy engine's buffers and may be modified (the file sink pads the
 * tail in place). finish() runs once after the last put(), on success
 * only.
 */
struct _iohelperSink {
    gboolean (*put)(iohelperSink *sink, char *buf, size_t len,
                    GError **error);
    gboolean (*finish)(iohelperSink *sink, GError **error);
    void (*free)(iohelperSink *sink);
};

void iohelperSourceFree(iohelperSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(iohelperSource, iohelperSourceFree);
void iohelperSinkFree(iohelperSink *sink);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(iohelperSink, iohelperSinkFree);

/* iohelper_copy.c: moving buffers from a source to a sink */
gboolean iohelperCopyPipelined(iohelperSource *src, iohelperSink *sink,
                               size_t bufSize, size_t bufAlign,
                               guint nbufs, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean iohelperCopySerial(iohelperSource *src, iohelperSink *sink,
                            size_t bufSize, size_t bufAlign,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* iohelper_file.c: the image file and plain pipes */
iohelperSource *iohelperFileSourceNew(int fd, const char *name,
                                      uint64_t offset, size_t align);
iohelperSink *iohelperFileSinkNew(int fd, const char *name,
                                  uint64_t offset, size_t align,
                                  gboolean regular);
iohelperSource *iohelperPipeSourceNew(int fd, const char *name);
iohelperSink *iohelperPipeSinkNew(int fd, const char *name);
gboolean iohelperPipeSinkBroken(iohelperSink *sink);
void iohelperPipeSinkClose(iohelperSink *sink);
void iohelperPipeGrow(int fd);

/* iohelper_zstd.c: zstd through libzstd, in process */
iohelperSource *iohelperZstdSourceNew(iohelperSource *input, int level,
                                      guint threads, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
iohelperSink *iohelperZstdSinkNew(iohelperSink *output, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* iohelper_prog.c: external compression programs */
typedef struct _iohelperProg iohelperProg;

iohelperProg *iohelperProgStart(iohelperFormat format, gboolean compress,
                                int inFd, int outFd, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean iohelperProgWait(iohelperProg *prog, gboolean terminate,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void iohelperProgFree(iohelperProg *prog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(iohelperProg, iohelperProgFree);
const char *iohelperProgName(iohelperFormat format);
