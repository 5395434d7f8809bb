/*
 * saveimagetest.c: save image header, data area, writer and stream checks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case reads tests/qemu/data/saveimage/<case>.img (made by
 * generate.py there) and compares what the reader makes of it with
 * <case>.expected; VS_TEST_REGENERATE=1 rewrites the expected files.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "qemu_saveimage.h"
#include "qemu_saveimagepriv.h"
#include "vserror.h"
#include "vsfile.h"

static const char *const testCases[] = {
    "raw-valid",
    "raw-no-cookie",
    "raw-paused-bigendian",
    "raw-bad-stream",
    "raw-stream-version",
    "raw-no-stream",
    "gzip-valid",
    "xz-not-compressed",
    "zstd-valid",
    "partial",
    "bad-magic",
    "short-header",
    "empty-file",
    "version3-le",
    "version3-le-swapped",
    "format7",
    "datalen-0",
    "datalen-huge",
    "cookie-offset-beyond",
    "cookie-offset-at-end",
    "truncated-data",
    "xml-unterminated",
    "cookie-unterminated",
    "xml-empty",
    "sparse-valid",
    "sparse-truncated-pages",
    "sparse-no-vmdesc",
    "sparse-no-mapped-ram-cap",
    "sparse-bad-page-size",
    "sparse-pages-beyond-eof",
    "sparse-bitmap-overlap",
    "sparse-bitmap-extra-bits",
    "sparse-raw-stream",
    "raw-mapped-ram-stream",
};

#define TEST_XML "<domain type='kvm'><name>t</name></domain>"
#define TEST_COOKIE "<cookie><slirpHelper/></cookie>"
#define TEST_STREAM "QEVM\0\0\0\3stream-bytes"


static char *
testDataPath(const char *name,
             const char *ext)
{
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(srcdir ? srcdir : "tests", "qemu", "data",
                            "saveimage", file, NULL);
}


static void
testAppendError(GString *out,
                const char *what,
                const GError *err)
{
    g_autofree char *msg = vsErrorFormatMessage(err);

    g_string_append_printf(out, "%s: error: %s\n", what, msg);
}


static void
testDescribeStream(GString *out,
                   int fd,
                   const qemuSaveHeader *hdr,
                   uint64_t size)
{
    g_autoptr(qemuSaveMappedRamReport) rep = NULL;
    g_autoptr(GError) err = NULL;
    uint64_t vmdesc = 0;
    size_t i;

    if (!qemuSaveImageCheckPayload(fd, hdr, size, &err)) {
        testAppendError(out, "payload", err);
        return;
    }
    g_string_append(out, "payload: ok\n");

    if (hdr->format == QEMU_SAVE_FORMAT_SPARSE) {
        if (!qemuSaveImageCheckMappedRam(fd, hdr, size, &rep, &err)) {
            testAppendError(out, "mapped-ram", err);
            return;
        }
        g_string_append_printf(out, "machine: %s\nram: %llu\nram_end: %llu\n",
                               rep->machine ? rep->machine : "-",
                               (unsigned long long) rep->ramTotal,
                               (unsigned long long) rep->ramEnd);
        for (i = 0; i < rep->nblocks; i++) {
            const qemuSaveRamBlock *b = &rep->blocks[i];

            g_string_append_printf(out,
                                   "block %s: length=%llu page_size=%llu "
                                   "header=%llu bitmap=%llu pages=%llu "
                                   "present=%llu\n",
                                   b->idstr,
                                   (unsigned long long) b->usedLength,
                                   (unsigned long long) b->pageSize,
                                   (unsigned long long) b->headerOffset,
                                   (unsigned long long) b->bitmapOffset,
                                   (unsigned long long) b->pagesOffset,
                                   (unsigned long long) b->pagesPresent);
        }
    }

    if (hdr->format != QEMU_SAVE_FORMAT_RAW &&
        hdr->format != QEMU_SAVE_FORMAT_SPARSE)
        return;

    if (!qemuSaveImageCheckStreamEnd(fd, hdr, size, &vmdesc, &err))
        testAppendError(out, "stream end", err);
    else
        g_string_append_printf(out, "vmdesc: %llu\n",
                               (unsigned long long) vmdesc);
}


/* Everything the reader finds in @path, or the first error. */
static char *
testDescribe(const char *path)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *cookie = NULL;
    VS_AUTOCLOSE int fd = -1;
    qemuSaveHeader hdr;
    uint64_t size;

    fd = vsFileOpen(path, O_RDONLY, 0, &err);
    g_assert_no_error(err);
    g_assert_true(vsFileGetSizes(fd, &size, NULL, &err));

    if (!qemuSaveImageReadHeader(fd, &hdr, &err)) {
        testAppendError(out, "header", err);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }

    if (!qemuSaveImageCheckHeader(&hdr, size, 0, &err)) {
        testAppendError(out, "check", err);
        g_clear_error(&err);
        if (!qemuSaveImageCheckHeader(&hdr, size,
                                      QEMU_SAVE_CHECK_ALLOW_PARTIAL, &err)) {
            testAppendError(out, "check partial", err);
            return g_string_free(g_steal_pointer(&out), FALSE);
        }
    }

    g_string_append_printf(out,
                           "magic: %s\nversion: %u\nformat: %s\n"
                           "was_running: %u\ndata_len: %u\n"
                           "data_offset: %llu\ncookie_offset: %u\n"
                           "file_size: %llu\n",
                           qemuSaveImageIsComplete(&hdr) ? "complete" : "partial",
                           hdr.version,
                           qemuSaveFormatTypeToString(hdr.format),
                           hdr.wasRunning, hdr.dataLen,
                           (unsigned long long) qemuSaveImageDataOffset(&hdr),
                           hdr.cookieOffset, (unsigned long long) size);

    if (!qemuSaveImageReadData(fd, &hdr, &xml, &cookie, &err)) {
        testAppendError(out, "data", err);
        return g_string_free(g_steal_pointer(&out), FALSE);
    }
    g_string_append_printf(out, "xml: %zu bytes\ncookie: %s\n",
                           strlen(xml), cookie ? cookie : "none");

    testDescribeStream(out, fd, &hdr, size);
    return g_string_free(g_steal_pointer(&out), FALSE);
}


static void
testImageCase(gconstpointer opaque)
{
    const char *name = opaque;
    g_autofree char *img = testDataPath(name, ".img");
    g_autofree char *expPath = testDataPath(name, ".expected");
    g_autofree char *actual = testDescribe(img);
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    if (g_getenv("VS_TEST_REGENERATE")) {
        g_assert_true(g_file_set_contents(expPath, actual, -1, &err));
        return;
    }

    g_assert_true(g_file_get_contents(expPath, &expected, NULL, &err));
    g_assert_cmpstr(actual, ==, expected);
}


/* The parsers on memory must agree with the ones on descriptors. */
static void
testMemoryParsers(void)
{
    g_autofree char *img = testDataPath("sparse-valid", ".img");
    g_autofree char *data = NULL;
    g_autoptr(qemuSaveMappedRamReport) rep = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    qemuSaveHeader hdr;
    uint64_t vmdesc = 0;
    gsize len;

    g_assert_true(g_file_get_contents(img, &data, &len, &err));
    g_assert_true(qemuSaveImageParseHeader(data, len, &hdr, &err));
    g_assert_true(qemuSaveImageCheckHeader(&hdr, len, 0, &err));
    g_assert_true(qemuSaveImageParseData(data + QEMU_SAVE_HEADER_SIZE, &hdr,
                                         &xml, NULL, &err));
    g_assert_true(qemuSaveImageCheckMappedRamMem((const uint8_t *) data, len,
                                                 &hdr, &rep, &err));
    g_assert_cmpuint(rep->nblocks, ==, 2);
    g_assert_cmpstr(rep->blocks[0].idstr, ==, "pc.ram");
    g_assert_cmpuint(rep->blocks[0].pagesPresent, ==, 2);
    g_assert_true(qemuSaveImageCheckStreamEndMem((const uint8_t *) data, len,
                                                 &hdr, &vmdesc, &err));
    g_assert_cmpuint(vmdesc, >, 0);

    /* Every prefix of the image fails cleanly, never reads beyond it. */
    for (len = len - 1; len > 4096; len -= 997) {
        g_assert_false(qemuSaveImageCheckMappedRamMem((const uint8_t *) data,
                                                      len, &hdr, NULL, &err) &&
                       qemuSaveImageCheckStreamEndMem((const uint8_t *) data,
                                                      len, &hdr, NULL, &err));
        g_clear_error(&err);
    }
}


static void
testCheckBlock(const char *block,
               size_t len,
               const char *xml,
               const char *cookie,
               size_t align)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xmlOut = NULL;
    g_autofree char *cookieOut = NULL;
    qemuSaveHeader hdr;
    size_t used = strlen(xml) + 1 + (cookie ? strlen(cookie) + 1 : 0);

    g_assert_cmpuint((uintptr_t) block % align, ==, 0);
    g_assert_cmpuint(len % align, ==, 0);
    g_assert_true(qemuSaveImageParseHeader(block, len, &hdr, &err));
    g_assert_false(qemuSaveImageIsComplete(&hdr));
    g_assert_cmpuint(qemuSaveImageDataOffset(&hdr), ==, len);
    g_assert_cmpuint(hdr.dataLen, >=, used + QEMU_SAVE_XML_SLACK);
    /* No more padding than the alignment needs. */
    g_assert_cmpuint(hdr.dataLen - used - QEMU_SAVE_XML_SLACK, <, align);
    g_assert_true(qemuSaveImageCheckHeader(&hdr, len + 1,
                                           QEMU_SAVE_CHECK_ALLOW_PARTIAL,
                                           &err));
    g_assert_true(qemuSaveImageParseData(block + QEMU_SAVE_HEADER_SIZE, &hdr,
                                         &xmlOut, &cookieOut, &err));
    g_assert_cmpstr(xmlOut, ==, xml);
    g_assert_cmpstr(cookieOut, ==, cookie);
}


static void
testNewBlockAlignment(void)
{
    static const size_t xmlSizes[] = {
        1, 100, 3900, 4004, 65536 - 92, 70000, 200000,
    };
    static const size_t aligns[] = { 1, 512, 4096, 65536, 1024 * 1024 };
    size_t i;
    size_t j;

    for (i = 0; i < G_N_ELEMENTS(xmlSizes); i++) {
        g_autofree char *xml = g_strnfill(xmlSizes[i], 'x');

        for (j = 0; j < G_N_ELEMENTS(aligns); j++) {
            g_autoptr(GError) err = NULL;
            size_t align = MAX(aligns[j], QEMU_SAVE_ALIGN_MIN);
            qemuSaveHeader hdr;
            size_t len = 0;
            char *block;

            block = qemuSaveImageNewBlock(xml, j % 2 ? TEST_COOKIE : NULL,
                                          QEMU_SAVE_FORMAT_SPARSE, j % 2,
                                          aligns[j], &hdr, &len, &err);
            g_assert_no_error(err);
            g_assert_cmpuint(hdr.format, ==, QEMU_SAVE_FORMAT_SPARSE);
            g_assert_cmpuint(hdr.wasRunning, ==, j % 2);
            testCheckBlock(block, len, xml, j % 2 ? TEST_COOKIE : NULL, align);
            g_aligned_free(block);
        }
    }
}


static void
testNewBlockTooLarge(void)
{
    g_autofree char *xml = g_strnfill(QEMU_SAVE_DATA_LEN_MAX - 1000, 'x');
    g_autoptr(GError) err = NULL;
    size_t len = 0;

    g_assert_null(qemuSaveImageNewBlock(xml, NULL, QEMU_SAVE_FORMAT_RAW,
                                        TRUE, 4096, NULL, &len, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
}


/* A call that breaks a function's contract fails with an error that
 * says so: a client must never read "failed without saying why". */
static void
testContractErrors(void)
{
    g_autoptr(GError) err = NULL;
    qemuSaveHeader hdr = { .format = QEMU_SAVE_FORMAT_LAST };
    size_t len = 0;

    g_assert_null(qemuSaveImageNewBlock("<domain/>", NULL, QEMU_SAVE_FORMAT_RAW,
                                        TRUE, 3, NULL, &len, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "align"));
    g_clear_error(&err);

    g_assert_null(qemuSaveImageNewBlock("", NULL, QEMU_SAVE_FORMAT_LAST,
                                        TRUE, 4096, NULL, &len, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INTERNAL_ERROR);
    g_clear_error(&err);

    g_assert_false(qemuSaveImageCheckPayload(-1, &hdr, 0, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_INTERNAL_ERROR);
}


/* Write a complete image with a fake stream; returns its path. */
static char *
testWriteImage(const char *dir,
               const char *name,
               const char *magic)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    size_t len = 0;
    char *block;

    block = qemuSaveImageNewBlock(TEST_XML, TEST_COOKIE,
                                  QEMU_SAVE_FORMAT_RAW, TRUE, 4096,
                                  NULL, &len, &err);
    g_assert_no_error(err);
    memcpy(block, magic, QEMU_SAVE_MAGIC_LEN);

    fd = vsFileOpen(path, O_WRONLY | O_CREAT | O_TRUNC, 0600, &err);
    g_assert_no_error(err);
    g_assert_true(vsFilePwriteFull(fd, block, len, 0, &err));
    g_assert_true(vsFilePwriteFull(fd, TEST_STREAM, sizeof(TEST_STREAM),
                                   len, &err));
    g_aligned_free(block);
    return g_steal_pointer(&path);
}


static char *
testReadFile(const char *path,
             gsize *len)
{
    g_autoptr(GError) err = NULL;
    char *data = NULL;

    g_assert_true(g_file_get_contents(path, &data, len, &err));
    return data;
}


static void
testReadXML(const char *path,
            qemuSaveHeader *hdr,
            char **xml,
            char **cookie)
{
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    uint64_t size;

    fd = vsFileOpen(path, O_RDONLY, 0, &err);
    g_assert_no_error(err);
    g_assert_true(vsFileGetSizes(fd, &size, NULL, &err));
    g_assert_true(qemuSaveImageReadHeader(fd, hdr, &err));
    g_assert_true(qemuSaveImageCheckHeader(hdr, size, 0, &err));
    g_assert_true(qemuSaveImageReadData(fd, hdr, xml, cookie, &err));
}


static void
testUpdateXML(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vssaveimage-XXXXXX", &err);
    g_autofree char *path = testWriteImage(dir, "img", QEMU_SAVE_MAGIC);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *cookie = NULL;
    g_autofree char *big = NULL;
    g_autofree char *tooBig = NULL;
    qemuSaveHeader old;
    qemuSaveHeader hdr;
    gsize beforeLen;
    gsize afterLen;

    testReadXML(path, &old, &xml, &cookie);
    g_clear_pointer(&xml, g_free);
    g_clear_pointer(&cookie, g_free);
    before = testReadFile(path, &beforeLen);

    /* Unchanged XML and state: nothing is written. */
    g_assert_true(qemuSaveImageUpdateXML(path, TEST_XML, -1, &err));
    after = testReadFile(path, &afterLen);
    g_assert_cmpmem(before, beforeLen, after, afterLen);
    g_clear_pointer(&after, g_free);

    /* An XML filling the area exactly (with the cookie) fits. */
    big = g_strnfill(old.dataLen - sizeof(TEST_COOKIE) - 1, 'b');
    g_assert_true(qemuSaveImageUpdateXML(path, big, 0, &err));
    testReadXML(path, &hdr, &xml, &cookie);
    g_assert_cmpstr(xml, ==, big);
    g_assert_cmpstr(cookie, ==, TEST_COOKIE);
    g_assert_cmpuint(hdr.dataLen, ==, old.dataLen);
    g_assert_cmpuint(hdr.wasRunning, ==, 0);
    g_assert_cmpuint(hdr.cookieOffset, ==, strlen(big) + 1);
    g_assert_cmpuint(hdr.format, ==, old.format);
    after = testReadFile(path, &afterLen);
    g_assert_cmpuint(afterLen, ==, beforeLen);
    g_assert_cmpmem(after + beforeLen - sizeof(TEST_STREAM),
                    sizeof(TEST_STREAM), TEST_STREAM, sizeof(TEST_STREAM));
    g_clear_pointer(&after, g_free);
    g_clear_pointer(&xml, g_free);
    g_clear_pointer(&cookie, g_free);

    /* Back to the small XML, state kept; the padding is zeroed again. */
    g_assert_true(qemuSaveImageUpdateXML(path, TEST_XML, -1, &err));
    g_assert_true(qemuSaveImageUpdateXML(path, TEST_XML, 1, &err));
    after = testReadFile(path, &afterLen);
    g_assert_cmpmem(before, beforeLen, after, afterLen);
    g_clear_pointer(&after, g_free);

    /* One byte too many: refused, file unchanged. */
    tooBig = g_strnfill(old.dataLen - sizeof(TEST_COOKIE), 'B');
    g_assert_false(qemuSaveImageUpdateXML(path, tooBig, 0, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "new xml too large to fit in file");
    g_clear_error(&err);
    after = testReadFile(path, &afterLen);
    g_assert_cmpmem(before, beforeLen, after, afterLen);

    unlink(path);
    rmdir(dir);
}


static void
testUpdateXMLPartial(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vssaveimage-XXXXXX", &err);
    g_autofree char *path = testWriteImage(dir, "img", QEMU_SAVE_PARTIAL);

    g_assert_false(qemuSaveImageUpdateXML(path, TEST_XML, 0, &err));
    g_assert_cmpstr(err->message, ==, "save image is incomplete");

    unlink(path);
    rmdir(dir);
}


static void
testMarkCompleteOn(const char *path,
                   int flags)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VS_AUTOCLOSE int fd = -1;
    gsize beforeLen;
    gsize afterLen;

    before = testReadFile(path, &beforeLen);
    g_assert_cmpmem(before, QEMU_SAVE_MAGIC_LEN,
                    QEMU_SAVE_PARTIAL, QEMU_SAVE_MAGIC_LEN);

    fd = vsFileOpen(path, O_RDWR | flags, 0, &err);
    g_assert_no_error(err);
    g_assert_true(qemuSaveImageMarkComplete(fd, &err));
    g_assert_true(vsFileSync(fd, &err));
    vsFdClose(&fd);

    after = testReadFile(path, &afterLen);
    g_assert_cmpuint(afterLen, ==, beforeLen);
    g_assert_cmpmem(after, QEMU_SAVE_MAGIC_LEN,
                    QEMU_SAVE_MAGIC, QEMU_SAVE_MAGIC_LEN);
    g_assert_cmpmem(after + QEMU_SAVE_MAGIC_LEN,
                    afterLen - QEMU_SAVE_MAGIC_LEN,
                    before + QEMU_SAVE_MAGIC_LEN,
                    beforeLen - QEMU_SAVE_MAGIC_LEN);
}


static void
testMarkCompleteBuffered(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vssaveimage-XXXXXX", &err);
    g_autofree char *path = testWriteImage(dir, "img", QEMU_SAVE_PARTIAL);
    g_autofree char *other = testWriteImage(dir, "other", "NotAnImageAtAll!");
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VS_AUTOCLOSE int fd = -1;
    gsize beforeLen;
    gsize afterLen;

    testMarkCompleteOn(path, 0);

    /* A foreign file is not touched. */
    before = testReadFile(other, &beforeLen);
    fd = vsFileOpen(other, O_RDWR, 0, &err);
    g_assert_no_error(err);
    g_assert_false(qemuSaveImageMarkComplete(fd, &err));
    g_assert_cmpstr(err->message, ==, "image magic is incorrect");
    after = testReadFile(other, &afterLen);
    g_assert_cmpmem(before, beforeLen, after, afterLen);

    unlink(path);
    unlink(other);
    rmdir(dir);
}


int
main(int argc,
     char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(testCases); i++) {
        g_autofree char *name = g_strdup_printf("/saveimage/case/%s",
                                                testCases[i]);

        g_test_add_data_func(name, testCases[i], testImageCase);
    }
    g_test_add_func("/saveimage/memory-parsers", testMemoryParsers);
    g_test_add_func("/saveimage/new-block/alignment", testNewBlockAlignment);
    g_test_add_func("/saveimage/new-block/too-large", testNewBlockTooLarge);
    g_test_add_func("/saveimage/contract-errors", testContractErrors);
    g_test_add_func("/saveimage/update-xml/fit", testUpdateXML);
    g_test_add_func("/saveimage/update-xml/partial", testUpdateXMLPartial);
    g_test_add_func("/saveimage/mark-complete/buffered",
                    testMarkCompleteBuffered);

    return g_test_run();
}
