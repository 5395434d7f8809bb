/*
 * domain_abi.c: does a replacement definition describe the same machine?
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A save image restores only into the virtual hardware it was saved
 * from: QEMU's migration stream carries the state of each device keyed
 * by its type and place (PCI address, bus, port). A definition given to
 * replace the image's one (restore --xml, save-image-define) may change
 * host-side details such as file paths, but nothing the guest can see.
 */

#include <config.h>

#include "domain_conf.h"
#include "domain_confpriv.h"

#include <string.h>

#include "vserror.h"
#include "vsinternal.h"

#define VS_ABI_ERROR(error, ...) \
    g_set_error(error, VS_ERROR_DOMAIN, VS_ERR_CONFIG_UNSUPPORTED, __VA_ARGS__)


static const char *
vsStr(const char *s)
{
    return s ? s : "(none)";
}


static char *
vsDomainAddressFormat(const vsDomainDeviceInfo *info)
{
    switch (info->type) {
    case VS_DOMAIN_ADDRESS_PCI:
        return g_strdup_printf("%04x:%02x:%02x.%x", info->domain, info->bus,
                               info->slot, info->function);
    case VS_DOMAIN_ADDRESS_DRIVE:
        return g_strdup_printf("%u:%u:%u:%u", info->controller,
                               info->driveBus, info->target, info->unit);
    case VS_DOMAIN_ADDRESS_NONE:
    case VS_DOMAIN_ADDRESS_LAST:
        break;
    }
    return g_strdup("none");
}


static gboolean
vsDomainABICheckInfo(const char *what,
                     const vsDomainDeviceInfo *src,
                     const vsDomainDeviceInfo *dst,
                     GError **error)
{
    g_autofree char *srcAddr = vsDomainAddressFormat(src);
    g_autofree char *dstAddr = vsDomainAddressFormat(dst);

    if (!g_str_equal(srcAddr, dstAddr)) {
        VS_ABI_ERROR(error, _("Target %s address %s does not match source %s"),
                     what, dstAddr, srcAddr);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckCount(const char *what,
                      guint src,
                      guint dst,
                      GError **error)
{
    if (src != dst) {
        VS_ABI_ERROR(error, _("Target domain %s count %u does not match source %u"),
                     what, dst, src);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckGeneral(const vsDomainDef *src,
                        const vsDomainDef *dst,
                        GError **error)
{
    char srcUUID[VS_UUID_STRING_BUFLEN];
    char dstUUID[VS_UUID_STRING_BUFLEN];

    if (src->virtType != dst->virtType) {
        VS_ABI_ERROR(error, _("Target domain virt type %s does not match source %s"),
                     vsDomainVirtTypeToString(dst->virtType),
                     vsDomainVirtTypeToString(src->virtType));
        return FALSE;
    }
    if (memcmp(src->uuid, dst->uuid, VS_UUID_BUFLEN) != 0) {
        VS_ABI_ERROR(error, _("Target domain uuid %s does not match source %s"),
                     vsUUIDFormat(dst->uuid, dstUUID),
                     vsUUIDFormat(src->uuid, srcUUID));
        return FALSE;
    }
    if (!g_str_equal(src->name, dst->name)) {
        VS_ABI_ERROR(error, _("Target domain name '%s' does not match source '%s'"),
                     dst->name, src->name);
        return FALSE;
    }
    if (src->maxMemory != dst->maxMemory) {
        VS_ABI_ERROR(error, _("Target domain max memory %llu does not match source %llu"),
                     dst->maxMemory, src->maxMemory);
        return FALSE;
    }
    if (src->vcpus != dst->vcpus) {
        VS_ABI_ERROR(error, _("Target domain vCPU max %u does not match source %u"),
                     dst->vcpus, src->vcpus);
        return FALSE;
    }
    if (src->vcpusCurrent != dst->vcpusCurrent) {
        VS_ABI_ERROR(error, _("Target domain vCPU count %u does not match source %u"),
                     dst->vcpusCurrent, src->vcpusCurrent);
        return FALSE;
    }
    if (src->os.arch != dst->os.arch) {
        VS_ABI_ERROR(error, _("Target domain architecture %s does not match source %s"),
                     vsDomainArchTypeToString(dst->os.arch),
                     vsDomainArchTypeToString(src->os.arch));
        return FALSE;
    }
    if (!g_str_equal(src->os.machine, dst->os.machine)) {
        VS_ABI_ERROR(error, _("Target domain machine type %s does not match source %s"),
                     dst->os.machine, src->os.machine);
        return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckFeatures(const vsDomainDef *src,
                         const vsDomainDef *dst,
                         GError **error)
{
    const struct {
        const char *name;
        vsDomainTristate src;
        vsDomainTristate dst;
    } features[] = {
        { "acpi", src->acpi, dst->acpi },
        { "apic", src->apic, dst->apic },
        { "pae", src->pae, dst->pae },
        { "vmport", src->vmport, dst->vmport },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(features); i++) {
        if (features[i].src != features[i].dst) {
            VS_ABI_ERROR(error, _("State of feature '%s' differs: source: '%s', destination: '%s'"),
                         features[i].name,
                         vsStr(vsDomainTristateOnOffTypeToString(features[i].src)),
                         vsStr(vsDomainTristateOnOffTypeToString(features[i].dst)));
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainABICheckCPU(const vsDomainCPUDef *src,
                    const vsDomainCPUDef *dst,
                    GError **error)
{
    size_t i;

    if (src->mode != dst->mode) {
        VS_ABI_ERROR(error, _("Target CPU mode %s does not match source %s"),
                     vsStr(vsDomainCPUModeTypeToString(dst->mode)),
                     vsStr(vsDomainCPUModeTypeToString(src->mode)));
        return FALSE;
    }
    if (g_strcmp0(src->model, dst->model) != 0) {
        VS_ABI_ERROR(error, _("Target CPU model %s does not match source %s"),
                     vsStr(dst->model), vsStr(src->model));
        return FALSE;
    }
    if (src->sockets != dst->sockets || src->dies != dst->dies ||
        src->clusters != dst->clusters || src->cores != dst->cores ||
        src->threads != dst->threads) {
        VS_ABI_ERROR(error, _("Target CPU topology does not match source"));
        return FALSE;
    }
    if (!vsDomainABICheckCount("CPU feature", src->features->len,
                               dst->features->len, error))
        return FALSE;
    for (i = 0; i < src->features->len; i++) {
        vsDomainCPUFeature *s = g_ptr_array_index(src->features, i);
        vsDomainCPUFeature *d = g_ptr_array_index(dst->features, i);

        if (!g_str_equal(s->name, d->name) || s->policy != d->policy) {
            VS_ABI_ERROR(error, _("Target CPU feature %s (%s) does not match source %s (%s)"),
                         d->name, vsDomainCPUFeaturePolicyTypeToString(d->policy),
                         s->name, vsDomainCPUFeaturePolicyTypeToString(s->policy));
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainABICheckDisks(const vsDomainDef *src,
                      const vsDomainDef *dst,
                      GError **error)
{
    size_t i;

    if (!vsDomainABICheckCount("disk", src->disks->len, dst->disks->len, error))
        return FALSE;

    for (i = 0; i < src->disks->len; i++) {
        vsDomainDiskDef *s = g_ptr_array_index(src->disks, i);
        vsDomainDiskDef *d = g_ptr_array_index(dst->disks, i);

        if (s->device != d->device) {
            VS_ABI_ERROR(error, _("Target disk device %s does not match source %s"),
                         vsDomainDiskDeviceTypeToString(d->device),
                         vsDomainDiskDeviceTypeToString(s->device));
            return FALSE;
        }
        if (s->bus != d->bus) {
            VS_ABI_ERROR(error, _("Target disk bus %s does not match source %s"),
                         vsDomainDiskBusTypeToString(d->bus),
                         vsDomainDiskBusTypeToString(s->bus));
            return FALSE;
        }
        if (!g_str_equal(s->dst, d->dst)) {
            VS_ABI_ERROR(error, _("Target disk %s does not match source %s"),
                         d->dst, s->dst);
            return FALSE;
        }
        if (g_strcmp0(s->serial, d->serial) != 0) {
            VS_ABI_ERROR(error, _("Target disk %s serial '%s' does not match source '%s'"),
                         d->dst, d->serial ? d->serial : "", s->serial ? s->serial : "");
            return FALSE;
        }
        if (s->readonly != d->readonly || s->format != d->format) {
            VS_ABI_ERROR(error, _("Target disk %s read-only state or format does not match source"),
                         d->dst);
            return FALSE;
        }
        if (!vsDomainABICheckInfo("disk", &s->info, &d->info, error))
            return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckControllers(const vsDomainDef *src,
                            const vsDomainDef *dst,
                            GError **error)
{
    size_t i;

    if (!vsDomainABICheckCount("controller", src->controllers->len,
                               dst->controllers->len, error))
        return FALSE;

    for (i = 0; i < src->controllers->len; i++) {
        vsDomainControllerDef *s = g_ptr_array_index(src->controllers, i);
        vsDomainControllerDef *d = g_ptr_array_index(dst->controllers, i);

        if (s->type != d->type || s->idx != d->idx || s->model != d->model ||
            s->ports != d->ports || s->chassis != d->chassis ||
            s->port != d->port || s->queues != d->queues ||
            s->startport != d->startport) {
            VS_ABI_ERROR(error, _("Target controller %s index %u does not match source %s index %u"),
                         vsDomainControllerTypeToString(d->type), d->idx,
                         vsDomainControllerTypeToString(s->type), s->idx);
            return FALSE;
        }
        if (!vsDomainABICheckInfo("controller", &s->info, &d->info, error))
            return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckNets(const vsDomainDef *src,
                     const vsDomainDef *dst,
                     GError **error)
{
    size_t i;

    if (!vsDomainABICheckCount("network interface", src->nets->len,
                               dst->nets->len, error))
        return FALSE;

    for (i = 0; i < src->nets->len; i++) {
        vsDomainNetDef *s = g_ptr_array_index(src->nets, i);
        vsDomainNetDef *d = g_ptr_array_index(dst->nets, i);
        char smac[VS_MAC_STRING_BUFLEN];
        char dmac[VS_MAC_STRING_BUFLEN];

        if (memcmp(s->mac, d->mac, VS_MAC_BUFLEN) != 0) {
            VS_ABI_ERROR(error, _("Target network card mac %s does not match source %s"),
                         vsDomainMacFormat(d->mac, dmac),
                         vsDomainMacFormat(s->mac, smac));
            return FALSE;
        }
        if (s->model != d->model) {
            VS_ABI_ERROR(error, _("Target network card model %s does not match source %s"),
                         vsStr(vsDomainNetModelTypeToString(d->model)),
                         vsStr(vsDomainNetModelTypeToString(s->model)));
            return FALSE;
        }
        if (!vsDomainABICheckInfo("network card", &s->info, &d->info, error))
            return FALSE;
    }
    return TRUE;
}


static gboolean
vsDomainABICheckChrs(const char *what,
                     GPtrArray *src,
                     GPtrArray *dst,
                     GError **error)
{
    size_t i;

    if (!vsDomainABICheckCount(what, src->len, dst->len, error))
        return FALSE;

    /* The backend (file, pty, null) is host-side and may change. */
    for (i = 0; i < src->len; i++) {
        vsDomainChrDef *s = g_ptr_array_index(src, i);
        vsDomainChrDef *d = g_ptr_array_index(dst, i);

        if (s->port != d->port) {
            VS_ABI_ERROR(error, _("Target %s port %u does not match source %u"),
                         what, d->port, s->port);
            return FALSE;
        }
    }
    return TRUE;
}


static gboolean
vsDomainABICheckOtherDevices(const vsDomainDef *src,
                             const vsDomainDef *dst,
                             GError **error)
{
    size_t i;

    if (src->memballoon.model != dst->memballoon.model) {
        VS_ABI_ERROR(error, _("Target balloon model %s does not match source %s"),
                     vsDomainMemballoonTypeToString(dst->memballoon.model),
                     vsDomainMemballoonTypeToString(src->memballoon.model));
        return FALSE;
    }
    if (!vsDomainABICheckInfo("balloon", &src->memballoon.info,
                              &dst->memballoon.info, error) ||
        !vsDomainABICheckCount("input device", src->inputs->len,
                               dst->inputs->len, error) ||
        !vsDomainABICheckCount("video device", src->videoNone,
                               dst->videoNone, error) ||
        !vsDomainABICheckCount("RNG device", src->rngs->len, dst->rngs->len,
                               error))
        return FALSE;

    for (i = 0; i < src->rngs->len; i++) {
        vsDomainRNGDef *s = g_ptr_array_index(src->rngs, i);
        vsDomainRNGDef *d = g_ptr_array_index(dst->rngs, i);

        if (!vsDomainABICheckInfo("RNG device", &s->info, &d->info, error))
            return FALSE;
    }
    return TRUE;
}


/**
 * vsDomainDefCheckABIStability:
 * @src: the definition the guest runs (or was saved) with
 * @dst: a proposed replacement
 * @error: return location for a #GError
 *
 * Checks that @dst describes the same guest-visible machine as @src:
 * name, UUID, memory size, vCPUs, machine, CPU, features and every
 * device with its model and address. Host-side settings (file paths,
 * cache modes, character device backends, title, description, current
 * memory, lifecycle actions) may differ.
 *
 * Returns: TRUE when compatible, FALSE with a VS_ERR_CONFIG_UNSUPPORTED
 * error naming the first difference.
 */
gboolean
vsDomainDefCheckABIStability(const vsDomainDef *src,
                             const vsDomainDef *dst,
                             GError **error)
{
    return vsDomainABICheckGeneral(src, dst, error) &&
        vsDomainABICheckFeatures(src, dst, error) &&
        vsDomainABICheckCPU(&src->cpu, &dst->cpu, error) &&
        vsDomainABICheckDisks(src, dst, error) &&
        vsDomainABICheckControllers(src, dst, error) &&
        vsDomainABICheckNets(src, dst, error) &&
        vsDomainABICheckChrs("serial", src->serials, dst->serials, error) &&
        vsDomainABICheckChrs("console", src->consoles, dst->consoles, error) &&
        vsDomainABICheckOtherDevices(src, dst, error) &&
        vsDomainDefCheckPlatformABI(src, dst, error) &&
        vsDomainDefCheckDevicesABI(src, dst, error);
}
