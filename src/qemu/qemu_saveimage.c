/*
 * qemu_saveimage.c: the on-disk save image (header, domain XML, QEMU stream)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Layout, validation rules and the mapped-ram structure are described in
 * docs/image-format.md; the facts behind them (what libvirt writes, what
 * QEMU puts in its stream) were checked on real images.
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

VS_LOG_INIT("qemu.saveimage");

VS_ENUM_IMPL(qemuSaveFormat, QEMU_SAVE_FORMAT_LAST,
             "raw",
             "gzip",
             "bzip2",
             "xz",
             "lzop",
             "zstd",
             "sparse",
);

G_STATIC_ASSERT(sizeof(qemuSaveHeader) == QEMU_SAVE_HEADER_SIZE);
G_STATIC_ASSERT(sizeof(QEMU_SAVE_MAGIC) - 1 == QEMU_SAVE_MAGIC_LEN);
G_STATIC_ASSERT(sizeof(QEMU_SAVE_PARTIAL) - 1 == QEMU_SAVE_MAGIC_LEN);

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


static void
qemuSaveHeaderSwap(qemuSaveHeader *hdr)
{
    hdr->version = GUINT32_SWAP_LE_BE(hdr->version);
    hdr->dataLen = GUINT32_SWAP_LE_BE(hdr->dataLen);
    hdr->wasRunning = GUINT32_SWAP_LE_BE(hdr->wasRunning);
    hdr->format = GUINT32_SWAP_LE_BE(hdr->format);
    hdr->cookieOffset = GUINT32_SWAP_LE_BE(hdr->cookieOffset);
}


static gboolean
qemuSaveMagicIs(const qemuSaveHeader *hdr,
                const char *magic)
{
    return memcmp(hdr->magic, magic, QEMU_SAVE_MAGIC_LEN) == 0;
}


/**
 * qemuSaveImageParseHeader:
 * @buf: the first bytes of an image
 * @len: bytes available in @buf
 * @hdr: return location for the header
 * @error: return location for a #GError
 *
 * Decodes the fixed header. Integers are stored in the byte order of the
 * host that wrote the image: a version above the one we know means the
 * other byte order, so all five integers are swapped (a wrong version
 * then stays wrong and qemuSaveImageCheckHeader() rejects it).
 *
 * Only the length and the magic are checked here, so that a partial image
 * can still be inspected.
 *
 * Returns: TRUE with @hdr in host byte order, FALSE with @error set.
 */
gboolean
qemuSaveImageParseHeader(const void *buf,
                         size_t len,
                         qemuSaveHeader *hdr,
                         GError **error)
{
    if (len < sizeof(*hdr)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("failed to read qemu header"));
        return FALSE;
    }

    memcpy(hdr, buf, sizeof(*hdr));

    if (!qemuSaveMagicIs(hdr, QEMU_SAVE_MAGIC) &&
        !qemuSaveMagicIs(hdr, QEMU_SAVE_PARTIAL)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("image magic is incorrect"));
        return FALSE;
    }

    if (hdr->version > QEMU_SAVE_VERSION) {
        VS_DEBUG("header version %u is too high, trying the other byte order",
                 hdr->version);
        qemuSaveHeaderSwap(hdr);
    }

    return TRUE;
}


/**
 * qemuSaveImageReadHeader:
 * @fd: the image, opened for reading (not O_DIRECT)
 * @hdr: return location for the header
 * @error: return location for a #GError
 *
 * Reads the header at offset 0 (the file offset of @fd is not used or
 * changed) and decodes it with its byte order fixed. The partial magic is
 * accepted here; call qemuSaveImageCheckHeader() before trusting any
 * field.
 *
 * Returns: TRUE on success, FALSE with @error set (VS_ERROR_SYSTEM for
 * I/O errors, VS_ERROR_QEMU for a short or foreign file).
 */
gboolean
qemuSaveImageReadHeader(int fd,
                        qemuSaveHeader *hdr,
                        GError **error)
{
    char buf[QEMU_SAVE_HEADER_SIZE];
    gssize n;

    if ((n = vsFilePread(fd, buf, sizeof(buf), 0, error)) < 0)
        return FALSE;

    return qemuSaveImageParseHeader(buf, n, hdr, error);
}


/* The checks on the data area that reading it relies on. */
static gboolean
qemuSaveHeaderCheckDataArea(const qemuSaveHeader *hdr,
                            GError **error)
{
    if (hdr->dataLen == 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid header data length: 0"));
        return FALSE;
    }

    if (hdr->dataLen > QEMU_SAVE_DATA_LEN_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid header data length: %u is larger than the limit of %u bytes"),
                    hdr->dataLen, (unsigned int) QEMU_SAVE_DATA_LEN_MAX);
        return FALSE;
    }

    /* The cookie needs at least its terminating NUL inside the area. */
    if (hdr->cookieOffset >= hdr->dataLen) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("invalid cookie offset %u in save image header with data length %u"),
                    hdr->cookieOffset, hdr->dataLen);
        return FALSE;
    }

    return TRUE;
}


/**
 * qemuSaveImageCheckHeader:
 * @hdr: a header from qemuSaveImageReadHeader()
 * @fileSize: size of the image file
 * @flags: bitwise OR of #qemuSaveCheckFlags
 * @error: return location for a #GError
 *
 * Validates every header field, in libvirt's order and with its messages
 * for the checks libvirt makes, then the ones it lacks: an upper bound on
 * the data length, the cookie offset inside the data area, and the data
 * area and a QEMU stream inside the file.
 *
 * Returns: TRUE if the header describes a usable image, FALSE with @error
 * set (VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED).
 */
gboolean
qemuSaveImageCheckHeader(const qemuSaveHeader *hdr,
                         uint64_t fileSize,
                         unsigned int flags,
                         GError **error)
{
    gboolean partial = qemuSaveMagicIs(hdr, QEMU_SAVE_PARTIAL);
    uint64_t dataEnd;

    if (partial && !(flags & QEMU_SAVE_CHECK_ALLOW_PARTIAL)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is incomplete"));
        return FALSE;
    }

    if (!partial && !qemuSaveMagicIs(hdr, QEMU_SAVE_MAGIC)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("image magic is incorrect"));
        return FALSE;
    }

    if (hdr->version > QEMU_SAVE_VERSION) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("image version is not supported (%u > %d)"),
                    hdr->version, QEMU_SAVE_VERSION);
        return FALSE;
    }

    if (hdr->format >= QEMU_SAVE_FORMAT_LAST) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("unsupported save image format: %u"), hdr->format);
        return FALSE;
    }

    if (!qemuSaveHeaderCheckDataArea(hdr, error))
        return FALSE;

    dataEnd = qemuSaveImageDataOffset(hdr);
    if (fileSize < dataEnd) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: its data area ends at offset %llu but the file has %llu bytes"),
                    (unsigned long long) dataEnd,
                    (unsigned long long) fileSize);
        return FALSE;
    }

    if (fileSize == dataEnd && !partial) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image is truncated: it has no QEMU migration stream"));
        return FALSE;
    }

    return TRUE;
}


/**
 * qemuSaveImageIsComplete:
 * @hdr: a decoded header
 *
 * Returns: TRUE if @hdr carries the magic of a finished save.
 */
gboolean
qemuSaveImageIsComplete(const qemuSaveHeader *hdr)
{
    return qemuSaveMagicIs(hdr, QEMU_SAVE_MAGIC);
}


/**
 * qemuSaveImageDataOffset:
 * @hdr: a decoded header
 *
 * Returns: the file offset where the QEMU stream starts.
 */
uint64_t
qemuSaveImageDataOffset(const qemuSaveHeader *hdr)
{
    return (uint64_t) QEMU_SAVE_HEADER_SIZE + hdr->dataLen;
}


/**
 * qemuSaveImageParseData:
 * @data: the data area, hdr->dataLen bytes
 * @hdr: a header that passed qemuSaveImageCheckHeader()
 * @xml: return location for the domain XML
 * @cookie: return location for the cookie XML (NULL when the image has
 *          none), or NULL if not wanted
 * @error: return location for a #GError
 *
 * Both strings must end inside their part of the data area: the XML
 * before the cookie offset (or the end of the area), the cookie before
 * the end of the area.
 *
 * Returns: TRUE with (transfer full) strings, FALSE with @error set.
 */
gboolean
qemuSaveImageParseData(const char *data,
                       const qemuSaveHeader *hdr,
                       char **xml,
                       char **cookie,
                       GError **error)
{
    size_t xmlArea = hdr->cookieOffset ? hdr->cookieOffset : hdr->dataLen;

    if (!qemuSaveHeaderCheckDataArea(hdr, error))
        return FALSE;

    if (!memchr(data, '\0', xmlArea)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain XML in the save image is not terminated"));
        return FALSE;
    }

    if (data[0] == '\0') {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image contains no domain XML"));
        return FALSE;
    }

    if (hdr->cookieOffset &&
        !memchr(data + hdr->cookieOffset, '\0',
                hdr->dataLen - hdr->cookieOffset)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("cookie in the save image is not terminated"));
        return FALSE;
    }

    *xml = g_strdup(data);
    if (cookie)
        *cookie = hdr->cookieOffset ? g_strdup(data + hdr->cookieOffset) : NULL;
    return TRUE;
}


/**
 * qemuSaveImageReadData:
 * @fd: the image
 * @hdr: its header, checked by qemuSaveImageCheckHeader()
 * @xml: return location for the domain XML
 * @cookie: return location for the cookie XML (NULL when the image has
 *          none), or NULL if not wanted
 * @error: return location for a #GError
 *
 * Reads the data area with positioned reads (the file offset is not
 * used). Its size is range-checked again before anything is allocated.
 *
 * Returns: TRUE with (transfer full) strings, FALSE with @error set.
 */
gboolean
qemuSaveImageReadData(int fd,
                      const qemuSaveHeader *hdr,
                      char **xml,
                      char **cookie,
                      GError **error)
{
    g_autofree char *data = NULL;
    gssize n;

    if (!qemuSaveHeaderCheckDataArea(hdr, error))
        return FALSE;

    data = g_malloc(hdr->dataLen);
    if ((n = vsFilePread(fd, data, hdr->dataLen, QEMU_SAVE_HEADER_SIZE,
                         error)) < 0)
        return FALSE;

    if ((size_t) n < hdr->dataLen) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("failed to read domain XML"));
        return FALSE;
    }

    return qemuSaveImageParseData(data, hdr, xml, cookie, error);
}


/*
 * Lay out header, XML and cookie at the start of @buf, which holds the
 * header and the whole data area the header describes.
 */
static void
qemuSaveFillBlock(char *buf,
                  const qemuSaveHeader *hdr,
                  const char *xml,
                  const char *cookie)
{
    char *p = buf;

    memcpy(p, hdr, sizeof(*hdr));
    p += sizeof(*hdr);
    p = g_stpcpy(p, xml) + 1;
    if (cookie)
        g_stpcpy(p, cookie);
}


/**
 * qemuSaveImageNewBlock:
 * @xml: domain XML to store
 * @cookie: cookie XML to store, or NULL
 * @format: format of the QEMU stream that will follow
 * @wasRunning: whether restore should resume the vCPUs
 * @align: alignment wanted for the QEMU stream, a power of two; values
 *         below QEMU_SAVE_ALIGN_MIN are raised to it
 * @hdr: return location for the header written into the block, or NULL
 * @len: return location for the block length (= the stream offset)
 * @error: return location for a #GError
 *
 * Builds the start of a new image: header with the partial magic, XML,
 * cookie and zero padding. The data area gets at least
 * QEMU_SAVE_XML_SLACK bytes of room beyond the two strings and is padded
 * so that the QEMU stream starts at a multiple of @align. libvirt reads
 * the stream offset from data_len, so the padding keeps images
 * compatible. The block is meant to be written with one pwrite at offset
 * 0, also on an O_DIRECT descriptor whose offset alignment divides @align.
 *
 * Returns: (transfer full) a buffer aligned to @align (free it with
 * g_aligned_free()), or NULL with @error set if the strings do not fit in
 * a data area of QEMU_SAVE_DATA_LEN_MAX bytes.
 */
void *
qemuSaveImageNewBlock(const char *xml,
                      const char *cookie,
                      qemuSaveFormat format,
                      gboolean wasRunning,
                      size_t align,
                      qemuSaveHeader *hdr,
                      size_t *len,
                      GError **error)
{
    qemuSaveHeader h = { 0 };
    size_t xmlLen;
    size_t cookieLen;
    size_t offset;
    char *buf;

    g_return_val_if_fail(xml && *xml, NULL);
    g_return_val_if_fail(format < QEMU_SAVE_FORMAT_LAST, NULL);
    g_return_val_if_fail(align && (align & (align - 1)) == 0, NULL);

    align = MAX(align, QEMU_SAVE_ALIGN_MIN);
    xmlLen = strlen(xml) + 1;
    cookieLen = cookie ? strlen(cookie) + 1 : 0;

    if (xmlLen > QEMU_SAVE_DATA_LEN_MAX ||
        cookieLen > QEMU_SAVE_DATA_LEN_MAX ||
        VS_ROUND_UP(QEMU_SAVE_HEADER_SIZE + xmlLen + cookieLen +
                    QEMU_SAVE_XML_SLACK, align) - QEMU_SAVE_HEADER_SIZE >
        QEMU_SAVE_DATA_LEN_MAX) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("domain XML of %zu bytes is too large for a save image"),
                    xmlLen - 1);
        return NULL;
    }

    offset = VS_ROUND_UP(QEMU_SAVE_HEADER_SIZE + xmlLen + cookieLen +
                         QEMU_SAVE_XML_SLACK, align);

    memcpy(h.magic, QEMU_SAVE_PARTIAL, QEMU_SAVE_MAGIC_LEN);
    h.version = QEMU_SAVE_VERSION;
    h.dataLen = offset - QEMU_SAVE_HEADER_SIZE;
    h.wasRunning = wasRunning ? 1 : 0;
    h.format = format;
    h.cookieOffset = cookie ? xmlLen : 0;

    buf = vsAlignedAlloc0(offset, align);
    qemuSaveFillBlock(buf, &h, xml, cookie);

    VS_DEBUG("new image block: format=%s xml=%zu cookie=%zu data_len=%u "
             "stream offset=%zu align=%zu",
             qemuSaveFormatTypeToString(format), xmlLen, cookieLen,
             h.dataLen, offset, align);

    if (hdr)
        *hdr = h;
    *len = offset;
    return buf;
}


/* Replace the magic in @block (the start of an image) by the final one. */
static gboolean
qemuSaveBlockSetComplete(char *block,
                         GError **error)
{
    if (memcmp(block, QEMU_SAVE_PARTIAL, QEMU_SAVE_MAGIC_LEN) != 0 &&
        memcmp(block, QEMU_SAVE_MAGIC, QEMU_SAVE_MAGIC_LEN) != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("image magic is incorrect"));
        return FALSE;
    }

    memcpy(block, QEMU_SAVE_MAGIC, QEMU_SAVE_MAGIC_LEN);
    return TRUE;
}


/* O_DIRECT: read, patch and write back the whole first aligned block. */
static gboolean
qemuSaveImageMarkCompleteDirect(int fd,
                                GError **error)
{
    VS_AUTOALIGNED char *block = NULL;
    size_t memAlign;
    size_t offAlign;
    size_t blockLen;
    gssize n;

    vsFileGetDirectIOAlign(fd, &memAlign, &offAlign);
    blockLen = MAX(QEMU_SAVE_ALIGN_MIN, MAX(memAlign, offAlign));
    block = vsAlignedAlloc0(blockLen, blockLen);

    if ((n = vsFilePread(fd, block, blockLen, 0, error)) < 0)
        return FALSE;

    /* Writing a whole block to a shorter file would extend it. */
    if ((size_t) n < blockLen) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("save image of %zd bytes is too short to complete its header with direct I/O"),
                    n);
        return FALSE;
    }

    if (!qemuSaveBlockSetComplete(block, error))
        return FALSE;

    VS_DEBUG("marking image complete on O_DIRECT fd %d (block %zu)",
             fd, blockLen);
    return vsFilePwriteFull(fd, block, blockLen, 0, error);
}


/**
 * qemuSaveImageMarkComplete:
 * @fd: the image, opened read-write, with or without O_DIRECT
 * @error: return location for a #GError
 *
 * Turns the partial magic into the final one, refusing a file that
 * carries neither. On a buffered descriptor only the 16 magic bytes are
 * rewritten; with O_DIRECT the first aligned block is read and written
 * back whole through an aligned buffer.
 *
 * Nothing is synced: the caller makes the QEMU stream durable before
 * calling this and the header durable after it (vsFileSync), so that a
 * crash never leaves a complete magic in front of missing data.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuSaveImageMarkComplete(int fd,
                          GError **error)
{
    char magic[QEMU_SAVE_MAGIC_LEN];
    int flags;

    if ((flags = fcntl(fd, F_GETFL)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot get descriptor flags"));
        return FALSE;
    }

    if (flags & O_DIRECT)
        return qemuSaveImageMarkCompleteDirect(fd, error);

    if (!vsFilePreadFull(fd, magic, sizeof(magic), 0, error))
        return FALSE;

    if (!qemuSaveBlockSetComplete(magic, error))
        return FALSE;

    VS_DEBUG("marking image complete on fd %d", fd);
    return vsFilePwriteFull(fd, magic, sizeof(magic), 0, error);
}


/**
 * qemuSaveImageUpdateXML:
 * @path: a complete image
 * @xml: the new domain XML
 * @wasRunning: new running state (0 or 1), or -1 to keep the stored one
 * @error: return location for a #GError
 *
 * Replaces the domain XML of an image in place, keeping data_len (the
 * QEMU stream never moves, which is what makes this safe for sparse
 * images whose page offsets are absolute), the cookie and the format. An
 * unchanged XML and state is a no-op.
 *
 * Header, XML, cookie and padding go to disk with one pwrite of the whole
 * header and data area, then fdatasync. A crash during that write can
 * still leave a mix of old and new bytes on disk: the stream is never
 * touched, but the XML may then be damaged (reading reports it) until the
 * XML is written again. Errors do not name @path; the caller adds it.
 *
 * Returns: TRUE on success, FALSE with @error set; when the new XML and
 * the cookie do not fit in the data area the file is left untouched.
 */
gboolean
qemuSaveImageUpdateXML(const char *path,
                       const char *xml,
                       int wasRunning,
                       GError **error)
{
    VS_AUTOCLOSE int fd = -1;
    qemuSaveHeader hdr;
    g_autofree char *oldXml = NULL;
    g_autofree char *cookie = NULL;
    g_autofree char *buf = NULL;
    uint64_t fileSize;
    uint32_t running;
    size_t xmlLen;
    size_t cookieLen;

    if ((fd = vsFileOpenRegular(path, O_RDWR, error)) < 0)
        return FALSE;

    if (!qemuSaveImageReadHeader(fd, &hdr, error) ||
        !vsFileGetSizes(fd, &fileSize, NULL, error) ||
        !qemuSaveImageCheckHeader(&hdr, fileSize, 0, error) ||
        !qemuSaveImageReadData(fd, &hdr, &oldXml, &cookie, error))
        return FALSE;

    running = wasRunning < 0 ? hdr.wasRunning : (wasRunning ? 1 : 0);
    if (g_str_equal(oldXml, xml) && running == hdr.wasRunning) {
        VS_DEBUG("XML and state of '%s' unchanged", path);
        return TRUE;
    }

    xmlLen = strlen(xml) + 1;
    cookieLen = cookie ? strlen(cookie) + 1 : 0;
    if (xmlLen > hdr.dataLen || cookieLen > hdr.dataLen - xmlLen) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                    _("new xml too large to fit in file"));
        return FALSE;
    }

    hdr.wasRunning = running;
    hdr.cookieOffset = cookie ? xmlLen : 0;

    buf = g_malloc0(QEMU_SAVE_HEADER_SIZE + hdr.dataLen);
    qemuSaveFillBlock(buf, &hdr, xml, cookie);

    VS_DEBUG("rewriting XML of '%s': xml=%zu cookie=%zu data_len=%u",
             path, xmlLen, cookieLen, hdr.dataLen);

    if (!vsFilePwriteFull(fd, buf, QEMU_SAVE_HEADER_SIZE + hdr.dataLen, 0,
                          error) ||
        !vsFileSync(fd, error))
        return FALSE;

    if (close(vsFdSteal(&fd)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot close file '%s'"), path);
        return FALSE;
    }

    return TRUE;
}


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

    g_return_val_if_fail(hdr->format < QEMU_SAVE_FORMAT_LAST, FALSE);
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
