/*
 * qemu_graphics.h: display ports, runtime socket paths, display
 * passwords and the ptys of character devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "domain_conf.h"
#include "qemu_monitor.h"

/* Display ports held by the daemon's running domains: port -> the
 * owner's UUID string. */
typedef struct _qemuGraphicsPorts qemuGraphicsPorts;
struct _qemuGraphicsPorts {
    GMutex lock;
    GHashTable *owners;
};

qemuGraphicsPorts *qemuGraphicsPortsNew(void);
void qemuGraphicsPortsFree(qemuGraphicsPorts *ports);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuGraphicsPorts, qemuGraphicsPortsFree);

gboolean qemuGraphicsPrepare(qemuGraphicsPorts *ports,
                             const char *stateDir,
                             vsDomainDef *def,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void qemuGraphicsRelease(qemuGraphicsPorts *ports,
                         const vsDomainDef *def);

void qemuGraphicsParseChardevPtys(json_object *reply,
                                  vsDomainDef *def);

gboolean qemuGraphicsSetupMonitor(qemuMonitor *mon,
                                  vsDomainDef *def,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
