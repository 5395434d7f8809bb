/*
 * qemu_host.c: what the host offers: CPUs, memory, SMBIOS, and the
 * domain capabilities of the installed QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * virNodeGetInfo, virNodeGetCPUStats, virNodeGetMemoryStats,
 * virConnectGetSysinfo, virConnectGetMaxVcpus and
 * virConnectGetDomainCapabilities, in the units and with the field names
 * libvirt uses (docs/protocol.md).
 */

#include <config.h>

#include "qemu_host.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>

#include "domain_conf.h"
#include "qemu_hostcpu.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.host");

/* KVM_CHECK_EXTENSION and the capabilities that give vCPU limits. */
#define QEMU_HOST_KVM_CHECK_EXTENSION 0xAE03
#define QEMU_HOST_KVM_CAP_NR_VCPUS 9
#define QEMU_HOST_KVM_CAP_MAX_VCPUS 66
/* TCG's limit is the machine's: q35 takes 4096, and libvirt reports
 * the largest any machine takes when the type is not KVM. */
#define QEMU_HOST_TCG_MAX_VCPUS 4096


/* The value of "@key<spaces>: value" lines in /proc/cpuinfo, first match. */
static char *
qemuHostCPUInfoValue(const char *cpuinfo,
                     const char *key)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", 0);
    size_t keylen = strlen(key);
    size_t i;

    for (i = 0; lines[i]; i++) {
        const char *colon;

        if (strncmp(lines[i], key, keylen) != 0 ||
            !(colon = strchr(lines[i], ':')))
            continue;
        if (strspn(lines[i] + keylen, " \t") != (size_t)(colon - lines[i]) - keylen)
            continue;
        return g_strstrip(g_strdup(colon + 1));
    }
    return NULL;
}


/* Distinct values of "@key" in /proc/cpuinfo; 0 when absent. */
static int
qemuHostCPUInfoDistinct(const char *cpuinfo,
                        const char *key)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    g_auto(GStrv) blocks = g_strsplit(cpuinfo, "\n\n", 0);
    size_t i;

    for (i = 0; blocks[i]; i++) {
        char *value = qemuHostCPUInfoValue(blocks[i], key);

        if (value)
            g_hash_table_add(seen, value);
    }
    return g_hash_table_size(seen);
}


/* "@key: N kB" of /proc/meminfo in KiB, or -1. */
static long long
qemuHostMeminfoKiB(const char *meminfo,
                   const char *key)
{
    g_auto(GStrv) lines = g_strsplit(meminfo, "\n", 0);
    size_t keylen = strlen(key);
    size_t i;

    for (i = 0; lines[i]; i++) {
        guint64 value;
        g_auto(GStrv) words = NULL;

        if (strncmp(lines[i], key, keylen) != 0 || lines[i][keylen] != ':')
            continue;
        words = g_strsplit_set(lines[i] + keylen + 1, " \t", 0);
        for (size_t j = 0; words[j]; j++) {
            if (!*words[j])
                continue;
            if (g_ascii_string_to_unsigned(words[j], 10, 0, G_MAXINT64,
                                           &value, NULL))
                return (long long) value;
            break;
        }
    }
    return -1;
}


/**
 * qemuHostParseNodeInfo:
 * @cpuinfo: the text of /proc/cpuinfo
 * @meminfo: the text of /proc/meminfo
 * @arch: the host architecture (uname machine)
 * @onlineCPUs: CPUs online now
 * @info: (out) libvirt's node information
 * @error: return location for a #GError
 *
 * One NUMA node is reported: sockets is the number of distinct
 * "physical id" values, cores per socket from "cpu cores", and threads
 * what is left, as libvirt reports a host whose topology it trusts.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuHostParseNodeInfo(const char *cpuinfo,
                      const char *meminfo,
                      const char *arch,
                      int onlineCPUs,
                      qemuHostNodeInfo *info,
                      GError **error)
{
    g_autofree char *mhz = qemuHostCPUInfoValue(cpuinfo, "cpu MHz");
    g_autofree char *cores = qemuHostCPUInfoValue(cpuinfo, "cpu cores");
    long long memory = qemuHostMeminfoKiB(meminfo, "MemTotal");
    guint64 ncores = 1;

    memset(info, 0, sizeof(*info));
    if (memory < 0 || onlineCPUs <= 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("cannot read the host's memory size or CPU count"));
        return FALSE;
    }
    g_strlcpy(info->model, arch, sizeof(info->model));
    info->memory = memory;
    info->cpus = onlineCPUs;
    info->mhz = mhz ? (int) g_ascii_strtod(mhz, NULL) : 0;
    info->nodes = 1;
    info->sockets = MAX(qemuHostCPUInfoDistinct(cpuinfo, "physical id"), 1);
    if (!cores || !g_ascii_string_to_unsigned(cores, 10, 1, G_MAXINT, &ncores,
                                              NULL))
        ncores = MAX(onlineCPUs / info->sockets, 1);
    info->cores = ncores;
    info->threads = MAX(onlineCPUs / (info->sockets * info->cores), 1);
    return TRUE;
}


/**
 * qemuHostParseCPUStats:
 * @stat: the text of /proc/stat
 * @cpuNum: a CPU number, or QEMU_HOST_ALL_CPUS for the sum
 * @stats: (out) room for QEMU_HOST_CPU_STATS_MAX entries
 * @error: return location for a #GError
 *
 * The fields libvirt reports on Linux: "kernel", "user", "idle" and
 * "iowait", in nanoseconds.
 *
 * Returns: the number of entries, or -1 with @error set.
 */
int
qemuHostParseCPUStats(const char *stat,
                      int cpuNum,
                      qemuHostStat *stats,
                      GError **error)
{
    g_auto(GStrv) lines = g_strsplit(stat, "\n", 0);
    g_autofree char *want = cpuNum == QEMU_HOST_ALL_CPUS ?
                            g_strdup("cpu") : g_strdup_printf("cpu%d", cpuNum);
    long hz = sysconf(_SC_CLK_TCK);
    size_t i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(lines[i], " ", 0);
        guint64 v[8] = { 0 };
        size_t n = 0;
        size_t j;

        if (!f[0] || !g_str_equal(f[0], want))
            continue;
        for (j = 1; f[j] && n < G_N_ELEMENTS(v); j++) {
            if (*f[j] &&
                !g_ascii_string_to_unsigned(f[j], 10, 0, G_MAXUINT64,
                                            &v[n++], NULL))
                break;
        }
        if (n < 5 || hz <= 0)
            break;
        /* user nice system idle iowait irq softirq steal */
        stats[0] = (qemuHostStat) { "kernel", (v[2] + v[5] + v[6]) * (1000000000ULL / hz) };
        stats[1] = (qemuHostStat) { "user", (v[0] + v[1]) * (1000000000ULL / hz) };
        stats[2] = (qemuHostStat) { "idle", v[3] * (1000000000ULL / hz) };
        stats[3] = (qemuHostStat) { "iowait", v[4] * (1000000000ULL / hz) };
        return 4;
    }

    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                _("invalid cpuNum %d: no such host CPU"), cpuNum);
    return -1;
}


/**
 * qemuHostParseMemoryStats:
 * @meminfo: the text of /proc/meminfo
 * @stats: (out) room for QEMU_HOST_MEMORY_STATS_MAX entries
 * @error: return location for a #GError
 *
 * "total", "free", "buffers" and "cached" in KiB, as libvirt reports
 * them for the whole host.
 *
 * Returns: the number of entries, or -1 with @error set.
 */
int
qemuHostParseMemoryStats(const char *meminfo,
                         qemuHostStat *stats,
                         GError **error)
{
    static const struct { const char *field; const char *key; } map[] = {
        { "total", "MemTotal" }, { "free", "MemFree" },
        { "buffers", "Buffers" }, { "cached", "Cached" },
    };
    size_t i;

    G_STATIC_ASSERT(G_N_ELEMENTS(map) == QEMU_HOST_MEMORY_STATS_MAX);
    for (i = 0; i < G_N_ELEMENTS(map); i++) {
        long long kib = qemuHostMeminfoKiB(meminfo, map[i].key);

        if (kib < 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("cannot read '%s' of the host's memory"),
                        map[i].key);
            return -1;
        }
        stats[i] = (qemuHostStat) { map[i].field, kib };
    }
    return G_N_ELEMENTS(map);
}


static void
qemuHostAppendDMI(GString *buf,
                  const char *dmiDir,
                  const char *file,
                  const char *name)
{
    g_autofree char *path = g_build_filename(dmiDir, file, NULL);
    g_autofree char *value = NULL;
    g_autofree char *escaped = NULL;

    if (!g_file_get_contents(path, &value, NULL, NULL))
        return;
    g_strstrip(value);
    if (!*value)
        return;
    escaped = g_markup_escape_text(value, -1);
    g_string_append_printf(buf, "    <entry name='%s'>%s</entry>\n",
                           name, escaped);
}


/**
 * qemuHostFormatSysinfo:
 * @dmiDir: the kernel's SMBIOS export, /sys/class/dmi/id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a <sysinfo type='smbios'> document with the
 * BIOS and system entries the kernel exports, or NULL with @error set
 * (VS_ERR_CONFIG_UNSUPPORTED, as libvirt) on a host without SMBIOS.
 */
char *
qemuHostFormatSysinfo(const char *dmiDir,
                      GError **error)
{
    static const struct { const char *file; const char *name; } bios[] = {
        { "bios_vendor", "vendor" }, { "bios_version", "version" },
        { "bios_date", "date" }, { "bios_release", "release" },
    };
    static const struct { const char *file; const char *name; } sys[] = {
        { "sys_vendor", "manufacturer" }, { "product_name", "product" },
        { "product_version", "version" }, { "product_serial", "serial" },
        { "product_uuid", "uuid" }, { "product_sku", "sku" },
        { "product_family", "family" },
    };
    g_autoptr(GString) buf = NULL;
    size_t i;

    if (!g_file_test(dmiDir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("Host SMBIOS information is not available"));
        return NULL;
    }
    buf = g_string_new("<sysinfo type='smbios'>\n  <bios>\n");
    for (i = 0; i < G_N_ELEMENTS(bios); i++)
        qemuHostAppendDMI(buf, dmiDir, bios[i].file, bios[i].name);
    g_string_append(buf, "  </bios>\n  <system>\n");
    for (i = 0; i < G_N_ELEMENTS(sys); i++)
        qemuHostAppendDMI(buf, dmiDir, sys[i].file, sys[i].name);
    g_string_append(buf, "  </system>\n</sysinfo>\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/**
 * qemuHostGetMaxVcpus:
 * @type: "kvm", "qemu" or NULL (the best available)
 * @error: return location for a #GError
 *
 * Returns: KVM's own vCPU limit for "kvm" (KVM_CAP_MAX_VCPUS, or
 * KVM_CAP_NR_VCPUS on kernels without it), the TCG limit for "qemu", or
 * -1 with @error set for an unknown type or KVM that cannot be asked.
 */
int
qemuHostGetMaxVcpus(const char *type,
                    GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    int max;

    if (type && (g_ascii_strcasecmp(type, "qemu") == 0 ||
                 g_ascii_strcasecmp(type, "tcg") == 0))
        return QEMU_HOST_TCG_MAX_VCPUS;
    if (type && g_ascii_strcasecmp(type, "kvm") != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unknown type '%s'"), type);
        return -1;
    }

    if ((fd = open("/dev/kvm", O_RDONLY | O_CLOEXEC)) < 0) {
        if (!type)
            return QEMU_HOST_TCG_MAX_VCPUS;
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot open '/dev/kvm'"));
        return -1;
    }
    max = ioctl(fd, QEMU_HOST_KVM_CHECK_EXTENSION, QEMU_HOST_KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = ioctl(fd, QEMU_HOST_KVM_CHECK_EXTENSION, QEMU_HOST_KVM_CAP_NR_VCPUS);
    /* a kernel that answers neither supports 4 vCPUs (KVM's documented
     * default) */
    return max > 0 ? max : 4;
}


/* Does one of @patterns (glob, as firmware descriptors write them) match
 * @machine? */
static gboolean
qemuHostMachineMatches(json_object *patterns,
                       const char *machine)
{
    size_t i;

    for (i = 0; patterns && i < json_object_array_length(patterns); i++) {
        const char *p = json_object_get_string(
            json_object_array_get_idx(patterns, i));

        if (p && g_pattern_match_simple(p, machine))
            return TRUE;
    }
    return FALSE;
}


/* The executable of a UEFI flash descriptor for x86_64 @machine, or
 * NULL. (transfer full) */
static char *
qemuHostFirmwareExecutable(json_object *desc,
                           const char *machine,
                           gboolean *secure)
{
    json_object *types = NULL;
    json_object *mapping = NULL;
    json_object *exe = NULL;
    json_object *file = NULL;
    json_object *targets = NULL;
    json_object *features = NULL;
    gboolean uefi = FALSE;
    gboolean matched = FALSE;
    size_t i;

    if (json_object_object_get_ex(desc, "interface-types", &types)) {
        for (i = 0; i < json_object_array_length(types); i++)
            uefi |= g_strcmp0(json_object_get_string(
                        json_object_array_get_idx(types, i)), "uefi") == 0;
    }
    if (!uefi || !json_object_object_get_ex(desc, "targets", &targets))
        return NULL;
    for (i = 0; i < json_object_array_length(targets); i++) {
        json_object *t = json_object_array_get_idx(targets, i);
        json_object *arch = NULL;
        json_object *machines = NULL;

        if (json_object_object_get_ex(t, "architecture", &arch) &&
            g_strcmp0(json_object_get_string(arch), "x86_64") == 0 &&
            json_object_object_get_ex(t, "machines", &machines))
            matched |= qemuHostMachineMatches(machines, machine);
    }
    if (!matched ||
        !json_object_object_get_ex(desc, "mapping", &mapping) ||
        !json_object_object_get_ex(mapping, "executable", &exe) ||
        !json_object_object_get_ex(exe, "filename", &file))
        return NULL;
    *secure = FALSE;
    if (json_object_object_get_ex(desc, "features", &features)) {
        for (i = 0; i < json_object_array_length(features); i++)
            *secure |= g_strcmp0(json_object_get_string(
                           json_object_array_get_idx(features, i)),
                           "secure-boot") == 0;
    }
    return g_strdup(json_object_get_string(file));
}


static gint
qemuHostCompareNames(gconstpointer a,
                     gconstpointer b)
{
    return g_strcmp0(*(const char * const *) a, *(const char * const *) b);
}


/* <os> with the UEFI builds the installed descriptors offer @machine. */
static void
qemuHostFormatOS(GString *buf,
                 const char *firmwareDir,
                 const char *machine)
{
    g_autoptr(GDir) dir = g_dir_open(firmwareDir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) loaders = g_ptr_array_new_with_free_func(g_free);
    gboolean anySecure = FALSE;
    const char *name;
    size_t i;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_suffix(name, ".json"))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, qemuHostCompareNames);
    for (i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(firmwareDir,
                                                 (char *) names->pdata[i], NULL);
        json_object *desc = json_object_from_file(path);
        gboolean secure = FALSE;
        char *exe;

        if (!desc)
            continue;
        if ((exe = qemuHostFirmwareExecutable(desc, machine, &secure)) &&
            !g_ptr_array_find_with_equal_func(loaders, exe, g_str_equal, NULL)) {
            g_ptr_array_add(loaders, exe);
            anySecure |= secure;
        } else {
            g_free(exe);
        }
        json_object_put(desc);
    }

    g_string_append(buf, "  <os supported='yes'>\n");
    g_string_append(buf, "    <enum name='firmware'>\n");
    if (loaders->len)
        g_string_append(buf, "      <value>efi</value>\n");
    g_string_append(buf, "    </enum>\n");
    g_string_append(buf, "    <loader supported='yes'>\n");
    for (i = 0; i < loaders->len; i++) {
        g_autofree char *esc = g_markup_escape_text(loaders->pdata[i], -1);

        g_string_append_printf(buf, "      <value>%s</value>\n", esc);
    }
    g_string_append(buf, "      <enum name='type'>\n"
                         "        <value>rom</value>\n"
                         "        <value>pflash</value>\n"
                         "      </enum>\n"
                         "      <enum name='readonly'>\n"
                         "        <value>yes</value>\n"
                         "        <value>no</value>\n"
                         "      </enum>\n"
                         "      <enum name='secure'>\n"
                         "        <value>no</value>\n");
    if (anySecure)
        g_string_append(buf, "        <value>yes</value>\n");
    g_string_append(buf, "      </enum>\n    </loader>\n  </os>\n");
}


/* host-model is not offered: virtsaved runs it as QEMU's host CPU (or
 * "max" under TCG, see qemuBuildCPU()), not as a named model with a
 * fixed feature list, so it is no safer than host-passthrough and tools
 * must not pick it as their safe default. */
static void
qemuHostFormatCPU(GString *buf,
                  const qemuCaps *caps,
                  gboolean kvm)
{
    size_t i;

    g_string_append_printf(buf, "  <cpu>\n"
                           "    <mode name='host-passthrough' supported='%s'/>\n"
                           "    <mode name='maximum' supported='yes'/>\n"
                           "    <mode name='host-model' supported='no'/>\n",
                           kvm ? "yes" : "no");
    g_string_append(buf, "    <mode name='custom' supported='yes'>\n");
    for (i = 0; caps->cpuModels && i < caps->cpuModels->len; i++) {
        const qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, i);
        g_autofree char *esc = g_markup_escape_text(m->name, -1);

        g_string_append_printf(buf,
                               "      <model usable='%s'%s>%s</model>\n",
                               m->usable ? "yes" : "no",
                               m->deprecated ? " deprecated='yes'" : "", esc);
    }
    g_string_append(buf, "    </mode>\n  </cpu>\n");
}


/* <enum name='@name'> with the members of @values that QEMU has
 * (@types NULL, or per value the QOM type it needs or NULL). Returns
 * FALSE, appending nothing, when none is left. */
static gboolean
qemuHostFormatEnum(GString *buf,
                   const qemuCaps *caps,
                   const char *name,
                   const char *const *values,
                   const char *const *types)
{
    g_autoptr(GString) members = g_string_new(NULL);
    size_t i;

    for (i = 0; values[i]; i++) {
        if (types && types[i] && !qemuCapsHasType(caps, types[i]))
            continue;
        g_string_append_printf(members, "        <value>%s</value>\n",
                               values[i]);
    }
    if (!members->len)
        return FALSE;
    g_string_append_printf(buf, "      <enum name='%s'>\n%s      </enum>\n",
                           name, members->str);
    return TRUE;
}


/* <@element supported='yes'> with one enum, or supported='no'. */
static void
qemuHostFormatDevice(GString *buf,
                     const qemuCaps *caps,
                     const char *element,
                     const char *enumName,
                     const char *const *values,
                     const char *const *types)
{
    g_autoptr(GString) body = g_string_new(NULL);

    if (!qemuHostFormatEnum(body, caps, enumName, values, types)) {
        g_string_append_printf(buf, "    <%s supported='no'/>\n", element);
        return;
    }
    g_string_append_printf(buf, "    <%s supported='yes'>\n%s    </%s>\n",
                           element, body->str, element);
}


static void
qemuHostFormatDevices(GString *buf,
                      const qemuCaps *caps)
{
    static const char *const diskDevices[] = { "disk", "cdrom", NULL };
    static const char *const diskBuses[] = { "ide", "sata", "virtio", NULL };
    static const char *const diskBusTypes[] = {
        NULL, "ich9-ahci", "virtio-blk-pci", NULL };
    static const char *const graphics[] = { "vnc", "spice", NULL };
    static const char *const graphicsTypes[] = { NULL, "chardev-spicevmc", NULL };
    static const char *const videos[] = {
        "vga", "cirrus", "qxl", "virtio", "bochs", "ramfb", "none", NULL };
    static const char *const videoTypes[] = {
        "VGA", "cirrus-vga", "qxl-vga", "virtio-vga", "bochs-display",
        "ramfb", NULL, NULL };
    static const char *const sounds[] = { "ich6", "ich9", "ac97", NULL };
    static const char *const soundTypes[] = {
        "intel-hda", "ich9-intel-hda", "AC97", NULL };
    static const char *const tpms[] = { "tpm-tis", "tpm-crb", NULL };
    static const char *const channels[] = { "unix", "spicevmc", NULL };
    static const char *const channelTypes[] = {
        "virtserialport", "chardev-spicevmc", NULL };
    static const char *const redirdevs[] = { "usb", NULL };
    static const char *const redirdevTypes[] = { "usb-redir", NULL };
    static const char *const consoles[] = { "pty", "null", "file", NULL };
    static const char *const rngModels[] = { "virtio", NULL };
    static const char *const rngTypes[] = { "virtio-rng-pci", NULL };
    static const char *const watchdogs[] = { "i6300esb", "itco", NULL };
    static const char *const watchdogTypes[] = { "i6300esb", NULL, NULL };
    static const char *const ifaceBackends[] = { "default", NULL };

    g_string_append(buf, "  <devices>\n    <disk supported='yes'>\n");
    if (!qemuHostFormatEnum(buf, caps, "diskDevice", diskDevices, NULL) ||
        !qemuHostFormatEnum(buf, caps, "bus", diskBuses, diskBusTypes))
        VS_DEBUG("'%s' has no disk bus virtsave drives", caps->binary);
    g_string_append(buf, "    </disk>\n");
    qemuHostFormatDevice(buf, caps, "graphics", "type", graphics,
                         graphicsTypes);
    qemuHostFormatDevice(buf, caps, "video", "modelType", videos, videoTypes);
    qemuHostFormatDevice(buf, caps, "sound", "model", sounds, soundTypes);
    qemuHostFormatDevice(buf, caps, "tpm", "model", tpms, tpms);
    qemuHostFormatDevice(buf, caps, "channel", "type", channels, channelTypes);
    qemuHostFormatDevice(buf, caps, "redirdev", "bus", redirdevs,
                         redirdevTypes);
    qemuHostFormatDevice(buf, caps, "console", "type", consoles, NULL);
    qemuHostFormatDevice(buf, caps, "rng", "model", rngModels, rngTypes);
    qemuHostFormatDevice(buf, caps, "watchdog", "model", watchdogs,
                         watchdogTypes);
    qemuHostFormatDevice(buf, caps, "interface", "backendType",
                         ifaceBackends, NULL);
    g_string_append(buf, "    <hostdev supported='no'/>\n"
                         "    <filesystem supported='no'/>\n"
                         "    <crypto supported='no'/>\n"
                         "    <panic supported='no'/>\n"
                         "  </devices>\n");
}


/**
 * qemuHostFormatDomainCaps:
 * @caps: the probed QEMU
 * @machine: the machine type asked for, or NULL for QEMU's default
 * @virttype: "kvm", "qemu" or NULL (kvm when QEMU has it)
 * @firmwareDir: where firmware descriptors live
 * @error: return location for a #GError
 *
 * What a domain of that machine and type can use with this QEMU and
 * virtsave: vCPU limit, firmware, CPU modes and models, and the devices
 * and models virtsave knows how to run, each only when the binary has
 * the device (qom-list-types).
 *
 * Returns: (transfer full) a <domainCapabilities> document, or NULL with
 * @error set for an unknown machine or an unavailable type.
 */
char *
qemuHostFormatDomainCaps(const qemuCaps *caps,
                         const char *machine,
                         const char *virttype,
                         const char *firmwareDir,
                         GError **error)
{
    const qemuCapsMachine *m;
    g_autoptr(GString) buf = NULL;
    g_autofree char *emulator = NULL;
    gboolean kvm;

    if (virttype && !g_str_equal(virttype, "kvm") &&
        !g_str_equal(virttype, "qemu")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unknown virttype: %s"), virttype);
        return NULL;
    }
    kvm = virttype ? g_str_equal(virttype, "kvm") : caps->kvm;
    if (kvm && !caps->kvm) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("KVM is not supported by '%s' on this host"),
                    caps->binary);
        return NULL;
    }
    m = machine ? qemuCapsFindMachine(caps, machine)
                : qemuCapsGetDefaultMachine(caps);
    if (!m) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("the machine '%s' is not supported by emulator '%s'"),
                    machine ? machine : "", caps->binary);
        return NULL;
    }

    emulator = g_markup_escape_text(caps->binary, -1);
    buf = g_string_new("<domainCapabilities>\n");
    g_string_append_printf(buf, "  <path>%s</path>\n", emulator);
    g_string_append_printf(buf, "  <domain>%s</domain>\n", kvm ? "kvm" : "qemu");
    g_string_append_printf(buf, "  <machine>%s</machine>\n", m->name);
    g_string_append(buf, "  <arch>x86_64</arch>\n");
    g_string_append_printf(buf, "  <vcpu max='%u'/>\n", MAX(m->maxCpus, 1));
    g_string_append(buf, "  <iothreads supported='no'/>\n");
    qemuHostFormatOS(buf, firmwareDir, m->name);
    qemuHostFormatCPU(buf, caps, kvm);
    qemuHostFormatDevices(buf, caps);
    g_string_append(buf, "  <features>\n"
                         "    <gic supported='no'/>\n"
                         "    <vmcoreinfo supported='no'/>\n"
                         "    <genid supported='no'/>\n"
                         "    <backingStoreInput supported='no'/>\n"
                         "    <backup supported='no'/>\n"
                         "    <sev supported='no'/>\n"
                         "    <sgx supported='no'/>\n"
                         "  </features>\n"
                         "</domainCapabilities>\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}
