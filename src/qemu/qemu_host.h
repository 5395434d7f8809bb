/*
 * qemu_host.h: what the host offers: CPUs, memory, SMBIOS, and the
 * domain capabilities of the installed QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The readers take the text of /proc and /sys files so that the parsing
 * is pure and table-tested; the callers in qemu_driver.c read the files.
 */

#pragma once

#include <glib.h>

#include "qemu_capabilities.h"

/* virNodeInfo, field for field. */
typedef struct _qemuHostNodeInfo qemuHostNodeInfo;
struct _qemuHostNodeInfo {
    char model[32];                 /* uname machine, e.g. "x86_64" */
    unsigned long long memory;      /* KiB */
    int cpus;                       /* online CPUs */
    int mhz;
    int nodes;
    int sockets;                    /* per node */
    int cores;                      /* per socket */
    int threads;                    /* per core */
};

/* One "name value" pair of virNodeGetCPUStats/virNodeGetMemoryStats. */
typedef struct _qemuHostStat qemuHostStat;
struct _qemuHostStat {
    const char *field;              /* static */
    unsigned long long value;
};

/* virNodeGetCPUStats' and virNodeGetMemoryStats' "all" selector. */
/* Where QEMU's firmware descriptors are installed. */
#define QEMU_HOST_FIRMWARE_DIR "/usr/share/qemu/firmware"

#define QEMU_HOST_ALL_CPUS (-1)
#define QEMU_HOST_ALL_CELLS (-1)
#define QEMU_HOST_CPU_STATS_MAX 4
#define QEMU_HOST_MEMORY_STATS_MAX 4

gboolean qemuHostParseNodeInfo(const char *cpuinfo,
                               const char *meminfo,
                               const char *arch,
                               int onlineCPUs,
                               qemuHostNodeInfo *info,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

int qemuHostParseCPUStats(const char *stat,
                          int cpuNum,
                          qemuHostStat *stats,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

int qemuHostParseMemoryStats(const char *meminfo,
                             qemuHostStat *stats,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *qemuHostFormatSysinfo(const char *dmiDir,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

int qemuHostGetMaxVcpus(const char *type,
                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *qemuHostFormatDomainCaps(const qemuCaps *caps,
                               const char *machine,
                               const char *virttype,
                               const char *firmwareDir,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
