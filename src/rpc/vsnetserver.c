/*
 * vsnetserver.c: the RPC server: listeners, clients, workers, keepalive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The I/O thread never blocks on anything but poll(): it accepts, reads,
 * writes, answers PINGs and hands each complete call to a worker. Since
 * libvirt clients pipeline calls (virsh polls job progress while its save
 * call is outstanding) replies go out in completion order, matched by
 * serial. The priority pool serves only procedures that never wait for a
 * domain job, so progress polls and aborts are answered at once even when
 * every normal worker is busy saving.
 */

#include <config.h>

#include <errno.h>
#include <unistd.h>
#include <glib-unix.h>

#include "vsnetserver.h"
#include "vsnetclientpriv.h"
#include "vsnetrefuse.h"
#include "vssocket.h"
#include "vserror.h"
#include "vslog.h"
#include "vsinternal.h"

VS_LOG_INIT("rpc.server");

/* connections accepted per wakeup of a listener */
#define VS_NET_SERVER_ACCEPTS_PER_WAKEUP 16
/* how long shutdown waits for replies to reach slow readers */
#define VS_NET_SERVER_FLUSH_USEC (2 * G_USEC_PER_SEC)
/* how long shutdown lets clients close after their calls are answered */
#define VS_NET_SERVER_CLOSE_GRACE_USEC (5 * G_USEC_PER_SEC)

typedef struct _vsNetServerProgram vsNetServerProgram;
struct _vsNetServerProgram {
    guint32 prog;
    guint32 vers;
    vsNetProgramDispatchFunc dispatch;
    vsNetProgramPriorityFunc priority;
    vsNetProgramStreamFunc stream;
    vsNetProgramRepliedFunc replied;
    gpointer opaque;
};

typedef struct _vsNetServerListener vsNetServerListener;
struct _vsNetServerListener {
    int fd;
    char *path;
    GSource *source;
};

typedef struct _vsNetServerJob vsNetServerJob;
struct _vsNetServerJob {
    vsNetClient *client;
    vsNetMessage *call;
    const vsNetServerProgram *program;
};

struct _vsNetServer {
    vsNetServerConfig cfg;
    GMainContext *ctx;
    GMainLoop *loop;
    GPtrArray *programs;        /* vsNetServerProgram */
    GPtrArray *listeners;       /* vsNetServerListener */
    GHashTable *clients;        /* vsNetClient * set; I/O thread only */
    GThreadPool *workers;
    GThreadPool *prioWorkers;
    GSource *keepaliveTimer;
    guint64 nextClientID;
    gint nclients;
    gint quitting;
    gint drained;
    vsNetServerClientInitFunc clientInit;
    gpointer clientInitOpaque;
    gsize rxIncomplete;         /* I/O thread only */
    gint refusing;              /* connections being refused */
};


/**
 * vsNetServerConfigInit:
 * @cfg: configuration to fill with defaults
 *
 * Defaults follow libvirtd's where they have an equivalent: keepalive
 * every 5 s, a client dropped after 5 unanswered PINGs.
 */
void
vsNetServerConfigInit(vsNetServerConfig *cfg)
{
    cfg->maxClients = 120;
    cfg->maxWorkers = 8;
    cfg->prioWorkers = 5;
    cfg->maxClientRequests = 16;
    cfg->keepaliveInterval = 5;
    cfg->keepaliveCount = 5;
    cfg->rwGroup = (gid_t)-1;
    cfg->shutdownTimeout = 120;
    cfg->maxAnonymousClients = 20;
    cfg->anonymousTimeout = 10;
    cfg->maxClientsPerUid = 10;
    cfg->messageTimeout = 30;
    cfg->maxIncompleteBytes = 256 * 1024 * 1024;
}


static void
vsNetServerListenerFree(vsNetServerListener *l)
{
    if (l->source) {
        g_source_destroy(l->source);
        g_source_unref(l->source);
    }
    if (l->fd >= 0)
        close(l->fd);
    if (l->path && unlink(l->path) < 0 && errno != ENOENT)
        VS_WARN("cannot remove socket '%s': %s", l->path, g_strerror(errno));
    g_free(l->path);
    g_free(l);
}


static void
vsNetServerJobFree(vsNetServerJob *job)
{
    if (!job)
        return;
    vsNetClientUnref(job->client);
    vsNetMessageFree(job->call);
    g_free(job);
}


static void
vsNetServerWorker(gpointer data,
                  gpointer opaque)
{
    vsNetServerJob *job = data;
    vsNetServer *srv = opaque;
    g_autoptr(vsNetMessage) reply = NULL;

    if (vsNetClientIsClosed(job->client)) {
        /* nobody would read the answer: do not start the work */
        VS_DEBUG("client %" G_GUINT64_FORMAT " gone; skipping proc %d",
                 vsNetClientGetID(job->client), job->call->header.proc);
        reply = vsNetMessageNewReply(&job->call->header);
    } else if (g_atomic_int_get(&srv->quitting)) {
        reply = vsNetMessageNewReply(&job->call->header);
        vsNetMessageSetError(reply, VS_ERR_OPERATION_FAILED,
                             vsErrorDomainToNumber(VS_ERROR_RPC),
                             _("operation failed: the daemon is shutting down"));
    } else {
        reply = job->program->dispatch(srv, job->client, job->call,
                                       job->program->opaque);
    }
    vsNetClientQueueReply(job->client, reply);
    if (job->program->replied &&
        reply->header.status == VS_NET_MESSAGE_STATUS_OK)
        job->program->replied(job->client, &job->call->header,
                              job->program->opaque);
    vsNetServerJobFree(job);
}


/**
 * vsNetServerNew:
 * @cfg: limits and keepalive settings
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a server with no listener yet, or NULL with
 * @error set.
 */
vsNetServer *
vsNetServerNew(const vsNetServerConfig *cfg,
               GError **error)
{
    g_autoptr(vsNetServer) srv = g_new0(vsNetServer, 1);

    srv->cfg = *cfg;
    srv->ctx = g_main_context_new();
    srv->loop = g_main_loop_new(srv->ctx, FALSE);
    srv->programs = g_ptr_array_new_with_free_func(g_free);
    srv->listeners = g_ptr_array_new_with_free_func(
        (GDestroyNotify) vsNetServerListenerFree);
    srv->clients = g_hash_table_new_full(NULL, NULL,
                                         (GDestroyNotify) vsNetClientUnref,
                                         NULL);

    srv->workers = g_thread_pool_new_full(vsNetServerWorker, srv,
                                          (GDestroyNotify) vsNetServerJobFree,
                                          MAX(cfg->maxWorkers, 1), FALSE,
                                          error);
    if (!srv->workers)
        return NULL;
    srv->prioWorkers = g_thread_pool_new_full(vsNetServerWorker, srv,
                                              (GDestroyNotify) vsNetServerJobFree,
                                              MAX(cfg->prioWorkers, 1), FALSE,
                                              error);
    if (!srv->prioWorkers)
        return NULL;

    return g_steal_pointer(&srv);
}


static void
vsNetServerDrainPools(vsNetServer *srv)
{
    if (srv->workers)
        g_thread_pool_free(g_steal_pointer(&srv->workers), FALSE, TRUE);
    if (srv->prioWorkers)
        g_thread_pool_free(g_steal_pointer(&srv->prioWorkers), FALSE, TRUE);
}


static void
vsNetServerCloseAllClients(vsNetServer *srv)
{
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(
        (GDestroyNotify) vsNetClientUnref);
    GHashTableIter iter;
    gpointer key;
    size_t i;

    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(all, vsNetClientRef(key));
    for (i = 0; i < all->len; i++)
        vsNetClientClose(all->pdata[i]);
}


/**
 * vsNetServerFree:
 * @srv: a server, or NULL
 *
 * Removes the listeners (and their socket files), waits for running
 * calls, and closes every connection.
 */
void
vsNetServerFree(vsNetServer *srv)
{
    if (!srv)
        return;

    g_atomic_int_set(&srv->quitting, 1);
    g_ptr_array_set_size(srv->listeners, 0);
    vsNetServerDrainPools(srv);
    vsNetServerCloseAllClients(srv);
    if (srv->keepaliveTimer) {
        g_source_destroy(srv->keepaliveTimer);
        g_source_unref(srv->keepaliveTimer);
    }
    g_hash_table_unref(srv->clients);
    g_ptr_array_unref(srv->listeners);
    g_ptr_array_unref(srv->programs);
    g_main_loop_unref(srv->loop);
    g_main_context_unref(srv->ctx);
    g_free(srv);
}


/**
 * vsNetServerAddProgram:
 * @srv: a server
 * @prog: program number
 * @vers: program version
 * @dispatch: answers calls (in a worker thread)
 * @priority: (nullable) picks the priority pool for quick procedures
 * @opaque: passed to both callbacks
 *
 * Calls to programs not registered here are answered with an error.
 */
void
vsNetServerAddProgram(vsNetServer *srv,
                      guint32 prog,
                      guint32 vers,
                      vsNetProgramDispatchFunc dispatch,
                      vsNetProgramPriorityFunc priority,
                      gpointer opaque)
{
    vsNetServerProgram *p = g_new0(vsNetServerProgram, 1);

    p->prog = prog;
    p->vers = vers;
    p->dispatch = dispatch;
    p->priority = priority;
    p->opaque = opaque;
    g_ptr_array_add(srv->programs, p);
}


/**
 * vsNetServerSetProgramStreams:
 * @srv: a server
 * @prog: a program added with vsNetServerAddProgram()
 * @vers: its version
 * @stream: receives the program's STREAM messages (I/O thread)
 * @replied: runs after each successful reply (worker thread)
 *
 * Both get the program's opaque pointer.
 */
void
vsNetServerSetProgramStreams(vsNetServer *srv,
                             guint32 prog,
                             guint32 vers,
                             vsNetProgramStreamFunc stream,
                             vsNetProgramRepliedFunc replied)
{
    size_t i;

    for (i = 0; i < srv->programs->len; i++) {
        vsNetServerProgram *p = srv->programs->pdata[i];

        if (p->prog == prog && p->vers == vers) {
            p->stream = stream;
            p->replied = replied;
        }
    }
}


/**
 * vsNetServerSetClientInit:
 * @srv: a server
 * @func: called for each new connection in the I/O thread
 * @opaque: passed to @func
 */
void
vsNetServerSetClientInit(vsNetServer *srv,
                         vsNetServerClientInitFunc func,
                         gpointer opaque)
{
    srv->clientInit = func;
    srv->clientInitOpaque = opaque;
}


static const vsNetServerProgram *
vsNetServerFindProgram(vsNetServer *srv,
                       guint32 prog,
                       guint32 vers)
{
    size_t i;

    for (i = 0; i < srv->programs->len; i++) {
        const vsNetServerProgram *p = srv->programs->pdata[i];

        if (p->prog == prog && p->vers == vers)
            return p;
    }
    return NULL;
}


static void
vsNetServerReplyError(vsNetClient *client,
                      const vsNetMessageHeader *call,
                      const char *message)
{
    g_autoptr(vsNetMessage) reply = vsNetMessageNewReply(call);

    vsNetMessageSetError(reply, VS_ERR_RPC,
                         vsErrorDomainToNumber(VS_ERROR_RPC), message);
    vsNetClientQueueMessage(client, reply);
}


static void
vsNetServerHandleKeepAlive(vsNetClient *client,
                           const vsNetMessageHeader *hdr)
{
    if (hdr->proc == VS_NET_KEEPALIVE_PROC_PING) {
        g_autoptr(vsNetMessage) pong =
            vsNetMessageNewKeepAlive(VS_NET_KEEPALIVE_PROC_PONG);

        vsNetClientQueueMessage(client, pong);
    }
    /* a PONG only proves liveness, which reading it already recorded */
}


/* While the daemon stops, clients still get the answers of their
 * running calls and may make quick calls such as CONNECT_CLOSE; any
 * call that could start new work is refused. */
static gboolean
vsNetServerRefuseWhileStopping(vsNetServer *srv,
                               vsNetClient *client,
                               const vsNetServerProgram *program,
                               const vsNetMessageHeader *hdr)
{
    if (!g_atomic_int_get(&srv->quitting) ||
        (program->priority && program->priority(hdr->proc, program->opaque)))
        return FALSE;
    vsNetServerReplyError(client, hdr, _("the daemon is shutting down"));
    return TRUE;
}


static void
vsNetServerHandleMessage(vsNetClient *client,
                         vsNetMessage *msg,
                         gpointer opaque)
{
    vsNetServer *srv = opaque;
    g_autoptr(vsNetMessage) call = msg;
    const vsNetMessageHeader *hdr = &call->header;
    const vsNetServerProgram *program;
    vsNetServerJob *job;
    GThreadPool *pool;

    if (hdr->prog == VS_NET_PROGRAM_KEEPALIVE &&
        hdr->vers == VS_NET_PROGRAM_VERSION &&
        hdr->type == VS_NET_MESSAGE_MESSAGE) {
        vsNetServerHandleKeepAlive(client, hdr);
        return;
    }

    if (hdr->type == VS_NET_MESSAGE_STREAM &&
        (program = vsNetServerFindProgram(srv, hdr->prog, hdr->vers)) &&
        program->stream) {
        program->stream(client, call, program->opaque);
        return;
    }

    if (hdr->type != VS_NET_MESSAGE_CALL) {
        /* replies and stray messages carry nothing we serve */
        VS_DEBUG("client %" G_GUINT64_FORMAT ": ignoring message type %u "
                 "prog 0x%x proc %d", vsNetClientGetID(client), hdr->type,
                 hdr->prog, hdr->proc);
        return;
    }

    if (!(program = vsNetServerFindProgram(srv, hdr->prog, hdr->vers))) {
        g_autofree char *text =
            g_strdup_printf(_("Cannot find program %u version %u"),
                            hdr->prog, hdr->vers);

        vsNetServerReplyError(client, hdr, text);
        return;
    }

    if (vsNetServerRefuseWhileStopping(srv, client, program, hdr))
        return;

    pool = srv->workers;
    if (program->priority && program->priority(hdr->proc, program->opaque))
        pool = srv->prioWorkers;

    job = g_new0(vsNetServerJob, 1);
    job->client = vsNetClientRef(client);
    job->call = g_steal_pointer(&call);
    job->program = program;
    vsNetClientBeginCall(client);
    g_thread_pool_push(pool, job, NULL);
}


static void
vsNetServerHandleClose(vsNetClient *client,
                       gpointer opaque)
{
    vsNetServer *srv = opaque;

    if (g_hash_table_remove(srv->clients, client))
        g_atomic_int_add(&srv->nclients, -1);
}


/* Read-write access: root, the daemon's own user, or a member of the
 * socket's group, whether as primary or as a supplementary group. */
static gboolean
vsNetServerIsPrivileged(vsNetServer *srv,
                        int fd,
                        uid_t uid,
                        gid_t gid)
{
    g_autoptr(GError) err = NULL;
    int member;

    if (uid == 0 || uid == geteuid())
        return TRUE;
    if (srv->cfg.rwGroup == (gid_t)-1)
        return FALSE;
    if (gid == srv->cfg.rwGroup)
        return TRUE;
    if ((member = vsSocketPeerInGroup(fd, srv->cfg.rwGroup, &err)) < 0) {
        VS_WARN("uid %u gets read-only access: %s",
                (unsigned)uid, err->message);
        return FALSE;
    }
    return member == 1;
}


/* The limits a new connection from @uid must fit in besides
 * max_clients, for anyone but root and the daemon's own user:
 * connections not past CONNECT_OPEN, and connections per user, so that
 * one user's idle or half-sent connections cannot lock the others out. */
static gboolean
vsNetServerCheckLimits(vsNetServer *srv,
                       pid_t pid,
                       uid_t uid,
                       GError **error)
{
    gboolean trusted = uid == 0 || uid == geteuid();
    GHashTableIter iter;
    gpointer key;
    guint anon = 0;
    guint mine = 0;

    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        uid_t other;

        vsNetClientGetIdentity(key, NULL, &other, NULL);
        if (!vsNetClientIsAuthenticated(key) &&
            other != 0 && other != geteuid())
            anon++;
        if (other == uid)
            mine++;
    }

    /* root and the daemon's user could stop the daemon anyway: only other
     * users' connections count, and only they are refused */
    if (!trusted && srv->cfg.maxAnonymousClients > 0 &&
        anon >= srv->cfg.maxAnonymousClients) {
        VS_WARN("rejecting connection from pid %d uid %u: %u connections "
                "not yet open (max_anonymous_clients)", (int)pid,
                (unsigned)uid, anon);
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("connection refused: too many connections of other users are not yet open (max_anonymous_clients %u)"),
                    srv->cfg.maxAnonymousClients);
        return FALSE;
    }
    if (!trusted && srv->cfg.maxClientsPerUid > 0 &&
        mine >= srv->cfg.maxClientsPerUid) {
        VS_WARN("rejecting connection from pid %d uid %u: %u connections "
                "of that user (max_clients_per_uid)", (int)pid,
                (unsigned)uid, mine);
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("connection refused: user %u has too many connections (max_clients_per_uid %u)"),
                    (unsigned)uid, srv->cfg.maxClientsPerUid);
        return FALSE;
    }
    return TRUE;
}


static void
vsNetServerAcceptOne(vsNetServer *srv,
                     int fd)
{
    g_autoptr(GError) err = NULL;
    vsNetClientCallbacks cb = {
        .message = vsNetServerHandleMessage,
        .close = vsNetServerHandleClose,
        .opaque = srv,
    };
    vsNetClient *client;
    uid_t uid = (uid_t)-1;
    gid_t gid = (gid_t)-1;
    pid_t pid = 0;

    if (!vsSocketSetNonBlock(fd, TRUE, &err) ||
        !vsSocketGetPeerCred(fd, &pid, &uid, &gid, &err)) {
        VS_WARN("rejecting connection: %s", err->message);
        close(fd);
        return;
    }

    if ((guint)g_atomic_int_get(&srv->nclients) >= srv->cfg.maxClients) {
        VS_WARN("rejecting connection from pid %d: %u clients already "
                "connected", (int)pid, srv->cfg.maxClients);
        g_set_error(&err, VS_ERROR_RPC, VS_ERR_RPC,
                    _("connection refused: too many clients are connected (max_clients %u)"),
                    srv->cfg.maxClients);
    }
    if (err || !vsNetServerCheckLimits(srv, pid, uid, &err)) {
        vsNetRefuse(fd, err->message, srv->ctx, &srv->refusing);
        return;
    }

    client = vsNetClientNew(fd, ++srv->nextClientID, pid, uid, gid,
                            vsNetServerIsPrivileged(srv, fd, uid, gid),
                            srv->cfg.maxClientRequests, srv->ctx, &cb);

    VS_DEBUG("client %" G_GUINT64_FORMAT ": pid %d uid %u gid %u",
             vsNetClientGetID(client), (int)pid, (unsigned)uid, (unsigned)gid);
    vsNetClientSetRxBudget(client, &srv->rxIncomplete,
                           srv->cfg.maxIncompleteBytes);
    if (srv->clientInit)
        srv->clientInit(client, srv->clientInitOpaque);
    g_hash_table_add(srv->clients, client);
    g_atomic_int_inc(&srv->nclients);
}


static gboolean
vsNetServerAccept(gint fd,
                  GIOCondition cond,
                  gpointer opaque)
{
    vsNetServer *srv = opaque;
    size_t i;

    for (i = 0; i < VS_NET_SERVER_ACCEPTS_PER_WAKEUP; i++) {
        g_autoptr(GError) err = NULL;
        int cfd = vsSocketAccept(fd, &err);

        if (cfd < 0) {
            if (err)
                VS_WARN("accept failed: %s", err->message);
            break;
        }
        vsNetServerAcceptOne(srv, cfd);
    }
    return G_SOURCE_CONTINUE;
}


/**
 * vsNetServerAddListenerFd:
 * @srv: a server
 * @fd: (transfer full) a listening UNIX socket
 * @path: (nullable) its file, removed when the server stops
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set (and @fd closed) on failure.
 */
gboolean
vsNetServerAddListenerFd(vsNetServer *srv,
                         int fd,
                         const char *path,
                         GError **error)
{
    vsNetServerListener *l;

    if (!vsSocketSetNonBlock(fd, TRUE, error)) {
        close(fd);
        return FALSE;
    }

    l = g_new0(vsNetServerListener, 1);
    l->fd = fd;
    l->path = g_strdup(path);
    l->source = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(l->source, G_SOURCE_FUNC(vsNetServerAccept),
                          srv, NULL);
    g_source_attach(l->source, srv->ctx);
    g_ptr_array_add(srv->listeners, l);
    return TRUE;
}


/**
 * vsNetServerAddListener:
 * @srv: a server
 * @path: the socket file to create (an old one is replaced)
 * @mode: its permissions
 * @error: return location for a #GError
 *
 * Returns: FALSE with @error set if the socket cannot be created.
 */
gboolean
vsNetServerAddListener(vsNetServer *srv,
                       const char *path,
                       mode_t mode,
                       GError **error)
{
    int fd = vsSocketListenUnix(path, mode, error);

    if (fd < 0)
        return FALSE;
    VS_INFO("listening on '%s' (mode %04o)", path, (unsigned)mode);
    return vsNetServerAddListenerFd(srv, fd, path, error);
}


/**
 * vsNetServerGetContext:
 * @srv: a server
 *
 * Returns: (transfer none) the I/O thread's main context, to which the
 * caller may attach its own sources (signal handlers, for instance).
 */
GMainContext *
vsNetServerGetContext(vsNetServer *srv)
{
    return srv->ctx;
}


static gboolean
vsNetServerKeepAliveTick(gpointer opaque)
{
    vsNetServer *srv = opaque;
    g_autoptr(GPtrArray) dead = g_ptr_array_new_with_free_func(
        (GDestroyNotify) vsNetClientUnref);
    gint64 now = g_get_monotonic_time();
    GHashTableIter iter;
    gpointer key;
    size_t i;

    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!vsNetClientKeepAliveCheck(key, now, srv->cfg.keepaliveInterval,
                                       srv->cfg.keepaliveCount) ||
            !vsNetClientTimeoutCheck(key, now, srv->cfg.anonymousTimeout,
                                     srv->cfg.messageTimeout))
            g_ptr_array_add(dead, vsNetClientRef(key));
    }
    for (i = 0; i < dead->len; i++)
        vsNetClientClose(dead->pdata[i]);
    return G_SOURCE_CONTINUE;
}


static gpointer
vsNetServerDrainThread(gpointer opaque)
{
    vsNetServer *srv = opaque;

    vsNetServerDrainPools(srv);
    g_atomic_int_set(&srv->drained, 1);
    g_main_context_wakeup(srv->ctx);
    return NULL;
}


static gboolean
vsNetServerTick(gpointer opaque)
{
    return G_SOURCE_CONTINUE;
}


static gboolean
vsNetServerCallsRunning(vsNetServer *srv)
{
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (vsNetClientGetInflight(key) > 0)
            return TRUE;
    }
    return FALSE;
}


/* Before closing connections: serve them until every call in progress
 * has been answered (until @deadline), then give the clients
 * VS_NET_SERVER_CLOSE_GRACE_USEC to close their connections themselves.
 * A client that made a call and is told "success" must also be able to
 * send its closing call; closing the socket under it makes the client
 * fail (a virsh killed by SIGPIPE exits 141 after a successful save). */
static void
vsNetServerLetClientsFinish(vsNetServer *srv,
                            gint64 deadline)
{
    g_autoptr(GSource) tick = g_timeout_source_new(100);
    gint64 graceEnd;

    g_source_set_callback(tick, vsNetServerTick, NULL, NULL);
    g_source_attach(tick, srv->ctx);
    while (vsNetServerCallsRunning(srv) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(srv->ctx, TRUE);

    graceEnd = MIN(deadline,
                   g_get_monotonic_time() + VS_NET_SERVER_CLOSE_GRACE_USEC);
    if (g_hash_table_size(srv->clients) > 0)
        VS_INFO("calls answered; waiting up to %d s for %u clients to "
                "disconnect", (int)(VS_NET_SERVER_CLOSE_GRACE_USEC /
                                    G_USEC_PER_SEC),
                g_hash_table_size(srv->clients));
    while (g_hash_table_size(srv->clients) > 0 &&
           g_get_monotonic_time() < graceEnd)
        g_main_context_iteration(srv->ctx, TRUE);
    g_source_destroy(tick);
}


static gboolean
vsNetServerStop(vsNetServer *srv)
{
    g_autoptr(GThread) drain = NULL;
    g_autoptr(GSource) tick = g_timeout_source_new_seconds(1);
    GHashTableIter iter;
    gpointer key;
    gint64 deadline = G_MAXINT64;

    VS_INFO("stopping: no new connections; waiting for running calls");
    g_atomic_int_set(&srv->quitting, 1);
    g_ptr_array_set_size(srv->listeners, 0);

    /* keep serving the sockets while workers finish their calls, but
     * not forever: a call stuck in the driver must not keep the daemon */
    if (srv->cfg.shutdownTimeout > 0)
        deadline = g_get_monotonic_time() +
                   (gint64)srv->cfg.shutdownTimeout * G_USEC_PER_SEC;
    vsNetServerLetClientsFinish(srv, deadline);

    /* no new calls; each connection closes once its calls are answered */
    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        vsNetClientCloseAfterReplies(key);
    g_source_set_callback(tick, vsNetServerTick, NULL, NULL);
    g_source_attach(tick, srv->ctx);
    drain = g_thread_new("vs-rpc-drain", vsNetServerDrainThread, srv);
    while (!g_atomic_int_get(&srv->drained) &&
           g_get_monotonic_time() < deadline)
        g_main_context_iteration(srv->ctx, TRUE);
    g_source_destroy(tick);
    if (!g_atomic_int_get(&srv->drained)) {
        VS_ERROR("calls still running after %u s; giving up on them",
                 srv->cfg.shutdownTimeout);
        return FALSE;
    }
    g_thread_join(g_steal_pointer(&drain));

    deadline = g_get_monotonic_time() + VS_NET_SERVER_FLUSH_USEC;
    g_hash_table_iter_init(&iter, srv->clients);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        vsNetClientFlush(key, deadline);
    vsNetServerCloseAllClients(srv);
    return TRUE;
}


/**
 * vsNetServerRun:
 * @srv: a server
 *
 * Runs the I/O loop in the calling thread until vsNetServerQuit(), then
 * stops listening, lets running calls finish (their replies are still
 * sent), and closes every connection.
 *
 * Returns: FALSE if calls were still running after the configured
 * shutdown timeout; the server must then not be freed (its workers
 * still use it), and the caller should exit.
 */
gboolean
vsNetServerRun(vsNetServer *srv)
{
    /* also drives the connection and message timeouts */
    srv->keepaliveTimer = g_timeout_source_new_seconds(1);
    g_source_set_callback(srv->keepaliveTimer, vsNetServerKeepAliveTick,
                          srv, NULL);
    g_source_attach(srv->keepaliveTimer, srv->ctx);

    if (!g_atomic_int_get(&srv->quitting))
        g_main_loop_run(srv->loop);
    return vsNetServerStop(srv);
}


/**
 * vsNetServerQuit:
 * @srv: a server
 *
 * Makes vsNetServerRun() wind down. Callable from any thread.
 */
void
vsNetServerQuit(vsNetServer *srv)
{
    g_atomic_int_set(&srv->quitting, 1);
    g_main_loop_quit(srv->loop);
}
