/*
 * qemu_save.h: the save/restore engine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Saving hands a paused guest's memory to QEMU's file migration through
 * an fdset, so that no helper process copies it: with the "sparse"
 * format QEMU writes each page at a fixed offset (mapped-ram), from
 * several threads (multifd), optionally with O_DIRECT (direct-io).
 * Restoring starts QEMU with -incoming defer and the image's descriptors
 * in fdset 0. docs/save-restore.md describes the sequence and the
 * failure handling.
 *
 * The entry points take the same arguments as the driver's API (see
 * qemu_driver.h) and look the domain up themselves, except
 * qemuSaveRestoreManaged(), which runs inside the caller's start job.
 */

#pragma once

#include <glib.h>

#include "qemu_domain.h"
#include "qemu_saveimage.h"
#include "vstypedparam.h"

/* virDomainSave, SaveFlags, SaveParams. */
gboolean qemuSaveDomainParams(qemuDriver *driver,
                              const unsigned char *uuid,
                              const vsTypedParamList *params,
                              unsigned int flags,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainManagedSave. */
gboolean qemuSaveManagedSave(qemuDriver *driver,
                             const unsigned char *uuid,
                             unsigned int flags,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainRestore, RestoreFlags, RestoreParams. */
gboolean qemuSaveRestoreParams(qemuDriver *driver,
                               const vsTypedParamList *params,
                               unsigned int flags,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/*
 * The start of a domain that has a managed save image. Called by
 * qemuDriverStart() with @vm locked, inactive, and an ASYNC job
 * (operation START) owned by the caller; @flags are the start flags
 * (vsDomainCreateFlags: PAUSED, BYPASS_CACHE). Returns 1 when the domain
 * was restored from its image (which is then deleted), 0 when there is
 * no usable image (none, or an incomplete or unreadable one, which is
 * deleted) and the caller boots the domain, -1 with @error set when the
 * image exists but restoring it failed (the image is kept).
 */
int qemuSaveRestoreManaged(qemuDriver *driver,
                           qemuDomainObj *vm,
                           unsigned int flags,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainHasManagedSaveImage: 0 or 1, or -1 with @error set. */
int qemuSaveHasManagedImage(qemuDriver *driver,
                            const unsigned char *uuid,
                            unsigned int flags,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainManagedSaveRemove. */
gboolean qemuSaveManagedRemove(qemuDriver *driver,
                               const unsigned char *uuid,
                               unsigned int flags,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainManagedSaveGetXMLDesc. */
char *qemuSaveManagedGetXMLDesc(qemuDriver *driver,
                                const unsigned char *uuid,
                                unsigned int flags,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainManagedSaveDefineXML. */
gboolean qemuSaveManagedDefineXML(qemuDriver *driver,
                                  const unsigned char *uuid,
                                  const char *dxml,
                                  unsigned int flags,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainSaveImageGetXMLDesc. */
char *qemuSaveImageGetXMLDesc(qemuDriver *driver,
                              const char *path,
                              unsigned int flags,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainSaveImageDefineXML. */
gboolean qemuSaveImageDefineXML(qemuDriver *driver,
                                const char *path,
                                const char *dxml,
                                unsigned int flags,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* virDomainGetJobStats. */
gboolean qemuSaveGetJobStats(qemuDriver *driver,
                             const unsigned char *uuid,
                             unsigned int flags,
                             int *type,
                             vsTypedParamList **params,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* virDomainAbortJob. */
gboolean qemuSaveAbortJob(qemuDriver *driver,
                          const unsigned char *uuid,
                          unsigned int flags,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
