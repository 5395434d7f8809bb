/*
 * domain_storage.c: backing chains given in the XML, SCSI disk addresses
 * and the ICH9 USB controller set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A <backingStore> chain in the XML is used as written: its formats are
 * the ones QEMU is told, never the ones an image header records; the
 * driver checks the files against it before QEMU starts
 * (src/qemu/qemu_qcow2.c). SCSI disks sit on virtio-scsi controllers at
 * libvirt's drive addresses. docs/formatdomain.md maps each element to
 * its QEMU arguments.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include "vserror.h"
#include "vsinternal.h"

/* libvirt puts seven SCSI disks on a controller, sdX by its index. */
#define VS_SCSI_UNITS_PER_CONTROLLER 7
/* Targets and LUNs of a virtio-scsi bus. */
#define VS_SCSI_TARGET_MAX 255
#define VS_SCSI_UNIT_MAX 16383
/* Most images below a disk's own in a <backingStore> chain, as many as
 * the driver follows in image headers (QEMU_QCOW2_CHAIN_MAX). */
#define VS_DOMAIN_BACKING_MAX 64


/**
 * vsDomainDiskBackingNew:
 *
 * Returns: (transfer full) a backing layer for @path in @format.
 */
vsDomainDiskBacking *
vsDomainDiskBackingNew(const char *path,
                       vsDomainDiskFormat format)
{
    vsDomainDiskBacking *layer = g_new0(vsDomainDiskBacking, 1);

    layer->path = g_strdup(path);
    layer->format = format;
    return layer;
}


/**
 * vsDomainDiskBackingFree:
 * @layer: (nullable): a backing layer
 */
void
vsDomainDiskBackingFree(vsDomainDiskBacking *layer)
{
    if (!layer)
        return;
    g_free(layer->path);
    g_free(layer);
}


G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsDomainDiskBacking, vsDomainDiskBackingFree);


typedef struct {
    vsDomainDiskBacking *layer;
    gboolean haveNext;              /* a nested <backingStore> was seen */
    GPtrArray *chain;
} vsDomainBackingParse;


static gboolean
vsDomainParseBackingFormat(vsDomainParseState *st G_GNUC_UNUSED,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    static const char *const attrs[] = { "type", NULL };
    vsDomainBackingParse *bp = obj;

    return vsXMLCheckAttrs(node, attrs, error) &&
        vsXMLCheckEmpty(node, error) &&
        VS_XML_GET_ENUM(node, "type", vsDomainDiskFormat, TRUE,
                        bp->layer->format, error);
}


static gboolean
vsDomainParseBackingSource(vsDomainParseState *st G_GNUC_UNUSED,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    static const char *const attrs[] = { "file", "index", NULL };
    vsDomainBackingParse *bp = obj;

    if (!vsXMLCheckAttrs(node, attrs, error) || !vsXMLCheckEmpty(node, error))
        return FALSE;
    g_free(bp->layer->path);
    bp->layer->path = vsXMLGetAttr(node, "file");
    if (!bp->layer->path) {
        vsXMLErrorMissingAttr(node, "file", error);
        return FALSE;
    }
    if (!g_path_is_absolute(bp->layer->path)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("backing file '%s' must be an absolute path"),
                    bp->layer->path);
        return FALSE;
    }
    return TRUE;
}


static gboolean vsDomainParseBackingLayer(vsDomainParseState *st,
                                          GPtrArray *chain,
                                          xmlNodePtr node,
                                          GError **error);


static gboolean
vsDomainParseBackingNested(vsDomainParseState *st,
                           void *obj,
                           xmlNodePtr node,
                           GError **error)
{
    vsDomainBackingParse *bp = obj;

    bp->haveNext = TRUE;
    return vsDomainParseBackingLayer(st, bp->chain, node, error);
}


/* One <backingStore> element: empty (the chain ends above it) or a
 * layer with its format, source and the <backingStore> below it. */
static gboolean
vsDomainParseBackingLayer(vsDomainParseState *st,
                          GPtrArray *chain,
                          xmlNodePtr node,
                          GError **error)
{
    static const char *const attrs[] = { "type", "index", NULL };
    static const vsDomainChildHandler handlers[] = {
        { "format", vsDomainParseBackingFormat, FALSE },
        { "source", vsDomainParseBackingSource, FALSE },
        { "backingStore", vsDomainParseBackingNested, FALSE },
    };
    g_autoptr(vsDomainDiskBacking) layer = g_new0(vsDomainDiskBacking, 1);
    g_autofree char *type = vsXMLGetAttr(node, "type");
    g_autofree char *path = vsXMLNodePath(node);
    vsDomainBackingParse bp = { .layer = layer, .chain = chain };
    guint pos = chain->len;

    if (!vsXMLCheckAttrs(node, attrs, error))
        return FALSE;
    if (!type && !xmlFirstElementChild(node))
        return vsXMLCheckEmpty(node, error);
    if (!type || !g_str_equal(type, "file")) {
        vsXMLErrorBadValue(node, "type", type ? type : "", error);
        return FALSE;
    }
    if (chain->len >= VS_DOMAIN_BACKING_MAX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("element '%s' nests more than %d backing images"),
                    path, VS_DOMAIN_BACKING_MAX);
        return FALSE;
    }
    /* Reserve this layer's place above the ones its children add. */
    g_ptr_array_add(chain, NULL);
    layer->format = VS_DOMAIN_DISK_FORMAT_LAST;
    if (!vsDomainParseChildren(st, &bp, node, handlers,
                               G_N_ELEMENTS(handlers), error))
        return FALSE;

    if (layer->format == VS_DOMAIN_DISK_FORMAT_LAST || !layer->path) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s' needs a <format type> and a <source file>"),
                    path);
        return FALSE;
    }
    /* Never guess what lies below a qcow2 image: the XML must say. */
    if (layer->format == VS_DOMAIN_DISK_FORMAT_QCOW2 && !bp.haveNext) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s' of qcow2 image '%s' needs a nested <backingStore> (empty when it has none)"),
                    path, layer->path);
        return FALSE;
    }
    if (layer->format == VS_DOMAIN_DISK_FORMAT_RAW && chain->len > pos + 1) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("element '%s': raw image '%s' cannot have a backing image"),
                    path, layer->path);
        return FALSE;
    }
    g_ptr_array_index(chain, pos) = g_steal_pointer(&layer);
    return TRUE;
}


/**
 * vsDomainParseDiskBackingStore:
 *
 * Parses the <backingStore> of a <disk> into its @backing chain.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainParseDiskBackingStore(vsDomainParseState *st,
                              void *obj,
                              xmlNodePtr node,
                              GError **error)
{
    vsDomainDiskDef *disk = obj;
    g_autoptr(GPtrArray) chain =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainDiskBackingFree);

    if (!vsDomainParseBackingLayer(st, chain, node, error))
        return FALSE;
    g_clear_pointer(&disk->backing, g_ptr_array_unref);
    disk->backing = g_steal_pointer(&chain);
    return TRUE;
}


/* Without libvirt's 'index' attributes: they number the images of all
 * disks for libvirt's block jobs, which virtsave does not offer. */
static void
vsDomainFormatBackingChain(vsDomainFormatCtxt *ctxt,
                           GPtrArray *chain)
{
    GString *buf = ctxt->buf;
    size_t i;

    for (i = 0; i < chain->len; i++) {
        vsDomainDiskBacking *layer = g_ptr_array_index(chain, i);

        vsBufLine(buf, 3 + i, "<backingStore type='file'>");
        vsBufLine(buf, 4 + i, "<format type='%s'/>",
                  vsDomainDiskFormatTypeToString(layer->format));
        vsBufIndent(buf, 4 + i);
        g_string_append(buf, "<source");
        vsBufAttr(buf, "file", layer->path);
        g_string_append(buf, "/>\n");
    }
    vsBufLine(buf, 3 + chain->len, "<backingStore/>");
    for (i = chain->len; i > 0; i--)
        vsBufLine(buf, 2 + i, "</backingStore>");
}


/**
 * vsDomainFormatDiskBackingStore:
 *
 * Appends the disk's <backingStore> chain: the one the XML gave, or in
 * live XML the one the driver read from the images, as libvirt shows
 * it. A chain read from the images is left out of every other form, so
 * that it is read again at the next start.
 */
void
vsDomainFormatDiskBackingStore(vsDomainFormatCtxt *ctxt,
                               const vsDomainDiskDef *disk)
{
    gboolean live = ctxt->def->id >= 0 &&
        !(ctxt->flags & (VS_DOMAIN_DEF_FORMAT_INACTIVE |
                         VS_DOMAIN_DEF_FORMAT_MIGRATABLE |
                         VS_DOMAIN_DEF_FORMAT_STATUS));

    if (disk->backing)
        vsDomainFormatBackingChain(ctxt, disk->backing);
    else if (disk->backingDetected && live)
        vsDomainFormatBackingChain(ctxt, disk->backingDetected);
}


/**
 * vsDomainControllerIsICH9USB:
 * @cont: (nullable): a controller
 */
gboolean
vsDomainControllerIsICH9USB(const vsDomainControllerDef *cont)
{
    return cont &&
        (cont->model == VS_DOMAIN_CONTROLLER_MODEL_ICH9_EHCI1 ||
         cont->model == VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1 ||
         cont->model == VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI2 ||
         cont->model == VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI3);
}


/**
 * vsDomainDiskSetupSCSIAddress:
 *
 * Gives a SCSI disk without an address libvirt's: disk N of the sdX
 * names on controller N / 7, unit N % 7; checks one given in the XML.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDiskSetupSCSIAddress(vsDomainDiskDef *disk,
                             GError **error)
{
    vsDomainDeviceInfo *info = &disk->info;
    int idx = vsDomainDiskNameToIndex(disk->dst);

    if (info->type == VS_DOMAIN_ADDRESS_PCI) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                    _("disk '%s': a disk on bus '%s' needs a drive address"),
                    disk->dst, "scsi");
        return FALSE;
    }
    if (info->type == VS_DOMAIN_ADDRESS_NONE) {
        info->type = VS_DOMAIN_ADDRESS_DRIVE;
        info->controller = idx / VS_SCSI_UNITS_PER_CONTROLLER;
        info->driveBus = 0;
        info->target = 0;
        info->unit = idx % VS_SCSI_UNITS_PER_CONTROLLER;
    }
    /* virtio-scsi has one channel. */
    if (info->driveBus != 0 || info->target > VS_SCSI_TARGET_MAX ||
        info->unit > VS_SCSI_UNIT_MAX) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("disk '%s': drive address %u:%u:%u:%u is out of range for bus '%s'"),
                    disk->dst, info->controller, info->driveBus,
                    info->target, info->unit, "scsi");
        return FALSE;
    }
    return TRUE;
}


static size_t
vsDomainDefCountStorageControllers(const vsDomainDef *def,
                                   vsDomainControllerType type,
                                   unsigned int idx)
{
    size_t n = 0;
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);

        if (cont->type == type && (idx == G_MAXUINT || cont->idx == idx))
            n++;
    }
    return n;
}


static gboolean
vsDomainDefCheckSCSIDisks(const vsDomainDef *def,
                          GError **error)
{
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (disk->bus != VS_DOMAIN_DISK_BUS_SCSI)
            continue;
        /* libvirt would add an 'lsilogic' controller, which virtsave
         * does not emulate: ask for a virtio-scsi one instead. */
        if (vsDomainDefCountStorageControllers(def, VS_DOMAIN_CONTROLLER_SCSI,
                                               disk->info.controller) == 0) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("disk '%s' needs SCSI controller %u: add <controller type='scsi' index='%u' model='virtio-scsi'/>"),
                        disk->dst, disk->info.controller,
                        disk->info.controller);
            return FALSE;
        }
    }
    return TRUE;
}


/* Only a qcow2 image has a backing image; only a disk with an image
 * has a chain. */
static gboolean
vsDomainDefCheckDiskBacking(const vsDomainDef *def,
                            GError **error)
{
    size_t i;

    for (i = 0; i < def->disks->len; i++) {
        vsDomainDiskDef *disk = g_ptr_array_index(def->disks, i);

        if (!disk->backing || disk->backing->len == 0)
            continue;
        if (!disk->src || disk->format != VS_DOMAIN_DISK_FORMAT_QCOW2) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_XML_ERROR,
                        _("disk '%s': only a qcow2 image can have a <backingStore> with a backing image"),
                        disk->dst);
            return FALSE;
        }
    }
    return TRUE;
}


/* EHCI1 with its three UHCI companions, each behind the ports it owns. */
static gboolean
vsDomainDefCheckICH9USB(const vsDomainDef *def,
                        GError **error)
{
    static const int startports[] = { -1, 0, 2, 4 };
    gboolean have[G_N_ELEMENTS(startports)] = { FALSE };
    size_t nusb = 0;
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);
        size_t n;

        if (!vsDomainControllerIsICH9USB(cont))
            continue;
        nusb++;
        n = cont->model - VS_DOMAIN_CONTROLLER_MODEL_ICH9_EHCI1;
        if (have[n] || cont->startport != startports[n]) {
            g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                        _("USB controller model '%s' must appear once, with <master startport='%d'/>"),
                        vsDomainControllerModelTypeToString(cont->model),
                        startports[n]);
            return FALSE;
        }
        have[n] = TRUE;
    }
    if (nusb > 0 && (nusb != G_N_ELEMENTS(startports) ||
                     vsDomainDefCountStorageControllers(def, VS_DOMAIN_CONTROLLER_USB,
                                                        G_MAXUINT) != nusb)) {
        g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED,
                    _("USB controller models 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2' and 'ich9-uhci3' are supported only together and alone"));
        return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainDefCheckStorageControllers:
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsDomainDefCheckStorageControllers(const vsDomainDef *def,
                                   GError **error)
{
    return vsDomainDefCheckSCSIDisks(def, error) &&
        vsDomainDefCheckDiskBacking(def, error) &&
        vsDomainDefCheckICH9USB(def, error);
}


/**
 * vsDomainDefSetupUSBFixedAddresses:
 *
 * Places the ICH9 USB functions where the ICH9 has them and libvirt puts
 * them: EHCI1 at 00:1d.7, the UHCI companions at 00:1d.0-2 (function 0
 * multifunction).
 */
void
vsDomainDefSetupUSBFixedAddresses(vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->controllers->len; i++) {
        vsDomainControllerDef *cont = g_ptr_array_index(def->controllers, i);
        unsigned int fn;

        if (!vsDomainControllerIsICH9USB(cont) ||
            cont->info.type != VS_DOMAIN_ADDRESS_NONE)
            continue;
        fn = cont->model == VS_DOMAIN_CONTROLLER_MODEL_ICH9_EHCI1 ? 7 :
            cont->model - VS_DOMAIN_CONTROLLER_MODEL_ICH9_UHCI1;
        cont->info.type = VS_DOMAIN_ADDRESS_PCI;
        cont->info.bus = 0;
        cont->info.slot = 0x1d;
        cont->info.function = fn;
        if (fn == 0)
            cont->info.multifunction = VS_DOMAIN_TRISTATE_ON;
    }
}
