/*
 * vssocket.c: UNIX stream sockets with descriptor passing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vssocket.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("util.socket");


/* Fill @addr for @path; FALSE with @error set when @path does not fit. */
static gboolean
vsSocketMakeAddr(const char *path,
                 struct sockaddr_un *addr,
                 GError **error)
{
    size_t len = strlen(path);

    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (len == 0 || len >= sizeof(addr->sun_path)) {
        vsSetErrorSystem(error, ENAMETOOLONG,
                         _("invalid UNIX socket path '%s'"), path);
        return FALSE;
    }
    memcpy(addr->sun_path, path, len + 1);
    return TRUE;
}


/* Remove a socket file left behind by an earlier listener on @path; any
 * other kind of file is left alone (bind then fails on it). */
static gboolean
vsSocketRemoveStale(const char *path,
                    GError **error)
{
    struct stat sb;

    if (lstat(path, &sb) < 0) {
        if (errno == ENOENT)
            return TRUE;
        vsSetErrorSystem(error, errno, _("cannot check socket path '%s'"),
                         path);
        return FALSE;
    }

    if (!S_ISSOCK(sb.st_mode))
        return TRUE;

    VS_DEBUG("removing stale socket file %s", path);
    if (unlink(path) < 0 && errno != ENOENT) {
        vsSetErrorSystem(error, errno,
                         _("cannot remove stale socket '%s'"), path);
        return FALSE;
    }

    return TRUE;
}


/**
 * vsSocketListenUnix:
 * @path: file system path for the socket
 * @mode: permissions of the socket file
 * @error: return location for a #GError
 *
 * Creates a listening UNIX stream socket at @path, replacing a stale
 * socket file. The socket file gets exactly @mode before listen(2), so no
 * client can connect while it is more permissive; the process umask is
 * left alone because other threads may be creating files meanwhile.
 *
 * Returns: (transfer full) the listening descriptor (O_CLOEXEC), or -1
 * with a system error naming @path.
 */
int
vsSocketListenUnix(const char *path,
                   mode_t mode,
                   GError **error)
{
    struct sockaddr_un addr;
    VS_AUTOCLOSE int fd = -1;

    if (!vsSocketMakeAddr(path, &addr, error))
        return -1;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vsSetErrorSystem(error, errno, _("cannot create socket for '%s'"),
                         path);
        return -1;
    }

    if (!vsSocketRemoveStale(path, error))
        return -1;

    /* Linux creates the socket file with the socket inode's mode minus
     * the umask: never more open than @mode, even for a moment. */
    if (fchmod(fd, mode) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot set permissions of socket '%s'"), path);
        return -1;
    }

    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        vsSetErrorSystem(error, errno, _("cannot bind socket to '%s'"), path);
        return -1;
    }

    /* Now the exact mode, umask notwithstanding; connect(2) is refused
     * until listen(2), so nobody slips in before this. */
    if (chmod(path, mode) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot set permissions of socket '%s'"), path);
        unlink(path);
        return -1;
    }

    if (listen(fd, SOMAXCONN) < 0) {
        vsSetErrorSystem(error, errno, _("cannot listen on socket '%s'"),
                         path);
        unlink(path);
        return -1;
    }

    VS_DEBUG("listening on %s (fd %d, mode %04o)", path, fd,
             (unsigned int) mode);
    return vsFdSteal(&fd);
}


/**
 * vsSocketAccept:
 * @listenfd: a listening socket
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the client's descriptor (O_CLOEXEC), or -1:
 * with errno EAGAIN and no error set when @listenfd is non-blocking and
 * no client is waiting, with @error set otherwise.
 */
int
vsSocketAccept(int listenfd,
               GError **error)
{
    int fd;

    do {
        fd = accept4(listenfd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);

    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            errno = EAGAIN;
            return -1;
        }
        vsSetErrorSystem(error, errno, _("cannot accept connection"));
        return -1;
    }

    return fd;
}


/**
 * vsSocketConnectUnix:
 * @path: path of a listening UNIX socket
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a connected, blocking descriptor (O_CLOEXEC),
 * or -1 with a system error naming @path.
 */
int
vsSocketConnectUnix(const char *path,
                    GError **error)
{
    struct sockaddr_un addr;
    VS_AUTOCLOSE int fd = -1;
    int rc;

    if (!vsSocketMakeAddr(path, &addr, error))
        return -1;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vsSetErrorSystem(error, errno, _("cannot create socket for '%s'"),
                         path);
        return -1;
    }

    /* A UNIX connect interrupted by a signal can simply be repeated. */
    do {
        rc = connect(fd, (struct sockaddr *) &addr, sizeof(addr));
    } while (rc < 0 && errno == EINTR);

    if (rc < 0) {
        vsSetErrorSystem(error, errno, _("cannot connect to socket '%s'"),
                         path);
        return -1;
    }

    return vsFdSteal(&fd);
}


/**
 * vsSocketGetPeerCred:
 * @fd: a connected UNIX socket
 * @pid: (out) (optional) the peer's process id
 * @uid: (out) (optional) the peer's user id
 * @gid: (out) (optional) the peer's group id
 * @error: return location for a #GError
 *
 * Reads the credentials the kernel recorded when the peer connected.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsSocketGetPeerCred(int fd,
                    pid_t *pid,
                    uid_t *uid,
                    gid_t *gid,
                    GError **error)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    memset(&cred, 0, sizeof(cred));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot read peer credentials of a socket"));
        return FALSE;
    }

    if (pid)
        *pid = cred.pid;
    if (uid)
        *uid = cred.uid;
    if (gid)
        *gid = cred.gid;
    return TRUE;
}


/**
 * vsSocketPeerInGroup:
 * @fd: a connected UNIX socket
 * @gid: a group
 * @error: return location for a #GError
 *
 * Whether the peer had @gid among its supplementary groups when it
 * connected (SO_PEERGROUPS; the primary group is in SO_PEERCRED).
 *
 * Returns: 1 if it had, 0 if not, -1 with @error set.
 */
int
vsSocketPeerInGroup(int fd,
                    gid_t gid,
                    GError **error)
{
    g_autofree gid_t *groups = NULL;
    socklen_t len = 64 * sizeof(gid_t);
    size_t i;

    for (;;) {
        g_free(groups);
        groups = g_malloc0(len);
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
            break;
        /* ERANGE: @len now holds the size needed. */
        if (errno != ERANGE || len == 0) {
            vsSetErrorSystem(error, errno,
                             _("cannot read the peer's groups of a socket"));
            return -1;
        }
    }

    for (i = 0; i < len / sizeof(gid_t); i++) {
        if (groups[i] == gid)
            return 1;
    }
    return 0;
}


/**
 * vsSocketSetNonBlock:
 * @fd: a descriptor
 * @nonblock: TRUE for non-blocking mode, FALSE for blocking
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
vsSocketSetNonBlock(int fd,
                    gboolean nonblock,
                    GError **error)
{
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot read flags of descriptor %d"), fd);
        return FALSE;
    }

    if (nonblock)
        flags |= O_NONBLOCK;
    else
        flags &= ~O_NONBLOCK;

    if (fcntl(fd, F_SETFL, flags) < 0) {
        vsSetErrorSystem(error, errno,
                         _("cannot change blocking mode of descriptor %d"),
                         fd);
        return FALSE;
    }

    return TRUE;
}


/* Wait until @sock can take more data (for a non-blocking socket). */
static gboolean
vsSocketWaitWritable(int sock,
                     GError **error)
{
    struct pollfd pfd = { .fd = sock, .events = POLLOUT };

    while (poll(&pfd, 1, -1) < 0) {
        if (errno != EINTR) {
            vsSetErrorSystem(error, errno, _("cannot wait for socket"));
            return FALSE;
        }
    }

    return TRUE;
}


/**
 * vsSocketSendWithFds:
 * @sock: a connected UNIX stream socket
 * @buf: data to send
 * @len: bytes in @buf; at least 1 when @nfds > 0, since descriptors
 *   travel with data
 * @fds: descriptors to pass (the caller keeps its own), or NULL
 * @nfds: number of @fds, at most VS_SOCKET_MAX_FDS
 * @error: return location for a #GError
 *
 * Sends all of @buf, retrying short writes (and, on a non-blocking
 * socket, waiting until it is writable). The descriptors ride on the
 * first sendmsg(2), so the receiver gets them with the first bytes.
 * SIGPIPE is never raised; a vanished peer is an error.
 *
 * Returns: TRUE when everything was sent, FALSE with @error set.
 */
gboolean
vsSocketSendWithFds(int sock,
                    const void *buf,
                    size_t len,
                    const int *fds,
                    size_t nfds,
                    GError **error)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * VS_SOCKET_MAX_FDS)];
        struct cmsghdr align;
    } control;
    size_t done = 0;

    if (nfds > VS_SOCKET_MAX_FDS || (nfds > 0 && len == 0)) {
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_INVALID_ARG,
                    _("cannot send %zu descriptors with %zu bytes of data"),
                    nfds, len);
        return FALSE;
    }

    while (done < len) {
        struct iovec iov = {
            .iov_base = (char *) buf + done,
            .iov_len = len - done,
        };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (done == 0 && nfds > 0) {
            struct cmsghdr *cmsg;

            memset(&control, 0, sizeof(control));
            msg.msg_control = control.buf;
            msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
        }

        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!vsSocketWaitWritable(sock, error))
                    return FALSE;
                continue;
            }
            vsSetErrorSystem(error, errno, _("cannot write to socket"));
            return FALSE;
        }
        done += n;
    }

    if (nfds > 0)
        VS_DEBUG("sent %zu bytes with %zu descriptors on fd %d",
                 len, nfds, sock);
    return TRUE;
}


/* Take the descriptors out of @msg's control data: into @fds, or closed
 * when @fds is NULL. Returns how many there were. */
static size_t
vsSocketCollectFds(struct msghdr *msg,
                   GArray *fds)
{
    struct cmsghdr *cmsg;
    size_t total = 0;

    for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        size_t n;
        size_t i;

        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;

        n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < n; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            if (fds)
                g_array_append_val(fds, fd);
            else
                close(fd);
        }
        total += n;
    }

    return total;
}


/**
 * vsSocketRecvWithFds:
 * @sock: a connected UNIX stream socket
 * @buf: buffer for up to @len bytes
 * @len: size of @buf
 * @fds: (nullable) a GArray of int to append received descriptors
 *   (O_CLOEXEC, owned by the caller) to; NULL closes them
 * @error: return location for a #GError
 *
 * One recvmsg(2). More than VS_SOCKET_MAX_FDS descriptors in one message
 * is an error (the kernel has dropped the excess, so the stream cannot be
 * trusted); the ones that did arrive are closed, not appended.
 *
 * Returns: the byte count (0 at end of stream), or -1: with errno EAGAIN
 * and no error set when @sock is non-blocking and has nothing to read,
 * with @error set otherwise.
 */
gssize
vsSocketRecvWithFds(int sock,
                    void *buf,
                    size_t len,
                    GArray *fds,
                    GError **error)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * VS_SOCKET_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg;
    ssize_t n;
    size_t nfds;

    do {
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.buf;
        msg.msg_controllen = sizeof(control.buf);
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);

    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            errno = EAGAIN;
            return -1;
        }
        vsSetErrorSystem(error, errno, _("cannot read from socket"));
        return -1;
    }

    if (msg.msg_flags & MSG_CTRUNC) {
        vsSocketCollectFds(&msg, NULL);
        g_set_error(error, VS_ERROR_SYSTEM, VS_ERR_OPERATION_FAILED,
                    _("peer sent more than %d descriptors in one message"),
                    VS_SOCKET_MAX_FDS);
        return -1;
    }

    nfds = vsSocketCollectFds(&msg, fds);
    if (nfds > 0)
        VS_DEBUG("received %zd bytes with %zu descriptors on fd %d",
                 n, nfds, sock);
    return n;
}
