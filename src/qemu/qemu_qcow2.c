/*
 * qemu_qcow2.c: read a qcow2 header and resolve a disk's backing chain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * QEMU given only the top image of a chain opens the backing file named
 * in its header and, when the header does not record the backing format,
 * guesses it from the content. A raw backing file whose guest wrote a
 * qcow2 header there would then be opened as qcow2, with a backing file
 * of the guest's choosing. So the driver opens every layer itself with
 * an explicit format, as libvirt does with -blockdev: the top image has
 * the format of the XML, and a layer below a qcow2 image has the format
 * recorded in that image's header (extension 0xe2792aca), never a
 * guessed one. Only images whose format is known to be qcow2 are parsed
 * here. The header layout is in docs/formatdomain.md.
 */

#include <config.h>

#include "qemu_qcow2.h"
#include "qemu_qcow2priv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.qcow2");

#define QCOW2_MAGIC 0x514649fbU             /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104
#define QCOW2_BACKING_NAME_MAX 1023         /* QEMU's own limit */
#define QCOW2_EXT_END 0
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acaU
#define QCOW2_INCOMPAT_DATA_FILE (1ULL << 2)


void
qemuQcow2HeaderClear(qemuQcow2Header *hdr)
{
    g_clear_pointer(&hdr->backingFile, g_free);
    g_clear_pointer(&hdr->backingFormat, g_free);
}


void
qemuQcow2LayerFree(qemuQcow2Layer *layer)
{
    if (!layer)
        return;
    g_free(layer->path);
    g_free(layer);
}


static uint32_t
qcow2Be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}


static uint64_t
qcow2Be64(const uint8_t *p)
{
    return ((uint64_t)qcow2Be32(p) << 32) | qcow2Be32(p + 4);
}


/* A name stored in the header: @len bytes, no terminator, no NUL. */
static char *
qcow2ParseName(const uint8_t *buf,
               size_t len,
               const char *what,
               GError **error)
{
    if (len == 0 || memchr(buf, '\0', len)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("qcow2 header has an invalid %s"), what);
        return NULL;
    }
    return g_strndup((const char *)buf, len);
}


static gboolean
qcow2ParseExtensions(const uint8_t *buf,
                     size_t len,
                     size_t off,
                     qemuQcow2Header *hdr,
                     GError **error)
{
    while (off + 8 <= len) {
        uint32_t type = qcow2Be32(buf + off);
        uint32_t elen = qcow2Be32(buf + off + 4);
        size_t padded = ((size_t)elen + 7) & ~(size_t)7;

        if (type == QCOW2_EXT_END)
            return TRUE;
        off += 8;
        if (padded > len - off) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("qcow2 header extension 0x%x runs past the first cluster"),
                        type);
            return FALSE;
        }
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (hdr->backingFormat) {
                g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                            _("qcow2 header records the backing format twice"));
                return FALSE;
            }
            if (!(hdr->backingFormat = qcow2ParseName(buf + off, elen,
                                                      "backing format",
                                                      error)))
                return FALSE;
        }
        off += padded;
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("qcow2 header extensions are not terminated"));
    return FALSE;
}


static gboolean
qcow2ParseFixed(const uint8_t *buf,
                size_t len,
                qemuQcow2Header *hdr,
                size_t *extOff,
                GError **error)
{
    if (len < QCOW2_V2_HEADER_LEN || qcow2Be32(buf) != QCOW2_MAGIC) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("image is not in qcow2 format"));
        return FALSE;
    }
    hdr->version = qcow2Be32(buf + 4);
    hdr->clusterBits = qcow2Be32(buf + 20);
    hdr->size = qcow2Be64(buf + 24);
    if (hdr->version != 2 && hdr->version != 3) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("qcow2 version %u is not supported"), hdr->version);
        return FALSE;
    }
    if (hdr->clusterBits < 9 || hdr->clusterBits > 21) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("qcow2 header has an invalid cluster size"));
        return FALSE;
    }
    if (qcow2Be32(buf + 32) != 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("encrypted qcow2 images are not supported"));
        return FALSE;
    }
    *extOff = QCOW2_V2_HEADER_LEN;
    if (hdr->version == 2)
        return TRUE;

    if (len < QCOW2_V3_HEADER_LEN ||
        qcow2Be32(buf + 100) < QCOW2_V3_HEADER_LEN ||
        qcow2Be32(buf + 100) > len) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("qcow2 header has an invalid length"));
        return FALSE;
    }
    /* An external data file is one more file QEMU would open on the
     * header's word alone. */
    if (qcow2Be64(buf + 72) & QCOW2_INCOMPAT_DATA_FILE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("qcow2 images with an external data file are not supported"));
        return FALSE;
    }
    *extOff = qcow2Be32(buf + 100);
    return TRUE;
}


static gboolean
qcow2ParseBackingName(const uint8_t *buf,
                      size_t len,
                      qemuQcow2Header *hdr,
                      GError **error)
{
    uint64_t off = qcow2Be64(buf + 8);
    uint32_t nameLen = qcow2Be32(buf + 16);

    if (off == 0)
        return TRUE;
    if (nameLen == 0 || nameLen > QCOW2_BACKING_NAME_MAX ||
        off > len || nameLen > len - off) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("qcow2 header has an invalid backing file name"));
        return FALSE;
    }
    hdr->backingFile = qcow2ParseName(buf + off, nameLen,
                                      "backing file name", error);
    return hdr->backingFile != NULL;
}


/**
 * qemuQcow2ParseHeader:
 * @buf: the first bytes of an image known to be qcow2
 * @len: bytes in @buf (at most QEMU_QCOW2_HEADER_READ_MAX are looked at)
 * @hdr: filled on success; clear it with qemuQcow2HeaderClear()
 * @error: return location for a #GError
 *
 * Every offset and length is checked against @len and the first cluster
 * before use.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuQcow2ParseHeader(const uint8_t *buf,
                     size_t len,
                     qemuQcow2Header *hdr,
                     GError **error)
{
    g_auto(qemuQcow2Header) tmp = { 0 };
    size_t extOff = 0;

    len = MIN(len, QEMU_QCOW2_HEADER_READ_MAX);
    if (!qcow2ParseFixed(buf, len, &tmp, &extOff, error))
        return FALSE;
    len = MIN(len, (size_t)1 << tmp.clusterBits);
    if (extOff > len) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("qcow2 header has an invalid length"));
        return FALSE;
    }
    if (!qcow2ParseBackingName(buf, len, &tmp, error) ||
        !qcow2ParseExtensions(buf, len, extOff, &tmp, error))
        return FALSE;

    *hdr = tmp;
    memset(&tmp, 0, sizeof(tmp));
    return TRUE;
}


/**
 * qemuQcow2ReadHeader:
 * @path: an image known to be qcow2
 * @hdr: filled on success; clear it with qemuQcow2HeaderClear()
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set (naming @path).
 */
gboolean
qemuQcow2ReadHeader(const char *path,
                    qemuQcow2Header *hdr,
                    GError **error)
{
    g_autofree uint8_t *buf = g_new0(uint8_t, QEMU_QCOW2_HEADER_READ_MAX);
    VS_AUTOCLOSE int fd = -1;
    size_t got = 0;

    if ((fd = vsFileOpen(path, O_RDONLY | O_CLOEXEC, 0, error)) < 0)
        return FALSE;
    while (got < QEMU_QCOW2_HEADER_READ_MAX) {
        gssize n = vsFilePread(fd, buf + got, QEMU_QCOW2_HEADER_READ_MAX - got,
                               got, error);
        if (n < 0)
            return FALSE;
        if (n == 0)
            break;
        got += n;
    }
    if (!qemuQcow2ParseHeader(buf, got, hdr, error)) {
        g_prefix_error(error, _("cannot read the header of '%s': "), path);
        return FALSE;
    }
    return TRUE;
}


/* The path of the backing file @name relative to the image @path; QEMU
 * resolves a relative name against the directory of the image. */
static char *
qcow2BackingPath(const char *path,
                 const char *name,
                 GError **error)
{
    g_autofree char *dir = NULL;

    if (g_str_has_prefix(name, "json:") || strstr(name, "://")) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("backing file '%s' of '%s' is not a local file"),
                    name, path);
        return NULL;
    }
    if (g_path_is_absolute(name))
        return g_canonicalize_filename(name, NULL);
    dir = g_path_get_dirname(path);
    return g_canonicalize_filename(name, dir);
}


/* Adds @path to @seen; fails when it was there already (a loop). */
static gboolean
qcow2ChainVisit(GHashTable *seen,
                const char *path,
                const char *top,
                GError **error)
{
    struct stat st;
    char *key;

    if (stat(path, &st) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_OPEN_FAILED, errno,
                        _("cannot access backing file '%s'"), path);
        return FALSE;
    }
    key = g_strdup_printf("%ju:%ju", (uintmax_t)st.st_dev,
                          (uintmax_t)st.st_ino);
    if (!g_hash_table_add(seen, key)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("backing chain of '%s' loops back to '%s'"), top, path);
        return FALSE;
    }
    return TRUE;
}


/* Sets *@next to the backing layer of the qcow2 image @path, or NULL
 * when it has none. */
static gboolean
qcow2ChainNext(const char *path,
               qemuQcow2Layer **next,
               GError **error)
{
    g_auto(qemuQcow2Header) hdr = { 0 };
    g_autoptr(qemuQcow2Layer) layer = NULL;
    int format;

    if (!qemuQcow2ReadHeader(path, &hdr, error))
        return FALSE;
    *next = NULL;
    if (!hdr.backingFile)
        return TRUE;
    if (!hdr.backingFormat) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("image '%s' does not record the format of its backing file '%s' (set it with 'qemu-img rebase -u -F')"),
                    path, hdr.backingFile);
        return FALSE;
    }
    if ((format = vsDomainDiskFormatTypeFromString(hdr.backingFormat)) < 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("backing format '%s' of image '%s' is not supported"),
                    hdr.backingFormat, path);
        return FALSE;
    }
    layer = g_new0(qemuQcow2Layer, 1);
    layer->format = format;
    if (!(layer->path = qcow2BackingPath(path, hdr.backingFile, error)))
        return FALSE;
    *next = g_steal_pointer(&layer);
    return TRUE;
}


/**
 * qemuQcow2ResolveChain:
 * @path: a disk's own image
 * @format: its format from the XML
 * @error: return location for a #GError
 *
 * Follows the backing files of @path, each with the format its parent's
 * header records, until an image without one. A chain that returns to
 * an image already in it (by device and inode), a missing backing file,
 * a backing image without a recorded format, or more than
 * QEMU_QCOW2_CHAIN_MAX layers fail.
 *
 * Returns: (transfer full) the #qemuQcow2Layer layers below @path, top
 * first (empty for an image without backing file), or NULL with @error
 * set.
 */
GPtrArray *
qemuQcow2ResolveChain(const char *path,
                      vsDomainDiskFormat format,
                      GError **error)
{
    g_autoptr(GPtrArray) chain =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemuQcow2LayerFree);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal,
                                                       g_free, NULL);
    const char *cur = path;

    if (!qcow2ChainVisit(seen, path, path, error))
        return NULL;
    while (format == VS_DOMAIN_DISK_FORMAT_QCOW2) {
        qemuQcow2Layer *next = NULL;

        if (!qcow2ChainNext(cur, &next, error))
            return NULL;
        if (!next)
            break;
        g_ptr_array_add(chain, next);
        if (chain->len > QEMU_QCOW2_CHAIN_MAX) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                        _("backing chain of '%s' is longer than %d images"),
                        path, QEMU_QCOW2_CHAIN_MAX);
            return NULL;
        }
        if (!qcow2ChainVisit(seen, next->path, path, error))
            return NULL;
        VS_DEBUG("image '%s' is backed by '%s' (%s)", cur, next->path,
                 vsDomainDiskFormatTypeToString(next->format));
        cur = next->path;
        format = next->format;
    }
    return g_steal_pointer(&chain);
}


/* The format the header of qcow2 image @path records for its backing
 * file must be @format, if it records one. */
static gboolean
qcow2CheckBackingFormat(const char *path,
                        vsDomainDiskFormat format,
                        GError **error)
{
    g_auto(qemuQcow2Header) hdr = { 0 };
    const char *want = vsDomainDiskFormatTypeToString(format);

    if (!qemuQcow2ReadHeader(path, &hdr, error))
        return FALSE;
    if (hdr.backingFormat && !g_str_equal(hdr.backingFormat, want)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_CONFIG_UNSUPPORTED,
                    _("<backingStore> gives format '%s' for the backing file of '%s', whose header records '%s'"),
                    want, path, hdr.backingFormat);
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuQcow2CheckChain:
 * @path: a disk's own image
 * @format: its format from the XML
 * @backing: the #vsDomainDiskBacking layers the XML gives below it
 * @error: return location for a #GError
 *
 * Checks a backing chain given in the XML against the files: every
 * layer exists, none comes twice (by device and inode), every image the
 * XML calls qcow2 has a valid qcow2 header, and a format a header
 * records for its backing file agrees with the XML. The formats used are
 * the XML's.
 *
 * Returns: (transfer full) the chain as #qemuQcow2Layer layers, top
 * first, or NULL with @error set.
 */
GPtrArray *
qemuQcow2CheckChain(const char *path,
                    vsDomainDiskFormat format,
                    GPtrArray *backing,
                    GError **error)
{
    g_autoptr(GPtrArray) chain =
        g_ptr_array_new_with_free_func((GDestroyNotify)qemuQcow2LayerFree);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal,
                                                       g_free, NULL);
    const char *cur = path;
    size_t i;

    if (!qcow2ChainVisit(seen, path, path, error))
        return NULL;
    for (i = 0; i < backing->len; i++) {
        const vsDomainDiskBacking *given = g_ptr_array_index(backing, i);
        qemuQcow2Layer *layer;

        if (format == VS_DOMAIN_DISK_FORMAT_QCOW2 &&
            !qcow2CheckBackingFormat(cur, given->format, error))
            return NULL;
        if (!qcow2ChainVisit(seen, given->path, path, error))
            return NULL;
        layer = g_new0(qemuQcow2Layer, 1);
        layer->path = g_strdup(given->path);
        layer->format = given->format;
        g_ptr_array_add(chain, layer);
        VS_DEBUG("image '%s' is backed by '%s' (%s, from the XML)", cur,
                 given->path, vsDomainDiskFormatTypeToString(given->format));
        cur = given->path;
        format = given->format;
    }
    /* The bottom image: a qcow2 one must be what the XML says it is. */
    if (format == VS_DOMAIN_DISK_FORMAT_QCOW2) {
        g_auto(qemuQcow2Header) hdr = { 0 };

        if (!qemuQcow2ReadHeader(cur, &hdr, error))
            return NULL;
    }
    return g_steal_pointer(&chain);
}
