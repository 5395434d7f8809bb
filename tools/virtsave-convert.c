/*
 * virtsave-convert.c: "virtsave image convert", offline conversion of a
 * save image between the raw and the compressed stream formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The header, domain XML and cookie are carried over into a new header
 * block; the QEMU stream runs through two I/O helpers joined by a pipe:
 * one decompresses the source, the other compresses into the target.
 * The target is written under a temporary name and only renamed into
 * place once complete and durable, so a failure never leaves a target.
 */

#include <config.h>

#include "virtsave-convert.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "qemu_iohelper.h"
#include "qemu_saveimage.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"

/* Exit codes of virtsave (see docs/virtsave.1). */
#define CONVERT_EXIT_OK 0
#define CONVERT_EXIT_INVALID 1
#define CONVERT_EXIT_USAGE 2
#define CONVERT_EXIT_IO 3

typedef struct {
    const char *srcPath;
    const char *dstPath;
    qemuSaveFormat format;
    gboolean direct;

    qemuSaveImage src;

    char *tmpPath;
    int dstFd;
    gboolean created;
    uint64_t dstOffset;

    int exit;               /* the exit code of the first failure */
} virtsaveConvert;


static void
virtsaveConvertClear(virtsaveConvert *c)
{
    qemuSaveImageClear(&c->src);
    vsFdClose(&c->dstFd);
    if (c->created && unlink(c->tmpPath) < 0 && errno != ENOENT)
        fprintf(stderr, _("virtsave: cannot remove '%s': %s\n"),
                c->tmpPath, g_strerror(errno));
    g_free(c->tmpPath);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virtsaveConvert, virtsaveConvertClear);


/* Remember the exit code for a failure of class @code. */
static gboolean
virtsaveConvertFail(virtsaveConvert *c,
                    int code)
{
    c->exit = code;
    return FALSE;
}


/* Open the source and read what the target keeps of it. */
static gboolean
virtsaveConvertOpenSource(virtsaveConvert *c,
                          GError **error)
{
    if (!qemuSaveImageOpen(c->srcPath, 0, &c->src, NULL, NULL, error))
        return virtsaveConvertFail(c, c->src.fd < 0 ||
                                   (*error)->domain == VS_ERROR_SYSTEM ?
                                   CONVERT_EXIT_IO : CONVERT_EXIT_INVALID);

    if (c->src.hdr.format == QEMU_SAVE_FORMAT_SPARSE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the image is in the sparse format; converting it needs QEMU to read the mapped-ram stream"));
        return virtsaveConvertFail(c, CONVERT_EXIT_INVALID);
    }
    /* Only the payload's format matters to a copy of the stream: a raw
     * stream need not be loadable to be converted. */
    if (!qemuSaveImageCheckPayload(c->src.fd, &c->src.hdr, c->src.size,
                                   error))
        return virtsaveConvertFail(c, CONVERT_EXIT_INVALID);
    return TRUE;
}


/* Create the temporary target and write its header block. */
static gboolean
virtsaveConvertCreateTarget(virtsaveConvert *c,
                            GError **error)
{
    VS_AUTOALIGNED void *block = NULL;
    size_t memAlign = 0;
    size_t offAlign = 0;
    size_t align = QEMU_SAVE_ALIGN_MIN;
    size_t len;
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;

    c->tmpPath = qemuSaveImageTempPath(c->dstPath);
    if (c->direct)
        flags |= O_DIRECT;
    if ((c->dstFd = vsFileOpen(c->tmpPath, flags, 0600, error)) < 0)
        return virtsaveConvertFail(c, CONVERT_EXIT_IO);
    c->created = TRUE;

    if (c->direct && vsFileGetDirectIOAlign(c->dstFd, &memAlign, &offAlign))
        align = MAX(align, MAX(memAlign, offAlign));

    if (!(block = qemuSaveImageNewBlock(c->src.xml, c->src.cookie, c->format,
                                        c->src.hdr.wasRunning != 0, align,
                                        NULL, &len, error)))
        return virtsaveConvertFail(c, CONVERT_EXIT_INVALID);
    if (!vsFilePwriteFull(c->dstFd, block, len, 0, error)) {
        g_prefix_error(error, _("cannot write the header of '%s': "),
                       c->tmpPath);
        return virtsaveConvertFail(c, CONVERT_EXIT_IO);
    }
    c->dstOffset = len;
    return TRUE;
}


/* Run the reading helper into the writing one and wait for both. The
 * writer ends with a success after a truncated input, so the reader's
 * failure counts first; when both fail, the writer failed first and the
 * reader only saw the pipe close. */
static gboolean
virtsaveConvertCopy(virtsaveConvert *c,
                    GError **error)
{
    g_autoptr(qemuIOHelper) reader = NULL;
    g_autoptr(qemuIOHelper) writer = NULL;
    g_autoptr(GError) readErr = NULL;
    g_autoptr(GError) writeErr = NULL;
    VS_AUTOCLOSE int rd = -1;
    VS_AUTOCLOSE int wr = -1;
    gboolean readOk;
    gboolean writeOk;
    int fds[2];

    if (pipe2(fds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create pipe"));
        return virtsaveConvertFail(c, CONVERT_EXIT_IO);
    }
    rd = fds[0];
    wr = fds[1];

    if (!(reader = qemuIOHelperStartReadToFd(c->srcPath, c->src.fd,
                                             qemuSaveImageDataOffset(&c->src.hdr),
                                             c->direct, c->src.hdr.format,
                                             wr, error)) ||
        !(writer = qemuIOHelperStartWriteFromFd(c->tmpPath, c->dstFd,
                                                c->dstOffset, c->direct,
                                                c->format, rd, error)))
        return virtsaveConvertFail(c, CONVERT_EXIT_IO);
    vsFdClose(&rd);
    vsFdClose(&wr);

    /* Each helper ends on its own once the other one is gone: the
     * pipe's ends are theirs alone now. */
    readOk = qemuIOHelperFinish(reader, -1, &readErr);
    writeOk = qemuIOHelperFinish(writer, -1, &writeErr);
    if (!writeOk) {
        g_propagate_error(error, g_steal_pointer(&writeErr));
        return virtsaveConvertFail(c, CONVERT_EXIT_IO);
    }
    if (!readOk) {
        g_propagate_error(error, g_steal_pointer(&readErr));
        return virtsaveConvertFail(c, CONVERT_EXIT_INVALID);
    }
    return TRUE;
}


/* The helper made the stream durable; now the magic, then the name. */
static gboolean
virtsaveConvertFinish(virtsaveConvert *c,
                      GError **error)
{
    gboolean renamed = FALSE;
    gboolean ok;

    vsFdClose(&c->dstFd);
    ok = qemuSaveImageCommit(c->tmpPath, c->dstPath, c->direct, &renamed, NULL,
                             error);
    if (renamed)
        c->created = FALSE;
    return ok || virtsaveConvertFail(c, CONVERT_EXIT_IO);
}


/* Parse "SRC DST --format F [--direct]"; returns an exit code to stop
 * with, or -1 to go on. */
static int
virtsaveConvertParseArgs(virtsaveConvert *c,
                         int argc,
                         char **argv)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("SRC DST");
    g_autoptr(GError) err = NULL;
    g_autofree char *format = NULL;
    GOptionEntry entries[] = {
        { "format", 0, 0, G_OPTION_ARG_STRING, &format,
          N_("Format of the new image: raw, gzip, bzip2, xz, lzop or zstd"),
          "FORMAT" },
        { "direct", 0, 0, G_OPTION_ARG_NONE, &c->direct,
          N_("Bypass the page cache (O_DIRECT) for both images"), NULL },
        { NULL },
    };
    int fmt;

    g_set_prgname("virtsave image convert");
    g_option_context_set_summary(ctx,
        _("Convert a save image between the raw and the compressed formats."));
    g_option_context_add_main_entries(ctx, entries, PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "virtsave: %s\n", err->message);
        return CONVERT_EXIT_USAGE;
    }
    /* argv[0] is the command name. */
    if (argc != 3 || !format) {
        fprintf(stderr, _("virtsave: usage: virtsave image convert SRC DST --format FORMAT [--direct]\n"));
        return CONVERT_EXIT_USAGE;
    }
    if ((fmt = qemuSaveFormatTypeFromString(format)) < 0) {
        fprintf(stderr, _("virtsave: unknown save image format '%s'\n"),
                format);
        return CONVERT_EXIT_USAGE;
    }
    if (fmt == QEMU_SAVE_FORMAT_SPARSE) {
        fprintf(stderr, _("virtsave: cannot convert to the sparse format: only QEMU can write a mapped-ram stream\n"));
        return CONVERT_EXIT_USAGE;
    }

    c->srcPath = argv[1];
    c->dstPath = argv[2];
    c->format = fmt;
    return -1;
}


/**
 * virtsaveImageConvert:
 * @cmd: the table entry (unused)
 * @argc: argument count, argv[0] being "convert"
 * @argv: the arguments
 *
 * "virtsave image convert SRC DST --format F [--direct]": writes DST with
 * SRC's header fields, XML and cookie and SRC's QEMU stream in format F.
 * DST appears only when complete and durable.
 *
 * Returns: the exit code: 0 converted, 1 SRC is invalid or cannot be
 * converted, 2 usage error, 3 I/O error.
 */
int
virtsaveImageConvert(const virtsaveCommand *cmd G_GNUC_UNUSED,
                     int argc,
                     char **argv)
{
    g_auto(virtsaveConvert) c = { .src = QEMU_SAVE_IMAGE_INIT, .dstFd = -1 };
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    int ret;

    if ((ret = virtsaveConvertParseArgs(&c, argc, argv)) >= 0)
        return ret;

    if (!virtsaveConvertOpenSource(&c, &err) ||
        !virtsaveConvertCreateTarget(&c, &err) ||
        !virtsaveConvertCopy(&c, &err) ||
        !virtsaveConvertFinish(&c, &err)) {
        fprintf(stderr, _("virtsave: cannot convert '%s' to '%s': %s\n"),
                c.srcPath, c.dstPath, err->message);
        return c.exit ? c.exit : CONVERT_EXIT_INVALID;
    }

    printf(_("%s (%s) -> %s (%s) in %.1f s\n"),
           c.srcPath, qemuSaveFormatTypeToString(c.src.hdr.format),
           c.dstPath, qemuSaveFormatTypeToString(c.format),
           (g_get_monotonic_time() - start) / 1e6);
    return CONVERT_EXIT_OK;
}
