/*
 * qemu_monitor.c: QMP client, the conversation with one QEMU process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Locks: @lock guards the monitor's state and is never held across I/O
 * or a callback; @sendLock only keeps the lines of concurrent commands
 * from interleaving on the socket and is never taken with @lock held.
 * The reader thread never takes @sendLock, so a command blocked in a
 * write cannot keep replies from being read.
 */

#include <config.h>

#include "qemu_monitor.h"
#include "qemu_monitorpriv.h"
#include "qemu_monitor_json.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vssocket.h"

VS_LOG_INIT("qemu.monitor");

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);

/* Compact, and "/" left alone so that paths in logs read as written. */
#define QEMU_MONITOR_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* One command waiting for its reply; lives on the caller's stack and is
 * reachable from @pending only while the caller waits. */
typedef struct _qemuMonitorMessage qemuMonitorMessage;
struct _qemuMonitorMessage {
    const char *id;
    json_object *reply;         /* the whole reply message, once it came */
};

struct _qemuMonitor {
    gint refs;                  /* atomic */

    GMutex lock;
    GCond cond;                 /* replies, greeting, failure, start, close */
    GMutex sendLock;

    int fd;
    GThread *thread;            /* the reader, until Close joins or drops it */
    GThread *readerSelf;        /* set by the reader itself */

    qemuMonitorCallbacks cb;
    gpointer opaque;

    int timeoutMs;
    guint64 lastId;
    GHashTable *pending;        /* id -> qemuMonitorMessage */

    gboolean greeted;
    qemuMonitorVersion version;

    gboolean started;           /* Open succeeded: callbacks may run */
    gboolean closed;            /* Close was called */
    gboolean inCallback;        /* the reader is running a callback */
    char *failReason;           /* set once, when the monitor died */

    qemuMonitorParser *parser;  /* reader thread only */
};

struct _qemuMonitorParser {
    struct json_tokener *tok;
    size_t msgBytes;            /* bytes of the message being parsed */
};


/* ---- the byte stream ---------------------------------------------- */

/**
 * qemuMonitorParserNew:
 *
 * Returns: (transfer full) a parser waiting for the first message.
 */
qemuMonitorParser *
qemuMonitorParserNew(void)
{
    qemuMonitorParser *parser = g_new0(qemuMonitorParser, 1);

    /* QMP replies nest a few levels only; 64 leaves ample room. */
    parser->tok = json_tokener_new_ex(64);
    json_tokener_set_flags(parser->tok,
                           JSON_TOKENER_STRICT |
                           JSON_TOKENER_ALLOW_TRAILING_CHARS |
                           JSON_TOKENER_VALIDATE_UTF8);
    return parser;
}


/**
 * qemuMonitorParserFree:
 * @parser: a parser, may be NULL
 */
void
qemuMonitorParserFree(qemuMonitorParser *parser)
{
    if (!parser)
        return;
    json_tokener_free(parser->tok);
    g_free(parser);
}


/**
 * qemuMonitorParserFeed:
 * @parser: the parser
 * @buf: bytes read from QEMU
 * @len: their count
 * @msgs: receives each completed message (transfer full)
 * @error: return location for a #GError
 *
 * json-c's tokener keeps a cut message's state between calls and, with
 * ALLOW_TRAILING_CHARS, stops at the end of each value, so one read that
 * holds several messages is taken apart here in a loop.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorParserFeed(qemuMonitorParser *parser,
                      const char *buf,
                      size_t len,
                      GPtrArray *msgs,
                      GError **error)
{
    size_t off = 0;

    while (off < len) {
        size_t chunk = MIN(len - off, (size_t) G_MAXINT32);
        json_object *obj = json_tokener_parse_ex(parser->tok, buf + off, chunk);
        enum json_tokener_error jerr = json_tokener_get_error(parser->tok);
        size_t used = json_tokener_get_parse_end(parser->tok);

        if (!obj && jerr != json_tokener_continue && jerr != json_tokener_success) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("QEMU sent invalid JSON: %s"),
                        json_tokener_error_desc(jerr));
            return FALSE;
        }

        parser->msgBytes += used;
        off += used;
        if (parser->msgBytes > QEMU_MONITOR_MAX_MESSAGE) {
            json_object_put(obj);
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("QEMU sent a monitor message longer than %d bytes"),
                        QEMU_MONITOR_MAX_MESSAGE);
            return FALSE;
        }

        if (!obj) {
            /* Incomplete: everything was consumed into the tokener. */
            if (jerr == json_tokener_continue && used == chunk)
                continue;
            /* A bare JSON null parses to NULL with success. */
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("QEMU sent a JSON value that is not an object"));
            return FALSE;
        }

        json_tokener_reset(parser->tok);
        parser->msgBytes = 0;
        if (!json_object_is_type(obj, json_type_object)) {
            json_object_put(obj);
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                        _("QEMU sent a JSON value that is not an object"));
            return FALSE;
        }
        g_ptr_array_add(msgs, obj);
    }

    return TRUE;
}


/**
 * qemuMonitorFormatCommand:
 * @execute: command name
 * @args: (transfer none) its arguments, may be NULL
 * @id: the id its reply will carry
 *
 * Returns: (transfer full) the command line, terminated by CR LF.
 */
char *
qemuMonitorFormatCommand(const char *execute,
                         json_object *args,
                         const char *id)
{
    g_autoptr(json_object) cmd = json_object_new_object();

    json_object_object_add(cmd, "execute", json_object_new_string(execute));
    if (args)
        json_object_object_add(cmd, "arguments", json_object_get(args));
    json_object_object_add(cmd, "id", json_object_new_string(id));

    return g_strdup_printf("%s\r\n",
                           json_object_to_json_string_ext(cmd, QEMU_MONITOR_JSON_FLAGS));
}


/* ---- lifetime ----------------------------------------------------- */

/**
 * qemuMonitorRef:
 * @mon: a monitor the caller may use
 *
 * Returns: @mon, with one more reference.
 */
qemuMonitor *
qemuMonitorRef(qemuMonitor *mon)
{
    g_atomic_int_inc(&mon->refs);
    return mon;
}


/**
 * qemuMonitorUnref:
 * @mon: a monitor, may be NULL
 *
 * Drops one reference; the last one closes the socket, frees the monitor
 * and calls the dispose callback.
 */
void
qemuMonitorUnref(qemuMonitor *mon)
{
    void (*dispose)(gpointer) = NULL;
    gpointer opaque = NULL;

    if (!mon || !g_atomic_int_dec_and_test(&mon->refs))
        return;

    VS_DEBUG("mon=%p freeing, closing fd=%d", mon, mon->fd);
    dispose = mon->cb.dispose;
    opaque = mon->opaque;

    vsFdClose(&mon->fd);
    g_hash_table_unref(mon->pending);
    qemuMonitorVersionClear(&mon->version);
    qemuMonitorParserFree(mon->parser);
    g_free(mon->failReason);
    g_mutex_clear(&mon->lock);
    g_mutex_clear(&mon->sendLock);
    g_cond_clear(&mon->cond);
    g_free(mon);

    if (dispose)
        dispose(opaque);
}


/* Mark the monitor dead, with @lock held: the first reason sticks, and
 * every waiting command wakes up to fail. */
static void
qemuMonitorFailLocked(qemuMonitor *mon,
                      const char *reason)
{
    if (mon->failReason)
        return;
    mon->failReason = g_strdup(reason);
    g_cond_broadcast(&mon->cond);
}


static void
qemuMonitorSetClosedError(qemuMonitor *mon,
                          GError **error)
{
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                _("QEMU monitor closed: %s"), mon->failReason);
}


/* ---- the reader thread -------------------------------------------- */

/*
 * Wait, with @lock held, until callbacks may run: not before Open has
 * returned the monitor, never after Close. Returns FALSE when the
 * callback must be skipped; otherwise the caller runs it and then calls
 * qemuMonitorCallbackLeave().
 */
static gboolean
qemuMonitorCallbackEnterLocked(qemuMonitor *mon)
{
    while (!mon->started && !mon->closed)
        g_cond_wait(&mon->cond, &mon->lock);
    if (mon->closed)
        return FALSE;
    mon->inCallback = TRUE;
    return TRUE;
}


static void
qemuMonitorCallbackLeave(qemuMonitor *mon)
{
    g_mutex_lock(&mon->lock);
    mon->inCallback = FALSE;
    g_mutex_unlock(&mon->lock);
}


static void
qemuMonitorDispatchEvent(qemuMonitor *mon,
                         json_object *msg)
{
    json_object *name = NULL;
    json_object *data = NULL;
    json_object *stamp = NULL;
    json_object *val = NULL;
    long long seconds = 0;
    unsigned int micros = 0;
    gboolean run;

    json_object_object_get_ex(msg, "event", &name);
    if (!json_object_is_type(name, json_type_string)) {
        VS_WARN("mon=%p dropping event without a name", mon);
        return;
    }
    json_object_object_get_ex(msg, "data", &data);
    if (json_object_object_get_ex(msg, "timestamp", &stamp)) {
        if (json_object_object_get_ex(stamp, "seconds", &val))
            seconds = json_object_get_int64(val);
        if (json_object_object_get_ex(stamp, "microseconds", &val))
            micros = json_object_get_int(val);
    }

    if (!mon->cb.event)
        return;

    g_mutex_lock(&mon->lock);
    run = qemuMonitorCallbackEnterLocked(mon);
    g_mutex_unlock(&mon->lock);
    if (!run)
        return;

    mon->cb.event(mon, json_object_get_string(name), data,
                  seconds, micros, mon->opaque);
    qemuMonitorCallbackLeave(mon);
}


/* Hand @msg (transfer full) to the command waiting for it. The reader
 * must not touch it afterwards: json-c's reference counts are not atomic,
 * so a message is only ever owned by one thread at a time. */
static void
qemuMonitorDispatchReply(qemuMonitor *mon,
                         json_object *msg)
{
    g_autoptr(json_object) owned = msg;
    json_object *id = NULL;
    qemuMonitorMessage *waiter = NULL;

    json_object_object_get_ex(owned, "id", &id);
    if (!json_object_is_type(id, json_type_string)) {
        VS_WARN("mon=%p dropping reply without an id", mon);
        return;
    }

    g_mutex_lock(&mon->lock);
    waiter = g_hash_table_lookup(mon->pending, json_object_get_string(id));
    if (waiter) {
        waiter->reply = g_steal_pointer(&owned);
        g_cond_broadcast(&mon->cond);
    }
    g_mutex_unlock(&mon->lock);

    if (!waiter) {
        VS_DEBUG("mon=%p dropping reply '%s' nobody waits for (timed out?)",
                 mon, json_object_get_string(id));
    }
}


/* Returns FALSE, with @error set, when @msg should have been the greeting
 * and is not. */
static gboolean
qemuMonitorDispatchGreeting(qemuMonitor *mon,
                            json_object *msg,
                            GError **error)
{
    qemuMonitorVersion version = { 0 };

    if (!qemuMonitorParseGreeting(msg, &version, error))
        return FALSE;

    VS_DEBUG("mon=%p QEMU %u.%u.%u (%s)", mon, version.major, version.minor,
             version.micro, version.package);

    g_mutex_lock(&mon->lock);
    mon->version = version;
    mon->greeted = TRUE;
    g_cond_broadcast(&mon->cond);
    g_mutex_unlock(&mon->lock);
    return TRUE;
}


/* Act on one message from QEMU; takes @msg (transfer full). */
static gboolean
qemuMonitorDispatch(qemuMonitor *mon,
                    json_object *msg,
                    GError **error)
{
    g_autoptr(json_object) owned = msg;
    gboolean greeted;

    VS_DEBUG("mon=%p recv: %s", mon,
             json_object_to_json_string_ext(msg, QEMU_MONITOR_JSON_FLAGS));

    g_mutex_lock(&mon->lock);
    greeted = mon->greeted;
    g_mutex_unlock(&mon->lock);

    if (!greeted)
        return qemuMonitorDispatchGreeting(mon, msg, error);

    if (json_object_object_get_ex(msg, "event", NULL))
        qemuMonitorDispatchEvent(mon, msg);
    else if (json_object_object_get_ex(msg, "return", NULL) ||
             json_object_object_get_ex(msg, "error", NULL))
        qemuMonitorDispatchReply(mon, g_steal_pointer(&owned));
    else
        VS_WARN("mon=%p dropping a message that is neither reply nor event", mon);
    return TRUE;
}


static void
qemuMonitorJSONFree(gpointer obj)
{
    json_object_put(obj);
}


/* Read until the monitor fails; returns why (transfer full). */
static char *
qemuMonitorReadLoop(qemuMonitor *mon)
{
    g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(
        qemuMonitorJSONFree);
    char buf[64 * 1024];

    while (TRUE) {
        g_autoptr(GError) err = NULL;
        gssize n;
        size_t i;

        /* Descriptors QEMU would send are closed, never used. */
        n = vsSocketRecvWithFds(mon->fd, buf, sizeof(buf), NULL, &err);
        if (n < 0)
            return g_strdup(err->message);
        if (n == 0)
            return g_strdup(_("end of file"));

        if (!qemuMonitorParserFeed(mon->parser, buf, n, msgs, &err))
            return g_strdup(err->message);

        for (i = 0; i < msgs->len; i++) {
            json_object *msg = g_steal_pointer(&msgs->pdata[i]);

            if (!qemuMonitorDispatch(mon, msg, &err))
                return g_strdup(err->message);
        }
        g_ptr_array_set_size(msgs, 0);
    }
}


static gpointer
qemuMonitorReaderThread(gpointer data)
{
    qemuMonitor *mon = data;
    g_autofree char *reason = NULL;
    gboolean run;
    gboolean closed;

    g_mutex_lock(&mon->lock);
    mon->readerSelf = g_thread_self();
    g_mutex_unlock(&mon->lock);

    reason = qemuMonitorReadLoop(mon);

    g_mutex_lock(&mon->lock);
    closed = mon->closed;
    qemuMonitorFailLocked(mon, reason);
    run = mon->cb.eof && qemuMonitorCallbackEnterLocked(mon);
    g_mutex_unlock(&mon->lock);

    if (closed) {
        VS_DEBUG("mon=%p reader stops after close", mon);
    } else {
        VS_INFO("mon=%p QEMU monitor closed: %s", mon, reason);
    }

    if (run) {
        mon->cb.eof(mon, reason, mon->opaque);
        qemuMonitorCallbackLeave(mon);
    }

    qemuMonitorUnref(mon);
    return NULL;
}


/* ---- open and close ----------------------------------------------- */

static qemuMonitor *
qemuMonitorNew(int fd,
               const qemuMonitorCallbacks *cb,
               gpointer opaque,
               int timeoutMs)
{
    qemuMonitor *mon = g_new0(qemuMonitor, 1);

    mon->refs = 1;
    g_mutex_init(&mon->lock);
    g_mutex_init(&mon->sendLock);
    g_cond_init(&mon->cond);
    mon->fd = fd;
    if (cb)
        mon->cb = *cb;
    mon->opaque = opaque;
    mon->timeoutMs = timeoutMs > 0 ? timeoutMs : QEMU_MONITOR_DEFAULT_TIMEOUT_MS;
    mon->pending = g_hash_table_new(g_str_hash, g_str_equal);
    mon->parser = qemuMonitorParserNew();
    return mon;
}


/* Wait for the reader to parse the greeting. */
static gboolean
qemuMonitorWaitGreeting(qemuMonitor *mon,
                        GError **error)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) mon->timeoutMs * G_TIME_SPAN_MILLISECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&mon->lock);
    while (ok && !mon->greeted && !mon->failReason)
        ok = g_cond_wait_until(&mon->cond, &mon->lock, deadline);

    if (mon->failReason) {
        ok = FALSE;
        qemuMonitorSetClosedError(mon, error);
    } else if (!ok) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT,
                    _("timed out after %d ms waiting for the QMP greeting"),
                    mon->timeoutMs);
    }
    g_mutex_unlock(&mon->lock);
    return ok;
}


/* Let callbacks run: the caller has the monitor now. Fails when the
 * monitor died during negotiation, so that the caller either gets an
 * error here or an eof callback later, never neither. */
static gboolean
qemuMonitorStart(qemuMonitor *mon,
                 GError **error)
{
    gboolean ok = TRUE;

    g_mutex_lock(&mon->lock);
    if (mon->failReason) {
        qemuMonitorSetClosedError(mon, error);
        ok = FALSE;
    } else {
        mon->started = TRUE;
        g_cond_broadcast(&mon->cond);
    }
    g_mutex_unlock(&mon->lock);
    return ok;
}


/**
 * qemuMonitorOpen:
 * @fd: connected QMP socket; the monitor owns it, also on failure
 * @cb: callbacks (copied), may be NULL
 * @opaque: passed to the callbacks; from now on @cb->dispose releases it,
 *   also when this fails (then possibly after it returned)
 * @timeoutMs: greeting and command timeout, <= 0 for the default
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the monitor, ready for commands, or NULL with
 * @error set.
 */
qemuMonitor *
qemuMonitorOpen(int fd,
                const qemuMonitorCallbacks *cb,
                gpointer opaque,
                int timeoutMs,
                GError **error)
{
    g_autoptr(qemuMonitor) mon = qemuMonitorNew(fd, cb, opaque, timeoutMs);
    g_autoptr(GError) err = NULL;

    VS_DEBUG("mon=%p opening on fd=%d, timeout %d ms", mon, fd, mon->timeoutMs);

    mon->thread = g_thread_try_new("qemu-monitor", qemuMonitorReaderThread,
                                   qemuMonitorRef(mon), &err);
    if (!mon->thread) {
        qemuMonitorUnref(mon);
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("cannot start the QEMU monitor thread: %s"), err->message);
        return NULL;
    }

    if (!qemuMonitorWaitGreeting(mon, error) ||
        !qemuMonitorCommand(mon, "qmp_capabilities", NULL, NULL, 0, NULL, error) ||
        !qemuMonitorStart(mon, error)) {
        g_prefix_error(error, _("cannot start talking to QEMU: "));
        return NULL;
    }

    return g_steal_pointer(&mon);
}


/* Pause @stepMs before the next connection attempt, or less when @pidfd
 * (if >= 0) reports that the process exited. Returns FALSE then. */
static gboolean
qemuMonitorConnectPause(int pidfd,
                        int stepMs)
{
    struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

    if (pidfd < 0) {
        g_usleep((gulong) stepMs * 1000);
        return TRUE;
    }

    /* A pidfd polls readable once the process has exited. */
    if (poll(&pfd, 1, stepMs) > 0 && (pfd.revents & (POLLIN | POLLHUP)))
        return FALSE;
    return TRUE;
}


static int
qemuMonitorConnect(const char *path,
                   int pidfd,
                   int connectTimeoutMs,
                   GError **error)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) MAX(connectTimeoutMs, 0) * G_TIME_SPAN_MILLISECOND;
    int stepMs = 5;

    while (TRUE) {
        g_autoptr(GError) err = NULL;
        gint64 left;
        int fd;

        /* Absent (ENOENT) or bound but not listening (ECONNREFUSED)
         * both mean QEMU is still starting; retry every failure. */
        fd = vsSocketConnectUnix(path, &err);
        if (fd >= 0)
            return fd;

        left = (deadline - g_get_monotonic_time()) / G_TIME_SPAN_MILLISECOND;
        if (left <= 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU did not open its monitor socket '%s' within %d ms: %s"),
                        path, connectTimeoutMs, err->message);
            return -1;
        }

        if (!qemuMonitorConnectPause(pidfd, MIN(stepMs, left))) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU exited before opening its monitor socket '%s'"),
                        path);
            return -1;
        }
        stepMs = MIN(stepMs * 2, 100);
    }
}


/**
 * qemuMonitorOpenPath:
 * @path: QMP socket path QEMU listens on (or is about to)
 * @pidfd: pidfd of the QEMU process, or -1
 * @connectTimeoutMs: how long to wait for the socket
 * @cb: as for qemuMonitorOpen()
 * @opaque: as for qemuMonitorOpen()
 * @timeoutMs: as for qemuMonitorOpen()
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the monitor, or NULL with @error set.
 */
qemuMonitor *
qemuMonitorOpenPath(const char *path,
                    int pidfd,
                    int connectTimeoutMs,
                    const qemuMonitorCallbacks *cb,
                    gpointer opaque,
                    int timeoutMs,
                    GError **error)
{
    int fd;

    VS_DEBUG("connecting to QEMU monitor '%s' (pidfd=%d, %d ms)",
             path, pidfd, connectTimeoutMs);

    fd = qemuMonitorConnect(path, pidfd, connectTimeoutMs, error);
    if (fd < 0) {
        if (cb && cb->dispose)
            cb->dispose(opaque);
        return NULL;
    }

    return qemuMonitorOpen(fd, cb, opaque, timeoutMs, error);
}


/**
 * qemuMonitorClose:
 * @mon: a monitor, may be NULL
 *
 * Fails the waiting commands, keeps callbacks from starting, shuts the
 * socket down so that the reader thread ends, and drops the caller's
 * reference. The reader is joined unless it is running a callback (which
 * may be waiting for a lock the caller holds) or this is the reader
 * itself; then it finishes on its own.
 */
void
qemuMonitorClose(qemuMonitor *mon)
{
    GThread *thread = NULL;
    gboolean join;

    if (!mon)
        return;

    VS_DEBUG("mon=%p closing", mon);

    g_mutex_lock(&mon->lock);
    mon->closed = TRUE;
    qemuMonitorFailLocked(mon, _("connection closed by the daemon"));
    g_cond_broadcast(&mon->cond);
    thread = g_steal_pointer(&mon->thread);
    join = !mon->inCallback && mon->readerSelf != g_thread_self();
    g_mutex_unlock(&mon->lock);

    /* shutdown(), not close(): the reader may be inside recvmsg() on this
     * descriptor, and its number must not be reused before it returns. */
    if (shutdown(mon->fd, SHUT_RDWR) < 0 && errno != ENOTCONN)
        VS_DEBUG("mon=%p shutdown(fd=%d): %s", mon, mon->fd, g_strerror(errno));

    if (thread) {
        if (join)
            g_thread_join(thread);
        else
            g_thread_unref(thread);
    }

    qemuMonitorUnref(mon);
}


/**
 * qemuMonitorSetTimeout:
 * @mon: the monitor
 * @timeoutMs: time each later command waits for its reply, <= 0 for the
 *   default
 */
void
qemuMonitorSetTimeout(qemuMonitor *mon,
                      int timeoutMs)
{
    g_mutex_lock(&mon->lock);
    mon->timeoutMs = timeoutMs > 0 ? timeoutMs : QEMU_MONITOR_DEFAULT_TIMEOUT_MS;
    g_mutex_unlock(&mon->lock);
}


/**
 * qemuMonitorGetVersion:
 * @mon: an open monitor
 * @major: (out) QEMU's major version, may be NULL
 * @minor: (out) minor version, may be NULL
 * @micro: (out) micro version, may be NULL
 *
 * The version QEMU announced in its greeting.
 */
void
qemuMonitorGetVersion(qemuMonitor *mon,
                      unsigned int *major,
                      unsigned int *minor,
                      unsigned int *micro)
{
    g_mutex_lock(&mon->lock);
    if (major)
        *major = mon->version.major;
    if (minor)
        *minor = mon->version.minor;
    if (micro)
        *micro = mon->version.micro;
    g_mutex_unlock(&mon->lock);
}


/**
 * qemuMonitorIsAlive:
 * @mon: the monitor
 *
 * Returns: FALSE once the monitor failed or was closed.
 */
gboolean
qemuMonitorIsAlive(qemuMonitor *mon)
{
    gboolean alive;

    g_mutex_lock(&mon->lock);
    alive = !mon->failReason;
    g_mutex_unlock(&mon->lock);
    return alive;
}


/* ---- commands ----------------------------------------------------- */

/* Register @msg under a fresh id, with @lock held. */
static gboolean
qemuMonitorRegisterLocked(qemuMonitor *mon,
                          const char *execute,
                          qemuMonitorMessage *msg,
                          char **id,
                          GError **error)
{
    if (mon->readerSelf == g_thread_self()) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("QEMU monitor command '%s' sent from a monitor callback"),
                    execute);
        return FALSE;
    }
    if (mon->failReason) {
        qemuMonitorSetClosedError(mon, error);
        return FALSE;
    }

    *id = g_strdup_printf("vs-%" G_GUINT64_FORMAT, ++mon->lastId);
    msg->id = *id;
    g_hash_table_insert(mon->pending, *id, msg);
    return TRUE;
}


static gboolean
qemuMonitorSend(qemuMonitor *mon,
                const char *line,
                const int *fds,
                size_t nfds,
                GError **error)
{
    g_autofree char *fdlist = NULL;
    gboolean ok;

    if (nfds > 0) {
        GString *str = g_string_new(NULL);
        size_t i;

        for (i = 0; i < nfds; i++)
            g_string_append_printf(str, "%s%d", i ? "," : "", fds[i]);
        fdlist = g_string_free(str, FALSE);
    }
    /* Display passwords stay out of the log. */
    if (strstr(line, "\"set_password\""))
        VS_DEBUG("mon=%p send: set_password (arguments withheld)", mon);
    else
        VS_DEBUG("mon=%p send: %.*s%s%s%s", mon, (int) strcspn(line, "\r\n"),
                 line, fdlist ? " (fds " : "", fdlist ? fdlist : "",
                 fdlist ? ")" : "");

    g_mutex_lock(&mon->sendLock);
    ok = vsSocketSendWithFds(mon->fd, line, strlen(line), fds, nfds, error);
    g_mutex_unlock(&mon->sendLock);
    return ok;
}


/* Wait, with @lock held, for @msg's reply, the monitor's failure or the
 * timeout. Unregisters @msg in any case. */
static gboolean
qemuMonitorWaitReplyLocked(qemuMonitor *mon,
                           const char *execute,
                           qemuMonitorMessage *msg,
                           GError **error)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64) mon->timeoutMs * G_TIME_SPAN_MILLISECOND;
    gboolean inTime = TRUE;

    while (inTime && !msg->reply && !mon->failReason)
        inTime = g_cond_wait_until(&mon->cond, &mon->lock, deadline);

    /* A reply that comes after this finds no waiter and is dropped. */
    g_hash_table_remove(mon->pending, msg->id);

    if (msg->reply)
        return TRUE;

    if (mon->failReason) {
        qemuMonitorSetClosedError(mon, error);
    } else {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT,
                    _("timed out after %d ms waiting for QEMU to answer '%s'"),
                    mon->timeoutMs, execute);
    }
    return FALSE;
}


/* Turn a reply message into the "return" value or QEMU's error. */
static gboolean
qemuMonitorCheckReply(json_object *msg,
                      json_object **reply,
                      GError **error)
{
    json_object *err = NULL;
    json_object *ret = NULL;

    if (json_object_object_get_ex(msg, "error", &err)) {
        json_object *desc = NULL;

        if (!json_object_object_get_ex(err, "desc", &desc) ||
            !json_object_is_type(desc, json_type_string)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                        _("QEMU reported an error without a description"));
            return FALSE;
        }
        g_set_error_literal(error, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED,
                            json_object_get_string(desc));
        return FALSE;
    }

    json_object_object_get_ex(msg, "return", &ret);
    if (reply)
        *reply = json_object_get(ret);
    return TRUE;
}


/**
 * qemuMonitorCommand:
 * @mon: the monitor
 * @execute: QMP command name
 * @args: (transfer full) its arguments, may be NULL
 * @fds: descriptors to pass with it (the caller keeps them), may be NULL
 * @nfds: their count
 * @reply: (out) (transfer full) the reply's "return" value, may be NULL
 * @error: return location for a #GError
 *
 * An error reply from QEMU fails with QEMU's own description as the
 * message (VS_ERR_OPERATION_FAILED); callers add the context.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorCommand(qemuMonitor *mon,
                   const char *execute,
                   json_object *args,
                   const int *fds,
                   size_t nfds,
                   json_object **reply,
                   GError **error)
{
    g_autoptr(json_object) argsObj = args;
    g_autoptr(json_object) msgReply = NULL;
    g_autofree char *id = NULL;
    g_autofree char *line = NULL;
    qemuMonitorMessage msg = { 0 };
    gboolean ok = FALSE;

    if (reply)
        *reply = NULL;

    qemuMonitorRef(mon);
    g_mutex_lock(&mon->lock);
    ok = qemuMonitorRegisterLocked(mon, execute, &msg, &id, error);
    g_mutex_unlock(&mon->lock);

    if (ok) {
        line = qemuMonitorFormatCommand(execute, argsObj, id);
        ok = qemuMonitorSend(mon, line, fds, nfds, error);

        g_mutex_lock(&mon->lock);
        if (ok) {
            ok = qemuMonitorWaitReplyLocked(mon, execute, &msg, error);
        } else {
            g_hash_table_remove(mon->pending, id);
            g_prefix_error(error, _("cannot send command '%s' to QEMU: "),
                           execute);
        }
        g_mutex_unlock(&mon->lock);
    }

    msgReply = msg.reply;
    qemuMonitorUnref(mon);

    if (!ok)
        return FALSE;
    return qemuMonitorCheckReply(msgReply, reply, error);
}


/* ---- typed commands ----------------------------------------------- */

/**
 * qemuMonitorStop:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Pauses the vCPUs (QEMU answers after they stopped; a STOP event
 * follows).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorStop(qemuMonitor *mon,
                GError **error)
{
    return qemuMonitorCommand(mon, "stop", NULL, NULL, 0, NULL, error);
}


/**
 * qemuMonitorSetLink:
 * @mon: the monitor
 * @name: the id of a network device or backend
 * @up: the new link state
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorSetLink(qemuMonitor *mon,
                   const char *name,
                   gboolean up,
                   GError **error)
{
    json_object *args = json_object_new_object();

    json_object_object_add(args, "name", json_object_new_string(name));
    json_object_object_add(args, "up", json_object_new_boolean(up));
    return qemuMonitorCommand(mon, "set_link", args, NULL, 0, NULL, error);
}


/**
 * qemuMonitorCont:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Resumes the vCPUs (a RESUME event follows).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorCont(qemuMonitor *mon,
                GError **error)
{
    return qemuMonitorCommand(mon, "cont", NULL, NULL, 0, NULL, error);
}


/**
 * qemuMonitorQuit:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Asks QEMU to exit; it replies first, then sends SHUTDOWN and closes the
 * monitor (the eof callback follows).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorQuit(qemuMonitor *mon,
                GError **error)
{
    return qemuMonitorCommand(mon, "quit", NULL, NULL, 0, NULL, error);
}


/**
 * qemuMonitorSystemPowerdown:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Presses the guest's ACPI power button (POWERDOWN event).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorSystemPowerdown(qemuMonitor *mon,
                           GError **error)
{
    return qemuMonitorCommand(mon, "system_powerdown", NULL, NULL, 0, NULL,
                              error);
}


/**
 * qemuMonitorSystemReset:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Resets the machine (RESET event).
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorSystemReset(qemuMonitor *mon,
                       GError **error)
{
    return qemuMonitorCommand(mon, "system_reset", NULL, NULL, 0, NULL, error);
}


/**
 * qemuMonitorQueryStatus:
 * @mon: the monitor
 * @status: (out) filled on success
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorQueryStatus(qemuMonitor *mon,
                       qemuMonitorStatus *status,
                       GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-status", NULL, NULL, 0, &reply, error))
        return FALSE;
    return qemuMonitorParseStatus(reply, status, error);
}


/**
 * qemuMonitorQueryVersion:
 * @mon: the monitor
 * @version: (out) filled on success; clear with qemuMonitorVersionClear()
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorQueryVersion(qemuMonitor *mon,
                        qemuMonitorVersion *version,
                        GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-version", NULL, NULL, 0, &reply, error))
        return FALSE;
    return qemuMonitorParseVersion(reply, version, error);
}


/**
 * qemuMonitorQueryMigrate:
 * @mon: the monitor
 * @stats: (out) filled on success; clear with
 *   qemuMonitorMigrationStatsClear()
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorQueryMigrate(qemuMonitor *mon,
                        qemuMonitorMigrationStats *stats,
                        GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-migrate", NULL, NULL, 0, &reply, error))
        return FALSE;
    return qemuMonitorParseMigrateStats(reply, stats, error);
}


/**
 * qemuMonitorSetMigrationCapabilities:
 * @mon: the monitor
 * @caps: every capability with its state
 * @ncaps: their count
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorSetMigrationCapabilities(qemuMonitor *mon,
                                    const qemuMonitorMigrationCap *caps,
                                    size_t ncaps,
                                    GError **error)
{
    return qemuMonitorCommand(mon, "migrate-set-capabilities",
                              qemuMonitorBuildMigrationCaps(caps, ncaps),
                              NULL, 0, NULL, error);
}


/**
 * qemuMonitorQueryMigrationCapabilities:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a GArray of qemuMonitorMigrationCap, or NULL
 * with @error set.
 */
GArray *
qemuMonitorQueryMigrationCapabilities(qemuMonitor *mon,
                                      GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-migrate-capabilities", NULL, NULL, 0,
                            &reply, error))
        return NULL;
    return qemuMonitorParseMigrationCaps(reply, error);
}


/**
 * qemuMonitorMigrationSupportFree:
 * @support: (nullable): what qemuMonitorProbeMigration() returned
 */
void
qemuMonitorMigrationSupportFree(qemuMonitorMigrationSupport *support)
{
    if (!support)
        return;
    if (support->caps)
        g_array_unref(support->caps);
    g_free(support);
}


/**
 * qemuMonitorMigrationSupportHasCap:
 * @support: a probe's result
 * @name: a migration capability, e.g. "mapped-ram"
 *
 * Returns: whether the probed QEMU knows @name.
 */
gboolean
qemuMonitorMigrationSupportHasCap(const qemuMonitorMigrationSupport *support,
                                  const char *name)
{
    size_t i;

    for (i = 0; i < support->caps->len; i++) {
        if (g_str_equal(g_array_index(support->caps, qemuMonitorMigrationCap,
                                      i).name, name))
            return TRUE;
    }
    return FALSE;
}


/**
 * qemuMonitorProbeMigration:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Asks this QEMU which migration capabilities and parameters it knows.
 *
 * Returns: (transfer full) the answer, or NULL with @error set.
 */
qemuMonitorMigrationSupport *
qemuMonitorProbeMigration(qemuMonitor *mon,
                          GError **error)
{
    g_autoptr(qemuMonitorMigrationSupport) support =
        g_new0(qemuMonitorMigrationSupport, 1);

    if (!(support->caps = qemuMonitorQueryMigrationCapabilities(mon, error)) ||
        !qemuMonitorQueryMigrationParams(mon, &support->params, error))
        return NULL;
    return g_steal_pointer(&support);
}


/**
 * qemuMonitorSetMigrationParams:
 * @mon: the monitor
 * @params: parameters; those without their has* flag are left alone
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorSetMigrationParams(qemuMonitor *mon,
                              const qemuMonitorMigrationParams *params,
                              GError **error)
{
    return qemuMonitorCommand(mon, "migrate-set-parameters",
                              qemuMonitorBuildMigrationParams(params),
                              NULL, 0, NULL, error);
}


/**
 * qemuMonitorQueryMigrationParams:
 * @mon: the monitor
 * @params: (out) filled on success
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorQueryMigrationParams(qemuMonitor *mon,
                                qemuMonitorMigrationParams *params,
                                GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-migrate-parameters", NULL, NULL, 0,
                            &reply, error))
        return FALSE;
    return qemuMonitorParseMigrationParams(reply, params, error);
}


/**
 * qemuMonitorMigrate:
 * @mon: the monitor
 * @uri: destination
 * @error: return location for a #GError
 *
 * Returns: TRUE once QEMU started the migration, FALSE with @error set.
 */
gboolean
qemuMonitorMigrate(qemuMonitor *mon,
                   const char *uri,
                   GError **error)
{
    return qemuMonitorCommand(mon, "migrate", qemuMonitorBuildMigrate(uri),
                              NULL, 0, NULL, error);
}


/**
 * qemuMonitorMigrateIncoming:
 * @mon: the monitor of a QEMU started with -incoming defer
 * @uri: source
 * @error: return location for a #GError
 *
 * Returns: TRUE once QEMU started loading, FALSE with @error set.
 */
gboolean
qemuMonitorMigrateIncoming(qemuMonitor *mon,
                           const char *uri,
                           GError **error)
{
    return qemuMonitorCommand(mon, "migrate-incoming",
                              qemuMonitorBuildMigrateIncoming(uri),
                              NULL, 0, NULL, error);
}


/**
 * qemuMonitorMigrateCancel:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Asks QEMU to cancel the outgoing migration; MIGRATION events
 * cancelling then cancelled follow.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorMigrateCancel(qemuMonitor *mon,
                         GError **error)
{
    return qemuMonitorCommand(mon, "migrate_cancel", NULL, NULL, 0, NULL, error);
}


/**
 * qemuMonitorAddFd:
 * @mon: the monitor
 * @fdsetId: target set, < 0 for a new one
 * @opaque: label, may be NULL
 * @fd: descriptor to pass (the caller keeps its own)
 * @info: (out) the set's id and QEMU's number for the copy, may be NULL
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorAddFd(qemuMonitor *mon,
                 int fdsetId,
                 const char *opaque,
                 int fd,
                 qemuMonitorAddFdInfo *info,
                 GError **error)
{
    g_autoptr(json_object) reply = NULL;
    qemuMonitorAddFdInfo tmp = { 0 };

    if (!qemuMonitorCommand(mon, "add-fd",
                            qemuMonitorBuildAddFd(fdsetId, opaque),
                            &fd, 1, &reply, error) ||
        !qemuMonitorParseAddFd(reply, &tmp, error))
        return FALSE;

    VS_DEBUG("mon=%p fd=%d is fd=%d in QEMU's fdset %d",
             mon, fd, tmp.fd, tmp.fdsetId);
    if (info)
        *info = tmp;
    return TRUE;
}


/**
 * qemuMonitorRemoveFd:
 * @mon: the monitor
 * @fdsetId: the set
 * @fd: QEMU's number of one descriptor in it, or < 0 for all of them
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorRemoveFd(qemuMonitor *mon,
                    int fdsetId,
                    int fd,
                    GError **error)
{
    return qemuMonitorCommand(mon, "remove-fd",
                              qemuMonitorBuildRemoveFd(fdsetId, fd),
                              NULL, 0, NULL, error);
}


/**
 * qemuMonitorQueryFdsets:
 * @mon: the monitor
 * @error: return location for a #GError
 *
 * Returns: (transfer full) a GPtrArray of qemuMonitorFdset, or NULL with
 * @error set.
 */
GPtrArray *
qemuMonitorQueryFdsets(qemuMonitor *mon,
                       GError **error)
{
    g_autoptr(json_object) reply = NULL;

    if (!qemuMonitorCommand(mon, "query-fdsets", NULL, NULL, 0, &reply, error))
        return NULL;
    return qemuMonitorParseFdsets(reply, error);
}


/**
 * qemuMonitorGetFd:
 * @mon: the monitor
 * @fdname: name QEMU will know the descriptor by
 * @fd: descriptor to pass (the caller keeps its own)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorGetFd(qemuMonitor *mon,
                 const char *fdname,
                 int fd,
                 GError **error)
{
    return qemuMonitorCommand(mon, "getfd", qemuMonitorBuildFdname(fdname),
                              &fd, 1, NULL, error);
}


/**
 * qemuMonitorCloseFd:
 * @mon: the monitor
 * @fdname: name given to qemuMonitorGetFd()
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuMonitorCloseFd(qemuMonitor *mon,
                   const char *fdname,
                   GError **error)
{
    return qemuMonitorCommand(mon, "closefd", qemuMonitorBuildFdname(fdname),
                              NULL, 0, NULL, error);
}
