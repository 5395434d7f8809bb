/*
 * vsnetdev.h: tap devices, Linux bridges and interface counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/* Flags of vsNetDevTapOpen(). */
typedef enum {
    /* The tap carries a virtio-net header (IFF_VNET_HDR). */
    VS_NETDEV_TAP_VNET_HDR = 1 << 0,
    /* Create a new tap; fail if @name exists (IFF_TUN_EXCL). Without
     * it, @name must be an existing tap, which is used unchanged. */
    VS_NETDEV_TAP_CREATE = 1 << 1,
} vsNetDevTapFlags;

/* Open a tap through /dev/net/tun. A created tap is not persistent: it
 * disappears when its last descriptor closes. @name may hold "%d" for
 * the kernel to pick the lowest free number. *@ifname gets the name.
 * Returns the descriptor (O_CLOEXEC), or -1 with @error set. */
int vsNetDevTapOpen(const char *name, unsigned int flags, char **ifname,
                    GError **error) G_GNUC_WARN_UNUSED_RESULT;

gboolean vsNetDevExists(const char *ifname);
gboolean vsNetDevIsBridge(const char *ifname);

gboolean vsNetDevSetMAC(const char *ifname, const unsigned char mac[6],
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetDevGetMTU(const char *ifname, unsigned int *mtu,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetDevSetMTU(const char *ifname, unsigned int mtu,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetDevSetUp(const char *ifname, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetDevBridgeAddPort(const char *bridge, const char *ifname,
                               GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The kernel's counters of an interface, as the host sees them. */
typedef struct _vsNetDevStats vsNetDevStats;
struct _vsNetDevStats {
    unsigned long long rxBytes;
    unsigned long long rxPackets;
    unsigned long long rxErrors;
    unsigned long long rxDropped;
    unsigned long long txBytes;
    unsigned long long txPackets;
    unsigned long long txErrors;
    unsigned long long txDropped;
};

gboolean vsNetDevGetStats(const char *ifname, vsNetDevStats *stats,
                          GError **error) G_GNUC_WARN_UNUSED_RESULT;
