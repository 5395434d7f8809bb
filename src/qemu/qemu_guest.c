/*
 * qemu_guest.c: domain calls answered by the guest agent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each call: look the domain up, check that it runs and has the agent
 * channel, ask QEMU (query-chardev) whether the guest opened the port,
 * and drop the domain lock. Only then connect to the channel and talk
 * to the agent (qemu_agent.c), holding vm->agentLock so that two calls
 * never share the one channel, and a reference so that the object
 * stays. A guest that does not answer therefore delays only calls to
 * its own agent, never a save, a destroy or a query of the domain.
 * docs/guest-agent.md describes what users see.
 */

#include <config.h>

#include "qemu_guest.h"

#include "qemu_agent.h"
#include "qemu_domain.h"
#include "qemu_guestinfo.h"
#include "qemu_stats.h"
#include "vserror.h"
#include "vsinternal.h"
#include "vslog.h"

VS_LOG_INIT("qemu.guest");

typedef gboolean (*qemuGuestFunc)(qemuAgent *agent,
                                  gpointer opaque,
                                  GError **error);


/**
 * qemuGuestFindChannel:
 * @def: a domain definition
 *
 * Returns: (transfer none) the guest agent's unix channel, or NULL.
 */
const vsDomainChannelDef *
qemuGuestFindChannel(const vsDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->channels->len; i++) {
        const vsDomainChannelDef *chan = g_ptr_array_index(def->channels, i);

        if (chan->type == VS_DOMAIN_CHANNEL_UNIX &&
            g_strcmp0(chan->name, QEMU_AGENT_CHANNEL_NAME) == 0)
            return chan;
    }
    return NULL;
}


/**
 * qemuGuestParseChannelOpen:
 * @reply: the return value of query-chardev
 * @alias: the channel's device alias
 *
 * QEMU reports the port of a virtio-serial channel as "frontend-open"
 * once the guest has opened it, which the agent does when it starts.
 *
 * Returns: FALSE when QEMU says the guest has not opened the port; TRUE
 * otherwise (also when the chardev is not listed).
 */
gboolean
qemuGuestParseChannelOpen(json_object *reply,
                          const char *alias)
{
    g_autofree char *label = g_strdup_printf("char%s", alias);
    size_t i;

    if (!reply || !json_object_is_type(reply, json_type_array))
        return TRUE;
    for (i = 0; i < json_object_array_length(reply); i++) {
        json_object *entry = json_object_array_get_idx(reply, i);
        json_object *name = NULL;
        json_object *open = NULL;

        if (!json_object_object_get_ex(entry, "label", &name) ||
            g_strcmp0(json_object_get_string(name), label) != 0)
            continue;
        if (json_object_object_get_ex(entry, "frontend-open", &open) &&
            json_object_is_type(open, json_type_boolean))
            return json_object_get_boolean(open);
        return TRUE;
    }
    return TRUE;
}


/* Whether the guest of @vm (locked, running) opened the agent's port;
 * the live XML's channel state follows the answer. */
static gboolean
qemuGuestCheckConnected(qemuDomainObj *vm,
                        const char *alias,
                        GError **error)
{
    json_object *reply = NULL;
    qemuMonitor *mon;
    gboolean ok;
    size_t i;

    if (!(mon = qemuDomainObjEnterMonitor(vm, error)))
        return FALSE;
    ok = qemuMonitorCommand(mon, "query-chardev", NULL, NULL, 0, &reply, error);
    qemuDomainObjExitMonitor(vm, mon);
    if (!ok)
        return FALSE;
    ok = qemuGuestParseChannelOpen(reply, alias);
    json_object_put(reply);
    for (i = 0; vm->def && i < vm->def->channels->len; i++) {
        vsDomainChannelDef *chan = g_ptr_array_index(vm->def->channels, i);

        if (g_strcmp0(chan->info.alias, alias) == 0)
            chan->state = ok ? VS_DOMAIN_CHANNEL_STATE_CONNECTED :
                               VS_DOMAIN_CHANNEL_STATE_DISCONNECTED;
    }
    if (!ok) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_AGENT_UNRESPONSIVE, "%s",
                    _("QEMU guest agent is not connected"));
        return FALSE;
    }
    return TRUE;
}


/* The domain, referenced and unlocked, with the agent socket's path in
 * @path; NULL with @error set when the agent cannot be asked. */
static qemuDomainObj *
qemuGuestBegin(qemuDriver *driver,
               const unsigned char *uuid,
               char **path,
               GError **error)
{
    const vsDomainChannelDef *chan;
    g_autofree char *alias = NULL;
    qemuDomainObj *vm;

    if (!(vm = qemuDomainObjFromUUID(driver, uuid, error)))
        return NULL;
    if (!qemuDomainObjCheckActive(vm, error))
        goto error;
    if (!(chan = qemuGuestFindChannel(vm->def)) || !chan->path) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED, "%s",
                    _("QEMU guest agent is not configured"));
        goto error;
    }
    /* A paused guest cannot answer; neither can one being saved. */
    if (vm->state != VS_DOMAIN_RUNNING) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID, "%s",
                    _("domain is not running"));
        goto error;
    }
    *path = g_strdup(chan->path);
    alias = g_strdup(chan->info.alias);
    if (!qemuGuestCheckConnected(vm, alias, error)) {
        g_clear_pointer(path, g_free);
        goto error;
    }
    qemuDomainObjUnlock(vm);
    return vm;

 error:
    qemuDomainObjEndAPI(&vm);
    return NULL;
}


/* Run @func on a fresh conversation with the agent of the domain. */
static gboolean
qemuGuestRun(qemuDriver *driver,
             const unsigned char *uuid,
             qemuGuestFunc func,
             gpointer opaque,
             GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(qemuAgent) agent = NULL;
    qemuDomainObj *vm;
    gboolean ok = FALSE;

    if (!(vm = qemuGuestBegin(driver, uuid, &path, error)))
        return FALSE;
    g_mutex_lock(&vm->agentLock);
    if ((agent = qemuAgentOpen(path, QEMU_AGENT_SYNC_TIMEOUT_MS, error)))
        ok = func(agent, opaque, error);
    g_clear_pointer(&agent, qemuAgentClose);
    g_mutex_unlock(&vm->agentLock);
    if (!ok)
        VS_DEBUG("domain '%s': guest agent call failed", vm->name);
    qemuDomainObjUnref(vm);
    return ok;
}


typedef struct {
    long long seconds;
    unsigned int nseconds;
    gboolean sync;
    const char *mode;
    const char *const *mountpoints;
    int count;
    char *hostname;
    GPtrArray *ifaces;
} qemuGuestData;


static gboolean
qemuGuestDoGetTime(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    return qemuAgentGetTime(agent, &data->seconds, &data->nseconds, error);
}


/**
 * qemuDriverGetTime:
 * @driver: the driver
 * @uuid: the domain
 * @flags: 0
 * @seconds: (out) the guest's time, seconds since the epoch
 * @nseconds: (out) and nanoseconds
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverGetTime(qemuDriver *driver,
                  const unsigned char *uuid,
                  unsigned int flags,
                  long long *seconds,
                  unsigned int *nseconds,
                  GError **error)
{
    qemuGuestData data = { 0 };

    if (flags) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"), flags,
                    __func__);
        return FALSE;
    }
    if (!qemuGuestRun(driver, uuid, qemuGuestDoGetTime, &data, error))
        return FALSE;
    *seconds = data.seconds;
    *nseconds = data.nseconds;
    return TRUE;
}


static gboolean
qemuGuestDoSetTime(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    return qemuAgentSetTime(agent, data->sync, data->seconds, data->nseconds,
                            error);
}


/**
 * qemuDriverSetTime:
 * @driver: the driver
 * @uuid: the domain
 * @seconds: the time to set, seconds since the epoch
 * @nseconds: and nanoseconds
 * @flags: 0 or QEMU_GUEST_TIME_SYNC (set the clock from the guest's RTC;
 *   @seconds and @nseconds are ignored)
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuDriverSetTime(qemuDriver *driver,
                  const unsigned char *uuid,
                  long long seconds,
                  unsigned int nseconds,
                  unsigned int flags,
                  GError **error)
{
    qemuGuestData data = {
        .seconds = seconds, .nseconds = nseconds,
        .sync = !!(flags & QEMU_GUEST_TIME_SYNC),
    };

    if (flags & ~QEMU_GUEST_TIME_SYNC) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"),
                    flags & ~QEMU_GUEST_TIME_SYNC, __func__);
        return FALSE;
    }
    /* guest-set-time takes nanoseconds in an int64. */
    if (!data.sync &&
        (nseconds > 999999999 || seconds < 0 ||
         seconds > G_MAXINT64 / 1000000000LL - 1)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("invalid time %lld.%09u"), seconds, nseconds);
        return FALSE;
    }
    return qemuGuestRun(driver, uuid, qemuGuestDoSetTime, &data, error);
}


static gboolean
qemuGuestDoGetHostname(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;
    json_object *ret = NULL;
    json_object *name = NULL;

    if (!qemuAgentCommand(agent, "guest-get-host-name", NULL, &ret, error))
        return FALSE;
    if (json_object_object_get_ex(ret, "host-name", &name) &&
        json_object_is_type(name, json_type_string))
        data->hostname = g_strdup(json_object_get_string(name));
    json_object_put(ret);
    if (!data->hostname) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR, "%s",
                    _("the guest agent sent a malformed host name"));
        return FALSE;
    }
    return TRUE;
}


/**
 * qemuDriverGetHostname:
 * @driver: the driver
 * @uuid: the domain
 * @flags: 0 or QEMU_GUEST_HOSTNAME_AGENT; QEMU_GUEST_HOSTNAME_LEASE is
 *   refused, as virtsave manages no DHCP server
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the guest's host name, or NULL with @error
 * set.
 */
char *
qemuDriverGetHostname(qemuDriver *driver,
                      const unsigned char *uuid,
                      unsigned int flags,
                      GError **error)
{
    qemuGuestData data = { 0 };

    if (flags & ~(QEMU_GUEST_HOSTNAME_LEASE | QEMU_GUEST_HOSTNAME_AGENT)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"),
                    flags & ~(QEMU_GUEST_HOSTNAME_LEASE | QEMU_GUEST_HOSTNAME_AGENT),
                    __func__);
        return NULL;
    }
    if (flags & QEMU_GUEST_HOSTNAME_LEASE) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED, "%s",
                    _("no DHCP leases: virtsave manages no virtual network"));
        return NULL;
    }
    if (!qemuGuestRun(driver, uuid, qemuGuestDoGetHostname, &data, error))
        return NULL;
    return data.hostname;
}


static gboolean
qemuGuestDoFSFreeze(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    data->count = qemuAgentFSFreeze(agent, data->mountpoints, error);
    return data->count >= 0;
}


static gboolean
qemuGuestDoFSThaw(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    data->count = qemuAgentFSThaw(agent, error);
    return data->count >= 0;
}


/**
 * qemuDriverFSFreeze:
 * @driver: the driver
 * @uuid: the domain
 * @mountpoints: (nullable) the guest's file systems to freeze; NULL or
 *   empty: all
 * @flags: 0
 * @error: return location for a #GError
 *
 * Returns: the number of file systems frozen, or -1 with @error set.
 */
int
qemuDriverFSFreeze(qemuDriver *driver,
                   const unsigned char *uuid,
                   const char *const *mountpoints,
                   unsigned int flags,
                   GError **error)
{
    qemuGuestData data = { .mountpoints = mountpoints };

    if (flags) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"), flags,
                    __func__);
        return -1;
    }
    if (!qemuGuestRun(driver, uuid, qemuGuestDoFSFreeze, &data, error))
        return -1;
    return data.count;
}


/**
 * qemuDriverFSThaw:
 * @driver: the driver
 * @uuid: the domain
 * @mountpoints: must be NULL or empty: the agent thaws all file systems
 *   at once
 * @flags: 0
 * @error: return location for a #GError
 *
 * Returns: the number of file systems thawed, or -1 with @error set.
 */
int
qemuDriverFSThaw(qemuDriver *driver,
                 const unsigned char *uuid,
                 const char *const *mountpoints,
                 unsigned int flags,
                 GError **error)
{
    qemuGuestData data = { 0 };

    if (flags) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"), flags,
                    __func__);
        return -1;
    }
    if (mountpoints && mountpoints[0]) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED, "%s",
                    _("the guest agent thaws all file systems at once: give no mount points"));
        return -1;
    }
    if (!qemuGuestRun(driver, uuid, qemuGuestDoFSThaw, &data, error))
        return -1;
    return data.count;
}


static gboolean
qemuGuestDoInterfaces(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    data->ifaces = qemuAgentGetInterfaces(agent, error);
    return data->ifaces != NULL;
}


/**
 * qemuGuestInterfaceAddresses:
 * @driver: the driver
 * @uuid: the domain
 * @error: return location for a #GError
 *
 * Returns: (transfer full) #qemuStatsInterface entries as the guest
 * agent reports them, or NULL with @error set.
 */
GPtrArray *
qemuGuestInterfaceAddresses(qemuDriver *driver,
                            const unsigned char *uuid,
                            GError **error)
{
    qemuGuestData data = { 0 };

    if (!qemuGuestRun(driver, uuid, qemuGuestDoInterfaces, &data, error))
        return NULL;
    return data.ifaces;
}


static gboolean
qemuGuestDoShutdown(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestData *data = opaque;

    return qemuAgentShutdown(agent, data->mode, error);
}


/**
 * qemuGuestShutdown:
 * @driver: the driver
 * @uuid: the domain
 * @mode: "powerdown" or "reboot"
 * @error: return location for a #GError
 *
 * Returns once the guest has the request; the domain shuts off (or
 * reboots) when the guest has done it.
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuGuestShutdown(qemuDriver *driver,
                  const unsigned char *uuid,
                  const char *mode,
                  GError **error)
{
    qemuGuestData data = { .mode = mode };

    VS_DEBUG("guest agent %s requested", mode);
    return qemuGuestRun(driver, uuid, qemuGuestDoShutdown, &data, error);
}


typedef struct {
    unsigned int types;
    vsTypedParamList *params;
} qemuGuestInfoData;


static gboolean
qemuGuestDoGetInfo(qemuAgent *agent, gpointer opaque, GError **error)
{
    qemuGuestInfoData *data = opaque;

    return qemuGuestInfoCollect(agent, data->types, data->params, error);
}


/**
 * qemuDriverGetGuestInfo:
 * @driver: the driver
 * @uuid: the domain
 * @types: virDomainGuestInfoTypes; 0 for every group virtsave reports
 * @flags: 0
 * @error: return location for a #GError
 *
 * The users, OS, time zone, host name and interface groups; file
 * systems, disks and load are refused.
 *
 * Returns: (transfer full) the parameters, or NULL with @error set.
 */
vsTypedParamList *
qemuDriverGetGuestInfo(qemuDriver *driver,
                       const unsigned char *uuid,
                       unsigned int types,
                       unsigned int flags,
                       GError **error)
{
    const unsigned int refused = QEMU_GUEST_INFO_FILESYSTEM |
                                 QEMU_GUEST_INFO_DISKS | QEMU_GUEST_INFO_LOAD;
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    qemuGuestInfoData data = { .types = types, .params = params };

    if (flags || types >= (QEMU_GUEST_INFO_LOAD << 1)) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_INVALID_ARG,
                    _("unsupported types or flags (0x%x, 0x%x) in function %s"),
                    types, flags, __func__);
        return NULL;
    }
    if (types & refused) {
        g_set_error(error, VS_ERROR_QEMU, VS_ERR_ARGUMENT_UNSUPPORTED, "%s",
                    _("guest information about file systems, disks and load is not supported by virtsaved"));
        return NULL;
    }
    if (!qemuGuestRun(driver, uuid, qemuGuestDoGetInfo, &data, error))
        return NULL;
    return g_steal_pointer(&params);
}
