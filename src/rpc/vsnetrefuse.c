/*
 * vsnetrefuse.c: answering a connection the server will not serve
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A libvirt client writes its first call (AUTH_LIST) as soon as it is
 * connected. A connection closed under it makes the write fail with
 * EPIPE and the client exit without saying why. Instead, a refused
 * connection is kept just long enough to read the header of that call,
 * answer it with an RPC error naming the limit, and close. Only the
 * 28 header bytes are ever buffered, for at most
 * VS_NET_REFUSE_TIMEOUT_MS, and at most VS_NET_REFUSE_MAX connections
 * at a time: a refused client can hold nothing.
 */

#include <config.h>

#include "vsnetrefuse.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vsnetmessage.h"
#include "vsnetxdr.h"

VS_LOG_INIT("rpc.refuse");

typedef struct _vsNetRefusal vsNetRefusal;
struct _vsNetRefusal {
    int fd;
    char *message;
    guint8 buf[VS_NET_MESSAGE_MIN];
    size_t len;
    GSource *io;                /* borrowed: the context owns it */
    GSource *timer;
    gint *active;
};


/* The destroy notify of the I/O source: the refusal lives exactly as
 * long as that source, also when the server's context goes away first. */
static void
vsNetRefusalFree(gpointer opaque)
{
    vsNetRefusal *r = opaque;

    g_source_destroy(r->timer);
    g_source_unref(r->timer);
    close(r->fd);
    g_atomic_int_dec_and_test(r->active);
    g_free(r->message);
    g_free(r);
}


/* The first call's header is in: answer it with the error. */
static void
vsNetRefusalAnswer(vsNetRefusal *r)
{
    g_autoptr(vsNetMessage) reply = NULL;
    g_autoptr(GByteArray) bytes = NULL;
    vsNetMessageHeader call = { 0 };
    vsNetXdrReader rd;
    guint8 drain[4096];
    ssize_t n;

    vsNetXdrReaderInit(&rd, r->buf + VS_NET_MESSAGE_LEN_SIZE,
                       VS_NET_MESSAGE_HEADER_SIZE);
    if (!vsNetXdrReadU32(&rd, &call.prog, NULL) ||
        !vsNetXdrReadU32(&rd, &call.vers, NULL) ||
        !vsNetXdrReadI32(&rd, &call.proc, NULL) ||
        !vsNetXdrReadU32(&rd, &call.type, NULL) ||
        !vsNetXdrReadU32(&rd, &call.serial, NULL))
        return;
    if (call.prog != VS_NET_PROGRAM_REMOTE ||
        call.type != VS_NET_MESSAGE_CALL)
        return;

    reply = vsNetMessageNewReply(&call);
    vsNetMessageSetError(reply, VS_ERR_RPC,
                         vsErrorDomainToNumber(VS_ERROR_RPC), r->message);
    if (!(bytes = vsNetMessageEncode(reply, NULL)))
        return;
    /* A few hundred bytes into an empty socket buffer: one send. */
    if (send(r->fd, bytes->data, bytes->len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
        (ssize_t) bytes->len)
        return;
    VS_DEBUG("refused connection: answered call %d, serial %u",
             call.proc, call.serial);
    shutdown(r->fd, SHUT_WR);
    /* Whatever of the call is already here goes, so that the close does
     * not turn into a reset before the client has read the answer. */
    do {
        n = recv(r->fd, drain, sizeof(drain), MSG_DONTWAIT);
    } while (n > 0);
}


static gboolean
vsNetRefusalReadable(gint fd,
                     GIOCondition cond G_GNUC_UNUSED,
                     gpointer opaque)
{
    vsNetRefusal *r = opaque;
    ssize_t n;

    n = recv(fd, r->buf + r->len, sizeof(r->buf) - r->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n > 0) {
        r->len += n;
        if (r->len < sizeof(r->buf))
            return G_SOURCE_CONTINUE;
        vsNetRefusalAnswer(r);
    }
    return G_SOURCE_REMOVE;
}


static gboolean
vsNetRefusalTimeout(gpointer opaque)
{
    vsNetRefusal *r = opaque;

    /* Frees @r: nothing may touch it afterwards. */
    g_source_destroy(r->io);
    return G_SOURCE_REMOVE;
}


/**
 * vsNetRefuse:
 * @fd: (transfer full) a connection that will not be served
 * @message: why, as the client should print it
 * @ctx: the server's main context
 * @active: the server's count of refusals under way
 *
 * Answers the client's first call with an RPC error carrying @message,
 * then closes @fd; see the top of this file.
 */
void
vsNetRefuse(int fd,
            const char *message,
            GMainContext *ctx,
            gint *active)
{
    vsNetRefusal *r;

    if (g_atomic_int_add(active, 1) >= VS_NET_REFUSE_MAX) {
        g_atomic_int_dec_and_test(active);
        close(fd);
        return;
    }

    r = g_new0(vsNetRefusal, 1);
    r->fd = fd;
    r->message = g_strdup(message);
    r->active = active;

    r->timer = g_timeout_source_new(VS_NET_REFUSE_TIMEOUT_MS);
    g_source_set_callback(r->timer, vsNetRefusalTimeout, r, NULL);
    g_source_attach(r->timer, ctx);
    r->io = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(r->io, G_SOURCE_FUNC(vsNetRefusalReadable), r,
                          vsNetRefusalFree);
    g_source_attach(r->io, ctx);
    g_source_unref(r->io);
}
