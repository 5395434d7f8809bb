/*
 * qemu_agent.c: client of the QEMU guest agent (qemu-ga)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The agent speaks QMP-style JSON, one message per line, over a
 * virtio-serial port whose host end is a UNIX socket QEMU listens on
 * (docs/guest-agent.md). The stream has no framing the two ends agree on
 * across connections: a reply to a command whose caller gave up may
 * still arrive, and the agent may hold half a command of an earlier
 * client. So each conversation starts with a resynchronisation: a 0xFF
 * byte (invalid in JSON, it resets the agent's parser), then
 * guest-sync-delimited with a random id; the agent answers with a 0xFF
 * byte followed by the id, and everything before a delimiter whose reply
 * carries our id is discarded. After that, replies come in the order of
 * the commands, one at a time.
 */

#include <config.h>

#include "qemu_agent.h"
#include "qemu_agentpriv.h"

#include <errno.h>
#include <linux/sockios.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu_stats.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsinternal.h"
#include "vslog.h"
#include "vssocket.h"

VS_LOG_INIT("qemu.agent");

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);

#define QEMU_AGENT_DELIMITER '\xff'

struct _qemuAgent {
    int fd;
    int timeoutMs;          /* of each command */
    GString *buf;           /* bytes read and not consumed yet */
};


/**
 * qemuAgentFormatCommand:
 * @execute: the command
 * @args: (transfer none) its arguments, may be NULL
 *
 * Returns: (transfer full) the line to send.
 */
char *
qemuAgentFormatCommand(const char *execute,
                       json_object *args)
{
    g_autoptr(json_object) cmd = json_object_new_object();

    json_object_object_add(cmd, "execute", json_object_new_string(execute));
    if (args)
        json_object_object_add(cmd, "arguments", json_object_get(args));
    return g_strdup_printf("%s\n",
                           json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN));
}


/* The agent's own error classes for a command it does not offer. */
static gboolean
qemuAgentErrorIsUnsupported(const char *klass)
{
    return g_strcmp0(klass, "CommandNotFound") == 0 ||
           g_strcmp0(klass, "CommandDisabled") == 0;
}


/**
 * qemuAgentParseReply:
 * @msg: (transfer none) one message of the agent
 * @execute: the command it answers, for messages
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the "return" member, or NULL with @error set:
 * VS_ERR_OPERATION_UNSUPPORTED when the agent lacks the command,
 * VS_ERR_INTERNAL_ERROR when it failed.
 */
json_object *
qemuAgentParseReply(json_object *msg,
                    const char *execute,
                    GError **error)
{
    json_object *ret = NULL;
    json_object *err = NULL;
    json_object *klass = NULL;
    json_object *desc = NULL;

    if (json_object_object_get_ex(msg, "return", &ret))
        return ret ? json_object_get(ret) : json_object_new_object();

    if (!json_object_object_get_ex(msg, "error", &err) ||
        !json_object_is_type(err, json_type_object)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("the guest agent sent an unexpected reply to '%s'"),
                    execute);
        return NULL;
    }
    json_object_object_get_ex(err, "class", &klass);
    json_object_object_get_ex(err, "desc", &desc);
    if (qemuAgentErrorIsUnsupported(json_object_get_string(klass))) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED,
                    _("the guest agent does not support command '%s'"),
                    execute);
        return NULL;
    }
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                _("unable to execute guest agent command '%s': %s"),
                execute, desc ? json_object_get_string(desc) : _("no reason given"));
    return NULL;
}


/**
 * qemuAgentParseTime:
 * @ret: (transfer none) the reply of guest-get-time
 * @seconds: (out) seconds since the epoch
 * @nseconds: (out) and nanoseconds
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuAgentParseTime(json_object *ret,
                   long long *seconds,
                   unsigned int *nseconds,
                   GError **error)
{
    gint64 ns;

    if (!json_object_is_type(ret, json_type_int) ||
        (ns = json_object_get_int64(ret)) < 0) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                    _("the guest agent sent a malformed time"));
        return FALSE;
    }
    *seconds = ns / 1000000000LL;
    *nseconds = ns % 1000000000LL;
    return TRUE;
}


/* The string member @key of @obj, NULL when absent or not a string. */
static const char *
qemuAgentGetString(json_object *obj,
                   const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}


/* One entry of "ip-addresses"; NULL for a type libvirt does not know. */
static qemuStatsIPAddress *
qemuAgentParseAddress(json_object *entry,
                      GError **error)
{
    const char *type = qemuAgentGetString(entry, "ip-address-type");
    const char *ip = qemuAgentGetString(entry, "ip-address");
    json_object *prefix = NULL;
    qemuStatsIPAddress *addr;

    if (!type || !ip ||
        !json_object_object_get_ex(entry, "prefix", &prefix) ||
        !json_object_is_type(prefix, json_type_int) ||
        json_object_get_int64(prefix) < 0 ||
        json_object_get_int64(prefix) > 128) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                    _("the guest agent sent a malformed IP address"));
        return NULL;
    }
    if (!g_str_equal(type, "ipv4") && !g_str_equal(type, "ipv6"))
        return NULL;
    addr = g_new0(qemuStatsIPAddress, 1);
    addr->type = g_str_equal(type, "ipv4") ? 0 : 1;
    addr->addr = g_strdup(ip);
    addr->prefix = json_object_get_int64(prefix);
    return addr;
}


static qemuStatsInterface *
qemuAgentParseInterface(json_object *entry,
                        GError **error)
{
    const char *name = qemuAgentGetString(entry, "name");
    json_object *ips = NULL;
    qemuStatsInterface *iface;
    size_t i;

    if (!name) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                    _("the guest agent sent an interface without a name"));
        return NULL;
    }
    iface = g_new0(qemuStatsInterface, 1);
    iface->name = g_strdup(name);
    iface->hwaddr = g_strdup(qemuAgentGetString(entry, "hardware-address"));
    iface->addrs = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuStatsIPAddressFree);
    if (!json_object_object_get_ex(entry, "ip-addresses", &ips) ||
        !json_object_is_type(ips, json_type_array))
        return iface;
    for (i = 0; i < json_object_array_length(ips); i++) {
        g_autoptr(GError) err = NULL;
        qemuStatsIPAddress *addr;

        addr = qemuAgentParseAddress(json_object_array_get_idx(ips, i), &err);
        if (err) {
            g_propagate_error(error, g_steal_pointer(&err));
            qemuStatsInterfaceFree(iface);
            return NULL;
        }
        if (addr)
            g_ptr_array_add(iface->addrs, addr);
    }
    return iface;
}


/**
 * qemuAgentParseInterfaces:
 * @ret: (transfer none) the reply of guest-network-get-interfaces
 * @error: return location for a #GError
 *
 * Every interface the guest reports, loopback included (as libvirt
 * lists them); addresses of types other than IPv4 and IPv6 are left out.
 *
 * Returns: (transfer full) #qemuStatsInterface entries, or NULL with
 * @error set.
 */
GPtrArray *
qemuAgentParseInterfaces(json_object *ret,
                         GError **error)
{
    g_autoptr(GPtrArray) ifaces = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuStatsInterfaceFree);
    size_t i;

    if (!json_object_is_type(ret, json_type_array)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                    _("the guest agent sent a malformed interface list"));
        return NULL;
    }
    for (i = 0; i < json_object_array_length(ret); i++) {
        json_object *entry = json_object_array_get_idx(ret, i);
        qemuStatsInterface *iface;

        if (!json_object_is_type(entry, json_type_object)) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                        _("the guest agent sent a malformed interface list"));
            return NULL;
        }
        if (!(iface = qemuAgentParseInterface(entry, error)))
            return NULL;
        g_ptr_array_add(ifaces, iface);
    }
    return g_steal_pointer(&ifaces);
}


/* ---- I/O --------------------------------------------------------------- */

/* Wait until @fd is ready for @events or the monotonic @deadline (us). */
static gboolean
qemuAgentWait(qemuAgent *agent,
              short events,
              gint64 deadline,
              GError **error)
{
    for (;;) {
        struct pollfd pfd = { .fd = agent->fd, .events = events };
        gint64 left = deadline - g_get_monotonic_time();
        int rc;

        if (left <= 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, "%s",
                        _("the guest agent did not reply in time"));
            return FALSE;
        }
        rc = poll(&pfd, 1, (int) MIN((left + 999) / 1000, G_MAXINT));
        if (rc > 0)
            return TRUE;
        if (rc < 0 && errno != EINTR) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE,
                            errno, "%s",
                            _("cannot wait for the guest agent"));
            return FALSE;
        }
    }
}


static gboolean
qemuAgentWrite(qemuAgent *agent,
               const char *data,
               size_t len,
               gint64 deadline,
               GError **error)
{
    while (len > 0) {
        ssize_t n = send(agent->fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            if (!qemuAgentWait(agent, POLLOUT, deadline, error))
                return FALSE;
            continue;
        }
        if (n < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE,
                            errno, "%s",
                            _("cannot write to the guest agent's channel"));
            return FALSE;
        }
        data += n;
        len -= n;
    }
    return TRUE;
}


/* Append what the socket has to agent->buf, waiting for it. */
static gboolean
qemuAgentFill(qemuAgent *agent,
              gint64 deadline,
              GError **error)
{
    char chunk[65536];
    ssize_t n;

    for (;;) {
        n = recv(agent->fd, chunk, sizeof(chunk), 0);
        if (n > 0)
            break;
        if (n == 0) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, "%s",
                        _("the guest agent's channel was closed"));
            return FALSE;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE,
                            errno, "%s",
                            _("cannot read from the guest agent's channel"));
            return FALSE;
        }
        if (!qemuAgentWait(agent, POLLIN, deadline, error))
            return FALSE;
    }
    if (agent->buf->len + n > QEMU_AGENT_MAX_MESSAGE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("the guest agent sent a message longer than %d bytes"),
                    QEMU_AGENT_MAX_MESSAGE);
        return FALSE;
    }
    g_string_append_len(agent->buf, chunk, n);
    return TRUE;
}


/* Discard input up to and including the next delimiter byte. */
static gboolean
qemuAgentSkipToDelimiter(qemuAgent *agent,
                         gint64 deadline,
                         GError **error)
{
    for (;;) {
        const char *d = memchr(agent->buf->str, QEMU_AGENT_DELIMITER,
                               agent->buf->len);

        if (d) {
            g_string_erase(agent->buf, 0, d - agent->buf->str + 1);
            return TRUE;
        }
        g_string_truncate(agent->buf, 0);
        if (!qemuAgentFill(agent, deadline, error))
            return FALSE;
    }
}


/* The next non-empty line, as a JSON object. */
static json_object *
qemuAgentReadMessage(qemuAgent *agent,
                     gint64 deadline,
                     GError **error)
{
    for (;;) {
        const char *nl = memchr(agent->buf->str, '\n', agent->buf->len);
        g_autofree char *line = NULL;
        json_object *msg;

        if (!nl) {
            if (!qemuAgentFill(agent, deadline, error))
                return NULL;
            continue;
        }
        line = g_strndup(agent->buf->str, nl - agent->buf->str);
        g_string_erase(agent->buf, 0, nl - agent->buf->str + 1);
        if (!*g_strstrip(line))
            continue;
        msg = json_tokener_parse(line);
        if (!msg || !json_object_is_type(msg, json_type_object)) {
            json_object_put(msg);
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                        _("the guest agent sent invalid JSON"));
            return NULL;
        }
        return msg;
    }
}


/* See the top of the file. */
static gboolean
qemuAgentSync(qemuAgent *agent,
              int timeoutMs,
              GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) timeoutMs * 1000;
    gint64 id = g_random_int_range(1, G_MAXINT32);
    g_autoptr(json_object) args = json_object_new_object();
    g_autofree char *cmd = NULL;
    const char reset = QEMU_AGENT_DELIMITER;

    json_object_object_add(args, "id", json_object_new_int64(id));
    cmd = qemuAgentFormatCommand("guest-sync-delimited", args);
    if (!qemuAgentWrite(agent, &reset, 1, deadline, error) ||
        !qemuAgentWrite(agent, cmd, strlen(cmd), deadline, error))
        return FALSE;

    for (;;) {
        g_autoptr(json_object) msg = NULL;
        json_object *ret = NULL;

        if (!qemuAgentSkipToDelimiter(agent, deadline, error) ||
            !(msg = qemuAgentReadMessage(agent, deadline, error)))
            return FALSE;
        if (json_object_object_get_ex(msg, "return", &ret) &&
            json_object_is_type(ret, json_type_int) &&
            json_object_get_int64(ret) == id)
            break;
        VS_DEBUG("skipping a stale guest agent reply");
    }
    VS_DEBUG("guest agent synchronised, id %" G_GINT64_FORMAT, id);
    return TRUE;
}


/**
 * qemuAgentOpenFd:
 * @fd: a connected stream socket to the agent's channel (taken over)
 * @syncTimeoutMs: how long the agent has to answer the resynchronisation
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the agent, or NULL with @error set
 * (VS_ERR_AGENT_UNRESPONSIVE when the agent did not answer).
 */
qemuAgent *
qemuAgentOpenFd(int fd,
                int syncTimeoutMs,
                GError **error)
{
    g_autoptr(qemuAgent) agent = g_new0(qemuAgent, 1);
    g_autoptr(GError) err = NULL;

    agent->fd = fd;
    agent->timeoutMs = QEMU_AGENT_COMMAND_TIMEOUT_MS;
    agent->buf = g_string_new(NULL);
    if (!vsSocketSetNonBlock(fd, TRUE, error))
        return NULL;
    if (qemuAgentSync(agent, syncTimeoutMs, &err))
        return g_steal_pointer(&agent);

    /* An agent that is not running looks like one that does not answer. */
    VS_DEBUG("guest agent resynchronisation failed: %s", err->message);
    if (g_error_matches(err, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE))
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, "%s",
                    _("QEMU guest agent is not connected"));
    else
        g_propagate_error(error, g_steal_pointer(&err));
    return NULL;
}


/**
 * qemuAgentOpen:
 * @path: the UNIX socket of the domain's agent channel
 * @syncTimeoutMs: how long the agent has to answer the resynchronisation
 * @error: return location for a #GError
 *
 * QEMU serves one client at a time on the channel; a second one would
 * wait in the listen queue, so the caller serialises conversations.
 *
 * Returns: (transfer full) the agent, or NULL with @error set.
 */
qemuAgent *
qemuAgentOpen(const char *path,
              int syncTimeoutMs,
              GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("guest agent socket path '%s' is too long"), path);
        return NULL;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        vsSetErrorSystem(error, errno, "%s", _("cannot create a socket"));
        return NULL;
    }
    if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, errno,
                        _("QEMU guest agent is not connected: cannot connect to '%s'"),
                        path);
        close(fd);
        return NULL;
    }
    VS_DEBUG("connected to the guest agent at %s, fd %d", path, fd);
    return qemuAgentOpenFd(fd, syncTimeoutMs, error);
}


/**
 * qemuAgentClose:
 * @agent: the agent, or NULL
 */
void
qemuAgentClose(qemuAgent *agent)
{
    if (!agent)
        return;
    if (agent->fd >= 0)
        close(agent->fd);
    g_string_free(agent->buf, TRUE);
    g_free(agent);
}


/**
 * qemuAgentSetTimeout:
 * @agent: the agent
 * @timeoutMs: the time each later command waits for its reply; <= 0
 *   selects QEMU_AGENT_COMMAND_TIMEOUT_MS
 */
void
qemuAgentSetTimeout(qemuAgent *agent,
                    int timeoutMs)
{
    agent->timeoutMs = timeoutMs > 0 ? timeoutMs : QEMU_AGENT_COMMAND_TIMEOUT_MS;
}


static gint64
qemuAgentDeadline(qemuAgent *agent)
{
    return g_get_monotonic_time() + (gint64) agent->timeoutMs * 1000;
}


/**
 * qemuAgentCommand:
 * @agent: the agent
 * @execute: the command
 * @args: (transfer full) its arguments, may be NULL
 * @reply: (out) (transfer full) the "return" member; may be NULL
 * @error: return location for a #GError
 *
 * A timeout leaves the stream out of step: close the agent after one.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuAgentCommand(qemuAgent *agent,
                 const char *execute,
                 json_object *args,
                 json_object **reply,
                 GError **error)
{
    g_autoptr(json_object) owned = args;
    g_autofree char *cmd = qemuAgentFormatCommand(execute, args);
    gint64 deadline = qemuAgentDeadline(agent);
    g_autoptr(json_object) msg = NULL;
    json_object *ret;

    VS_DEBUG("guest agent command %s", execute);
    if (!qemuAgentWrite(agent, cmd, strlen(cmd), deadline, error) ||
        !(msg = qemuAgentReadMessage(agent, deadline, error)) ||
        !(ret = qemuAgentParseReply(msg, execute, error)))
        return FALSE;
    if (reply)
        *reply = ret;
    else
        json_object_put(ret);
    return TRUE;
}


/**
 * qemuAgentGetTime:
 * @agent: the agent
 * @seconds: (out) the guest's time, seconds since the epoch
 * @nseconds: (out) and nanoseconds
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuAgentGetTime(qemuAgent *agent,
                 long long *seconds,
                 unsigned int *nseconds,
                 GError **error)
{
    g_autoptr(json_object) ret = NULL;

    return qemuAgentCommand(agent, "guest-get-time", NULL, &ret, error) &&
           qemuAgentParseTime(ret, seconds, nseconds, error);
}


/**
 * qemuAgentSetTime:
 * @agent: the agent
 * @fromRTC: set the guest's clock from its hardware clock instead
 * @seconds: the time to set, seconds since the epoch (>= 0)
 * @nseconds: and nanoseconds (< 1000000000)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuAgentSetTime(qemuAgent *agent,
                 gboolean fromRTC,
                 long long seconds,
                 unsigned int nseconds,
                 GError **error)
{
    json_object *args = NULL;

    if (!fromRTC) {
        args = json_object_new_object();
        json_object_object_add(args, "time",
                               json_object_new_int64(seconds * 1000000000LL +
                                                     nseconds));
    }
    return qemuAgentCommand(agent, "guest-set-time", args, NULL, error);
}


/**
 * qemuAgentGetInterfaces:
 * @agent: the agent
 * @error: return location for a #GError
 *
 * Returns: (transfer full) #qemuStatsInterface entries, or NULL with
 * @error set.
 */
GPtrArray *
qemuAgentGetInterfaces(qemuAgent *agent,
                       GError **error)
{
    g_autoptr(json_object) ret = NULL;

    if (!qemuAgentCommand(agent, "guest-network-get-interfaces", NULL, &ret,
                          error))
        return NULL;
    return qemuAgentParseInterfaces(ret, error);
}


/* Until the peer has read everything sent: a command without a reply
 * is then with QEMU, which takes bytes off the socket only as fast as
 * the guest's port accepts them. */
static gboolean
qemuAgentDrain(qemuAgent *agent,
               gint64 deadline,
               GError **error)
{
    for (;;) {
        int queued = 0;

        if (ioctl(agent->fd, SIOCOUTQ, &queued) < 0) {
            vsSetErrorErrno(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE,
                            errno, "%s",
                            _("cannot query the guest agent's channel"));
            return FALSE;
        }
        if (queued == 0)
            return TRUE;
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, "%s",
                        _("the guest agent did not take the request in time"));
            return FALSE;
        }
        g_usleep(10 * 1000);
    }
}


/**
 * qemuAgentShutdown:
 * @agent: the agent
 * @mode: "powerdown", "reboot" or "halt"
 * @error: return location for a #GError
 *
 * guest-shutdown sends no reply on success.
 *
 * Returns: TRUE once the guest has the request, FALSE with @error set.
 */
gboolean
qemuAgentShutdown(qemuAgent *agent,
                  const char *mode,
                  GError **error)
{
    g_autoptr(json_object) args = json_object_new_object();
    g_autofree char *cmd = NULL;
    gint64 deadline = qemuAgentDeadline(agent);

    json_object_object_add(args, "mode", json_object_new_string(mode));
    cmd = qemuAgentFormatCommand("guest-shutdown", args);
    VS_DEBUG("guest agent command guest-shutdown, mode %s", mode);
    return qemuAgentWrite(agent, cmd, strlen(cmd), deadline, error) &&
           qemuAgentDrain(agent, deadline, error);
}


static int
qemuAgentParseCount(json_object *ret,
                    const char *execute,
                    GError **error)
{
    if (!json_object_is_type(ret, json_type_int) ||
        json_object_get_int64(ret) < 0 ||
        json_object_get_int64(ret) > G_MAXINT) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR,
                    _("the guest agent sent a malformed reply to '%s'"),
                    execute);
        return -1;
    }
    return json_object_get_int(ret);
}


/**
 * qemuAgentFSFreeze:
 * @agent: the agent
 * @mountpoints: (nullable) the file systems to freeze; NULL or empty:
 *   all of them
 * @error: return location for a #GError
 *
 * Returns: the number of file systems frozen, or -1 with @error set.
 */
int
qemuAgentFSFreeze(qemuAgent *agent,
                  const char *const *mountpoints,
                  GError **error)
{
    const char *execute = "guest-fsfreeze-freeze";
    g_autoptr(json_object) ret = NULL;
    json_object *args = NULL;
    size_t i;

    if (mountpoints && mountpoints[0]) {
        json_object *list = json_object_new_array();

        for (i = 0; mountpoints[i]; i++)
            json_object_array_add(list, json_object_new_string(mountpoints[i]));
        args = json_object_new_object();
        json_object_object_add(args, "mountpoints", list);
        execute = "guest-fsfreeze-freeze-list";
    }
    if (!qemuAgentCommand(agent, execute, args, &ret, error))
        return -1;
    return qemuAgentParseCount(ret, execute, error);
}


/**
 * qemuAgentFSThaw:
 * @agent: the agent
 * @error: return location for a #GError
 *
 * Returns: the number of file systems thawed, or -1 with @error set.
 */
int
qemuAgentFSThaw(qemuAgent *agent,
                GError **error)
{
    g_autoptr(json_object) ret = NULL;

    if (!qemuAgentCommand(agent, "guest-fsfreeze-thaw", NULL, &ret, error))
        return -1;
    return qemuAgentParseCount(ret, "guest-fsfreeze-thaw", error);
}
