/*
 * iohelperdrvtest.c: the driver's side of virtsave_iohelper
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs the built helper through the qemu_iohelper API on real files and
 * pipes: write and read round trips for every stream format, buffered
 * and O_DIRECT; a helper failure becoming one error; abort and timeout;
 * finding the helper and the compression programs.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_iohelper.h"
#include "vserror.h"
#include "vsfile.h"

/* The header block the driver writes before the stream. */
#define TEST_OFFSET 4096
#define TEST_STREAM_LEN (3 * 1024 * 1024 + 123)

static char *testDir;


/* Mostly compressible bytes with some noise, like guest memory. */
static guint8 *
testMakeStream(size_t len)
{
    guint8 *buf = g_malloc(len);
    guint32 x = 12345;
    size_t i;

    for (i = 0; i < len; i++) {
        x = x * 1103515245 + 12345;
        buf[i] = (i / 4096) % 3 == 0 ? (guint8) (x >> 24) : (guint8) (i / 512);
    }
    return buf;
}


/* A new image file with a header block of 'H' bytes. */
static char *
testMakeImage(const char *name)
{
    g_autofree char *path = g_build_filename(testDir, name, NULL);
    guint8 header[TEST_OFFSET];

    memset(header, 'H', sizeof(header));
    g_assert_true(g_file_set_contents(path, (const char *) header,
                                      sizeof(header), NULL));
    return g_steal_pointer(&path);
}


static void
testWriteAll(int fd,
             const guint8 *buf,
             size_t len)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(vsFileWriteFull(fd, buf, len, &err));
}


/* Read @fd to its end. */
static GByteArray *
testReadAll(int fd)
{
    GByteArray *out = g_byte_array_new();
    guint8 chunk[65536];
    ssize_t n;

    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        g_assert_cmpint(n, >, 0);
        g_byte_array_append(out, chunk, n);
    }
    return out;
}


typedef struct {
    qemuSaveFormat format;
    gboolean direct;
} testRoundTrip;


/* Save through the helper, check the header survived, restore through
 * it and compare. */
static void
testRoundTripRun(gconstpointer opaque)
{
    const testRoundTrip *t = opaque;
    g_autofree char *name = g_strdup_printf("rt-%s%s.img",
                                            qemuSaveFormatTypeToString(t->format),
                                            t->direct ? "-direct" : "");
    g_autofree char *path = testMakeImage(name);
    g_autofree guint8 *stream = testMakeStream(TEST_STREAM_LEN);
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GByteArray) back = NULL;
    g_autofree char *contents = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;
    gsize len;

    if (!qemuIOHelperCheckFormatAvailable(t->format, NULL)) {
        g_test_skip("compression program missing");
        return;
    }

    fd = open(path, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    h = qemuIOHelperStartWrite(path, fd, TEST_OFFSET, t->direct, t->format,
                               &pipeFd, &err);
    g_assert_no_error(err);
    g_assert_nonnull(h);
    g_assert_cmpint(qemuIOHelperGetPid(h), >, 0);
    vsFdClose(&fd);
    testWriteAll(pipeFd, stream, TEST_STREAM_LEN);
    vsFdClose(&pipeFd);
    g_assert_true(qemuIOHelperFinish(h, 60000, &err));
    g_assert_no_error(err);
    g_clear_pointer(&h, qemuIOHelperFree);

    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, >, TEST_OFFSET);
    g_assert_cmpint(contents[0], ==, 'H');
    g_assert_cmpint(contents[TEST_OFFSET - 1], ==, 'H');
    if (t->format == QEMU_SAVE_FORMAT_RAW)
        g_assert_cmpmem(contents + TEST_OFFSET, len - TEST_OFFSET,
                        stream, TEST_STREAM_LEN);
    else
        g_assert_cmpuint(len - TEST_OFFSET, <, TEST_STREAM_LEN);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    h = qemuIOHelperStartRead(path, fd, TEST_OFFSET, t->direct, t->format,
                              &pipeFd, &err);
    g_assert_no_error(err);
    vsFdClose(&fd);
    back = testReadAll(pipeFd);
    vsFdClose(&pipeFd);
    g_assert_true(qemuIOHelperFinish(h, 60000, &err));
    g_assert_no_error(err);
    g_assert_cmpmem(back->data, back->len, stream, TEST_STREAM_LEN);
}


/* A corrupt compressed stream: the helper's line becomes the error. */
static void
testReadCorrupt(void)
{
    g_autofree char *path = testMakeImage("corrupt.img");
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GByteArray) back = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;

    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    testWriteAll(fd, (const guint8 *) "this is not gzip at all", 23);
    vsFdClose(&fd);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    h = qemuIOHelperStartRead(path, fd, TEST_OFFSET, FALSE,
                              QEMU_SAVE_FORMAT_GZIP, &pipeFd, &err);
    g_assert_no_error(err);
    back = testReadAll(pipeFd);
    vsFdClose(&pipeFd);
    g_assert_false(qemuIOHelperFinish(h, 60000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "'gzip'"));
    g_assert_nonnull(strstr(err->message, path));
    g_assert_false(g_str_has_prefix(err->message, QEMU_IOHELPER_NAME));
    g_assert_null(strchr(err->message, '\n'));
}


/* Writing through a descriptor that is not open for writing. */
static void
testWriteBadFd(void)
{
    g_autofree char *path = testMakeImage("badfd.img");
    g_autofree char *want = g_strdup_printf("'%s'", path);
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    h = qemuIOHelperStartWrite(path, fd, TEST_OFFSET, FALSE,
                               QEMU_SAVE_FORMAT_RAW, &pipeFd, &err);
    g_assert_no_error(err);
    /* The helper may already have failed and closed its end. */
    signal(SIGPIPE, SIG_IGN);
    if (write(pipeFd, "QEVM", 4) < 0)
        g_assert_cmpint(errno, ==, EPIPE);
    vsFdClose(&pipeFd);
    g_assert_false(qemuIOHelperFinish(h, 60000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, want));
}


/* A full file system: "No space left on device" with the image named. */
static void
testWriteFull(void)
{
    g_autofree char *dir = g_build_filename(testDir, "small", NULL);
    g_autofree char *path = g_build_filename(dir, "full.img", NULL);
    g_autofree guint8 *stream = testMakeStream(TEST_STREAM_LEN);
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;
    ssize_t n;
    size_t done = 0;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0) {
        g_test_skip("cannot mount a small tmpfs (needs root)");
        return;
    }

    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(vsFilePwriteFull(fd, "HHHH", 4, 0, NULL));
    h = qemuIOHelperStartWrite(path, fd, TEST_OFFSET, FALSE,
                               QEMU_SAVE_FORMAT_RAW, &pipeFd, &err);
    g_assert_no_error(err);
    vsFdClose(&fd);
    signal(SIGPIPE, SIG_IGN);
    while (done < TEST_STREAM_LEN) {
        n = write(pipeFd, stream + done, TEST_STREAM_LEN - done);
        if (n < 0) {
            g_assert_cmpint(errno, ==, EPIPE);
            break;
        }
        done += n;
    }
    vsFdClose(&pipeFd);
    g_assert_false(qemuIOHelperFinish(h, 60000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, g_strerror(ENOSPC)));
    g_assert_nonnull(strstr(err->message, path));
    g_assert_cmpint(umount(dir), ==, 0);
}


/* Abort kills a helper that waits for input; Finish then says so. */
static void
testAbort(void)
{
    g_autofree char *path = testMakeImage("abort.img");
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;
    pid_t pid;

    fd = open(path, O_WRONLY | O_CLOEXEC);
    h = qemuIOHelperStartWrite(path, fd, TEST_OFFSET, FALSE,
                               QEMU_SAVE_FORMAT_ZSTD, &pipeFd, &err);
    g_assert_no_error(err);
    pid = qemuIOHelperGetPid(h);
    qemuIOHelperAbort(h);
    /* Reaped: the pid is gone. */
    g_assert_cmpint(kill(pid, 0), <, 0);
    g_assert_false(qemuIOHelperFinish(h, 1000, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "signal 9"));
}


/* A reader that never reads: the bounded wait kills the helper. */
static void
testTimeout(void)
{
    g_autofree char *path = testMakeImage("timeout.img");
    g_autofree guint8 *stream = testMakeStream(TEST_STREAM_LEN);
    g_autoptr(qemuIOHelper) h = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOCLOSE int pipeFd = -1;
    pid_t pid;

    fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    testWriteAll(fd, stream, TEST_STREAM_LEN);
    vsFdClose(&fd);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    h = qemuIOHelperStartRead(path, fd, TEST_OFFSET, FALSE,
                              QEMU_SAVE_FORMAT_RAW, &pipeFd, &err);
    g_assert_no_error(err);
    pid = qemuIOHelperGetPid(h);
    g_assert_false(qemuIOHelperFinish(h, 200, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT);
    g_assert_cmpint(kill(pid, 0), <, 0);
}


static void
testFormatAvailable(void)
{
    g_autofree char *oldPath = g_strdup(g_getenv("PATH"));
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuIOHelperCheckFormatAvailable(QEMU_SAVE_FORMAT_RAW, NULL));
    g_assert_true(qemuIOHelperCheckFormatAvailable(QEMU_SAVE_FORMAT_SPARSE,
                                                   NULL));

    g_setenv("PATH", testDir, TRUE);
    g_assert_true(qemuIOHelperCheckFormatAvailable(QEMU_SAVE_FORMAT_ZSTD,
                                                   &err));
    g_assert_false(qemuIOHelperCheckFormatAvailable(QEMU_SAVE_FORMAT_XZ,
                                                    &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "'xz'"));
    g_clear_error(&err);

    /* The helper is not even started without its program. */
    g_assert_null(qemuIOHelperStartWrite("/nonexistent", 0, 0, FALSE,
                                         QEMU_SAVE_FORMAT_LZOP, NULL, &err));
    g_assert_nonnull(strstr(err->message, "'lzop'"));
    g_setenv("PATH", oldPath, TRUE);
}


static void
testNeeded(void)
{
    g_assert_false(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_RAW, FALSE));
    g_assert_true(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_RAW, TRUE));
    g_assert_true(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_GZIP, FALSE));
    g_assert_true(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_ZSTD, TRUE));
    g_assert_false(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_SPARSE, FALSE));
    g_assert_false(qemuIOHelperNeeded(QEMU_SAVE_FORMAT_SPARSE, TRUE));
}


static void
testFindBinary(void)
{
    g_autofree char *helper = g_strdup(g_getenv(QEMU_IOHELPER_ENV));
    g_autofree char *found = NULL;
    g_autoptr(GError) err = NULL;

    found = qemuIOHelperFindBinary(&err);
    g_assert_no_error(err);
    g_assert_cmpstr(found, ==, helper);

    g_setenv(QEMU_IOHELPER_ENV, "/nonexistent/virtsave_iohelper", TRUE);
    g_assert_null(qemuIOHelperFindBinary(&err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "/nonexistent/virtsave_iohelper"));
    g_setenv(QEMU_IOHELPER_ENV, helper, TRUE);
}


int
main(int argc,
     char **argv)
{
    static const testRoundTrip trips[] = {
        { QEMU_SAVE_FORMAT_RAW, FALSE },
        { QEMU_SAVE_FORMAT_RAW, TRUE },
        { QEMU_SAVE_FORMAT_GZIP, FALSE },
        { QEMU_SAVE_FORMAT_BZIP2, FALSE },
        { QEMU_SAVE_FORMAT_XZ, FALSE },
        { QEMU_SAVE_FORMAT_LZOP, FALSE },
        { QEMU_SAVE_FORMAT_ZSTD, FALSE },
        { QEMU_SAVE_FORMAT_ZSTD, TRUE },
        { QEMU_SAVE_FORMAT_GZIP, TRUE },
    };
    const char *root = g_getenv("VS_BUILD_ROOT");
    g_autofree char *helper = NULL;
    g_autoptr(GError) err = NULL;
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);

    helper = g_build_filename(root ? root : VS_BUILDDIR, "src", "iohelper",
                              QEMU_IOHELPER_NAME, NULL);
    if (!g_path_is_absolute(helper)) {
        g_autofree char *cwd = g_get_current_dir();
        g_autofree char *abs = g_build_filename(cwd, helper, NULL);

        g_free(helper);
        helper = g_steal_pointer(&abs);
    }
    g_setenv(QEMU_IOHELPER_ENV, helper, TRUE);

    /* O_DIRECT needs a real file system: not the tmpfs of many /tmp. */
    testDir = g_build_filename(g_getenv("VS_TEST_BUILDDIR") ?
                               g_getenv("VS_TEST_BUILDDIR") : ".",
                               "iohelperdrvtest-XXXXXX", NULL);
    g_assert_nonnull(g_mkdtemp(testDir));

    for (i = 0; i < G_N_ELEMENTS(trips); i++) {
        g_autofree char *name =
            g_strdup_printf("/qemu/iohelper/roundtrip/%s%s",
                            qemuSaveFormatTypeToString(trips[i].format),
                            trips[i].direct ? "-direct" : "");

        g_test_add_data_func(name, &trips[i], testRoundTripRun);
    }
    g_test_add_func("/qemu/iohelper/read-corrupt", testReadCorrupt);
    g_test_add_func("/qemu/iohelper/write-bad-fd", testWriteBadFd);
    g_test_add_func("/qemu/iohelper/write-full", testWriteFull);
    g_test_add_func("/qemu/iohelper/abort", testAbort);
    g_test_add_func("/qemu/iohelper/timeout", testTimeout);
    g_test_add_func("/qemu/iohelper/format-available", testFormatAvailable);
    g_test_add_func("/qemu/iohelper/needed", testNeeded);
    g_test_add_func("/qemu/iohelper/find-binary", testFindBinary);

    ret = g_test_run();

    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", testDir);

        if (!g_spawn_command_line_sync(cmd, NULL, NULL, NULL, &err))
            g_printerr("cannot remove %s: %s\n", testDir, err->message);
    }
    g_free(testDir);
    return ret;
}
