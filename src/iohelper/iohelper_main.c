/*
 * iohelper_main.c: virtsave_iohelper, the copying helper for stream
 * formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The command line, its checks and the wiring of sources and sinks for
 * the two directions. docs/iohelper.md is the contract with the driver.
 */

#include <config.h>

#include "iohelper.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("iohelper");

#define IOHELPER_NAME "virtsave_iohelper"

/* Exit statuses (docs/iohelper.md). */
#define IOHELPER_EXIT_FAILED 1
#define IOHELPER_EXIT_USAGE 2

/* Measured on ext4 and tmpfs (docs/benchmarks.md): four 8 MiB buffers
 * keep the disk busy while the pipe refills; more buys nothing. */
#define IOHELPER_BUF_SIZE (8 * 1024 * 1024)
#define IOHELPER_NBUFS 4
/* The single-buffer copy of --naive, sized like libvirt's helper. */
#define IOHELPER_NAIVE_BUF_SIZE (1024 * 1024)
#define IOHELPER_ZSTD_LEVEL 3

typedef struct {
    gboolean write;
    char *path;
    int fd;
    uint64_t offset;
    gboolean direct;
    iohelperFormat format;
    guint threads;
    gboolean naive;
    size_t bufSize;
    guint nbufs;
} iohelperJob;

typedef struct {
    char *writePath;
    char *readPath;
    gint fd;
    char *offset;
    gboolean direct;
    char *format;
    gint threads;
    gboolean naive;
    char *bufSize;
    gint nbufs;
    char *logLevel;
} iohelperArgs;


static void
iohelperArgsClear(iohelperArgs *args)
{
    g_free(args->writePath);
    g_free(args->readPath);
    g_free(args->offset);
    g_free(args->format);
    g_free(args->bufSize);
    g_free(args->logLevel);
}


static gboolean
iohelperParseSize(const char *str,
                  const char *option,
                  uint64_t max,
                  uint64_t *value,
                  GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!g_ascii_string_to_unsigned(str, 10, 0, max, value, &err)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("invalid value '%s' for option '%s': %s"),
                    str, option, err->message);
        return FALSE;
    }

    return TRUE;
}


/* Turns the parsed options into a job, checking what GOption cannot. */
static gboolean
iohelperArgsToJob(iohelperArgs *args,
                  iohelperJob *job,
                  GError **error)
{
    uint64_t value;
    int format = IOHELPER_FORMAT_RAW;

    if (!args->writePath == !args->readPath) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("exactly one of '--write' and '--read' is required"));
        return FALSE;
    }
    job->write = args->writePath != NULL;
    job->path = g_strdup(job->write ? args->writePath : args->readPath);
    job->fd = args->fd;
    job->direct = args->direct;
    job->naive = args->naive;

    if (args->offset &&
        !iohelperParseSize(args->offset, "--offset", G_MAXINT64,
                           &job->offset, error))
        return FALSE;

    if (args->format &&
        (format = iohelperFormatTypeFromString(args->format)) < 0) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("unsupported format '%s'"), args->format);
        return FALSE;
    }
    job->format = format;

    job->threads = args->threads >= 0 ? (guint) args->threads
                                      : g_get_num_processors();
    job->nbufs = args->nbufs > 0 ? (guint) args->nbufs : IOHELPER_NBUFS;
    job->bufSize = job->naive ? IOHELPER_NAIVE_BUF_SIZE : IOHELPER_BUF_SIZE;
    if (args->bufSize) {
        if (!iohelperParseSize(args->bufSize, "--buffer-size",
                               1024 * 1024 * 1024, &value, error))
            return FALSE;
        job->bufSize = VS_ROUND_UP(MAX(value, 1), 64 * 1024);
    }

    if (args->logLevel &&
        !vsLogSetDefaultPriority(args->logLevel, error))
        return FALSE;

    return TRUE;
}


static gboolean
iohelperParseArgs(int *argc,
                  char ***argv,
                  iohelperJob *job,
                  GError **error)
{
    iohelperArgs args = { .fd = -1, .threads = -1 };
    GOptionEntry entries[] = {
        { "write", 0, 0, G_OPTION_ARG_FILENAME, &args.writePath,
          N_("Write the stream from standard input into FILE"), "FILE" },
        { "read", 0, 0, G_OPTION_ARG_FILENAME, &args.readPath,
          N_("Read the stream from FILE to standard output"), "FILE" },
        { "fd", 0, 0, G_OPTION_ARG_INT, &args.fd,
          N_("Use the open descriptor N for FILE, which only names it"),
          "N" },
        { "offset", 0, 0, G_OPTION_ARG_STRING, &args.offset,
          N_("The stream starts at byte N of FILE (default 0)"), "N" },
        { "direct", 0, 0, G_OPTION_ARG_NONE, &args.direct,
          N_("Bypass the page cache (O_DIRECT)"), NULL },
        { "format", 0, 0, G_OPTION_ARG_STRING, &args.format,
          N_("raw, gzip, bzip2, xz, lzop or zstd (default raw)"), "F" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &args.threads,
          N_("zstd compression threads (default: online CPUs)"), "T" },
        { "naive", 0, 0, G_OPTION_ARG_NONE, &args.naive,
          N_("Copy with one 1 MiB buffer, for benchmarks"), NULL },
        { "buffer-size", 0, 0, G_OPTION_ARG_STRING, &args.bufSize,
          N_("Size of each copy buffer in bytes"), "BYTES" },
        { "buffers", 0, 0, G_OPTION_ARG_INT, &args.nbufs,
          N_("Number of copy buffers"), "N" },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &args.logLevel,
          N_("Log at LEVEL and above to standard error"), "LEVEL" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    gboolean ok;

    g_option_context_set_summary(ctx,
        _("Copy a QEMU migration stream between a pipe and a save image."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);

    ok = g_option_context_parse(ctx, argc, argv, error);
    if (ok && *argc > 1) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("unexpected argument '%s'"), (*argv)[1]);
        ok = FALSE;
    }
    if (ok)
        ok = iohelperArgsToJob(&args, job, error);

    iohelperArgsClear(&args);
    return ok;
}


static int
iohelperOpenImage(const iohelperJob *job,
                  GError **error)
{
    int flags = (job->write ? O_WRONLY : O_RDONLY) |
                (job->direct ? O_DIRECT : 0);
    int fd;

    if (job->fd >= 0) {
        fd = job->fd;
        /* The descriptor is the driver's choice; only O_DIRECT may need
         * to be switched on, which fcntl can do on Linux. */
        if (job->direct && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT) < 0) {
            vsSetErrorSystem(error, errno,
                             _("cannot enable O_DIRECT on '%s'"), job->path);
            return -1;
        }
        return fd;
    }

    fd = open(job->path, flags | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL && job->direct) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the file system of '%s' does not support O_DIRECT"),
                    job->path);
        return -1;
    }
    if (fd < 0) {
        vsSetErrorSystem(error, errno, _("cannot open '%s'"), job->path);
        return -1;
    }

    return fd;
}


/*
 * Finds the O_DIRECT alignment of the image and checks the offset
 * against it: writes must start aligned, reads may start anywhere.
 */
static gboolean
iohelperDirectAlign(const iohelperJob *job,
                    int fd,
                    size_t *memAlign,
                    size_t *offAlign,
                    GError **error)
{
    if (!vsFileGetDirectIOAlign(fd, memAlign, offAlign))
        VS_DEBUG("kernel does not report the O_DIRECT alignment of '%s'",
                 job->path);

    if (*memAlign == 0 || *offAlign == 0) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the file system of '%s' does not support O_DIRECT"),
                    job->path);
        return FALSE;
    }

    if (job->write && job->offset % *offAlign) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("offset %llu in '%s' is not a multiple of the O_DIRECT alignment %zu"),
                    (unsigned long long) job->offset, job->path, *offAlign);
        return FALSE;
    }

    VS_DEBUG("O_DIRECT on '%s': memory alignment %zu, offset alignment %zu",
             job->path, *memAlign, *offAlign);
    return TRUE;
}


static gboolean
iohelperCopy(const iohelperJob *job,
             iohelperSource *src,
             iohelperSink *sink,
             size_t bufSize,
             size_t bufAlign,
             GError **error)
{
    if (job->naive)
        return iohelperCopySerial(src, sink, bufSize, bufAlign, error);
    return iohelperCopyPipelined(src, sink, bufSize, bufAlign, job->nbufs,
                                 error);
}


static gboolean
iohelperPipe(int fds[2],
             GError **error)
{
    if (pipe2(fds, O_CLOEXEC) < 0) {
        vsSetErrorSystem(error, errno, _("cannot create a pipe"));
        return FALSE;
    }

    return TRUE;
}


/*
 * Save: standard input, possibly through a compressor, into the image.
 * A failure of our own comes first: the compressor is then only killed
 * and reaped. Otherwise the compressor's fate decides.
 */
static gboolean
iohelperRunWrite(const iohelperJob *job,
                 int fd,
                 size_t align,
                 size_t bufSize,
                 size_t bufAlign,
                 gboolean regular,
                 GError **error)
{
    g_autoptr(iohelperSink) sink = NULL;
    g_autoptr(iohelperSource) src = NULL;
    g_autoptr(iohelperProg) prog = NULL;
    VS_AUTOCLOSE int progOut = -1;
    const char *progName = iohelperProgName(job->format);
    int fds[2];

    sink = iohelperFileSinkNew(fd, job->path, job->offset, align, regular);
    iohelperPipeGrow(STDIN_FILENO);

    if (job->format == IOHELPER_FORMAT_ZSTD) {
        src = iohelperZstdSourceNew(iohelperPipeSourceNew(STDIN_FILENO,
                                                          "stdin"),
                                    IOHELPER_ZSTD_LEVEL, job->threads,
                                    error);
        if (!src)
            return FALSE;
    } else if (progName) {
        if (!iohelperPipe(fds, error))
            return FALSE;
        progOut = fds[0];
        iohelperPipeGrow(progOut);
        prog = iohelperProgStart(job->format, TRUE, STDIN_FILENO, fds[1],
                                 error);
        close(fds[1]);
        if (!prog)
            return FALSE;
        src = iohelperPipeSourceNew(progOut, progName);
    } else {
        src = iohelperPipeSourceNew(STDIN_FILENO, "stdin");
    }

    if (!iohelperCopy(job, src, sink, bufSize, bufAlign, error)) {
        if (prog && !iohelperProgWait(prog, TRUE, NULL))
            VS_DEBUG("'%s' failed too", progName);
        return FALSE;
    }

    if (prog)
        return iohelperProgWait(prog, FALSE, error);
    return TRUE;
}


/*
 * Restore: the image, possibly through a decompressor, to standard
 * output. When the decompressor stops reading, its own failure (a cut or
 * corrupt stream) explains more than our broken pipe.
 */
static gboolean
iohelperRunRead(const iohelperJob *job,
                int fd,
                size_t align,
                size_t bufSize,
                size_t bufAlign,
                GError **error)
{
    g_autoptr(iohelperSource) src = NULL;
    g_autoptr(iohelperSink) sink = NULL;
    g_autoptr(iohelperProg) prog = NULL;
    g_autoptr(GError) progErr = NULL;
    const char *progName = iohelperProgName(job->format);
    gboolean broken;
    int fds[2];

    src = iohelperFileSourceNew(fd, job->path, job->offset, align);
    iohelperPipeGrow(STDOUT_FILENO);

    if (job->format == IOHELPER_FORMAT_ZSTD) {
        sink = iohelperZstdSinkNew(iohelperPipeSinkNew(STDOUT_FILENO,
                                                       "stdout"),
                                   error);
        if (!sink)
            return FALSE;
    } else if (progName) {
        if (!iohelperPipe(fds, error))
            return FALSE;
        sink = iohelperPipeSinkNew(fds[1], progName);
        iohelperPipeGrow(fds[1]);
        prog = iohelperProgStart(job->format, FALSE, fds[0], STDOUT_FILENO,
                                 error);
        close(fds[0]);
        if (!prog)
            return FALSE;
    } else {
        sink = iohelperPipeSinkNew(STDOUT_FILENO, "stdout");
    }

    if (iohelperCopy(job, src, sink, bufSize, bufAlign, error))
        return prog ? iohelperProgWait(prog, FALSE, error) : TRUE;

    if (!prog)
        return FALSE;

    broken = iohelperPipeSinkBroken(sink);
    iohelperPipeSinkClose(sink);
    if (!iohelperProgWait(prog, !broken, &progErr) && broken) {
        g_clear_error(error);
        g_propagate_error(error, g_steal_pointer(&progErr));
    }
    return FALSE;
}


static gboolean
iohelperRun(const iohelperJob *job,
            GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    size_t memAlign = 0;
    size_t offAlign = 0;
    size_t bufAlign;
    size_t bufSize;
    struct stat sb;

    if ((fd = iohelperOpenImage(job, error)) < 0)
        return FALSE;

    if (fstat(fd, &sb) < 0) {
        vsSetErrorSystem(error, errno, _("cannot stat '%s'"), job->path);
        return FALSE;
    }

    if (job->direct &&
        !iohelperDirectAlign(job, fd, &memAlign, &offAlign, error))
        return FALSE;

    /* Buffers are page aligned at least, and whole multiples of the
     * O_DIRECT alignment so that only the last write may need padding. */
    bufAlign = MAX(memAlign, (size_t) VS_DIRECT_IO_FALLBACK_ALIGN);
    bufSize = VS_ROUND_UP(job->bufSize, MAX(bufAlign, offAlign));

    VS_DEBUG("%s '%s' (fd %d) from offset %llu, format %s, direct %d, %s",
             job->write ? "writing" : "reading", job->path, fd,
             (unsigned long long) job->offset,
             iohelperFormatTypeToString(job->format), job->direct,
             job->naive ? "serial" : "pipelined");

    if (job->write)
        return iohelperRunWrite(job, fd, offAlign, bufSize, bufAlign,
                                S_ISREG(sb.st_mode), error);
    return iohelperRunRead(job, fd, offAlign, bufSize, bufAlign, error);
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    iohelperJob job = { .fd = -1 };
    int ret = 0;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");

    /* A reader that goes away must become an error message (EPIPE), not
     * a silent death; the compressors get default signal handling back
     * from vsSpawn. */
    signal(SIGPIPE, SIG_IGN);

    if (!iohelperParseArgs(&argc, &argv, &job, &err))
        ret = IOHELPER_EXIT_USAGE;
    else if (!iohelperRun(&job, &err))
        ret = g_error_matches(err, VS_ERROR_SYSTEM, IOHELPER_ERR_READER_GONE) ?
              IOHELPER_EXIT_READER_GONE : IOHELPER_EXIT_FAILED;

    if (err)
        fprintf(stderr, "%s: %s\n", IOHELPER_NAME, err->message);

    g_free(job.path);
    return ret;
}
