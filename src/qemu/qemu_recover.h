/*
 * qemu_recover.h: undoing a save that a daemon exit interrupted
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A save records itself in the domain's status file while it runs
 * (qemuRecoverRecordSave() .. qemuRecoverForgetSave()). A daemon that
 * reattaches to a QEMU whose status file still holds such a record knows
 * the save never committed: qemuRecoverSave() cancels the migration,
 * removes the partial image, QEMU's copies of its descriptors and the
 * migration settings, and gives the guest back the state it had before.
 * The reasons are in docs/save-restore.md, "Crash recovery".
 */

#pragma once

#include <glib.h>

#include "qemu_conf.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"

/* How long recovery waits for QEMU to end a cancelled migration, or to
 * complete one that is not cancelled (qemuSaveCanCancel()). */
#define QEMU_RECOVER_CANCEL_WAIT_MS 30000

/* With @vm locked and its save job owned: record the save before it
 * pauses the guest, add what QEMU was given, and forget it once the save
 * has ended either way. Each rewrites the status file (failures are
 * logged: the save itself does not depend on them). */
void qemuRecoverRecordSave(qemuDomainObj *vm,
                           const char *path,
                           const char *tmpPath,
                           gboolean managed);
void qemuRecoverUpdateSave(qemuDomainObj *vm,
                           int fdset,
                           const qemuMonitorMigrationParams *saved);
void qemuRecoverForgetSave(qemuDomainObj *vm);

void qemuRecoverSave(qemuDriver *driver,
                     qemuDomainObj *vm,
                     qemuDomainSaveRecord *rec);

gboolean qemuRecoverParsePartName(const char *name,
                                  const char *prefix,
                                  long long *owner);
void qemuRecoverSweepDir(const char *dir,
                         const char *prefix);
