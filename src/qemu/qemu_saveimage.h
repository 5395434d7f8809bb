/*
 * qemu_saveimage.h: the on-disk save image (header, domain XML, QEMU stream)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The layout is byte-compatible with libvirt's QEMU driver; it is
 * described in docs/image-format.md.
 */

#pragma once

#include <glib.h>
#include <stdint.h>

#include "vsenum.h"

/* The first 16 bytes of an image; no terminating NUL on disk. */
#define QEMU_SAVE_MAGIC "LibvirtQemudSave"
#define QEMU_SAVE_PARTIAL "LibvirtQemudPart"
#define QEMU_SAVE_MAGIC_LEN 16

#define QEMU_SAVE_VERSION 2

/* Size of the fixed header; the data area follows it. */
#define QEMU_SAVE_HEADER_SIZE 92

/* Room left in the data area of a new image so that its XML can grow
 * later (save-image-define) without moving the QEMU stream. */
#define QEMU_SAVE_XML_SLACK (64 * 1024)

/* Upper bound on data_len accepted from a file. A domain XML plus CPU
 * cookie is a few KiB to a few hundred KiB; 64 MiB leaves a wide margin
 * while keeping a crafted header from making us allocate gigabytes. */
#define QEMU_SAVE_DATA_LEN_MAX (64 * 1024 * 1024)

/* The smallest alignment of the QEMU stream in images virtsave writes. */
#define QEMU_SAVE_ALIGN_MIN 4096

typedef enum {
    QEMU_SAVE_FORMAT_RAW = 0,
    QEMU_SAVE_FORMAT_GZIP = 1,
    QEMU_SAVE_FORMAT_BZIP2 = 2,
    QEMU_SAVE_FORMAT_XZ = 3,
    QEMU_SAVE_FORMAT_LZOP = 4,
    QEMU_SAVE_FORMAT_ZSTD = 5,
    QEMU_SAVE_FORMAT_SPARSE = 6,

    QEMU_SAVE_FORMAT_LAST
} qemuSaveFormat;

VS_ENUM_DECL(qemuSaveFormat);

/*
 * The 92-byte header exactly as stored, integers in host byte order once
 * qemuSaveImageReadHeader() has returned it.
 */
typedef struct _qemuSaveHeader qemuSaveHeader;
struct _qemuSaveHeader {
    char magic[QEMU_SAVE_MAGIC_LEN];
    uint32_t version;
    uint32_t dataLen;       /* bytes of data area after the header */
    uint32_t wasRunning;    /* 1: resume the vCPUs after restore */
    uint32_t format;        /* qemuSaveFormat */
    uint32_t cookieOffset;  /* cookie start in the data area, 0: none */
    uint32_t unused[14];
};

/* Flags for qemuSaveImageCheckHeader(). */
typedef enum {
    /* Accept the partial magic (offline inspection of a failed save). */
    QEMU_SAVE_CHECK_ALLOW_PARTIAL = 1 << 0,
} qemuSaveCheckFlags;

gboolean qemuSaveImageReadHeader(int fd,
                                 qemuSaveHeader *hdr,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageCheckHeader(const qemuSaveHeader *hdr,
                                  uint64_t fileSize,
                                  unsigned int flags,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageIsComplete(const qemuSaveHeader *hdr);

uint64_t qemuSaveImageDataOffset(const qemuSaveHeader *hdr);

gboolean qemuSaveImageReadData(int fd,
                               const qemuSaveHeader *hdr,
                               char **xml,
                               char **cookie,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

void *qemuSaveImageNewBlock(const char *xml,
                            const char *cookie,
                            qemuSaveFormat format,
                            gboolean wasRunning,
                            size_t align,
                            qemuSaveHeader *hdr,
                            size_t *len,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageMarkComplete(int fd,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageUpdateXML(const char *path,
                                const char *xml,
                                int wasRunning,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The checks of the QEMU stream after the data area. */
#include "qemu_savestream.h"
