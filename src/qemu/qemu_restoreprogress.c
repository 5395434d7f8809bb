/*
 * qemu_restoreprogress.c: progress of a restore from the bytes QEMU reads
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * QEMU counts nothing for an incoming migration, so the job statistics
 * of a restore come from the kernel instead: "rchar" of /proc/PID/io
 * (every byte QEMU's threads got from read calls, page cache or not)
 * since the load began, against the bytes of the image's data that are
 * allocated on disk (holes are zero pages QEMU does not read). See
 * docs/save-restore.md, "Restore progress".
 */

#include <config.h>

#include "qemu_restoreprogress.h"

#include <string.h>
#include <sys/stat.h>

#include "vslog.h"

VS_LOG_INIT("qemu.restore");


/**
 * qemuRestoreProgressParseIO:
 * @text: the contents of /proc/PID/io
 * @rchar: return location for the "rchar" counter
 *
 * Returns: TRUE if @text has an "rchar" line with a number.
 */
gboolean
qemuRestoreProgressParseIO(const char *text,
                           unsigned long long *rchar)
{
    const char *p;
    char *end = NULL;

    if (g_str_has_prefix(text, "rchar:"))
        p = text;
    else if ((p = strstr(text, "\nrchar:")))
        p++;
    else
        return FALSE;
    p += strlen("rchar:");
    while (*p == ' ' || *p == '\t')
        p++;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    *rchar = g_ascii_strtoull(p, &end, 10);
    return end && (*end == '\n' || *end == '\0');
}


/**
 * qemuRestoreProgressReadBytes:
 * @pid: QEMU's process
 *
 * Returns: the bytes @pid has read so far, 0 if unknown.
 */
unsigned long long
qemuRestoreProgressReadBytes(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/io", (int) pid);
    g_autofree char *text = NULL;
    unsigned long long rchar = 0;

    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL) ||
        !qemuRestoreProgressParseIO(text, &rchar))
        return 0;
    return rchar;
}


/**
 * qemuRestoreProgressCompute:
 * @info: a restore's statistics, with dataTotal and readBase set
 * @rchar: QEMU's read counter now
 *
 * Sets processed and remaining bytes: what QEMU read since the load
 * began, never more than the total (QEMU also reads the stream's
 * metadata, and rchar counts pages it reads twice).
 */
void
qemuRestoreProgressCompute(qemuDomainJobInfo *info,
                           unsigned long long rchar)
{
    unsigned long long done = 0;

    if (rchar > info->readBase)
        done = rchar - info->readBase;
    info->dataProcessed = MIN(done, info->dataTotal);
    info->dataRemaining = info->dataTotal - info->dataProcessed;
}


/**
 * qemuRestoreProgressBegin:
 * @vm: the domain, locked, its restore job owned, QEMU started
 * @fd: the image
 * @dataOffset: where QEMU's stream begins in the image
 *
 * Call just before QEMU is told to load the image: takes QEMU's read
 * counter as the start and the image's allocated data as the total.
 */
void
qemuRestoreProgressBegin(qemuDomainObj *vm,
                         int fd,
                         uint64_t dataOffset)
{
    qemuDomainJobInfo *info = vm->job.current;
    unsigned long long total = 0;
    struct stat sb;

    if (!info)
        return;
    if (fstat(fd, &sb) == 0 && (uint64_t) sb.st_size > dataOffset) {
        total = MIN((unsigned long long) sb.st_blocks * 512,
                    (unsigned long long) sb.st_size);
        total = total > dataOffset ? total - dataOffset : 0;
    }
    info->dataTotal = total;
    info->readBase = qemuRestoreProgressReadBytes(vm->pid);
    info->readProgress = TRUE;
    qemuRestoreProgressCompute(info, info->readBase);
    VS_DEBUG("domain '%s': restore reads about %llu bytes; QEMU has read %llu",
             vm->name, total, info->readBase);
}


/**
 * qemuRestoreProgressUpdate:
 * @vm: the domain, locked
 *
 * Refreshes the running restore's processed and remaining bytes; does
 * nothing for other jobs.
 */
void
qemuRestoreProgressUpdate(qemuDomainObj *vm)
{
    qemuDomainJobInfo *info = vm->job.current;
    unsigned long long rchar;

    if (!info || !info->readProgress || info->stopped)
        return;
    if ((rchar = qemuRestoreProgressReadBytes(vm->pid)) > 0)
        qemuRestoreProgressCompute(info, rchar);
}
