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
#include <stdio.h>
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

    VS_RETURN_VAL_IF_FAIL(xml && *xml, NULL, error);
    VS_RETURN_VAL_IF_FAIL(format < QEMU_SAVE_FORMAT_LAST, NULL, error);
    VS_RETURN_VAL_IF_FAIL(align && (align & (align - 1)) == 0, NULL, error);

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


/**
 * qemuSaveImageMarkComplete:
 * @fd: the image, opened read-write without O_DIRECT
 * @error: return location for a #GError
 *
 * Turns the partial magic into the final one, refusing a file that
 * carries neither; only the 16 magic bytes are rewritten.
 * qemuSaveImageCommit() is the caller.
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


/* ---- the lifecycle of an image ------------------------------------ */

/**
 * qemuSaveImageClear:
 * @img: an image filled by qemuSaveImageOpen(), or QEMU_SAVE_IMAGE_INIT
 *
 * Closes the file and frees what the open read.
 */
void
qemuSaveImageClear(qemuSaveImage *img)
{
    vsFdClose(&img->fd);
    g_clear_pointer(&img->path, g_free);
    g_clear_pointer(&img->xml, g_free);
    g_clear_pointer(&img->cookie, g_free);
}


/* Tell @report the result of @check; returns @ok. */
static gboolean
qemuSaveImageReport(qemuSaveImageCheckFunc report,
                    void *opaque,
                    const char *check,
                    gboolean ok,
                    GError **error)
{
    if (report)
        report(check, ok || !error ? NULL : *error, opaque);
    return ok;
}


/* Open @path, read and check its header. */
static gboolean
qemuSaveImageOpenHeader(const char *path,
                        unsigned int flags,
                        qemuSaveImage *img,
                        GError **error)
{
    uint32_t rawVersion;

    if ((img->fd = vsFileOpenRegular(path, O_RDONLY, error)) < 0)
        return FALSE;
    if (!vsFileGetSizes(img->fd, &img->size, &img->allocated, error) ||
        !qemuSaveImageReadHeader(img->fd, &img->hdr, error) ||
        !qemuSaveImageCheckHeader(&img->hdr, img->size, flags, error) ||
        !vsFilePreadFull(img->fd, &rawVersion, sizeof(rawVersion),
                         QEMU_SAVE_MAGIC_LEN, error))
        return FALSE;
    img->swapped = rawVersion != img->hdr.version;
    return TRUE;
}


/**
 * qemuSaveImageOpen:
 * @path: the image
 * @flags: qemuSaveCheckFlags for the header
 * @img: (out caller-allocates): QEMU_SAVE_IMAGE_INIT; cleared by the caller
 * @report: (nullable): told the result of the checks "header" and "data"
 * @opaque: for @report
 * @error: return location for a #GError
 *
 * Opens @path for reading (a regular file only), checks its header
 * against the file's size and reads the domain XML and cookie. Errors
 * do not name @path unless the open itself failed (@img->fd is then -1);
 * the caller says what it was doing.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveImageOpen(const char *path,
                  unsigned int flags,
                  qemuSaveImage *img,
                  qemuSaveImageCheckFunc report,
                  void *opaque,
                  GError **error)
{
    VS_RETURN_VAL_IF_FAIL(img->fd < 0 && !img->xml, FALSE, error);

    img->path = g_strdup(path);
    if (!qemuSaveImageReport(report, opaque, "header",
                             qemuSaveImageOpenHeader(path, flags, img, error),
                             error))
        return FALSE;
    return qemuSaveImageReport(report, opaque, "data",
                               qemuSaveImageReadData(img->fd, &img->hdr,
                                                     &img->xml, &img->cookie,
                                                     error),
                               error);
}


/**
 * qemuSaveImageParseDef:
 * @img: an open image
 * @error: return location for a #GError
 *
 * Parses the image's XML with the parser and settings of every other
 * domain definition (no entities, no XInclude, no network).
 *
 * Returns: (transfer full) the definition, or NULL with @error set.
 */
vsDomainDef *
qemuSaveImageParseDef(const qemuSaveImage *img,
                      GError **error)
{
    return vsDomainDefParseString(img->xml, VS_DOMAIN_DEF_PARSE_INACTIVE,
                                  error);
}


/**
 * qemuSaveImageVerify:
 * @img: an image that qemuSaveImageOpen() opened without
 *       QEMU_SAVE_CHECK_ALLOW_PARTIAL
 * @def: (out) (optional): the parsed definition
 * @report: (nullable): told the result of "xml", "payload", "mapped-ram"
 *          (sparse format) and "stream-end" (raw and sparse formats)
 * @opaque: for @report
 * @error: return location for a #GError
 *
 * Every check a restore runs on an image before QEMU sees it, in the
 * order a restore runs them. A failed check stops the ones that depend
 * on it; "stream-end" does not depend on "mapped-ram" and still runs, so
 * that a report lists both. @error is the first failure. Guest memory
 * pages carry no checksums: damaged pages pass.
 *
 * Returns: TRUE, or FALSE with @error set.
 */
gboolean
qemuSaveImageVerify(const qemuSaveImage *img,
                    vsDomainDef **def,
                    qemuSaveImageCheckFunc report,
                    void *opaque,
                    GError **error)
{
    g_autoptr(vsDomainDef) parsed = NULL;
    g_autoptr(GError) ramErr = NULL;
    g_autoptr(GError) endErr = NULL;
    const qemuSaveHeader *hdr = &img->hdr;
    gboolean ramOk = TRUE;
    gboolean endOk = TRUE;

    if (!qemuSaveImageReport(report, opaque, "xml",
                             (parsed = qemuSaveImageParseDef(img, error)) != NULL,
                             error) ||
        !qemuSaveImageReport(report, opaque, "payload",
                             qemuSaveImageCheckPayload(img->fd, hdr, img->size,
                                                       error),
                             error))
        return FALSE;

    if (hdr->format == QEMU_SAVE_FORMAT_SPARSE)
        ramOk = qemuSaveImageReport(report, opaque, "mapped-ram",
                                    qemuSaveImageCheckMappedRam(img->fd, hdr,
                                                                img->size,
                                                                NULL, &ramErr),
                                    &ramErr);
    if (hdr->format == QEMU_SAVE_FORMAT_RAW ||
        hdr->format == QEMU_SAVE_FORMAT_SPARSE)
        endOk = qemuSaveImageReport(report, opaque, "stream-end",
                                    qemuSaveImageCheckStreamEnd(img->fd, hdr,
                                                                img->size, NULL,
                                                                &endErr),
                                    &endErr);

    if (!ramOk || !endOk) {
        g_propagate_error(error, !ramOk ? g_steal_pointer(&ramErr) :
                                          g_steal_pointer(&endErr));
        return FALSE;
    }
    if (def)
        *def = g_steal_pointer(&parsed);
    return TRUE;
}


/**
 * qemuSaveImageTempPath:
 * @path: where an image will be committed
 *
 * Returns: (transfer full) the name the image is written under until
 * qemuSaveImageCommit(): in the same directory, unique to this process
 * and moment, ending in ".part".
 */
char *
qemuSaveImageTempPath(const char *path)
{
    return g_strdup_printf("%s.%d.%" G_GINT64_FORMAT ".part", path,
                           (int) getpid(), g_get_real_time());
}


/* Sync the directory that holds the committed image. The rename has
 * happened: the image is complete under its name, so the commit stands
 * whatever this says; a failure is retried once and then logged. */
static void
qemuSaveImageSyncDir(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GError) err = NULL;

    if (vsFileSyncDir(dir, &err))
        return;
    g_clear_error(&err);
    if (vsFileSyncDir(dir, &err))
        return;
    VS_WARN("save image '%s' is complete, but its directory could not be synced; a host crash may lose its name: %s",
            path, err->message);
}


/**
 * qemuSaveImageCommit:
 * @tmpPath: a whole image, its stream written, still with the partial magic
 * @path: its final name
 * @dropCache: drop the image's clean pages from the page cache
 * @renamed: (out): whether @tmpPath has become @path (it no longer exists)
 * @times: (out) (nullable): when each step ended
 * @error: return location for a #GError
 *
 * The crash-safe commit: sync the data, mark the image complete, sync
 * the header, rename, sync the directory. A crash at any point leaves
 * either what was at @path before or the complete new image.
 *
 * The rule after the rename: the commit succeeded. The image is complete
 * and durable under @path, so nothing that follows can make it a
 * failure; a directory sync that fails (twice) is logged as a warning.
 *
 * Returns: TRUE, or FALSE with @error set; @tmpPath is then the caller's
 * to remove.
 */
gboolean
qemuSaveImageCommit(const char *tmpPath,
                    const char *path,
                    gboolean dropCache,
                    gboolean *renamed,
                    qemuSaveImageCommitTimes *times,
                    GError **error)
{
    qemuSaveImageCommitTimes local;
    VS_AUTOCLOSE int fd = -1;

    if (!times)
        times = &local;
    memset(times, 0, sizeof(*times));
    *renamed = FALSE;
    if ((fd = vsFileOpen(tmpPath, O_RDWR | O_CLOEXEC, 0, error)) < 0 ||
        !vsFileSync(fd, error))
        goto error;
    times->dataDurable = g_get_monotonic_time();
    if (!qemuSaveImageMarkComplete(fd, error) ||
        !vsFileSync(fd, error))
        goto error;
    times->headerDurable = g_get_monotonic_time();
    /* The data is on disk: drop the few clean pages that buffered
     * writes (stream metadata, bitmaps, header) left in the cache. */
    if (dropCache)
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (close(vsFdSteal(&fd)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED, errno,
                        _("cannot close save image '%s'"), path);
        return FALSE;
    }
    if (rename(tmpPath, path) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_WRITE_FAILED, errno,
                        _("cannot rename save image '%s' to '%s'"),
                        tmpPath, path);
        return FALSE;
    }
    *renamed = TRUE;
    times->renamed = g_get_monotonic_time();
    qemuSaveImageSyncDir(path);
    return TRUE;

 error:
    g_prefix_error(error, _("cannot complete save image '%s': "), path);
    return FALSE;
}
