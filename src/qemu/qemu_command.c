/*
 * qemu_command.c: build the QEMU command line for a domain definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Devices, block nodes, network backends and objects are given to QEMU
 * as JSON (-device, -blockdev, -netdev, -object accept it), so that
 * paths and names need no escaping. Options without a JSON form
 * (-machine, -chardev, -add-fd, -name) use QEMU's key=value syntax, in
 * which a comma inside a value is written as two commas.
 */

#include <config.h>

#include "qemu_command.h"
#include "qemu_commandpriv.h"

#include <string.h>

#include <json-c/json.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.command");


/**
 * qemuCommandOptionsInit:
 * @opts: options to initialise
 *
 * Clears @opts and marks the monitor descriptor as absent.
 */
void
qemuCommandOptionsInit(qemuCommandOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->monitorFd = -1;
}


void
qemuArg(qemuCommandBuf *buf,
        const char *arg)
{
    g_ptr_array_add(buf->args, g_strdup(arg));
}


void
qemuArgPair(qemuCommandBuf *buf,
            const char *opt,
            const char *value)
{
    qemuArg(buf, opt);
    qemuArg(buf, value);
}


void
qemuArgPairf(qemuCommandBuf *buf,
             const char *opt,
             const char *fmt,
             ...)
{
    va_list args;

    qemuArg(buf, opt);
    va_start(args, fmt);
    g_ptr_array_add(buf->args, g_strdup_vprintf(fmt, args));
    va_end(args);
}


/* Adds "@opt <json>" and drops the reference to @obj. */
void
qemuArgJSON(qemuCommandBuf *buf,
            const char *opt,
            json_object *obj)
{
    qemuArgPair(buf, opt,
                json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                               JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}


/* Appends @value to @str with each ',' doubled, as QEMU's key=value
 * parser wants. */
void
qemuEscapeComma(GString *str,
                const char *value)
{
    const char *p;

    for (p = value; *p; p++) {
        if (*p == ',')
            g_string_append_c(str, ',');
        g_string_append_c(str, *p);
    }
}


void
qemuJSONAddStr(json_object *obj,
               const char *key,
               const char *value)
{
    json_object_object_add(obj, key, json_object_new_string(value));
}


void
qemuJSONAddInt(json_object *obj,
               const char *key,
               long long value)
{
    json_object_object_add(obj, key, json_object_new_int64(value));
}


void
qemuJSONAddBool(json_object *obj,
                const char *key,
                gboolean value)
{
    json_object_object_add(obj, key, json_object_new_boolean(value));
}


const char *
qemuPCIBusName(const vsDomainDef *def,
               unsigned int bus)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == VS_DOMAIN_CONTROLLER_PCI && cont->idx == bus)
            return cont->info.alias;
    }
    /* The parser accepts no address on a bus that does not exist. */
    g_assert_not_reached();
}


/* Adds "bus" and "addr" for a device with a PCI address. */
void
qemuJSONAddPCIAddress(const vsDomainDef *def,
                      json_object *props,
                      const vsDomainDeviceInfo *info)
{
    g_autofree char *addr = NULL;

    if (info->type != VS_DOMAIN_ADDRESS_PCI)
        return;

    qemuJSONAddStr(props, "bus", qemuPCIBusName(def, info->bus));
    if (info->multifunction != VS_DOMAIN_TRISTATE_ABSENT)
        qemuJSONAddBool(props, "multifunction",
                        info->multifunction == VS_DOMAIN_TRISTATE_ON);
    if (info->function)
        addr = g_strdup_printf("0x%x.0x%x", info->slot, info->function);
    else
        addr = g_strdup_printf("0x%x", info->slot);
    qemuJSONAddStr(props, "addr", addr);
}


json_object *
qemuDeviceNew(const char *driver,
              const char *id)
{
    json_object *props = json_object_new_object();

    qemuJSONAddStr(props, "driver", driver);
    if (id)
        qemuJSONAddStr(props, "id", id);
    return props;
}


/**
 * qemuCommandAccel:
 * @def: a domain definition
 * @opts: command options
 *
 * Returns: (transfer none) the accelerator: @opts->accel when set,
 * otherwise "kvm" for a 'kvm' domain and "tcg" for a 'qemu' one.
 */
const char *
qemuCommandAccel(const vsDomainDef *def,
                 const qemuCommandOptions *opts)
{
    if (opts->accel)
        return opts->accel;
    return def->virtType == VS_DOMAIN_VIRT_KVM ? "kvm" : "tcg";
}


static gboolean
qemuBuildCheckOptions(const vsDomainDef *def,
                      const qemuCommandOptions *opts,
                      GError **error)
{
    const char *accel = qemuCommandAccel(def, opts);
    size_t i;

    if (!g_str_equal(accel, "kvm") && !g_str_equal(accel, "tcg")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("accelerator '%s' is not supported: use 'kvm' or 'tcg'"),
                    accel);
        return FALSE;
    }
    if (g_str_equal(accel, "kvm") && def->virtType == VS_DOMAIN_VIRT_QEMU) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("domain '%s' of type 'qemu' cannot run with KVM"),
                    def->name);
        return FALSE;
    }
    if (!def->emulator && !opts->emulator) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("no emulator binary for domain '%s'"), def->name);
        return FALSE;
    }
    if (opts->monitorFd < 0 && !opts->monitorPath) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("no monitor socket for domain '%s'"), def->name);
        return FALSE;
    }
    if (opts->monitorFd >= 0 && opts->monitorFd < 3) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("monitor descriptor %d would replace standard I/O"),
                    opts->monitorFd);
        return FALSE;
    }
    for (i = 0; i < opts->nfds; i++) {
        if (opts->fds[i].fd < 3 || opts->fds[i].fd == opts->monitorFd) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("descriptor %d cannot be passed in fdset %u"),
                        opts->fds[i].fd, opts->fds[i].set);
            return FALSE;
        }
    }
    return TRUE;
}


static void
qemuBuildGeneral(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    g_autoptr(GString) name = g_string_new("guest=");
    char uuid[VS_UUID_STRING_BUFLEN];

    qemuArg(buf, def->emulator ? def->emulator : buf->opts->emulator);

    qemuEscapeComma(name, def->name);
    g_string_append(name, ",debug-threads=on");
    qemuArgPair(buf, "-name", name->str);

    /* Always paused: the driver resumes once the monitor is set up (and,
     * on restore, once the incoming migration completed). */
    qemuArg(buf, "-S");
    qemuArgPair(buf, "-msg", "timestamp=on");
    qemuArg(buf, "-no-user-config");
    qemuArg(buf, "-nodefaults");
    qemuArgPair(buf, "-uuid", vsUUIDFormat(def->uuid, uuid));
    qemuArgPair(buf, "-display", "none");
}


static void
qemuBuildMachine(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    g_autoptr(GString) machine = g_string_new(NULL);
    const char *pm = def->os.family == VS_DOMAIN_MACHINE_Q35 ?
        "ICH9-LPC" : "PIIX4_PM";

    qemuEscapeComma(machine, def->os.machine);
    /* USB controllers are explicit devices; ACPI follows <acpi/>. */
    g_string_append(machine, ",usb=off,dump-guest-core=off");
    if (buf->opts->ramPath)
        g_string_append(machine, ",memory-backend=pc.ram");
    g_string_append_printf(machine, ",acpi=%s",
                           def->acpi == VS_DOMAIN_TRISTATE_ON ? "on" : "off");
    if (def->vmport != VS_DOMAIN_TRISTATE_ABSENT)
        g_string_append_printf(machine, ",vmport=%s",
                               def->vmport == VS_DOMAIN_TRISTATE_ON ? "on" : "off");
    qemuBuildMachineDeviceProps(buf, machine);
    qemuBuildFirmware(buf);
    qemuArgPair(buf, "-machine", machine->str);
    qemuArgPair(buf, "-accel", qemuCommandAccel(def, buf->opts));
    qemuBuildFirmwareGlobals(buf);

    if (def->pmSuspendToMem != VS_DOMAIN_TRISTATE_ABSENT)
        qemuArgPairf(buf, "-global", "%s.disable_s3=%d", pm,
                     def->pmSuspendToMem == VS_DOMAIN_TRISTATE_OFF);
    if (def->pmSuspendToDisk != VS_DOMAIN_TRISTATE_ABSENT)
        qemuArgPairf(buf, "-global", "%s.disable_s4=%d", pm,
                     def->pmSuspendToDisk == VS_DOMAIN_TRISTATE_OFF);
}


static void
qemuBuildCPU(qemuCommandBuf *buf)
{
    const vsDomainCPUDef *cpu = &buf->def->cpu;
    g_autoptr(GString) str = g_string_new(NULL);
    size_t i;

    switch (cpu->mode) {
    case VS_DOMAIN_CPU_MODE_NONE:
        if (!qemuBuildCPUNeedsFlags(buf->def))
            return;
        g_string_append(str, "qemu64");
        break;
    case VS_DOMAIN_CPU_MODE_HOST_PASSTHROUGH:
    case VS_DOMAIN_CPU_MODE_HOST_MODEL:
        /* TCG cannot pass the host CPU through; "max" is the richest
         * CPU it emulates. host-model is treated as host-passthrough:
         * the guest is only ever restored on the host it was saved on. */
        g_string_append(str, buf->kvm ? "host" : "max");
        if (buf->kvm && cpu->migratable != VS_DOMAIN_TRISTATE_ABSENT)
            g_string_append_printf(str, ",migratable=%s",
                                   cpu->migratable == VS_DOMAIN_TRISTATE_ON ?
                                   "on" : "off");
        break;
    case VS_DOMAIN_CPU_MODE_CUSTOM:
        if (!cpu->model && cpu->features->len == 0 &&
            !qemuBuildCPUNeedsFlags(buf->def))
            return;
        qemuEscapeComma(str, cpu->model ? cpu->model : "qemu64");
        break;
    case VS_DOMAIN_CPU_MODE_LAST:
        g_assert_not_reached();
    }

    for (i = 0; i < cpu->features->len; i++) {
        vsDomainCPUFeature *feature = g_ptr_array_index(cpu->features, i);
        gboolean on = feature->policy != VS_DOMAIN_CPU_FEATURE_DISABLE &&
            feature->policy != VS_DOMAIN_CPU_FEATURE_FORBID;

        g_string_append_printf(str, ",%s=%s", feature->name, on ? "on" : "off");
    }
    qemuBuildCPUDeviceFlags(buf, str);
    qemuArgPair(buf, "-cpu", str->str);
}


/* The RAM of a lazy restore: the image's page area mapped private (the
 * guest's writes stay in QEMU). readonly=on opens the file read-only;
 * without rom=off it would also make the RAM a ROM and the guest would
 * hang. The id must be the RAM block's name in the stream, "pc.ram",
 * which is also the name plain -m gives the block, so images stay
 * interchangeable with eager restores and with libvirt. */
static void
qemuBuildRamBackend(qemuCommandBuf *buf)
{
    g_autoptr(GString) obj = g_string_new("memory-backend-file,id=pc.ram,"
                                          "mem-path=");

    qemuEscapeComma(obj, buf->opts->ramPath);
    g_string_append_printf(obj, ",offset=%llu,size=%llu,share=off,"
                           "readonly=on,rom=off,prealloc=off",
                           buf->opts->ramOffset, buf->def->maxMemory * 1024);
    qemuArgPair(buf, "-object", obj->str);
}


static void
qemuBuildResources(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    const vsDomainCPUDef *cpu = &def->cpu;
    g_autofree char *smp = NULL;

    /* Plain -m keeps the RAM block named "pc.ram", as in libvirt's
     * images (docs/formatdomain.md). */
    qemuArgPairf(buf, "-m", "size=%lluk", def->maxMemory);
    if (buf->opts->ramPath)
        qemuBuildRamBackend(buf);

    /* Fewer vCPUs online than the maximum: libvirt's "N,maxcpus=M", the
     * others being slots for hot-plug. */
    if (def->vcpusCurrent && def->vcpusCurrent != def->vcpus)
        smp = g_strdup_printf("%u,maxcpus=%u", def->vcpusCurrent, def->vcpus);
    else
        smp = g_strdup_printf("%u", def->vcpus);

    if (cpu->sockets)
        qemuArgPairf(buf, "-smp", "%s,sockets=%u,dies=%u,clusters=%u,"
                     "cores=%u,threads=%u", smp, cpu->sockets,
                     cpu->dies, cpu->clusters, cpu->cores, cpu->threads);
    else
        qemuArgPairf(buf, "-smp", "%s,sockets=%u,cores=1,threads=1",
                     smp, def->vcpus);
}


static void
qemuBuildMonitor(qemuCommandBuf *buf)
{
    const qemuCommandOptions *opts = buf->opts;
    g_autoptr(GString) chardev = g_string_new("socket,id=charmonitor,");

    if (opts->monitorFd >= 0) {
        g_string_append_printf(chardev, "fd=%d", opts->monitorFd);
    } else {
        g_string_append(chardev, "path=");
        qemuEscapeComma(chardev, opts->monitorPath);
    }
    g_string_append(chardev, ",server=on,wait=off");
    qemuArgPair(buf, "-chardev", chardev->str);
    qemuArgPair(buf, "-mon", "chardev=charmonitor,id=monitor,mode=control");
}


static void
qemuBuildLifecycle(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    g_autoptr(GString) rtc = g_string_new("base=");

    g_string_append(rtc, vsDomainClockOffsetTypeToString(def->clockOffset));
    qemuBuildRTCProps(buf, rtc);
    qemuArgPair(buf, "-rtc", rtc->str);
    qemuBuildTimerGlobals(buf);
    /* QEMU stops instead of exiting when the guest powers off, so the
     * driver sees why and applies <on_poweroff> itself. */
    qemuArg(buf, "-no-shutdown");
    if (def->onReboot == VS_DOMAIN_LIFECYCLE_DESTROY)
        qemuArg(buf, "-no-reboot");
    qemuArgPair(buf, "-boot", "strict=on");

    if (def->os.kernel)
        qemuArgPair(buf, "-kernel", def->os.kernel);
    if (def->os.initrd)
        qemuArgPair(buf, "-initrd", def->os.initrd);
    if (def->os.cmdline)
        qemuArgPair(buf, "-append", def->os.cmdline);
}


/* A UHCI companion has no id of its own: it serves ports of the EHCI
 * controller's bus "usb.0", as libvirt sets it up. */
static json_object *
qemuBuildUSBCompanion(const vsDomainControllerDef *cont)
{
    g_autofree char *driver = g_strdup_printf(
        "ich9-usb-uhci%d",
        (int) (cont->model - VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1) + 1);
    json_object *props = qemuDeviceNew(driver, NULL);

    qemuJSONAddStr(props, "masterbus", "usb.0");
    qemuJSONAddInt(props, "firstport", cont->startport);
    return props;
}


static void
qemuBuildController(qemuCommandBuf *buf,
                    const vsDomainControllerDef *cont)
{
    json_object *props;

    if (cont->type == VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL) {
        props = qemuBuildVirtioSerialController(cont);
        qemuJSONAddPCIAddress(buf->def, props, &cont->info);
        qemuArgJSON(buf, "-device", props);
        return;
    }

    switch (cont->model) {
    case VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI:
        props = qemuDeviceNew("piix3-usb-uhci", cont->info.alias);
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI:
        props = qemuDeviceNew("qemu-xhci", cont->info.alias);
        if (cont->ports) {
            qemuJSONAddInt(props, "p2", cont->ports);
            qemuJSONAddInt(props, "p3", cont->ports);
        }
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT:
        props = qemuDeviceNew("pcie-root-port", cont->info.alias);
        qemuJSONAddInt(props, "port", cont->port);
        qemuJSONAddInt(props, "chassis", cont->chassis);
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI:
        props = qemuDeviceNew("virtio-scsi-pci", cont->info.alias);
        if (cont->queues)
            qemuJSONAddInt(props, "num_queues", cont->queues);
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_ICH9_EHCI1:
        props = qemuDeviceNew("ich9-usb-ehci1", cont->info.alias);
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1:
    case VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI2:
    case VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI3:
        props = qemuBuildUSBCompanion(cont);
        break;
    case VS_DOMAIN_CONTROLLER_MODEL_DEFAULT:
    case VS_DOMAIN_CONTROLLER_MODEL_USB_NONE:
    case VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT:
    case VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT:
    case VS_DOMAIN_CONTROLLER_MODEL_LAST:
    default:
        /* Root buses and the chipset's IDE/SATA are built in. */
        return;
    }
    qemuJSONAddPCIAddress(buf->def, props, &cont->info);
    qemuArgJSON(buf, "-device", props);
}


/* PCI controllers first: other controllers may sit on their buses. */
static void
qemuBuildControllers(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t pass;
    size_t i;

    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < def->controllers->len; i++) {
            vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

            if ((cont->type == VS_DOMAIN_CONTROLLER_PCI) == (pass == 0))
                qemuBuildController(buf, cont);
        }
    }
}


/* Boot indexes: explicit <boot order>, or libvirt's translation of the
 * <os><boot dev> list to the first device of each kind. */
static GHashTable *
qemuBuildBootIndexes(const vsDomainDef *def)
{
    GHashTable *idx = g_hash_table_new(NULL, NULL);
    size_t i;
    size_t j;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        if (disk->bootIndex)
            g_hash_table_insert(idx, disk, GUINT_TO_POINTER(disk->bootIndex));
    }
    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        if (net->bootIndex)
            g_hash_table_insert(idx, net, GUINT_TO_POINTER(net->bootIndex));
    }

    for (i = 0; i < def->os.nboot; i++) {
        gpointer dev = NULL;

        if (def->os.boot[i] == VS_DOMAIN_BOOT_NETWORK) {
            if (def->nets->len > 0)
                dev = g_ptr_array_index(def->nets, 0);
        } else {
            vsDomainDiskDevice want = def->os.boot[i] == VS_DOMAIN_BOOT_HD ?
                VS_DOMAIN_DISK_DEVICE_DISK : VS_DOMAIN_DISK_DEVICE_CDROM;

            for (j = 0; j < def->disks->len && !dev; j++) {
                vsDomainDiskDef *disk = g_ptr_array_index(def->disks, j);
                if (disk->device == want)
                    dev = disk;
            }
        }
        if (dev)
            g_hash_table_insert(idx, dev,
                                GUINT_TO_POINTER(g_hash_table_size(idx) + 1));
    }
    return idx;
}


static json_object *
qemuBuildDiskCache(const vsDomainDiskDef *disk)
{
    json_object *cache = json_object_new_object();

    qemuJSONAddBool(cache, "direct",
                    disk->cache == VS_DOMAIN_DISK_CACHE_NONE ||
                    disk->cache == VS_DOMAIN_DISK_CACHE_DIRECTSYNC);
    qemuJSONAddBool(cache, "no-flush",
                    disk->cache == VS_DOMAIN_DISK_CACHE_UNSAFE);
    return cache;
}


/* <driver discard detect_zeroes> on the format node of a writable image:
 * discard requests reach the file only with discard='unmap', and
 * detect_zeroes='unmap' needs that too, else it means 'on'. */
static void
qemuBuildDiskDiscard(const vsDomainDiskDef *disk,
                     json_object *fmt)
{
    vsDomainDiskDetectZeroes dz = disk->detectZeroes;

    if (disk->discard == VS_DOMAIN_DISK_DISCARD_UNMAP)
        qemuJSONAddStr(fmt, "discard", "unmap");
    if (dz == VS_DOMAIN_DISK_DETECT_ZEROES_UNMAP &&
        disk->discard != VS_DOMAIN_DISK_DISCARD_UNMAP)
        dz = VS_DOMAIN_DISK_DETECT_ZEROES_ON;
    if (dz != VS_DOMAIN_DISK_DETECT_ZEROES_DEFAULT)
        qemuJSONAddStr(fmt, "detect-zeroes",
                       vsDomainDiskDetectZeroesTypeToString(dz));
}


/* One image of a disk: a "file" node and a format node above it. With
 * @chained, a qcow2 format node names its backing node (@backingNode,
 * or null for none), so that QEMU opens no file the driver did not
 * check (src/qemu/qemu_qcow2.c). */
static void
qemuBuildDiskLayer(qemuCommandBuf *buf,
                   const vsDomainDiskDef *disk,
                   const char *path,
                   vsDomainDiskFormat format,
                   gboolean readonly,
                   const char *fileNode,
                   const char *fmtNode,
                   gboolean chained,
                   const char *backingNode)
{
    json_object *file = json_object_new_object();
    json_object *fmt = json_object_new_object();

    /* Only the disk's own source can be a device (<disk type='block'>);
     * backing layers are files. */
    qemuJSONAddStr(file, "driver", disk->block && path == disk->src ?
                   "host_device" : "file");
    qemuJSONAddStr(file, "filename", path);
    qemuJSONAddStr(file, "node-name", fileNode);
    qemuJSONAddBool(file, "auto-read-only", TRUE);
    qemuJSONAddStr(file, "discard", "unmap");
    if (disk->io != VS_DOMAIN_DISK_IO_DEFAULT)
        qemuJSONAddStr(file, "aio", vsDomainDiskIOTypeToString(disk->io));
    if (disk->cache != VS_DOMAIN_DISK_CACHE_DEFAULT)
        json_object_object_add(file, "cache", qemuBuildDiskCache(disk));
    qemuArgJSON(buf, "-blockdev", file);

    qemuJSONAddStr(fmt, "node-name", fmtNode);
    qemuJSONAddBool(fmt, "read-only", readonly);
    if (!readonly)
        qemuBuildDiskDiscard(disk, fmt);
    if (disk->cache != VS_DOMAIN_DISK_CACHE_DEFAULT)
        json_object_object_add(fmt, "cache", qemuBuildDiskCache(disk));
    qemuJSONAddStr(fmt, "driver", vsDomainDiskFormatTypeToString(format));
    qemuJSONAddStr(fmt, "file", fileNode);
    if (chained && format == VS_DOMAIN_DISK_FORMAT_QCOW2) {
        json_object_object_add(fmt, "backing",
                               backingNode ? json_object_new_string(backingNode)
                                           : NULL);
    }
    qemuArgJSON(buf, "-blockdev", fmt);
}


/* The node names of backing layer @n (1 is right below the disk's own
 * image) of @disk. */
static char *
qemuBuildBackingNode(const vsDomainDiskDef *disk,
                     size_t n,
                     const char *kind)
{
    return g_strdup_printf("vs-%s-b%zu-%s", disk->info.alias, n, kind);
}


/* The disk's image and, when the driver resolved its backing chain, every
 * layer below it, read-only, bottom first: a node must exist before a
 * node above names it as its backing. */
static void
qemuBuildDiskBlockdevs(qemuCommandBuf *buf,
                       const vsDomainDiskDef *disk,
                       const char *fileNode,
                       const char *fmtNode)
{
    GPtrArray *chain = NULL;
    g_autofree char *top = NULL;
    size_t n;

    if (buf->opts->diskChains)
        chain = g_hash_table_lookup(buf->opts->diskChains, disk->info.alias);

    for (n = chain ? chain->len : 0; n > 0; n--) {
        const qemuQcow2Layer *layer = g_ptr_array_index(chain, n - 1);
        g_autofree char *file = qemuBuildBackingNode(disk, n, "file");
        g_autofree char *fmt = qemuBuildBackingNode(disk, n, "fmt");
        g_autofree char *below = NULL;

        if (n < chain->len)
            below = qemuBuildBackingNode(disk, n + 1, "fmt");
        qemuBuildDiskLayer(buf, disk, layer->path, layer->format, TRUE,
                           file, fmt, TRUE, below);
    }

    if (chain && chain->len > 0)
        top = qemuBuildBackingNode(disk, 1, "fmt");
    qemuBuildDiskLayer(buf, disk, disk->src, disk->format, disk->readonly,
                       fileNode, fmtNode, chain != NULL, top);
}


/* A disk on a virtio-scsi bus "scsiN.0": channel, target and LUN from
 * its drive address, and libvirt's device_id, which the guest reads
 * from the device identification page. */
static json_object *
qemuBuildSCSIDiskDevice(const vsDomainDiskDef *disk)
{
    gboolean cdrom = disk->device == VS_DOMAIN_DISK_DEVICE_CDROM;
    g_autofree char *bus = g_strdup_printf("scsi%u.0", disk->info.controller);
    g_autofree char *deviceId = g_strdup_printf("drive-%s", disk->info.alias);
    json_object *props = qemuDeviceNew(cdrom ? "scsi-cd" : "scsi-hd", NULL);

    qemuJSONAddStr(props, "bus", bus);
    qemuJSONAddInt(props, "channel", disk->info.driveBus);
    qemuJSONAddInt(props, "scsi-id", disk->info.target);
    qemuJSONAddInt(props, "lun", disk->info.unit);
    qemuJSONAddStr(props, "device_id", deviceId);
    return props;
}


static json_object *
qemuBuildDiskDevice(const vsDomainDef *def,
                    const vsDomainDiskDef *disk)
{
    gboolean cdrom = disk->device == VS_DOMAIN_DISK_DEVICE_CDROM;
    g_autofree char *ideBus = NULL;
    json_object *props;

    switch (disk->bus) {
    case VS_DOMAIN_DISK_BUS_VIRTIO:
        props = qemuDeviceNew("virtio-blk-pci", NULL);
        qemuJSONAddPCIAddress(def, props, &disk->info);
        break;
    case VS_DOMAIN_DISK_BUS_IDE:
        /* PIIX3 has buses ide.0 and ide.1 with units 0 and 1 each. */
        props = qemuDeviceNew(cdrom ? "ide-cd" : "ide-hd", NULL);
        ideBus = g_strdup_printf("ide.%u", disk->info.driveBus);
        qemuJSONAddStr(props, "bus", ideBus);
        qemuJSONAddInt(props, "unit", disk->info.unit);
        break;
    case VS_DOMAIN_DISK_BUS_SATA:
        /* ICH9's AHCI has one bus per port: ide.0 .. ide.5. */
        props = qemuDeviceNew(cdrom ? "ide-cd" : "ide-hd", NULL);
        ideBus = g_strdup_printf("ide.%u", disk->info.unit);
        qemuJSONAddStr(props, "bus", ideBus);
        break;
    case VS_DOMAIN_DISK_BUS_SCSI:
        props = qemuBuildSCSIDiskDevice(disk);
        break;
    case VS_DOMAIN_DISK_BUS_LAST:
    default:
        g_assert_not_reached();
    }
    return props;
}


static void
qemuBuildDisks(qemuCommandBuf *buf,
               GHashTable *bootIndexes)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        g_autofree char *fileNode = g_strdup_printf("vs-%s-file", disk->info.alias);
        g_autofree char *fmtNode = g_strdup_printf("vs-%s-fmt", disk->info.alias);
        guint bootIndex = GPOINTER_TO_UINT(g_hash_table_lookup(bootIndexes, disk));
        json_object *props;

        if (disk->src)
            qemuBuildDiskBlockdevs(buf, disk, fileNode, fmtNode);

        props = qemuBuildDiskDevice(def, disk);
        if (disk->src)
            qemuJSONAddStr(props, "drive", fmtNode);
        qemuJSONAddStr(props, "id", disk->info.alias);
        if (disk->serial)
            qemuJSONAddStr(props, "serial", disk->serial);
        /* QEMU's image locking would refuse a second writer. */
        if (disk->shareable)
            qemuJSONAddBool(props, "share-rw", TRUE);
        if (bootIndex)
            qemuJSONAddInt(props, "bootindex", bootIndex);
        if (disk->cache != VS_DOMAIN_DISK_CACHE_DEFAULT && disk->src)
            qemuJSONAddStr(props, "write-cache",
                           disk->cache == VS_DOMAIN_DISK_CACHE_WRITETHROUGH ||
                           disk->cache == VS_DOMAIN_DISK_CACHE_DIRECTSYNC ?
                           "off" : "on");
        qemuArgJSON(buf, "-device", props);
    }
}


/* Every tap interface must come with its descriptor. */
static gboolean
qemuBuildCheckNets(const vsDomainDef *def,
                   const qemuCommandOptions *opts,
                   GError **error)
{
    size_t i;

    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);

        if (net->type != VS_DOMAIN_NET_TYPE_USER &&
            (!opts->netTapFds || opts->netTapFds[i] < 0)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("interface '%s' has no tap device"),
                        net->info.alias);
            return FALSE;
        }
    }
    return TRUE;
}


/* -netdev of interface @i: user-mode, or the tap (and vhost-net) that
 * the driver opened and QEMU inherits. */
static json_object *
qemuBuildNetBackend(const qemuCommandOptions *opts,
                    const vsDomainNetDef *net,
                    size_t i)
{
    json_object *backend = json_object_new_object();
    g_autofree char *netdev = g_strdup_printf("hostnet%zu", i);

    if (net->type == VS_DOMAIN_NET_TYPE_USER) {
        qemuJSONAddStr(backend, "type", "user");
    } else {
        g_autofree char *tapfd = g_strdup_printf("%d", opts->netTapFds[i]);

        qemuJSONAddStr(backend, "type", "tap");
        qemuJSONAddStr(backend, "fd", tapfd);
        if (opts->netVhostFds && opts->netVhostFds[i] >= 0) {
            g_autofree char *vhostfd =
                g_strdup_printf("%d", opts->netVhostFds[i]);

            qemuJSONAddBool(backend, "vhost", TRUE);
            qemuJSONAddStr(backend, "vhostfd", vhostfd);
        }
    }
    qemuJSONAddStr(backend, "id", netdev);
    return backend;
}


static void
qemuBuildNets(qemuCommandBuf *buf,
              GHashTable *bootIndexes)
{
    static const char *const drivers[] = {
        "rtl8139", "virtio-net-pci", "e1000", "e1000e", "rtl8139",
    };
    const vsDomainDef *def = buf->def;
    size_t i;

    G_STATIC_ASSERT(G_N_ELEMENTS(drivers) == VS_DOMAIN_NET_MODEL_LAST);

    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        g_autofree char *netdev = g_strdup_printf("hostnet%zu", i);
        guint bootIndex = GPOINTER_TO_UINT(g_hash_table_lookup(bootIndexes, net));
        char mac[VS_MAC_STRING_BUFLEN];
        json_object *props;

        qemuArgJSON(buf, "-netdev", qemuBuildNetBackend(buf->opts, net, i));

        props = qemuDeviceNew(drivers[net->model], NULL);
        qemuJSONAddStr(props, "netdev", netdev);
        qemuJSONAddStr(props, "id", net->info.alias);
        qemuJSONAddStr(props, "mac", vsDomainMacFormat(net->mac, mac));
        qemuJSONAddPCIAddress(def, props, &net->info);
        if (net->mtu && net->model == VS_DOMAIN_NET_MODEL_VIRTIO)
            qemuJSONAddInt(props, "host_mtu", net->mtu);
        if (bootIndex)
            qemuJSONAddInt(props, "bootindex", bootIndex);
        qemuArgJSON(buf, "-device", props);
    }
}


/**
 * qemuBuildSerialChardevAlias:
 * @serial: a serial port of a complete definition
 *
 * Returns: (transfer full) the id of the port's chardev in QEMU.
 */
char *
qemuBuildSerialChardevAlias(const vsDomainChrDef *serial)
{
    return g_strdup_printf("char%s", serial->info.alias);
}


static void
qemuBuildSerials(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    /* Created in XML order: ISA serial state is matched by creation
     * order when a save image is loaded. */
    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);
        g_autofree char *alias = qemuBuildSerialChardevAlias(chr);
        g_autoptr(GString) chardev = g_string_new(NULL);
        json_object *props;

        g_string_append_printf(chardev, "%s,id=%s",
                               vsDomainChrTypeToString(chr->type), alias);
        if (chr->type == VS_DOMAIN_CHR_FILE) {
            g_string_append(chardev, ",path=");
            qemuEscapeComma(chardev, chr->path);
            if (chr->append != VS_DOMAIN_TRISTATE_ABSENT)
                g_string_append_printf(chardev, ",append=%s",
                                       chr->append == VS_DOMAIN_TRISTATE_ON ?
                                       "on" : "off");
        }
        qemuArgPair(buf, "-chardev", chardev->str);

        props = qemuDeviceNew("isa-serial", chr->info.alias);
        qemuJSONAddStr(props, "chardev", alias);
        qemuJSONAddInt(props, "index", chr->port);
        qemuArgJSON(buf, "-device", props);
    }
}


static void
qemuBuildBalloonAndRNG(qemuCommandBuf *buf)
{
    const vsDomainDef *def = buf->def;
    size_t i;

    if (def->memballoon.model == VS_DOMAIN_MEMBALLOON_VIRTIO) {
        json_object *props = qemuDeviceNew("virtio-balloon-pci",
                                           def->memballoon.info.alias);

        qemuJSONAddPCIAddress(def, props, &def->memballoon.info);
        qemuArgJSON(buf, "-device", props);
    }

    for (i = 0; i < def->rngs->len; i++) {
        vsDomainRNGDef *rng = g_ptr_array_index(def->rngs, i);
        g_autofree char *objId = g_strdup_printf("obj%s", rng->info.alias);
        json_object *backend = json_object_new_object();
        json_object *props;

        qemuJSONAddStr(backend, "qom-type", "rng-random");
        qemuJSONAddStr(backend, "id", objId);
        qemuJSONAddStr(backend, "filename",
                       rng->source ? rng->source : "/dev/urandom");
        qemuArgJSON(buf, "-object", backend);

        props = qemuDeviceNew("virtio-rng-pci", rng->info.alias);
        qemuJSONAddStr(props, "rng", objId);
        qemuJSONAddPCIAddress(def, props, &rng->info);
        qemuArgJSON(buf, "-device", props);
    }
}


static void
qemuBuildProcessOptions(qemuCommandBuf *buf)
{
    const qemuCommandOptions *opts = buf->opts;
    size_t i;

    for (i = 0; i < opts->nfds; i++) {
        g_autoptr(GString) addfd = g_string_new(NULL);

        g_string_append_printf(addfd, "set=%u,fd=%d", opts->fds[i].set,
                               opts->fds[i].fd);
        if (opts->fds[i].opaque) {
            g_string_append(addfd, ",opaque=");
            qemuEscapeComma(addfd, opts->fds[i].opaque);
        }
        qemuArgPair(buf, "-add-fd", addfd->str);
    }
    if (opts->pidfile)
        qemuArgPair(buf, "-pidfile", opts->pidfile);
    if (opts->incoming)
        qemuArgPair(buf, "-incoming", "defer");
}


/**
 * qemuBuildCommandLine:
 * @def: a complete domain definition
 * @opts: how to run it (binary, accelerator, monitor, fds, restore)
 * @error: return location for a #GError
 *
 * Builds QEMU's argument vector for @def, starting with the binary. The
 * guest starts paused (-S); the driver connects to the monitor and then
 * either sends "cont" or, with @opts->incoming, loads a save image.
 *
 * Returns: (transfer full) the NULL-terminated argv, or NULL with @error
 * set.
 */
GStrv
qemuBuildCommandLine(const vsDomainDef *def,
                     const qemuCommandOptions *opts,
                     GError **error)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) bootIndexes = NULL;
    qemuCommandBuf buf = { .args = args, .def = def, .opts = opts };

    if (!qemuBuildCheckOptions(def, opts, error) ||
        !qemuBuildCheckDevices(def, error) ||
        !qemuBuildCheckNets(def, opts, error))
        return NULL;
    buf.kvm = g_str_equal(qemuCommandAccel(def, opts), "kvm");
    bootIndexes = qemuBuildBootIndexes(def);

    qemuBuildGeneral(&buf);
    qemuBuildMachine(&buf);
    qemuBuildCPU(&buf);
    qemuBuildResources(&buf);
    qemuBuildMonitor(&buf);
    qemuBuildLifecycle(&buf);
    qemuBuildControllers(&buf);
    qemuBuildDisks(&buf, bootIndexes);
    qemuBuildNets(&buf, bootIndexes);
    qemuBuildSerials(&buf);
    qemuBuildDisplayDevices(&buf);
    qemuBuildBalloonAndRNG(&buf);
    qemuBuildProcessOptions(&buf);

    VS_DEBUG("domain '%s': %u QEMU arguments, accel %s, incoming %d",
             def->name, args->len, qemuCommandAccel(def, opts),
             opts->incoming);
    g_ptr_array_add(args, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&args), FALSE);
}
