/*
 * qemu_stats.h: what a domain is using: vCPUs, CPU time, memory, disks
 * and network interfaces, for the libvirt calls management tools poll
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Figures come from QEMU (query-cpus-fast, query-blockstats,
 * query-balloon) and from /proc of QEMU's process and threads; nothing
 * here changes the domain, so no job is taken and the calls answer
 * while a save runs. docs/protocol.md lists the fields.
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qemu_driver.h"
#include "vsnetdev.h"

/* virVcpuInfo */
typedef struct _qemuStatsVcpu qemuStatsVcpu;
struct _qemuStatsVcpu {
    unsigned int number;
    int state;                      /* 1: running (VIR_VCPU_RUNNING) */
    unsigned long long cpuTime;     /* ns */
    int cpu;                        /* host CPU it last ran on */
    pid_t tid;
};

/* virDomainBlockStatsStruct plus the times of the typed variant. */
typedef struct _qemuStatsBlock qemuStatsBlock;
struct _qemuStatsBlock {
    long long rdReq;
    long long rdBytes;
    long long rdTimes;              /* ns */
    long long wrReq;
    long long wrBytes;
    long long wrTimes;
    long long flReq;
    long long flTimes;
};

/* One interface of virDomainInterfaceAddresses. */
typedef struct _qemuStatsIPAddress qemuStatsIPAddress;
struct _qemuStatsIPAddress {
    int type;                       /* 0: IPv4, 1: IPv6 */
    char *addr;
    unsigned int prefix;
};

typedef struct _qemuStatsInterface qemuStatsInterface;
struct _qemuStatsInterface {
    char *name;
    char *hwaddr;
    GPtrArray *addrs;               /* qemuStatsIPAddress */
};
void qemuStatsInterfaceFree(qemuStatsInterface *iface);
void qemuStatsIPAddressFree(qemuStatsIPAddress *addr);

/* virDomainMemoryStatTags used here */
#define QEMU_STATS_MEMORY_ACTUAL_BALLOON 6
#define QEMU_STATS_MEMORY_RSS 7

/* Pure parsers of QMP replies, for tests. */
GArray *qemuStatsParseCpusFast(json_object *reply, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuStatsParseBlockstats(json_object *reply,
                                  const char *alias,
                                  qemuStatsBlock *stats,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
GPtrArray *qemuStatsParseARP(const char *arp,
                             const unsigned char *macs,
                             size_t nmacs,
                             const char *const *names)
    G_GNUC_WARN_UNUSED_RESULT;

/* The driver entry points, named after the libvirt API they serve. */
gboolean qemuDriverGetMaxMemory(qemuDriver *driver, const unsigned char *uuid,
                                unsigned long long *kib, GError **error);
int qemuDriverGetMaxVcpus(qemuDriver *driver, const unsigned char *uuid,
                          GError **error);
int qemuDriverGetVcpusFlags(qemuDriver *driver, const unsigned char *uuid,
                            unsigned int flags, GError **error);
GArray *qemuDriverGetVcpus(qemuDriver *driver, const unsigned char *uuid,
                           unsigned int *hostCPUs, GError **error);
gboolean qemuDriverGetControlInfo(qemuDriver *driver,
                                  const unsigned char *uuid,
                                  unsigned int *state,
                                  unsigned int *details,
                                  unsigned long long *stateTime,
                                  GError **error);
vsTypedParamList *qemuDriverGetCPUStats(qemuDriver *driver,
                                        const unsigned char *uuid,
                                        int startCPU,
                                        unsigned int ncpus,
                                        unsigned int *hostCPUs,
                                        GError **error);
GArray *qemuDriverMemoryStats(qemuDriver *driver, const unsigned char *uuid,
                              GError **error);
gboolean qemuDriverGetBlockInfo(qemuDriver *driver, const unsigned char *uuid,
                                const char *path,
                                unsigned long long *capacity,
                                unsigned long long *allocation,
                                unsigned long long *physical,
                                GError **error);
gboolean qemuDriverBlockStats(qemuDriver *driver, const unsigned char *uuid,
                              const char *path, qemuStatsBlock *stats,
                              GError **error);
gboolean qemuDriverInterfaceStats(qemuDriver *driver,
                                  const unsigned char *uuid,
                                  const char *path, vsNetDevStats *stats,
                                  GError **error);
GPtrArray *qemuDriverInterfaceAddresses(qemuDriver *driver,
                                        const unsigned char *uuid,
                                        unsigned int source,
                                        GError **error);
GPtrArray *qemuDriverGetAllDomainStats(qemuDriver *driver,
                                       GPtrArray *refs,
                                       unsigned int stats,
                                       unsigned int flags,
                                       GError **error);

/* One record of virConnectGetAllDomainStats. */
typedef struct _qemuStatsRecord qemuStatsRecord;
struct _qemuStatsRecord {
    qemuDomainRef *dom;
    vsTypedParamList *params;
};
void qemuStatsRecordFree(qemuStatsRecord *record);
