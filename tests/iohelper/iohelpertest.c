/*
 * iohelpertest.c: virtsave_iohelper on real files, real pipes, real
 * O_DIRECT and real compression programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "vsfile.h"

/* Where the image header ends and the stream begins in every test. */
#define TEST_OFFSET 8192
#define TEST_MIB (1024 * 1024)

typedef struct {
    const char *format;
    gboolean direct;
} testCase;

typedef struct {
    int status;
    GBytes *out;
    char *err;
} testResult;

static const char *const testFormats[] = {
    "raw", "gzip", "bzip2", "xz", "lzop", "zstd",
};

/* Largest stream the slow external compressors get. */
#define TEST_SLOW_FORMAT_MAX (9 * TEST_MIB + 123)

static const gsize testSizes[] = {
    0, 1, 4095, 4096, TEST_MIB + 1, 37 * TEST_MIB + 123,
};

static char *testDir;
static gboolean testDirectWorks;


static void
testResultClear(testResult *res)
{
    g_clear_pointer(&res->out, g_bytes_unref);
    g_clear_pointer(&res->err, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(testResult, testResultClear);


/*
 * Something like guest memory: pages of zeros, of text and of noise, so
 * that every compressor has work but none takes long.
 */
static GBytes *
testMakeData(gsize size,
             guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    guint8 *data = g_malloc0(MAX(size, 1));
    gsize pos;
    gsize i;

    for (pos = 0; pos < size; pos += 4096) {
        gsize len = MIN(4096, size - pos);

        switch (g_rand_int_range(rand, 0, 4)) {
        case 0:
            break;
        case 1:
            for (i = 0; i < len; i++)
                data[pos + i] = "virtsave stream "[i % 16];
            break;
        default:
            for (i = 0; i < len; i++)
                data[pos + i] = g_rand_int(rand);
            break;
        }
    }

    return g_bytes_new_take(data, size);
}


typedef struct {
    int fd;
    GBytes *input;
} testFeeder;


/* Writes the input into the child's stdin pipe; a child that stops
 * reading early (EPIPE) is what some tests want. */
static gpointer
testFeed(gpointer opaque)
{
    testFeeder *feeder = opaque;
    gsize len = 0;
    const char *data = NULL;

    if (feeder->input)
        data = g_bytes_get_data(feeder->input, &len);
    while (len > 0) {
        ssize_t n = write(feeder->fd, data, MIN(len, 1024 * 1024));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_assert_cmpint(errno, ==, EPIPE);
            break;
        }
        data += n;
        len -= n;
    }

    close(feeder->fd);
    return NULL;
}


/* Runs @argv with @input on its stdin (a pipe), collecting stdout and
 * stderr. @fd, if not -1, becomes the child's descriptor 3; @path is put
 * in front of PATH. */
static void
testRun(const char * const *argv,
        GBytes *input,
        int fd,
        const char *path,
        testResult *res)
{
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GBytes) errBytes = NULL;
    g_autoptr(GError) err = NULL;
    testFeeder feeder = { .input = input };
    GThread *thread;
    int fds[2];

    g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
    launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                         G_SUBPROCESS_FLAGS_STDERR_PIPE);
    g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
    if (path) {
        g_autofree char *full = g_strdup_printf("%s:%s", path,
                                                g_getenv("PATH"));

        g_subprocess_launcher_setenv(launcher, "PATH", full, TRUE);
    }
    if (fd >= 0)
        g_subprocess_launcher_take_fd(launcher, dup(fd), 3);
    g_subprocess_launcher_take_stdin_fd(launcher, fds[0]);

    proc = g_subprocess_launcher_spawnv(launcher, argv, &err);
    g_assert_no_error(err);
    /* The launcher holds the child's end of the pipe until freed. */
    g_clear_object(&launcher);

    feeder.fd = fds[1];
    thread = g_thread_new("feeder", testFeed, &feeder);
    g_subprocess_communicate(proc, NULL, NULL, &res->out, &errBytes, &err);
    g_assert_no_error(err);
    g_thread_join(thread);

    /* The data of an empty GBytes may be NULL. */
    res->err = g_strndup(g_bytes_get_size(errBytes) ?
                         g_bytes_get_data(errBytes, NULL) : "",
                         g_bytes_get_size(errBytes));
    g_assert_true(g_subprocess_get_if_exited(proc));
    res->status = g_subprocess_get_exit_status(proc);
}


/* Runs the helper with @args (NULL-terminated) and @input on stdin. */
static void
testRunHelper(const char * const *args,
              GBytes *input,
              int fd,
              const char *path,
              testResult *res)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, (char *) IOHELPER_PATH);
    for (; *args; args++)
        g_ptr_array_add(argv, (char *) *args);
    g_ptr_array_add(argv, NULL);

    testRun((const char * const *) argv->pdata, input, fd, path, res);
}


/* An image with a recognisable header of TEST_OFFSET bytes and, after
 * it, @junk bytes left over from an earlier, longer image. */
static void
testMakeImage(const char *file,
              gsize junk)
{
    g_autofree char *buf = g_malloc(TEST_OFFSET + junk);
    g_autoptr(GError) err = NULL;
    gsize i;

    for (i = 0; i < TEST_OFFSET; i++)
        buf[i] = 'A' + i % 26;
    memset(buf + TEST_OFFSET, 0xab, junk);
    g_file_set_contents(file, buf, TEST_OFFSET + junk, &err);
    g_assert_no_error(err);
}


static void
testCheckHeader(const char *file,
                GBytes **stream)
{
    g_autofree char *contents = NULL;
    g_autoptr(GError) err = NULL;
    gsize len;
    gsize i;

    g_file_get_contents(file, &contents, &len, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(len, >=, TEST_OFFSET);
    for (i = 0; i < TEST_OFFSET; i++)
        g_assert_cmpint(contents[i], ==, 'A' + i % 26);

    *stream = g_bytes_new(contents + TEST_OFFSET, len - TEST_OFFSET);
}


/* The bytes after the header decode with the standard program. */
static void
testCheckStandardDecode(const char *format,
                        GBytes *stream,
                        GBytes *data)
{
    const char *argv[] = { format, "-dc", NULL };
    g_auto(testResult) res = { 0 };

    if (g_str_equal(format, "raw")) {
        g_assert_true(g_bytes_equal(stream, data));
        return;
    }

    testRun(argv, stream, -1, NULL, &res);
    g_assert_cmpstr(res.err, ==, "");
    g_assert_cmpint(res.status, ==, 0);
    g_assert_true(g_bytes_equal(res.out, data));
}


static void
testRoundTripOne(const testCase *tc,
                 gsize size)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autofree char *offset = g_strdup_printf("%d", TEST_OFFSET);
    g_autoptr(GBytes) data = testMakeData(size, size);
    g_autoptr(GBytes) stream = NULL;
    g_auto(testResult) wres = { 0 };
    g_auto(testResult) rres = { 0 };
    const char *wargs[] = { "--write", file, "--offset", offset,
                            "--format", tc->format,
                            tc->direct ? "--direct" : NULL, NULL };
    const char *rargs[] = { "--read", file, "--offset", offset,
                            "--format", tc->format,
                            tc->direct ? "--direct" : NULL, NULL };

    g_test_message("%s, %s, %zu bytes", tc->format,
                   tc->direct ? "O_DIRECT" : "buffered", size);
    testMakeImage(file, TEST_MIB + 77);

    testRunHelper(wargs, data, -1, NULL, &wres);
    g_assert_cmpstr(wres.err, ==, "");
    g_assert_cmpint(wres.status, ==, 0);
    g_assert_cmpuint(g_bytes_get_size(wres.out), ==, 0);

    /* Header untouched, padding and older junk cut off. */
    testCheckHeader(file, &stream);
    testCheckStandardDecode(tc->format, stream, data);

    testRunHelper(rargs, NULL, -1, NULL, &rres);
    g_assert_cmpstr(rres.err, ==, "");
    g_assert_cmpint(rres.status, ==, 0);
    g_assert_true(g_bytes_equal(rres.out, data));

    unlink(file);
}


static void
testRoundTrip(gconstpointer opaque)
{
    const testCase *tc = opaque;
    size_t i;

    if (tc->direct && !testDirectWorks) {
        g_test_skip("the test directory does not support O_DIRECT");
        return;
    }

    for (i = 0; i < G_N_ELEMENTS(testSizes); i++) {
        gsize size = testSizes[i];

        /* bzip2 and xz take seconds per ten MiB; a stream just over one
         * 8 MiB buffer still covers the multi-buffer path and the tail. */
        if (size > TEST_SLOW_FORMAT_MAX &&
            (g_str_equal(tc->format, "bzip2") || g_str_equal(tc->format, "xz")))
            size = TEST_SLOW_FORMAT_MAX;
        testRoundTripOne(tc, size);
    }
}


/* Descriptor passing, the single-buffer mode, small buffers and an
 * unaligned read offset (where libvirt's images keep their stream). */
static void
testVariants(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autoptr(GBytes) data = testMakeData(5 * TEST_MIB + 3, 7);
    const char *direct = testDirectWorks ? "--direct" : NULL;
    const char *fdWrite[] = { "--write", file, "--fd", "3", "--offset",
                              "8192", direct, NULL };
    const char *naive[] = { "--write", file, "--offset", "8192", "--naive",
                            direct, NULL };
    const char *small[] = { "--read", file, "--offset", "8192",
                            "--buffer-size", "65536", "--buffers", "2",
                            direct, NULL };
    const char *unaligned[] = { "--read", file, "--offset", "5000",
                                direct, NULL };
    VS_AUTOCLOSE int fd = -1;
    g_autoptr(GBytes) stream = NULL;

    testMakeImage(file, 0);
    fd = open(file, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);

    {
        g_auto(testResult) res = { 0 };

        testRunHelper(fdWrite, data, fd, NULL, &res);
        g_assert_cmpstr(res.err, ==, "");
        g_assert_cmpint(res.status, ==, 0);
        testCheckHeader(file, &stream);
        g_assert_true(g_bytes_equal(stream, data));
        g_clear_pointer(&stream, g_bytes_unref);
    }
    {
        g_auto(testResult) res = { 0 };

        testMakeImage(file, 3 * TEST_MIB);
        testRunHelper(naive, data, -1, NULL, &res);
        g_assert_cmpstr(res.err, ==, "");
        g_assert_cmpint(res.status, ==, 0);
        testCheckHeader(file, &stream);
        g_assert_true(g_bytes_equal(stream, data));
    }
    {
        g_auto(testResult) res = { 0 };

        testRunHelper(small, NULL, -1, NULL, &res);
        g_assert_cmpstr(res.err, ==, "");
        g_assert_cmpint(res.status, ==, 0);
        g_assert_true(g_bytes_equal(res.out, data));
    }
    {
        g_auto(testResult) res = { 0 };
        g_autofree char *contents = NULL;
        gsize len;

        testRunHelper(unaligned, NULL, -1, NULL, &res);
        g_assert_cmpstr(res.err, ==, "");
        g_assert_cmpint(res.status, ==, 0);
        g_assert_true(g_file_get_contents(file, &contents, &len, NULL));
        g_assert_cmpmem(g_bytes_get_data(res.out, NULL),
                        g_bytes_get_size(res.out),
                        contents + 5000, len - 5000);
    }

    unlink(file);
}


/* A small file system: tmpfs supports O_DIRECT since Linux 6.6. */
static char *
testMountSmall(const char *size)
{
    g_autofree char *dir = g_build_filename(testDir, "small", NULL);
    g_autofree char *opts = g_strdup_printf("size=%s,mode=0700", size);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    if (mount("tmpfs", dir, "tmpfs", 0, opts) < 0) {
        g_autofree char *msg = g_strdup_printf(
            "cannot mount a small tmpfs (needs root): %s",
            g_strerror(errno));

        g_test_skip(msg);
        rmdir(dir);
        return NULL;
    }

    return g_steal_pointer(&dir);
}


static void
testUnmount(const char *dir)
{
    g_assert_cmpint(umount(dir), ==, 0);
    rmdir(dir);
}


static void
testDiskFull(gconstpointer opaque)
{
    const testCase *tc = opaque;
    g_autofree char *dir = testMountSmall("16m");
    g_autofree char *file = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(GBytes) data = NULL;
    g_auto(testResult) res = { 0 };
    g_autoptr(GRand) rand = g_rand_new_with_seed(3);
    guint8 *noise = g_malloc(40 * TEST_MIB);
    const char *args[] = { "--write", NULL, "--offset", "8192",
                           "--format", tc->format,
                           tc->direct ? "--direct" : NULL, NULL };
    gsize i;

    if (!dir) {
        g_free(noise);
        return;
    }

    /* Incompressible, so that compression does not make it fit. */
    for (i = 0; i < 40 * TEST_MIB; i++)
        noise[i] = g_rand_int(rand);
    data = g_bytes_new_take(noise, 40 * TEST_MIB);

    file = g_build_filename(dir, "img", NULL);
    args[1] = file;
    testMakeImage(file, 0);
    testRunHelper(args, data, -1, NULL, &res);

    expected = g_strdup_printf("virtsave_iohelper: cannot write '%s': "
                               "No space left on device\n", file);
    g_assert_cmpstr(res.err, ==, expected);
    g_assert_cmpint(res.status, ==, 1);
    /* The driver removes the image, not the helper. */
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));

    testUnmount(dir);
}


static void
testWriteFake(const char *dir,
              const char *name,
              const char *script)
{
    g_autofree char *file = g_build_filename(dir, name, NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", script);
    g_autoptr(GError) err = NULL;

    g_file_set_contents(file, text, -1, &err);
    g_assert_no_error(err);
    g_assert_cmpint(chmod(file, 0755), ==, 0);
}


/* A compressor that dies mid-stream fails the save, naming it and
 * quoting its last words; so does one that exits non-zero. */
static void
testCompressorDies(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autofree char *bin = g_build_filename(testDir, "bin", NULL);
    g_autoptr(GBytes) data = testMakeData(8 * TEST_MIB, 11);
    const char *gzipArgs[] = { "--write", file, "--offset", "8192",
                               "--format", "gzip", NULL };
    const char *xzArgs[] = { "--write", file, "--offset", "8192",
                             "--format", "xz", NULL };

    g_assert_cmpint(g_mkdir_with_parents(bin, 0700), ==, 0);
    testWriteFake(bin, "gzip",
                  "head -c 100000 >/dev/null\n"
                  "echo 'gzip: crashing on purpose' >&2\n"
                  "kill -KILL $$");
    testWriteFake(bin, "xz",
                  "head -c 100000 >/dev/null\n"
                  "echo 'xz: first line' >&2\n"
                  "echo 'xz: second line' >&2\n"
                  "exit 3");
    testMakeImage(file, 0);

    {
        g_auto(testResult) res = { 0 };

        testRunHelper(gzipArgs, data, -1, bin, &res);
        g_assert_cmpstr(res.err, ==,
                        "virtsave_iohelper: compression program 'gzip' "
                        "failed (killed by signal 9 (Killed)): "
                        "gzip: crashing on purpose\n");
        g_assert_cmpint(res.status, ==, 1);
    }
    {
        g_auto(testResult) res = { 0 };

        testRunHelper(xzArgs, data, -1, bin, &res);
        g_assert_cmpstr(res.err, ==,
                        "virtsave_iohelper: compression program 'xz' "
                        "failed (exited with status 3): "
                        "xz: first line; xz: second line\n");
        g_assert_cmpint(res.status, ==, 1);
    }

    unlink(file);
}


/* A stream cut short on disk fails the restore with the decoder's
 * complaint, for every compressed format. */
static void
testTruncated(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autoptr(GBytes) data = testMakeData(3 * TEST_MIB, 5);
    size_t i;

    for (i = 1; i < G_N_ELEMENTS(testFormats); i++) {
        const char *wargs[] = { "--write", file, "--offset", "8192",
                                "--format", testFormats[i], NULL };
        const char *rargs[] = { "--read", file, "--offset", "8192",
                                "--format", testFormats[i], NULL };
        g_auto(testResult) wres = { 0 };
        g_auto(testResult) rres = { 0 };
        g_autofree char *prefix = NULL;
        struct stat sb;

        testMakeImage(file, 0);
        testRunHelper(wargs, data, -1, NULL, &wres);
        g_assert_cmpint(wres.status, ==, 0);
        g_assert_cmpint(stat(file, &sb), ==, 0);
        g_assert_cmpint(truncate(file, TEST_OFFSET +
                                 (sb.st_size - TEST_OFFSET) / 2), ==, 0);

        testRunHelper(rargs, NULL, -1, NULL, &rres);
        g_test_message("%s: %s", testFormats[i], rres.err);
        g_assert_cmpint(rres.status, ==, 1);
        if (g_str_equal(testFormats[i], "zstd")) {
            g_assert_cmpstr(rres.err, ==, "virtsave_iohelper: the zstd "
                            "stream is truncated\n");
        } else {
            prefix = g_strdup_printf("virtsave_iohelper: decompression "
                                     "program '%s' failed (exited with "
                                     "status ", testFormats[i]);
            g_assert_true(g_str_has_prefix(rres.err, prefix));
            g_assert_nonnull(strchr(rres.err, '\n'));
            g_assert_cmpint(strchr(rres.err, '\n')[1], ==, '\0');
        }
    }

    unlink(file);
}


/* The reader of the restored stream goes away early: the helper says so
 * instead of dying of SIGPIPE, and exits with its own status 3 (the
 * reader's failure is the cause), also when the decompressor writing
 * into that pipe is the one that meets the closed end. */
static void
testReaderGone(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autoptr(GBytes) data = testMakeData(16 * TEST_MIB, 9);
    const char *formats[] = { "raw", "zstd", "gzip" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(formats); i++) {
        const char *wargs[] = { "--write", file, "--offset", "8192",
                                "--format", formats[i], NULL };
        const char *argv[] = { IOHELPER_PATH, "--read", file, "--offset",
                               "8192", "--format", formats[i], NULL };
        g_autoptr(GSubprocessLauncher) launcher = NULL;
        g_autoptr(GSubprocess) proc = NULL;
        g_autoptr(GBytes) errBytes = NULL;
        g_autoptr(GError) err = NULL;
        g_auto(testResult) wres = { 0 };
        char buf[1000];
        int fds[2];

        testMakeImage(file, 0);
        testRunHelper(wargs, data, -1, NULL, &wres);
        g_assert_cmpint(wres.status, ==, 0);

        g_assert_cmpint(pipe2(fds, O_CLOEXEC), ==, 0);
        launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_PIPE);
        g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
        g_subprocess_launcher_take_stdout_fd(launcher, fds[1]);
        proc = g_subprocess_launcher_spawnv(launcher, argv, &err);
        g_assert_no_error(err);
        g_clear_object(&launcher);

        g_assert_true(vsFileReadFull(fds[0], buf, sizeof(buf), NULL));
        close(fds[0]);

        g_subprocess_communicate(proc, NULL, NULL, NULL, &errBytes, &err);
        g_assert_no_error(err);
        if (g_str_equal(formats[i], "gzip")) {
            g_assert_true(g_str_has_prefix(
                g_bytes_get_data(errBytes, NULL),
                "virtsave_iohelper: decompression program 'gzip' failed"));
        } else {
            g_assert_cmpmem(g_bytes_get_data(errBytes, NULL),
                            g_bytes_get_size(errBytes),
                            "virtsave_iohelper: cannot write to 'stdout': "
                            "the reader closed the pipe early\n", 78);
        }
        g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 3);
    }

    unlink(file);
}


static void
testBadArgs(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autofree char *missing = g_build_filename(testDir, "nodir", "img",
                                                NULL);
    g_autofree char *msg = NULL;
    const char *unwritable[] = { "--write", missing, NULL };
    const char *isdir[] = { "--write", testDir, NULL };
    const char *both[] = { "--write", file, "--read", file, NULL };
    const char *format[] = { "--read", file, "--format", "lz4", NULL };
    const char *offset[] = { "--read", file, "--offset", "-1", NULL };
    g_auto(testResult) r1 = { 0 };
    g_auto(testResult) r2 = { 0 };
    g_auto(testResult) r3 = { 0 };
    g_auto(testResult) r4 = { 0 };
    g_auto(testResult) r5 = { 0 };

    testRunHelper(unwritable, NULL, -1, NULL, &r1);
    msg = g_strdup_printf("virtsave_iohelper: cannot open '%s': "
                          "No such file or directory\n", missing);
    g_assert_cmpstr(r1.err, ==, msg);
    g_assert_cmpint(r1.status, ==, 1);

    testRunHelper(isdir, NULL, -1, NULL, &r2);
    g_clear_pointer(&msg, g_free);
    msg = g_strdup_printf("virtsave_iohelper: cannot open '%s': "
                          "Is a directory\n", testDir);
    g_assert_cmpstr(r2.err, ==, msg);
    g_assert_cmpint(r2.status, ==, 1);

    testRunHelper(both, NULL, -1, NULL, &r3);
    g_assert_cmpstr(r3.err, ==, "virtsave_iohelper: exactly one of "
                    "'--write' and '--read' is required\n");
    g_assert_cmpint(r3.status, ==, 2);

    testRunHelper(format, NULL, -1, NULL, &r4);
    g_assert_cmpstr(r4.err, ==, "virtsave_iohelper: unsupported format "
                    "'lz4'\n");
    g_assert_cmpint(r4.status, ==, 2);

    testRunHelper(offset, NULL, -1, NULL, &r5);
    g_assert_true(g_str_has_prefix(r5.err, "virtsave_iohelper: invalid "
                                   "value '-1' for option '--offset'"));
    g_assert_cmpint(r5.status, ==, 2);
}


/* O_DIRECT writes must start aligned: the helper refuses, it does not
 * rewrite the header's last block. */
static void
testUnalignedWrite(void)
{
    g_autofree char *file = g_build_filename(testDir, "img", NULL);
    g_autofree char *msg = NULL;
    const char *args[] = { "--write", file, "--offset", "5000", "--direct",
                           NULL };
    g_auto(testResult) res = { 0 };
    g_autoptr(GBytes) stream = NULL;
    size_t memAlign;
    size_t offAlign;
    VS_AUTOCLOSE int fd = -1;

    if (!testDirectWorks) {
        g_test_skip("the test directory does not support O_DIRECT");
        return;
    }

    testMakeImage(file, 0);
    fd = open(file, O_RDONLY | O_DIRECT | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    vsFileGetDirectIOAlign(fd, &memAlign, &offAlign);

    testRunHelper(args, NULL, -1, NULL, &res);
    msg = g_strdup_printf("virtsave_iohelper: offset 5000 in '%s' is not a "
                          "multiple of the O_DIRECT alignment %zu\n",
                          file, offAlign);
    g_assert_cmpstr(res.err, ==, msg);
    g_assert_cmpint(res.status, ==, 1);
    testCheckHeader(file, &stream);
    g_assert_cmpuint(g_bytes_get_size(stream), ==, 0);
    unlink(file);
}


int
main(int argc,
     char **argv)
{
    static const testCase full[] = {
        { "raw", FALSE }, { "raw", TRUE },
        { "gzip", FALSE }, { "zstd", TRUE },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *cmd = NULL;
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);

    testDir = g_dir_make_tmp("iohelpertest-XXXXXX", &err);
    g_assert_no_error(err);
    testDirectWorks = vsFileProbeDirectIO(testDir, NULL);

    for (i = 0; i < G_N_ELEMENTS(testFormats) * 2; i++) {
        testCase *tc = g_new0(testCase, 1);
        g_autofree char *name = NULL;

        tc->format = testFormats[i / 2];
        tc->direct = i % 2;
        name = g_strdup_printf("/iohelper/roundtrip/%s/%s", tc->format,
                               tc->direct ? "direct" : "buffered");
        g_test_add_data_func(name, tc, testRoundTrip);
        g_ptr_array_add(cases, tc);
    }
    for (i = 0; i < G_N_ELEMENTS(full); i++) {
        g_autofree char *name = g_strdup_printf("/iohelper/diskfull/%s/%s",
                                                full[i].format,
                                                full[i].direct ? "direct"
                                                               : "buffered");

        g_test_add_data_func(name, &full[i], testDiskFull);
    }
    g_test_add_func("/iohelper/variants", testVariants);
    g_test_add_func("/iohelper/compressor-dies", testCompressorDies);
    g_test_add_func("/iohelper/truncated", testTruncated);
    g_test_add_func("/iohelper/reader-gone", testReaderGone);
    g_test_add_func("/iohelper/bad-args", testBadArgs);
    g_test_add_func("/iohelper/unaligned-write", testUnalignedWrite);

    ret = g_test_run();

    cmd = g_strdup_printf("rm -rf '%s'", testDir);
    if (system(cmd) != 0)
        g_printerr("cannot remove '%s'\n", testDir);
    return ret;
}
