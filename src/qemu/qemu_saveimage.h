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

#include "domain_conf.h"
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

/*
 * The lifecycle of an image, shared by the driver and the virtsave tool:
 * qemuSaveImageOpen() reads and checks header and data area,
 * qemuSaveImageVerify() runs every further check a restore runs, and
 * qemuSaveImageCommit() makes a newly written image complete and gives
 * it its name. See docs/image-format.md.
 */
typedef struct _qemuSaveImage qemuSaveImage;
struct _qemuSaveImage {
    char *path;
    int fd;                 /* O_RDONLY, buffered; -1 before the open */
    qemuSaveHeader hdr;     /* in host byte order */
    uint64_t size;
    uint64_t allocated;
    gboolean swapped;       /* the header is stored in the other order */
    char *xml;
    char *cookie;           /* NULL: none */
};

#define QEMU_SAVE_IMAGE_INIT { .fd = -1 }

void qemuSaveImageClear(qemuSaveImage *img);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuSaveImage, qemuSaveImageClear);

/* Told the result of each named check as it runs; @err is NULL when the
 * check passed. */
typedef void (*qemuSaveImageCheckFunc)(const char *check,
                                       const GError *err,
                                       void *opaque);

gboolean qemuSaveImageOpen(const char *path,
                           unsigned int flags,
                           qemuSaveImage *img,
                           qemuSaveImageCheckFunc report,
                           void *opaque,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

vsDomainDef *qemuSaveImageParseDef(const qemuSaveImage *img,
                                   GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuSaveImageVerify(const qemuSaveImage *img,
                             vsDomainDef **def,
                             qemuSaveImageCheckFunc report,
                             void *opaque,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

char *qemuSaveImageTempPath(const char *path);

/* When each step of qemuSaveImageCommit() ended (monotonic, us); 0 for
 * a step that was not reached. */
typedef struct _qemuSaveImageCommitTimes qemuSaveImageCommitTimes;
struct _qemuSaveImageCommitTimes {
    gint64 dataDurable;
    gint64 headerDurable;
    gint64 renamed;
};

gboolean qemuSaveImageCommit(const char *tmpPath,
                             const char *path,
                             gboolean dropCache,
                             gboolean *renamed,
                             qemuSaveImageCommitTimes *times,
                             GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
