/*
 * qemu_driver.c: the QEMU driver's API entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "qemu_driver.h"
#include "qemu_firmware.h"
#include "qemu_tpm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_guest.h"
#include "qemu_host.h"
#include "qemu_interface.h"
#include "qemu_hostcpu.h"
#include "qemu_process.h"
#include "qemu_recover.h"
#include "qemu_save.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.driver");

/* virDomainDefineXMLFlags: VIR_DOMAIN_DEFINE_VALIDATE. Parsing always
 * validates against the supported subset, so it changes nothing. */
#define QEMU_DEFINE_VALIDATE (1 << 0)
/* virDomainDestroyFlags: VIR_DOMAIN_DESTROY_GRACEFUL */
#define QEMU_DESTROY_GRACEFUL (1 << 0)
/* virDomainShutdownFlags / virDomainRebootFlags: ACPI power button,
 * guest agent. */
#define QEMU_SHUTDOWN_ACPI_POWER_BTN (1 << 0)
#define QEMU_SHUTDOWN_GUEST_AGENT (1 << 1)


/* Reject flags an entry point does not know, as libvirt does. */
static gboolean
qemuDriverCheckFlags(unsigned int flags,
                     unsigned int supported,
                     const char *func,
                     GError **error)
{
    return vsCheckFlags(VS_ERROR_QEMU, flags, supported, func, error);
}

#define QEMU_CHECK_FLAGS(supported, ret) \
    do { \
        if (!qemuDriverCheckFlags(flags, supported, __func__, error)) \
            return ret; \
    } while (0)


/**
 * qemuDomainRefFree:
 * @ref: (nullable): a domain reference
 *
 * Frees @ref and its name.
 */
void
qemuDomainRefFree(qemuDomainRef *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}


/* ---- lifetime ----------------------------------------------------- */

/* Refresh the flags that live in files beside the definition. */
static void
qemuDriverRefreshFileFlags(qemuDriver *driver,
                           qemuDomainObj *vm)
{
    g_autofree char *autostart =
        qemuDriverConfigAutostartPath(driver->config, vm->name);
    g_autofree char *save =
        qemuDriverConfigManagedSavePath(driver->config, vm->name);

    vm->autostart = g_file_test(autostart, G_FILE_TEST_EXISTS);
    vm->hasManagedSave = g_file_test(save, G_FILE_TEST_EXISTS);
}


static void
qemuDriverLoadDomain(qemuDriver *driver,
                     const char *path,
                     const char *name)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vsDomainDef) def = NULL;
    qemuDomainObj *vm;

    if (!(def = vsDomainDefParseFile(path, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                     &err))) {
        VS_WARN("ignoring definition '%s': %s", path, err->message);
        return;
    }
    if (!g_str_equal(def->name, name)) {
        VS_WARN("ignoring definition '%s': it names domain '%s'", path,
                def->name);
        return;
    }
    if (!(vm = qemuDomainObjListAdd(driver->domains, driver, def, TRUE,
                                    &err))) {
        VS_WARN("ignoring definition '%s': %s", path, err->message);
        return;
    }
    g_steal_pointer(&def);
    qemuDriverRefreshFileFlags(driver, vm);
    VS_DEBUG("loaded domain '%s'", vm->name);
    qemuDomainObjEndAPI(&vm);
}


static void
qemuDriverLoadDomains(qemuDriver *driver)
{
    g_autoptr(GDir) dir = NULL;
    const char *entry;

    if (!(dir = g_dir_open(driver->config->domainDir, 0, NULL)))
        return;

    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        g_autofree char *name = NULL;

        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        name = g_strndup(entry, strlen(entry) - strlen(".xml"));
        path = g_build_filename(driver->config->domainDir, entry, NULL);
        qemuDriverLoadDomain(driver, path, name);
    }
}


/**
 * qemuDriverNew:
 * @root: (nullable): the daemon's --root directory, or NULL
 * @error: return location for a #GError
 *
 * Reads qemu.conf, creates the driver's directories, loads persistent
 * definitions and reattaches to running QEMU processes.
 *
 * Returns: (transfer full) the driver, or NULL with @error set.
 */
qemuDriver *
qemuDriverNew(const char *root,
              GError **error)
{
    g_autoptr(qemuDriver) driver = g_new0(qemuDriver, 1);
    struct utsname uts;
    long cpus;

    g_mutex_init(&driver->workerLock);
    g_cond_init(&driver->workerCond);
    driver->nextId = 1;
    driver->config = qemuDriverConfigNew(root);
    driver->domains = qemuDomainObjListNew();
    driver->caps = qemuCapsCacheNew(driver->config->stateDir);
    driver->graphicsPorts = qemuGraphicsPortsNew();
    driver->hostArch = g_strdup(uname(&uts) == 0 ? uts.machine : "x86_64");

    if (!qemuDriverConfigLoadFile(driver->config, driver->config->configFile,
                                  error) ||
        !qemuDriverConfigMakeDirs(driver->config, error))
        return NULL;
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    driver->iosched = qemuIOSchedNew(driver->config->saveMaxConcurrent,
                                     cpus > 0 ? (unsigned int) cpus : 1);

    qemuDriverLoadDomains(driver);
    qemuProcessReattachAll(driver);
    qemuRecoverSweepDir(driver->config->saveDir, NULL);
    VS_INFO("QEMU driver ready: %s", driver->config->root ?
            driver->config->root : "system paths");
    return g_steal_pointer(&driver);
}


/**
 * qemuDriverFree:
 * @driver: (nullable): the driver
 *
 * Closes every monitor and frees the driver. QEMU processes keep running
 * with their status files, for the next qemuDriverNew() to reattach.
 */
void
qemuDriverFree(qemuDriver *driver)
{
    g_autoptr(GPtrArray) all = NULL;
    size_t i;

    if (!driver)
        return;

    if (driver->domains) {
        all = qemuDomainObjListCollect(driver->domains);
        for (i = 0; i < all->len; i++) {
            qemuDomainObj *vm = g_ptr_array_index(all, i);

            qemuDomainObjLock(vm);
            g_clear_pointer(&vm->mon, qemuMonitorClose);
            qemuDomainObjUnlock(vm);
        }
    }

    /* Exit handlers that already started still use the driver. */
    g_mutex_lock(&driver->workerLock);
    while (driver->workers > 0)
        g_cond_wait(&driver->workerCond, &driver->workerLock);
    g_mutex_unlock(&driver->workerLock);

    g_clear_pointer(&all, g_ptr_array_unref);
    qemuDomainObjListFree(driver->domains);
    qemuCapsCacheFree(driver->caps);
    qemuDriverConfigFree(driver->config);
    g_free(driver->hostArch);
    qemuGraphicsPortsFree(driver->graphicsPorts);
    qemuIOSchedFree(driver->iosched);
    g_mutex_clear(&driver->workerLock);
    g_cond_clear(&driver->workerCond);
    g_free(driver);
}


/* ---- connection-wide ---------------------------------------------- */

static qemuCaps *
qemuDriverGetDefaultCaps(qemuDriver *driver,
                         GError **error)
{
    g_autofree char *binary = NULL;

    if (!(binary = qemuDriverConfigFindBinary(driver->config, error)))
        return NULL;
    return qemuCapsCacheLookup(driver->caps, binary, error);
}


/* Record the versioned machine type behind an alias ("pc"), as QEMU
 * resolves it today, so that the guest's hardware, and the device state
 * in its save images, stay the same after a QEMU upgrade. */
static gboolean
qemuDriverPinMachine(qemuDriver *driver,
                     vsDomainDef *def,
                     GError **error)
{
    g_autofree char *binary = NULL;
    g_autoptr(qemuCaps) caps = NULL;
    g_autoptr(GError) lookupError = NULL;
    const char *canonical;

    /* A definition may name an emulator that is not installed yet; its
     * start reports that, and the alias stays until a start can pin it. */
    if (!(binary = qemuProcessFindEmulator(driver, def, &lookupError))) {
        VS_DEBUG("domain '%s': machine left as '%s': %s", def->name,
                 def->os.machine, lookupError->message);
        return TRUE;
    }
    if (!(caps = qemuCapsCacheLookup(driver->caps, binary, error)))
        return FALSE;

    canonical = qemuCapsGetCanonicalMachine(caps, def->os.machine);
    if (canonical != def->os.machine) {
        VS_DEBUG("domain '%s': machine '%s' is '%s'", def->name,
                 def->os.machine, canonical);
        g_free(def->os.machine);
        def->os.machine = g_strdup(canonical);
    }
    /* Firmware descriptors name the machine types they support. */
    return qemuFirmwareFillDef(driver->config, def, error);
}


/**
 * qemuDriverSetEventCallback:
 * @driver: the driver
 * @func: called for every domain lifecycle event, with the domain locked
 * @opaque: passed to @func
 *
 * Installs the one listener of lifecycle events; call it before clients
 * are served.
 */
void
qemuDriverSetEventCallback(qemuDriver *driver,
                           qemuDriverEventFunc func,
                           gpointer opaque)
{
    driver->eventFunc = func;
    driver->eventOpaque = opaque;
}


/**
 * qemuDriverGetVersion:
 * @driver: the driver
 * @version: (out) QEMU's version, libvirt-encoded
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetVersion(qemuDriver *driver,
                     unsigned long long *version,
                     GError **error)
{
    g_autoptr(qemuCaps) caps = NULL;

    if (!(caps = qemuDriverGetDefaultCaps(driver, error)))
        return FALSE;
    *version = qemuCapsGetVersion(caps);
    return TRUE;
}


/* One <machine> per machine type QEMU has, aliases pointing at their
 * versioned type, as libvirt lists them. */
static void
qemuDriverFormatMachines(GString *buf,
                         const qemuCaps *caps)
{
    size_t i;

    for (i = 0; caps->machines && i < caps->machines->len; i++) {
        const qemuCapsMachine *m = g_ptr_array_index(caps->machines, i);

        if (m->deprecated)
            continue;
        g_string_append_printf(buf, "      <machine maxCpus='%u'>%s</machine>\n",
                               m->maxCpus, m->name);
        if (m->alias)
            g_string_append_printf(buf,
                                   "      <machine canonical='%s' maxCpus='%u'>%s</machine>\n",
                                   m->name, m->maxCpus, m->alias);
    }
}


/* The host's node information from /proc. */
static gboolean
qemuDriverReadNodeInfo(qemuDriver *driver,
                       qemuHostNodeInfo *info,
                       GError **error)
{
    g_autofree char *cpuinfo = NULL;
    g_autofree char *meminfo = NULL;

    if (!g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, error) ||
        !g_file_get_contents("/proc/meminfo", &meminfo, NULL, error))
        return FALSE;
    return qemuHostParseNodeInfo(cpuinfo, meminfo, driver->hostArch,
                                 (int) sysconf(_SC_NPROCESSORS_ONLN), info,
                                 error);
}


/**
 * qemuDriverGetCapabilities:
 * @driver: the driver
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a libvirt-style <capabilities> document: the
 * host's architecture and CPU topology, and one hvm guest with the
 * configured emulator, every machine type it has, its accelerators and
 * features, or NULL with @error set.
 */
char *
qemuDriverGetCapabilities(qemuDriver *driver,
                          GError **error)
{
    g_autoptr(qemuCaps) caps = NULL;
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autofree char *emulator = NULL;
    g_autofree char *cpuinfo = NULL;
    g_autoptr(qemuHostCPU) cpu = NULL;
    qemuHostNodeInfo node;
    int i;

    if (!(caps = qemuDriverGetDefaultCaps(driver, error)) ||
        !qemuDriverReadNodeInfo(driver, &node, error) ||
        !g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, error))
        return NULL;
    emulator = g_markup_escape_text(caps->binary, -1);
    cpu = qemuHostCPUParse(cpuinfo, caps->cpuFeatures);

    g_string_append(buf, "<capabilities>\n\n  <host>\n");
    qemuHostCPUFormatHost(buf, cpu, caps, driver->hostArch, node.sockets,
                          node.cores, node.threads);
    g_string_append(buf, "    <power_management/>\n"
                         "    <migration_features/>\n");
    g_string_append_printf(buf, "    <topology>\n      <cells num='1'>\n"
                           "        <cell id='0'>\n"
                           "          <memory unit='KiB'>%llu</memory>\n"
                           "          <cpus num='%d'>\n",
                           node.memory, node.cpus);
    for (i = 0; i < node.cpus; i++)
        g_string_append_printf(buf, "            <cpu id='%d'/>\n", i);
    g_string_append(buf, "          </cpus>\n        </cell>\n      </cells>\n"
                         "    </topology>\n  </host>\n\n");
    g_string_append(buf, "  <guest>\n    <os_type>hvm</os_type>\n");
    g_string_append(buf, "    <arch name='x86_64'>\n");
    g_string_append(buf, "      <wordsize>64</wordsize>\n");
    g_string_append_printf(buf, "      <emulator>%s</emulator>\n", emulator);
    qemuDriverFormatMachines(buf, caps);
    g_string_append(buf, "      <domain type='qemu'/>\n");
    if (caps->kvm)
        g_string_append(buf, "      <domain type='kvm'/>\n");
    g_string_append(buf, "    </arch>\n    <features>\n");
    g_string_append(buf, "      <acpi default='on' toggle='yes'/>\n");
    g_string_append(buf, "      <apic default='on' toggle='no'/>\n");
    g_string_append(buf, "      <cpuselection/>\n");
    g_string_append(buf, "      <deviceboot/>\n");
    g_string_append(buf, "    </features>\n  </guest>\n\n</capabilities>\n");
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/**
 * qemuDriverGetCPUModelNames:
 * @driver: the driver
 * @arch: the architecture asked about
 * @error: return location for a #GError
 *
 * virConnectGetCPUModelNames: the named CPU models of the configured
 * QEMU (not "host", "max" and "base", which are modes rather than
 * models).
 *
 * Returns: (transfer full) the names, or NULL with @error set.
 */
GPtrArray *
qemuDriverGetCPUModelNames(qemuDriver *driver,
                           const char *arch,
                           GError **error)
{
    g_autoptr(qemuCaps) caps = NULL;
    GPtrArray *names;
    size_t i;

    if (!g_str_equal(arch, "x86_64")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED,
                    _("no CPU models for architecture '%s': virtsaved runs x86_64 guests"),
                    arch);
        return NULL;
    }
    if (!(caps = qemuDriverGetDefaultCaps(driver, error)))
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; caps->cpuModels && i < caps->cpuModels->len; i++) {
        const qemuCapsCPUModel *m = g_ptr_array_index(caps->cpuModels, i);

        if (!g_str_equal(m->name, "host") && !g_str_equal(m->name, "max") &&
            !g_str_equal(m->name, "base"))
            g_ptr_array_add(names, g_strdup(m->name));
    }
    return names;
}


/**
 * qemuDriverCompareCPU:
 * @driver: the driver
 * @error: return location for a #GError
 *
 * virConnectCompareCPU, virConnectCompareHypervisorCPU and the baseline
 * calls: virtsave has no CPU feature database to compare or combine CPU
 * definitions with, and says so rather than guess.
 *
 * Returns: FALSE with @error set (VS_ERR_NO_SUPPORT).
 */
gboolean
qemuDriverCompareCPU(qemuDriver *driver,
                     GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_SUPPORT, "%s",
                _("comparing and computing baselines of CPU definitions is not supported by virtsaved"));
    return FALSE;
}


/**
 * qemuDriverGetDomainCapabilities:
 * @driver: the driver
 * @emulator: an emulator path, or NULL for the configured one
 * @arch: "x86_64" or NULL
 * @machine: a machine type, or NULL for QEMU's default
 * @virttype: "kvm", "qemu" or NULL
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a <domainCapabilities> document for that
 * combination (virConnectGetDomainCapabilities), or NULL with @error set.
 */
char *
qemuDriverGetDomainCapabilities(qemuDriver *driver,
                                const char *emulator,
                                const char *arch,
                                const char *machine,
                                const char *virttype,
                                GError **error)
{
    g_autoptr(qemuCaps) caps = NULL;

    if (arch && !g_str_equal(arch, "x86_64")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("architecture '%s' is not supported: virtsave runs x86_64 guests"),
                    arch);
        return NULL;
    }
    if (emulator && !g_path_is_absolute(emulator)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("emulator path '%s' is not absolute"), emulator);
        return NULL;
    }
    caps = emulator ? qemuCapsCacheLookup(driver->caps, emulator, error)
                    : qemuDriverGetDefaultCaps(driver, error);
    if (!caps)
        return NULL;
    return qemuHostFormatDomainCaps(caps, machine, virttype,
                                    QEMU_HOST_FIRMWARE_DIR, error);
}


/**
 * qemuDriverConnectGetMaxVcpus:
 * @driver: the driver
 * @type: "kvm", "qemu" or NULL
 * @error: return location for a #GError
 *
 * Returns: the most vCPUs a guest of that type can have here
 * (virConnectGetMaxVcpus), or -1 with @error set.
 */
int
qemuDriverConnectGetMaxVcpus(qemuDriver *driver,
                             const char *type,
                             GError **error)
{
    (void) driver;
    return qemuHostGetMaxVcpus(type, error);
}


/**
 * qemuDriverGetSysinfo:
 * @driver: the driver
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the host's SMBIOS tables as <sysinfo>
 * (virConnectGetSysinfo), or NULL with @error set.
 */
char *
qemuDriverGetSysinfo(qemuDriver *driver,
                     GError **error)
{
    (void) driver;
    return qemuHostFormatSysinfo("/sys/class/dmi/id", error);
}


/**
 * qemuDriverNodeGetInfo:
 * @driver: the driver
 * @info: (out) virNodeInfo's fields
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverNodeGetInfo(qemuDriver *driver,
                      qemuHostNodeInfo *info,
                      GError **error)
{
    return qemuDriverReadNodeInfo(driver, info, error);
}


/**
 * qemuDriverNodeGetCPUStats:
 * @cpuNum: a host CPU or QEMU_HOST_ALL_CPUS
 * @stats: (out) room for QEMU_HOST_CPU_STATS_MAX entries
 * @error: return location for a #GError
 *
 * Returns: the number of entries, or -1 with @error set.
 */
int
qemuDriverNodeGetCPUStats(int cpuNum,
                          qemuHostStat *stats,
                          GError **error)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents("/proc/stat", &text, NULL, error))
        return -1;
    return qemuHostParseCPUStats(text, cpuNum, stats, error);
}


/**
 * qemuDriverNodeGetMemoryStats:
 * @cellNum: QEMU_HOST_ALL_CELLS or 0, the one NUMA cell reported
 * @stats: (out) room for QEMU_HOST_MEMORY_STATS_MAX entries
 * @error: return location for a #GError
 *
 * Returns: the number of entries, or -1 with @error set.
 */
int
qemuDriverNodeGetMemoryStats(int cellNum,
                             qemuHostStat *stats,
                             GError **error)
{
    g_autofree char *text = NULL;

    if (cellNum != QEMU_HOST_ALL_CELLS && cellNum != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("invalid cell number %d: the host has one NUMA cell"),
                    cellNum);
        return -1;
    }
    if (!g_file_get_contents("/proc/meminfo", &text, NULL, error))
        return -1;
    return qemuHostParseMemoryStats(text, stats, error);
}


/* Does @vm (locked) pass the filters of virConnectListAllDomains? */
static gboolean
qemuDriverDomainMatches(qemuDomainObj *vm,
                        unsigned int flags)
{
    gboolean active = qemuDomainObjIsActive(vm);

#define QEMU_FILTER(a, b, va, vb) \
    if ((flags & ((a) | (b))) && \
        !(((flags & (a)) && (va)) || ((flags & (b)) && (vb)))) \
        return FALSE

    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_ACTIVE,
                VS_CONNECT_LIST_DOMAINS_INACTIVE, active, !active);
    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_PERSISTENT,
                VS_CONNECT_LIST_DOMAINS_TRANSIENT,
                vm->persistent, !vm->persistent);
    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
                VS_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
                vm->hasManagedSave, !vm->hasManagedSave);
    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_AUTOSTART,
                VS_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
                vm->autostart, !vm->autostart);
    /* No snapshots or checkpoints exist here. */
    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT,
                VS_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, FALSE, TRUE);
    QEMU_FILTER(VS_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT,
                VS_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, FALSE, TRUE);
#undef QEMU_FILTER

    if (flags & (VS_CONNECT_LIST_DOMAINS_RUNNING |
                 VS_CONNECT_LIST_DOMAINS_PAUSED |
                 VS_CONNECT_LIST_DOMAINS_SHUTOFF |
                 VS_CONNECT_LIST_DOMAINS_OTHER)) {
        gboolean running = vm->state == VS_DOMAIN_RUNNING;
        gboolean paused = vm->state == VS_DOMAIN_PAUSED;
        gboolean shutoff = vm->state == VS_DOMAIN_SHUTOFF;

        if (!(((flags & VS_CONNECT_LIST_DOMAINS_RUNNING) && running) ||
              ((flags & VS_CONNECT_LIST_DOMAINS_PAUSED) && paused) ||
              ((flags & VS_CONNECT_LIST_DOMAINS_SHUTOFF) && shutoff) ||
              ((flags & VS_CONNECT_LIST_DOMAINS_OTHER) &&
               !running && !paused && !shutoff)))
            return FALSE;
    }
    return TRUE;
}


/**
 * qemuDriverListDomains:
 * @driver: the driver
 * @flags: vsConnectListAllDomainsFlags filters
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the matching domains as qemuDomainRef, sorted
 * by name, or NULL with @error set.
 */
GPtrArray *
qemuDriverListDomains(qemuDriver *driver,
                      unsigned int flags,
                      GError **error)
{
    g_autoptr(GPtrArray) all = NULL;
    GPtrArray *refs;
    size_t i;

    QEMU_CHECK_FLAGS(VS_CONNECT_LIST_DOMAINS_NO_CHECKPOINT * 2 - 1, NULL);

    all = qemuDomainObjListCollect(driver->domains);
    refs = g_ptr_array_new_with_free_func((GDestroyNotify) qemuDomainRefFree);
    for (i = 0; i < all->len; i++) {
        qemuDomainObj *vm = g_ptr_array_index(all, i);

        qemuDomainObjLock(vm);
        if (!vm->removed && qemuDriverDomainMatches(vm, flags))
            g_ptr_array_add(refs, qemuDomainObjToRef(vm));
        qemuDomainObjUnlock(vm);
    }
    return refs;
}


/**
 * qemuDriverNumOfDomains:
 * @driver: the driver
 * @active: count active (TRUE) or defined inactive (FALSE) domains
 *
 * Returns: the number of such domains.
 */
int
qemuDriverNumOfDomains(qemuDriver *driver,
                       gboolean active)
{
    g_autoptr(GPtrArray) refs = NULL;

    refs = qemuDriverListDomains(driver,
                                 active ? VS_CONNECT_LIST_DOMAINS_ACTIVE
                                        : VS_CONNECT_LIST_DOMAINS_INACTIVE,
                                 NULL);
    return refs ? (int) refs->len : 0;
}


/* ---- lookups ------------------------------------------------------ */

/**
 * qemuDriverLookupByName:
 * @driver: the driver
 * @name: domain name
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the domain, or NULL with @error set
 * (VS_ERR_NO_DOMAIN).
 */
qemuDomainRef *
qemuDriverLookupByName(qemuDriver *driver,
                       const char *name,
                       GError **error)
{
    qemuDomainObj *vm;
    qemuDomainRef *ref;

    if (!(vm = qemuDomainObjListFindByName(driver->domains, name))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                    _("no domain with matching name '%s'"), name);
        return NULL;
    }
    ref = qemuDomainObjToRef(vm);
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/**
 * qemuDriverLookupByUUID:
 * @driver: the driver
 * @uuid: raw uuid
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the domain, or NULL with @error set
 * (VS_ERR_NO_DOMAIN).
 */
qemuDomainRef *
qemuDriverLookupByUUID(qemuDriver *driver,
                       const unsigned char *uuid,
                       GError **error)
{
    qemuDomainObj *vm;
    qemuDomainRef *ref;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    ref = qemuDomainObjToRef(vm);
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/**
 * qemuDriverLookupByID:
 * @driver: the driver
 * @id: a running domain's id
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the domain, or NULL with @error set
 * (VS_ERR_NO_DOMAIN).
 */
qemuDomainRef *
qemuDriverLookupByID(qemuDriver *driver,
                     int id,
                     GError **error)
{
    qemuDomainObj *vm;
    qemuDomainRef *ref;

    if (!(vm = qemuDomainObjListFindByID(driver->domains, id))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_DOMAIN,
                    _("no domain with matching id %d"), id);
        return NULL;
    }
    ref = qemuDomainObjToRef(vm);
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/* ---- definitions -------------------------------------------------- */

/* Write @def as the persistent definition file, atomically. */
static gboolean
qemuDriverSaveDef(qemuDriver *driver,
                  const vsDomainDef *def,
                  GError **error)
{
    g_autofree char *path = qemuDriverConfigDomainPath(driver->config,
                                                       def->name);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;

    if (!(xml = vsDomainDefFormat(def, -1,
                                  VS_DOMAIN_DEF_FORMAT_INACTIVE |
                                  VS_DOMAIN_DEF_FORMAT_SECURE, error)))
        return FALSE;

    if (!g_file_set_contents_full(path, xml, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT |
                                  G_FILE_SET_CONTENTS_DURABLE, 0600, &err)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED,
                    _("cannot save definition of domain '%s' to '%s': %s"),
                    def->name, path, err->message);
        return FALSE;
    }
    return TRUE;
}


/* Replace the persistent definition of the existing @vm with @def. */
static gboolean
qemuDriverRedefine(qemuDriver *driver,
                   qemuDomainObj *vm,
                   vsDomainDef **def,
                   GError **error)
{
    if (!g_str_equal(vm->name, (*def)->name)) {
        char uuidstr[VS_UUID_STRING_BUFLEN];

        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain '%s' is already defined with uuid %s"),
                    vm->name, vsUUIDFormat(vm->uuid, uuidstr));
        return FALSE;
    }
    if (!qemuDriverSaveDef(driver, *def, error))
        return FALSE;

    if (qemuDomainObjIsActive(vm)) {
        vsDomainDefFree(vm->persistentDef);
        vm->persistentDef = g_steal_pointer(def);
    } else {
        vsDomainDefFree(vm->def);
        vm->def = g_steal_pointer(def);
    }
    vm->persistent = TRUE;
    return TRUE;
}


/**
 * qemuDriverDefineXML:
 * @driver: the driver
 * @xml: a domain definition
 * @flags: VIR_DOMAIN_DEFINE_VALIDATE (always done)
 * @error: return location for a #GError
 *
 * Defines a new persistent domain, or replaces the definition of the
 * domain with the same name and uuid (for its next start, if running).
 *
 * Returns: (transfer full) the domain, or NULL with @error set.
 */
qemuDomainRef *
qemuDriverDefineXML(qemuDriver *driver,
                    const char *xml,
                    unsigned int flags,
                    GError **error)
{
    g_autoptr(vsDomainDef) def = NULL;
    qemuDomainObj *vm;
    qemuDomainRef *ref;

    QEMU_CHECK_FLAGS(QEMU_DEFINE_VALIDATE, NULL);

    if (!(def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                       error)) ||
        !qemuDriverPinMachine(driver, def, error))
        return NULL;

    if ((vm = qemuDomainObjListFindByUUID(driver->domains, def->uuid))) {
        if (!qemuDriverRedefine(driver, vm, &def, error)) {
            qemuDomainObjEndAPI(&vm);
            return NULL;
        }
        VS_INFO("domain '%s' redefined", vm->name);
        qemuDomainEmitEvent(vm, QEMU_EVENT_DEFINED, QEMU_EVENT_DEFINED_UPDATED);
    } else {
        if (!(vm = qemuDomainObjListAdd(driver->domains, driver, def, TRUE,
                                        error)))
            return NULL;
        g_steal_pointer(&def);
        if (!qemuDriverSaveDef(driver, vm->def, error)) {
            qemuDomainObjListRemove(driver->domains, vm);
            qemuDomainObjEndAPI(&vm);
            return NULL;
        }
        qemuDriverRefreshFileFlags(driver, vm);
        VS_INFO("domain '%s' defined", vm->name);
        qemuDomainEmitEvent(vm, QEMU_EVENT_DEFINED, QEMU_EVENT_DEFINED_ADDED);
    }

    ref = qemuDomainObjToRef(vm);
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/* The NVRAM file and TPM state of a definition being undefined, with
 * libvirt's rules: an existing NVRAM file blocks the undefine unless the
 * flags say to remove or keep it; TPM state goes unless kept. */
static gboolean
qemuDriverUndefineFirmwareFiles(qemuDriver *driver,
                                const vsDomainDef *def,
                                unsigned int flags,
                                GError **error)
{
    const char *nvram = def->fw.nvram;

    if (nvram && g_file_test(nvram, G_FILE_TEST_EXISTS) &&
        !(flags & VS_DOMAIN_UNDEFINE_KEEP_NVRAM)) {
        if (!(flags & VS_DOMAIN_UNDEFINE_NVRAM)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        _("cannot undefine domain with nvram"));
            return FALSE;
        }
        if (unlink(nvram) < 0 && errno != ENOENT) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("failed to remove nvram: %s"), nvram);
            return FALSE;
        }
    }
    if (def->tpms->len && !(flags & VS_DOMAIN_UNDEFINE_KEEP_TPM))
        return qemuTPMRemoveState(driver->config, def, error);
    return TRUE;
}


/* A save can run for minutes; a call that would only wait for it behind
 * the job lock is refused at once instead. @vm is locked. */
static gboolean
qemuDriverCheckNoSaveJob(qemuDomainObj *vm,
                         GError **error)
{
    if (vm->job.kind == QEMU_JOB_ASYNC &&
        vm->job.operation == VS_DOMAIN_JOB_OPERATION_SAVE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot undefine domain '%s': a save job is running"),
                    vm->name);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuDriverUndefine:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainUndefineFlags
 * @error: return location for a #GError
 *
 * Removes a persistent definition; a running domain carries on as a
 * transient one. A managed save image blocks this unless
 * VS_DOMAIN_UNDEFINE_MANAGED_SAVE asks to remove it too. An NVRAM file
 * needs VS_DOMAIN_UNDEFINE_NVRAM (removed) or _KEEP_NVRAM; TPM state is
 * removed unless _KEEP_TPM. Snapshot and checkpoint flags concern
 * things this driver never creates and are accepted.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverUndefine(qemuDriver *driver,
                   const unsigned char *uuid,
                   unsigned int flags,
                   GError **error)
{
    qemuDomainObj *vm;
    g_autofree char *path = NULL;
    g_autofree char *autostart = NULL;
    g_autofree char *save = NULL;
    gboolean ok = FALSE;

    QEMU_CHECK_FLAGS(VS_DOMAIN_UNDEFINE_KEEP_TPM * 2 - 1, FALSE);

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!qemuDriverCheckNoSaveJob(vm, error) ||
        !qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error))
        goto cleanup;

    if (!vm->persistent) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot undefine transient domain"));
        goto endjob;
    }

    path = qemuDriverConfigDomainPath(driver->config, vm->name);
    autostart = qemuDriverConfigAutostartPath(driver->config, vm->name);
    save = qemuDriverConfigManagedSavePath(driver->config, vm->name);

    if (g_file_test(save, G_FILE_TEST_EXISTS)) {
        if (!(flags & VS_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        _("Refusing to undefine while domain managed save image exists"));
            goto endjob;
        }
        if (unlink(save) < 0 && errno != ENOENT) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("Failed to remove managed save file '%s'"),
                            save);
            goto endjob;
        }
        vm->hasManagedSave = FALSE;
    }

    if (!qemuDriverUndefineFirmwareFiles(driver,
                                         qemuDomainObjGetPersistentDef(vm),
                                         flags, error))
        goto endjob;

    if (unlink(path) < 0 && errno != ENOENT) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot remove definition '%s'"), path);
        goto endjob;
    }
    unlink(autostart);
    vm->autostart = FALSE;
    vm->persistent = FALSE;
    VS_INFO("domain '%s' undefined", vm->name);
    qemuDomainEmitEvent(vm, QEMU_EVENT_UNDEFINED, QEMU_EVENT_UNDEFINED_REMOVED);

    if (qemuDomainObjIsActive(vm))
        g_clear_pointer(&vm->persistentDef, vsDomainDefFree);
    else
        qemuDomainObjListRemove(driver->domains, vm);
    ok = TRUE;

 endjob:
    qemuDomainJobEnd(vm);
 cleanup:
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/* ---- start -------------------------------------------------------- */

/* Boot @vm (locked, job owned, inactive) with @def (createXML) or its
 * own definition (start); a start restores the managed save image when
 * there is one and @flags do not say FORCE_BOOT. */
static gboolean
qemuDriverStartLocked(qemuDriver *driver,
                      qemuDomainObj *vm,
                      const vsDomainDef *def,
                      unsigned int flags,
                      GError **error)
{
    g_autofree char *save =
        qemuDriverConfigManagedSavePath(driver->config, vm->name);
    qemuProcessStartOpts opts = { 0 };

    vm->hasManagedSave = g_file_test(save, G_FILE_TEST_EXISTS);
    if (def) {
        /* createXML runs the definition it was given; an image saved
         * from the defined one stays for a later start. */
    } else if (vm->hasManagedSave && !(flags & VS_DOMAIN_START_FORCE_BOOT)) {
        int rc = qemuSaveRestoreManaged(driver, vm, flags, error);

        /* 0: no usable image (the engine removed it): boot. */
        if (rc != 0)
            return rc > 0;
    } else if (vm->hasManagedSave) {
        /* A forced boot makes the image stale: drop it. */
        VS_INFO("domain '%s': boot forced, removing '%s'", vm->name, save);
        if (unlink(save) < 0 && errno != ENOENT) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                            _("Failed to remove managed save file '%s'"),
                            save);
            return FALSE;
        }
        vm->hasManagedSave = FALSE;
    }

    opts.paused = !!(flags & VS_DOMAIN_START_PAUSED);
    opts.resetNVRAM = !!(flags & VS_DOMAIN_START_RESET_NVRAM);
    opts.pausedReason = VS_DOMAIN_PAUSED_USER;
    opts.runningReason = VS_DOMAIN_RUNNING_BOOTED;
    opts.def = def;
    return qemuProcessStart(driver, vm, &opts, error);
}


/**
 * qemuDriverStart:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainCreateFlags (AUTODESTROY is not supported)
 * @error: return location for a #GError
 *
 * Starts a defined domain.
 *
 * Returns: (transfer full) the domain with its new id, or NULL with
 * @error set.
 */
qemuDomainRef *
qemuDriverStart(qemuDriver *driver,
                const unsigned char *uuid,
                unsigned int flags,
                GError **error)
{
    qemuDomainObj *vm;
    qemuDomainRef *ref = NULL;

    QEMU_CHECK_FLAGS(VS_DOMAIN_START_PAUSED | VS_DOMAIN_START_BYPASS_CACHE |
                     VS_DOMAIN_START_FORCE_BOOT | VS_DOMAIN_START_VALIDATE |
                     VS_DOMAIN_START_RESET_NVRAM, NULL);

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    if (!qemuDomainJobBegin(vm, QEMU_JOB_ASYNC,
                            VS_DOMAIN_JOB_OPERATION_START, error))
        goto cleanup;

    if (qemuDomainObjCheckInactive(vm, error) &&
        qemuDriverStartLocked(driver, vm, NULL, flags, error)) {
        qemuDomainJobSetResult(vm, VS_DOMAIN_JOB_COMPLETED);
        ref = qemuDomainObjToRef(vm);
    }
    qemuDomainJobEnd(vm);

 cleanup:
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/* The object for createXML's @def: a new transient one, or an inactive
 * domain with the same name and uuid, which runs @def this time. */
static qemuDomainObj *
qemuDriverCreateObj(qemuDriver *driver,
                    vsDomainDef **def,
                    GError **error)
{
    qemuDomainObj *vm;

    if ((vm = qemuDomainObjListFindByUUID(driver->domains, (*def)->uuid))) {
        if (!g_str_equal(vm->name, (*def)->name)) {
            char uuidstr[VS_UUID_STRING_BUFLEN];

            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("domain '%s' is already defined with uuid %s"),
                        vm->name, vsUUIDFormat(vm->uuid, uuidstr));
            qemuDomainObjEndAPI(&vm);
        }
        return vm;
    }

    if (!(vm = qemuDomainObjListAdd(driver->domains, driver, *def, FALSE,
                                    error)))
        return NULL;
    /* The object owns it now; the start copies vm->def. */
    *def = NULL;
    return vm;
}


/**
 * qemuDriverCreateXML:
 * @driver: the driver
 * @xml: a domain definition
 * @flags: VS_DOMAIN_START_PAUSED, VS_DOMAIN_START_VALIDATE
 * @error: return location for a #GError
 *
 * Starts a transient domain, which disappears when it stops.
 *
 * Returns: (transfer full) the running domain, or NULL with @error set.
 */
qemuDomainRef *
qemuDriverCreateXML(qemuDriver *driver,
                    const char *xml,
                    unsigned int flags,
                    GError **error)
{
    g_autoptr(vsDomainDef) def = NULL;
    qemuDomainObj *vm;
    qemuDomainRef *ref = NULL;

    QEMU_CHECK_FLAGS(VS_DOMAIN_START_PAUSED | VS_DOMAIN_START_VALIDATE, NULL);

    if (!(def = vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                       error)) ||
        !qemuDriverPinMachine(driver, def, error))
        return NULL;
    if (!(vm = qemuDriverCreateObj(driver, &def, error)))
        return NULL;

    if (!qemuDomainJobBegin(vm, QEMU_JOB_ASYNC,
                            VS_DOMAIN_JOB_OPERATION_START, error))
        goto cleanup;

    if (qemuDomainObjIsActive(vm)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("domain '%s' is already active"), vm->name);
    } else if (qemuDriverStartLocked(driver, vm, def, flags, error)) {
        qemuDomainJobSetResult(vm, VS_DOMAIN_JOB_COMPLETED);
        ref = qemuDomainObjToRef(vm);
    } else if (!vm->persistent) {
        qemuDomainObjListRemove(driver->domains, vm);
    }
    qemuDomainJobEnd(vm);

 cleanup:
    qemuDomainObjEndAPI(&vm);
    return ref;
}


/* ---- state changes ------------------------------------------------ */

/* Look @uuid up and take a MODIFY job on it; the domain must be active
 * at the start of the job. Returns the locked object. */
static qemuDomainObj *
qemuDriverBeginActive(qemuDriver *driver,
                      const unsigned char *uuid,
                      GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    if (!qemuDomainObjCheckActive(vm, error) ||
        !qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error)) {
        qemuDomainObjEndAPI(&vm);
        return NULL;
    }
    if (!qemuDomainObjCheckActive(vm, error)) {
        qemuDomainJobEnd(vm);
        qemuDomainObjEndAPI(&vm);
        return NULL;
    }
    return vm;
}


static void
qemuDriverEndJob(qemuDomainObj **vm)
{
    qemuDomainJobEnd(*vm);
    qemuDomainObjEndAPI(vm);
}


/**
 * qemuDriverDestroy:
 * @driver: the driver
 * @uuid: the domain
 * @flags: VIR_DOMAIN_DESTROY_GRACEFUL (SIGTERM is always tried first)
 * @error: return location for a #GError
 *
 * Ends the domain's QEMU at once. A job running on the domain (a save,
 * say) fails as QEMU goes away rather than making destroy wait for it.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverDestroy(qemuDriver *driver,
                  const unsigned char *uuid,
                  unsigned int flags,
                  GError **error)
{
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    QEMU_CHECK_FLAGS(QEMU_DESTROY_GRACEFUL, FALSE);

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!qemuDomainObjCheckActive(vm, error))
        goto cleanup;

    vm->beingDestroyed = TRUE;
    if (vm->job.kind != QEMU_JOB_NONE) {
        VS_INFO("domain '%s': destroy interrupts a running job", vm->name);
        qemuProcessKill(vm, SIGTERM);
    }

    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error))
        goto cleanup;
    /* The exit handler may have finished the job meanwhile. */
    qemuProcessStop(driver, vm, VS_DOMAIN_SHUTOFF_DESTROYED, 0);
    qemuDomainJobEnd(vm);
    ok = TRUE;

 cleanup:
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/* Send one monitor command to an active domain under a MODIFY job. */
static gboolean
qemuDriverMonitorAction(qemuDriver *driver,
                        const unsigned char *uuid,
                        gboolean (*action)(qemuMonitor *mon, GError **error),
                        GError **error)
{
    qemuDomainObj *vm;
    qemuMonitor *mon;
    gboolean ok = FALSE;

    if (!(vm = qemuDriverBeginActive(driver, uuid, error)))
        return FALSE;
    if ((mon = qemuDomainObjEnterMonitor(vm, error))) {
        ok = action(mon, error);
        qemuDomainObjExitMonitor(vm, mon);
    }
    qemuDriverEndJob(&vm);
    return ok;
}


/**
 * qemuDriverShutdown:
 * @driver: the driver
 * @uuid: the domain
 * @flags: 0 or the ACPI power button and guest agent methods
 * @error: return location for a #GError
 *
 * Asks the guest agent to power down when the flags name it, and
 * presses the guest's power button otherwise; with both, the button is
 * pressed only when the agent cannot be asked. Returns once QEMU or the
 * agent has the request; the domain shuts off when (and if) the guest
 * powers down.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverShutdown(qemuDriver *driver,
                   const unsigned char *uuid,
                   unsigned int flags,
                   GError **error)
{
    g_autoptr(GError) agentErr = NULL;

    QEMU_CHECK_FLAGS(QEMU_SHUTDOWN_ACPI_POWER_BTN | QEMU_SHUTDOWN_GUEST_AGENT,
                     FALSE);
    if (flags & QEMU_SHUTDOWN_GUEST_AGENT) {
        if (qemuGuestShutdown(driver, uuid, "powerdown", &agentErr))
            return TRUE;
        if (!(flags & QEMU_SHUTDOWN_ACPI_POWER_BTN)) {
            g_propagate_error(error, g_steal_pointer(&agentErr));
            return FALSE;
        }
        VS_INFO("guest agent shutdown failed (%s): pressing the power button",
                agentErr->message);
    }
    return qemuDriverMonitorAction(driver, uuid, qemuMonitorSystemPowerdown,
                                   error);
}


/**
 * qemuDriverReboot:
 * @driver: the driver
 * @uuid: the domain
 * @flags: 0 or the guest agent method
 * @error: return location for a #GError
 *
 * With the guest agent method, asks the agent to reboot the guest.
 * Otherwise resets the guest (system_reset): a hard reboot that needs no
 * guest cooperation.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverReboot(qemuDriver *driver,
                 const unsigned char *uuid,
                 unsigned int flags,
                 GError **error)
{
    QEMU_CHECK_FLAGS(QEMU_SHUTDOWN_GUEST_AGENT, FALSE);
    if (flags & QEMU_SHUTDOWN_GUEST_AGENT)
        return qemuGuestShutdown(driver, uuid, "reboot", error);
    return qemuDriverMonitorAction(driver, uuid, qemuMonitorSystemReset,
                                   error);
}


/**
 * qemuDriverSuspend:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Stops the vCPUs; the domain is then paused by the user. Suspending a
 * paused domain succeeds without doing anything.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverSuspend(qemuDriver *driver,
                  const unsigned char *uuid,
                  GError **error)
{
    qemuDomainObj *vm;
    qemuMonitor *mon;
    gboolean ok = TRUE;

    if (!(vm = qemuDriverBeginActive(driver, uuid, error)))
        return FALSE;

    if (vm->state != VS_DOMAIN_PAUSED) {
        if (!(mon = qemuDomainObjEnterMonitor(vm, error))) {
            ok = FALSE;
        } else {
            ok = qemuMonitorStop(mon, error);
            qemuDomainObjExitMonitor(vm, mon);
        }
        if (ok)
            qemuDomainObjSetState(vm, VS_DOMAIN_PAUSED,
                                  VS_DOMAIN_PAUSED_USER);
    }

    qemuDriverEndJob(&vm);
    return ok;
}


/**
 * qemuDriverResume:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Starts the vCPUs of a paused domain; a running domain is left alone.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverResume(qemuDriver *driver,
                 const unsigned char *uuid,
                 GError **error)
{
    qemuDomainObj *vm;
    qemuMonitor *mon;
    gboolean ok = TRUE;

    if (!(vm = qemuDriverBeginActive(driver, uuid, error)))
        return FALSE;

    if (vm->state == VS_DOMAIN_PMSUSPENDED) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("domain is pmsuspended"));
        ok = FALSE;
    } else if (vm->state != VS_DOMAIN_RUNNING) {
        if (!(mon = qemuDomainObjEnterMonitor(vm, error))) {
            ok = FALSE;
        } else {
            ok = qemuMonitorCont(mon, error);
            qemuDomainObjExitMonitor(vm, mon);
        }
        if (ok)
            qemuDomainObjSetState(vm, VS_DOMAIN_RUNNING,
                                  VS_DOMAIN_RUNNING_UNPAUSED);
    }

    qemuDriverEndJob(&vm);
    return ok;
}


/* ---- queries ------------------------------------------------------ */

/**
 * qemuDriverGetInfo:
 * @driver: the driver
 * @uuid: the domain
 * @info: (out) state, memory, vCPUs and CPU time
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetInfo(qemuDriver *driver,
                  const unsigned char *uuid,
                  qemuDomainInfo *info,
                  GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;

    info->state = vm->state;
    info->maxMem = vm->def->maxMemory;
    info->memory = vm->def->curMemory;
    info->nrVirtCpu = vm->def->vcpusCurrent;
    info->cpuTime = qemuDomainObjIsActive(vm) && vm->pid > 0 ?
                    qemuProcessGetCPUTime(vm->pid) : 0;

    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuDriverGetState:
 * @driver: the driver
 * @uuid: the domain
 * @state: (out) a vsDomainState
 * @reason: (out) its reason
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetState(qemuDriver *driver,
                   const unsigned char *uuid,
                   int *state,
                   int *reason,
                   GError **error)
{
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    *state = vm->state;
    *reason = vm->reason;
    qemuDomainObjEndAPI(&vm);
    return TRUE;
}


/**
 * qemuDriverGetXMLDesc:
 * @driver: the driver
 * @uuid: the domain
 * @flags: vsDomainXMLFlags
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the live definition (with the id) of a
 * running domain, or the persistent one when inactive or asked for with
 * VS_DOMAIN_XML_INACTIVE; NULL with @error set on failure.
 */
char *
qemuDriverGetXMLDesc(qemuDriver *driver,
                     const unsigned char *uuid,
                     unsigned int flags,
                     GError **error)
{
    qemuDomainObj *vm;
    char *xml;

    QEMU_CHECK_FLAGS(VS_DOMAIN_XML_SECURE | VS_DOMAIN_XML_INACTIVE |
                     VS_DOMAIN_XML_UPDATE_CPU | VS_DOMAIN_XML_MIGRATABLE,
                     NULL);

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;

    if ((flags & VS_DOMAIN_XML_INACTIVE) || !qemuDomainObjIsActive(vm))
        xml = vsDomainDefFormat(qemuDomainObjGetPersistentDef(vm), -1,
                                flags | VS_DOMAIN_DEF_FORMAT_INACTIVE, error);
    else
        xml = vsDomainDefFormat(vm->def, vm->id, flags, error);

    qemuDomainObjEndAPI(&vm);
    return xml;
}


/**
 * qemuDriverIsActive:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: 1 if running, 0 if not, -1 with @error set.
 */
int
qemuDriverIsActive(qemuDriver *driver,
                   const unsigned char *uuid,
                   GError **error)
{
    qemuDomainObj *vm;
    int ret;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return -1;
    ret = qemuDomainObjIsActive(vm);
    qemuDomainObjEndAPI(&vm);
    return ret;
}


/**
 * qemuDriverIsPersistent:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: 1 if defined, 0 if transient, -1 with @error set.
 */
int
qemuDriverIsPersistent(qemuDriver *driver,
                       const unsigned char *uuid,
                       GError **error)
{
    qemuDomainObj *vm;
    int ret;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return -1;
    ret = vm->persistent;
    qemuDomainObjEndAPI(&vm);
    return ret;
}


/**
 * qemuDriverGetAutostart:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: 1 if the domain starts with the daemon, 0 if not, -1 with
 * @error set.
 */
int
qemuDriverGetAutostart(qemuDriver *driver,
                       const unsigned char *uuid,
                       GError **error)
{
    qemuDomainObj *vm;
    int ret;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return -1;
    ret = vm->autostart;
    qemuDomainObjEndAPI(&vm);
    return ret;
}


/**
 * qemuDriverSetAutostart:
 * @driver: the driver
 * @uuid: the domain
 * @autostart: the new setting
 * @error: return location for a #GError
 *
 * Marks a persistent domain for starting with the daemon by the
 * presence of a file named after it in the autostart directory.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverSetAutostart(qemuDriver *driver,
                       const unsigned char *uuid,
                       gboolean autostart,
                       GError **error)
{
    qemuDomainObj *vm;
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    gboolean ok = FALSE;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;

    if (!vm->persistent) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("cannot set autostart for transient domain"));
        goto cleanup;
    }

    path = qemuDriverConfigAutostartPath(driver->config, vm->name);
    if (autostart) {
        if (!g_file_set_contents_full(path, vm->name, -1,
                                      G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                      &err)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED,
                        _("cannot create autostart file '%s': %s"),
                        path, err->message);
            goto cleanup;
        }
    } else if (unlink(path) < 0 && errno != ENOENT) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot remove autostart file '%s'"), path);
        goto cleanup;
    }
    vm->autostart = !!autostart;
    ok = TRUE;

 cleanup:
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/* ---- save and restore: the save engine (qemu_save.h) ------------- */

/* The daemon's log keeps every failed save and restore with its reason,
 * whatever the client does with the error; then hand the error on. */
static gboolean
qemuDriverLogFailure(const char *what,
                     const unsigned char *uuid,
                     GError *err,
                     GError **error)
{
    char uuidstr[VS_UUID_STRING_BUFLEN] = "";

    if (uuid)
        vsUUIDFormat(uuid, uuidstr);
    VS_WARN("%s%s%s failed: %s", what, uuid ? " of domain " : "", uuidstr,
            err->message);
    g_propagate_error(error, err);
    return FALSE;
}


/**
 * qemuDriverSave:
 *
 * qemuSaveDomainParams(), with a failure logged.
 */
gboolean
qemuDriverSave(qemuDriver *driver,
               const unsigned char *uuid,
               const vsTypedParamList *params,
               unsigned int flags,
               GError **error)
{
    g_autoptr(GError) err = NULL;

    if (qemuSaveDomainParams(driver, uuid, params, flags, &err))
        return TRUE;
    return qemuDriverLogFailure("save", uuid, g_steal_pointer(&err), error);
}


/**
 * qemuDriverRestore:
 *
 * qemuSaveRestoreParams(), with a failure logged.
 */
gboolean
qemuDriverRestore(qemuDriver *driver,
                  const vsTypedParamList *params,
                  unsigned int flags,
                  GError **error)
{
    g_autoptr(GError) err = NULL;

    if (qemuSaveRestoreParams(driver, params, flags, &err))
        return TRUE;
    return qemuDriverLogFailure("restore", NULL, g_steal_pointer(&err),
                                error);
}


/**
 * qemuDriverManagedSave:
 *
 * qemuSaveManagedSave(), with a failure logged.
 */
gboolean
qemuDriverManagedSave(qemuDriver *driver,
                      const unsigned char *uuid,
                      unsigned int flags,
                      GError **error)
{
    g_autoptr(GError) err = NULL;

    if (qemuSaveManagedSave(driver, uuid, flags, &err))
        return TRUE;
    return qemuDriverLogFailure("managed save", uuid, g_steal_pointer(&err),
                                error);
}


/**
 * qemuDriverHasManagedSaveImage:
 *
 * See qemuSaveHasManagedImage().
 */
int
qemuDriverHasManagedSaveImage(qemuDriver *driver,
                              const unsigned char *uuid,
                              unsigned int flags,
                              GError **error)
{
    return qemuSaveHasManagedImage(driver, uuid, flags, error);
}


/**
 * qemuDriverManagedSaveRemove:
 *
 * See qemuSaveManagedRemove().
 */
gboolean
qemuDriverManagedSaveRemove(qemuDriver *driver,
                            const unsigned char *uuid,
                            unsigned int flags,
                            GError **error)
{
    return qemuSaveManagedRemove(driver, uuid, flags, error);
}


/**
 * qemuDriverManagedSaveGetXMLDesc:
 *
 * See qemuSaveManagedGetXMLDesc().
 */
char *
qemuDriverManagedSaveGetXMLDesc(qemuDriver *driver,
                                const unsigned char *uuid,
                                unsigned int flags,
                                GError **error)
{
    return qemuSaveManagedGetXMLDesc(driver, uuid, flags, error);
}


/**
 * qemuDriverManagedSaveDefineXML:
 *
 * See qemuSaveManagedDefineXML().
 */
gboolean
qemuDriverManagedSaveDefineXML(qemuDriver *driver,
                               const unsigned char *uuid,
                               const char *dxml,
                               unsigned int flags,
                               GError **error)
{
    return qemuSaveManagedDefineXML(driver, uuid, dxml, flags, error);
}


/**
 * qemuDriverSaveImageGetXMLDesc:
 *
 * See qemuSaveImageGetXMLDesc().
 */
char *
qemuDriverSaveImageGetXMLDesc(qemuDriver *driver,
                              const char *path,
                              unsigned int flags,
                              GError **error)
{
    return qemuSaveImageGetXMLDesc(driver, path, flags, error);
}


/**
 * qemuDriverSaveImageDefineXML:
 *
 * See qemuSaveImageDefineXML().
 */
gboolean
qemuDriverSaveImageDefineXML(qemuDriver *driver,
                             const char *path,
                             const char *dxml,
                             unsigned int flags,
                             GError **error)
{
    return qemuSaveImageDefineXML(driver, path, dxml, flags, error);
}


/**
 * qemuDriverGetJobStats:
 *
 * See qemuSaveGetJobStats().
 */
gboolean
qemuDriverGetJobStats(qemuDriver *driver,
                      const unsigned char *uuid,
                      unsigned int flags,
                      int *type,
                      vsTypedParamList **params,
                      GError **error)
{
    return qemuSaveGetJobStats(driver, uuid, flags, type, params, error);
}


/**
 * qemuDriverAbortJob:
 *
 * See qemuSaveAbortJob().
 */
gboolean
qemuDriverAbortJob(qemuDriver *driver,
                   const unsigned char *uuid,
                   unsigned int flags,
                   GError **error)
{
    return qemuSaveAbortJob(driver, uuid, flags, error);
}


/* ---- metadata ----------------------------------------------------- */

/* virDomainModificationImpact */
#define QEMU_AFFECT_LIVE (1 << 0)
#define QEMU_AFFECT_CONFIG (1 << 1)


/* Resolve VIR_DOMAIN_AFFECT_CURRENT for @vm (locked) and check that the
 * definitions asked for exist. */
static gboolean
qemuDriverResolveAffect(qemuDomainObj *vm,
                        unsigned int *flags,
                        GError **error)
{
    if ((*flags & (QEMU_AFFECT_LIVE | QEMU_AFFECT_CONFIG)) == 0)
        *flags |= qemuDomainObjIsActive(vm) ? QEMU_AFFECT_LIVE
                                            : QEMU_AFFECT_CONFIG;
    if ((*flags & QEMU_AFFECT_LIVE) && !qemuDomainObjCheckActive(vm, error))
        return FALSE;
    if ((*flags & QEMU_AFFECT_CONFIG) && !vm->persistent) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                    _("transient domains do not have any persistent config"));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuDriverGetMetadata:
 * @driver: the driver
 * @uuid: the domain
 * @type: description, title or element (vsDomainMetadataType)
 * @uri: the element's namespace (element only)
 * @flags: VIR_DOMAIN_AFFECT_LIVE or VIR_DOMAIN_AFFECT_CONFIG (one)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the value (virDomainGetMetadata), or NULL
 * with @error set.
 */
char *
qemuDriverGetMetadata(qemuDriver *driver,
                      const unsigned char *uuid,
                      int type,
                      const char *uri,
                      unsigned int flags,
                      GError **error)
{
    qemuDomainObj *vm;
    char *value = NULL;

    QEMU_CHECK_FLAGS(QEMU_AFFECT_LIVE | QEMU_AFFECT_CONFIG, NULL);
    if ((flags & QEMU_AFFECT_LIVE) && (flags & QEMU_AFFECT_CONFIG)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("flags 'affect live' and 'affect config' are mutually exclusive"));
        return NULL;
    }
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    if (qemuDriverResolveAffect(vm, &flags, error)) {
        const vsDomainDef *def = (flags & QEMU_AFFECT_CONFIG) ?
                                 qemuDomainObjGetPersistentDef(vm) : vm->def;

        value = vsDomainDefGetMetadata(def, type, uri, error);
    }
    qemuDomainObjEndAPI(&vm);
    return value;
}


/**
 * qemuDriverSetMetadata:
 * @driver: the driver
 * @uuid: the domain
 * @type: description, title or element (vsDomainMetadataType)
 * @metadata: the new value, or NULL to remove it
 * @key: the element's namespace prefix (element only)
 * @uri: the element's namespace (element only)
 * @flags: VIR_DOMAIN_AFFECT_LIVE and/or VIR_DOMAIN_AFFECT_CONFIG
 * @error: return location for a #GError
 *
 * Changes the live definition (kept in the status file) and/or the
 * persistent one (written to disk), as virDomainSetMetadata.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverSetMetadata(qemuDriver *driver,
                      const unsigned char *uuid,
                      int type,
                      const char *metadata,
                      const char *key,
                      const char *uri,
                      unsigned int flags,
                      GError **error)
{
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    QEMU_CHECK_FLAGS(QEMU_AFFECT_LIVE | QEMU_AFFECT_CONFIG, FALSE);
    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error)) {
        qemuDomainObjEndAPI(&vm);
        return FALSE;
    }
    if (!qemuDriverResolveAffect(vm, &flags, error))
        goto cleanup;
    if (flags & QEMU_AFFECT_LIVE) {
        if (!vsDomainDefSetMetadata(vm->def, type, metadata, key, uri, error) ||
            !qemuDomainSaveStatus(vm, error))
            goto cleanup;
    }
    if (flags & QEMU_AFFECT_CONFIG) {
        vsDomainDef *def = qemuDomainObjGetPersistentDef(vm);

        if (!vsDomainDefSetMetadata(def, type, metadata, key, uri, error) ||
            !qemuDriverSaveDef(driver, def, error))
            goto cleanup;
    }
    ok = TRUE;

 cleanup:
    qemuDriverEndJob(&vm);
    return ok;
}


/* ---- device update ------------------------------------------------ */

/* The live half of an interface update: QEMU first, then the state. */
static gboolean
qemuDriverUpdateLinkLive(qemuDomainObj *vm,
                         const vsDomainNetDef *update,
                         gboolean hasMac,
                         GError **error)
{
    vsDomainNetDef *net;
    qemuMonitor *mon;
    gboolean ok;

    if (!(net = qemuInterfaceFindUpdate(vm->def, update, hasMac, error)) ||
        !(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorSetLink(mon, net->info.alias, !update->linkDown, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    VS_INFO("domain '%s': link of '%s' %s", vm->name, net->info.alias,
            update->linkDown ? "down" : "up");
    net->linkDown = update->linkDown;
    return qemuDomainSaveStatus(vm, error);
}


/* qemuDriverUpdateDevice() once the device XML is parsed. */
static gboolean
qemuDriverUpdateNet(qemuDriver *driver,
                    const unsigned char *uuid,
                    const vsDomainNetDef *update,
                    gboolean hasMac,
                    unsigned int flags,
                    GError **error)
{
    vsDomainNetDef *net;
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return FALSE;
    if (!qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                            VS_DOMAIN_JOB_OPERATION_UNKNOWN, error)) {
        qemuDomainObjEndAPI(&vm);
        return FALSE;
    }
    if (!qemuDriverResolveAffect(vm, &flags, error) ||
        ((flags & QEMU_AFFECT_LIVE) &&
         !qemuDriverUpdateLinkLive(vm, update, hasMac, error)))
        goto cleanup;
    if (flags & QEMU_AFFECT_CONFIG) {
        vsDomainDef *def = qemuDomainObjGetPersistentDef(vm);

        if (!(net = qemuInterfaceFindUpdate(def, update, hasMac, error)))
            goto cleanup;
        net->linkDown = update->linkDown;
        if (!qemuDriverSaveDef(driver, def, error))
            goto cleanup;
    }
    ok = TRUE;

 cleanup:
    qemuDriverEndJob(&vm);
    return ok;
}


/**
 * qemuDriverUpdateDevice:
 * @driver: the driver
 * @uuid: the domain
 * @xml: the device's new XML
 * @flags: VIR_DOMAIN_AFFECT_LIVE and/or VIR_DOMAIN_AFFECT_CONFIG
 * @error: return location for a #GError
 *
 * virDomainUpdateDeviceFlags for what virtsave can change on a device:
 * the link state of an interface (virsh domif-setlink), set in QEMU
 * with set_link for a live change.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverUpdateDevice(qemuDriver *driver,
                       const unsigned char *uuid,
                       const char *xml,
                       unsigned int flags,
                       GError **error)
{
    vsDomainNetDef *update;
    gboolean hasMac = FALSE;
    gboolean ok;

    QEMU_CHECK_FLAGS(QEMU_AFFECT_LIVE | QEMU_AFFECT_CONFIG, FALSE);
    if (!(update = vsDomainNetDefParseString(xml, &hasMac, error)))
        return FALSE;
    ok = qemuDriverUpdateNet(driver, uuid, update, hasMac, flags, error);
    vsDomainNetDefFree(update);
    return ok;
}


/* ---- console ------------------------------------------------------ */

/* The character device @devname names ("serial0", "console0", an alias
 * such as "serial0"), or the first console (else serial port) of @def. */
static const vsDomainChrDef *
qemuDriverFindConsole(const vsDomainDef *def,
                      const char *devname)
{
    GPtrArray *lists[] = { def->consoles, def->serials };
    const char *prefixes[] = { "console", "serial" };
    size_t i;
    size_t j;

    for (i = 0; i < G_N_ELEMENTS(lists); i++) {
        for (j = 0; j < lists[i]->len; j++) {
            const vsDomainChrDef *chr = g_ptr_array_index(lists[i], j);
            g_autofree char *name = g_strdup_printf("%s%zu", prefixes[i], j);

            if (!devname || g_str_equal(devname, name) ||
                g_strcmp0(devname, chr->info.alias) == 0)
                return chr;
        }
    }
    return NULL;
}


/**
 * qemuDriverOpenConsole:
 * @driver: the driver
 * @uuid: a running domain
 * @devname: the console or serial port ("serial0"), or NULL for the
 *   domain's first console
 * @error: return location for a #GError
 *
 * Opens the host side of the device's pty (virDomainOpenConsole), in
 * raw mode and non-blocking, for the caller to relay.
 *
 * Returns: the descriptor, or -1 with @error set.
 */
int
qemuDriverOpenConsole(qemuDriver *driver,
                      const unsigned char *uuid,
                      const char *devname,
                      GError **error)
{
    const vsDomainChrDef *chr;
    g_autofree char *pty = NULL;
    qemuDomainObj *vm;
    struct termios tio;
    int fd;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return -1;
    if (!qemuDomainObjCheckActive(vm, error)) {
        qemuDomainObjEndAPI(&vm);
        return -1;
    }
    if ((chr = qemuDriverFindConsole(vm->def, devname)))
        pty = g_strdup(chr->ptyPath);
    qemuDomainObjEndAPI(&vm);

    if (!chr) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("cannot find character device %s"),
                    devname ? devname : "<null>");
        return -1;
    }
    if (!pty) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("character device %s is not using a PTY"),
                    devname ? devname : chr->info.alias);
        return -1;
    }
    if ((fd = open(pty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot open console '%s'"), pty);
        return -1;
    }
    if (tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(fd, TCSANOW, &tio);
    }
    VS_DEBUG("console %s opened as fd %d", pty, fd);
    return fd;
}
