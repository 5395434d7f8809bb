/*
 * qemu_savestream.c: checks of the QEMU migration stream inside a save
 * image (payload magic, mapped-ram layout, end of stream)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The stream's structure is described in docs/image-format.md; the
 * facts behind it were checked on real images. Nothing here trusts an
 * offset or a length read from the file before bounding it.
 */

#include <config.h>

#include "qemu_saveimage.h"
#include "qemu_saveimagepriv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.savestream");

/* QEMU migration stream constants (see docs/image-format.md). */
#define QEMU_STREAM_MAGIC 0x5145564dU          /* "QEVM" */
#define QEMU_STREAM_VERSION 3
#define QEMU_STREAM_SECTION_START 0x01
#define QEMU_STREAM_SUBSECTION 0x05
#define QEMU_STREAM_VMDESCRIPTION 0x06
#define QEMU_STREAM_CONFIGURATION 0x07
#define QEMU_STREAM_EOF 0x00

/* RAM section: the low bits of the first word are flags. */
#define QEMU_RAM_SECTION_VERSION 4
#define QEMU_RAM_FLAG_MEM_SIZE 0x04
#define QEMU_RAM_FLAG_MASK 0x3ffULL

#define QEMU_MAPPED_RAM_VERSION 1
#define QEMU_MAPPED_RAM_HEADER_SIZE 28

/* Sanity bounds for values read from the stream. */
#define QEMU_STREAM_NAME_MAX 256
#define QEMU_STREAM_CAPS_MAX 64
#define QEMU_STREAM_RAM_BLOCKS_MAX 4096
#define QEMU_STREAM_PAGE_SIZE_MIN 1024
#define QEMU_STREAM_PAGE_SIZE_MAX (1024 * 1024)
/* How far past an unknown configuration subsection to look for RAM. */
#define QEMU_STREAM_SCAN_MAX 65536
/* Tail of the file searched for the end marker and VM description. */
#define QEMU_STREAM_TAIL_MAX (8 * 1024 * 1024)


/*
 * Random access to the image for the stream parsers: a descriptor (the
 * daemon and the tool) or memory (tests and fuzzing).
 */
typedef struct {
    int fd;
    const uint8_t *mem;
    uint64_t size;
} qemuSaveSource;


static gboolean
qemuSaveSourceRead(const qemuSaveSource *src,
                   void *buf,
                   size_t len,
                   uint64_t offset,
                   GError **error)
{
    if (offset > src->size || len > src->size - offset) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: the QEMU stream needs %zu bytes at offset %llu but the file has %llu bytes"),
                    len, (unsigned long long) offset,
                    (unsigned long long) src->size);
        return FALSE;
    }

    if (src->mem) {
        memcpy(buf, src->mem + offset, len);
        return TRUE;
    }

    return vsFilePreadFull(src->fd, buf, len, offset, error);
}


/* A read position in the stream. */
typedef struct {
    const qemuSaveSource *src;
    uint64_t pos;
} qemuSaveCursor;


static gboolean
qemuSaveCursorRead(qemuSaveCursor *cur,
                   void *buf,
                   size_t len,
                   GError **error)
{
    if (!qemuSaveSourceRead(cur->src, buf, len, cur->pos, error))
        return FALSE;
    cur->pos += len;
    return TRUE;
}


static gboolean
qemuSaveCursorU8(qemuSaveCursor *cur,
                 uint8_t *val,
                 GError **error)
{
    return qemuSaveCursorRead(cur, val, 1, error);
}


static gboolean
qemuSaveCursorBE32(qemuSaveCursor *cur,
                   uint32_t *val,
                   GError **error)
{
    uint32_t v;

    if (!qemuSaveCursorRead(cur, &v, sizeof(v), error))
        return FALSE;
    *val = GUINT32_FROM_BE(v);
    return TRUE;
}


static gboolean
qemuSaveCursorBE64(qemuSaveCursor *cur,
                   uint64_t *val,
                   GError **error)
{
    uint64_t v;

    if (!qemuSaveCursorRead(cur, &v, sizeof(v), error))
        return FALSE;
    *val = GUINT64_FROM_BE(v);
    return TRUE;
}


/* A string of @len bytes that must not contain NUL. */
static char *
qemuSaveCursorString(qemuSaveCursor *cur,
                     size_t len,
                     GError **error)
{
    g_autofree char *str = g_malloc0(len + 1);

    if (!qemuSaveCursorRead(cur, str, len, error))
        return NULL;

    if (len == 0 || strlen(str) != len) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid name in the QEMU stream at offset %llu"),
                    (unsigned long long) (cur->pos - len));
        return NULL;
    }

    return g_steal_pointer(&str);
}


/* A string preceded by its length in one byte. */
static char *
qemuSaveCursorString8(qemuSaveCursor *cur,
                      GError **error)
{
    uint8_t len;

    if (!qemuSaveCursorU8(cur, &len, error))
        return NULL;

    return qemuSaveCursorString(cur, len, error);
}


/**
 * qemuSaveMappedRamReportFree:
 * @report: a report, or NULL
 *
 * Frees @report and the blocks it lists.
 */
void
qemuSaveMappedRamReportFree(qemuSaveMappedRamReport *report)
{
    size_t i;

    if (!report)
        return;

    for (i = 0; i < report->nblocks; i++)
        g_free(report->blocks[i].idstr);
    g_free(report->blocks);
    g_free(report->machine);
    g_free(report);
}


/*
 * The configuration section records the machine type and, in
 * subsections, the capabilities both ends must agree on. Subsections
 * carry no length, so only known ones can be stepped over; after an
 * unknown one the RAM section is searched for instead (*unknown is set).
 */
static gboolean
qemuSaveStreamParseSubsection(qemuSaveCursor *cur,
                              gboolean *mappedRam,
                              gboolean *unknown,
                              GError **error)
{
    g_autofree char *name = NULL;
    uint32_t version;
    uint32_t count;
    uint32_t i;

    if (!(name = qemuSaveCursorString8(cur, error)) ||
        !qemuSaveCursorBE32(cur, &version, error))
        return FALSE;

    if (g_str_equal(name, "configuration/target-page-bits"))
        return qemuSaveCursorBE32(cur, &count, error);

    if (g_str_equal(name, "configuration/uuid")) {
        uint8_t uuid[16];

        return qemuSaveCursorRead(cur, uuid, sizeof(uuid), error);
    }

    if (!g_str_equal(name, "configuration/capabilities")) {
        VS_DEBUG("unknown configuration subsection '%s'", name);
        *unknown = TRUE;
        return TRUE;
    }

    if (!qemuSaveCursorBE32(cur, &count, error))
        return FALSE;
    if (count > QEMU_STREAM_CAPS_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid capability count %u in the QEMU stream"),
                    count);
        return FALSE;
    }

    for (i = 0; i < count; i++) {
        g_autofree char *cap = NULL;

        if (!(cap = qemuSaveCursorString8(cur, error)))
            return FALSE;
        if (g_str_equal(cap, "mapped-ram")) {
            *mappedRam = TRUE;
        } else if (g_str_equal(cap, "x-ignore-shared")) {
            /* It adds fields to every RAM block we do not parse. */
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU stream uses the unsupported capability '%s'"),
                        cap);
            return FALSE;
        }
    }

    return TRUE;
}


/* Look for the start of the RAM section after data we cannot parse. */
static gboolean
qemuSaveStreamScanRam(qemuSaveCursor *cur,
                      GError **error)
{
    static const uint8_t tail[] = {
        3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, QEMU_RAM_SECTION_VERSION,
    };
    g_autofree uint8_t *buf = NULL;
    size_t len;
    size_t i;

    if (cur->pos >= cur->src->size)
        len = 0;
    else
        len = MIN(cur->src->size - cur->pos, QEMU_STREAM_SCAN_MAX);

    buf = g_malloc(MAX(len, 1));
    if (!qemuSaveSourceRead(cur->src, buf, len, cur->pos, error))
        return FALSE;

    for (i = 0; len >= 5 + sizeof(tail) && i <= len - 5 - sizeof(tail); i++) {
        if (buf[i] == QEMU_STREAM_SECTION_START &&
            memcmp(buf + i + 5, tail, sizeof(tail)) == 0) {
            cur->pos += i;
            return TRUE;
        }
    }

    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("cannot find the RAM section in the QEMU stream"));
    return FALSE;
}


/* What the configuration section says about the mapped-ram capability. */
typedef enum {
    QEMU_STREAM_MAPPED_RAM_OFF,
    QEMU_STREAM_MAPPED_RAM_ON,
    QEMU_STREAM_MAPPED_RAM_UNKNOWN,  /* an unknown subsection hid the rest */
} qemuSaveStreamMappedRam;


/*
 * Parse the stream header and the configuration section. @cur is left
 * on the first section after the configuration, or, when an unknown
 * subsection stopped the parse, right after that subsection's version.
 */
static gboolean
qemuSaveStreamParseStart(qemuSaveCursor *cur,
                         char **machine,
                         qemuSaveStreamMappedRam *mappedRam,
                         GError **error)
{
    gboolean found = FALSE;
    gboolean unknown = FALSE;
    uint32_t magic;
    uint32_t version;
    uint32_t len;
    uint8_t type;

    if (!qemuSaveCursorBE32(cur, &magic, error) ||
        !qemuSaveCursorBE32(cur, &version, error))
        return FALSE;

    if (magic != QEMU_STREAM_MAGIC || version != QEMU_STREAM_VERSION) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("QEMU stream in the save image does not start with a version %d stream header"),
                    QEMU_STREAM_VERSION);
        return FALSE;
    }

    if (!qemuSaveCursorU8(cur, &type, error))
        return FALSE;

    if (type == QEMU_STREAM_CONFIGURATION) {
        if (!qemuSaveCursorBE32(cur, &len, error))
            return FALSE;
        if (len > QEMU_STREAM_NAME_MAX) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("invalid machine type length %u in the QEMU stream"),
                        len);
            return FALSE;
        }
        if (!(*machine = qemuSaveCursorString(cur, len, error)))
            return FALSE;

        while (!unknown) {
            if (!qemuSaveCursorU8(cur, &type, error))
                return FALSE;
            if (type != QEMU_STREAM_SUBSECTION)
                break;
            if (!qemuSaveStreamParseSubsection(cur, &found, &unknown, error))
                return FALSE;
        }
    }

    if (unknown) {
        *mappedRam = QEMU_STREAM_MAPPED_RAM_UNKNOWN;
        return TRUE;
    }

    /* Give the section type back. */
    cur->pos--;
    *mappedRam = found ? QEMU_STREAM_MAPPED_RAM_ON : QEMU_STREAM_MAPPED_RAM_OFF;
    return TRUE;
}


/*
 * A raw image must hold a plain stream: QEMU refuses to load a mapped-ram
 * stream without the capability, and the sparse restore path is the only
 * one that sets it.
 */
static gboolean
qemuSaveStreamCheckNotMappedRam(int fd,
                                uint64_t start,
                                uint64_t fileSize,
                                GError **error)
{
    qemuSaveSource src = { fd, NULL, fileSize };
    qemuSaveCursor cur = { &src, start };
    qemuSaveStreamMappedRam mappedRam;
    g_autofree char *machine = NULL;

    if (!qemuSaveStreamParseStart(&cur, &machine, &mappedRam, error))
        return FALSE;

    if (mappedRam == QEMU_STREAM_MAPPED_RAM_ON) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("QEMU stream in the raw save image was written with the mapped-ram capability"));
        return FALSE;
    }

    return TRUE;
}


/* Magic bytes that open the payload of each format. */
typedef struct {
    const char *bytes;
    size_t len;
} qemuSavePayloadMagic;

static const qemuSavePayloadMagic qemuSavePayloadMagics[] = {
    [QEMU_SAVE_FORMAT_RAW] = { "QEVM", 4 },
    [QEMU_SAVE_FORMAT_GZIP] = { "\x1f\x8b", 2 },
    [QEMU_SAVE_FORMAT_BZIP2] = { "BZh", 3 },
    [QEMU_SAVE_FORMAT_XZ] = { "\xfd" "7zXZ\0", 6 },
    [QEMU_SAVE_FORMAT_LZOP] = { "\x89" "LZO\0\r\n\x1a\n", 9 },
    [QEMU_SAVE_FORMAT_ZSTD] = { "\x28\xb5\x2f\xfd", 4 },
    [QEMU_SAVE_FORMAT_SPARSE] = { "QEVM", 4 },
};
G_STATIC_ASSERT(G_N_ELEMENTS(qemuSavePayloadMagics) == QEMU_SAVE_FORMAT_LAST);


/**
 * qemuSaveImageCheckPayload:
 * @fd: the image
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @fileSize: size of the image file
 * @error: return location for a #GError
 *
 * Checks that the payload after the data area starts the way its format
 * says: a QEMU stream header (magic and version) for raw and sparse, the
 * compressor's magic bytes otherwise. A format field that names the wrong
 * payload makes a restore fail late or hang, so this is worth a read.
 *
 * Returns: TRUE if the payload matches, FALSE with @error set.
 */
gboolean
qemuSaveImageCheckPayload(int fd,
                          const qemuSaveHeader *hdr,
                          uint64_t fileSize,
                          GError **error)
{
    const qemuSavePayloadMagic *magic;
    uint64_t offset = qemuSaveImageDataOffset(hdr);
    unsigned char buf[16] = { 0 };
    uint32_t version;
    gssize n;

    VS_RETURN_VAL_IF_FAIL(hdr->format < QEMU_SAVE_FORMAT_LAST, FALSE, error);
    magic = &qemuSavePayloadMagics[hdr->format];

    if (fileSize <= offset) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: it has no QEMU migration stream"));
        return FALSE;
    }

    if ((n = vsFilePread(fd, buf, sizeof(buf), offset, error)) < 0)
        return FALSE;

    if ((size_t) n < magic->len ||
        memcmp(buf, magic->bytes, magic->len) != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image payload does not start like '%s' data"),
                    qemuSaveFormatTypeToString(hdr->format));
        return FALSE;
    }

    if (hdr->format == QEMU_SAVE_FORMAT_RAW ||
        hdr->format == QEMU_SAVE_FORMAT_SPARSE) {
        if (n < 8) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("save image is truncated inside the QEMU stream header"));
            return FALSE;
        }
        memcpy(&version, buf + 4, sizeof(version));
        version = GUINT32_FROM_BE(version);
        if (version != QEMU_STREAM_VERSION) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("unsupported QEMU stream version %u in save image"),
                        version);
            return FALSE;
        }
    }

    if (hdr->format == QEMU_SAVE_FORMAT_RAW)
        return qemuSaveStreamCheckNotMappedRam(fd, offset, fileSize, error);

    return TRUE;
}


/* The RAM section header and the total RAM size that starts it. */
static gboolean
qemuSaveStreamParseRamStart(qemuSaveCursor *cur,
                            uint64_t *total,
                            GError **error)
{
    g_autofree char *idstr = NULL;
    uint32_t sectionId;
    uint32_t instance;
    uint32_t version;
    uint64_t word;
    uint8_t type;

    if (!qemuSaveCursorU8(cur, &type, error))
        return FALSE;
    if (type != QEMU_STREAM_SECTION_START) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unexpected section type %u at offset %llu of the QEMU stream"),
                    type, (unsigned long long) (cur->pos - 1));
        return FALSE;
    }

    if (!qemuSaveCursorBE32(cur, &sectionId, error) ||
        !(idstr = qemuSaveCursorString8(cur, error)) ||
        !qemuSaveCursorBE32(cur, &instance, error) ||
        !qemuSaveCursorBE32(cur, &version, error))
        return FALSE;

    if (!g_str_equal(idstr, "ram")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("the first section of the QEMU stream is '%s', not 'ram'"),
                    idstr);
        return FALSE;
    }

    if (version != QEMU_RAM_SECTION_VERSION) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unsupported RAM section version %u in the QEMU stream"),
                    version);
        return FALSE;
    }

    if (!qemuSaveCursorBE64(cur, &word, error))
        return FALSE;

    if ((word & QEMU_RAM_FLAG_MASK) != QEMU_RAM_FLAG_MEM_SIZE ||
        (word & ~QEMU_RAM_FLAG_MASK) == 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid RAM size word 0x%llx in the QEMU stream"),
                    (unsigned long long) word);
        return FALSE;
    }

    *total = word & ~QEMU_RAM_FLAG_MASK;
    return TRUE;
}


/* Count the pages the bitmap of @blk marks present. */
static gboolean
qemuSaveStreamCountPages(const qemuSaveSource *src,
                         qemuSaveRamBlock *blk,
                         GError **error)
{
    uint64_t pages = blk->usedLength / blk->pageSize;
    uint64_t bytes = (pages + 7) / 8;
    uint64_t done = 0;
    g_autofree uint8_t *buf = g_malloc(MIN(bytes, 65536));

    blk->pagesPresent = 0;
    while (done < bytes) {
        size_t chunk = MIN(bytes - done, 65536);
        size_t i;

        if (!qemuSaveSourceRead(src, buf, chunk, blk->bitmapOffset + done,
                                error))
            return FALSE;

        /* Bits past the last page must be clear in the last byte. */
        if (done + chunk == bytes && pages % 8 &&
            (buf[chunk - 1] >> (pages % 8)) != 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("bitmap of RAM block '%s' marks pages past its end"),
                        blk->idstr);
            return FALSE;
        }

        for (i = 0; i < chunk; i++)
            blk->pagesPresent += __builtin_popcount(buf[i]);
        done += chunk;
    }

    return TRUE;
}


/* Check the mapped-ram header of @blk against itself and the file. */
static gboolean
qemuSaveStreamCheckBlock(const qemuSaveSource *src,
                         const qemuSaveRamBlock *blk,
                         GError **error)
{
    uint64_t headerEnd = blk->headerOffset + QEMU_MAPPED_RAM_HEADER_SIZE;
    uint64_t bitmapBytes;

    if (blk->pageSize < QEMU_STREAM_PAGE_SIZE_MIN ||
        blk->pageSize > QEMU_STREAM_PAGE_SIZE_MAX ||
        (blk->pageSize & (blk->pageSize - 1)) != 0 ||
        blk->usedLength % blk->pageSize != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid page size %llu for RAM block '%s' of %llu bytes"),
                    (unsigned long long) blk->pageSize, blk->idstr,
                    (unsigned long long) blk->usedLength);
        return FALSE;
    }

    bitmapBytes = (blk->usedLength / blk->pageSize + 7) / 8;
    if (blk->bitmapOffset < headerEnd ||
        blk->bitmapOffset > UINT64_MAX - bitmapBytes ||
        blk->bitmapOffset + bitmapBytes > blk->pagesOffset) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("bitmap of RAM block '%s' at offset %llu does not lie between its header and its pages"),
                    blk->idstr, (unsigned long long) blk->bitmapOffset);
        return FALSE;
    }

    /* Direct I/O on the pages needs them page aligned in the file. */
    if (blk->pagesOffset % blk->pageSize != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("pages of RAM block '%s' at offset %llu are not aligned to its page size"),
                    blk->idstr, (unsigned long long) blk->pagesOffset);
        return FALSE;
    }

    if (blk->pagesOffset > src->size ||
        blk->usedLength > src->size - blk->pagesOffset) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: pages of RAM block '%s' end at offset %llu but the file has %llu bytes"),
                    blk->idstr,
                    (unsigned long long) (blk->pagesOffset + blk->usedLength),
                    (unsigned long long) src->size);
        return FALSE;
    }

    return TRUE;
}


/* One RAM block: name, size, mapped-ram header; leaves @cur after it. */
static gboolean
qemuSaveStreamParseBlock(qemuSaveCursor *cur,
                         uint64_t remaining,
                         qemuSaveRamBlock *blk,
                         GError **error)
{
    uint32_t version;

    if (!(blk->idstr = qemuSaveCursorString8(cur, error)) ||
        !qemuSaveCursorBE64(cur, &blk->usedLength, error))
        return FALSE;

    if (blk->usedLength == 0 || blk->usedLength > remaining) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid length %llu of RAM block '%s' in the QEMU stream"),
                    (unsigned long long) blk->usedLength, blk->idstr);
        return FALSE;
    }

    blk->headerOffset = cur->pos;
    if (!qemuSaveCursorBE32(cur, &version, error) ||
        !qemuSaveCursorBE64(cur, &blk->pageSize, error) ||
        !qemuSaveCursorBE64(cur, &blk->bitmapOffset, error) ||
        !qemuSaveCursorBE64(cur, &blk->pagesOffset, error))
        return FALSE;

    if (version != QEMU_MAPPED_RAM_VERSION) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unsupported mapped-ram header version %u for RAM block '%s'"),
                    version, blk->idstr);
        return FALSE;
    }

    if (!qemuSaveStreamCheckBlock(cur->src, blk, error) ||
        !qemuSaveStreamCountPages(cur->src, blk, error))
        return FALSE;

    /* The stream continues right after the block's page area. */
    cur->pos = blk->pagesOffset + blk->usedLength;
    return TRUE;
}


/* After the blocks the RAM section goes on with a word of flags only. */
static gboolean
qemuSaveStreamCheckRamEnd(qemuSaveCursor *cur,
                          GError **error)
{
    uint64_t word;

    if (!qemuSaveCursorBE64(cur, &word, error))
        return FALSE;

    if ((word & ~QEMU_RAM_FLAG_MASK) != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unexpected data 0x%llx after the RAM blocks at offset %llu of the QEMU stream"),
                    (unsigned long long) word,
                    (unsigned long long) (cur->pos - 8));
        return FALSE;
    }

    return TRUE;
}


static gboolean
qemuSaveStreamParseMappedRam(const qemuSaveSource *src,
                             uint64_t start,
                             qemuSaveMappedRamReport **report,
                             GError **error)
{
    g_autoptr(qemuSaveMappedRamReport) rep = g_new0(qemuSaveMappedRamReport, 1);
    qemuSaveCursor cur = { src, start };
    qemuSaveStreamMappedRam mappedRam;
    uint64_t total;

    if (!qemuSaveStreamParseStart(&cur, &rep->machine, &mappedRam, error))
        return FALSE;

    if (mappedRam == QEMU_STREAM_MAPPED_RAM_OFF) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("QEMU stream in the sparse save image was not written with the mapped-ram capability"));
        return FALSE;
    }

    if (mappedRam == QEMU_STREAM_MAPPED_RAM_UNKNOWN &&
        !qemuSaveStreamScanRam(&cur, error))
        return FALSE;

    if (!qemuSaveStreamParseRamStart(&cur, &total, error))
        return FALSE;

    while (rep->ramTotal < total) {
        qemuSaveRamBlock *blk;

        if (rep->nblocks == QEMU_STREAM_RAM_BLOCKS_MAX) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU stream has more than %d RAM blocks"),
                        QEMU_STREAM_RAM_BLOCKS_MAX);
            return FALSE;
        }

        rep->blocks = g_renew(qemuSaveRamBlock, rep->blocks,
                              rep->nblocks + 1);
        blk = &rep->blocks[rep->nblocks++];
        memset(blk, 0, sizeof(*blk));

        if (!qemuSaveStreamParseBlock(&cur, total - rep->ramTotal, blk,
                                      error))
            return FALSE;
        rep->ramTotal += blk->usedLength;
    }

    rep->ramEnd = cur.pos;
    if (!qemuSaveStreamCheckRamEnd(&cur, error))
        return FALSE;

    VS_DEBUG("mapped-ram stream: machine=%s blocks=%zu ram=%llu end=%llu",
             rep->machine ? rep->machine : "-", rep->nblocks,
             (unsigned long long) rep->ramTotal,
             (unsigned long long) rep->ramEnd);

    if (report)
        *report = g_steal_pointer(&rep);
    return TRUE;
}


/**
 * qemuSaveImageCheckMappedRamMem:
 * @data: a whole image in memory
 * @len: its length
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @report: return location for what was found, or NULL
 * @error: return location for a #GError
 *
 * qemuSaveImageCheckMappedRam() on memory.
 *
 * Returns: TRUE if the stream is sound, FALSE with @error set.
 */
gboolean
qemuSaveImageCheckMappedRamMem(const uint8_t *data,
                               size_t len,
                               const qemuSaveHeader *hdr,
                               qemuSaveMappedRamReport **report,
                               GError **error)
{
    qemuSaveSource src = { -1, data, len };

    return qemuSaveStreamParseMappedRam(&src, qemuSaveImageDataOffset(hdr),
                                        report, error);
}


/**
 * qemuSaveImageCheckMappedRam:
 * @fd: a sparse image
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @fileSize: size of the image file
 * @report: return location for what was found, or NULL
 * @error: return location for a #GError
 *
 * Walks the start of the QEMU stream of a sparse image: stream header,
 * configuration (which must name the mapped-ram capability), RAM section
 * and every RAM block's mapped-ram header, checking that each block's
 * bitmap and pages lie inside the file and that the blocks add up to the
 * RAM size. QEMU trusts these offsets and crashes on a sparse image cut
 * in its page area, so a restore must pass this check before QEMU sees
 * the file.
 *
 * Returns: TRUE if the stream is sound, with (transfer full) *@report;
 * FALSE with @error set.
 */
gboolean
qemuSaveImageCheckMappedRam(int fd,
                            const qemuSaveHeader *hdr,
                            uint64_t fileSize,
                            qemuSaveMappedRamReport **report,
                            GError **error)
{
    qemuSaveSource src = { fd, NULL, fileSize };

    if (hdr->format != QEMU_SAVE_FORMAT_SPARSE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image in format %u has no mapped-ram stream"),
                    hdr->format);
        return FALSE;
    }

    return qemuSaveStreamParseMappedRam(&src, qemuSaveImageDataOffset(hdr),
                                        report, error);
}


/*
 * The stream ends with the EOF marker, then the VM description: its type
 * byte, a big-endian length and that many bytes of JSON, up to the end of
 * the file. Finding that exact shape at the end proves the tail is there.
 */
static gboolean
qemuSaveStreamFindEnd(const uint8_t *tail,
                      size_t len,
                      uint64_t *vmdescLen)
{
    size_t k;

    if (len < 7 || tail[len - 1] != '}')
        return FALSE;

    for (k = len - 6; k >= 1; k--) {
        uint32_t jsonLen;

        if (tail[k] != QEMU_STREAM_VMDESCRIPTION ||
            tail[k - 1] != QEMU_STREAM_EOF ||
            tail[k + 5] != '{')
            continue;

        memcpy(&jsonLen, tail + k + 1, sizeof(jsonLen));
        if (GUINT32_FROM_BE(jsonLen) == len - k - 5) {
            *vmdescLen = len - k - 5;
            return TRUE;
        }
    }

    return FALSE;
}


static void
qemuSaveStreamSetNoEnd(GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("save image is truncated: the QEMU stream does not end with its end marker and VM description"));
}


/**
 * qemuSaveImageCheckStreamEndMem:
 * @data: a whole image in memory
 * @len: its length
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @vmdescLen: return location for the VM description size, or NULL
 * @error: return location for a #GError
 *
 * qemuSaveImageCheckStreamEnd() on memory.
 *
 * Returns: TRUE if the end is found, FALSE with @error set.
 */
gboolean
qemuSaveImageCheckStreamEndMem(const uint8_t *data,
                               size_t len,
                               const qemuSaveHeader *hdr,
                               uint64_t *vmdescLen,
                               GError **error)
{
    uint64_t start = qemuSaveImageDataOffset(hdr);
    uint64_t found = 0;
    size_t window;

    if (len <= start) {
        qemuSaveStreamSetNoEnd(error);
        return FALSE;
    }

    window = MIN(len - start, QEMU_STREAM_TAIL_MAX);
    if (!qemuSaveStreamFindEnd(data + len - window, window, &found)) {
        qemuSaveStreamSetNoEnd(error);
        return FALSE;
    }

    if (vmdescLen)
        *vmdescLen = found;
    return TRUE;
}


/**
 * qemuSaveImageCheckStreamEnd:
 * @fd: a raw or sparse image
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @fileSize: size of the image file
 * @vmdescLen: return location for the VM description size, or NULL
 * @error: return location for a #GError
 *
 * Checks that the uncompressed QEMU stream ends where the file ends: with
 * the EOF marker followed by the VM description (JSON) that QEMU appends
 * and its loader never reads, so that QEMU would not notice its loss.
 * Only the last QEMU_STREAM_TAIL_MAX bytes are read. Machines configured
 * with suppress-vmdesc write no description and fail this check.
 *
 * Returns: TRUE if the end is found, FALSE with @error set.
 */
gboolean
qemuSaveImageCheckStreamEnd(int fd,
                            const qemuSaveHeader *hdr,
                            uint64_t fileSize,
                            uint64_t *vmdescLen,
                            GError **error)
{
    uint64_t start = qemuSaveImageDataOffset(hdr);
    g_autofree uint8_t *tail = NULL;
    uint64_t found = 0;
    size_t window;

    if (fileSize <= start) {
        qemuSaveStreamSetNoEnd(error);
        return FALSE;
    }

    window = MIN(fileSize - start, QEMU_STREAM_TAIL_MAX);
    tail = g_malloc(window);
    if (!vsFilePreadFull(fd, tail, window, fileSize - window, error))
        return FALSE;

    if (!qemuSaveStreamFindEnd(tail, window, &found)) {
        qemuSaveStreamSetNoEnd(error);
        return FALSE;
    }

    VS_DEBUG("QEMU stream ends with a %llu byte VM description",
             (unsigned long long) found);
    if (vmdescLen)
        *vmdescLen = found;
    return TRUE;
}
