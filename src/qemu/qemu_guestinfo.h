/*
 * qemu_guestinfo.h: virDomainGetGuestInfo from the guest agent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qemu_agent.h"
#include "vstypedparam.h"

/* virDomainGuestInfoTypes */
#define QEMU_GUEST_INFO_USERS (1 << 0)
#define QEMU_GUEST_INFO_OS (1 << 1)
#define QEMU_GUEST_INFO_TIMEZONE (1 << 2)
#define QEMU_GUEST_INFO_HOSTNAME (1 << 3)
#define QEMU_GUEST_INFO_FILESYSTEM (1 << 4)
#define QEMU_GUEST_INFO_DISKS (1 << 5)
#define QEMU_GUEST_INFO_INTERFACES (1 << 6)
#define QEMU_GUEST_INFO_LOAD (1 << 7)

/* Pure: the agent's replies as libvirt's parameters. */
void qemuGuestInfoParseOS(json_object *ret, vsTypedParamList *params);
void qemuGuestInfoParseTimezone(json_object *ret, vsTypedParamList *params);
void qemuGuestInfoParseUsers(json_object *ret, vsTypedParamList *params);
void qemuGuestInfoFormatInterfaces(GPtrArray *ifaces,
                                   vsTypedParamList *params);

/* Ask @agent for the groups in @types (0: all that virtsave reports). */
gboolean qemuGuestInfoCollect(qemuAgent *agent,
                              unsigned int types,
                              vsTypedParamList *params,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
