/*
 * vsnetdev.c: tap devices, Linux bridges and interface counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything here works in the network namespace of the calling thread,
 * through /dev/net/tun, interface ioctls on a datagram socket, and
 * /sys/class/net.
 */

#include <config.h>

#include "vsnetdev.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("util.netdev");


/* Copy @ifname into @ifr; FALSE with @error set when it does not fit. */
static gboolean
vsNetDevInitReq(struct ifreq *ifr,
                const char *ifname,
                GError **error)
{
    memset(ifr, 0, sizeof(*ifr));
    if (strlen(ifname) >= sizeof(ifr->ifr_name)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("network device name '%s' is too long"), ifname);
        return FALSE;
    }
    memcpy(ifr->ifr_name, ifname, strlen(ifname));
    return TRUE;
}


/* One interface ioctl on a throw-away socket. */
static gboolean
vsNetDevIoctl(unsigned long request,
              struct ifreq *ifr,
              int *errnum)
{
    VS_AUTOCLOSE int sock = socket(AF_LOCAL, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (sock < 0 || ioctl(sock, request, ifr) < 0) {
        *errnum = errno;
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetDevTapOpen:
 * @name: the tap's name, or a pattern with "%d" (only with CREATE)
 * @flags: #vsNetDevTapFlags
 * @ifname: (out) (transfer full): the name the tap has
 * @error: return location for a #GError
 *
 * Without VS_NETDEV_TAP_CREATE the tap must exist already: opening an
 * unknown name through /dev/net/tun would create it silently.
 *
 * Returns: the tap's descriptor, or -1 with @error set.
 */
int
vsNetDevTapOpen(const char *name,
                unsigned int flags,
                char **ifname,
                GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    struct ifreq ifr;
    gboolean create = flags & VS_NETDEV_TAP_CREATE;

    if (!vsNetDevInitReq(&ifr, name, error))
        return -1;
    if (!create && !vsNetDevExists(name)) {
        vsSetErrorErrno(error, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR, ENODEV,
                        _("tap device '%s' does not exist"), name);
        return -1;
    }
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (flags & VS_NETDEV_TAP_VNET_HDR)
        ifr.ifr_flags |= IFF_VNET_HDR;
    /* Never take over an existing device by accident. */
    if (create)
        ifr.ifr_flags |= IFF_TUN_EXCL;

    if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot open '%s'"), "/dev/net/tun");
        return -1;
    }
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int errnum = errno;

        if (create)
            vsSetErrorErrno(error, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR,
                            errnum, _("cannot create tap device '%s'"), name);
        else
            vsSetErrorErrno(error, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR,
                            errnum, _("cannot open tap device '%s'"), name);
        return -1;
    }
    *ifname = g_strndup(ifr.ifr_name, sizeof(ifr.ifr_name));
    VS_DEBUG("tap '%s' open as fd %d (flags 0x%x)", *ifname, fd, flags);
    return vsFdSteal(&fd);
}


/**
 * vsNetDevExists:
 *
 * Returns: whether a network device named @ifname exists here.
 */
gboolean
vsNetDevExists(const char *ifname)
{
    return if_nametoindex(ifname) != 0;
}


/**
 * vsNetDevIsBridge:
 *
 * Returns: whether @ifname is a Linux bridge.
 */
gboolean
vsNetDevIsBridge(const char *ifname)
{
    g_autofree char *path = g_strdup_printf("/sys/class/net/%s/bridge",
                                            ifname);

    return !strchr(ifname, '/') && g_file_test(path, G_FILE_TEST_IS_DIR);
}


/**
 * vsNetDevSetMAC:
 *
 * Sets the Ethernet address of @ifname.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevSetMAC(const char *ifname,
               const unsigned char mac[6],
               GError **error)
{
    struct ifreq ifr;
    int errnum = 0;

    if (!vsNetDevInitReq(&ifr, ifname, error))
        return FALSE;
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    if (!vsNetDevIoctl(SIOCSIFHWADDR, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum,
                         _("cannot set the MAC address of '%s'"), ifname);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetDevGetMTU:
 *
 * Reads the MTU of @ifname into *@mtu.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevGetMTU(const char *ifname,
               unsigned int *mtu,
               GError **error)
{
    struct ifreq ifr;
    int errnum = 0;

    if (!vsNetDevInitReq(&ifr, ifname, error))
        return FALSE;
    if (!vsNetDevIoctl(SIOCGIFMTU, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum, _("cannot read the MTU of '%s'"),
                         ifname);
        return FALSE;
    }
    *mtu = ifr.ifr_mtu;
    return TRUE;
}


/**
 * vsNetDevSetMTU:
 *
 * Sets the MTU of @ifname.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevSetMTU(const char *ifname,
               unsigned int mtu,
               GError **error)
{
    struct ifreq ifr;
    int errnum = 0;

    if (!vsNetDevInitReq(&ifr, ifname, error))
        return FALSE;
    ifr.ifr_mtu = mtu;
    if (!vsNetDevIoctl(SIOCSIFMTU, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum, _("cannot set the MTU of '%s' to %u"),
                         ifname, mtu);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetDevSetUp:
 *
 * Brings @ifname up.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevSetUp(const char *ifname,
              GError **error)
{
    struct ifreq ifr;
    int errnum = 0;

    if (!vsNetDevInitReq(&ifr, ifname, error))
        return FALSE;
    if (!vsNetDevIoctl(SIOCGIFFLAGS, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum, _("cannot read the flags of '%s'"),
                         ifname);
        return FALSE;
    }
    ifr.ifr_flags |= IFF_UP;
    if (!vsNetDevIoctl(SIOCSIFFLAGS, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum, _("cannot bring '%s' up"), ifname);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetDevBridgeAddPort:
 *
 * Makes @ifname a port of the Linux bridge @bridge.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevBridgeAddPort(const char *bridge,
                      const char *ifname,
                      GError **error)
{
    struct ifreq ifr;
    int errnum = 0;

    if (!vsNetDevInitReq(&ifr, bridge, error))
        return FALSE;
    if (!(ifr.ifr_ifindex = if_nametoindex(ifname))) {
        vsSetErrorSystem(error, errno, _("cannot find network device '%s'"),
                         ifname);
        return FALSE;
    }
    if (!vsNetDevIoctl(SIOCBRADDIF, &ifr, &errnum)) {
        vsSetErrorSystem(error, errnum,
                         _("cannot attach '%s' to bridge '%s'"), ifname,
                         bridge);
        return FALSE;
    }
    VS_DEBUG("'%s' attached to bridge '%s'", ifname, bridge);
    return TRUE;
}


static gboolean
vsNetDevReadCounter(const char *ifname,
                    const char *name,
                    unsigned long long *value,
                    GError **error)
{
    g_autofree char *path = g_strdup_printf("/sys/class/net/%s/statistics/%s",
                                            ifname, name);
    g_autofree char *text = NULL;
    char *end = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        vsSetErrorSystem(error, ENODEV,
                         _("cannot read the counters of '%s'"), ifname);
        return FALSE;
    }
    errno = 0;
    *value = g_ascii_strtoull(text, &end, 10);
    if (errno || end == text || (*end && *end != '\n')) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INTERNAL_ERROR,
                    _("cannot parse '%s'"), path);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetDevGetStats:
 *
 * Reads the kernel's counters of @ifname.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsNetDevGetStats(const char *ifname,
                 vsNetDevStats *stats,
                 GError **error)
{
    if (strchr(ifname, '/')) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("invalid network device name '%s'"), ifname);
        return FALSE;
    }
    return vsNetDevReadCounter(ifname, "rx_bytes", &stats->rxBytes, error) &&
        vsNetDevReadCounter(ifname, "rx_packets", &stats->rxPackets, error) &&
        vsNetDevReadCounter(ifname, "rx_errors", &stats->rxErrors, error) &&
        vsNetDevReadCounter(ifname, "rx_dropped", &stats->rxDropped, error) &&
        vsNetDevReadCounter(ifname, "tx_bytes", &stats->txBytes, error) &&
        vsNetDevReadCounter(ifname, "tx_packets", &stats->txPackets, error) &&
        vsNetDevReadCounter(ifname, "tx_errors", &stats->txErrors, error) &&
        vsNetDevReadCounter(ifname, "tx_dropped", &stats->txDropped, error);
}
