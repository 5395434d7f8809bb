/*
 * domain_conf.c: the domain model: lifetime, defaults and cross-checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Parsing lives in domain_parse.c, formatting in domain_format.c and the
 * ABI comparison in domain_abi.c. This file completes a parsed definition
 * the way libvirt completes one (see docs/formatdomain.md, "Defaults"),
 * so that one XML document means the same virtual hardware under both.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("conf.domain");

VS_ENUM_IMPL(vsDomainTristateOnOff, VS_DOMAIN_TRISTATE_LAST,
             NULL, "on", "off");
VS_ENUM_IMPL(vsDomainTristateYesNo, VS_DOMAIN_TRISTATE_LAST,
             NULL, "yes", "no");
VS_ENUM_IMPL(vsDomainVirt, VS_DOMAIN_VIRT_LAST,
             "qemu", "kvm");
VS_ENUM_IMPL(vsDomainArch, VS_DOMAIN_ARCH_LAST,
             "x86_64", "i686");
VS_ENUM_IMPL(vsDomainBoot, VS_DOMAIN_BOOT_LAST,
             "hd", "cdrom", "network");
VS_ENUM_IMPL(vsDomainCPUMode, VS_DOMAIN_CPU_MODE_LAST,
             NULL, "custom", "host-model", "host-passthrough");
VS_ENUM_IMPL(vsDomainCPUCheck, VS_DOMAIN_CPU_CHECK_LAST,
             NULL, "none", "partial", "full");
VS_ENUM_IMPL(vsDomainCPUMatch, VS_DOMAIN_CPU_MATCH_LAST,
             NULL, "minimum", "exact", "strict");
VS_ENUM_IMPL(vsDomainCPUFallback, VS_DOMAIN_CPU_FALLBACK_LAST,
             NULL, "allow", "forbid");
VS_ENUM_IMPL(vsDomainCPUFeaturePolicy, VS_DOMAIN_CPU_FEATURE_LAST,
             "force", "require", "optional", "disable", "forbid");
VS_ENUM_IMPL(vsDomainClockOffset, VS_DOMAIN_CLOCK_OFFSET_LAST,
             "utc", "localtime");
VS_ENUM_IMPL(vsDomainLifecycle, VS_DOMAIN_LIFECYCLE_LAST,
             "destroy", "restart", "rename-restart", "preserve",
             "coredump-destroy", "coredump-restart");
VS_ENUM_IMPL(vsDomainAddress, VS_DOMAIN_ADDRESS_LAST,
             NULL, "pci", "drive");
VS_ENUM_IMPL(vsDomainDiskDevice, VS_DOMAIN_DISK_DEVICE_LAST,
             "disk", "cdrom");
VS_ENUM_IMPL(vsDomainDiskBus, VS_DOMAIN_DISK_BUS_LAST,
             "virtio", "ide", "sata", "scsi");
VS_ENUM_IMPL(vsDomainDiskFormat, VS_DOMAIN_DISK_FORMAT_LAST,
             "raw", "qcow2");
VS_ENUM_IMPL(vsDomainDiskCache, VS_DOMAIN_DISK_CACHE_LAST,
             NULL, "none", "writethrough", "writeback", "directsync",
             "unsafe");
VS_ENUM_IMPL(vsDomainDiskIO, VS_DOMAIN_DISK_IO_LAST,
             NULL, "native", "threads", "io_uring");
VS_ENUM_IMPL(vsDomainDiskDiscard, VS_DOMAIN_DISK_DISCARD_LAST,
             NULL, "unmap", "ignore");
VS_ENUM_IMPL(vsDomainDiskDetectZeroes, VS_DOMAIN_DISK_DETECT_ZEROES_LAST,
             NULL, "off", "on", "unmap");
VS_ENUM_IMPL(vsDomainController, VS_DOMAIN_CONTROLLER_LAST,
             "usb", "pci", "ide", "sata", "virtio-serial", "scsi");
VS_ENUM_IMPL(vsDomainControllerModel, VS_DOMAIN_CONTROLLER_MODEL_LAST,
             NULL, "piix3-uhci", "qemu-xhci", "none", "pci-root",
             "pcie-root", "pcie-root-port", "virtio-scsi", "ich9-ehci1",
             "ich9-uhci1", "ich9-uhci2", "ich9-uhci3");
VS_ENUM_IMPL(vsDomainNetModel, VS_DOMAIN_NET_MODEL_LAST,
             NULL, "virtio", "e1000", "e1000e", "rtl8139");
VS_ENUM_IMPL(vsDomainNetType, VS_DOMAIN_NET_TYPE_LAST,
             "user", "bridge", "network", "ethernet");
VS_ENUM_IMPL(vsDomainNetBackend, VS_DOMAIN_NET_BACKEND_LAST,
             NULL, "qemu", "vhost");
VS_ENUM_IMPL(vsDomainChr, VS_DOMAIN_CHR_LAST,
             "null", "pty", "file");
VS_ENUM_IMPL(vsDomainInput, VS_DOMAIN_INPUT_LAST,
             "mouse", "keyboard");
VS_ENUM_IMPL(vsDomainMemballoon, VS_DOMAIN_MEMBALLOON_LAST,
             "virtio", "none");

/* Longest accepted domain name, in bytes. Names become file names
 * (definitions, logs, managed save images) under the daemon's
 * directories, so they must fit NAME_MAX with a suffix. */
#define VS_DOMAIN_NAME_MAX 200

/* QEMU's pc and q35 machines accept at most 255 vCPUs without an IOMMU
 * providing interrupt remapping, which the subset does not offer. */
#define VS_DOMAIN_VCPUS_MAX 255

/* ISA serial ports: COM1..COM4. */
#define VS_DOMAIN_SERIAL_PORTS 4

/* The root bus reserves slot 1 for the chipset's south bridge on i440fx
 * (IDE, USB and power management functions) and keeps slot 2 free for a
 * primary display as libvirt does; on q35 slot 1 is the display slot and
 * slot 0x1f holds the ICH9 functions. */
#define VS_PCI_SLOT_MAX 31
#define VS_PCI_FUNCTION_MAX 7
#define VS_PCI_I440FX_FIRST_FREE 3
#define VS_PCI_Q35_FIRST_FREE 2
#define VS_PCI_Q35_ICH9_SLOT 0x1f


static void
vsDomainDeviceInfoClear(vsDomainDeviceInfo *info)
{
    g_clear_pointer(&info->alias, g_free);
}


/**
 * vsDomainDiskDefNew:
 *
 * Returns: (transfer full) an empty disk: a raw file disk on virtio.
 */
vsDomainDiskDef *
vsDomainDiskDefNew(void)
{
    return g_new0(vsDomainDiskDef, 1);
}


/**
 * vsDomainDiskDefFree:
 * @disk: (nullable): a disk
 */
void
vsDomainDiskDefFree(vsDomainDiskDef *disk)
{
    if (!disk)
        return;
    g_free(disk->src);
    g_clear_pointer(&disk->backing, g_ptr_array_unref);
    g_clear_pointer(&disk->backingDetected, g_ptr_array_unref);
    g_free(disk->serial);
    g_free(disk->dst);
    vsDomainDeviceInfoClear(&disk->info);
    g_free(disk);
}


/**
 * vsDomainControllerDefNew:
 *
 * Returns: (transfer full) an empty controller without chassis and port.
 */
vsDomainControllerDef *
vsDomainControllerDefNew(void)
{
    vsDomainControllerDef *cont = g_new0(vsDomainControllerDef, 1);

    cont->chassis = -1;
    cont->port = -1;
    cont->startport = -1;
    cont->order = G_MAXUINT;
    return cont;
}


/**
 * vsDomainControllerDefFree:
 * @cont: (nullable): a controller
 */
void
vsDomainControllerDefFree(vsDomainControllerDef *cont)
{
    if (!cont)
        return;
    g_free(cont->modelName);
    vsDomainDeviceInfoClear(&cont->info);
    g_free(cont);
}


/**
 * vsDomainNetDefNew:
 *
 * Returns: (transfer full) an empty interface with a zero MAC address.
 */
vsDomainNetDef *
vsDomainNetDefNew(void)
{
    return g_new0(vsDomainNetDef, 1);
}


/**
 * vsDomainNetDefFree:
 * @net: (nullable): an interface
 */
void
vsDomainNetDefFree(vsDomainNetDef *net)
{
    if (!net)
        return;
    vsDomainDeviceInfoClear(&net->info);
    g_free(net->bridge);
    g_free(net->network);
    g_free(net->actualBridge);
    g_free(net->ifname);
    g_free(net);
}


/**
 * vsDomainChrDefNew:
 *
 * Returns: (transfer full) a null character device whose port is unset
 * (G_MAXUINT) until vsDomainDefPostParse() picks one.
 */
vsDomainChrDef *
vsDomainChrDefNew(void)
{
    vsDomainChrDef *chr = g_new0(vsDomainChrDef, 1);

    chr->port = G_MAXUINT;
    return chr;
}


/**
 * vsDomainChrDefFree:
 * @chr: (nullable): a character device
 */
void
vsDomainChrDefFree(vsDomainChrDef *chr)
{
    if (!chr)
        return;
    g_free(chr->path);
    g_free(chr->ptyPath);
    vsDomainDeviceInfoClear(&chr->info);
    g_free(chr);
}


/**
 * vsDomainInputDefNew:
 * @type: mouse or keyboard
 *
 * Returns: (transfer full) a PS/2 input device.
 */
vsDomainInputDef *
vsDomainInputDefNew(vsDomainInputType type)
{
    vsDomainInputDef *input = g_new0(vsDomainInputDef, 1);

    input->type = type;
    return input;
}


/**
 * vsDomainInputDefFree:
 * @input: (nullable): an input device
 */
void
vsDomainInputDefFree(vsDomainInputDef *input)
{
    g_free(input);
}


/**
 * vsDomainRNGDefNew:
 *
 * Returns: (transfer full) a virtio RNG without a source.
 */
vsDomainRNGDef *
vsDomainRNGDefNew(void)
{
    return g_new0(vsDomainRNGDef, 1);
}


/**
 * vsDomainRNGDefFree:
 * @rng: (nullable): an RNG device
 */
void
vsDomainRNGDefFree(vsDomainRNGDef *rng)
{
    if (!rng)
        return;
    g_free(rng->source);
    vsDomainDeviceInfoClear(&rng->info);
    g_free(rng);
}


/**
 * vsDomainSeclabelDefNew:
 *
 * Returns: (transfer full) an empty security label.
 */
vsDomainSeclabelDef *
vsDomainSeclabelDefNew(void)
{
    return g_new0(vsDomainSeclabelDef, 1);
}


/**
 * vsDomainSeclabelDefFree:
 * @seclabel: (nullable): a security label
 */
void
vsDomainSeclabelDefFree(vsDomainSeclabelDef *seclabel)
{
    if (!seclabel)
        return;
    g_free(seclabel->type);
    g_free(seclabel->model);
    g_free(seclabel);
}


/**
 * vsDomainCPUFeatureNew:
 *
 * Returns: (transfer full) an empty CPU feature.
 */
vsDomainCPUFeature *
vsDomainCPUFeatureNew(void)
{
    return g_new0(vsDomainCPUFeature, 1);
}


/**
 * vsDomainCPUFeatureFree:
 * @feature: (nullable): a CPU feature
 */
void
vsDomainCPUFeatureFree(vsDomainCPUFeature *feature)
{
    if (!feature)
        return;
    g_free(feature->name);
    g_free(feature);
}


/**
 * vsDomainDefNew:
 *
 * Returns: (transfer full) an empty definition holding libvirt's
 * defaults for everything the XML may leave out.
 */
vsDomainDef *
vsDomainDefNew(void)
{
    vsDomainDef *def = g_new0(vsDomainDef, 1);

    def->id = -1;
    def->vcpus = 1;
    def->onPoweroff = VS_DOMAIN_LIFECYCLE_DESTROY;
    def->onReboot = VS_DOMAIN_LIFECYCLE_RESTART;
    def->onCrash = VS_DOMAIN_LIFECYCLE_DESTROY;
    def->memballoon.model = VS_DOMAIN_MEMBALLOON_VIRTIO;
    def->cpu.features =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainCPUFeatureFree);
    def->disks =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainDiskDefFree);
    def->controllers =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainControllerDefFree);
    def->nets =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainNetDefFree);
    def->serials =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainChrDefFree);
    def->consoles =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainChrDefFree);
    def->inputs =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainInputDefFree);
    def->rngs =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainRNGDefFree);
    def->seclabels =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainSeclabelDefFree);
    vsDomainDefInitDevices(def);
    return def;
}


/**
 * vsDomainDefFree:
 * @def: (nullable): a domain definition
 *
 * Frees @def and everything it owns.
 */
void
vsDomainDefFree(vsDomainDef *def)
{
    if (!def)
        return;

    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->metadata);
    g_free(def->resourcePartition);
    g_free(def->os.machine);
    g_free(def->os.kernel);
    g_free(def->os.initrd);
    g_free(def->os.cmdline);
    g_free(def->cpu.model);
    g_ptr_array_unref(def->cpu.features);
    g_free(def->emulator);
    g_ptr_array_unref(def->disks);
    g_ptr_array_unref(def->controllers);
    g_ptr_array_unref(def->nets);
    g_ptr_array_unref(def->serials);
    g_ptr_array_unref(def->consoles);
    g_ptr_array_unref(def->inputs);
    g_ptr_array_unref(def->rngs);
    vsDomainDeviceInfoClear(&def->memballoon.info);
    g_ptr_array_unref(def->seclabels);
    vsDomainDefFreeDevices(def);
    g_free(def);
}


/**
 * vsDomainDefCopy:
 * @def: a complete definition
 * @error: return location for a #GError
 *
 * Copies @def through its status form, which holds every field.
 *
 * Returns: (transfer full) an identical definition, or NULL with @error
 * set.
 */
vsDomainDef *
vsDomainDefCopy(const vsDomainDef *def,
                GError **error)
{
    g_autofree char *xml = NULL;

    xml = vsDomainDefFormat(def, def->id,
                            VS_DOMAIN_DEF_FORMAT_SECURE |
                            VS_DOMAIN_DEF_FORMAT_STATUS, error);
    if (!xml)
        return NULL;

    return vsDomainDefParseString(xml, VS_DOMAIN_DEF_PARSE_STATUS, error);
}


/**
 * vsDomainDefValidateName:
 * @name: a proposed domain name
 * @error: return location for a #GError
 *
 * Domain names become parts of file names, so they must be non-empty,
 * free of '/' and control characters, not "." or "..", and at most
 * VS_DOMAIN_NAME_MAX bytes long.
 *
 * Returns: TRUE when @name is acceptable, FALSE with @error set.
 */
gboolean
vsDomainDefValidateName(const char *name,
                        GError **error)
{
    const char *p;

    if (!name || !*name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("domain name must not be empty"));
        return FALSE;
    }

    if (strlen(name) > VS_DOMAIN_NAME_MAX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("domain name '%.20s...' is longer than %d bytes"),
                    name, VS_DOMAIN_NAME_MAX);
        return FALSE;
    }

    if (g_str_equal(name, ".") || g_str_equal(name, "..")) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("domain name '%s' is not allowed"), name);
        return FALSE;
    }

    for (p = name; *p; p++) {
        if (*p == '/' || g_ascii_iscntrl(*p)) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("domain name '%s' must not contain '/' or control characters"),
                        name);
            return FALSE;
        }
    }

    return TRUE;
}


/**
 * vsDomainMacFormat:
 * @mac: a MAC address
 * @out: buffer of VS_MAC_STRING_BUFLEN bytes
 *
 * Returns: (transfer none) @out, holding "52:54:00:12:34:56".
 */
char *
vsDomainMacFormat(const unsigned char mac[VS_MAC_BUFLEN],
                  char out[VS_MAC_STRING_BUFLEN])
{
    g_snprintf(out, VS_MAC_STRING_BUFLEN,
               "%02x:%02x:%02x:%02x:%02x:%02x",
               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return out;
}


/**
 * vsDomainDefPCIRootBusName:
 * @def: a complete definition
 *
 * Returns: (transfer none) QEMU's name of the PCI root bus of @def's
 * machine: "pci.0" for i440fx, "pcie.0" for q35.
 */
const char *
vsDomainDefPCIRootBusName(const vsDomainDef *def)
{
    if (def->os.family == VS_DOMAIN_MACHINE_Q35)
        return "pcie.0";
    return "pci.0";
}


/**
 * vsDomainDiskNameToIndex:
 * @dst: a disk target name such as "vdb"
 *
 * The letters after the two-letter prefix count in base 26 with 'a'
 * as the first digit of each place, as Linux names disks.
 *
 * Returns: the index, or -1 when @dst is malformed.
 */
int
vsDomainDiskNameToIndex(const char *dst)
{
    const char *p;
    int idx = 0;

    if (!dst || strlen(dst) < 3 || strlen(dst) > 5)
        return -1;

    for (p = dst + 2; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        idx = idx * 26 + (*p - 'a' + 1);
    }

    return idx - 1;
}


static vsDomainControllerDef *
vsDomainDefFindController(const vsDomainDef *def,
                          vsDomainControllerType type,
                          unsigned int idx)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == type && cont->idx == idx)
            return cont;
    }
    return NULL;
}


static size_t
vsDomainDefCountControllers(const vsDomainDef *def,
                            vsDomainControllerType type)
{
    size_t i;
    size_t n = 0;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == type)
            n++;
    }
    return n;
}


/**
 * vsDomainControllerIsImplicit:
 * @def: a complete definition
 * @cont: one of its controllers
 *
 * libvirt leaves the only USB controller of an i440fx machine (index 0,
 * PIIX3 UHCI) and the only pci-root controller out of migratable XML and
 * adds them back when parsing; virtsave does the same in both
 * directions.
 *
 * Returns: TRUE when @cont is left out of migratable XML.
 */
gboolean
vsDomainControllerIsImplicit(const vsDomainDef *def,
                             const vsDomainControllerDef *cont)
{
    if (cont->idx != 0 || def->os.family != VS_DOMAIN_MACHINE_I440FX)
        return FALSE;

    /* Implicit only where the parser would put it back: no address, or
     * the one it assigns (00:01.2, the PIIX3's USB function). */
    if (cont->type == VS_DOMAIN_CONTROLLER_USB)
        return cont->model == VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI &&
            vsDomainDefCountControllers(def, VS_DOMAIN_CONTROLLER_USB) == 1 &&
            (cont->info.type == VS_DOMAIN_ADDRESS_NONE ||
             (cont->info.type == VS_DOMAIN_ADDRESS_PCI &&
              cont->info.domain == 0 && cont->info.bus == 0 &&
              cont->info.slot == 1 && cont->info.function == 2));

    if (cont->type == VS_DOMAIN_CONTROLLER_PCI)
        return cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT &&
            vsDomainDefCountControllers(def, VS_DOMAIN_CONTROLLER_PCI) == 1;

    return FALSE;
}


static void
vsDomainSetPCIAddress(vsDomainDeviceInfo *info,
                      unsigned int bus,
                      unsigned int slot,
                      unsigned int function)
{
    info->type = VS_DOMAIN_ADDRESS_PCI;
    info->domain = 0;
    info->bus = bus;
    info->slot = slot;
    info->function = function;
}


static gboolean
vsDomainDefSetupMachine(vsDomainDef *def,
                        GError **error)
{
    const char *machine = def->os.machine;

    if (!machine)
        machine = def->os.machine = g_strdup("pc");

    if (g_str_equal(machine, "pc") || g_str_has_prefix(machine, "pc-i440fx-")) {
        def->os.family = VS_DOMAIN_MACHINE_I440FX;
    } else if (g_str_equal(machine, "q35") ||
               g_str_has_prefix(machine, "pc-q35-")) {
        def->os.family = VS_DOMAIN_MACHINE_Q35;
    } else {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("machine type '%s' is not supported: use 'pc', 'q35', 'pc-i440fx-*' or 'pc-q35-*'"),
                    machine);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDefSetupMemory(vsDomainDef *def,
                       GError **error)
{
    if (def->maxMemory == 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("memory size must be specified via <memory> and be greater than zero"));
        return FALSE;
    }

    /* QEMU sizes guest RAM in whole pages and libvirt aligns x86 guests
     * to 1 MiB before starting them; doing it here keeps the value the
     * guest sees and the value in the XML the same. */
    def->maxMemory = VS_ROUND_UP(def->maxMemory, 1024);

    if (def->curMemory == 0)
        def->curMemory = def->maxMemory;
    if (def->curMemory > def->maxMemory) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("current memory %llu KiB exceeds maximum memory %llu KiB"),
                    def->curMemory, def->maxMemory);
        return FALSE;
    }

    if (def->vcpus == 0 || def->vcpus > VS_DOMAIN_VCPUS_MAX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("vCPU count %u is out of range 1..%d"),
                    def->vcpus, VS_DOMAIN_VCPUS_MAX);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDefSetupCPU(vsDomainDef *def,
                    GError **error)
{
    vsDomainCPUDef *cpu = &def->cpu;
    unsigned long long product;

    if (cpu->model && cpu->mode != VS_DOMAIN_CPU_MODE_CUSTOM) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("CPU mode '%s' does not take a <model>"),
                    vsDomainCPUModeTypeToString(cpu->mode));
        return FALSE;
    }
    if (cpu->migratable != VS_DOMAIN_TRISTATE_ABSENT &&
        cpu->mode != VS_DOMAIN_CPU_MODE_HOST_PASSTHROUGH) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("attribute 'migratable' is only allowed with CPU mode 'host-passthrough'"));
        return FALSE;
    }

    if (cpu->sockets == 0)
        return TRUE;

    product = (unsigned long long) cpu->sockets * cpu->dies * cpu->clusters *
        cpu->cores * cpu->threads;
    if (product != def->vcpus) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("CPU topology of %llu vCPUs does not match the vCPU count %u"),
                    product, def->vcpus);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDefSetupLifecycle(vsDomainDef *def,
                          GError **error)
{
    const vsDomainLifecycleAction actions[] = { def->onPoweroff, def->onReboot };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(actions); i++) {
        if (actions[i] == VS_DOMAIN_LIFECYCLE_COREDUMP_DESTROY ||
            actions[i] == VS_DOMAIN_LIFECYCLE_COREDUMP_RESTART) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("lifecycle action '%s' is only allowed in <on_crash>"),
                        vsDomainLifecycleTypeToString(actions[i]));
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainDiskCheckBus(const vsDomainDef *def,
                     vsDomainDiskDef *disk,
                     GError **error)
{
    static const char *const prefixes[] = { "vd", "hd", "sd", "sd" };
    G_STATIC_ASSERT(G_N_ELEMENTS(prefixes) == VS_DOMAIN_DISK_BUS_LAST);

    if (!g_str_has_prefix(disk->dst, prefixes[disk->bus]) ||
        vsDomainDiskNameToIndex(disk->dst) < 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("disk target '%s' is not a valid name for bus '%s' (expected '%sa', '%sb', ...)"),
                    disk->dst, vsDomainDiskBusTypeToString(disk->bus),
                    prefixes[disk->bus], prefixes[disk->bus]);
        return FALSE;
    }

    if (disk->bus == VS_DOMAIN_DISK_BUS_IDE &&
        def->os.family != VS_DOMAIN_MACHINE_I440FX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': IDE is only available on i440fx machines"),
                    disk->dst);
        return FALSE;
    }
    if (disk->bus == VS_DOMAIN_DISK_BUS_SATA &&
        def->os.family != VS_DOMAIN_MACHINE_Q35) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': SATA is only available on q35 machines"),
                    disk->dst);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDiskCheckMedia(vsDomainDiskDef *disk,
                       GError **error)
{
    if (disk->device == VS_DOMAIN_DISK_DEVICE_CDROM) {
        if (disk->bus == VS_DOMAIN_DISK_BUS_VIRTIO) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("disk '%s': bus 'virtio' does not support removable media"),
                        disk->dst);
            return FALSE;
        }
        /* libvirt shows every CD-ROM as read-only. */
        disk->readonly = TRUE;
    } else {
        if (!disk->src) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("disk '%s' has no <source file>"), disk->dst);
            return FALSE;
        }
        if (disk->readonly && disk->bus != VS_DOMAIN_DISK_BUS_VIRTIO &&
            disk->bus != VS_DOMAIN_DISK_BUS_SCSI) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("disk '%s': read-only hard disks are only supported on buses 'virtio' and 'scsi'"),
                        disk->dst);
            return FALSE;
        }
    }

    /* Two writers can share a raw image, never one with metadata of
     * its own such as qcow2's, as in libvirt. */
    if (disk->shareable && !disk->readonly &&
        disk->format != VS_DOMAIN_DISK_FORMAT_RAW) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': a writable shareable disk must be in raw format"),
                    disk->dst);
        return FALSE;
    }

    /* Native AIO needs O_DIRECT, which only these cache modes give. */
    if (disk->io == VS_DOMAIN_DISK_IO_NATIVE &&
        disk->cache != VS_DOMAIN_DISK_CACHE_NONE &&
        disk->cache != VS_DOMAIN_DISK_CACHE_DIRECTSYNC) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': io='native' needs cache='none' or cache='directsync'"),
                    disk->dst);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDiskSetupAddress(vsDomainDiskDef *disk,
                         GError **error)
{
    unsigned int idx = vsDomainDiskNameToIndex(disk->dst);
    vsDomainDeviceInfo *info = &disk->info;

    if (disk->bus == VS_DOMAIN_DISK_BUS_SCSI)
        return vsDomainDiskSetupSCSIAddress(disk, error);
    if (disk->bus == VS_DOMAIN_DISK_BUS_VIRTIO) {
        if (info->type == VS_DOMAIN_ADDRESS_DRIVE) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("disk '%s': a virtio disk needs a PCI address"),
                        disk->dst);
            return FALSE;
        }
        return TRUE;
    }

    if (info->type == VS_DOMAIN_ADDRESS_PCI) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("disk '%s': a disk on bus '%s' needs a drive address"),
                    disk->dst, vsDomainDiskBusTypeToString(disk->bus));
        return FALSE;
    }

    if (info->type == VS_DOMAIN_ADDRESS_NONE) {
        info->type = VS_DOMAIN_ADDRESS_DRIVE;
        if (disk->bus == VS_DOMAIN_DISK_BUS_IDE) {
            info->driveBus = idx / 2;
            info->unit = idx % 2;
        } else {
            info->unit = idx;
        }
    }

    /* PIIX3 has two IDE buses of two units; ICH9 has six SATA ports. */
    if (info->controller != 0 || info->target != 0 ||
        (disk->bus == VS_DOMAIN_DISK_BUS_IDE &&
         (info->driveBus > 1 || info->unit > 1)) ||
        (disk->bus == VS_DOMAIN_DISK_BUS_SATA &&
         (info->driveBus != 0 || info->unit > 5))) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': drive address %u:%u:%u:%u is out of range for bus '%s'"),
                    disk->dst, info->controller, info->driveBus,
                    info->target, info->unit,
                    vsDomainDiskBusTypeToString(disk->bus));
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainDefSetupDisks(vsDomainDef *def,
                      GError **error)
{
    size_t i;
    size_t j;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (!vsDomainDiskCheckBus(def, disk, error) ||
            !vsDomainDiskCheckMedia(disk, error) ||
            !vsDomainDiskSetupAddress(disk, error))
            return FALSE;

        for (j = 0; j < i; j++) {
            vsDomainDiskDef *other = g_ptr_array_index(def->disks, j);

            if (g_str_equal(other->dst, disk->dst)) {
                g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                            _("disk target '%s' is used more than once"),
                            disk->dst);
                return FALSE;
            }
            if (other->bus == disk->bus &&
                other->info.type == VS_DOMAIN_ADDRESS_DRIVE &&
                other->info.controller == disk->info.controller &&
                other->info.driveBus == disk->info.driveBus &&
                other->info.target == disk->info.target &&
                other->info.unit == disk->info.unit) {
                g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                            _("disks '%s' and '%s' have the same drive address"),
                            other->dst, disk->dst);
                return FALSE;
            }
        }
    }
    return TRUE;
}


static gboolean
vsDomainDefSetupBoot(vsDomainDef *def,
                     GError **error)
{
    g_autoptr(GHashTable) orders = g_hash_table_new(NULL, NULL);
    gboolean perDevice = FALSE;
    size_t i;

    for (i = 0; i < def->disks->len + def->nets->len; i++) {
        unsigned int order;

        if (i < def->disks->len) {
            vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
            order = disk->bootIndex;
        } else {
            vsDomainNetDef *net = g_ptr_array_index(def->nets,
                                                    i - def->disks->len);
            order = net->bootIndex;
        }
        if (order == 0)
            continue;
        perDevice = TRUE;
        if (!g_hash_table_add(orders, GUINT_TO_POINTER(order))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("boot order %u is used for more than one device"),
                        order);
            return FALSE;
        }
    }

    if (perDevice && def->os.nboot > 0) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("per-device boot elements cannot be used together with os/boot elements"));
        return FALSE;
    }

    /* libvirt boots from the first hard disk when nothing says more. */
    if (!perDevice && def->os.nboot == 0)
        def->os.boot[def->os.nboot++] = VS_DOMAIN_BOOT_HD;
    return TRUE;
}


static gboolean
vsDomainDefSetupSerialPorts(vsDomainDef *def,
                            GError **error)
{
    gboolean used[VS_DOMAIN_SERIAL_PORTS] = { FALSE };
    size_t i;

    /* Explicit ports first, then the free ones in order. */
    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);

        if (chr->port == G_MAXUINT)
            continue;
        if (chr->port >= VS_DOMAIN_SERIAL_PORTS) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("serial port %u is out of range 0..%d"),
                        chr->port, VS_DOMAIN_SERIAL_PORTS - 1);
            return FALSE;
        }
        if (used[chr->port]) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("serial port %u is used more than once"), chr->port);
            return FALSE;
        }
        used[chr->port] = TRUE;
    }

    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);
        unsigned int port = 0;

        if (chr->port != G_MAXUINT)
            continue;
        while (port < VS_DOMAIN_SERIAL_PORTS && used[port])
            port++;
        if (port == VS_DOMAIN_SERIAL_PORTS) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("at most %d serial ports are supported"),
                        VS_DOMAIN_SERIAL_PORTS);
            return FALSE;
        }
        chr->port = port;
        used[port] = TRUE;
    }
    return TRUE;
}


static vsDomainChrDef *
vsDomainDefFindSerial(const vsDomainDef *def,
                      unsigned int port)
{
    size_t i;

    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);

        if (chr->port == port)
            return chr;
    }
    return NULL;
}


static gboolean
vsDomainChrSameSource(const vsDomainChrDef *a,
                      const vsDomainChrDef *b)
{
    return a->type == b->type && g_strcmp0(a->path, b->path) == 0 &&
        a->append == b->append;
}


static gboolean
vsDomainDefSetupConsoles(vsDomainDef *def,
                         GError **error)
{
    vsDomainChrDef *console;
    vsDomainChrDef *serial;

    if (def->consoles->len == 0)
        return TRUE;
    if (def->consoles->len > 1) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("only one <console> is supported"));
        return FALSE;
    }

    console = g_ptr_array_index(def->consoles, 0);
    if (console->port == G_MAXUINT)
        console->port = 0;

    /* A serial console is another view of a serial port; like libvirt,
     * create the port when only the console is given. */
    serial = vsDomainDefFindSerial(def, console->port);
    if (!serial && def->serials->len == 0) {
        serial = vsDomainChrDefNew();
        serial->type = console->type;
        serial->path = g_strdup(console->path);
        serial->append = console->append;
        serial->port = console->port;
        g_ptr_array_add(def->serials, serial);
    }
    if (!serial) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("console refers to serial port %u, which does not exist"),
                    console->port);
        return FALSE;
    }
    if (!vsDomainChrSameSource(serial, console)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("console source differs from the source of serial port %u"),
                    console->port);
        return FALSE;
    }
    return TRUE;
}


static vsDomainControllerDef *
vsDomainDefAddController(vsDomainDef *def,
                         vsDomainControllerType type,
                         vsDomainControllerModel model)
{
    vsDomainControllerDef *cont = vsDomainControllerDefNew();

    cont->type = type;
    cont->model = model;
    g_ptr_array_add(def->controllers, cont);
    return cont;
}


static gboolean
vsDomainDefHasDiskBus(const vsDomainDef *def,
                      vsDomainDiskBus bus)
{
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (disk->bus == bus)
            return TRUE;
    }
    return FALSE;
}


/* The controllers libvirt adds to every x86 guest (a PCI root, a USB
 * controller) and those implied by disks (IDE, SATA). */
static void
vsDomainDefAddImplicitControllers(vsDomainDef *def)
{
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;

    if (!vsDomainDefFindController(def, VS_DOMAIN_CONTROLLER_PCI, 0))
        vsDomainDefAddController(def, VS_DOMAIN_CONTROLLER_PCI,
                                 q35 ? VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT :
                                 VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT);
    if (vsDomainDefCountControllers(def, VS_DOMAIN_CONTROLLER_USB) == 0)
        vsDomainDefAddController(def, VS_DOMAIN_CONTROLLER_USB,
                                 VS_DOMAIN_CONTROLLER_MODEL_DEFAULT);
    if (vsDomainDefHasDiskBus(def, VS_DOMAIN_DISK_BUS_IDE) &&
        !vsDomainDefFindController(def, VS_DOMAIN_CONTROLLER_IDE, 0))
        vsDomainDefAddController(def, VS_DOMAIN_CONTROLLER_IDE,
                                 VS_DOMAIN_CONTROLLER_MODEL_DEFAULT);
    /* The ICH9 AHCI controller is part of every q35 machine. */
    if ((q35 || vsDomainDefHasDiskBus(def, VS_DOMAIN_DISK_BUS_SATA)) &&
        !vsDomainDefFindController(def, VS_DOMAIN_CONTROLLER_SATA, 0))
        vsDomainDefAddController(def, VS_DOMAIN_CONTROLLER_SATA,
                                 VS_DOMAIN_CONTROLLER_MODEL_DEFAULT);
}


static gboolean
vsDomainControllerModelAllowed(const vsDomainDef *def,
                               vsDomainControllerDef *cont)
{
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;

    switch (cont->type) {
    case VS_DOMAIN_CONTROLLER_USB:
        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT)
            cont->model = q35 ? VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI :
                VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI;
        if (vsDomainControllerIsICH9USB(cont))
            return q35 && cont->idx == 0;
        return cont->idx == 0 &&
            (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI ||
             cont->model == VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI ||
             cont->model == VS_DOMAIN_CONTROLLER_MODEL_USB_NONE);
    case VS_DOMAIN_CONTROLLER_PCI:
        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT)
            cont->model = cont->idx == 0 ?
                (q35 ? VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT :
                 VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT) :
                VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT;
        if (cont->idx == 0)
            return cont->model == (q35 ? VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT :
                                   VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT);
        return q35 && cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT;
    case VS_DOMAIN_CONTROLLER_IDE:
        return !q35 && cont->idx == 0 &&
            cont->model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT;
    case VS_DOMAIN_CONTROLLER_SATA:
        return q35 && cont->idx == 0 &&
            cont->model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT;
    case VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL:
        return cont->idx == 0 &&
            cont->model == VS_DOMAIN_CONTROLLER_MODEL_DEFAULT;
    case VS_DOMAIN_CONTROLLER_SCSI:
        /* libvirt's default model, lsilogic, is not emulated. */
        return cont->model == VS_DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI;
    case VS_DOMAIN_CONTROLLER_LAST:
        break;
    }
    return FALSE;
}


static int
vsDomainControllerCompare(gconstpointer a,
                          gconstpointer b)
{
    /* IDE, SATA, USB, SCSI, PCI, virtio-serial; by index within a
     * type. Non-PCI controllers reach QEMU in this order, as libvirt
     * orders them: USB before SCSI before virtio-serial. */
    static const int rank[] = { 2, 4, 0, 1, 5, 3 };
    const vsDomainControllerDef *ca = *(vsDomainControllerDef *const *) a;
    const vsDomainControllerDef *cb = *(vsDomainControllerDef *const *) b;

    G_STATIC_ASSERT(G_N_ELEMENTS(rank) == VS_DOMAIN_CONTROLLER_LAST);

    if (ca->type != cb->type)
        return rank[ca->type] - rank[cb->type];
    if (ca->idx != cb->idx)
        return ca->idx < cb->idx ? -1 : 1;
    return 0;
}


static gboolean
vsDomainControllerIsPCIRoot(const vsDomainControllerDef *cont)
{
    return cont->type == VS_DOMAIN_CONTROLLER_PCI &&
        (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCI_ROOT ||
         cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT);
}


/* Controllers written without an index take the lowest one their type
 * has free, in document order, as libvirt numbers them. Index 0 of the
 * PCI controllers belongs to the root bus: when the XML names no root,
 * the implicit one added later takes it, and other PCI controllers
 * start at 1. */
static void
vsDomainDefNumberControllers(vsDomainDef *def)
{
    gboolean rootGiven = FALSE;
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == VS_DOMAIN_CONTROLLER_PCI &&
            (cont->idx == 0 || vsDomainControllerIsPCIRoot(cont)))
            rootGiven = TRUE;
    }

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);
        unsigned int idx = 0;

        if (cont->idx != G_MAXUINT)
            continue;
        if (cont->type == VS_DOMAIN_CONTROLLER_PCI && !rootGiven &&
            cont->model != VS_DOMAIN_CONTROLLER_MODEL_DEFAULT)
            idx = 1;
        while (vsDomainDefFindController(def, cont->type, idx))
            idx++;
        cont->idx = idx;
    }
}


static gboolean
vsDomainDefSetupControllers(vsDomainDef *def,
                            GError **error)
{
    size_t i;
    size_t j;

    vsDomainDefNumberControllers(def);
    vsDomainDefAddImplicitControllers(def);

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);
        const char *model = vsDomainControllerModelTypeToString(cont->model);

        if (!vsDomainControllerModelAllowed(def, cont)) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("controller type '%s' index %u model '%s' is not supported on machine '%s'"),
                        vsDomainControllerTypeToString(cont->type), cont->idx,
                        model ? model : "default", def->os.machine);
            return FALSE;
        }
        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT) {
            if (!cont->modelName)
                cont->modelName = g_strdup("pcie-root-port");
            if (cont->chassis < 0)
                cont->chassis = cont->idx;
        }
        for (j = 0; j < i; j++) {
            vsDomainControllerDef *other = g_ptr_array_index(def->controllers, j);

            /* The ICH9 USB functions share one bus and its index. */
            if (other->type == cont->type && other->idx == cont->idx &&
                !(vsDomainControllerIsICH9USB(other) &&
                  vsDomainControllerIsICH9USB(cont))) {
                g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                            _("controller type '%s' index %u is defined more than once"),
                            vsDomainControllerTypeToString(cont->type),
                            cont->idx);
                return FALSE;
            }
        }
    }

    g_ptr_array_sort(def->controllers, vsDomainControllerCompare);
    return TRUE;
}


static void
vsDomainDefSetupInputs(vsDomainDef *def)
{
    gboolean have[VS_DOMAIN_INPUT_LAST] = { FALSE };
    size_t i;

    for (i = 0; i < def->inputs->len; i++) {
        vsDomainInputDef *input = g_ptr_array_index(def->inputs, i);

        have[input->type] = TRUE;
    }

    /* The i8042 controller of every x86 PC has both. */
    for (i = 0; i < VS_DOMAIN_INPUT_LAST; i++) {
        if (!have[i])
            g_ptr_array_add(def->inputs, vsDomainInputDefNew(i));
    }
}


/* The fixed places of the chipset's own functions. */
static void
vsDomainDefSetupFixedAddresses(vsDomainDef *def)
{
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->info.type != VS_DOMAIN_ADDRESS_NONE)
            continue;
        if (cont->type == VS_DOMAIN_CONTROLLER_IDE)
            vsDomainSetPCIAddress(&cont->info, 0, 1, 1);
        else if (cont->type == VS_DOMAIN_CONTROLLER_SATA)
            vsDomainSetPCIAddress(&cont->info, 0, VS_PCI_Q35_ICH9_SLOT, 2);
        else if (!q35 && cont->model == VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI)
            vsDomainSetPCIAddress(&cont->info, 0, 1, 2);
    }
}


/* A device that needs a PCI address. PCI Express endpoints go to a free
 * pcie-root-port on q35 when there is one, as libvirt places them;
 * conventional PCI devices, and everything when no port is free, go to
 * the root bus. */
typedef struct {
    vsDomainDeviceInfo *info;
    gboolean pcie;
} vsDomainPCIDevice;


static void
vsDomainPCIDevicesAdd(GArray *devs,
                      vsDomainDeviceInfo *info,
                      gboolean pcie)
{
    vsDomainPCIDevice dev = { .info = info, .pcie = pcie };

    g_array_append_val(devs, dev);
}


/* Every device that needs a PCI address, in libvirt's order of
 * assignment: controllers, interfaces, sound cards, disks, balloon, RNGs,
 * watchdogs, secondary video cards, virtio input devices. */
static int
vsDomainControllerCompareOrder(gconstpointer a,
                               gconstpointer b)
{
    const vsDomainControllerDef *ca = *(vsDomainControllerDef *const *) a;
    const vsDomainControllerDef *cb = *(vsDomainControllerDef *const *) b;

    if (ca->order != cb->order)
        return ca->order < cb->order ? -1 : 1;
    return 0;
}


static GArray *
vsDomainDefCollectPCIDevices(vsDomainDef *def)
{
    GArray *devs = g_array_new(FALSE, FALSE, sizeof(vsDomainPCIDevice));
    g_autoptr(GPtrArray) conts = g_ptr_array_sized_new(def->controllers->len);
    size_t i;

    for (i = 0; i < def->controllers->len; i++)
        g_ptr_array_add(conts, g_ptr_array_index(def->controllers, i));
    /* libvirt assigns controllers in the order of its list, where those
     * of the XML keep their order and implicit ones come last. */
    g_ptr_array_sort(conts, vsDomainControllerCompareOrder);
    for (i = 0; i < conts->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(conts, i);

        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT ||
            cont->model == VS_DOMAIN_CONTROLLER_MODEL_PIIX3_UHCI ||
            vsDomainControllerIsICH9USB(cont))
            vsDomainPCIDevicesAdd(devs, &cont->info, FALSE);
        else if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_QEMU_XHCI ||
                 cont->model == VS_DOMAIN_CONTROLLER_MODEL_VIRTIO_SCSI ||
                 cont->type == VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL)
            vsDomainPCIDevicesAdd(devs, &cont->info, TRUE);
    }
    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);

        vsDomainPCIDevicesAdd(devs, &net->info,
                              net->model == VS_DOMAIN_NET_MODEL_VIRTIO ||
                              net->model == VS_DOMAIN_NET_MODEL_E1000E);
    }
    for (i = 0; i < def->sounds->len; i++) {
        vsDomainSoundDef *sound = g_ptr_array_index(def->sounds, i);

        vsDomainPCIDevicesAdd(devs, &sound->info, FALSE);
    }
    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (disk->bus == VS_DOMAIN_DISK_BUS_VIRTIO)
            vsDomainPCIDevicesAdd(devs, &disk->info, TRUE);
    }
    if (def->memballoon.model == VS_DOMAIN_MEMBALLOON_VIRTIO)
        vsDomainPCIDevicesAdd(devs, &def->memballoon.info, TRUE);
    for (i = 0; i < def->rngs->len; i++) {
        vsDomainRNGDef *rng = g_ptr_array_index(def->rngs, i);

        vsDomainPCIDevicesAdd(devs, &rng->info, TRUE);
    }
    for (i = 0; i < def->watchdogs->len; i++) {
        vsDomainWatchdogDef *wd = g_ptr_array_index(def->watchdogs, i);

        if (wd->model == VS_DOMAIN_WATCHDOG_I6300ESB)
            vsDomainPCIDevicesAdd(devs, &wd->info, FALSE);
    }
    for (i = 0; i < def->videos->len; i++) {
        vsDomainVideoDef *video = g_ptr_array_index(def->videos, i);

        /* ramfb is no PCI device; the primary card has its fixed slot. */
        if (video->model != VS_DOMAIN_VIDEO_RAMFB)
            vsDomainPCIDevicesAdd(devs, &video->info,
                                  video->model == VS_DOMAIN_VIDEO_VIRTIO);
    }
    for (i = 0; i < def->inputDevs->len; i++) {
        vsDomainInputDevDef *input = g_ptr_array_index(def->inputDevs, i);

        if (input->bus == VS_DOMAIN_INPUT_BUS_VIRTIO)
            vsDomainPCIDevicesAdd(devs, &input->info, TRUE);
    }
    return devs;
}


static gboolean
vsDomainDefCheckPCIAddress(const vsDomainDef *def,
                           const vsDomainDeviceInfo *info,
                           GError **error)
{
    vsDomainControllerDef *bus;

    bus = vsDomainDefFindController(def, VS_DOMAIN_CONTROLLER_PCI, info->bus);
    if (info->domain != 0 || !bus || info->slot > VS_PCI_SLOT_MAX ||
        info->function > VS_PCI_FUNCTION_MAX ||
        (info->bus == 0 && info->slot == 0) ||
        (info->bus != 0 && info->slot != 0)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("PCI address %04x:%02x:%02x.%x is not available on this machine"),
                    info->domain, info->bus, info->slot, info->function);
        return FALSE;
    }
    return TRUE;
}


#define VS_PCI_USED_SLOT(bus, slot) GUINT_TO_POINTER(0x10000 | ((bus) << 8) | (slot))


static gboolean
vsDomainDefClaimPCIAddress(GHashTable *used,
                           const vsDomainDeviceInfo *info,
                           GError **error)
{
    guint key = (info->bus << 8) | (info->slot << 3) | info->function;

    if (!g_hash_table_add(used, GUINT_TO_POINTER(key + 1))) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("PCI address %04x:%02x:%02x.%x is used by more than one device"),
                    info->domain, info->bus, info->slot, info->function);
        return FALSE;
    }
    /* Remember the slot as taken for automatic assignment. */
    g_hash_table_add(used, VS_PCI_USED_SLOT(info->bus, info->slot));
    return TRUE;
}


static unsigned int
vsDomainDefFreeRootSlot(const vsDomainDef *def,
                        GHashTable *used)
{
    gboolean q35 = def->os.family == VS_DOMAIN_MACHINE_Q35;
    unsigned int slot = q35 ? VS_PCI_Q35_FIRST_FREE : VS_PCI_I440FX_FIRST_FREE;

    for (; slot <= VS_PCI_SLOT_MAX; slot++) {
        if (q35 && slot == VS_PCI_Q35_ICH9_SLOT)
            continue;
        if (!g_hash_table_contains(used, VS_PCI_USED_SLOT(0, slot)))
            return slot;
    }
    return 0;
}


/* The first pcie-root-port, by index, with nothing on its bus yet. */
static int
vsDomainDefFreeRootPort(const vsDomainDef *def,
                        GHashTable *used)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT &&
            cont->info.type == VS_DOMAIN_ADDRESS_PCI &&
            !g_hash_table_contains(used, VS_PCI_USED_SLOT(cont->idx, 0)))
            return cont->idx;
    }
    return -1;
}


static gboolean
vsDomainDefAssignPCISlot(const vsDomainDef *def,
                         GHashTable *used,
                         const vsDomainPCIDevice *dev,
                         GError **error)
{
    int port = dev->pcie ? vsDomainDefFreeRootPort(def, used) : -1;
    unsigned int slot;

    if (port > 0) {
        vsDomainSetPCIAddress(dev->info, port, 0, 0);
        return vsDomainDefClaimPCIAddress(used, dev->info, error);
    }
    if (!(slot = vsDomainDefFreeRootSlot(def, used))) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("no free PCI slot is left on the root bus"));
        return FALSE;
    }
    vsDomainSetPCIAddress(dev->info, 0, slot, 0);
    return vsDomainDefClaimPCIAddress(used, dev->info, error);
}


/* libvirt gathers pcie-root-ports without an address as the functions of
 * as few root bus slots as possible, function 0 marked multifunction. */
static gboolean
vsDomainDefAssignRootPortSlots(vsDomainDef *def,
                               GHashTable *used,
                               GError **error)
{
    vsDomainControllerDef *group[VS_PCI_FUNCTION_MAX + 1];
    size_t n = 0;
    size_t i = 0;
    size_t f;

    for (;;) {
        vsDomainControllerDef *cont = NULL;
        unsigned int slot;

        for (; i < def->controllers->len && !cont; i++) {
            vsDomainControllerDef *c = g_ptr_array_index(def->controllers, i);

            if (c->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT &&
                c->info.type == VS_DOMAIN_ADDRESS_NONE)
                cont = c;
        }
        if (cont)
            group[n++] = cont;
        if (n == 0)
            return TRUE;
        if (cont && n < G_N_ELEMENTS(group))
            continue;
        if (!(slot = vsDomainDefFreeRootSlot(def, used))) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("no free PCI slot is left on the root bus"));
            return FALSE;
        }
        for (f = 0; f < n; f++) {
            vsDomainSetPCIAddress(&group[f]->info, 0, slot, f);
            if (f == 0 && n > 1)
                group[f]->info.multifunction = VS_DOMAIN_TRISTATE_ON;
            if (!vsDomainDefClaimPCIAddress(used, &group[f]->info, error))
                return FALSE;
        }
        if (!cont)
            return TRUE;
        n = 0;
    }
}


static gboolean
vsDomainDefAssignPCIAddresses(vsDomainDef *def,
                              GError **error)
{
    g_autoptr(GArray) devs = vsDomainDefCollectPCIDevices(def);
    g_autoptr(GHashTable) used = g_hash_table_new(NULL, NULL);
    size_t i;

    /* Slots the chipset occupies, and the display slot. */
    g_hash_table_add(used, VS_PCI_USED_SLOT(0, 0));
    g_hash_table_add(used, VS_PCI_USED_SLOT(0, 1));
    if (def->os.family == VS_DOMAIN_MACHINE_I440FX)
        g_hash_table_add(used, VS_PCI_USED_SLOT(0, 2));

    for (i = 0; i < devs->len; i++) {
        vsDomainDeviceInfo *info = g_array_index(devs, vsDomainPCIDevice, i).info;

        if (info->type == VS_DOMAIN_ADDRESS_DRIVE) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("a PCI device cannot have a drive address"));
            return FALSE;
        }
        if (info->type != VS_DOMAIN_ADDRESS_PCI)
            continue;
        if (!vsDomainDefCheckPCIAddress(def, info, error) ||
            !vsDomainDefClaimPCIAddress(used, info, error))
            return FALSE;
    }

    if (!vsDomainDefAssignRootPortSlots(def, used, error))
        return FALSE;
    for (i = 0; i < devs->len; i++) {
        vsDomainPCIDevice *dev = &g_array_index(devs, vsDomainPCIDevice, i);

        if (dev->info->type == VS_DOMAIN_ADDRESS_NONE &&
            !vsDomainDefAssignPCISlot(def, used, dev, error))
            return FALSE;
    }
    return TRUE;
}


static void
vsDomainDefSetupRootPorts(vsDomainDef *def)
{
    size_t i;

    /* QEMU's PCIe port number defaults to the slot and function of the
     * port, as libvirt chooses it. */
    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT &&
            cont->port < 0)
            cont->port = (cont->info.slot << 3) | cont->info.function;
    }
}


static void
vsDomainSetAlias(vsDomainDeviceInfo *info,
                 char *alias)
{
    g_free(info->alias);
    info->alias = alias;
}


static char *
vsDomainDiskAlias(const vsDomainDiskDef *disk)
{
    switch (disk->bus) {
    case VS_DOMAIN_DISK_BUS_VIRTIO:
        return g_strdup_printf("virtio-disk%d",
                               vsDomainDiskNameToIndex(disk->dst));
    case VS_DOMAIN_DISK_BUS_IDE:
        return g_strdup_printf("ide0-%u-%u", disk->info.driveBus,
                               disk->info.unit);
    case VS_DOMAIN_DISK_BUS_SATA:
        return g_strdup_printf("sata0-0-%u", disk->info.unit);
    case VS_DOMAIN_DISK_BUS_SCSI:
        return g_strdup_printf("scsi%u-%u-%u-%u", disk->info.controller,
                               disk->info.driveBus, disk->info.target,
                               disk->info.unit);
    case VS_DOMAIN_DISK_BUS_LAST:
        break;
    }
    g_assert_not_reached();
}


static char *
vsDomainControllerAlias(const vsDomainDef *def,
                        const vsDomainControllerDef *cont)
{
    switch (cont->type) {
    case VS_DOMAIN_CONTROLLER_USB:
        return g_strdup("usb");
    case VS_DOMAIN_CONTROLLER_PCI:
        if (cont->idx == 0)
            return g_strdup(vsDomainDefPCIRootBusName(def));
        return g_strdup_printf("pci.%u", cont->idx);
    case VS_DOMAIN_CONTROLLER_IDE:
    case VS_DOMAIN_CONTROLLER_SATA:
        /* QEMU names the buses of both built-in controllers "ide.N". */
        return g_strdup("ide");
    case VS_DOMAIN_CONTROLLER_VIRTIO_SERIAL:
        return g_strdup_printf("virtio-serial%u", cont->idx);
    case VS_DOMAIN_CONTROLLER_SCSI:
        return g_strdup_printf("scsi%u", cont->idx);
    case VS_DOMAIN_CONTROLLER_LAST:
        break;
    }
    g_assert_not_reached();
}


/* Device ids follow libvirt's aliases: QEMU keys some device state by
 * them, and users know them from libvirt. */
static void
vsDomainDefAssignAliases(vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);
        vsDomainSetAlias(&disk->info, vsDomainDiskAlias(disk));
    }
    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);
        vsDomainSetAlias(&cont->info, vsDomainControllerAlias(def, cont));
    }
    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        vsDomainSetAlias(&net->info, g_strdup_printf("net%zu", i));
    }
    for (i = 0; i < def->serials->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->serials, i);
        vsDomainSetAlias(&chr->info, g_strdup_printf("serial%u", chr->port));
    }
    for (i = 0; i < def->consoles->len; i++) {
        vsDomainChrDef *chr = g_ptr_array_index(def->consoles, i);
        vsDomainSetAlias(&chr->info, g_strdup_printf("console%zu", i));
    }
    for (i = 0; i < def->rngs->len; i++) {
        vsDomainRNGDef *rng = g_ptr_array_index(def->rngs, i);
        vsDomainSetAlias(&rng->info, g_strdup_printf("rng%zu", i));
    }
    vsDomainSetAlias(&def->memballoon.info, g_strdup("balloon0"));
}


/**
 * vsDomainDefPostParse:
 * @def: a definition fresh from the parser
 * @error: return location for a #GError
 *
 * Fills in libvirt's defaults (machine, memory alignment, boot device,
 * implicit controllers and input devices, serial ports, drive and PCI
 * addresses, aliases) and checks the rules that involve more than one
 * element.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDefPostParse(vsDomainDef *def,
                     GError **error)
{
    if (!vsDomainDefValidateName(def->name, error) ||
        !vsDomainDefSetupMachine(def, error) ||
        !vsDomainDefSetupMemory(def, error) ||
        !vsDomainDefSetupCPU(def, error) ||
        !vsDomainDefSetupLifecycle(def, error) ||
        !vsDomainDefSetupDisks(def, error) ||
        !vsDomainDefSetupBoot(def, error) ||
        !vsDomainDefSetupSerialPorts(def, error) ||
        !vsDomainDefSetupConsoles(def, error) ||
        !vsDomainDefSetupPlatform(def, error) ||
        !vsDomainDefSetupDevices(def, error) ||
        !vsDomainDefSetupControllers(def, error) ||
        !vsDomainDefCheckStorageControllers(def, error))
        return FALSE;

    vsDomainDefSetupInputs(def);
    vsDomainDefSetupFixedAddresses(def);
    vsDomainDefSetupUSBFixedAddresses(def);
    vsDomainDefSetupDeviceFixedAddresses(def);
    if (!vsDomainDefAssignPCIAddresses(def, error))
        return FALSE;
    vsDomainDefSetupRootPorts(def);
    vsDomainDefAssignAliases(def);
    vsDomainDefAssignDeviceAliases(def);

    VS_DEBUG("domain '%s': %u disks, %u interfaces, %u controllers",
             def->name, def->disks->len, def->nets->len,
             def->controllers->len);
    return TRUE;
}
