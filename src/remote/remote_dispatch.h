/*
 * remote_dispatch.h: libvirt's REMOTE program on top of the QEMU driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Decodes each call's arguments, calls the matching qemuDriver* entry
 * point, encodes its result, and turns a driver GError into the error
 * reply libvirt clients understand.
 */

#pragma once

#include <glib.h>

#include "vsnetserver.h"
#include "qemu_driver.h"

typedef struct _remoteProgram remoteProgram;

remoteProgram *remoteProgramNew(qemuDriver *driver, gboolean keepalive);
void remoteProgramFree(remoteProgram *prog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(remoteProgram, remoteProgramFree);

void remoteProgramRegister(remoteProgram *prog, vsNetServer *srv);

vsNetMessage *remoteDispatch(vsNetServer *srv, vsNetClient *client,
                             const vsNetMessage *call, gpointer opaque);
gboolean remoteProcIsPriority(gint32 proc, gpointer opaque);
void remoteErrorToWire(const GError *error, int *code, int *domain,
                       char **message);
