/*
 * qemu_qcow2.h: read a qcow2 header and resolve a disk's backing chain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>

#include <glib.h>

#include "domain_conf.h"

/* What virtsave needs from a qcow2 header (docs/formatdomain.md). */
typedef struct _qemuQcow2Header qemuQcow2Header;
struct _qemuQcow2Header {
    unsigned int version;           /* 2 or 3 */
    unsigned int clusterBits;
    uint64_t size;                  /* virtual disk size in bytes */
    char *backingFile;              /* NULL: no backing file */
    char *backingFormat;            /* NULL: the header does not record it */
};

void qemuQcow2HeaderClear(qemuQcow2Header *hdr);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuQcow2Header, qemuQcow2HeaderClear);

/* One backing layer below a disk's own image. */
typedef struct _qemuQcow2Layer qemuQcow2Layer;
struct _qemuQcow2Layer {
    char *path;                     /* absolute */
    vsDomainDiskFormat format;
};

void qemuQcow2LayerFree(qemuQcow2Layer *layer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQcow2Layer, qemuQcow2LayerFree);

/* Most backing layers below one disk image. */
#define QEMU_QCOW2_CHAIN_MAX 64

gboolean qemuQcow2ReadHeader(const char *path,
                             qemuQcow2Header *hdr,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

GPtrArray *qemuQcow2CheckChain(const char *path,
                               vsDomainDiskFormat format,
                               GPtrArray *backing,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

GPtrArray *qemuQcow2ResolveChain(const char *path,
                                 vsDomainDiskFormat format,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
