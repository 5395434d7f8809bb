/*
 * filetest.c: full and positioned I/O, O_DIRECT probing, sizes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vsfile.h"
#include "vserror.h"

static char *
testMakeDir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("vsfiletest-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}


static void
testReadWrite(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "f", NULL);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    char buf[64] = { 0 };
    gssize n;

    fd = vsFileOpen(path, O_RDWR | O_CREAT | O_EXCL, 0600, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GETFD) & FD_CLOEXEC, !=, 0);

    g_assert_true(vsFileWriteFull(fd, "hello world", 11, &err));
    g_assert_true(vsFilePwriteFull(fd, "W", 1, 6, &err));
    g_assert_true(vsFilePreadFull(fd, buf, 11, 0, &err));
    g_assert_cmpmem(buf, 11, "hello World", 11);

    /* A short file is an error for the Full variants, not for the plain
     * ones. */
    g_assert_false(vsFilePreadFull(fd, buf, 20, 0, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED);
    g_clear_error(&err);
    n = vsFilePread(fd, buf, 20, 5, &err);
    g_assert_cmpint(n, ==, 6);

    g_assert_cmpint(lseek(fd, 0, SEEK_SET), ==, 0);
    g_assert_false(vsFileReadFull(fd, buf, 12, &err));
    g_assert_nonnull(strstr(err->message, "11 of 12"));
    g_clear_error(&err);

    g_assert_true(vsFileSync(fd, &err));
    g_assert_true(vsFileSyncDir(dir, &err));
    vsFdClose(&fd);
    g_assert_cmpint(fd, ==, -1);

    unlink(path);
    rmdir(dir);
}


static void
testOpenErrors(void)
{
    g_autoptr(GError) err = NULL;
    int fd;

    fd = vsFileOpen("/nonexistent-dir/x", O_RDONLY, 0, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "Failed to open file '/nonexistent-dir/x': No such file or directory");
    g_clear_error(&err);

    fd = vsFileOpen("/nonexistent-dir/x", O_WRONLY | O_CREAT, 0600, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_true(g_str_has_prefix(err->message, "Failed to create file"));
}


/* A FIFO must be refused at once, not wait for a writer. */
static void
testOpenRegular(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vsfile-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "f.img", NULL);
    g_autofree char *reg = g_build_filename(dir, "r.img", NULL);
    int fd;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    g_assert_true(g_file_set_contents(reg, "x", 1, NULL));

    fd = vsFileOpenRegular(fifo, O_RDONLY, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_INVALID);
    g_assert_true(strstr(err->message, "is not a regular file") != NULL);
    g_clear_error(&err);

    fd = vsFileOpenRegular(dir, O_RDONLY, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);

    fd = vsFileOpenRegular(reg, O_RDONLY, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_GETFL) & O_NONBLOCK, ==, 0);
    vsFdClose(&fd);

    g_assert_true(vsFileCheckTarget(reg, &err));
    g_assert_false(vsFileCheckTarget(fifo, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_INVALID);
    g_clear_error(&err);
    unlink(reg);
    g_assert_true(vsFileCheckTarget(reg, &err));

    g_assert_false(vsFileCheckAbsolute("rel.img", &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_true(vsFileCheckAbsolute(reg, &err));

    unlink(fifo);
    rmdir(dir);
}


static void
testPipeSync(void)
{
    g_autoptr(GError) err = NULL;
    int fds[2];

    /* Pipes cannot be synced; that is not an error. */
    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_true(vsFileSync(fds[1], &err));
    g_assert_no_error(err);
    close(fds[0]);
    close(fds[1]);
}


static void
testSizes(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "sparse", NULL);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    uint64_t size = 0;
    uint64_t alloc = 0;

    fd = vsFileOpen(path, O_RDWR | O_CREAT, 0600, &err);
    g_assert_no_error(err);
    g_assert_cmpint(ftruncate(fd, 64 * 1024 * 1024), ==, 0);
    g_assert_true(vsFilePwriteFull(fd, "x", 1, 4096, &err));
    g_assert_true(vsFileGetSizes(fd, &size, &alloc, &err));
    g_assert_cmpuint(size, ==, 64 * 1024 * 1024);
    g_assert_cmpuint(alloc, <, size);

    unlink(path);
    rmdir(dir);
}


static void
testDirectIO(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "direct", NULL);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;
    VS_AUTOALIGNED void *buf = NULL;
    size_t memAlign = 0;
    size_t offAlign = 0;

    if (!vsFileProbeDirectIO(dir, &err)) {
        g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_UNSUPPORTED);
        g_test_skip("no O_DIRECT on the temporary directory's file system");
        rmdir(dir);
        return;
    }

    fd = vsFileOpen(path, O_RDWR | O_CREAT | O_DIRECT, 0600, &err);
    g_assert_no_error(err);
    vsFileGetDirectIOAlign(fd, &memAlign, &offAlign);
    g_assert_cmpuint(memAlign, >, 0);
    g_assert_cmpuint(offAlign, >, 0);
    g_assert_cmpuint(memAlign & (memAlign - 1), ==, 0);
    g_assert_cmpuint(offAlign & (offAlign - 1), ==, 0);

    buf = vsAlignedAlloc0(1024 * 1024, MAX(memAlign, 4096));
    g_assert_cmpuint(GPOINTER_TO_SIZE(buf) % MAX(memAlign, 4096), ==, 0);
    memset(buf, 0xa5, 1024 * 1024);
    g_assert_true(vsFilePwriteFull(fd, buf, 1024 * 1024, 0, &err));
    g_assert_no_error(err);
    unlink(path);
    rmdir(dir);
}


static void
testSteal(void)
{
    int fd = dup(0);
    int other = fd;
    int got = vsFdSteal(&fd);

    g_assert_cmpint(fd, ==, -1);
    g_assert_cmpint(got, ==, other);
    close(got);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/file/read-write", testReadWrite);
    g_test_add_func("/file/open-errors", testOpenErrors);
    g_test_add_func("/file/open-regular", testOpenRegular);
    g_test_add_func("/file/pipe-sync", testPipeSync);
    g_test_add_func("/file/sizes", testSizes);
    g_test_add_func("/file/direct-io", testDirectIO);
    g_test_add_func("/file/steal", testSteal);
    return g_test_run();
}
