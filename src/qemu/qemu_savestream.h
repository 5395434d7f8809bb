/*
 * qemu_savestream.h: checks of the QEMU migration stream inside a save
 * image
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by qemu_saveimage.h, whose header type these take.
 */

#pragma once

gboolean qemuSaveImageCheckPayload(int fd,
                                   const qemuSaveHeader *hdr,
                                   uint64_t fileSize,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageCheckStreamEnd(int fd,
                                     const qemuSaveHeader *hdr,
                                     uint64_t fileSize,
                                     uint64_t *vmdescLen,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* One RAMBlock of a mapped-ram stream; offsets are absolute in the file. */
typedef struct _qemuSaveRamBlock qemuSaveRamBlock;
struct _qemuSaveRamBlock {
    char *idstr;
    uint64_t usedLength;
    uint64_t headerOffset;   /* where the 28-byte mapped-ram header is */
    uint64_t pageSize;
    uint64_t bitmapOffset;
    uint64_t pagesOffset;
    uint64_t pagesPresent;   /* bits set in the bitmap */
};

/* What qemuSaveImageCheckMappedRam() learned about the stream. */
typedef struct _qemuSaveMappedRamReport qemuSaveMappedRamReport;
struct _qemuSaveMappedRamReport {
    char *machine;           /* machine type from the configuration */
    uint64_t ramTotal;       /* sum of the blocks' used lengths */
    uint64_t ramEnd;         /* where the stream continues after RAM */
    size_t nblocks;
    qemuSaveRamBlock *blocks;
};

void qemuSaveMappedRamReportFree(qemuSaveMappedRamReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuSaveMappedRamReport,
                              qemuSaveMappedRamReportFree);

gboolean qemuSaveImageCheckMappedRam(int fd,
                                     const qemuSaveHeader *hdr,
                                     uint64_t fileSize,
                                     qemuSaveMappedRamReport **report,
                                     GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
