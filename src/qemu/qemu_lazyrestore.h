/*
 * qemu_lazyrestore.h: restoring a sparse image with the guest's RAM
 * mapped copy-on-write from the image
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "domain_conf.h"
#include "qemu_domain.h"
#include "qemu_saveimage.h"

/* The RAM block QEMU names the guest's main memory ("pc.ram" for both
 * the pc and q35 machines); the memory backend must carry this id. */
#define QEMU_LAZY_RESTORE_RAM_BLOCK "pc.ram"

/* A lazy restore, prepared before QEMU starts. */
typedef struct _qemuLazyRestore qemuLazyRestore;
struct _qemuLazyRestore {
    int imageFd;            /* O_RDONLY on the image; QEMU maps it */
    int streamFd;           /* memfd: the stream without the mapped pages */
    uint64_t pagesOffset;   /* where the RAM block's pages start */
    uint64_t size;          /* the RAM block's length = the backend's */
    uint64_t copied;        /* bytes of the stream copy */
    gboolean cloned;        /* imageFd is a reflink clone of the image */
};

void qemuLazyRestoreFree(qemuLazyRestore *lazy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuLazyRestore, qemuLazyRestoreFree);

gboolean qemuLazyRestoreCheckDomain(const vsDomainDef *def,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuLazyRestoreCheckBlock(const qemuSaveRamBlock *blk,
                                   uint64_t fileSize,
                                   uint64_t memoryBytes,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

qemuLazyRestore *qemuLazyRestorePrepare(const char *path,
                                        int fd,
                                        const qemuSaveHeader *hdr,
                                        uint64_t fileSize,
                                        const vsDomainDef *def,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void qemuLazyRestoreWarmUp(const qemuLazyRestore *lazy,
                           qemuDomainObj *vm,
                           gboolean detach);

void qemuLazyRestoreReattach(qemuDomainObj *vm);
