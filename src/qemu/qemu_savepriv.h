/*
 * qemu_savepriv.h: the save/restore engine's internals, shared by
 * qemu_save.c and qemu_restore.c and exported for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdint.h>

#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "qemu_saveimage.h"
#include "vstypedparam.h"

/* The fdset QEMU finds the image descriptors in on restore (-add-fd). */
#define QEMU_SAVE_RESTORE_FDSET 0

/* Labels of the descriptors we hand to QEMU, shown by query-fdsets. */
#define QEMU_SAVE_FD_OPAQUE_OUT "virtsave-save-fd"
#define QEMU_SAVE_FD_OPAQUE_OUT_DIRECT "virtsave-save-direct-fd"
#define QEMU_SAVE_FD_OPAQUE_IN "virtsave-restore-fd"
#define QEMU_SAVE_FD_OPAQUE_IN_DIRECT "virtsave-restore-direct-fd"

/* A restore fails when neither QEMU's migration status nor its read
 * counter moved for this long: a stuck load must not hang the API. */
#define QEMU_SAVE_RESTORE_STALL_MS 60000

/* Room for what a save writes beyond guest RAM: header, XML slack,
 * device state and the mapped-ram bitmaps of a large guest. */
#define QEMU_SAVE_SPACE_MARGIN (16ULL * 1024 * 1024)

/* What one save or restore call asked for, after validation. */
typedef struct _qemuSaveOptions qemuSaveOptions;
struct _qemuSaveOptions {
    const char *path;           /* (transfer none) NULL: managed save */
    const char *dxml;           /* (transfer none) may be NULL */
    qemuSaveFormat format;      /* save only */
    unsigned int channels;      /* 0 on restore: not given */
    gboolean bypassCache;
    int running;                /* -1: as saved, 0: paused, 1: running */
    gboolean resetNVRAM;        /* restore: NVRAM from its template */
    int restoreMode;            /* restore: qemuRestoreMode, -1 not given */
    gboolean viaHelper;         /* the stream goes through the I/O helper:
                                 * decided once, with the format (save) or
                                 * the image (restore) */
};

gboolean qemuSaveParseOptions(const vsTypedParamList *params,
                              unsigned int flags,
                              qemuSaveFormat defaultFormat,
                              unsigned int defaultChannels,
                              qemuSaveOptions *opts,
                              GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveParseRestoreOptions(const vsTypedParamList *params,
                                     unsigned int flags,
                                     qemuSaveOptions *opts,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveCheckParams(const vsTypedParamList *params,
                             GError **error);
gboolean qemuSaveParseRunningFlags(unsigned int flags,
                                   int *running,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveCheckFormat(qemuSaveFormat format,
                             gboolean bypassCache,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveCheckQemuCaps(const qemuCaps *caps,
                               qemuSaveFormat format,
                               gboolean bypassCache,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveCheckMigrationSupport(const qemuMonitorMigrationSupport *support,
                                       const char *name,
                                       qemuSaveFormat format,
                                       gboolean bypassCache,
                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

GArray *qemuSaveBuildMigrationCaps(const GArray *known,
                                   gboolean mappedRam);

void qemuSaveBuildMigrationParams(const qemuMonitorMigrationParams *current,
                                  gboolean mappedRam,
                                  unsigned int channels,
                                  gboolean directIO,
                                  gboolean unlimitedBandwidth,
                                  qemuMonitorMigrationParams *params);

char *qemuSaveBuildURI(int fdset,
                       uint64_t offset);

int qemuSavePickFdsetId(const GPtrArray *fdsets);

gboolean qemuSaveParseVmRSS(const char *status,
                            unsigned long long *bytes);

/* With @vm locked and the job owned: migration settings around one
 * operation. @saved receives what to put back afterwards. */
const qemuMonitorMigrationSupport *qemuSaveGetMigrationSupport(qemuDomainObj *vm,
                                                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuSaveSetupMigration(qemuDomainObj *vm,
                                gboolean mappedRam,
                                unsigned int channels,
                                gboolean directIO,
                                gboolean forSave,
                                qemuMonitorMigrationParams *saved,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void qemuSaveResetMigration(qemuDomainObj *vm,
                            const qemuMonitorMigrationParams *saved);
void qemuSaveRemoveFdset(qemuDomainObj *vm,
                         int fdset);
char *qemuSaveMigrationError(qemuDomainObj *vm);
/* @vm locked, its ASYNC job owned; see qemu_saveopts.c. */
gboolean qemuSaveWaitTurn(qemuDriver *driver,
                          qemuDomainObj *vm,
                          const char *jobName,
                          unsigned long long ramBytes,
                          unsigned int *channels,
                          qemuIOSchedTurn **turn,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuSaveCanCancel(gboolean mappedRam,
                           gboolean multifd);
/* Without any lock: stop a save's migration (see qemu_saveopts.c). */
void qemuSaveCancelMigration(qemuMonitor *mon,
                             const char *name,
                             gboolean canCancel);
