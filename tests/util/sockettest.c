/*
 * sockettest.c: UNIX sockets, credentials and descriptor passing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vssocket.h"
#include "vserror.h"
#include "vsfile.h"

static char *
testMakeDir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("vssockettest-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}


static gboolean
testIsCloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);

    g_assert_cmpint(flags, >=, 0);
    return (flags & FD_CLOEXEC) != 0;
}


static unsigned int
testCountFds(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    unsigned int n = 0;

    g_assert_nonnull(dir);
    while (g_dir_read_name(dir))
        n++;
    return n;
}


static void
testSocketPair(int sv[2])
{
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
}


static void
testListenMode(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    g_autoptr(GError) err = NULL;
    struct stat sb;
    mode_t oldmask;
    int fd;

    /* The mode is exact whatever the umask says, in both directions. */
    oldmask = umask(0077);
    fd = vsSocketListenUnix(path, 0660, &err);
    umask(oldmask);
    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(testIsCloexec(fd));
    g_assert_cmpint(lstat(path, &sb), ==, 0);
    g_assert_true(S_ISSOCK(sb.st_mode));
    g_assert_cmpint(sb.st_mode & 07777, ==, 0660);
    close(fd);

    /* The socket file stays behind: a new listener replaces it. */
    oldmask = umask(0);
    fd = vsSocketListenUnix(path, 0600, &err);
    umask(oldmask);
    g_assert_no_error(err);
    g_assert_cmpint(lstat(path, &sb), ==, 0);
    g_assert_cmpint(sb.st_mode & 07777, ==, 0600);
    close(fd);

    unlink(path);
    rmdir(dir);
}


static void
testListenErrors(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "plain", NULL);
    g_autofree char *longPath = NULL;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int fd = -1;

    /* A regular file at the path is not removed. */
    g_assert_true(g_file_set_contents(path, "data", -1, NULL));
    fd = vsSocketListenUnix(path, 0600, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(err->message, path));
    g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
    g_clear_error(&err);

    longPath = g_strnfill(200, 'x');
    fd = vsSocketListenUnix(longPath, 0600, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_true(g_str_has_prefix(err->message, "invalid UNIX socket path"));
    g_clear_error(&err);

    fd = vsSocketConnectUnix(longPath, &err);
    g_assert_cmpint(fd, ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_clear_error(&err);

    unlink(path);
    rmdir(dir);
}


static void
testConnectAccept(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int lfd = -1;
    VS_AUTOCLOSE int cfd = -1;
    VS_AUTOCLOSE int sfd = -1;
    pid_t pid = 0;
    uid_t uid = 12345;
    gid_t gid = 12345;
    char buf[8] = { 0 };

    lfd = vsSocketListenUnix(path, 0600, &err);
    g_assert_no_error(err);
    g_assert_true(vsSocketSetNonBlock(lfd, TRUE, &err));
    g_assert_cmpint(fcntl(lfd, F_GETFL) & O_NONBLOCK, !=, 0);

    /* Nothing pending: EAGAIN, and no error. */
    errno = 0;
    sfd = vsSocketAccept(lfd, &err);
    g_assert_cmpint(sfd, ==, -1);
    g_assert_cmpint(errno, ==, EAGAIN);
    g_assert_no_error(err);

    cfd = vsSocketConnectUnix(path, &err);
    g_assert_no_error(err);
    g_assert_true(testIsCloexec(cfd));

    sfd = vsSocketAccept(lfd, &err);
    g_assert_no_error(err);
    g_assert_cmpint(sfd, >=, 0);
    g_assert_true(testIsCloexec(sfd));

    g_assert_true(vsSocketGetPeerCred(sfd, &pid, &uid, &gid, &err));
    g_assert_cmpint(pid, ==, getpid());
    g_assert_cmpint(uid, ==, getuid());
    g_assert_cmpint(gid, ==, getgid());
    g_assert_true(vsSocketGetPeerCred(sfd, NULL, NULL, NULL, &err));

    g_assert_true(vsSocketSendWithFds(cfd, "ping", 4, NULL, 0, &err));
    g_assert_cmpint(vsSocketRecvWithFds(sfd, buf, sizeof(buf), NULL, &err),
                    ==, 4);
    g_assert_cmpmem(buf, 4, "ping", 4);

    g_assert_true(vsSocketSetNonBlock(lfd, FALSE, &err));
    g_assert_cmpint(fcntl(lfd, F_GETFL) & O_NONBLOCK, ==, 0);

    g_assert_cmpint(vsSocketConnectUnix(missing, &err), ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(err->message, "cannot connect to socket"));
    g_assert_nonnull(strstr(err->message, "No such file or directory"));
    g_clear_error(&err);

    /* Failures on something that is not a socket. */
    g_assert_cmpint(vsSocketAccept(999, &err), ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_clear_error(&err);
    g_assert_false(vsSocketGetPeerCred(999, &pid, &uid, &gid, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_clear_error(&err);
    g_assert_false(vsSocketSetNonBlock(999, TRUE, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_clear_error(&err);

    unlink(path);
    rmdir(dir);
}


static void
testPassFds(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "file", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(int));
    int sv[2];
    int pfd[2];
    int fds[4];
    char buf[64] = { 0 };
    gssize n;
    size_t i;

    testSocketPair(sv);
    g_assert_cmpint(pipe2(pfd, O_CLOEXEC), ==, 0);
    fds[0] = vsFileOpen(path, O_RDWR | O_CREAT, 0600, &err);
    g_assert_no_error(err);
    fds[1] = pfd[0];
    fds[2] = pfd[1];
    fds[3] = vsFileOpen("/dev/null", O_RDONLY, 0, &err);
    g_assert_no_error(err);

    g_assert_true(vsSocketSendWithFds(sv[0], "hello", 5, fds, 4, &err));
    g_assert_no_error(err);

    n = vsSocketRecvWithFds(sv[1], buf, sizeof(buf), got, &err);
    g_assert_no_error(err);
    g_assert_cmpint(n, ==, 5);
    g_assert_cmpmem(buf, 5, "hello", 5);
    g_assert_cmpuint(got->len, ==, 4);

    for (i = 0; i < 4; i++) {
        int fd = g_array_index(got, int, i);
        struct stat a;
        struct stat b;

        g_assert_cmpint(fd, !=, fds[i]);
        g_assert_cmpint(fstat(fds[i], &a), ==, 0);
        g_assert_cmpint(fstat(fd, &b), ==, 0);
        g_assert_cmpuint(a.st_dev, ==, b.st_dev);
        g_assert_cmpuint(a.st_ino, ==, b.st_ino);
        g_assert_true(testIsCloexec(fd));
    }

    /* The received write end feeds the original pipe. */
    g_assert_cmpint(write(g_array_index(got, int, 2), "x", 1), ==, 1);
    g_assert_cmpint(read(pfd[0], buf, 1), ==, 1);
    g_assert_cmpint(buf[0], ==, 'x');

    for (i = 0; i < 4; i++) {
        close(fds[i]);
        close(g_array_index(got, int, i));
    }
    close(sv[0]);
    close(sv[1]);
    unlink(path);
    rmdir(dir);
}


static void
testRecvClosesFds(void)
{
    g_autoptr(GError) err = NULL;
    int sv[2];
    int fds[3];
    unsigned int before;
    char buf[4];
    size_t i;

    testSocketPair(sv);
    for (i = 0; i < G_N_ELEMENTS(fds); i++)
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);

    before = testCountFds();
    g_assert_true(vsSocketSendWithFds(sv[0], "abc", 3, fds, 3, &err));
    g_assert_cmpint(vsSocketRecvWithFds(sv[1], buf, sizeof(buf), NULL, &err),
                    ==, 3);
    g_assert_cmpuint(testCountFds(), ==, before);

    for (i = 0; i < G_N_ELEMENTS(fds); i++)
        close(fds[i]);
    close(sv[0]);
    close(sv[1]);
}


static void
testTooManyFds(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(int));
    enum { N = VS_SOCKET_MAX_FDS + 8 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * N)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = (char *) "z", .iov_len = 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    struct cmsghdr *cmsg;
    int fds[N];
    int sv[2];
    unsigned int before;
    char buf[4];
    size_t i;

    testSocketPair(sv);
    for (i = 0; i < N; i++)
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);

    /* Our sender refuses. */
    g_assert_false(vsSocketSendWithFds(sv[0], "z", 1, fds, N, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_false(vsSocketSendWithFds(sv[0], "", 0, fds, 1, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG);
    g_clear_error(&err);

    /* A foreign sender does not: the receiver fails clearly and leaks
     * nothing. */
    memset(&control, 0, sizeof(control));
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * N);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
    g_assert_cmpint(sendmsg(sv[0], &msg, 0), ==, 1);

    before = testCountFds();
    g_assert_cmpint(vsSocketRecvWithFds(sv[1], buf, sizeof(buf), got, &err),
                    ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED);
    g_assert_cmpuint(got->len, ==, 0);
    g_assert_cmpuint(testCountFds(), ==, before);

    for (i = 0; i < N; i++)
        close(fds[i]);
    close(sv[0]);
    close(sv[1]);
}


static void
testNonBlockAndEOF(void)
{
    g_autoptr(GError) err = NULL;
    int sv[2];
    char buf[4];

    testSocketPair(sv);
    g_assert_true(vsSocketSetNonBlock(sv[1], TRUE, &err));

    errno = 0;
    g_assert_cmpint(vsSocketRecvWithFds(sv[1], buf, sizeof(buf), NULL, &err),
                    ==, -1);
    g_assert_cmpint(errno, ==, EAGAIN);
    g_assert_no_error(err);

    close(sv[0]);
    g_assert_cmpint(vsSocketRecvWithFds(sv[1], buf, sizeof(buf), NULL, &err),
                    ==, 0);
    g_assert_no_error(err);

    /* Writing to a vanished peer is an error, not a SIGPIPE. */
    testSocketPair(sv);
    close(sv[1]);
    g_assert_false(vsSocketSendWithFds(sv[0], "x", 1, NULL, 0, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(err->message, g_strerror(EPIPE)));
    close(sv[0]);
}


typedef struct {
    int fd;
    size_t len;
    guint8 *data;
} testReader;


static gpointer
testReadAll(gpointer opaque)
{
    testReader *r = opaque;
    size_t done = 0;

    /* Small reads, so that the sender meets a full socket buffer. */
    while (done < r->len) {
        ssize_t n = read(r->fd, r->data + done, MIN(r->len - done, 4096));

        if (n <= 0)
            break;
        done += n;
    }
    return GSIZE_TO_POINTER(done);
}


static void
testSendLarge(gconstpointer opaque)
{
    gboolean nonblock = GPOINTER_TO_INT(opaque);
    g_autoptr(GError) err = NULL;
    const size_t len = 8 * 1024 * 1024;
    g_autofree guint8 *data = g_malloc(len);
    g_autofree guint8 *back = g_malloc0(len);
    testReader reader;
    GThread *thread;
    int sv[2];
    int fd;
    size_t i;

    for (i = 0; i < len; i++)
        data[i] = i * 31 + (i >> 13);

    testSocketPair(sv);
    fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nonblock)
        g_assert_true(vsSocketSetNonBlock(sv[0], TRUE, &err));

    reader.fd = sv[1];
    reader.len = len;
    reader.data = back;
    thread = g_thread_new("reader", testReadAll, &reader);
    g_assert_true(vsSocketSendWithFds(sv[0], data, len, &fd, 1, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(GPOINTER_TO_SIZE(g_thread_join(thread)), ==, len);
    g_assert_true(memcmp(data, back, len) == 0);

    close(fd);
    close(sv[0]);
    close(sv[1]);
}


/* The peer's supplementary groups count, and only those it has. */
static void
testPeerGroups(void)
{
    g_autoptr(GError) err = NULL;
    gid_t groups[256];
    gid_t absent = 54321;
    int n = getgroups(G_N_ELEMENTS(groups), groups);
    int sv[2];
    int i;

    g_assert_cmpint(n, >=, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                    ==, 0);
    for (i = 0; i < n; i++)
        g_assert_cmpint(vsSocketPeerInGroup(sv[0], groups[i], &err), ==, 1);
    for (i = 0; i < n; i++) {
        if (groups[i] == absent) {
            absent++;
            i = -1;
        }
    }
    g_assert_cmpint(vsSocketPeerInGroup(sv[0], absent, &err), ==, 0);
    g_assert_no_error(err);
    close(sv[0]);
    close(sv[1]);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/socket/listen-mode", testListenMode);
    g_test_add_func("/socket/peer-groups", testPeerGroups);
    g_test_add_func("/socket/listen-errors", testListenErrors);
    g_test_add_func("/socket/connect-accept", testConnectAccept);
    g_test_add_func("/socket/pass-fds", testPassFds);
    g_test_add_func("/socket/recv-closes-fds", testRecvClosesFds);
    g_test_add_func("/socket/too-many-fds", testTooManyFds);
    g_test_add_func("/socket/nonblock-eof", testNonBlockAndEOF);
    g_test_add_data_func("/socket/send-large/blocking",
                         GINT_TO_POINTER(FALSE), testSendLarge);
    g_test_add_data_func("/socket/send-large/nonblocking",
                         GINT_TO_POINTER(TRUE), testSendLarge);
    return g_test_run();
}
