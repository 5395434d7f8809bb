/*
 * domain_format.c: vsDomainDef to canonical domain XML
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The output follows libvirt's layout (element order, two-space
 * indentation, single-quoted attributes, memory in KiB), so that tools
 * comparing XML from both see the same text, and it is canonical: the
 * same model always formats to the same bytes.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include "vserror.h"
#include "vsinternal.h"


/**
 * vsBufIndent:
 *
 * Appends two spaces per @level.
 */
void
vsBufIndent(GString *buf,
            unsigned int level)
{
    unsigned int i;

    for (i = 0; i < level; i++)
        g_string_append(buf, "  ");
}


/**
 * vsBufLine:
 *
 * Appends one indented, formatted line.
 */
void
vsBufLine(GString *buf,
          unsigned int level,
          const char *fmt,
          ...)
{
    va_list args;

    vsBufIndent(buf, level);
    va_start(args, fmt);
    g_string_append_vprintf(buf, fmt, args);
    va_end(args);
    g_string_append_c(buf, '\n');
}


/**
 * vsBufTextElement:
 *
 * Appends <@name>escaped text</@name> on its own line; nothing for NULL.
 */
void
vsBufTextElement(GString *buf,
                 unsigned int level,
                 const char *name,
                 const char *text)
{
    g_autofree char *esc = NULL;

    if (!text)
        return;
    esc = g_markup_escape_text(text, -1);
    vsBufLine(buf, level, "<%s>%s</%s>", name, esc, name);
}


/**
 * vsBufAttr:
 *
 * Appends " name='escaped value'" when @value is not NULL.
 */
void
vsBufAttr(GString *buf,
          const char *name,
          const char *value)
{
    g_autofree char *esc = NULL;

    if (!value)
        return;
    esc = g_markup_escape_text(value, -1);
    g_string_append_printf(buf, " %s='%s'", name, esc);
}


/**
 * vsDomainFormatShowAlias:
 *
 * Returns: whether device aliases belong in this output.
 */
gboolean
vsDomainFormatShowAlias(const vsDomainFormatCtxt *ctxt)
{
    return !(ctxt->flags & VS_DOMAIN_DEF_FORMAT_INACTIVE) ||
        (ctxt->flags & VS_DOMAIN_DEF_FORMAT_STATUS);
}


/**
 * vsDomainDeviceInfoHasBody:
 *
 * Returns: whether the device needs an element body for its alias or
 * address.
 */
gboolean
vsDomainDeviceInfoHasBody(const vsDomainFormatCtxt *ctxt,
                          const vsDomainDeviceInfo *info)
{
    return info->type != VS_DOMAIN_ADDRESS_NONE ||
        (info->alias && vsDomainFormatShowAlias(ctxt));
}


/**
 * vsDomainFormatDeviceInfo:
 *
 * Appends the alias and address of a device at @level.
 */
void
vsDomainFormatDeviceInfo(vsDomainFormatCtxt *ctxt,
                         const vsDomainDeviceInfo *info,
                         unsigned int level)
{
    GString *buf = ctxt->buf;

    if (info->alias && vsDomainFormatShowAlias(ctxt))
        vsBufLine(buf, level, "<alias name='%s'/>", info->alias);

    switch (info->type) {
    case VS_DOMAIN_ADDRESS_PCI:
        vsBufIndent(buf, level);
        g_string_append_printf(buf, "<address type='pci' domain='0x%04x' "
                               "bus='0x%02x' slot='0x%02x' function='0x%x'",
                               info->domain, info->bus, info->slot,
                               info->function);
        vsBufAttr(buf, "multifunction",
                  vsDomainTristateOnOffTypeToString(info->multifunction));
        g_string_append(buf, "/>\n");
        break;
    case VS_DOMAIN_ADDRESS_DRIVE:
        vsBufLine(buf, level, "<address type='drive' controller='%u' "
                  "bus='%u' target='%u' unit='%u'/>",
                  info->controller, info->driveBus, info->target, info->unit);
        break;
    case VS_DOMAIN_ADDRESS_NONE:
    case VS_DOMAIN_ADDRESS_LAST:
        break;
    }
}


static void
vsDomainFormatGeneral(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;
    char uuid[VS_UUID_STRING_BUFLEN];

    vsBufTextElement(buf, 1, "name", def->name);
    vsBufLine(buf, 1, "<uuid>%s</uuid>", vsUUIDFormat(def->uuid, uuid));
    vsBufTextElement(buf, 1, "title", def->title);
    vsBufTextElement(buf, 1, "description", def->description);

    if (def->metadata && *def->metadata) {
        /* Already laid out for this depth by the parser. */
        vsBufLine(buf, 1, "<metadata>");
        vsBufLine(buf, 2, "%s", def->metadata);
        vsBufLine(buf, 1, "</metadata>");
    } else if (def->metadata) {
        vsBufLine(buf, 1, "<metadata/>");
    }

    vsBufLine(buf, 1, "<memory unit='KiB'>%llu</memory>", def->maxMemory);
    vsBufLine(buf, 1, "<currentMemory unit='KiB'>%llu</currentMemory>",
              def->curMemory);
    if (def->vcpusCurrent && def->vcpusCurrent != def->vcpus)
        vsBufLine(buf, 1, "<vcpu placement='static' current='%u'>%u</vcpu>",
                  def->vcpusCurrent, def->vcpus);
    else
        vsBufLine(buf, 1, "<vcpu placement='static'>%u</vcpu>", def->vcpus);

    if (def->resourcePartition) {
        vsBufLine(buf, 1, "<resource>");
        vsBufTextElement(buf, 2, "partition", def->resourcePartition);
        vsBufLine(buf, 1, "</resource>");
    }
}


static void
vsDomainFormatOS(vsDomainFormatCtxt *ctxt)
{
    const vsDomainOSDef *os = &ctxt->def->os;
    GString *buf = ctxt->buf;
    size_t i;

    vsBufIndent(buf, 1);
    g_string_append(buf, "<os");
    if (!vsDomainFormatFirmwareResolved(ctxt))
        vsBufAttr(buf, "firmware",
                  vsDomainOSFirmwareTypeToString(ctxt->def->fw.firmware));
    g_string_append(buf, ">\n");
    vsBufIndent(buf, 2);
    g_string_append(buf, "<type");
    vsBufAttr(buf, "arch", vsDomainArchTypeToString(os->arch));
    vsBufAttr(buf, "machine", os->machine);
    g_string_append(buf, ">hvm</type>\n");
    vsDomainFormatFirmware(ctxt);
    vsBufTextElement(buf, 2, "kernel", os->kernel);
    vsBufTextElement(buf, 2, "initrd", os->initrd);
    vsBufTextElement(buf, 2, "cmdline", os->cmdline);
    for (i = 0; i < os->nboot; i++)
        vsBufLine(buf, 2, "<boot dev='%s'/>",
                  vsDomainBootTypeToString(os->boot[i]));
    vsBufLine(buf, 1, "</os>");
}


static void
vsDomainFormatFeatures(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;

    if (def->acpi == VS_DOMAIN_TRISTATE_ABSENT &&
        def->apic == VS_DOMAIN_TRISTATE_ABSENT &&
        def->pae == VS_DOMAIN_TRISTATE_ABSENT &&
        def->vmport == VS_DOMAIN_TRISTATE_ABSENT &&
        def->smm == VS_DOMAIN_TRISTATE_ABSENT &&
        !def->hyperv.present)
        return;

    vsBufLine(buf, 1, "<features>");
    if (def->acpi == VS_DOMAIN_TRISTATE_ON)
        vsBufLine(buf, 2, "<acpi/>");
    if (def->apic == VS_DOMAIN_TRISTATE_ON)
        vsBufLine(buf, 2, "<apic/>");
    if (def->pae == VS_DOMAIN_TRISTATE_ON)
        vsBufLine(buf, 2, "<pae/>");
    vsDomainFormatPlatformFeatures(ctxt);
    if (def->vmport != VS_DOMAIN_TRISTATE_ABSENT)
        vsBufLine(buf, 2, "<vmport state='%s'/>",
                  vsDomainTristateOnOffTypeToString(def->vmport));
    if (def->smm != VS_DOMAIN_TRISTATE_ABSENT)
        vsBufLine(buf, 2, "<smm state='%s'/>",
                  vsDomainTristateOnOffTypeToString(def->smm));
    vsBufLine(buf, 1, "</features>");
}


static void
vsDomainFormatCPU(vsDomainFormatCtxt *ctxt)
{
    const vsDomainCPUDef *cpu = &ctxt->def->cpu;
    GString *buf = ctxt->buf;
    gboolean body = cpu->model || cpu->sockets || cpu->features->len;
    size_t i;

    if (cpu->mode == VS_DOMAIN_CPU_MODE_NONE)
        return;

    vsBufIndent(buf, 1);
    g_string_append(buf, "<cpu");
    vsBufAttr(buf, "mode", vsDomainCPUModeTypeToString(cpu->mode));
    vsBufAttr(buf, "match", vsDomainCPUMatchTypeToString(cpu->match));
    vsBufAttr(buf, "check", vsDomainCPUCheckTypeToString(cpu->check));
    vsBufAttr(buf, "migratable",
              vsDomainTristateOnOffTypeToString(cpu->migratable));
    g_string_append(buf, body ? ">\n" : "/>\n");
    if (!body)
        return;

    if (cpu->model) {
        g_autofree char *esc = g_markup_escape_text(cpu->model, -1);

        vsBufIndent(buf, 2);
        g_string_append(buf, "<model");
        vsBufAttr(buf, "fallback",
                  vsDomainCPUFallbackTypeToString(cpu->fallback));
        g_string_append_printf(buf, ">%s</model>\n", esc);
    }
    if (cpu->sockets)
        vsBufLine(buf, 2, "<topology sockets='%u' dies='%u' clusters='%u' "
                  "cores='%u' threads='%u'/>", cpu->sockets, cpu->dies,
                  cpu->clusters, cpu->cores, cpu->threads);
    for (i = 0; i < cpu->features->len; i++) {
        vsDomainCPUFeature *feature = g_ptr_array_index(cpu->features, i);
        g_autofree char *esc = g_markup_escape_text(feature->name, -1);

        vsBufLine(buf, 2, "<feature policy='%s' name='%s'/>",
                  vsDomainCPUFeaturePolicyTypeToString(feature->policy), esc);
    }
    vsBufLine(buf, 1, "</cpu>");
}


static void
vsDomainFormatLifecycle(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;

    vsDomainFormatTimers(ctxt);
    vsBufLine(buf, 1, "<on_poweroff>%s</on_poweroff>",
              vsDomainLifecycleTypeToString(def->onPoweroff));
    vsBufLine(buf, 1, "<on_reboot>%s</on_reboot>",
              vsDomainLifecycleTypeToString(def->onReboot));
    vsBufLine(buf, 1, "<on_crash>%s</on_crash>",
              vsDomainLifecycleTypeToString(def->onCrash));

    if (def->pmSuspendToMem == VS_DOMAIN_TRISTATE_ABSENT &&
        def->pmSuspendToDisk == VS_DOMAIN_TRISTATE_ABSENT)
        return;
    vsBufLine(buf, 1, "<pm>");
    if (def->pmSuspendToMem != VS_DOMAIN_TRISTATE_ABSENT)
        vsBufLine(buf, 2, "<suspend-to-mem enabled='%s'/>",
                  vsDomainTristateYesNoTypeToString(def->pmSuspendToMem));
    if (def->pmSuspendToDisk != VS_DOMAIN_TRISTATE_ABSENT)
        vsBufLine(buf, 2, "<suspend-to-disk enabled='%s'/>",
                  vsDomainTristateYesNoTypeToString(def->pmSuspendToDisk));
    vsBufLine(buf, 1, "</pm>");
}


static void
vsDomainFormatDisk(vsDomainFormatCtxt *ctxt,
                   const vsDomainDiskDef *disk)
{
    GString *buf = ctxt->buf;

    vsBufLine(buf, 2, "<disk type='%s' device='%s'>",
              disk->block ? "block" : "file",
              vsDomainDiskDeviceTypeToString(disk->device));
    vsBufIndent(buf, 3);
    g_string_append_printf(buf, "<driver name='qemu' type='%s'",
                           vsDomainDiskFormatTypeToString(disk->format));
    vsBufAttr(buf, "cache", vsDomainDiskCacheTypeToString(disk->cache));
    vsBufAttr(buf, "io", vsDomainDiskIOTypeToString(disk->io));
    vsBufAttr(buf, "discard", vsDomainDiskDiscardTypeToString(disk->discard));
    vsBufAttr(buf, "detect_zeroes",
              vsDomainDiskDetectZeroesTypeToString(disk->detectZeroes));
    g_string_append(buf, "/>\n");
    if (disk->src) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<source");
        vsBufAttr(buf, disk->block ? "dev" : "file", disk->src);
        g_string_append(buf, "/>\n");
        vsDomainFormatDiskBackingStore(ctxt, disk);
    }
    vsBufIndent(buf, 3);
    g_string_append(buf, "<target");
    vsBufAttr(buf, "dev", disk->dst);
    vsBufAttr(buf, "bus", vsDomainDiskBusTypeToString(disk->bus));
    g_string_append(buf, "/>\n");
    if (disk->bootIndex)
        vsBufLine(buf, 3, "<boot order='%u'/>", disk->bootIndex);
    if (disk->readonly)
        vsBufLine(buf, 3, "<readonly/>");
    if (disk->shareable)
        vsBufLine(buf, 3, "<shareable/>");
    if (disk->serial) {
        g_autofree char *serial = g_markup_escape_text(disk->serial, -1);
        vsBufLine(buf, 3, "<serial>%s</serial>", serial);
    }
    vsDomainFormatDeviceInfo(ctxt, &disk->info, 3);
    vsBufLine(buf, 2, "</disk>");
}


static void
vsDomainFormatController(vsDomainFormatCtxt *ctxt,
                         const vsDomainControllerDef *cont)
{
    GString *buf = ctxt->buf;
    gboolean rootPort = cont->model == VS_DOMAIN_CONTROLLER_MODEL_PCIE_ROOT_PORT;
    gboolean body = rootPort || cont->queues || cont->startport >= 0;

    if ((ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE) &&
        vsDomainControllerIsImplicit(ctxt->def, cont))
        return;

    vsBufIndent(buf, 2);
    g_string_append_printf(buf, "<controller type='%s' index='%u'",
                           vsDomainControllerTypeToString(cont->type),
                           cont->idx);
    vsBufAttr(buf, "model", vsDomainControllerModelTypeToString(cont->model));
    if (cont->ports)
        g_string_append_printf(buf, " ports='%u'", cont->ports);

    if (!body && !vsDomainDeviceInfoHasBody(ctxt, &cont->info)) {
        g_string_append(buf, "/>\n");
        return;
    }
    g_string_append(buf, ">\n");
    if (rootPort) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<model");
        vsBufAttr(buf, "name", cont->modelName);
        g_string_append(buf, "/>\n");
        vsBufLine(buf, 3, "<target chassis='%d' port='0x%x'/>",
                  cont->chassis, (unsigned int) cont->port);
    }
    if (cont->queues)
        vsBufLine(buf, 3, "<driver queues='%u'/>", cont->queues);
    if (cont->startport >= 0)
        vsBufLine(buf, 3, "<master startport='%d'/>", cont->startport);
    vsDomainFormatDeviceInfo(ctxt, &cont->info, 3);
    vsBufLine(buf, 2, "</controller>");
}


static void
vsDomainFormatNet(vsDomainFormatCtxt *ctxt,
                  const vsDomainNetDef *net)
{
    GString *buf = ctxt->buf;
    char mac[VS_MAC_STRING_BUFLEN];

    gboolean live = !(ctxt->flags & VS_DOMAIN_DEF_FORMAT_INACTIVE) ||
        (ctxt->flags & VS_DOMAIN_DEF_FORMAT_STATUS);
    const char *ifname = net->ifname;

    /* A generated tap name is shown only while it exists, and, as with
     * libvirt, not in migratable XML (save images). */
    if (ifname && !net->unmanagedTap &&
        (!live || ((ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE) &&
                   !(ctxt->flags & VS_DOMAIN_DEF_FORMAT_STATUS))) &&
        g_str_has_prefix(ifname, VS_DOMAIN_NET_GENERATED_PREFIX))
        ifname = NULL;

    vsBufLine(buf, 2, "<interface type='%s'>",
              vsDomainNetTypeTypeToString(net->type));
    vsBufLine(buf, 3, "<mac address='%s'/>", vsDomainMacFormat(net->mac, mac));
    if (net->bridge || net->network) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<source");
        vsBufAttr(buf, "network", net->network);
        vsBufAttr(buf, "bridge", net->bridge ? net->bridge :
                  live ? net->actualBridge : NULL);
        g_string_append(buf, "/>\n");
    }
    if (ifname || net->unmanagedTap) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<target");
        vsBufAttr(buf, "dev", ifname);
        if (net->unmanagedTap)
            g_string_append(buf, " managed='no'");
        g_string_append(buf, "/>\n");
    }
    if (net->model != VS_DOMAIN_NET_MODEL_DEFAULT)
        vsBufLine(buf, 3, "<model type='%s'/>",
                  vsDomainNetModelTypeToString(net->model));
    if (net->backend != VS_DOMAIN_NET_BACKEND_DEFAULT)
        vsBufLine(buf, 3, "<driver name='%s'/>",
                  vsDomainNetBackendTypeToString(net->backend));
    if (net->linkDown)
        vsBufLine(buf, 3, "<link state='down'/>");
    if (net->mtu)
        vsBufLine(buf, 3, "<mtu size='%u'/>", net->mtu);
    if (net->bootIndex)
        vsBufLine(buf, 3, "<boot order='%u'/>", net->bootIndex);
    vsDomainFormatDeviceInfo(ctxt, &net->info, 3);
    vsBufLine(buf, 2, "</interface>");
}


static void
vsDomainFormatChr(vsDomainFormatCtxt *ctxt,
                  const vsDomainChrDef *chr,
                  gboolean console)
{
    const char *element = console ? "console" : "serial";
    GString *buf = ctxt->buf;

    /* The pty of a running domain, as libvirt shows it in live XML. */
    const char *pty = chr->type == VS_DOMAIN_CHR_PTY &&
        !(ctxt->flags & VS_DOMAIN_DEF_FORMAT_INACTIVE) ? chr->ptyPath : NULL;

    vsBufIndent(buf, 2);
    g_string_append_printf(buf, "<%s type='%s'", element,
                           vsDomainChrTypeToString(chr->type));
    if (console)
        vsBufAttr(buf, "tty", pty);
    g_string_append(buf, ">\n");
    if (pty) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<source");
        vsBufAttr(buf, "path", pty);
        g_string_append(buf, "/>\n");
    }
    if (chr->type == VS_DOMAIN_CHR_FILE) {
        vsBufIndent(buf, 3);
        g_string_append(buf, "<source");
        vsBufAttr(buf, "path", chr->path);
        vsBufAttr(buf, "append",
                  vsDomainTristateOnOffTypeToString(chr->append));
        g_string_append(buf, "/>\n");
    }
    if (console) {
        vsBufLine(buf, 3, "<target type='serial' port='%u'/>", chr->port);
    } else {
        vsBufLine(buf, 3, "<target type='isa-serial' port='%u'>", chr->port);
        vsBufLine(buf, 4, "<model name='isa-serial'/>");
        vsBufLine(buf, 3, "</target>");
    }
    vsDomainFormatDeviceInfo(ctxt, &chr->info, 3);
    vsBufLine(buf, 2, "</%s>", element);
}


static void
vsDomainFormatBalloonAndRNG(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    const vsDomainMemballoonDef *balloon = &def->memballoon;
    GString *buf = ctxt->buf;
    size_t i;

    if (balloon->model == VS_DOMAIN_MEMBALLOON_NONE) {
        vsBufLine(buf, 2, "<memballoon model='none'/>");
    } else {
        vsBufLine(buf, 2, "<memballoon model='virtio'>");
        vsDomainFormatDeviceInfo(ctxt, &balloon->info, 3);
        vsBufLine(buf, 2, "</memballoon>");
    }

    for (i = 0; i < def->rngs->len; i++) {
        vsDomainRNGDef *rng = g_ptr_array_index(def->rngs, i);

        vsBufLine(buf, 2, "<rng model='virtio'>");
        vsBufIndent(buf, 3);
        if (rng->source) {
            g_autofree char *esc = g_markup_escape_text(rng->source, -1);

            g_string_append_printf(buf, "<backend model='random'>%s</backend>\n",
                                   esc);
        } else {
            g_string_append(buf, "<backend model='random'/>\n");
        }
        vsDomainFormatDeviceInfo(ctxt, &rng->info, 3);
        vsBufLine(buf, 2, "</rng>");
    }
}


static void
vsDomainFormatDevices(vsDomainFormatCtxt *ctxt)
{
    const vsDomainDef *def = ctxt->def;
    GString *buf = ctxt->buf;
    size_t i;

    vsBufLine(buf, 1, "<devices>");
    vsBufTextElement(buf, 2, "emulator", def->emulator);
    for (i = 0; i < def->disks->len; i++)
        vsDomainFormatDisk(ctxt, g_ptr_array_index(def->disks, i));
    for (i = 0; i < def->controllers->len; i++)
        vsDomainFormatController(ctxt, g_ptr_array_index(def->controllers, i));
    for (i = 0; i < def->nets->len; i++)
        vsDomainFormatNet(ctxt, g_ptr_array_index(def->nets, i));
    for (i = 0; i < def->serials->len; i++)
        vsDomainFormatChr(ctxt, g_ptr_array_index(def->serials, i), FALSE);
    for (i = 0; i < def->consoles->len; i++)
        vsDomainFormatChr(ctxt, g_ptr_array_index(def->consoles, i), TRUE);
    vsDomainFormatChannels(ctxt);
    vsDomainFormatInputDevs(ctxt);

    /* The PS/2 devices are implied by the machine; libvirt adds them
     * back to migratable XML itself. */
    if (!(ctxt->flags & VS_DOMAIN_DEF_FORMAT_MIGRATABLE)) {
        for (i = 0; i < def->inputs->len; i++) {
            vsDomainInputDef *input = g_ptr_array_index(def->inputs, i);

            vsBufLine(buf, 2, "<input type='%s' bus='ps2'/>",
                      vsDomainInputTypeToString(input->type));
        }
    }
    vsDomainFormatDisplays(ctxt);
    if (def->videoNone) {
        vsBufLine(buf, 2, "<video>");
        vsBufLine(buf, 3, "<model type='none'/>");
        vsBufLine(buf, 2, "</video>");
    }
    vsDomainFormatRedirdevsWatchdogs(ctxt);
    vsDomainFormatBalloonAndRNG(ctxt);
    vsBufLine(buf, 1, "</devices>");
}


static void
vsDomainFormatSeclabels(vsDomainFormatCtxt *ctxt)
{
    GString *buf = ctxt->buf;
    size_t i;

    for (i = 0; i < ctxt->def->seclabels->len; i++) {
        vsDomainSeclabelDef *seclabel = g_ptr_array_index(ctxt->def->seclabels, i);

        vsBufIndent(buf, 1);
        g_string_append(buf, "<seclabel");
        vsBufAttr(buf, "type", seclabel->type);
        vsBufAttr(buf, "model", seclabel->model);
        vsBufAttr(buf, "relabel",
                  vsDomainTristateYesNoTypeToString(seclabel->relabel));
        g_string_append(buf, "/>\n");
    }
}


/**
 * vsDomainDefFormat:
 * @def: a complete definition
 * @id: the running domain's id, or -1
 * @flags: bitwise-OR of #vsDomainDefFormatFlags
 * @error: return location for a #GError
 *
 * Formats @def as canonical domain XML. The id attribute appears when
 * @id is not negative and VS_DOMAIN_DEF_FORMAT_INACTIVE is not set.
 *
 * Returns: (transfer full) the XML document, or NULL with @error set.
 */
char *
vsDomainDefFormat(const vsDomainDef *def,
                  int id,
                  unsigned int flags,
                  GError **error)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    vsDomainFormatCtxt ctxt = { .buf = buf, .def = def, .flags = flags };

    if (!def || !def->name) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_INTERNAL_ERROR,
                    _("cannot format an incomplete domain definition"));
        return NULL;
    }

    g_string_append_printf(buf, "<domain type='%s'",
                           vsDomainVirtTypeToString(def->virtType));
    if (id >= 0 && (!(flags & VS_DOMAIN_DEF_FORMAT_INACTIVE) ||
                    (flags & VS_DOMAIN_DEF_FORMAT_STATUS)))
        g_string_append_printf(buf, " id='%d'", id);
    g_string_append(buf, ">\n");

    vsDomainFormatGeneral(&ctxt);
    vsDomainFormatOS(&ctxt);
    vsDomainFormatFeatures(&ctxt);
    vsDomainFormatCPU(&ctxt);
    vsDomainFormatLifecycle(&ctxt);
    vsDomainFormatDevices(&ctxt);
    vsDomainFormatSeclabels(&ctxt);
    g_string_append(buf, "</domain>\n");

    return g_string_free(g_steal_pointer(&buf), FALSE);
}
