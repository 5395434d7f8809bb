/*
 * qemu_interface.c: the host side of a domain's network interfaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * At each start (boot or restore) every interface other than 'user'
 * gets a tap: created by the daemon (not persistent, so it disappears
 * with the last descriptor, QEMU's) or, for <target managed='no'/>, an
 * existing one opened unchanged. A created tap gets the guest's MAC
 * address with the first byte 0xFE, the MTU of <mtu> or of its bridge,
 * is brought up and joins its bridge before QEMU runs. QEMU receives
 * the tap (and vhost-net) descriptors at exec; the daemon closes its
 * own copies right after, so a failed start leaves no tap behind.
 * docs/formatdomain.md describes the rules.
 */

#include <config.h>

#include "qemu_interface.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.interface");

#define QEMU_INTERFACE_VHOST_DEV "/dev/vhost-net"


/**
 * qemuInterfaceWantVhost:
 * @net: an interface
 * @hostHasVhost: whether /dev/vhost-net exists
 * @vhost: (out): the decision
 * @error: return location for a #GError
 *
 * vhost-net serves virtio taps only. <driver name='qemu'> keeps it off;
 * <driver name='vhost'> requires it; without <driver> it is used when
 * the host has it.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuInterfaceWantVhost(const vsDomainNetDef *net,
                       gboolean hostHasVhost,
                       gboolean *vhost,
                       GError **error)
{
    gboolean virtioTap = net->type != VS_DOMAIN_NET_TYPE_USER &&
        net->model == VS_DOMAIN_NET_MODEL_VIRTIO;

    *vhost = FALSE;
    switch (net->backend) {
    case VS_DOMAIN_NET_BACKEND_QEMU:
        return TRUE;
    case VS_DOMAIN_NET_BACKEND_VHOST:
        if (!virtioTap) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                        _("interface '%s': vhost-net needs a tap interface of model 'virtio'"),
                        net->info.alias);
            return FALSE;
        }
        if (!hostHasVhost) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                            ENOENT,
                            _("interface '%s' asks for vhost-net, but '%s' is missing"),
                            net->info.alias, QEMU_INTERFACE_VHOST_DEV);
            return FALSE;
        }
        *vhost = TRUE;
        return TRUE;
    case VS_DOMAIN_NET_BACKEND_DEFAULT:
    case VS_DOMAIN_NET_BACKEND_LAST:
        break;
    }
    *vhost = virtioTap && hostHasVhost;
    return TRUE;
}


static xmlNodePtr
qemuInterfaceFindChild(xmlNodePtr parent,
                       const char *name)
{
    xmlNodePtr cur;

    for (cur = parent->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE &&
            xmlStrEqual(cur->name, BAD_CAST name))
            return cur;
    }
    return NULL;
}


/* Forward modes whose guests do not sit on a Linux bridge (macvtap,
 * device assignment). */
static gboolean
qemuInterfaceForwardHasBridge(const char *mode)
{
    return !mode || g_str_equal(mode, "nat") || g_str_equal(mode, "route") ||
        g_str_equal(mode, "open") || g_str_equal(mode, "bridge");
}


/**
 * qemuInterfaceParseNetworkBridge:
 * @xml: a libvirt <network> definition
 * @name: the network's name, for messages
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the bridge name, or NULL with @error set.
 */
char *
qemuInterfaceParseNetworkBridge(const char *xml,
                                const char *name,
                                GError **error)
{
    xmlDocPtr doc;
    xmlNodePtr root;
    xmlNodePtr node;
    xmlChar *mode = NULL;
    xmlChar *bridge = NULL;
    char *ret = NULL;

    /* libxml2 is initialised already: the domain was parsed first. */
    doc = xmlReadMemory(xml, strlen(xml), "network.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                        XML_PARSE_NOWARNING);
    if (!doc || !(root = xmlDocGetRootElement(doc)) ||
        !xmlStrEqual(root->name, BAD_CAST "network")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_XML_ERROR,
                    _("the definition of network '%s' is no <network> XML"),
                    name);
        goto cleanup;
    }
    if ((node = qemuInterfaceFindChild(root, "forward")))
        mode = xmlGetProp(node, BAD_CAST "mode");
    if (!qemuInterfaceForwardHasBridge((const char *) mode)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("network '%s' has forward mode '%s', which puts guests on no Linux bridge"),
                    name, (const char *) mode);
        goto cleanup;
    }
    if ((node = qemuInterfaceFindChild(root, "bridge")))
        bridge = xmlGetProp(node, BAD_CAST "name");
    if (!bridge || !*bridge) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("network '%s' names no bridge in <bridge name='...'/>"),
                    name);
        goto cleanup;
    }
    ret = g_strdup((const char *) bridge);

 cleanup:
    xmlFree(mode);
    xmlFree(bridge);
    xmlFreeDoc(doc);
    return ret;
}


/* The bridge of network @name, from @cfg's network directory. */
static char *
qemuInterfaceResolveNetwork(const qemuDriverConfig *cfg,
                            const char *name,
                            GError **error)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(cfg->networkDir, file, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;

    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_NO_NETWORK,
                    _("no network with matching name '%s' (no file '%s')"),
                    name, path);
        return NULL;
    }
    return qemuInterfaceParseNetworkBridge(xml, name, error);
}


static void
qemuInterfaceFdsClear(qemuInterfaceFds *fds)
{
    vsFdClose(&fds->tapfd);
    vsFdClose(&fds->vhostfd);
}


/**
 * qemuInterfaceFdsFree:
 * @fds: (nullable): from qemuInterfacePrepare()
 *
 * Closes the daemon's descriptors: taps it created vanish unless QEMU
 * holds them.
 */
void
qemuInterfaceFdsFree(GArray *fds)
{
    if (fds)
        g_array_unref(fds);
}


/* The bridge @net joins, checked to exist; NULL (no error) for none. */
static gboolean
qemuInterfaceGetBridge(const qemuDriverConfig *cfg,
                       vsDomainNetDef *net,
                       const char **bridge,
                       GError **error)
{
    *bridge = NULL;
    if (net->type == VS_DOMAIN_NET_TYPE_NETWORK) {
        g_free(net->actualBridge);
        if (!(net->actualBridge = qemuInterfaceResolveNetwork(cfg, net->network,
                                                              error)))
            return FALSE;
        *bridge = net->actualBridge;
    } else if (net->type == VS_DOMAIN_NET_TYPE_BRIDGE) {
        *bridge = net->bridge;
    }
    if (*bridge && !vsNetDevIsBridge(*bridge)) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                        ENODEV, _("bridge '%s' does not exist"), *bridge);
        return FALSE;
    }
    return TRUE;
}


/* Address, MTU, up, bridge port: the set-up of a tap the daemon made. */
static gboolean
qemuInterfaceSetupTap(const vsDomainNetDef *net,
                      const char *bridge,
                      GError **error)
{
    unsigned char mac[VS_MAC_BUFLEN];
    unsigned int mtu = net->mtu;

    /* The guest's address with a first byte no guest uses: the host
     * side of the link never answers for the guest on the bridge. */
    memcpy(mac, net->mac, VS_MAC_BUFLEN);
    mac[0] = 0xFE;
    if (!mtu && bridge && !vsNetDevGetMTU(bridge, &mtu, error))
        return FALSE;
    return vsNetDevSetMAC(net->ifname, mac, error) &&
        (!mtu || vsNetDevSetMTU(net->ifname, mtu, error)) &&
        vsNetDevSetUp(net->ifname, error) &&
        (!bridge || vsNetDevBridgeAddPort(bridge, net->ifname, error));
}


static gboolean
qemuInterfacePrepareOne(const qemuDriverConfig *cfg,
                        vsDomainNetDef *net,
                        gboolean hostHasVhost,
                        qemuInterfaceFds *fds,
                        GError **error)
{
    const char *bridge = NULL;
    unsigned int flags = 0;
    gboolean vhost = FALSE;
    g_autofree char *ifname = NULL;

    if (net->type == VS_DOMAIN_NET_TYPE_USER)
        return TRUE;
    if (!qemuInterfaceWantVhost(net, hostHasVhost, &vhost, error) ||
        !qemuInterfaceGetBridge(cfg, net, &bridge, error))
        return FALSE;

    if (net->model == VS_DOMAIN_NET_MODEL_VIRTIO)
        flags |= VS_NETDEV_TAP_VNET_HDR;
    if (!net->unmanagedTap)
        flags |= VS_NETDEV_TAP_CREATE;
    fds->tapfd = vsNetDevTapOpen(net->ifname ? net->ifname :
                                 VS_DOMAIN_NET_GENERATED_PREFIX "%d",
                                 flags, &ifname, error);
    if (fds->tapfd < 0)
        return FALSE;
    g_free(net->ifname);
    net->ifname = g_steal_pointer(&ifname);

    if (!net->unmanagedTap && !qemuInterfaceSetupTap(net, bridge, error))
        return FALSE;
    if (vhost &&
        (fds->vhostfd = open(QEMU_INTERFACE_VHOST_DEV,
                             O_RDWR | O_CLOEXEC)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot open '%s'"),
                         QEMU_INTERFACE_VHOST_DEV);
        return FALSE;
    }
    VS_INFO("interface '%s': tap '%s' (fd %d) on bridge '%s', vhost fd %d",
            net->info.alias, net->ifname, fds->tapfd, bridge ? bridge : "-",
            fds->vhostfd);
    return TRUE;
}


/**
 * qemuInterfacePrepare:
 * @cfg: the driver's configuration
 * @def: the live definition of a domain about to start
 * @error: return location for a #GError
 *
 * Creates or opens the tap of every interface that has one, in the
 * daemon's network namespace, and records the names in @def (<target
 * dev>, and the resolved bridge of a network). On failure the taps
 * created so far are closed and so gone.
 *
 * Returns: (transfer full) one #qemuInterfaceFds per interface of @def,
 * in order (free with qemuInterfaceFdsFree()), or NULL with @error set.
 */
GArray *
qemuInterfacePrepare(const qemuDriverConfig *cfg,
                     vsDomainDef *def,
                     GError **error)
{
    g_autoptr(GArray) fds = g_array_sized_new(FALSE, FALSE,
                                              sizeof(qemuInterfaceFds),
                                              def->nets->len);
    gboolean hostHasVhost = access(QEMU_INTERFACE_VHOST_DEV, F_OK) == 0;
    size_t i;

    g_array_set_clear_func(fds, (GDestroyNotify) qemuInterfaceFdsClear);
    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        qemuInterfaceFds one = { .tapfd = -1, .vhostfd = -1 };
        gboolean ok = qemuInterfacePrepareOne(cfg, net, hostHasVhost, &one,
                                              error);

        g_array_append_val(fds, one);
        if (!ok) {
            g_prefix_error(error, _("cannot set up interface '%s': "),
                           net->info.alias);
            return NULL;
        }
    }
    return g_steal_pointer(&fds);
}


/**
 * qemuInterfaceFind:
 * @def: a live definition
 * @device: a tap name, a MAC address or a device alias
 *
 * Returns: (transfer none) the interface @device names, or NULL.
 */
const vsDomainNetDef *
qemuInterfaceFind(const vsDomainDef *def,
                  const char *device)
{
    size_t i;

    for (i = 0; i < def->nets->len; i++) {
        const vsDomainNetDef *net = g_ptr_array_index(def->nets, i);
        char mac[VS_MAC_STRING_BUFLEN];

        if (g_strcmp0(net->ifname, device) == 0 ||
            g_strcmp0(net->info.alias, device) == 0 ||
            g_ascii_strcasecmp(vsDomainMacFormat(net->mac, mac), device) == 0)
            return net;
    }
    return NULL;
}


/**
 * qemuInterfaceGetStats:
 * @net: an interface of a running domain
 * @stats: (out): its counters
 * @error: return location for a #GError
 *
 * The counters as the guest sees them: what the tap sends on the host
 * the guest receives. A type 'ethernet' tap shares the host's view and
 * is reported as the host sees it, as libvirt does.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuInterfaceGetStats(const vsDomainNetDef *net,
                      vsNetDevStats *stats,
                      GError **error)
{
    vsNetDevStats host;

    if (net->type == VS_DOMAIN_NET_TYPE_USER || !net->ifname) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("interface '%s' uses user-mode networking, which has no host device to count its traffic"),
                    net->info.alias);
        return FALSE;
    }
    if (!vsNetDevGetStats(net->ifname, &host, error))
        return FALSE;
    if (net->type == VS_DOMAIN_NET_TYPE_ETHERNET) {
        *stats = host;
        return TRUE;
    }
    stats->rxBytes = host.txBytes;
    stats->rxPackets = host.txPackets;
    stats->rxErrors = host.txErrors;
    stats->rxDropped = host.txDropped;
    stats->txBytes = host.rxBytes;
    stats->txPackets = host.rxPackets;
    stats->txErrors = host.rxErrors;
    stats->txDropped = host.rxDropped;
    return TRUE;
}


/* Whether @update asks for nothing but another link state of @net. */
static gboolean
qemuInterfaceOnlyLinkChanges(const vsDomainNetDef *net,
                             const vsDomainNetDef *update)
{
    return net->type == update->type && net->model == update->model &&
        net->backend == update->backend && net->mtu == update->mtu &&
        net->unmanagedTap == update->unmanagedTap &&
        g_strcmp0(net->bridge, update->bridge) == 0 &&
        g_strcmp0(net->network, update->network) == 0 &&
        (!update->ifname || g_strcmp0(net->ifname, update->ifname) == 0) &&
        (!update->bootIndex || net->bootIndex == update->bootIndex);
}


/**
 * qemuInterfaceFindUpdate:
 * @def: a definition
 * @update: an <interface> given to virDomainUpdateDeviceFlags
 * @hasMac: whether @update gave its MAC address
 * @error: return location for a #GError
 *
 * The interface @update names is the one with its MAC address, or
 * without one the only interface of @def. Only its link state may
 * change.
 *
 * Returns: (transfer none) that interface of @def, or NULL with @error
 * set.
 */
vsDomainNetDef *
qemuInterfaceFindUpdate(vsDomainDef *def,
                        const vsDomainNetDef *update,
                        gboolean hasMac,
                        GError **error)
{
    char mac[VS_MAC_STRING_BUFLEN];
    vsDomainNetDef *net = NULL;
    size_t i;

    for (i = 0; i < def->nets->len; i++) {
        vsDomainNetDef *cur = g_ptr_array_index(def->nets, i);

        if (hasMac ? memcmp(cur->mac, update->mac, VS_MAC_BUFLEN) == 0
                   : def->nets->len == 1)
            net = cur;
    }
    if (!net) {
        if (hasMac)
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("no interface with MAC address '%s'"),
                        vsDomainMacFormat(update->mac, mac));
        else
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("the interface to update must be named by its MAC address"));
        return NULL;
    }
    if (!qemuInterfaceOnlyLinkChanges(net, update)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("cannot change interface '%s' other than its link state"),
                    vsDomainMacFormat(net->mac, mac));
        return NULL;
    }
    return net;
}
