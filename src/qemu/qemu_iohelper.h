/*
 * qemu_iohelper.h: running virtsave_iohelper for the stream formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The raw format with the page cache bypassed and the compressed formats
 * need a process between QEMU and the image: QEMU writes (or reads) a
 * plain pipe, virtsave_iohelper moves the stream between that pipe and
 * the file. The helper's command line and exit status are described in
 * docs/iohelper.md; this module starts it, collects its one-line error
 * and reaps it.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "qemu_saveimage.h"

/* Environment variable naming the helper binary to run instead of the
 * installed one (tests, the build tree). */
#define QEMU_IOHELPER_ENV "VIRTSAVE_IOHELPER"

/* File name of the helper in the libexec and build directories. */
#define QEMU_IOHELPER_NAME "virtsave_iohelper"

/* Size asked for the pipe between QEMU and the helper. */
#define QEMU_IOHELPER_PIPE_SIZE (1024 * 1024)

typedef struct _qemuIOHelper qemuIOHelper;

void qemuIOHelperFree(qemuIOHelper *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuIOHelper, qemuIOHelperFree);

char *qemuIOHelperFindBinary(GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuIOHelperNeeded(qemuSaveFormat format,
                            gboolean bypassCache);

gboolean qemuIOHelperCheckFormatAvailable(qemuSaveFormat format,
                                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuIOHelper *qemuIOHelperStartWrite(const char *path,
                                     int fd,
                                     off_t offset,
                                     gboolean direct,
                                     qemuSaveFormat format,
                                     int *pipeWriteEnd,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuIOHelper *qemuIOHelperStartWriteFromFd(const char *path,
                                           int fd,
                                           off_t offset,
                                           gboolean direct,
                                           qemuSaveFormat format,
                                           int streamFd,
                                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuIOHelper *qemuIOHelperStartRead(const char *path,
                                    int fd,
                                    off_t offset,
                                    gboolean direct,
                                    qemuSaveFormat format,
                                    int *pipeReadEnd,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuIOHelper *qemuIOHelperStartReadToFd(const char *path,
                                        int fd,
                                        off_t offset,
                                        gboolean direct,
                                        qemuSaveFormat format,
                                        int streamFd,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

pid_t qemuIOHelperGetPid(const qemuIOHelper *h);

gboolean qemuIOHelperFinish(qemuIOHelper *h,
                            int timeoutMs,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void qemuIOHelperAbort(qemuIOHelper *h);
