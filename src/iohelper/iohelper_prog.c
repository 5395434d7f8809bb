/*
 * iohelper_prog.c: external compression programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * gzip, bzip2, xz and lzop run as programs found in PATH, with the flags
 * libvirt uses for its images (docs/iohelper.md): "-c" to compress
 * ("xz -c -3"), "-dc" to decompress ("lzop -dc --ignore-warn"). The
 * program's standard error goes to an anonymous memory file, which can
 * never fill up and block it, and is quoted when the program fails.
 */

#include <config.h>

#include "iohelper.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsspawn.h"

VS_LOG_INIT("iohelper.prog");

/* How much of the program's standard error a message quotes. */
#define IOHELPER_PROG_STDERR_MAX 1024

struct _iohelperProg {
    char *name;
    gboolean compress;
    pid_t pid;
    int pidfd;
    int errFd;
};

VS_ENUM_IMPL(iohelperFormat, IOHELPER_FORMAT_LAST,
             "raw", "gzip", "bzip2", "xz", "lzop", "zstd",
);


/**
 * iohelperProgName:
 * @format: an image format
 *
 * Returns: (transfer none) the program that handles @format, or NULL for
 * formats handled in process (raw, zstd).
 */
const char *
iohelperProgName(iohelperFormat format)
{
    switch (format) {
    case IOHELPER_FORMAT_GZIP:
    case IOHELPER_FORMAT_BZIP2:
    case IOHELPER_FORMAT_XZ:
    case IOHELPER_FORMAT_LZOP:
        return iohelperFormatTypeToString(format);
    case IOHELPER_FORMAT_RAW:
    case IOHELPER_FORMAT_ZSTD:
    case IOHELPER_FORMAT_LAST:
        break;
    }

    return NULL;
}


static vsSpawn *
iohelperProgBuild(iohelperFormat format,
                  gboolean compress)
{
    const char *argv[] = { iohelperProgName(format), NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);

    if (compress) {
        vsSpawnAddArg(cmd, "-c");
        if (format == IOHELPER_FORMAT_XZ)
            vsSpawnAddArg(cmd, "-3");
    } else {
        vsSpawnAddArg(cmd, "-dc");
        if (format == IOHELPER_FORMAT_LZOP)
            vsSpawnAddArg(cmd, "--ignore-warn");
    }

    return g_steal_pointer(&cmd);
}


/**
 * iohelperProgStart:
 * @format: a format handled by a program (see iohelperProgName())
 * @compress: TRUE to compress, FALSE to decompress
 * @inFd: the program's standard input (kept by the caller)
 * @outFd: the program's standard output (kept by the caller)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the running program, to be reaped with
 * iohelperProgWait(), or NULL with @error set.
 */
iohelperProg *
iohelperProgStart(iohelperFormat format,
                  gboolean compress,
                  int inFd,
                  int outFd,
                  GError **error)
{
    g_autoptr(vsSpawn) cmd = iohelperProgBuild(format, compress);
    g_autoptr(iohelperProg) prog = g_new0(iohelperProg, 1);
    g_autofree char *cmdline = vsSpawnToString(cmd);

    prog->name = g_strdup(iohelperProgName(format));
    prog->compress = compress;
    prog->pid = -1;
    prog->pidfd = -1;

    if ((prog->errFd = memfd_create("iohelper-stderr", MFD_CLOEXEC)) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot create a buffer for the errors of '%s'"),
                         prog->name);
        return NULL;
    }

    vsSpawnSetStdin(cmd, inFd);
    vsSpawnSetStdout(cmd, outFd);
    vsSpawnSetStderr(cmd, prog->errFd);

    if ((prog->pid = vsSpawnRun(cmd, &prog->pidfd, error)) < 0) {
        prog->pid = -1;
        return NULL;
    }

    VS_DEBUG("started '%s' as process %lld", cmdline, (long long) prog->pid);
    return g_steal_pointer(&prog);
}


/* The program's standard error (at most IOHELPER_PROG_STDERR_MAX bytes
 * of it) on one line: lines stripped, blank ones dropped, "; " between. */
static char *
iohelperProgReadStderr(iohelperProg *prog)
{
    char buf[IOHELPER_PROG_STDERR_MAX + 1] = { 0 };
    ssize_t n = pread(prog->errFd, buf, IOHELPER_PROG_STDERR_MAX, 0);
    g_auto(GStrv) lines = NULL;
    g_autoptr(GPtrArray) kept = g_ptr_array_new();
    size_t i;

    if (n <= 0)
        return NULL;

    lines = g_strsplit(buf, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (*g_strstrip(lines[i]))
            g_ptr_array_add(kept, lines[i]);
    }
    g_ptr_array_add(kept, NULL);

    return g_strjoinv("; ", (char **) kept->pdata);
}


static void
iohelperProgSetError(iohelperProg *prog,
                     int status,
                     GError **error)
{
    g_autofree char *how = vsSpawnDescribeStatus(status);
    g_autofree char *msg = iohelperProgReadStderr(prog);

    if (!msg || !*msg) {
        g_clear_pointer(&msg, g_free);
        msg = g_strdup(_("no error message"));
    }

    if (prog->compress) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                    _("compression program '%s' failed (%s): %s"),
                    prog->name, how, msg);
    } else {
        /* A decompressor writes straight into the helper's standard
         * output: SIGPIPE there means its reader went away first. */
        gboolean readerGone = WIFSIGNALED(status) &&
                              WTERMSIG(status) == SIGPIPE;

        g_set_error(error, VS_ERROR_SYSTEM,
                    readerGone ? IOHELPER_ERR_READER_GONE :
                                 VS_ERR_OPERATION_FAILED,
                    _("decompression program '%s' failed (%s): %s"),
                    prog->name, how, msg);
    }
}


/**
 * iohelperProgWait:
 * @prog: a program from iohelperProgStart()
 * @terminate: whether to kill it first (the copy failed and its output or
 *   input is of no use any more)
 * @error: return location for a #GError
 *
 * Reaps @prog. A program that exits 0 succeeded; one that exits
 * otherwise or dies of a signal failed, except for the SIGKILL this
 * function sent because of @terminate.
 *
 * Returns: TRUE if the program succeeded (or was killed as asked), FALSE
 * with @error naming the program, its fate and its standard error.
 */
gboolean
iohelperProgWait(iohelperProg *prog,
                 gboolean terminate,
                 GError **error)
{
    int status = 0;
    pid_t pid = prog->pid;

    if (pid < 0)
        return TRUE;

    /* An unreaped child keeps its pid, so this cannot hit another
     * process; one that already exited ignores the signal. */
    if (terminate) {
        VS_DEBUG("killing '%s'", prog->name);
        if (kill(pid, SIGKILL) < 0)
            VS_DEBUG("cannot kill '%s': %s", prog->name, g_strerror(errno));
    }

    if (!vsSpawnWait(pid, prog->pidfd, -1, &status, error)) {
        g_prefix_error(error, _("cannot wait for '%s': "), prog->name);
        return FALSE;
    }
    prog->pid = -1;

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TRUE;
    if (terminate && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        return TRUE;

    iohelperProgSetError(prog, status, error);
    return FALSE;
}


/**
 * iohelperProgFree:
 * @prog: a program or NULL
 *
 * Kills and reaps the program if that has not happened yet, so that no
 * zombie stays behind, and frees @prog.
 */
void
iohelperProgFree(iohelperProg *prog)
{
    if (!prog)
        return;

    if (prog->pid >= 0 && !iohelperProgWait(prog, TRUE, NULL))
        VS_DEBUG("'%s' failed while being killed", prog->name);
    vsFdClose(&prog->pidfd);
    vsFdClose(&prog->errFd);
    g_free(prog->name);
    g_free(prog);
}
