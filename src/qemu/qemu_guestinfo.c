/*
 * qemu_guestinfo.c: virDomainGetGuestInfo's typed parameters from the
 * guest agent's replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each group asks one agent command and turns its reply into libvirt's
 * parameter names (docs/guest-agent.md). Asked for all groups (types 0),
 * a group the agent does not offer is left out; asked for by name, its
 * absence is an error.
 */

#include <config.h>

#include "qemu_guestinfo.h"

#include "qemu_agent.h"
#include "qemu_stats.h"
#include "vserror.h"
#include "vsinternal.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);

/* guest-get-osinfo member -> "os.<member>" */
static const char *const qemuGuestInfoOSFields[] = {
    "id", "name", "pretty-name", "version", "version-id", "variant",
    "variant-id", "machine", "kernel-release", "kernel-version",
};


static const char *
qemuGuestInfoString(json_object *obj,
                    const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}


/**
 * qemuGuestInfoParseOS:
 * @ret: the reply of guest-get-osinfo
 * @params: receives "os.*"
 */
void
qemuGuestInfoParseOS(json_object *ret,
                     vsTypedParamList *params)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuGuestInfoOSFields); i++) {
        const char *v = qemuGuestInfoString(ret, qemuGuestInfoOSFields[i]);
        g_autofree char *field = NULL;

        if (!v)
            continue;
        field = g_strdup_printf("os.%s", qemuGuestInfoOSFields[i]);
        vsTypedParamListAddString(params, field, v);
    }
}


/**
 * qemuGuestInfoParseTimezone:
 * @ret: the reply of guest-get-timezone
 * @params: receives "timezone.name" (when known) and "timezone.offset"
 */
void
qemuGuestInfoParseTimezone(json_object *ret,
                           vsTypedParamList *params)
{
    const char *zone = qemuGuestInfoString(ret, "zone");
    json_object *offset = NULL;

    if (zone)
        vsTypedParamListAddString(params, "timezone.name", zone);
    if (json_object_object_get_ex(ret, "offset", &offset) &&
        json_object_is_type(offset, json_type_int))
        vsTypedParamListAddInt(params, "timezone.offset",
                               json_object_get_int(offset));
}


/**
 * qemuGuestInfoParseUsers:
 * @ret: the reply of guest-get-users
 * @params: receives "user.count" and "user.<n>.name", ".domain",
 *   ".login-time" (ms since the epoch)
 */
void
qemuGuestInfoParseUsers(json_object *ret,
                        vsTypedParamList *params)
{
    size_t n = json_object_is_type(ret, json_type_array) ?
               json_object_array_length(ret) : 0;
    size_t i;

    vsTypedParamListAddUInt(params, "user.count", n);
    for (i = 0; i < n; i++) {
        json_object *u = json_object_array_get_idx(ret, i);
        const char *name = qemuGuestInfoString(u, "user");
        const char *domain = qemuGuestInfoString(u, "domain");
        json_object *login = NULL;
        g_autofree char *field = NULL;

        field = g_strdup_printf("user.%zu.name", i);
        vsTypedParamListAddString(params, field, name ? name : "");
        if (domain) {
            g_free(field);
            field = g_strdup_printf("user.%zu.domain", i);
            vsTypedParamListAddString(params, field, domain);
        }
        if (json_object_object_get_ex(u, "login-time", &login)) {
            g_free(field);
            field = g_strdup_printf("user.%zu.login-time", i);
            /* the agent gives seconds as a double */
            vsTypedParamListAddULLong(params, field,
                                      json_object_get_double(login) * 1000);
        }
    }
}


/**
 * qemuGuestInfoFormatInterfaces:
 * @ifaces: #qemuStatsInterface entries from the agent
 * @params: receives "if.count" and "if.<n>.name", ".hwaddr",
 *   ".addr.count", ".addr.<m>.type", ".addr.<m>.addr", ".addr.<m>.prefix"
 */
void
qemuGuestInfoFormatInterfaces(GPtrArray *ifaces,
                              vsTypedParamList *params)
{
    size_t i;
    size_t j;

    vsTypedParamListAddUInt(params, "if.count", ifaces->len);
    for (i = 0; i < ifaces->len; i++) {
        const qemuStatsInterface *iface = g_ptr_array_index(ifaces, i);
        g_autofree char *prefix = g_strdup_printf("if.%zu", i);
        g_autofree char *field = g_strdup_printf("%s.name", prefix);

        vsTypedParamListAddString(params, field, iface->name);
        if (iface->hwaddr) {
            g_free(field);
            field = g_strdup_printf("%s.hwaddr", prefix);
            vsTypedParamListAddString(params, field, iface->hwaddr);
        }
        g_free(field);
        field = g_strdup_printf("%s.addr.count", prefix);
        vsTypedParamListAddUInt(params, field, iface->addrs->len);
        for (j = 0; j < iface->addrs->len; j++) {
            const qemuStatsIPAddress *a = g_ptr_array_index(iface->addrs, j);

            g_free(field);
            field = g_strdup_printf("%s.addr.%zu.type", prefix, j);
            vsTypedParamListAddString(params, field,
                                      a->type == 0 ? "ipv4" : "ipv6");
            g_free(field);
            field = g_strdup_printf("%s.addr.%zu.addr", prefix, j);
            vsTypedParamListAddString(params, field, a->addr);
            g_free(field);
            field = g_strdup_printf("%s.addr.%zu.prefix", prefix, j);
            vsTypedParamListAddUInt(params, field, a->prefix);
        }
    }
}


/* Run @execute; FALSE with @error set on failure, except that a command
 * the agent lacks is skipped (TRUE, *@ret NULL) unless @required. */
static gboolean
qemuGuestInfoAsk(qemuAgent *agent,
                 const char *execute,
                 gboolean required,
                 json_object **ret,
                 GError **error)
{
    g_autoptr(GError) err = NULL;

    *ret = NULL;
    if (qemuAgentCommand(agent, execute, NULL, ret, &err))
        return TRUE;
    if (!required &&
        g_error_matches(err, VS_ERROR_QEMU, VS_ERR_OPERATION_UNSUPPORTED))
        return TRUE;
    g_propagate_error(error, g_steal_pointer(&err));
    return FALSE;
}


/**
 * qemuGuestInfoCollect:
 * @agent: a synchronised agent
 * @types: QEMU_GUEST_INFO_* groups; 0: every group offered
 * @params: receives the groups' parameters
 * @error: return location for a #GError
 *
 * Returns: TRUE on success, FALSE with @error set.
 */
gboolean
qemuGuestInfoCollect(qemuAgent *agent,
                     unsigned int types,
                     vsTypedParamList *params,
                     GError **error)
{
    gboolean all = types == 0;
    json_object *ret = NULL;
    g_autoptr(GPtrArray) ifaces = NULL;

    if ((all || (types & QEMU_GUEST_INFO_USERS))) {
        if (!qemuGuestInfoAsk(agent, "guest-get-users", !all, &ret, error))
            return FALSE;
        if (ret)
            qemuGuestInfoParseUsers(ret, params);
        g_clear_pointer(&ret, json_object_put);
    }
    if ((all || (types & QEMU_GUEST_INFO_OS))) {
        if (!qemuGuestInfoAsk(agent, "guest-get-osinfo", !all, &ret, error))
            return FALSE;
        if (ret)
            qemuGuestInfoParseOS(ret, params);
        g_clear_pointer(&ret, json_object_put);
    }
    if ((all || (types & QEMU_GUEST_INFO_TIMEZONE))) {
        if (!qemuGuestInfoAsk(agent, "guest-get-timezone", !all, &ret, error))
            return FALSE;
        if (ret)
            qemuGuestInfoParseTimezone(ret, params);
        g_clear_pointer(&ret, json_object_put);
    }
    if ((all || (types & QEMU_GUEST_INFO_HOSTNAME))) {
        if (!qemuGuestInfoAsk(agent, "guest-get-host-name", !all, &ret, error))
            return FALSE;
        if (ret && qemuGuestInfoString(ret, "host-name"))
            vsTypedParamListAddString(params, "hostname",
                                      qemuGuestInfoString(ret, "host-name"));
        g_clear_pointer(&ret, json_object_put);
    }
    if ((all || (types & QEMU_GUEST_INFO_INTERFACES))) {
        if (!(ifaces = qemuAgentGetInterfaces(agent, error)))
            return FALSE;
        qemuGuestInfoFormatInterfaces(ifaces, params);
    }
    return TRUE;
}
