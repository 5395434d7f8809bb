/*
 * qemu_stats.c: what a domain is using, for the libvirt calls management
 * tools poll (virsh dominfo/domstats, virt-manager, metrics exporters)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each call looks the domain up, copies what it needs under the domain
 * lock, and asks QEMU without a job: the queries change nothing, the
 * monitor serves concurrent commands, and so they answer while a save
 * holds the domain's job. Units and field names are libvirt's.
 */

#include <config.h>

#include "qemu_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_conf.h"
#include "qemu_domain.h"
#include "qemu_interface.h"
#include "qemu_guest.h"
#include "qemu_monitor.h"
#include "qemu_process.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.stats");

/* virDomainControlState */
#define QEMU_STATS_CONTROL_OK 0
#define QEMU_STATS_CONTROL_JOB 1

/* virDomainVcpuFlags */
#define QEMU_STATS_VCPU_MAXIMUM (1 << 2)

/* virDomainStatsTypes */
#define QEMU_STATS_STATE (1 << 0)
#define QEMU_STATS_CPU_TOTAL (1 << 1)
#define QEMU_STATS_BALLOON (1 << 2)
#define QEMU_STATS_VCPU (1 << 3)
#define QEMU_STATS_INTERFACE (1 << 4)
#define QEMU_STATS_BLOCK (1 << 5)
#define QEMU_STATS_SUPPORTED (QEMU_STATS_STATE | QEMU_STATS_CPU_TOTAL | \
                              QEMU_STATS_BALLOON | QEMU_STATS_VCPU | \
                              QEMU_STATS_INTERFACE | QEMU_STATS_BLOCK)
/* virConnectGetAllDomainStatsFlags beyond the list filters */
#define QEMU_STATS_ENFORCE (1U << 31)
#define QEMU_STATS_NOWAIT (1U << 29)
#define QEMU_STATS_BACKING (1U << 30)


/**
 * qemuStatsInterfaceFree:
 * @iface: an interface of virDomainInterfaceAddresses, or NULL
 */
void
qemuStatsInterfaceFree(qemuStatsInterface *iface)
{
    if (!iface)
        return;
    g_free(iface->name);
    g_free(iface->hwaddr);
    g_clear_pointer(&iface->addrs, g_ptr_array_unref);
    g_free(iface);
}


/**
 * qemuStatsIPAddressFree:
 * @addr: an address of a #qemuStatsInterface, or NULL
 */
void
qemuStatsIPAddressFree(qemuStatsIPAddress *addr)
{
    if (!addr)
        return;
    g_free(addr->addr);
    g_free(addr);
}


/**
 * qemuStatsRecordFree:
 * @record: a record of virConnectGetAllDomainStats, or NULL
 */
void
qemuStatsRecordFree(qemuStatsRecord *record)
{
    if (!record)
        return;
    qemuDomainRefFree(record->dom);
    vsTypedParamListFree(record->params);
    g_free(record);
}


/* ---- parsers ---------------------------------------------------------- */

static gboolean
qemuStatsJSONInt(json_object *obj,
                 const char *key,
                 gint64 *value)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return FALSE;
    *value = json_object_get_int64(v);
    return TRUE;
}


/**
 * qemuStatsParseCpusFast:
 * @reply: the "return" value of query-cpus-fast
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a #GArray of #qemuStatsVcpu with number and
 * thread id filled in, in vCPU order, or NULL with @error set.
 */
GArray *
qemuStatsParseCpusFast(json_object *reply,
                       GError **error)
{
    g_autoptr(GArray) vcpus = g_array_new(FALSE, TRUE, sizeof(qemuStatsVcpu));
    size_t i;

    if (!json_object_is_type(reply, json_type_array)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("query-cpus-fast did not return a list"));
        return NULL;
    }
    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *cpu = json_object_array_get_idx(reply, i);
        qemuStatsVcpu vcpu = { .state = 1, .cpu = -1 };
        gint64 index;
        gint64 tid;

        if (!qemuStatsJSONInt(cpu, "cpu-index", &index) ||
            !qemuStatsJSONInt(cpu, "thread-id", &tid) || index < 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("query-cpus-fast returned a vCPU without index or thread"));
            return NULL;
        }
        vcpu.number = index;
        vcpu.tid = tid;
        g_array_append_val(vcpus, vcpu);
    }
    return g_steal_pointer(&vcpus);
}


/* Does a query-blockstats entry belong to the disk with device id
 * @alias? QEMU names the guest device by its QOM path
 * ("/machine/peripheral/<alias>/virtio-backend") or id. */
static gboolean
qemuStatsBlockMatches(json_object *entry,
                      const char *alias)
{
    json_object *qdev = NULL;
    g_autofree char *inner = g_strdup_printf("/%s/", alias);
    g_autofree char *last = g_strdup_printf("/%s", alias);
    const char *path;

    if (!json_object_object_get_ex(entry, "qdev", &qdev) ||
        !(path = json_object_get_string(qdev)))
        return FALSE;
    return g_str_equal(path, alias) || strstr(path, inner) ||
           g_str_has_suffix(path, last);
}


/**
 * qemuStatsParseBlockstats:
 * @reply: the "return" value of query-blockstats
 * @alias: the disk's device id
 * @stats: (out) its counters
 * @error: return location for a #GError
 *
 * Returns: TRUE when the disk was found, FALSE with @error set.
 */
gboolean
qemuStatsParseBlockstats(json_object *reply,
                         const char *alias,
                         qemuStatsBlock *stats,
                         GError **error)
{
    static const struct { const char *key; size_t offset; } map[] = {
        { "rd_operations", G_STRUCT_OFFSET(qemuStatsBlock, rdReq) },
        { "rd_bytes", G_STRUCT_OFFSET(qemuStatsBlock, rdBytes) },
        { "rd_total_time_ns", G_STRUCT_OFFSET(qemuStatsBlock, rdTimes) },
        { "wr_operations", G_STRUCT_OFFSET(qemuStatsBlock, wrReq) },
        { "wr_bytes", G_STRUCT_OFFSET(qemuStatsBlock, wrBytes) },
        { "wr_total_time_ns", G_STRUCT_OFFSET(qemuStatsBlock, wrTimes) },
        { "flush_operations", G_STRUCT_OFFSET(qemuStatsBlock, flReq) },
        { "flush_total_time_ns", G_STRUCT_OFFSET(qemuStatsBlock, flTimes) },
    };
    size_t i;
    size_t j;

    for (i = 0; json_object_is_type(reply, json_type_array) &&
                i < json_object_array_length(reply); i++) {
        json_object *entry = json_object_array_get_idx(reply, i);
        json_object *counters = NULL;

        if (!qemuStatsBlockMatches(entry, alias) ||
            !json_object_object_get_ex(entry, "stats", &counters))
            continue;
        for (j = 0; j < G_N_ELEMENTS(map); j++) {
            gint64 value = 0;

            qemuStatsJSONInt(counters, map[j].key, &value);
            G_STRUCT_MEMBER(long long, stats, map[j].offset) = value;
        }
        return TRUE;
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("QEMU reports no statistics for disk '%s'"), alias);
    return FALSE;
}


/**
 * qemuStatsParseARP:
 * @arp: the text of /proc/net/arp
 * @macs: the guest's MAC addresses, 6 bytes each
 * @nmacs: how many
 * @names: (array length=nmacs) the interface name reported for each
 *
 * Returns: (transfer full) #qemuStatsInterface entries, one per MAC seen
 * in the host's ARP table, with its IPv4 address.
 */
GPtrArray *
qemuStatsParseARP(const char *arp,
                  const unsigned char *macs,
                  size_t nmacs,
                  const char *const *names)
{
    GPtrArray *ifaces = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuStatsInterfaceFree);
    g_auto(GStrv) lines = g_strsplit(arp, "\n", 0);
    size_t i;
    size_t j;

    for (i = 1; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", 0);
        GPtrArray *words = g_ptr_array_new();
        char mac[18];

        for (j = 0; f[j]; j++) {
            if (*f[j])
                g_ptr_array_add(words, f[j]);
        }
        /* IP address, HW type, Flags, HW address, Mask, Device */
        for (j = 0; words->len >= 4 && j < nmacs; j++) {
            const unsigned char *m = macs + 6 * j;
            qemuStatsInterface *iface;
            qemuStatsIPAddress *addr;

            g_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
                       m[0], m[1], m[2], m[3], m[4], m[5]);
            if (g_ascii_strcasecmp(mac, words->pdata[3]) != 0)
                continue;
            iface = g_new0(qemuStatsInterface, 1);
            iface->name = g_strdup(names[j]);
            iface->hwaddr = g_strdup(mac);
            iface->addrs = g_ptr_array_new_with_free_func(
                (GDestroyNotify) qemuStatsIPAddressFree);
            addr = g_new0(qemuStatsIPAddress, 1);
            addr->addr = g_strdup(words->pdata[0]);
            addr->prefix = 0;
            g_ptr_array_add(iface->addrs, addr);
            g_ptr_array_add(ifaces, iface);
        }
        g_ptr_array_free(words, TRUE);
    }
    return ifaces;
}


/* ---- /proc ------------------------------------------------------------ */

/* utime, stime (ns) and the CPU last run on, from a /proc stat file:
 * /proc/PID/stat sums all of a process's threads, /proc/PID/task/TID/stat
 * is one thread. */
static gboolean
qemuStatsReadStat(const char *path,
                  unsigned long long *user,
                  unsigned long long *system,
                  int *cpu)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) f = NULL;
    const char *rest;
    guint64 ut = 0;
    guint64 st = 0;
    gint64 last = -1;
    long hz = sysconf(_SC_CLK_TCK);

    if (hz <= 0 || !g_file_get_contents(path, &text, NULL, NULL) ||
        !(rest = strrchr(text, ')')))
        return FALSE;
    f = g_strsplit(rest + 2, " ", 0);
    /* fields 14, 15 and 39 of the whole line; f[0] is field 3 */
    if (g_strv_length(f) < 37 ||
        !g_ascii_string_to_unsigned(f[11], 10, 0, G_MAXUINT64, &ut, NULL) ||
        !g_ascii_string_to_unsigned(f[12], 10, 0, G_MAXUINT64, &st, NULL) ||
        !g_ascii_string_to_signed(f[36], 10, -1, G_MAXINT, &last, NULL))
        return FALSE;
    *user = ut * (1000000000ULL / hz);
    *system = st * (1000000000ULL / hz);
    *cpu = last;
    return TRUE;
}


static void
qemuStatsReadProcessTimes(pid_t pid,
                          unsigned long long *user,
                          unsigned long long *system)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long) pid);
    int cpu;

    if (!qemuStatsReadStat(path, user, system, &cpu))
        *user = *system = 0;
}


static gboolean
qemuStatsReadThread(pid_t pid,
                    pid_t tid,
                    unsigned long long *time,
                    int *cpu)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/task/%lld/stat",
                                            (long long) pid, (long long) tid);
    unsigned long long user;
    unsigned long long system;

    if (!qemuStatsReadStat(path, &user, &system, cpu))
        return FALSE;
    *time = user + system;
    return TRUE;
}


/* QEMU's resident memory, KiB. */
static unsigned long long
qemuStatsReadRSS(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/status",
                                            (long long) pid);
    g_autofree char *text = NULL;
    g_autofree char *digits = NULL;
    const char *line;
    guint64 kib = 0;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(line = strstr(text, "\nVmRSS:")))
        return 0;
    line += strlen("\nVmRSS:");
    line += strspn(line, " \t");
    digits = g_strndup(line, strspn(line, "0123456789"));
    if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &kib, NULL))
        return 0;
    return kib;
}


/* ---- QEMU ------------------------------------------------------------- */

/* Send @command (no arguments) to the running QEMU of @vm (locked; the
 * lock is dropped during the call). */
static json_object *
qemuStatsQuery(qemuDomainObj *vm,
               const char *command,
               GError **error)
{
    json_object *reply = NULL;
    qemuMonitor *mon;
    gboolean ok;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return NULL;
    ok = qemuMonitorCommand(mon, command, NULL, NULL, 0, &reply, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return NULL;
    if (!reply)
        reply = json_object_new_object();
    return reply;
}


/* The vCPUs of running @vm (locked) with their time and host CPU. */
static GArray *
qemuStatsGetVcpus(qemuDomainObj *vm,
                  GError **error)
{
    json_object *reply;
    GArray *vcpus;
    pid_t pid = vm->pid;
    size_t i;

    if (!(reply = qemuStatsQuery(vm, "query-cpus-fast", error)))
        return NULL;
    vcpus = qemuStatsParseCpusFast(reply, error);
    json_object_put(reply);
    for (i = 0; vcpus && i < vcpus->len; i++) {
        qemuStatsVcpu *v = &g_array_index(vcpus, qemuStatsVcpu, i);

        if (!qemuStatsReadThread(pid, v->tid, &v->cpuTime, &v->cpu))
            VS_DEBUG("cannot read thread %lld of QEMU %lld",
                     (long long) v->tid, (long long) pid);
    }
    return vcpus;
}


/* The balloon's current size in KiB, or the definition's memory when
 * the guest has no balloon or QEMU does not answer. */
static unsigned long long
qemuStatsGetBalloon(qemuDomainObj *vm)
{
    unsigned long long kib = vm->def->curMemory;
    json_object *reply;
    gint64 actual;

    if (!vm->def->memballoon.info.alias)
        return kib;
    if (!(reply = qemuStatsQuery(vm, "query-balloon", NULL)))
        return kib;
    if (qemuStatsJSONInt(reply, "actual", &actual) && actual > 0)
        kib = actual / 1024;
    json_object_put(reply);
    return kib;
}


/* The disk of @def named by target ("vda") or source path. */
static const vsDomainDiskDef *
qemuStatsFindDisk(const vsDomainDef *def,
                  const char *path,
                  GError **error)
{
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        const vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (g_strcmp0(disk->dst, path) == 0 || g_strcmp0(disk->src, path) == 0)
            return disk;
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                _("invalid path %s not assigned to domain"), path);
    return NULL;
}


static qemuDomainObj *
qemuStatsGetActive(qemuDriver *driver,
                   const unsigned char *uuid,
                   GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    if (!qemuDomainObjCheckActive(vm, error)) {
        qemuDomainObjEndAPI(&vm);
        return NULL;
    }
    return vm;
}


/* ---- driver entry points --------------------------------------------- */

/**
 * qemuDriverGetMaxMemory:
 * @driver: the driver
 * @uuid: the domain
 * @kib: (out) its maximum memory in KiB (virDomainGetMaxMemory)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetMaxMemory(qemuDriver *driver,
                       const unsigned char *uuid,
                       unsigned long long *kib,
                       GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    *kib = vm->def->maxMemory;
    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuDriverGetVcpusFlags:
 * @driver: the driver
 * @uuid: the domain
 * @flags: VIR_DOMAIN_AFFECT_LIVE/CONFIG, VIR_DOMAIN_VCPU_MAXIMUM
 * @error: return location for a #GError
 *
 * virtsave domains run all their vCPUs: the current count is the
 * maximum.
 *
 * Returns: the count, or -1 with @error set.
 */
int
qemuDriverGetVcpusFlags(qemuDriver *driver,
                        const unsigned char *uuid,
                        unsigned int flags,
                        GError **error)
{
    qemuDomainObj *vm;
    const vsDomainDef *def;
    int n;

    if (!vsCheckFlags(VS_ERROR_QEMU, flags,
                      1U | 2U | QEMU_STATS_VCPU_MAXIMUM | (1U << 3),
                      G_STRFUNC, error))
        return -1;
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return -1;
    if ((flags & 1) && !qemuDomainObjCheckActive(vm, error)) {
        qemuDomainObjEndAPI(&vm);
        return -1;
    }
    def = (flags & 2) ? qemuDomainObjGetPersistentDef(vm) : vm->def;
    n = (flags & QEMU_STATS_VCPU_MAXIMUM) ? (int) def->vcpus
                                          : (int) def->vcpusCurrent;
    qemuDomainObjEndAPI(&vm);
    return n;
}


/**
 * qemuDriverGetMaxVcpus:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: the most vCPUs the running domain can have (its definition's
 * count), or -1 with @error set (virDomainGetMaxVcpus needs it active).
 */
int
qemuDriverGetMaxVcpus(qemuDriver *driver,
                      const unsigned char *uuid,
                      GError **error)
{
    return qemuDriverGetVcpusFlags(driver, uuid, 1 | QEMU_STATS_VCPU_MAXIMUM,
                                   error);
}


/**
 * qemuDriverGetVcpus:
 * @driver: the driver
 * @uuid: the domain
 * @hostCPUs: (out) the host's CPU count, for the affinity maps
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a #GArray of #qemuStatsVcpu (virDomainGetVcpus),
 * or NULL with @error set.
 */
GArray *
qemuDriverGetVcpus(qemuDriver *driver,
                   const unsigned char *uuid,
                   unsigned int *hostCPUs,
                   GError **error)
{
    qemuDomainObj *vm;
    GArray *vcpus;

    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return NULL;
    vcpus = qemuStatsGetVcpus(vm, error);
    qemuDomainObjEndAPI(&vm);
    *hostCPUs = sysconf(_SC_NPROCESSORS_CONF);
    return vcpus;
}


/**
 * qemuDriverGetControlInfo:
 * @driver: the driver
 * @uuid: the domain
 * @state: (out) OK, or JOB while a job holds the domain
 * @details: (out) 0
 * @stateTime: (out) ms the domain has been in that state (JOB only)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set (inactive domain).
 */
gboolean
qemuDriverGetControlInfo(qemuDriver *driver,
                         const unsigned char *uuid,
                         unsigned int *state,
                         unsigned int *details,
                         unsigned long long *stateTime,
                         GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return FALSE;
    *details = 0;
    *stateTime = 0;
    *state = QEMU_STATS_CONTROL_OK;
    if (vm->job.kind != QEMU_JOB_NONE) {
        *state = QEMU_STATS_CONTROL_JOB;
        *stateTime = (g_get_monotonic_time() - vm->job.started) / 1000;
    }
    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuDriverGetCPUStats:
 * @driver: the driver
 * @uuid: the domain
 * @startCPU: -1 for the domain's totals, else the first host CPU
 * @ncpus: host CPUs wanted (per-CPU query); 0 with @startCPU 0 asks for
 *   the host's CPU count only
 * @hostCPUs: (out) the host's CPU count
 * @error: return location for a #GError
 *
 * The totals are "cpu_time", "user_time" and "system_time" of QEMU's
 * process (ns). Time per host CPU needs a cpuacct cgroup, which virtsave
 * does not put QEMU in, so a per-CPU query is refused.
 *
 * Returns: (transfer full) the totals, an empty list for the count
 * query, or NULL with @error set.
 */
vsTypedParamList *
qemuDriverGetCPUStats(qemuDriver *driver,
                      const unsigned char *uuid,
                      int startCPU,
                      unsigned int ncpus,
                      unsigned int *hostCPUs,
                      GError **error)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    unsigned long long user;
    unsigned long long system;
    qemuDomainObj *vm;
    pid_t pid;

    *hostCPUs = sysconf(_SC_NPROCESSORS_CONF);
    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return NULL;
    pid = vm->pid;
    qemuDomainObjEndAPI(&vm);

    if (startCPU >= 0 && ncpus == 0)
        return g_steal_pointer(&params);
    if (startCPU >= 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("per-CPU statistics need a cpuacct cgroup, which virtsave does not use; ask for the total"));
        return NULL;
    }
    qemuStatsReadProcessTimes(pid, &user, &system);
    vsTypedParamListAddULLong(params, "cpu_time", qemuProcessGetCPUTime(pid));
    vsTypedParamListAddULLong(params, "user_time", user);
    vsTypedParamListAddULLong(params, "system_time", system);
    return g_steal_pointer(&params);
}


/**
 * qemuDriverMemoryStats:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a #GArray of (tag, value) #guint64 pairs
 * (virDomainMemoryStats): the balloon's actual size and QEMU's resident
 * set, in KiB; NULL with @error set.
 */
GArray *
qemuDriverMemoryStats(qemuDriver *driver,
                      const unsigned char *uuid,
                      GError **error)
{
    GArray *stats = g_array_new(FALSE, FALSE, sizeof(guint64));
    qemuDomainObj *vm;
    guint64 pair[2];

    if (!(vm = qemuStatsGetActive(driver, uuid, error))) {
        g_array_unref(stats);
        return NULL;
    }
    pair[0] = QEMU_STATS_MEMORY_ACTUAL_BALLOON;
    pair[1] = qemuStatsGetBalloon(vm);
    g_array_append_vals(stats, pair, 2);
    pair[0] = QEMU_STATS_MEMORY_RSS;
    pair[1] = qemuStatsReadRSS(vm->pid);
    g_array_append_vals(stats, pair, 2);
    qemuDomainObjEndAPI(&vm);
    return stats;
}


/* Capacity from a qcow2 header (bytes 24-31, big endian), else the
 * file's size; a block device's size is its device size. */
static gboolean
qemuStatsImageSizes(const char *path,
                    gboolean qcow2,
                    unsigned long long *capacity,
                    unsigned long long *allocation,
                    unsigned long long *physical,
                    GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    struct stat sb;
    unsigned char header[32];

    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
        fstat(fd, &sb) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot stat file '%s'"), path);
        return FALSE;
    }
    *physical = sb.st_size;
    *allocation = (unsigned long long) sb.st_blocks * 512;
    if (S_ISBLK(sb.st_mode)) {
        guint64 bytes = 0;

        if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("cannot get the size of block device '%s'"),
                            path);
            return FALSE;
        }
        *physical = *allocation = bytes;
    }
    *capacity = *physical;
    if (qcow2 && (S_ISREG(sb.st_mode) || S_ISBLK(sb.st_mode)) &&
        pread(fd, header, sizeof(header), 0) == (ssize_t) sizeof(header) &&
        memcmp(header, "QFI\xfb", 4) == 0) {
        guint64 size;

        memcpy(&size, header + 24, sizeof(size));
        *capacity = GUINT64_FROM_BE(size);
    }
    return TRUE;
}


/**
 * qemuDriverGetBlockInfo:
 * @driver: the driver
 * @uuid: the domain
 * @path: the disk's target ("vda") or source path
 * @capacity: (out) guest-visible size, bytes
 * @allocation: (out) host bytes in use
 * @physical: (out) the file's size
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetBlockInfo(qemuDriver *driver,
                       const unsigned char *uuid,
                       const char *path,
                       unsigned long long *capacity,
                       unsigned long long *allocation,
                       unsigned long long *physical,
                       GError **error)
{
    const vsDomainDiskDef *disk;
    g_autofree char *src = NULL;
    gboolean qcow2;
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if ((disk = qemuStatsFindDisk(vm->def, path, error))) {
        src = g_strdup(disk->src);
        qcow2 = disk->format == VS_DOMAIN_DISK_FORMAT_QCOW2;
    }
    qemuDomainObjEndAPI(&vm);
    if (!disk)
        return FALSE;
    if (!src) {
        *capacity = *allocation = *physical = 0;
        return TRUE;
    }
    return qemuStatsImageSizes(src, qcow2, capacity, allocation, physical,
                               error);
}


/* Counters of @disk of running @vm (locked). */
static gboolean
qemuStatsGetBlock(qemuDomainObj *vm,
                  const char *alias,
                  qemuStatsBlock *stats,
                  GError **error)
{
    json_object *reply;
    gboolean ok;

    if (!(reply = qemuStatsQuery(vm, "query-blockstats", error)))
        return FALSE;
    ok = qemuStatsParseBlockstats(reply, alias, stats, error);
    json_object_put(reply);
    return ok;
}


/**
 * qemuDriverBlockStats:
 * @driver: the driver
 * @uuid: the domain
 * @path: the disk's target or source path
 * @stats: (out) QEMU's counters of that disk
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverBlockStats(qemuDriver *driver,
                     const unsigned char *uuid,
                     const char *path,
                     qemuStatsBlock *stats,
                     GError **error)
{
    const vsDomainDiskDef *disk;
    g_autofree char *alias = NULL;
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return FALSE;
    if ((disk = qemuStatsFindDisk(vm->def, path, error))) {
        alias = g_strdup(disk->info.alias);
        ok = qemuStatsGetBlock(vm, alias, stats, error);
    }
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/**
 * qemuDriverInterfaceStats:
 * @driver: the driver
 * @uuid: the domain
 * @path: an interface's tap name, MAC address or alias
 * @stats: (out): its counters, from the guest's point of view
 * @error: return location for a #GError
 *
 * Counters come from the interface's tap on the host
 * (qemuInterfaceGetStats()); a user-mode interface has none.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverInterfaceStats(qemuDriver *driver,
                         const unsigned char *uuid,
                         const char *path,
                         vsNetDevStats *stats,
                         GError **error)
{
    const vsDomainNetDef *net;
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return FALSE;
    if (!(net = qemuInterfaceFind(vm->def, path)))
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("invalid path, '%s' is not a known interface"), path);
    else
        ok = qemuInterfaceGetStats(net, stats, error);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/**
 * qemuDriverInterfaceAddresses:
 * @driver: the driver
 * @uuid: the domain
 * @source: 0 (DHCP leases), 1 (guest agent) or 2 (host ARP table)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) #qemuStatsInterface entries: the guest's
 * own list for source 1 (qemu_guest.c), those found in the host's ARP
 * table for source 2; NULL with @error set for source 0, since virtsave
 * manages no DHCP server.
 */
GPtrArray *
qemuDriverInterfaceAddresses(qemuDriver *driver,
                             const unsigned char *uuid,
                             unsigned int source,
                             GError **error)
{
    g_autofree unsigned char *macs = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *arp = NULL;
    qemuDomainObj *vm;
    size_t n;
    size_t i;

    if (source > 2) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED,
                    _("Unknown IP address data source %u"), source);
        return NULL;
    }
    if (!(vm = qemuStatsGetActive(driver, uuid, error)))
        return NULL;
    n = vm->def->nets->len;
    macs = g_new0(unsigned char, 6 * MAX(n, 1));
    for (i = 0; i < n; i++) {
        const vsDomainNetDef *net = g_ptr_array_index(vm->def->nets, i);

        memcpy(macs + 6 * i, net->mac, 6);
        g_ptr_array_add(names, g_strdup(net->info.alias));
    }
    qemuDomainObjEndAPI(&vm);

    if (source == 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("no DHCP leases: virtsave manages no virtual network"));
        return NULL;
    }
    if (source == 1)
        return qemuGuestInterfaceAddresses(driver, uuid, error);
    if (!g_file_get_contents("/proc/net/arp", &arp, NULL, error))
        return NULL;
    return qemuStatsParseARP(arp, macs, n,
                             (const char *const *) names->pdata);
}


static void
qemuStatsAddCPU(vsTypedParamList *params,
                pid_t pid)
{
    unsigned long long user;
    unsigned long long system;

    qemuStatsReadProcessTimes(pid, &user, &system);
    vsTypedParamListAddULLong(params, "cpu.time", qemuProcessGetCPUTime(pid));
    vsTypedParamListAddULLong(params, "cpu.user", user);
    vsTypedParamListAddULLong(params, "cpu.system", system);
}


static void
qemuStatsAddVcpus(vsTypedParamList *params,
                  qemuDomainObj *vm,
                  gboolean active)
{
    g_autoptr(GArray) vcpus = NULL;
    g_autoptr(GError) err = NULL;
    size_t i;

    vsTypedParamListAddUInt(params, "vcpu.current", vm->def->vcpusCurrent);
    vsTypedParamListAddUInt(params, "vcpu.maximum", vm->def->vcpus);
    if (!active)
        return;
    if (!(vcpus = qemuStatsGetVcpus(vm, &err))) {
        VS_DEBUG("domain '%s': no vCPU statistics: %s", vm->name,
                 err->message);
        return;
    }
    for (i = 0; i < vcpus->len; i++) {
        const qemuStatsVcpu *v = &g_array_index(vcpus, qemuStatsVcpu, i);
        g_autofree char *state = g_strdup_printf("vcpu.%u.state", v->number);
        g_autofree char *time = g_strdup_printf("vcpu.%u.time", v->number);

        vsTypedParamListAddInt(params, state, v->state);
        vsTypedParamListAddULLong(params, time, v->cpuTime);
    }
}


static void
qemuStatsAddNetCounter(vsTypedParamList *params,
                       size_t i,
                       const char *name,
                       unsigned long long value)
{
    g_autofree char *field = g_strdup_printf("net.%zu.%s", i, name);

    vsTypedParamListAddULLong(params, field, value);
}


static void
qemuStatsAddInterfaces(vsTypedParamList *params,
                       const vsDomainDef *def,
                       gboolean active)
{
    size_t i;

    vsTypedParamListAddUInt(params, "net.count", def->nets->len);
    for (i = 0; i < def->nets->len; i++) {
        const vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        g_autofree char *field = g_strdup_printf("net.%zu.name", i);
        vsNetDevStats st;

        /* A tap is named as libvirt names it; a user-mode interface,
         * which has no host device and so no counters, by its alias. */
        vsTypedParamListAddString(params, field,
                                  net->ifname ? net->ifname : net->info.alias);
        if (!active || !qemuInterfaceGetStats(net, &st, NULL))
            continue;
        qemuStatsAddNetCounter(params, i, "rx.bytes", st.rxBytes);
        qemuStatsAddNetCounter(params, i, "rx.pkts", st.rxPackets);
        qemuStatsAddNetCounter(params, i, "rx.errs", st.rxErrors);
        qemuStatsAddNetCounter(params, i, "rx.drop", st.rxDropped);
        qemuStatsAddNetCounter(params, i, "tx.bytes", st.txBytes);
        qemuStatsAddNetCounter(params, i, "tx.pkts", st.txPackets);
        qemuStatsAddNetCounter(params, i, "tx.errs", st.txErrors);
        qemuStatsAddNetCounter(params, i, "tx.drop", st.txDropped);
    }
}


static void
qemuStatsAddBlockCounter(vsTypedParamList *params,
                         size_t i,
                         const char *name,
                         unsigned long long value)
{
    g_autofree char *field = g_strdup_printf("block.%zu.%s", i, name);

    vsTypedParamListAddULLong(params, field, value);
}


/* What the block group needs of a disk, copied while the domain is
 * locked: the lock is dropped while QEMU answers. */
typedef struct _qemuStatsDisk qemuStatsDisk;
struct _qemuStatsDisk {
    char *dst;
    char *src;
    char *alias;
    gboolean qcow2;
};


static void
qemuStatsDiskFree(qemuStatsDisk *disk)
{
    g_free(disk->dst);
    g_free(disk->src);
    g_free(disk->alias);
    g_free(disk);
}


static void
qemuStatsAddBlocks(vsTypedParamList *params,
                   qemuDomainObj *vm,
                   gboolean active)
{
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuStatsDiskFree);
    json_object *reply = NULL;
    size_t i;

    vsTypedParamListAddUInt(params, "block.count", vm->def->disks->len);
    for (i = 0; i < vm->def->disks->len; i++) {
        const vsDomainDiskDef *def = g_ptr_array_index(vm->def->disks, i);
        qemuStatsDisk *disk = g_new0(qemuStatsDisk, 1);

        disk->dst = g_strdup(def->dst);
        disk->src = g_strdup(def->src);
        disk->alias = g_strdup(def->info.alias);
        disk->qcow2 = def->format == VS_DOMAIN_DISK_FORMAT_QCOW2;
        g_ptr_array_add(disks, disk);
    }
    if (active)
        reply = qemuStatsQuery(vm, "query-blockstats", NULL);

    for (i = 0; i < disks->len; i++) {
        const qemuStatsDisk *disk = g_ptr_array_index(disks, i);
        g_autofree char *name = g_strdup_printf("block.%zu.name", i);
        unsigned long long cap;
        unsigned long long alloc;
        unsigned long long phys;
        qemuStatsBlock b;

        vsTypedParamListAddString(params, name, disk->dst);
        if (disk->src) {
            g_autofree char *path = g_strdup_printf("block.%zu.path", i);

            vsTypedParamListAddString(params, path, disk->src);
        }
        if (reply && disk->alias &&
            qemuStatsParseBlockstats(reply, disk->alias, &b, NULL)) {
            qemuStatsAddBlockCounter(params, i, "rd.reqs", b.rdReq);
            qemuStatsAddBlockCounter(params, i, "rd.bytes", b.rdBytes);
            qemuStatsAddBlockCounter(params, i, "rd.times", b.rdTimes);
            qemuStatsAddBlockCounter(params, i, "wr.reqs", b.wrReq);
            qemuStatsAddBlockCounter(params, i, "wr.bytes", b.wrBytes);
            qemuStatsAddBlockCounter(params, i, "wr.times", b.wrTimes);
            qemuStatsAddBlockCounter(params, i, "fl.reqs", b.flReq);
            qemuStatsAddBlockCounter(params, i, "fl.times", b.flTimes);
        }
        if (disk->src &&
            qemuStatsImageSizes(disk->src, disk->qcow2, &cap, &alloc, &phys,
                                NULL)) {
            qemuStatsAddBlockCounter(params, i, "allocation", alloc);
            qemuStatsAddBlockCounter(params, i, "capacity", cap);
            qemuStatsAddBlockCounter(params, i, "physical", phys);
        }
    }
    if (reply)
        json_object_put(reply);
}


/* The stat groups @stats of @vm (locked). */
static vsTypedParamList *
qemuStatsCollect(qemuDomainObj *vm,
                 unsigned int stats)
{
    vsTypedParamList *params = vsTypedParamListNew();
    gboolean active = qemuDomainObjIsActive(vm);

    if (stats & QEMU_STATS_STATE) {
        vsTypedParamListAddInt(params, "state.state", vm->state);
        vsTypedParamListAddInt(params, "state.reason", vm->reason);
    }
    if ((stats & QEMU_STATS_CPU_TOTAL) && active)
        qemuStatsAddCPU(params, vm->pid);
    if (stats & QEMU_STATS_BALLOON) {
        vsTypedParamListAddULLong(params, "balloon.current",
                                  active ? qemuStatsGetBalloon(vm)
                                         : vm->def->curMemory);
        vsTypedParamListAddULLong(params, "balloon.maximum",
                                  vm->def->maxMemory);
        if (active)
            vsTypedParamListAddULLong(params, "balloon.rss",
                                      qemuStatsReadRSS(vm->pid));
    }
    if (stats & QEMU_STATS_VCPU)
        qemuStatsAddVcpus(params, vm, active);
    if (stats & QEMU_STATS_INTERFACE)
        qemuStatsAddInterfaces(params, vm->def, active);
    if (stats & QEMU_STATS_BLOCK)
        qemuStatsAddBlocks(params, vm, active);
    return params;
}


/**
 * qemuDriverGetAllDomainStats:
 * @driver: the driver
 * @refs: (nullable) the domains asked for (virDomainListGetStats), or
 *   NULL for every domain passing the filters in @flags
 *   (virConnectGetAllDomainStats)
 * @stats: virDomainStatsTypes bits; 0 for every group virtsave has
 * @flags: the list filters of virConnectListAllDomains, plus
 *   ENFORCE_STATS (unknown groups fail), NOWAIT and BACKING (accepted)
 * @error: return location for a #GError
 *
 * Groups: state, cpu-total, balloon, vcpu, interface and block, with
 * libvirt's field names. A domain that disappears meanwhile is left out.
 *
 * Returns: (transfer full) #qemuStatsRecord entries, or NULL with
 * @error set.
 */
GPtrArray *
qemuDriverGetAllDomainStats(qemuDriver *driver,
                            GPtrArray *refs,
                            unsigned int stats,
                            unsigned int flags,
                            GError **error)
{
    unsigned int filters = flags & ~(QEMU_STATS_ENFORCE | QEMU_STATS_NOWAIT |
                                     QEMU_STATS_BACKING);
    g_autoptr(GPtrArray) all = NULL;
    GPtrArray *records;
    size_t i;

    if ((flags & QEMU_STATS_ENFORCE) && (stats & ~QEMU_STATS_SUPPORTED)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED,
                    _("Stats types bits 0x%x are not supported by this daemon"),
                    stats & ~QEMU_STATS_SUPPORTED);
        return NULL;
    }
    if (refs && filters) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("list filters cannot be combined with a list of domains"));
        return NULL;
    }
    stats = stats ? stats & QEMU_STATS_SUPPORTED : QEMU_STATS_SUPPORTED;
    if (!refs && !(refs = all = qemuDriverListDomains(driver, filters, error)))
        return NULL;

    records = g_ptr_array_new_with_free_func((GDestroyNotify) qemuStatsRecordFree);
    for (i = 0; i < refs->len; i++) {
        const qemuDomainRef *ref = g_ptr_array_index(refs, i);
        qemuStatsRecord *record;
        qemuDomainObj *vm;

        if (!(vm = qemuDomainObjFromUUID(driver, ref->uuid, NULL)))
            continue;
        record = g_new0(qemuStatsRecord, 1);
        record->params = qemuStatsCollect(vm, stats);
        record->dom = qemuDomainObjToRef(vm);
        qemuDomainObjEndAPI(&vm);
        g_ptr_array_add(records, record);
    }
    return records;
}
