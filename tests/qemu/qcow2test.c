/*
 * qcow2test.c: the qcow2 header parser and backing chain resolution
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Headers are built here field by field (big-endian, as in
 * docs/formatdomain.md); the chain cases write such headers to files in
 * a temporary directory. One case checks the parser against an image
 * made by the real qemu-img when it is installed.
 */

#include <config.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "qemu_qcow2.h"
#include "qemu_qcow2priv.h"
#include "vserror.h"

#define HDR_LEN 4096


static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}


static void
put64(uint8_t *p, uint64_t v)
{
    put32(p, v >> 32);
    put32(p + 4, v);
}


/* A version 3 header with 64 KiB clusters, an optional backing file name
 * at offset 512 and an optional backing format extension. */
static uint8_t *
makeHeader(const char *backing,
           const char *backingFormat)
{
    uint8_t *buf = g_new0(uint8_t, HDR_LEN);
    size_t off = 104;

    put32(buf, 0x514649fb);
    put32(buf + 4, 3);
    put32(buf + 20, 16);
    put64(buf + 24, 1 << 30);
    put32(buf + 96, 4);
    put32(buf + 100, 104);
    if (backingFormat) {
        put32(buf + off, 0xe2792aca);
        put32(buf + off + 4, strlen(backingFormat));
        memcpy(buf + off + 8, backingFormat, strlen(backingFormat));
        off += 8 + ((strlen(backingFormat) + 7) & ~7);
    }
    put32(buf + off, 0);
    if (backing) {
        put64(buf + 8, 512);
        put32(buf + 16, strlen(backing));
        memcpy(buf + 512, backing, strlen(backing));
    }
    return buf;
}


static void
testParseValid(void)
{
    g_autofree uint8_t *buf = makeHeader("base.img", "raw");
    g_auto(qemuQcow2Header) hdr = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuQcow2ParseHeader(buf, HDR_LEN, &hdr, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(hdr.version, ==, 3);
    g_assert_cmpuint(hdr.size, ==, 1 << 30);
    g_assert_cmpstr(hdr.backingFile, ==, "base.img");
    g_assert_cmpstr(hdr.backingFormat, ==, "raw");
}


static void
testParseNoBacking(void)
{
    g_autofree uint8_t *buf = makeHeader(NULL, NULL);
    g_auto(qemuQcow2Header) hdr = { 0 };

    g_assert_true(qemuQcow2ParseHeader(buf, HDR_LEN, &hdr, NULL));
    g_assert_null(hdr.backingFile);
    g_assert_null(hdr.backingFormat);
}


typedef struct {
    const char *name;
    size_t off;             /* field to overwrite */
    unsigned int width;     /* 4 or 8 */
    uint64_t value;
    size_t len;             /* bytes given to the parser; 0: HDR_LEN */
    const char *message;    /* part of the expected error */
} BadCase;

static const BadCase badCases[] = {
    { "magic", 0, 4, 0x514649fa, 0, "not in qcow2 format" },
    { "short", 0, 4, 0x514649fb, 40, "not in qcow2 format" },
    { "version", 4, 4, 4, 0, "version 4" },
    { "cluster-small", 20, 4, 8, 0, "cluster size" },
    { "cluster-big", 20, 4, 22, 0, "cluster size" },
    { "encrypted", 32, 4, 1, 0, "encrypted" },
    { "data-file", 72, 8, 4, 0, "external data file" },
    { "header-len-small", 100, 4, 96, 0, "invalid length" },
    { "header-len-big", 100, 4, 1 << 20, 0, "invalid length" },
    { "backing-offset", 8, 8, UINT64_MAX - 3, 0, "backing file name" },
    { "backing-len", 16, 4, 1024, 0, "backing file name" },
    { "backing-len-zero", 16, 4, 0, 0, "backing file name" },
    { "backing-cut", 0, 4, 0x514649fb, 515, "backing file name" },
    { "ext-len", 108, 4, 0xfffffff8, 0, "runs past" },
    { "ext-nul", 112, 4, 0, 0, "backing format" },
    { "ext-cut", 8, 8, 0, 110, "not terminated" },
};


static void
testParseBad(gconstpointer data)
{
    const BadCase *c = data;
    g_autofree uint8_t *buf = makeHeader("base.img", "qcow2");
    g_auto(qemuQcow2Header) hdr = { 0 };
    g_autoptr(GError) err = NULL;

    if (c->width == 8)
        put64(buf + c->off, c->value);
    else
        put32(buf + c->off, c->value);
    g_assert_false(qemuQcow2ParseHeader(buf, c->len ? c->len : HDR_LEN,
                                        &hdr, &err));
    g_assert_nonnull(err);
    if (!strstr(err->message, c->message))
        g_error("case %s: unexpected error '%s'", c->name, err->message);
    g_assert_null(hdr.backingFile);
}


/* A backing name beyond the first cluster is refused even when the
 * buffer holds it. */
static void
testParseBeyondCluster(void)
{
    g_autofree uint8_t *buf = makeHeader("base.img", "raw");
    g_autoptr(GError) err = NULL;
    g_auto(qemuQcow2Header) hdr = { 0 };

    put32(buf + 20, 9);
    put64(buf + 8, 600);
    memcpy(buf + 600, "base.img", 8);
    g_assert_false(qemuQcow2ParseHeader(buf, HDR_LEN, &hdr, &err));
    g_assert_nonnull(strstr(err->message, "backing file name"));
}


static void
writeImage(const char *dir,
           const char *name,
           const char *backing,
           const char *backingFormat)
{
    g_autofree uint8_t *buf = NULL;
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;

    if (!backing && !backingFormat) {
        /* a raw file whose content looks like a qcow2 header naming a
         * backing file: it must never be followed */
        buf = makeHeader("/etc/shadow", "raw");
    } else {
        buf = makeHeader(backing, backingFormat);
    }
    g_assert_true(g_file_set_contents(path, (const char *)buf, HDR_LEN,
                                      &err));
}


static char *
makeTempDir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("qcow2test-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}


static void
removeTempDir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(dir);
}


static void
testChain(void)
{
    g_autofree char *dir = makeTempDir();
    g_autofree char *top = g_build_filename(dir, "top.qcow2", NULL);
    g_autofree char *mid = g_build_filename(dir, "mid.qcow2", NULL);
    g_autofree char *base = g_build_filename(dir, "base.raw", NULL);
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    qemuQcow2Layer *layer;

    writeImage(dir, "top.qcow2", "mid.qcow2", "qcow2");
    writeImage(dir, "mid.qcow2", base, "raw");
    writeImage(dir, "base.raw", NULL, NULL);

    chain = qemuQcow2ResolveChain(top, VS_DOMAIN_DISK_FORMAT_QCOW2, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 2);
    layer = g_ptr_array_index(chain, 0);
    g_assert_cmpstr(layer->path, ==, mid);
    g_assert_cmpint(layer->format, ==, VS_DOMAIN_DISK_FORMAT_QCOW2);
    layer = g_ptr_array_index(chain, 1);
    g_assert_cmpstr(layer->path, ==, base);
    g_assert_cmpint(layer->format, ==, VS_DOMAIN_DISK_FORMAT_RAW);

    /* the same raw file as a disk of its own: its content is not read */
    g_clear_pointer(&chain, g_ptr_array_unref);
    chain = qemuQcow2ResolveChain(base, VS_DOMAIN_DISK_FORMAT_RAW, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 0);
    removeTempDir(dir);
}


typedef struct {
    const char *name;
    const char *top;        /* backing name and format of top.qcow2 */
    const char *topFormat;
    const char *mid;        /* of mid.qcow2 */
    const char *midFormat;
    const char *message;
} ChainBadCase;

static const ChainBadCase chainBadCases[] = {
    { "self", "top.qcow2", "qcow2", "x", "raw", "loops back to" },
    { "loop", "mid.qcow2", "qcow2", "./top.qcow2", "qcow2", "loops back to" },
    { "missing", "nothere.qcow2", "qcow2", "x", "raw", "cannot access" },
    { "no-format", "mid.qcow2", NULL, "x", "raw", "does not record" },
    { "bad-format", "mid.qcow2", "vmdk", "x", "raw", "'vmdk'" },
    { "remote", "nbd://example/x", "raw", "x", "raw", "not a local file" },
    { "json", "json:{}", "raw", "x", "raw", "not a local file" },
};


static void
testChainBad(gconstpointer data)
{
    const ChainBadCase *c = data;
    g_autofree char *dir = makeTempDir();
    g_autofree char *top = g_build_filename(dir, "top.qcow2", NULL);
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;

    writeImage(dir, "top.qcow2", c->top, c->topFormat ? c->topFormat : NULL);
    if (!c->topFormat) {
        /* makeHeader() without a format extension */
        g_autofree uint8_t *buf = makeHeader(c->top, NULL);
        g_assert_true(g_file_set_contents(top, (const char *)buf, HDR_LEN,
                                          NULL));
    }
    writeImage(dir, "mid.qcow2", c->mid, c->midFormat);

    chain = qemuQcow2ResolveChain(top, VS_DOMAIN_DISK_FORMAT_QCOW2, &err);
    g_assert_null(chain);
    g_assert_nonnull(err);
    if (!strstr(err->message, c->message))
        g_error("case %s: unexpected error '%s'", c->name, err->message);
    removeTempDir(dir);
}


/* A chain given in the XML: top.qcow2 records mid.qcow2 (qcow2), which
 * records base.raw (raw); base.raw looks like a qcow2 image naming
 * another file. Each case gives the XML's layers below top.qcow2. */
typedef struct {
    const char *name;
    const char *layers[3];      /* "file:format", NULL-terminated */
    size_t len;                 /* layers in the result; 0: must fail */
    const char *message;
} ChainXMLCase;

static const ChainXMLCase chainXMLCases[] = {
    { "as-recorded", { "mid.qcow2:qcow2", "base.raw:raw", NULL }, 2, NULL },
    /* the XML ends the chain early: what lies below is not opened */
    { "shorter", { "mid.qcow2:qcow2", NULL }, 1, NULL },
    { "none", { NULL }, 0, NULL },
    { "format-disagrees", { "mid.qcow2:raw", NULL }, 0, "records 'qcow2'" },
    { "self", { "top.qcow2:qcow2", NULL }, 0, "loops back to" },
    { "missing", { "nothere.qcow2:qcow2", NULL }, 0, "cannot access" },
    { "below-raw-disagrees", { "mid.qcow2:qcow2", "x.raw:qcow2", NULL }, 0,
      "records 'raw'" },
    /* a file the XML calls qcow2 must really be one: x.raw is not */
    { "not-qcow2", { "x.raw:qcow2", NULL }, 0, "not in qcow2 format" },
};


static void
testChainXML(gconstpointer data)
{
    const ChainXMLCase *c = data;
    g_autofree char *dir = makeTempDir();
    g_autofree char *top = g_build_filename(dir, "top.qcow2", NULL);
    g_autofree char *x = g_build_filename(dir, "x.raw", NULL);
    g_autoptr(GPtrArray) given =
        g_ptr_array_new_with_free_func((GDestroyNotify) vsDomainDiskBackingFree);
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    size_t i;

    writeImage(dir, "top.qcow2", "mid.qcow2", "qcow2");
    writeImage(dir, "mid.qcow2", "base.raw", "raw");
    writeImage(dir, "base.raw", NULL, NULL);
    g_assert_true(g_file_set_contents(x, "plain", -1, NULL));
    for (i = 0; c->layers[i]; i++) {
        g_auto(GStrv) parts = g_strsplit(c->layers[i], ":", 2);
        g_autofree char *path = g_build_filename(dir, parts[0], NULL);

        g_ptr_array_add(given, vsDomainDiskBackingNew(
                            path, vsDomainDiskFormatTypeFromString(parts[1])));
    }

    chain = qemuQcow2CheckChain(top, VS_DOMAIN_DISK_FORMAT_QCOW2, given, &err);
    if (c->message) {
        g_assert_null(chain);
        if (!err || !strstr(err->message, c->message))
            g_error("case %s: unexpected error '%s'", c->name,
                    err ? err->message : "(none)");
    } else {
        g_assert_no_error(err);
        g_assert_cmpuint(chain->len, ==, c->len);
        for (i = 0; i < chain->len; i++) {
            const qemuQcow2Layer *layer = g_ptr_array_index(chain, i);
            const vsDomainDiskBacking *want = g_ptr_array_index(given, i);

            g_assert_cmpstr(layer->path, ==, want->path);
            g_assert_cmpint(layer->format, ==, want->format);
        }
    }
    removeTempDir(dir);
}


static void
testChainTooLong(void)
{
    g_autofree char *dir = makeTempDir();
    g_autofree char *top = g_build_filename(dir, "l0", NULL);
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    int i;

    for (i = 0; i <= QEMU_QCOW2_CHAIN_MAX + 1; i++) {
        g_autofree char *name = g_strdup_printf("l%d", i);
        g_autofree char *next = g_strdup_printf("l%d", i + 1);
        writeImage(dir, name, next, "qcow2");
    }
    chain = qemuQcow2ResolveChain(top, VS_DOMAIN_DISK_FORMAT_QCOW2, &err);
    g_assert_null(chain);
    g_assert_nonnull(strstr(err->message, "longer than"));
    removeTempDir(dir);
}


/* An image made by qemu-img itself, when it is installed. */
static void
testQemuImg(void)
{
    g_autofree char *dir = makeTempDir();
    g_autofree char *base = g_build_filename(dir, "base.raw", NULL);
    g_autofree char *top = g_build_filename(dir, "top.qcow2", NULL);
    g_autofree char *qemuImg = g_find_program_in_path("qemu-img");
    g_auto(qemuQcow2Header) hdr = { 0 };
    g_autoptr(GError) err = NULL;
    const char *mkBase[] = { "qemu-img", "create", "-q", "-f", "raw",
                             base, "1M", NULL };
    const char *mkTop[] = { "qemu-img", "create", "-q", "-f", "qcow2",
                            "-b", "base.raw", "-F", "raw", top, NULL };
    int status = 0;

    if (!qemuImg) {
        g_test_skip("qemu-img is not installed");
        removeTempDir(dir);
        return;
    }
    g_assert_true(g_spawn_sync(dir, (char **)mkBase, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &err));
    g_assert_true(g_spawn_check_wait_status(status, &err));
    g_assert_true(g_spawn_sync(dir, (char **)mkTop, NULL,
                               G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                               &status, &err));
    g_assert_true(g_spawn_check_wait_status(status, &err));

    g_assert_true(qemuQcow2ReadHeader(top, &hdr, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(hdr.backingFile, ==, "base.raw");
    g_assert_cmpstr(hdr.backingFormat, ==, "raw");
    g_assert_cmpuint(hdr.size, ==, 1024 * 1024);
    removeTempDir(dir);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qcow2/parse/valid", testParseValid);
    g_test_add_func("/qcow2/parse/no-backing", testParseNoBacking);
    g_test_add_func("/qcow2/parse/beyond-cluster", testParseBeyondCluster);
    for (i = 0; i < G_N_ELEMENTS(badCases); i++) {
        g_autofree char *name = g_strdup_printf("/qcow2/parse/bad/%s",
                                                badCases[i].name);
        g_test_add_data_func(name, &badCases[i], testParseBad);
    }
    g_test_add_func("/qcow2/chain/valid", testChain);
    g_test_add_func("/qcow2/chain/too-long", testChainTooLong);
    for (i = 0; i < G_N_ELEMENTS(chainBadCases); i++) {
        g_autofree char *name = g_strdup_printf("/qcow2/chain/bad/%s",
                                                chainBadCases[i].name);
        g_test_add_data_func(name, &chainBadCases[i], testChainBad);
    }
    for (i = 0; i < G_N_ELEMENTS(chainXMLCases); i++) {
        g_autofree char *name = g_strdup_printf("/qcow2/chain-xml/%s",
                                                chainXMLCases[i].name);
        g_test_add_data_func(name, &chainXMLCases[i], testChainXML);
    }
    g_test_add_func("/qcow2/qemu-img", testQemuImg);
    return g_test_run();
}
