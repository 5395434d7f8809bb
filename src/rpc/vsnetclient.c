/*
 * vsnetclient.c: one connected RPC client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Threading: the socket, the receive buffer and the GSource belong to the
 * I/O thread. The transmit queue, the in-flight call count and the state
 * flags are shared with worker threads under @lock. A worker that queues
 * a message wakes the main context; the source's prepare step then adds
 * POLLOUT, so every write happens in the I/O thread and a slow reader
 * never blocks a worker.
 */

#include <config.h>

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vsnetclientpriv.h"
#include "vserror.h"
#include "vslog.h"
#include "vsinternal.h"

VS_LOG_INIT("rpc.client");

/* Bytes read per recv(); a large message grows its buffer as it arrives,
 * so a forged length costs nothing until the bytes are really sent. */
#define VS_NET_CLIENT_READ_CHUNK (256 * 1024)
/* recv() calls per wakeup, so that one busy client cannot starve others */
#define VS_NET_CLIENT_READS_PER_WAKEUP 16
/* Messages waiting to be written before reading pauses. PINGs and calls
 * to unknown programs are answered without counting as calls in flight,
 * so without this a client that writes and never reads would make the
 * queue of answers, and the daemon's memory, grow without limit. */
#define VS_NET_CLIENT_TX_QUEUE_MAX 64
/* Largest message accepted before CONNECT_OPEN: the calls of a
 * handshake are a few bytes, and an unauthenticated peer must not make
 * the daemon buffer the 32 MiB allowed later. */
#define VS_NET_CLIENT_ANON_MESSAGE_MAX (64 * 1024)

typedef struct _vsNetClientSource vsNetClientSource;
struct _vsNetClientSource {
    GSource base;
    vsNetClient *client;    /* weak: the client destroys the source first */
    gpointer tag;
};

struct _vsNetClient {
    gint refs;
    guint64 id;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    gboolean privileged;
    guint maxRequests;
    vsNetClientCallbacks cb;

    /* I/O thread only */
    int fd;
    GSource *source;
    GByteArray *rx;
    guint32 rxWant;         /* 0 while the length word is incomplete */
    gint64 lastRx;          /* monotonic time of the last inbound bytes */
    gint64 lastPing;

    GMutex lock;
    GMainContext *ctx;
    GQueue tx;              /* GByteArray *, framed messages */
    size_t txOffset;        /* bytes of the head already written */
    guint inflight;         /* calls queued to workers, not yet answered */
    gboolean keepalive;     /* the client asked for keepalive */
    gboolean closing;       /* stop reading; close once all is written */
    gboolean closed;

    gpointer priv;
    GDestroyNotify privFree;

    /* limits, I/O thread only except @authenticated */
    gint authenticated;     /* past CONNECT_OPEN */
    gint64 created;         /* monotonic time of the accept */
    gsize *rxBudgetUsed;    /* the server's count of buffered bytes */
    gsize rxBudgetMax;      /* its bound, 0: none */
    gsize rxCounted;        /* this client's share of *rxBudgetUsed */
};


/**
 * vsNetClientRef:
 * @client: a client
 *
 * Returns: (transfer full) @client with one more reference.
 */
vsNetClient *
vsNetClientRef(vsNetClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}


/**
 * vsNetClientUnref:
 * @client: a client, or NULL
 *
 * Drops a reference; the last one frees the client, which by then has
 * been closed by the I/O thread.
 */
void
vsNetClientUnref(vsNetClient *client)
{
    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;

    if (client->privFree)
        client->privFree(client->priv);
    g_queue_clear_full(&client->tx, (GDestroyNotify) g_byte_array_unref);
    if (client->rx)
        g_byte_array_unref(client->rx);
    if (client->fd >= 0)
        close(client->fd);
    g_main_context_unref(client->ctx);
    g_mutex_clear(&client->lock);
    g_free(client);
}


/**
 * vsNetClientGetID:
 * @client: a client
 *
 * Returns: the number the server gave this connection, for logs.
 */
guint64
vsNetClientGetID(const vsNetClient *client)
{
    return client->id;
}


/**
 * vsNetClientGetIdentity:
 * @client: a client
 * @pid: (out) (optional) the peer's process id
 * @uid: (out) (optional) its user id
 * @gid: (out) (optional) its group id
 *
 * Reports the credentials the kernel gave for the peer at accept time.
 */
void
vsNetClientGetIdentity(const vsNetClient *client,
                       pid_t *pid,
                       uid_t *uid,
                       gid_t *gid)
{
    if (pid)
        *pid = client->pid;
    if (uid)
        *uid = client->uid;
    if (gid)
        *gid = client->gid;
}


/**
 * vsNetClientIsPrivileged:
 * @client: a client
 *
 * Returns: TRUE if the peer may open a read-write connection.
 */
gboolean
vsNetClientIsPrivileged(const vsNetClient *client)
{
    return client->privileged;
}


/**
 * vsNetClientSetPrivateData:
 * @client: a client
 * @data: (transfer full) the upper layer's per-connection state
 * @freeFunc: frees @data with the client
 *
 * Set once, by the server's new-client hook, before any call arrives.
 */
void
vsNetClientSetPrivateData(vsNetClient *client,
                          gpointer data,
                          GDestroyNotify freeFunc)
{
    client->priv = data;
    client->privFree = freeFunc;
}


/**
 * vsNetClientGetPrivateData:
 * @client: a client
 *
 * Returns: (transfer none) the data given to vsNetClientSetPrivateData().
 */
gpointer
vsNetClientGetPrivateData(vsNetClient *client)
{
    return client->priv;
}


static void
vsNetClientQueueLocked(vsNetClient *client,
                       vsNetMessage *msg)
{
    g_autoptr(GError) err = NULL;
    GByteArray *buf;

    if (client->closed)
        return;

    if (!(buf = vsNetMessageEncode(msg, &err))) {
        /* a reply too large for the protocol becomes an error reply */
        VS_WARN("client %" G_GUINT64_FORMAT ": %s", client->id, err->message);
        vsNetMessageSetError(msg, VS_ERR_RPC, vsErrorDomainToNumber(VS_ERROR_RPC),
                             err->message);
        if (!(buf = vsNetMessageEncode(msg, NULL)))
            return;
    }
    g_queue_push_tail(&client->tx, buf);
    g_main_context_wakeup(client->ctx);
}


/**
 * vsNetClientQueueMessage:
 * @client: a client
 * @msg: (transfer none) a message to send (keepalive or event)
 *
 * Queues @msg for the I/O thread; dropped if the client is closed.
 * Callable from any thread.
 */
void
vsNetClientQueueMessage(vsNetClient *client,
                        vsNetMessage *msg)
{
    g_mutex_lock(&client->lock);
    vsNetClientQueueLocked(client, msg);
    g_mutex_unlock(&client->lock);
}


/**
 * vsNetClientBeginCall:
 * @client: a client
 *
 * Counts a call handed to a worker. While @maxRequests calls are
 * outstanding the I/O thread stops reading from this client.
 */
void
vsNetClientBeginCall(vsNetClient *client)
{
    g_mutex_lock(&client->lock);
    client->inflight++;
    g_mutex_unlock(&client->lock);
}


/**
 * vsNetClientQueueReply:
 * @client: a client
 * @reply: (transfer none) the answer to a call counted by
 *   vsNetClientBeginCall()
 *
 * Callable from any thread.
 */
void
vsNetClientQueueReply(vsNetClient *client,
                      vsNetMessage *reply)
{
    g_mutex_lock(&client->lock);
    if (client->inflight > 0)
        client->inflight--;
    vsNetClientQueueLocked(client, reply);
    /* the client may have been waiting for this to close or read on */
    g_main_context_wakeup(client->ctx);
    g_mutex_unlock(&client->lock);
}


/**
 * vsNetClientEnableKeepAlive:
 * @client: a client
 *
 * From now on the server pings this client when it falls silent and
 * drops it when it stays silent (see vsNetClientKeepAliveCheck()).
 */
void
vsNetClientEnableKeepAlive(vsNetClient *client)
{
    g_mutex_lock(&client->lock);
    client->keepalive = TRUE;
    g_mutex_unlock(&client->lock);
}


/**
 * vsNetClientCloseAfterReplies:
 * @client: a client
 *
 * Stops reading; the connection is closed once every outstanding call
 * has been answered and all replies are written. Callable from any
 * thread.
 */
void
vsNetClientCloseAfterReplies(vsNetClient *client)
{
    g_mutex_lock(&client->lock);
    client->closing = TRUE;
    g_main_context_wakeup(client->ctx);
    g_mutex_unlock(&client->lock);
}


/**
 * vsNetClientIsClosed:
 * @client: a client
 *
 * Returns: TRUE once the connection is gone (a worker may then skip
 * work nobody will read).
 */
gboolean
vsNetClientIsClosed(vsNetClient *client)
{
    gboolean closed;

    g_mutex_lock(&client->lock);
    closed = client->closed;
    g_mutex_unlock(&client->lock);
    return closed;
}


static void
vsNetClientReleaseBudget(vsNetClient *client)
{
    if (client->rxBudgetUsed)
        *client->rxBudgetUsed -= client->rxCounted;
    client->rxCounted = 0;
}


/* Accounts an incomplete message against the server's bound: the whole
 * message once its length is known, so that a message that would not
 * fit is dropped before any of it is buffered. Messages of one read
 * chunk or less are not counted (every connection may hold one), so
 * that large messages cannot starve ordinary calls. FALSE when the
 * message is larger than an unauthenticated client may send, or when
 * buffering it would exceed the bound. */
static gboolean
vsNetClientChargeBudget(vsNetClient *client)
{
    gsize have = client->rxWant;

    if (!g_atomic_int_get(&client->authenticated) &&
        client->rxWant > VS_NET_CLIENT_ANON_MESSAGE_MAX) {
        VS_WARN("client %" G_GUINT64_FORMAT ": message of %u bytes before "
                "authentication (at most %u allowed); dropping it",
                client->id, client->rxWant, VS_NET_CLIENT_ANON_MESSAGE_MAX);
        return FALSE;
    }
    if (have <= VS_NET_CLIENT_READ_CHUNK || have <= client->rxCounted)
        return TRUE;
    if (client->rxBudgetUsed && client->rxBudgetMax &&
        *client->rxBudgetUsed + (have - client->rxCounted) >
        client->rxBudgetMax) {
        VS_WARN("client %" G_GUINT64_FORMAT ": incomplete messages of all "
                "clients would exceed %" G_GSIZE_FORMAT " bytes; dropping it",
                client->id, client->rxBudgetMax);
        return FALSE;
    }
    if (client->rxBudgetUsed)
        *client->rxBudgetUsed += have - client->rxCounted;
    client->rxCounted = have;
    return TRUE;
}


/**
 * vsNetClientGetContext:
 * @client: a client
 *
 * Returns: (transfer none) the main context of the client's I/O thread,
 * for sources that must run beside its reads and writes.
 */
GMainContext *
vsNetClientGetContext(vsNetClient *client)
{
    return client->ctx;
}


/**
 * vsNetClientClose:
 * @client: a client
 *
 * Closes the connection now (I/O thread only): pending replies are
 * dropped and replies of calls still running will be discarded.
 */
void
vsNetClientClose(vsNetClient *client)
{
    gboolean wasClosed;

    g_mutex_lock(&client->lock);
    wasClosed = client->closed;
    client->closed = TRUE;
    g_queue_clear_full(&client->tx, (GDestroyNotify) g_byte_array_unref);
    client->txOffset = 0;
    g_mutex_unlock(&client->lock);

    if (wasClosed)
        return;

    VS_DEBUG("closing client %" G_GUINT64_FORMAT, client->id);
    if (client->source) {
        g_source_destroy(client->source);
        g_source_unref(client->source);
        client->source = NULL;
    }
    if (client->fd >= 0) {
        close(client->fd);
        client->fd = -1;
    }
    vsNetClientReleaseBudget(client);
    if (client->cb.close)
        client->cb.close(client, client->cb.opaque);
}


static gboolean
vsNetClientHandleFrame(vsNetClient *client)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vsNetMessage) msg = NULL;

    if (!(msg = vsNetMessageDecode(client->rx->data, client->rx->len, &err))) {
        VS_WARN("client %" G_GUINT64_FORMAT ": %s", client->id, err->message);
        return FALSE;
    }
    client->rxWant = 0;
    vsNetClientReleaseBudget(client);
    if (client->rx->len > VS_NET_CLIENT_READ_CHUNK) {
        g_byte_array_unref(client->rx);
        client->rx = g_byte_array_new();
    } else {
        g_byte_array_set_size(client->rx, 0);
    }
    client->cb.message(client, g_steal_pointer(&msg), client->cb.opaque);
    return TRUE;
}


/* Returns FALSE when the connection must be closed. */
static gboolean
vsNetClientReadOnce(vsNetClient *client,
                    gboolean *again)
{
    g_autoptr(GError) err = NULL;
    guint32 want = client->rxWant ? client->rxWant : VS_NET_MESSAGE_LEN_SIZE;
    guint oldlen = client->rx->len;
    size_t chunk = MIN((size_t)(want - oldlen), VS_NET_CLIENT_READ_CHUNK);
    ssize_t n;

    *again = FALSE;
    g_byte_array_set_size(client->rx, oldlen + chunk);
    n = recv(client->fd, client->rx->data + oldlen, chunk, MSG_DONTWAIT);
    g_byte_array_set_size(client->rx, oldlen + (n > 0 ? n : 0));

    if (n < 0) {
        if (errno == EINTR) {
            *again = TRUE;
            return TRUE;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return TRUE;
        VS_DEBUG("client %" G_GUINT64_FORMAT ": read failed: %s",
                 client->id, g_strerror(errno));
        return FALSE;
    }
    if (n == 0) {
        VS_DEBUG("client %" G_GUINT64_FORMAT ": end of stream", client->id);
        return FALSE;
    }

    client->lastRx = g_get_monotonic_time();
    *again = TRUE;

    if (client->rxWant == 0 && client->rx->len == VS_NET_MESSAGE_LEN_SIZE) {
        if (!vsNetMessageDecodeLength(client->rx->data, &client->rxWant,
                                      &err)) {
            VS_WARN("client %" G_GUINT64_FORMAT ": %s; dropping it",
                    client->id, err->message);
            return FALSE;
        }
        if (!vsNetClientChargeBudget(client))
            return FALSE;
        /* One allocation of the message's size: growing the buffer
         * chunk by chunk would copy it and leave freed blocks behind. */
        if (client->rxWant > VS_NET_CLIENT_READ_CHUNK) {
            GByteArray *rx = g_byte_array_sized_new(client->rxWant);

            g_byte_array_append(rx, client->rx->data, client->rx->len);
            g_byte_array_unref(client->rx);
            client->rx = rx;
        }
        return TRUE;
    }
    if (client->rxWant != 0 && client->rx->len == client->rxWant)
        return vsNetClientHandleFrame(client);
    return TRUE;
}


/* Reading pauses while the client has too many calls in flight or
 * leaves too many answers unread; called with @lock held. */
static gboolean
vsNetClientWantsReadLocked(vsNetClient *client)
{
    return !client->closing &&
           client->inflight < client->maxRequests &&
           g_queue_get_length(&client->tx) < VS_NET_CLIENT_TX_QUEUE_MAX;
}


static gboolean
vsNetClientCanRead(vsNetClient *client)
{
    gboolean ok;

    g_mutex_lock(&client->lock);
    ok = !client->closed && vsNetClientWantsReadLocked(client);
    g_mutex_unlock(&client->lock);
    return ok;
}


static gboolean
vsNetClientRead(vsNetClient *client)
{
    size_t i;

    for (i = 0; i < VS_NET_CLIENT_READS_PER_WAKEUP; i++) {
        gboolean again = FALSE;

        if (!vsNetClientCanRead(client))
            return TRUE;
        if (!vsNetClientReadOnce(client, &again))
            return FALSE;
        if (!again)
            return TRUE;
    }
    return TRUE;
}


/* Writes what it can without blocking; FALSE on a dead socket. */
static gboolean
vsNetClientWrite(vsNetClient *client)
{
    gboolean ok = TRUE;

    g_mutex_lock(&client->lock);
    while (!g_queue_is_empty(&client->tx)) {
        GByteArray *head = g_queue_peek_head(&client->tx);
        ssize_t n = send(client->fd, head->data + client->txOffset,
                         head->len - client->txOffset,
                         MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                VS_DEBUG("client %" G_GUINT64_FORMAT ": write failed: %s",
                         client->id, g_strerror(errno));
                ok = FALSE;
            }
            break;
        }
        client->txOffset += n;
        if (client->txOffset == head->len) {
            g_byte_array_unref(g_queue_pop_head(&client->tx));
            client->txOffset = 0;
        }
    }
    g_mutex_unlock(&client->lock);
    return ok;
}


static gboolean
vsNetClientDrained(vsNetClient *client)
{
    gboolean done;

    g_mutex_lock(&client->lock);
    done = client->closing && client->inflight == 0 &&
           g_queue_is_empty(&client->tx);
    g_mutex_unlock(&client->lock);
    return done;
}


static gboolean
vsNetClientSourcePrepare(GSource *source,
                         gint *timeout)
{
    vsNetClientSource *src = (vsNetClientSource *) source;
    vsNetClient *client = src->client;
    GIOCondition events = 0;
    gboolean done;

    *timeout = -1;
    g_mutex_lock(&client->lock);
    if (vsNetClientWantsReadLocked(client))
        events |= G_IO_IN;
    if (!g_queue_is_empty(&client->tx))
        events |= G_IO_OUT;
    done = client->closing && client->inflight == 0 &&
           g_queue_is_empty(&client->tx);
    g_mutex_unlock(&client->lock);

    g_source_modify_unix_fd(source, src->tag, events);
    /* dispatch right away to finish a close nobody will poll for */
    return done;
}


static gboolean
vsNetClientSourceCheck(GSource *source)
{
    vsNetClientSource *src = (vsNetClientSource *) source;

    return g_source_query_unix_fd(source, src->tag) != 0 ||
           vsNetClientDrained(src->client);
}


static gboolean
vsNetClientSourceDispatch(GSource *source,
                          GSourceFunc callback,
                          gpointer data)
{
    vsNetClientSource *src = (vsNetClientSource *) source;
    g_autoptr(vsNetClient) client = vsNetClientRef(src->client);
    GIOCondition revents = g_source_query_unix_fd(source, src->tag);
    gboolean ok = TRUE;

    if (revents & G_IO_OUT)
        ok = vsNetClientWrite(client);
    if (ok && (revents & G_IO_IN))
        ok = vsNetClientRead(client);
    if (ok && (revents & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) &&
        !(revents & G_IO_IN))
        ok = FALSE;
    if (ok && vsNetClientDrained(client))
        ok = FALSE;

    if (!ok)
        vsNetClientClose(client);
    return G_SOURCE_CONTINUE;
}


static GSourceFuncs vsNetClientSourceFuncs = {
    .prepare = vsNetClientSourcePrepare,
    .check = vsNetClientSourceCheck,
    .dispatch = vsNetClientSourceDispatch,
};


/**
 * vsNetClientNew:
 * @fd: (transfer full) an accepted, non-blocking socket
 * @id: a number for logs
 * @pid: the peer's process id (from SO_PEERCRED)
 * @uid: the peer's user id
 * @gid: the peer's group id
 * @privileged: whether the peer may open read-write connections
 * @maxRequests: calls a client may have outstanding before reading pauses
 * @ctx: the I/O thread's main context
 * @cb: message and close callbacks, called in the I/O thread
 *
 * Returns: (transfer full) the client, watched in @ctx.
 */
vsNetClient *
vsNetClientNew(int fd,
               guint64 id,
               pid_t pid,
               uid_t uid,
               gid_t gid,
               gboolean privileged,
               guint maxRequests,
               GMainContext *ctx,
               const vsNetClientCallbacks *cb)
{
    vsNetClient *client = g_new0(vsNetClient, 1);
    vsNetClientSource *src;

    client->refs = 1;
    client->fd = fd;
    client->id = id;
    client->pid = pid;
    client->uid = uid;
    client->gid = gid;
    client->privileged = privileged;
    client->maxRequests = MAX(maxRequests, 1);
    client->cb = *cb;
    client->ctx = g_main_context_ref(ctx);
    client->rx = g_byte_array_new();
    client->lastRx = g_get_monotonic_time();
    client->lastPing = client->lastRx;
    client->created = client->lastRx;
    g_mutex_init(&client->lock);
    g_queue_init(&client->tx);

    src = (vsNetClientSource *) g_source_new(&vsNetClientSourceFuncs,
                                             sizeof(vsNetClientSource));
    src->client = client;
    src->tag = g_source_add_unix_fd(&src->base, fd, G_IO_IN);
    g_source_set_name(&src->base, "vsNetClient");
    client->source = &src->base;
    g_source_attach(client->source, ctx);
    return client;
}


/**
 * vsNetClientKeepAliveCheck:
 * @client: a client
 * @now: the monotonic time in microseconds
 * @interval: seconds of silence before a PING
 * @count: unanswered PINGs after which the client counts as dead
 *
 * Called about once a second by the I/O thread. Any inbound bytes count
 * as a sign of life. A client that never asked for keepalive is left
 * alone, and so is one whose reading is paused by its own backlog.
 *
 * Returns: FALSE if the client should be dropped.
 */
gboolean
vsNetClientKeepAliveCheck(vsNetClient *client,
                          gint64 now,
                          guint interval,
                          guint count)
{
    gint64 step = (gint64)interval * G_USEC_PER_SEC;
    gboolean enabled;
    gboolean paused;

    if (interval == 0)
        return TRUE;

    g_mutex_lock(&client->lock);
    enabled = client->keepalive && !client->closed;
    paused = client->inflight >= client->maxRequests;
    g_mutex_unlock(&client->lock);

    if (!enabled || paused)
        return TRUE;

    if (now - client->lastRx > step * (count + 1)) {
        VS_WARN("client %" G_GUINT64_FORMAT " silent for %" G_GINT64_FORMAT
                " s; dropping it", client->id,
                (now - client->lastRx) / G_USEC_PER_SEC);
        return FALSE;
    }
    if (now - client->lastRx >= step && now - client->lastPing >= step) {
        g_autoptr(vsNetMessage) ping =
            vsNetMessageNewKeepAlive(VS_NET_KEEPALIVE_PROC_PING);

        client->lastPing = now;
        vsNetClientQueueMessage(client, ping);
    }
    return TRUE;
}


/**
 * vsNetClientFlush:
 * @client: a client
 * @deadline: monotonic time after which to give up
 *
 * At shutdown, after the main loop stopped: writes queued replies,
 * waiting for the socket to drain until @deadline at the latest.
 */
void
vsNetClientFlush(vsNetClient *client,
                 gint64 deadline)
{
    while (client->fd >= 0) {
        struct pollfd pfd = { .fd = client->fd, .events = POLLOUT };
        gint64 left = deadline - g_get_monotonic_time();
        gboolean empty;

        g_mutex_lock(&client->lock);
        empty = g_queue_is_empty(&client->tx);
        g_mutex_unlock(&client->lock);
        if (empty || left <= 0)
            return;
        if (poll(&pfd, 1, (int)MAX(left / 1000, 1)) <= 0)
            return;
        if (!vsNetClientWrite(client))
            return;
    }
}


/**
 * vsNetClientSetAuthenticated:
 * @client: a client
 *
 * Marks @client as past CONNECT_OPEN: it may then send messages of the
 * protocol's full size and no longer counts against the limits for
 * unauthenticated connections. Callable from any thread.
 */
void
vsNetClientSetAuthenticated(vsNetClient *client)
{
    g_atomic_int_set(&client->authenticated, 1);
}


/**
 * vsNetClientIsAuthenticated:
 * @client: a client
 *
 * Returns: TRUE once vsNetClientSetAuthenticated() was called.
 */
gboolean
vsNetClientIsAuthenticated(vsNetClient *client)
{
    return g_atomic_int_get(&client->authenticated) != 0;
}


/**
 * vsNetClientSetRxBudget:
 * @client: a new client
 * @used: (transfer none) the server's count of bytes buffered for
 *   incomplete messages, shared by all its clients (I/O thread only)
 * @max: the bound of *@used, 0 for none
 */
void
vsNetClientSetRxBudget(vsNetClient *client,
                       gsize *used,
                       gsize max)
{
    client->rxBudgetUsed = used;
    client->rxBudgetMax = max;
}


/**
 * vsNetClientTimeoutCheck:
 * @client: a client
 * @now: the monotonic time in microseconds
 * @anonTimeout: seconds a connection may stay before CONNECT_OPEN, 0: any
 * @messageTimeout: seconds a started message may stall, 0: any
 *
 * Called about once a second by the I/O thread.
 *
 * Returns: FALSE if the client should be dropped.
 */
gboolean
vsNetClientTimeoutCheck(vsNetClient *client,
                        gint64 now,
                        guint anonTimeout,
                        guint messageTimeout)
{
    if (anonTimeout > 0 && !vsNetClientIsAuthenticated(client) &&
        now - client->created > (gint64)anonTimeout * G_USEC_PER_SEC) {
        VS_WARN("client %" G_GUINT64_FORMAT " (uid %u) did not open a "
                "connection within %u s; dropping it",
                client->id, (unsigned)client->uid, anonTimeout);
        return FALSE;
    }
    if (messageTimeout > 0 && client->rx->len > 0 &&
        now - client->lastRx > (gint64)messageTimeout * G_USEC_PER_SEC) {
        VS_WARN("client %" G_GUINT64_FORMAT " (uid %u) stalled for %u s in "
                "the middle of a message of %u bytes; dropping it",
                client->id, (unsigned)client->uid, messageTimeout,
                client->rxWant);
        return FALSE;
    }
    return TRUE;
}


/**
 * vsNetClientGetInflight:
 * @client: a client
 *
 * Returns: the number of its calls not answered yet.
 */
guint
vsNetClientGetInflight(vsNetClient *client)
{
    guint n;

    g_mutex_lock(&client->lock);
    n = client->inflight;
    g_mutex_unlock(&client->lock);
    return n;
}
