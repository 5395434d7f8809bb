/*
 * qemu_interface.h: the host side of a domain's network interfaces
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "domain_conf.h"
#include "qemu_conf.h"
#include "vsnetdev.h"

/* The descriptors QEMU gets for one interface; -1 where there is none. */
typedef struct _qemuInterfaceFds qemuInterfaceFds;
struct _qemuInterfaceFds {
    int tapfd;
    int vhostfd;
};

/* Whether @net gets vhost-net, given whether the host has
 * /dev/vhost-net; FALSE with @error set when it is required but cannot
 * be had. */
gboolean qemuInterfaceWantVhost(const vsDomainNetDef *net,
                                gboolean hostHasVhost,
                                gboolean *vhost,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The bridge named by the <bridge name> of a libvirt network
 * definition @xml of network @name. */
char *qemuInterfaceParseNetworkBridge(const char *xml,
                                      const char *name,
                                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

GArray *qemuInterfacePrepare(const qemuDriverConfig *cfg,
                             vsDomainDef *def,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void qemuInterfaceFdsFree(GArray *fds);

gboolean qemuInterfaceGetStats(const vsDomainNetDef *net,
                               vsNetDevStats *stats,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

const vsDomainNetDef *qemuInterfaceFind(const vsDomainDef *def,
                                        const char *device);

vsDomainNetDef *qemuInterfaceFindUpdate(vsDomainDef *def,
                                        const vsDomainNetDef *update,
                                        gboolean hasMac,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
