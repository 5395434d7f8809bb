/*
 * vssocket.h: UNIX stream sockets with descriptor passing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

/* At most this many descriptors travel with one message (libvirt's and
 * QEMU's own limit is lower still). */
#define VS_SOCKET_MAX_FDS 32

/* Every socket and received descriptor is O_CLOEXEC. */

/* Bind and listen on @path (an existing socket file is replaced) with
 * permissions @mode applied before any client can connect. */
int vsSocketListenUnix(const char *path, mode_t mode, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Accept one client; returns -1 with errno EAGAIN and no error set when
 * the listener is non-blocking and nothing is pending. */
int vsSocketAccept(int listenfd, GError **error) G_GNUC_WARN_UNUSED_RESULT;
int vsSocketConnectUnix(const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Peer credentials (SO_PEERCRED). */
gboolean vsSocketGetPeerCred(int fd, pid_t *pid, uid_t *uid, gid_t *gid,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

int vsSocketPeerInGroup(int fd, gid_t gid, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsSocketSetNonBlock(int fd, gboolean nonblock, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Send @len bytes (all of them, retrying) with @nfds descriptors attached
 * to the first byte as SCM_RIGHTS. */
gboolean vsSocketSendWithFds(int sock, const void *buf, size_t len,
                             const int *fds, size_t nfds, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* One recvmsg: up to @len bytes; received descriptors (O_CLOEXEC) are
 * appended to @fds (a GArray of int, may be NULL to close them).
 * Returns the byte count (0 at end of stream) or -1; -1 with errno EAGAIN
 * and no error set on a non-blocking socket with nothing to read. */
gssize vsSocketRecvWithFds(int sock, void *buf, size_t len, GArray *fds,
                           GError **error) G_GNUC_WARN_UNUSED_RESULT;
