/*
 * qemu_guest.h: domain calls answered by the guest agent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "domain_conf.h"
#include "qemu_driver.h"
#include "vstypedparam.h"

/* virDomainSetTime: VIR_DOMAIN_TIME_SYNC */
#define QEMU_GUEST_TIME_SYNC (1 << 0)
/* virDomainGetHostname: VIR_DOMAIN_GET_HOSTNAME_LEASE, _AGENT */
#define QEMU_GUEST_HOSTNAME_LEASE (1 << 0)
#define QEMU_GUEST_HOSTNAME_AGENT (1 << 1)

/* The guest agent channel of @def: (transfer none) the channel of type
 * unix named org.qemu.guest_agent.0, or NULL. */
const vsDomainChannelDef *qemuGuestFindChannel(const vsDomainDef *def);

/* Whether the guest has the agent channel's port open, from the reply
 * of query-chardev (frontend-open of the channel's chardev). */
gboolean qemuGuestParseChannelOpen(json_object *reply,
                                   const char *alias);

gboolean qemuDriverGetTime(qemuDriver *driver,
                           const unsigned char *uuid,
                           unsigned int flags,
                           long long *seconds,
                           unsigned int *nseconds,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuDriverSetTime(qemuDriver *driver,
                           const unsigned char *uuid,
                           long long seconds,
                           unsigned int nseconds,
                           unsigned int flags,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
char *qemuDriverGetHostname(qemuDriver *driver,
                            const unsigned char *uuid,
                            unsigned int flags,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
int qemuDriverFSFreeze(qemuDriver *driver,
                       const unsigned char *uuid,
                       const char *const *mountpoints,
                       unsigned int flags,
                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
int qemuDriverFSThaw(qemuDriver *driver,
                     const unsigned char *uuid,
                     const char *const *mountpoints,
                     unsigned int flags,
                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The guest's interfaces as its agent reports them: (transfer full)
 * qemuStatsInterface. */
GPtrArray *qemuGuestInterfaceAddresses(qemuDriver *driver,
                                       const unsigned char *uuid,
                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-shutdown with @mode "powerdown" or "reboot". */
gboolean qemuGuestShutdown(qemuDriver *driver,
                           const unsigned char *uuid,
                           const char *mode,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainGetGuestInfo: (transfer full) the typed parameters. */
vsTypedParamList *qemuDriverGetGuestInfo(qemuDriver *driver,
                                         const unsigned char *uuid,
                                         unsigned int types,
                                         unsigned int flags,
                                         GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
