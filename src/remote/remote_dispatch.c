/*
 * remote_dispatch.c: libvirt's REMOTE program on top of the QEMU driver
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every handler reads its arguments in wire order (docs/protocol.md),
 * checks that nothing is left over, calls one driver entry point and
 * writes the return structure. Domains are named by the UUID inside the
 * nonnull_domain a client sends; its name and id may be stale.
 */

#include <config.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "remote_dispatch.h"
#include "remote_protocol.h"
#include "qemu_guest.h"
#include "qemu_stats.h"
#include "vsnetxdr.h"
#include "vserror.h"
#include "vslog.h"
#include "vsinternal.h"

VS_LOG_INIT("remote.dispatch");

typedef struct _remoteClient remoteClient;
struct _remoteClient {
    GMutex lock;
    gboolean open;
    gboolean readonly;
    gboolean closeCallback;
    char *uri;
};

struct _remoteProgram {
    qemuDriver *driver;
    gboolean keepalive;
    GMutex eventLock;
    GPtrArray *eventRegs;           /* remoteEventReg */
    GMutex consoleLock;
    GPtrArray *consoles;            /* remoteConsole */
    gint32 nextCallbackID;
};

typedef struct _remoteCall remoteCall;
struct _remoteCall {
    remoteProgram *prog;
    qemuDriver *driver;
    vsNetClient *client;
    remoteClient *priv;
    vsNetXdrReader args;
    guint32 serial;                 /* of the call, for streams it opens */
    GByteArray *ret;
};

typedef gboolean (*remoteHandler)(remoteCall *call, GError **error);

static void remoteEventsPruneLocked(remoteProgram *prog, vsNetClient *client);

typedef enum {
    REMOTE_PROC_PRE_OPEN = 1 << 0,  /* served before CONNECT_OPEN */
    REMOTE_PROC_PRIORITY = 1 << 1,  /* quick: never waits for a domain job */
    REMOTE_PROC_WRITE = 1 << 2,     /* refused on read-only connections */
} remoteProcFlags;

typedef struct _remoteProcEntry remoteProcEntry;
struct _remoteProcEntry {
    gint32 proc;
    remoteHandler handler;
    unsigned int flags;
    const char *api;                /* named in the read-only refusal */
};

/* Argument decoding failures; answered with the generic decode error. */
#define REMOTE_DECODE_ERROR (remoteDecodeErrorQuark())

static GQuark
remoteDecodeErrorQuark(void)
{
    return g_quark_from_static_string("remote-decode-error-quark");
}


static gboolean
remoteDecodeFailed(GError **error,
                   GError *detail)
{
    g_set_error_literal(error, REMOTE_DECODE_ERROR, VS_ERR_RPC,
                        detail ? detail->message : "");
    g_clear_error(&detail);
    return FALSE;
}


static gboolean
remoteArgU32(remoteCall *call,
             guint32 *value,
             GError **error)
{
    GError *detail = NULL;

    if (!vsNetXdrReadU32(&call->args, value, &detail))
        return remoteDecodeFailed(error, detail);
    return TRUE;
}


static gboolean
remoteArgI32(remoteCall *call,
             gint32 *value,
             GError **error)
{
    GError *detail = NULL;

    if (!vsNetXdrReadI32(&call->args, value, &detail))
        return remoteDecodeFailed(error, detail);
    return TRUE;
}


static char *
remoteArgString(remoteCall *call,
                GError **error)
{
    GError *detail = NULL;
    char *str;

    if (!(str = vsNetXdrReadString(&call->args, VS_NET_STRING_MAX, &detail)))
        remoteDecodeFailed(error, detail);
    return str;
}


static gboolean
remoteArgOptString(remoteCall *call,
                   char **value,
                   GError **error)
{
    GError *detail = NULL;

    if (!vsNetXdrReadOptString(&call->args, VS_NET_STRING_MAX, value, &detail))
        return remoteDecodeFailed(error, detail);
    return TRUE;
}


static gboolean
remoteArgDomain(remoteCall *call,
                unsigned char *uuid,
                GError **error)
{
    g_autofree char *name = NULL;
    GError *detail = NULL;
    gint32 id;

    if (!(name = vsNetXdrReadString(&call->args, VS_NET_STRING_MAX, &detail)) ||
        !vsNetXdrReadOpaqueFixed(&call->args, uuid, VS_UUID_BUFLEN, &detail) ||
        !vsNetXdrReadI32(&call->args, &id, &detail))
        return remoteDecodeFailed(error, detail);
    return TRUE;
}


static vsTypedParamList *
remoteArgParams(remoteCall *call,
                GError **error)
{
    GError *detail = NULL;
    vsTypedParamList *params;

    if (!(params = vsNetXdrReadTypedParams(&call->args, VS_NET_TYPED_PARAMS_MAX,
                                           &detail)))
        remoteDecodeFailed(error, detail);
    return params;
}


static gboolean
remoteArgEnd(remoteCall *call,
             GError **error)
{
    GError *detail = NULL;

    if (!vsNetXdrReadEnd(&call->args, &detail))
        return remoteDecodeFailed(error, detail);
    return TRUE;
}


/* The common shapes: (dom), (dom, flags) */
static gboolean
remoteArgsDomain(remoteCall *call,
                 unsigned char *uuid,
                 GError **error)
{
    return remoteArgDomain(call, uuid, error) && remoteArgEnd(call, error);
}


static gboolean
remoteArgsDomainFlags(remoteCall *call,
                      unsigned char *uuid,
                      guint32 *flags,
                      GError **error)
{
    return remoteArgDomain(call, uuid, error) &&
           remoteArgU32(call, flags, error) &&
           remoteArgEnd(call, error);
}


static void
remoteRetDomain(GByteArray *ret,
                const qemuDomainRef *dom)
{
    vsNetXdrWriteString(ret, dom->name);
    vsNetXdrWriteOpaqueFixed(ret, dom->uuid, VS_UUID_BUFLEN);
    vsNetXdrWriteI32(ret, dom->id);
}


/* Any result the driver reports as 0/1 or -1 with an error */
static gboolean
remoteRetBool(remoteCall *call,
              int value)
{
    if (value < 0)
        return FALSE;
    vsNetXdrWriteI32(call->ret, value);
    return TRUE;
}


/* ---- connection ---------------------------------------------------- */

/* The URI a client opened, as virConnectGetURI reports it: the default
 * (NULL or "") is the QEMU driver's system URI. Only the QEMU driver is
 * served; any other driver name gets libvirt's "no connection driver"
 * error, and the client library tries no further. */
static char *
remoteCanonicalURI(const char *name,
                   GError **error)
{
    g_autoptr(GUri) uri = NULL;
    const char *scheme;
    const char *path;

    if (!name || !*name)
        return g_strdup("qemu:///system");
    if (!(uri = g_uri_parse(name, G_URI_FLAGS_NONE, NULL)) ||
        !(scheme = g_uri_get_scheme(uri)) ||
        g_ascii_strcasecmp(scheme, "qemu") != 0 ||
        (g_uri_get_host(uri) && *g_uri_get_host(uri))) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_NO_CONNECT, "%s", name);
        return NULL;
    }
    path = g_uri_get_path(uri);
    if (!g_str_equal(path, "/system")) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_NO_CONNECT,
                    _("%s: virtsaved serves qemu:///system only"), name);
        return NULL;
    }
    return g_strdup("qemu:///system");
}


static gboolean
remoteConnectOpen(remoteCall *call,
                  GError **error)
{
    g_autofree char *name = NULL;
    g_autofree char *uri = NULL;
    guint32 flags;
    gboolean readonly;

    if (!remoteArgOptString(call, &name, error) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
        return FALSE;

    if (!(uri = remoteCanonicalURI(name, error)))
        return FALSE;
    readonly = (flags & 1) != 0;
    if (!readonly && !vsNetClientIsPrivileged(call->client)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_OPERATION_DENIED,
                    _("read-write access needs root or membership of the socket's group"));
        return FALSE;
    }

    g_mutex_lock(&call->priv->lock);
    if (call->priv->open) {
        g_mutex_unlock(&call->priv->lock);
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INTERNAL_ERROR,
                    _("connection already open"));
        return FALSE;
    }
    call->priv->open = TRUE;
    call->priv->readonly = readonly;
    vsNetClientSetAuthenticated(call->client);
    g_free(call->priv->uri);
    call->priv->uri = g_steal_pointer(&uri);
    g_mutex_unlock(&call->priv->lock);

    VS_DEBUG("client %" G_GUINT64_FORMAT ": opened%s",
             vsNetClientGetID(call->client), readonly ? " read-only" : "");
    return TRUE;
}


static gboolean
remoteConnectClose(remoteCall *call,
                   GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;

    g_mutex_lock(&call->priv->lock);
    call->priv->open = FALSE;
    g_mutex_unlock(&call->priv->lock);
    g_mutex_lock(&call->prog->eventLock);
    remoteEventsPruneLocked(call->prog, call->client);
    g_mutex_unlock(&call->prog->eventLock);
    /* like libvirtd: answer, then hang up */
    vsNetClientCloseAfterReplies(call->client);
    return TRUE;
}


static gboolean
remoteConnectGetType(remoteCall *call,
                     GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteString(call->ret, "QEMU");
    return TRUE;
}


static gboolean
remoteConnectGetVersion(remoteCall *call,
                        GError **error)
{
    unsigned long long version = 0;

    if (!remoteArgEnd(call, error) ||
        !qemuDriverGetVersion(call->driver, &version, error))
        return FALSE;
    vsNetXdrWriteU64(call->ret, version);
    return TRUE;
}


static gboolean
remoteConnectGetLibVersion(remoteCall *call,
                           GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteU64(call->ret, REMOTE_LIB_VERSION);
    return TRUE;
}


static gboolean
remoteConnectGetCapabilities(remoteCall *call,
                             GError **error)
{
    g_autofree char *caps = NULL;

    if (!remoteArgEnd(call, error) ||
        !(caps = qemuDriverGetCapabilities(call->driver, error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, caps);
    return TRUE;
}


static gboolean
remoteConnectGetHostname(remoteCall *call,
                         GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteString(call->ret, g_get_host_name());
    return TRUE;
}


static gboolean
remoteConnectGetURI(remoteCall *call,
                    GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    g_mutex_lock(&call->priv->lock);
    vsNetXdrWriteString(call->ret, call->priv->uri);
    g_mutex_unlock(&call->priv->lock);
    return TRUE;
}


static int
remoteFeatureSupported(remoteCall *call,
                       gint32 feature)
{
    switch (feature) {
    case REMOTE_FEATURE_TYPED_PARAM_STRING:
    case REMOTE_FEATURE_REMOTE_CLOSE_CALLBACK:
    case REMOTE_FEATURE_REMOTE_EVENT_CALLBACK:
    case REMOTE_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
        return 1;
    case REMOTE_FEATURE_PROGRAM_KEEPALIVE:
        return call->prog->keepalive ? 1 : 0;
    default:
        /* no migration or fd passing */
        return 0;
    }
}


static gboolean
remoteConnectSupportsFeature(remoteCall *call,
                             GError **error)
{
    gint32 feature;
    gboolean open;
    int supported;

    if (!remoteArgI32(call, &feature, error) || !remoteArgEnd(call, error))
        return FALSE;

    g_mutex_lock(&call->priv->lock);
    open = call->priv->open;
    g_mutex_unlock(&call->priv->lock);

    /* keepalive is negotiated before the open; nothing else is */
    if (!open && feature != REMOTE_FEATURE_PROGRAM_KEEPALIVE) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INTERNAL_ERROR,
                    _("hypervisor connection not open"));
        return FALSE;
    }

    supported = remoteFeatureSupported(call, feature);
    if (feature == REMOTE_FEATURE_PROGRAM_KEEPALIVE && supported)
        vsNetClientEnableKeepAlive(call->client);
    vsNetXdrWriteI32(call->ret, supported);
    return TRUE;
}


static gboolean
remoteAuthList(remoteCall *call,
               GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    /* one entry: REMOTE_AUTH_NONE; the socket's permissions do the rest */
    vsNetXdrWriteU32(call->ret, 1);
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteConnectCloseCallback(remoteCall *call,
                           GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    /* The daemon never closes a connection on its own initiative except
     * for keepalive timeouts, which the client notices by itself. */
    g_mutex_lock(&call->priv->lock);
    call->priv->closeCallback = TRUE;
    g_mutex_unlock(&call->priv->lock);
    return TRUE;
}


static gboolean
remoteNodeGetSecurityModel(remoteCall *call,
                           GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    /* no security driver: empty model and DOI, so clients skip labels */
    vsNetXdrWriteCharArray(call->ret, NULL);
    vsNetXdrWriteCharArray(call->ret, NULL);
    return TRUE;
}


/* ---- listing and lookup -------------------------------------------- */

static GPtrArray *
remoteListDomains(remoteCall *call,
                  unsigned int flags,
                  GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;

    if (!(doms = qemuDriverListDomains(call->driver, flags, error)))
        return NULL;
    if (doms->len > REMOTE_DOMAIN_LIST_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("too many domains (%u) for one reply"), doms->len);
        return NULL;
    }
    return g_steal_pointer(&doms);
}


static gboolean
remoteConnectListAllDomains(remoteCall *call,
                            GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;
    gint32 needResults;
    guint32 flags;
    size_t i;

    if (!remoteArgI32(call, &needResults, error) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error) ||
        !(doms = remoteListDomains(call, flags, error)))
        return FALSE;

    if (needResults) {
        vsNetXdrWriteU32(call->ret, doms->len);
        for (i = 0; i < doms->len; i++)
            remoteRetDomain(call->ret, doms->pdata[i]);
    } else {
        vsNetXdrWriteU32(call->ret, 0);
    }
    vsNetXdrWriteU32(call->ret, doms->len);
    return TRUE;
}


static gboolean
remoteCheckMaxNames(gint32 max,
                    GError **error)
{
    if (max < 0 || max > REMOTE_DOMAIN_LIST_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("requested %d names, more than the limit of %d"),
                    max, REMOTE_DOMAIN_LIST_MAX);
        return FALSE;
    }
    return TRUE;
}


static gboolean
remoteConnectListDomains(remoteCall *call,
                         GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;
    gint32 maxids;
    size_t n;
    size_t i;

    if (!remoteArgI32(call, &maxids, error) || !remoteArgEnd(call, error) ||
        !remoteCheckMaxNames(maxids, error) ||
        !(doms = remoteListDomains(call, VS_CONNECT_LIST_DOMAINS_ACTIVE,
                                   error)))
        return FALSE;

    n = MIN((size_t)maxids, doms->len);
    vsNetXdrWriteU32(call->ret, n);
    for (i = 0; i < n; i++)
        vsNetXdrWriteI32(call->ret, ((qemuDomainRef *)doms->pdata[i])->id);
    return TRUE;
}


static gboolean
remoteConnectListDefinedDomains(remoteCall *call,
                                GError **error)
{
    g_autoptr(GPtrArray) doms = NULL;
    gint32 maxnames;
    size_t n;
    size_t i;

    if (!remoteArgI32(call, &maxnames, error) || !remoteArgEnd(call, error) ||
        !remoteCheckMaxNames(maxnames, error) ||
        !(doms = remoteListDomains(call, VS_CONNECT_LIST_DOMAINS_INACTIVE,
                                   error)))
        return FALSE;

    n = MIN((size_t)maxnames, doms->len);
    vsNetXdrWriteU32(call->ret, n);
    for (i = 0; i < n; i++)
        vsNetXdrWriteString(call->ret, ((qemuDomainRef *)doms->pdata[i])->name);
    return TRUE;
}


static gboolean
remoteConnectNumOfDomains(remoteCall *call,
                          GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, qemuDriverNumOfDomains(call->driver, TRUE));
    return TRUE;
}


static gboolean
remoteConnectNumOfDefinedDomains(remoteCall *call,
                                 GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, qemuDriverNumOfDomains(call->driver, FALSE));
    return TRUE;
}


static gboolean
remoteDomainLookupByName(remoteCall *call,
                         GError **error)
{
    g_autofree char *name = NULL;
    g_autoptr(qemuDomainRef) dom = NULL;

    if (!(name = remoteArgString(call, error)) || !remoteArgEnd(call, error) ||
        !(dom = qemuDriverLookupByName(call->driver, name, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


static gboolean
remoteDomainLookupByUUID(remoteCall *call,
                         GError **error)
{
    g_autoptr(qemuDomainRef) dom = NULL;
    GError *detail = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];

    if (!vsNetXdrReadOpaqueFixed(&call->args, uuid, sizeof(uuid), &detail))
        return remoteDecodeFailed(error, detail);
    if (!remoteArgEnd(call, error) ||
        !(dom = qemuDriverLookupByUUID(call->driver, uuid, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


static gboolean
remoteDomainLookupByID(remoteCall *call,
                       GError **error)
{
    g_autoptr(qemuDomainRef) dom = NULL;
    gint32 id;

    if (!remoteArgI32(call, &id, error) || !remoteArgEnd(call, error) ||
        !(dom = qemuDriverLookupByID(call->driver, id, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


/* ---- definition and life cycle ------------------------------------- */

static gboolean
remoteDomainDefineXMLCommon(remoteCall *call,
                            gboolean hasFlags,
                            GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(qemuDomainRef) dom = NULL;
    guint32 flags = 0;

    if (!(xml = remoteArgString(call, error)) ||
        (hasFlags && !remoteArgU32(call, &flags, error)) ||
        !remoteArgEnd(call, error) ||
        !(dom = qemuDriverDefineXML(call->driver, xml, flags, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


static gboolean
remoteDomainDefineXML(remoteCall *call,
                      GError **error)
{
    return remoteDomainDefineXMLCommon(call, FALSE, error);
}


static gboolean
remoteDomainDefineXMLFlags(remoteCall *call,
                           GError **error)
{
    return remoteDomainDefineXMLCommon(call, TRUE, error);
}


static gboolean
remoteDomainCreateXML(remoteCall *call,
                      GError **error)
{
    g_autofree char *xml = NULL;
    g_autoptr(qemuDomainRef) dom = NULL;
    guint32 flags;

    if (!(xml = remoteArgString(call, error)) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(dom = qemuDriverCreateXML(call->driver, xml, flags, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


static gboolean
remoteDomainUndefineCommon(remoteCall *call,
                           gboolean hasFlags,
                           GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags = 0;

    if (!remoteArgDomain(call, uuid, error) ||
        (hasFlags && !remoteArgU32(call, &flags, error)) ||
        !remoteArgEnd(call, error))
        return FALSE;
    return qemuDriverUndefine(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainUndefine(remoteCall *call,
                     GError **error)
{
    return remoteDomainUndefineCommon(call, FALSE, error);
}


static gboolean
remoteDomainUndefineFlags(remoteCall *call,
                          GError **error)
{
    return remoteDomainUndefineCommon(call, TRUE, error);
}


static gboolean
remoteDomainCreate(remoteCall *call,
                   GError **error)
{
    g_autoptr(qemuDomainRef) dom = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];

    /* no return value: the client refreshes the id by UUID afterwards */
    if (!remoteArgsDomain(call, uuid, error) ||
        !(dom = qemuDriverStart(call->driver, uuid, 0, error)))
        return FALSE;
    return TRUE;
}


static gboolean
remoteDomainCreateWithFlags(remoteCall *call,
                            GError **error)
{
    g_autoptr(qemuDomainRef) dom = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !(dom = qemuDriverStart(call->driver, uuid, flags, error)))
        return FALSE;
    remoteRetDomain(call->ret, dom);
    return TRUE;
}


static gboolean
remoteDomainDestroy(remoteCall *call,
                    GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           qemuDriverDestroy(call->driver, uuid, 0, error);
}


static gboolean
remoteDomainDestroyFlags(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverDestroy(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainShutdown(remoteCall *call,
                     GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           qemuDriverShutdown(call->driver, uuid, 0, error);
}


static gboolean
remoteDomainShutdownFlags(remoteCall *call,
                          GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverShutdown(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainReboot(remoteCall *call,
                   GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverReboot(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainSuspend(remoteCall *call,
                    GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           qemuDriverSuspend(call->driver, uuid, error);
}


static gboolean
remoteDomainResume(remoteCall *call,
                   GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           qemuDriverResume(call->driver, uuid, error);
}


/* ---- domain queries ------------------------------------------------ */

static gboolean
remoteDomainGetInfo(remoteCall *call,
                    GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    qemuDomainInfo info = { 0 };

    if (!remoteArgsDomain(call, uuid, error) ||
        !qemuDriverGetInfo(call->driver, uuid, &info, error))
        return FALSE;
    vsNetXdrWriteU32(call->ret, (guint8)info.state);
    vsNetXdrWriteU64(call->ret, info.maxMem);
    vsNetXdrWriteU64(call->ret, info.memory);
    vsNetXdrWriteU32(call->ret, (guint16)info.nrVirtCpu);
    vsNetXdrWriteU64(call->ret, info.cpuTime);
    return TRUE;
}


static gboolean
remoteDomainGetState(remoteCall *call,
                     GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;
    int state = 0;
    int reason = 0;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !qemuDriverGetState(call->driver, uuid, &state, &reason, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, state);
    vsNetXdrWriteI32(call->ret, reason);
    return TRUE;
}


static gboolean
remoteDomainGetXMLDesc(remoteCall *call,
                       GError **error)
{
    g_autofree char *xml = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;
    gboolean readonly;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error))
        return FALSE;

    g_mutex_lock(&call->priv->lock);
    readonly = call->priv->readonly;
    g_mutex_unlock(&call->priv->lock);
    if (readonly && (flags & VS_DOMAIN_XML_SECURE)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_OPERATION_DENIED,
                    _("virDomainGetXMLDesc with secure flag"));
        return FALSE;
    }

    if (!(xml = qemuDriverGetXMLDesc(call->driver, uuid, flags, error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, xml);
    return TRUE;
}


/* For queries that only need the domain to exist. */
static gboolean
remoteDomainCheckExists(remoteCall *call,
                        const unsigned char *uuid,
                        GError **error)
{
    g_autoptr(qemuDomainRef) dom = qemuDriverLookupByUUID(call->driver, uuid,
                                                          error);

    return dom != NULL;
}


static gboolean
remoteDomainGetOSType(remoteCall *call,
                      GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    if (!remoteArgsDomain(call, uuid, error) ||
        !remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    /* the driver runs full-virtualisation guests only */
    vsNetXdrWriteString(call->ret, "hvm");
    return TRUE;
}


static gboolean
remoteDomainIsActive(remoteCall *call,
                     GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           remoteRetBool(call, qemuDriverIsActive(call->driver, uuid, error));
}


static gboolean
remoteDomainIsPersistent(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           remoteRetBool(call, qemuDriverIsPersistent(call->driver, uuid,
                                                      error));
}


static gboolean
remoteDomainGetAutostart(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           remoteRetBool(call, qemuDriverGetAutostart(call->driver, uuid,
                                                      error));
}


static gboolean
remoteDomainSetAutostart(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    gint32 autostart;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgI32(call, &autostart, error) &&
           remoteArgEnd(call, error) &&
           qemuDriverSetAutostart(call->driver, uuid, autostart != 0, error);
}


static gboolean
remoteDomainGetAutostartOnce(remoteCall *call,
                             GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           remoteRetBool(call, qemuDriverGetAutostartOnce(call->driver, uuid,
                                                          error));
}


static gboolean
remoteDomainSetAutostartOnce(remoteCall *call,
                             GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    gint32 once;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgI32(call, &once, error) &&
           remoteArgEnd(call, error) &&
           qemuDriverSetAutostartOnce(call->driver, uuid, once != 0, error);
}


/* DOMAIN_SNAPSHOT_NUM and DOMAIN_HAS_CURRENT_SNAPSHOT: both take (dom,
 * flags) and answer an int, 0 since snapshots are not supported. */
static gboolean
remoteDomainSnapshotNum(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    /* snapshots are not supported, so there are none */
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteDomainGetMessages(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    /* no tainting or deprecation messages are tracked */
    vsNetXdrWriteU32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteDomainGetSecurityLabel(remoteCall *call,
                             GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    if (!remoteArgsDomain(call, uuid, error) ||
        !remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    vsNetXdrWriteCharArray(call->ret, NULL);
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


/* ---- save and restore ---------------------------------------------- */

static gboolean
remoteDomainSave(remoteCall *call,
                 GError **error)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autofree char *to = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];

    if (!remoteArgDomain(call, uuid, error) ||
        !(to = remoteArgString(call, error)) ||
        !remoteArgEnd(call, error))
        return FALSE;
    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, to);
    return qemuDriverSave(call->driver, uuid, params, 0, error);
}


static gboolean
remoteDomainSaveFlags(remoteCall *call,
                      GError **error)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autofree char *to = NULL;
    g_autofree char *dxml = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !(to = remoteArgString(call, error)) ||
        !remoteArgOptString(call, &dxml, error) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
        return FALSE;
    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, to);
    if (dxml)
        vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_DXML, dxml);
    return qemuDriverSave(call->driver, uuid, params, flags, error);
}


static gboolean
remoteDomainSaveParams(remoteCall *call,
                       GError **error)
{
    g_autoptr(vsTypedParamList) params = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !(params = remoteArgParams(call, error)) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
        return FALSE;
    return qemuDriverSave(call->driver, uuid, params, flags, error);
}


static gboolean
remoteDomainRestore(remoteCall *call,
                    GError **error)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autofree char *from = NULL;

    if (!(from = remoteArgString(call, error)) || !remoteArgEnd(call, error))
        return FALSE;
    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, from);
    return qemuDriverRestore(call->driver, params, 0, error);
}


static gboolean
remoteDomainRestoreFlags(remoteCall *call,
                         GError **error)
{
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autofree char *from = NULL;
    g_autofree char *dxml = NULL;
    guint32 flags;

    if (!(from = remoteArgString(call, error)) ||
        !remoteArgOptString(call, &dxml, error) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
        return FALSE;
    vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_FILE, from);
    if (dxml)
        vsTypedParamListAddString(params, VS_DOMAIN_SAVE_PARAM_DXML, dxml);
    return qemuDriverRestore(call->driver, params, flags, error);
}


static gboolean
remoteDomainRestoreParams(remoteCall *call,
                          GError **error)
{
    g_autoptr(vsTypedParamList) params = NULL;
    guint32 flags;

    if (!(params = remoteArgParams(call, error)) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
        return FALSE;
    return qemuDriverRestore(call->driver, params, flags, error);
}


static gboolean
remoteDomainManagedSave(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverManagedSave(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainHasManagedSaveImage(remoteCall *call,
                                GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           remoteRetBool(call, qemuDriverHasManagedSaveImage(call->driver, uuid,
                                                             flags, error));
}


static gboolean
remoteDomainManagedSaveRemove(remoteCall *call,
                              GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverManagedSaveRemove(call->driver, uuid, flags, error);
}


static gboolean
remoteDomainManagedSaveGetXMLDesc(remoteCall *call,
                                  GError **error)
{
    g_autofree char *xml = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !(xml = qemuDriverManagedSaveGetXMLDesc(call->driver, uuid, flags,
                                                error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, xml);
    return TRUE;
}


static gboolean
remoteDomainManagedSaveDefineXML(remoteCall *call,
                                 GError **error)
{
    g_autofree char *dxml = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgOptString(call, &dxml, error) &&
           remoteArgU32(call, &flags, error) &&
           remoteArgEnd(call, error) &&
           qemuDriverManagedSaveDefineXML(call->driver, uuid, dxml, flags,
                                          error);
}


static gboolean
remoteDomainSaveImageGetXMLDesc(remoteCall *call,
                                GError **error)
{
    g_autofree char *file = NULL;
    g_autofree char *xml = NULL;
    guint32 flags;

    if (!(file = remoteArgString(call, error)) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(xml = qemuDriverSaveImageGetXMLDesc(call->driver, file, flags,
                                              error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, xml);
    return TRUE;
}


static gboolean
remoteDomainSaveImageDefineXML(remoteCall *call,
                               GError **error)
{
    g_autofree char *file = NULL;
    g_autofree char *dxml = NULL;
    guint32 flags;

    return (file = remoteArgString(call, error)) &&
           (dxml = remoteArgString(call, error)) &&
           remoteArgU32(call, &flags, error) &&
           remoteArgEnd(call, error) &&
           qemuDriverSaveImageDefineXML(call->driver, file, dxml, flags, error);
}


/* ---- jobs ---------------------------------------------------------- */

static gboolean
remoteDomainGetJobStats(remoteCall *call,
                        GError **error)
{
    g_autoptr(vsTypedParamList) params = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;
    int type = VS_DOMAIN_JOB_NONE;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !qemuDriverGetJobStats(call->driver, uuid, flags, &type, &params,
                               error))
        return FALSE;
    if (params && params->nparams > VS_NET_TYPED_PARAMS_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("too many job statistics (%zu) for one reply"),
                    params->nparams);
        return FALSE;
    }
    vsNetXdrWriteI32(call->ret, type);
    vsNetXdrWriteTypedParams(call->ret, params);
    return TRUE;
}


static void
remoteRetJobField(remoteCall *call,
                  const vsTypedParamList *params,
                  const char *field)
{
    unsigned long long value = 0;

    /* fields a job does not report are 0, as in virDomainJobInfo */
    if (!params || vsTypedParamListGetULLong(params, field, &value, NULL) <= 0)
        value = 0;
    vsNetXdrWriteU64(call->ret, value);
}


static gboolean
remoteDomainGetJobInfo(remoteCall *call,
                       GError **error)
{
    static const char *const fields[] = {
        "time_elapsed", "time_remaining",
        "data_total", "data_processed", "data_remaining",
        "memory_total", "memory_processed", "memory_remaining",
        "file_total", "file_processed", "file_remaining",
    };
    g_autoptr(vsTypedParamList) params = NULL;
    unsigned char uuid[VS_UUID_BUFLEN];
    int type = VS_DOMAIN_JOB_NONE;
    size_t i;

    if (!remoteArgsDomain(call, uuid, error) ||
        !qemuDriverGetJobStats(call->driver, uuid, 0, &type, &params, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, type);
    for (i = 0; i < G_N_ELEMENTS(fields); i++)
        remoteRetJobField(call, params, fields[i]);
    return TRUE;
}


static gboolean
remoteDomainAbortJob(remoteCall *call,
                     GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           qemuDriverAbortJob(call->driver, uuid, 0, error);
}


static gboolean
remoteDomainAbortJobFlags(remoteCall *call,
                          GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;

    return remoteArgsDomainFlags(call, uuid, &flags, error) &&
           qemuDriverAbortJob(call->driver, uuid, flags, error);
}


/* ---- domain events --------------------------------------------------
 *
 * A client registers per event ID, for one domain or all; the driver
 * reports lifecycle events through remoteEventEmit() and each matching
 * registration gets an asynchronous MESSAGE on its connection: proc 318
 * with the callback ID (virConnectDomainEventRegisterAny, as virsh and
 * the bindings use it), or proc 107 for the legacy registration.
 * Registrations end with the deregistration, the connection's close
 * procedure, or, found at the next event, the connection going away.
 */

typedef struct _remoteEventReg remoteEventReg;
typedef enum {
    REMOTE_EVENT_OBJECT_DOMAIN = 0,
    REMOTE_EVENT_OBJECT_NETWORK,
    REMOTE_EVENT_OBJECT_STORAGE_POOL,
    REMOTE_EVENT_OBJECT_NODE_DEVICE,
    REMOTE_EVENT_OBJECT_SECRET,
} remoteEventObject;

struct _remoteEventReg {
    vsNetClient *client;            /* a reference */
    remoteEventObject object;
    gint32 callbackID;
    gint32 eventID;
    gboolean legacy;
    gboolean anyDomain;
    unsigned char uuid[VS_UUID_BUFLEN];
};


static void
remoteEventRegFree(remoteEventReg *reg)
{
    vsNetClientUnref(reg->client);
    g_free(reg);
}


/* Drop the registrations of @client, or with @client NULL those of
 * connections that are gone. Called with prog->eventLock held. */
static void
remoteEventsPruneLocked(remoteProgram *prog,
                        vsNetClient *client)
{
    guint i = 0;

    while (i < prog->eventRegs->len) {
        remoteEventReg *reg = g_ptr_array_index(prog->eventRegs, i);

        if (client ? reg->client == client : vsNetClientIsClosed(reg->client))
            g_ptr_array_remove_index(prog->eventRegs, i);
        else
            i++;
    }
}


/* The driver's listener: runs with the domain locked, so it only queues. */
static void
remoteEventEmit(const qemuDomainRef *dom,
                int event,
                int detail,
                gpointer opaque)
{
    remoteProgram *prog = opaque;
    guint i;

    g_mutex_lock(&prog->eventLock);
    remoteEventsPruneLocked(prog, NULL);
    for (i = 0; i < prog->eventRegs->len; i++) {
        remoteEventReg *reg = g_ptr_array_index(prog->eventRegs, i);
        g_autoptr(vsNetMessage) msg = NULL;

        if (reg->object != REMOTE_EVENT_OBJECT_DOMAIN ||
            reg->eventID != REMOTE_DOMAIN_EVENT_ID_LIFECYCLE ||
            (!reg->anyDomain && memcmp(reg->uuid, dom->uuid, VS_UUID_BUFLEN)))
            continue;
        msg = vsNetMessageNew();
        msg->header.prog = VS_NET_PROGRAM_REMOTE;
        msg->header.vers = VS_NET_PROGRAM_VERSION;
        msg->header.type = VS_NET_MESSAGE_MESSAGE;
        /* clients ignore an event's serial; libvirtd sends 1 */
        msg->header.serial = 1;
        msg->header.status = VS_NET_MESSAGE_STATUS_OK;
        if (reg->legacy) {
            msg->header.proc = REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE;
        } else {
            msg->header.proc = REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE;
            vsNetXdrWriteI32(msg->payload, reg->callbackID);
        }
        remoteRetDomain(msg->payload, dom);
        vsNetXdrWriteI32(msg->payload, event);
        vsNetXdrWriteI32(msg->payload, detail);
        vsNetClientQueueMessage(reg->client, msg);
    }
    g_mutex_unlock(&prog->eventLock);
}


static gint32
remoteEventRegister(remoteCall *call,
                    remoteEventObject object,
                    gint32 eventID,
                    gboolean legacy,
                    const unsigned char *uuid)
{
    remoteProgram *prog = call->prog;
    remoteEventReg *reg = g_new0(remoteEventReg, 1);

    reg->client = vsNetClientRef(call->client);
    reg->object = object;
    reg->eventID = eventID;
    reg->legacy = legacy;
    reg->anyDomain = uuid == NULL;
    if (uuid)
        memcpy(reg->uuid, uuid, VS_UUID_BUFLEN);

    g_mutex_lock(&prog->eventLock);
    remoteEventsPruneLocked(prog, NULL);
    reg->callbackID = prog->nextCallbackID++;
    g_ptr_array_add(prog->eventRegs, reg);
    g_mutex_unlock(&prog->eventLock);
    VS_DEBUG("client %" G_GUINT64_FORMAT ": events %d registered as callback %d",
             vsNetClientGetID(call->client), eventID, reg->callbackID);
    return reg->callbackID;
}


static gboolean
remoteConnectDomainEventCallbackRegisterAny(remoteCall *call,
                                            GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 hasDomain;
    gint32 eventID;

    if (!remoteArgI32(call, &eventID, error) ||
        !remoteArgU32(call, &hasDomain, error) ||
        (hasDomain && !remoteArgDomain(call, uuid, error)) ||
        !remoteArgEnd(call, error) ||
        (hasDomain && !remoteDomainCheckExists(call, uuid, error)))
        return FALSE;
    if (eventID < 0 || eventID >= REMOTE_DOMAIN_EVENT_ID_LAST) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INVALID_ARG,
                    _("unsupported event ID %d"), eventID);
        return FALSE;
    }
    vsNetXdrWriteI32(call->ret, remoteEventRegister(call,
                                                    REMOTE_EVENT_OBJECT_DOMAIN,
                                                    eventID, FALSE,
                                                    hasDomain ? uuid : NULL));
    return TRUE;
}


/* Events of networks, storage pools, node devices and secrets: virtsaved
 * has none of those objects, so a registration is accepted (management
 * tools register at connect time) and nothing is ever sent on it. */
static gboolean
remoteObjectEventRegister(remoteCall *call,
                          remoteEventObject object,
                          GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *name = NULL;
    GError *detail = NULL;
    guint32 present;
    gint32 eventID;
    gint32 usageType;

    if (!remoteArgI32(call, &eventID, error) ||
        !remoteArgU32(call, &present, error))
        return FALSE;
    if (present) {
        gboolean ok;

        switch (object) {
        case REMOTE_EVENT_OBJECT_NETWORK:
        case REMOTE_EVENT_OBJECT_STORAGE_POOL:
            ok = (name = remoteArgString(call, error)) &&
                 vsNetXdrReadOpaqueFixed(&call->args, uuid, VS_UUID_BUFLEN,
                                         &detail);
            break;
        case REMOTE_EVENT_OBJECT_NODE_DEVICE:
            ok = (name = remoteArgString(call, error)) != NULL;
            break;
        case REMOTE_EVENT_OBJECT_SECRET:
            ok = vsNetXdrReadOpaqueFixed(&call->args, uuid, VS_UUID_BUFLEN,
                                         &detail) &&
                 remoteArgI32(call, &usageType, error) &&
                 (name = remoteArgString(call, error));
            break;
        case REMOTE_EVENT_OBJECT_DOMAIN:
        default:
            ok = FALSE;
            break;
        }
        if (detail)
            return remoteDecodeFailed(error, detail);
        if (!ok)
            return FALSE;
    }
    if (!remoteArgEnd(call, error))
        return FALSE;
    if (present) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_NO_SUPPORT,
                    _("virtsaved manages no networks, storage pools, node devices or secrets"));
        return FALSE;
    }
    vsNetXdrWriteI32(call->ret,
                     remoteEventRegister(call, object, eventID, FALSE, NULL));
    return TRUE;
}


static gboolean
remoteConnectNetworkEventRegisterAny(remoteCall *call,
                                     GError **error)
{
    return remoteObjectEventRegister(call, REMOTE_EVENT_OBJECT_NETWORK, error);
}


static gboolean
remoteConnectStoragePoolEventRegisterAny(remoteCall *call,
                                         GError **error)
{
    return remoteObjectEventRegister(call, REMOTE_EVENT_OBJECT_STORAGE_POOL,
                                     error);
}


static gboolean
remoteConnectNodeDeviceEventRegisterAny(remoteCall *call,
                                        GError **error)
{
    return remoteObjectEventRegister(call, REMOTE_EVENT_OBJECT_NODE_DEVICE,
                                     error);
}


static gboolean
remoteConnectSecretEventRegisterAny(remoteCall *call,
                                    GError **error)
{
    return remoteObjectEventRegister(call, REMOTE_EVENT_OBJECT_SECRET, error);
}


/* Ends a registration of any callback-style kind by its ID. */
static gboolean
remoteConnectDomainEventCallbackDeregisterAny(remoteCall *call,
                                              GError **error)
{
    remoteProgram *prog = call->prog;
    gboolean found = FALSE;
    gint32 callbackID;
    guint i;

    if (!remoteArgI32(call, &callbackID, error) || !remoteArgEnd(call, error))
        return FALSE;
    g_mutex_lock(&prog->eventLock);
    for (i = 0; i < prog->eventRegs->len && !found; i++) {
        remoteEventReg *reg = g_ptr_array_index(prog->eventRegs, i);

        if (reg->client == call->client && reg->callbackID == callbackID &&
            !reg->legacy) {
            g_ptr_array_remove_index(prog->eventRegs, i);
            found = TRUE;
        }
    }
    g_mutex_unlock(&prog->eventLock);
    if (!found) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INVALID_ARG,
                    _("event callback %d not registered"), callbackID);
        return FALSE;
    }
    return TRUE;
}


/* virConnectDomainEventRegister: lifecycle events of every domain. */
static gboolean
remoteConnectDomainEventRegister(remoteCall *call,
                                 GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    remoteEventRegister(call, REMOTE_EVENT_OBJECT_DOMAIN,
                        REMOTE_DOMAIN_EVENT_ID_LIFECYCLE, TRUE, NULL);
    vsNetXdrWriteI32(call->ret, 1);
    return TRUE;
}


static gboolean
remoteConnectDomainEventDeregister(remoteCall *call,
                                   GError **error)
{
    remoteProgram *prog = call->prog;
    guint i = 0;

    if (!remoteArgEnd(call, error))
        return FALSE;
    g_mutex_lock(&prog->eventLock);
    while (i < prog->eventRegs->len) {
        remoteEventReg *reg = g_ptr_array_index(prog->eventRegs, i);

        if (reg->client == call->client && reg->legacy)
            g_ptr_array_remove_index(prog->eventRegs, i);
        else
            i++;
    }
    g_mutex_unlock(&prog->eventLock);
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


/* ---- consoles -------------------------------------------------------
 *
 * virDomainOpenConsole: the call's reply opens a stream on the call's
 * serial; afterwards the pty's output goes to the client as STREAM
 * messages (status CONTINUE), and the client's STREAM messages are
 * written to the pty. The client ends it with a STREAM status OK (we
 * answer OK) or ERROR (abort); the domain's end (pty hang-up) ends it
 * with STREAM status OK, which clients read as end of file. One console
 * per domain; VIR_DOMAIN_CONSOLE_FORCE takes it over.
 */

#define REMOTE_CONSOLE_FORCE (1 << 0)
#define REMOTE_CONSOLE_SAFE (1 << 1)
#define REMOTE_CONSOLE_CHUNK 65536

typedef struct _remoteConsole remoteConsole;
struct _remoteConsole {
    remoteProgram *prog;
    vsNetClient *client;            /* a reference */
    guint32 serial;
    unsigned char uuid[VS_UUID_BUFLEN];
    int fd;
    GSource *source;                /* NULL until the reply went out */
};


static void
remoteConsoleSend(remoteConsole *con,
                  guint32 status,
                  const void *data,
                  size_t len)
{
    g_autoptr(vsNetMessage) msg = vsNetMessageNew();

    msg->header.prog = VS_NET_PROGRAM_REMOTE;
    msg->header.vers = VS_NET_PROGRAM_VERSION;
    msg->header.proc = REMOTE_PROC_DOMAIN_OPEN_CONSOLE;
    msg->header.type = VS_NET_MESSAGE_STREAM;
    msg->header.serial = con->serial;
    msg->header.status = status;
    if (len)
        g_byte_array_append(msg->payload, data, len);
    vsNetClientQueueMessage(con->client, msg);
}


/* Drop @con from the registry and release it. @why NULL: the client
 * ended the stream, or "" after its finish, which is confirmed; else the
 * stream fails on the client's side with @why. Called with
 * prog->consoleLock held. */
static void
remoteConsoleCloseLocked(remoteConsole *con,
                         const char *why)
{
    remoteProgram *prog = con->prog;

    g_ptr_array_remove_fast(prog->consoles, con);
    if (why && !*why) {
        remoteConsoleSend(con, VS_NET_MESSAGE_STATUS_OK, NULL, 0);
    } else if (why) {
        g_autoptr(vsNetMessage) msg = vsNetMessageNew();

        msg->header.prog = VS_NET_PROGRAM_REMOTE;
        msg->header.vers = VS_NET_PROGRAM_VERSION;
        msg->header.proc = REMOTE_PROC_DOMAIN_OPEN_CONSOLE;
        msg->header.type = VS_NET_MESSAGE_STREAM;
        msg->header.serial = con->serial;
        vsNetMessageSetError(msg, VS_ERR_OPERATION_FAILED,
                             vsErrorDomainToNumber(VS_ERROR_RPC), why);
        vsNetClientQueueMessage(con->client, msg);
    }
    if (con->source) {
        g_source_destroy(con->source);
        g_source_unref(con->source);
    }
    VS_DEBUG("client %" G_GUINT64_FORMAT ": console stream %u closed",
             vsNetClientGetID(con->client), con->serial);
    close(con->fd);
    vsNetClientUnref(con->client);
    g_free(con);
}


static remoteConsole *
remoteConsoleFindLocked(remoteProgram *prog,
                        vsNetClient *client,
                        guint32 serial)
{
    guint i;

    for (i = 0; i < prog->consoles->len; i++) {
        remoteConsole *con = g_ptr_array_index(prog->consoles, i);

        if (con->client == client && con->serial == serial)
            return con;
    }
    return NULL;
}


/* The pty has output or hung up (I/O thread). */
static gboolean
remoteConsoleReadable(gint fd,
                      GIOCondition cond,
                      gpointer opaque)
{
    remoteConsole *con = opaque;
    remoteProgram *prog = con->prog;
    guint8 buf[REMOTE_CONSOLE_CHUNK];
    gboolean keep = TRUE;
    ssize_t n;

    g_mutex_lock(&prog->consoleLock);
    if (vsNetClientIsClosed(con->client)) {
        remoteConsoleCloseLocked(con, NULL);
        keep = FALSE;
    } else if ((n = read(fd, buf, sizeof(buf))) > 0) {
        remoteConsoleSend(con, VS_NET_MESSAGE_STATUS_CONTINUE, buf, n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* EIO: QEMU closed its side, the domain is gone */
        remoteConsoleCloseLocked(con, _("operation failed: the domain's console closed"));
        keep = FALSE;
    }
    g_mutex_unlock(&prog->consoleLock);
    return keep ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}


/* Write all of @data to the pty, waiting a little when it is full. */
static void
remoteConsoleWrite(remoteConsole *con,
                   const guint8 *data,
                   size_t len)
{
    while (len > 0) {
        ssize_t n = write(con->fd, data, len);

        if (n > 0) {
            data += n;
            len -= n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            g_usleep(1000);
        } else {
            return;
        }
    }
}


/* A STREAM message from a client (I/O thread). */
static void
remoteConsoleStream(vsNetClient *client,
                    const vsNetMessage *msg,
                    gpointer opaque)
{
    remoteProgram *prog = opaque;
    remoteConsole *con;

    g_mutex_lock(&prog->consoleLock);
    if (msg->header.proc != REMOTE_PROC_DOMAIN_OPEN_CONSOLE ||
        !(con = remoteConsoleFindLocked(prog, client, msg->header.serial))) {
        g_mutex_unlock(&prog->consoleLock);
        VS_DEBUG("client %" G_GUINT64_FORMAT ": stray stream message "
                 "proc %d serial %u", vsNetClientGetID(client),
                 msg->header.proc, msg->header.serial);
        return;
    }
    switch (msg->header.status) {
    case VS_NET_MESSAGE_STATUS_CONTINUE:
        remoteConsoleWrite(con, msg->payload->data, msg->payload->len);
        break;
    case VS_NET_MESSAGE_STATUS_OK:
        /* the client finished: confirm */
        remoteConsoleCloseLocked(con, "");
        break;
    default:
        /* the client aborted */
        remoteConsoleCloseLocked(con, NULL);
        break;
    }
    g_mutex_unlock(&prog->consoleLock);
}


/* After the reply to DOMAIN_OPEN_CONSOLE: start relaying (worker). */
static void
remoteConsoleReplied(vsNetClient *client,
                     const vsNetMessageHeader *call,
                     gpointer opaque)
{
    remoteProgram *prog = opaque;
    remoteConsole *con;

    if (call->proc != REMOTE_PROC_DOMAIN_OPEN_CONSOLE)
        return;
    g_mutex_lock(&prog->consoleLock);
    if ((con = remoteConsoleFindLocked(prog, client, call->serial)) &&
        !con->source) {
        con->source = g_unix_fd_source_new(con->fd,
                                           G_IO_IN | G_IO_HUP | G_IO_ERR);
        g_source_set_callback(con->source, G_SOURCE_FUNC(remoteConsoleReadable),
                              con, NULL);
        g_source_attach(con->source, vsNetClientGetContext(client));
    }
    g_mutex_unlock(&prog->consoleLock);
}


static gboolean
remoteDomainOpenConsole(remoteCall *call,
                        GError **error)
{
    remoteProgram *prog = call->prog;
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *devname = NULL;
    remoteConsole *con = NULL;
    guint32 flags;
    guint i;
    int fd;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgOptString(call, &devname, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    if (flags & ~(REMOTE_CONSOLE_FORCE | REMOTE_CONSOLE_SAFE)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"),
                    flags & ~(REMOTE_CONSOLE_FORCE | REMOTE_CONSOLE_SAFE),
                    "virDomainOpenConsole");
        return FALSE;
    }
    if ((fd = qemuDriverOpenConsole(call->driver, uuid, devname, error)) < 0)
        return FALSE;

    g_mutex_lock(&prog->consoleLock);
    for (i = 0; i < prog->consoles->len; i++) {
        remoteConsole *other = g_ptr_array_index(prog->consoles, i);

        if (memcmp(other->uuid, uuid, VS_UUID_BUFLEN) == 0 &&
            !vsNetClientIsClosed(other->client)) {
            con = other;
            break;
        }
    }
    if (con && !(flags & REMOTE_CONSOLE_FORCE)) {
        g_mutex_unlock(&prog->consoleLock);
        close(fd);
        g_set_error(error, VS_ERROR_RPC, VS_ERR_OPERATION_FAILED,
                    _("Active console session exists for this domain"));
        return FALSE;
    }
    if (con)
        remoteConsoleCloseLocked(con, _("operation failed: the console was taken over by another session"));

    con = g_new0(remoteConsole, 1);
    con->prog = prog;
    con->client = vsNetClientRef(call->client);
    con->serial = call->serial;
    memcpy(con->uuid, uuid, VS_UUID_BUFLEN);
    con->fd = fd;
    g_ptr_array_add(prog->consoles, con);
    g_mutex_unlock(&prog->consoleLock);
    return TRUE;
}


/* ---- host ---------------------------------------------------------- */

/* A count a client asks for, within the protocol's limit. */
static gboolean
remoteCheckCount(gint32 n,
                 gint32 max,
                 GError **error)
{
    if (n < 0 || n > max) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("requested %d items, outside the limit of %d"), n, max);
        return FALSE;
    }
    return TRUE;
}


static gboolean
remoteConnectGetMaxVcpus(remoteCall *call,
                         GError **error)
{
    g_autofree char *type = NULL;
    int max;

    if (!remoteArgOptString(call, &type, error) || !remoteArgEnd(call, error) ||
        (max = qemuDriverConnectGetMaxVcpus(call->driver, type, error)) < 0)
        return FALSE;
    vsNetXdrWriteI32(call->ret, max);
    return TRUE;
}


static gboolean
remoteNodeGetInfo(remoteCall *call,
                  GError **error)
{
    qemuHostNodeInfo info;
    size_t i;

    if (!remoteArgEnd(call, error) ||
        !qemuDriverNodeGetInfo(call->driver, &info, error))
        return FALSE;
    /* char model[32]: a fixed array, each char an XDR int */
    for (i = 0; i < sizeof(info.model); i++)
        vsNetXdrWriteI32(call->ret, (gint32)(signed char)info.model[i]);
    vsNetXdrWriteU64(call->ret, info.memory);
    vsNetXdrWriteI32(call->ret, info.cpus);
    vsNetXdrWriteI32(call->ret, info.mhz);
    vsNetXdrWriteI32(call->ret, info.nodes);
    vsNetXdrWriteI32(call->ret, info.sockets);
    vsNetXdrWriteI32(call->ret, info.cores);
    vsNetXdrWriteI32(call->ret, info.threads);
    return TRUE;
}


/* The (field, value) reply of node CPU and memory statistics: with
 * @nparams 0 the client asks how many there are. */
static void
remoteRetHostStats(remoteCall *call,
                   const qemuHostStat *stats,
                   int n,
                   gint32 nparams)
{
    int count = nparams == 0 ? 0 : MIN(n, nparams);
    int i;

    vsNetXdrWriteU32(call->ret, count);
    for (i = 0; i < count; i++) {
        vsNetXdrWriteString(call->ret, stats[i].field);
        vsNetXdrWriteU64(call->ret, stats[i].value);
    }
    vsNetXdrWriteI32(call->ret, nparams == 0 ? n : count);
}


static gboolean
remoteNodeGetCPUStats(remoteCall *call,
                      GError **error)
{
    qemuHostStat stats[QEMU_HOST_CPU_STATS_MAX];
    gint32 cpuNum;
    gint32 nparams;
    guint32 flags;
    int n;

    if (!remoteArgI32(call, &cpuNum, error) ||
        !remoteArgI32(call, &nparams, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !remoteCheckCount(nparams, REMOTE_NODE_CPU_STATS_MAX, error) ||
        (n = qemuDriverNodeGetCPUStats(cpuNum, stats, error)) < 0)
        return FALSE;
    remoteRetHostStats(call, stats, n, nparams);
    return TRUE;
}


static gboolean
remoteNodeGetMemoryStats(remoteCall *call,
                         GError **error)
{
    qemuHostStat stats[QEMU_HOST_MEMORY_STATS_MAX];
    gint32 nparams;
    gint32 cellNum;
    guint32 flags;
    int n;

    if (!remoteArgI32(call, &nparams, error) ||
        !remoteArgI32(call, &cellNum, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !remoteCheckCount(nparams, REMOTE_NODE_MEMORY_STATS_MAX, error) ||
        (n = qemuDriverNodeGetMemoryStats(cellNum, stats, error)) < 0)
        return FALSE;
    remoteRetHostStats(call, stats, n, nparams);
    return TRUE;
}


/* virNodeGetCPUMap: the online CPUs as a bitmap, their count, and how
 * many CPUs the host has. */
static gboolean
remoteNodeGetCPUMap(remoteCall *call,
                    GError **error)
{
    g_autofree guint8 *map = NULL;
    gint32 needMap;
    gint32 needOnline;
    guint32 flags;
    guint32 online = 0;
    long present = sysconf(_SC_NPROCESSORS_CONF);
    gsize maplen;
    long cpu;

    if (!remoteArgI32(call, &needMap, error) ||
        !remoteArgI32(call, &needOnline, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    if (present <= 0) {
        vsSetErrorErrno(error, VS_ERROR_RPC, VS_ERR_SYSTEM_ERROR, errno,
                        _("cannot count the host's CPUs"));
        return FALSE;
    }
    maplen = (present + 7) / 8;
    map = g_new0(guint8, maplen);
    for (cpu = 0; cpu < present; cpu++) {
        g_autofree char *path = g_strdup_printf(
            "/sys/devices/system/cpu/cpu%ld/online", cpu);
        g_autofree char *text = NULL;

        /* cpu0 often has no "online" file: it cannot go offline */
        if (g_file_get_contents(path, &text, NULL, NULL) && text[0] == '0')
            continue;
        map[cpu / 8] |= 1 << (cpu % 8);
        online++;
    }
    vsNetXdrWriteU32(call->ret, needMap ? maplen : 0);
    if (needMap)
        vsNetXdrWriteOpaqueFixed(call->ret, map, maplen);
    vsNetXdrWriteU32(call->ret, needOnline ? online : 0);
    vsNetXdrWriteI32(call->ret, present);
    return TRUE;
}


static gboolean
remoteNodeGetFreeMemory(remoteCall *call,
                        GError **error)
{
    qemuHostStat stats[QEMU_HOST_MEMORY_STATS_MAX];

    if (!remoteArgEnd(call, error) ||
        qemuDriverNodeGetMemoryStats(-1, stats, error) < 0)
        return FALSE;
    /* "free" is the second field, in KiB; the call answers in bytes */
    vsNetXdrWriteU64(call->ret, stats[1].value * 1024);
    return TRUE;
}


static gboolean
remoteConnectGetSysinfo(remoteCall *call,
                        GError **error)
{
    g_autofree char *sysinfo = NULL;
    guint32 flags;

    if (!remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(sysinfo = qemuDriverGetSysinfo(call->driver, error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, sysinfo);
    return TRUE;
}


/* A procedure without arguments whose answer is one fixed int. */
static gboolean
remoteRetFixedInt(remoteCall *call,
                  gint32 value,
                  GError **error)
{
    if (!remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, value);
    return TRUE;
}


/* Connections come over a UNIX socket only: secure (no one else can
 * read the traffic), not encrypted. */
static gboolean
remoteConnectIsSecure(remoteCall *call,
                      GError **error)
{
    return remoteRetFixedInt(call, 1, error);
}


static gboolean
remoteConnectIsEncrypted(remoteCall *call,
                         GError **error)
{
    return remoteRetFixedInt(call, 0, error);
}


static gboolean
remoteConnectGetDomainCapabilities(remoteCall *call,
                                   GError **error)
{
    g_autofree char *emulator = NULL;
    g_autofree char *arch = NULL;
    g_autofree char *machine = NULL;
    g_autofree char *virttype = NULL;
    g_autofree char *caps = NULL;
    guint32 flags;

    if (!remoteArgOptString(call, &emulator, error) ||
        !remoteArgOptString(call, &arch, error) ||
        !remoteArgOptString(call, &machine, error) ||
        !remoteArgOptString(call, &virttype, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(caps = qemuDriverGetDomainCapabilities(call->driver, emulator, arch,
                                                 machine, virttype, error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, caps);
    return TRUE;
}


/* ---- objects of drivers virtsave does not have ----------------------
 *
 * Networks, storage pools, host interfaces, node devices, network
 * filters and secrets are managed by other libvirt drivers; virtsave is
 * a hypervisor driver alone, so its lists are empty and its counts 0.
 * Management tools ask for them when they connect.
 */

static gboolean
remoteConnectListAllEmpty(remoteCall *call,
                          GError **error)
{
    gint32 needResults;
    guint32 flags;

    if (!remoteArgI32(call, &needResults, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteU32(call->ret, 0);
    vsNetXdrWriteU32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteConnectNumOfNone(remoteCall *call,
                       GError **error)
{
    return remoteRetFixedInt(call, 0, error);
}


static gboolean
remoteConnectListNoNames(remoteCall *call,
                         GError **error)
{
    gint32 maxnames;

    if (!remoteArgI32(call, &maxnames, error) || !remoteArgEnd(call, error) ||
        !remoteCheckMaxNames(maxnames, error))
        return FALSE;
    vsNetXdrWriteU32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteNodeNumOfDevices(remoteCall *call,
                       GError **error)
{
    g_autofree char *cap = NULL;
    guint32 flags;

    if (!remoteArgOptString(call, &cap, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


static gboolean
remoteNodeListDevices(remoteCall *call,
                      GError **error)
{
    g_autofree char *cap = NULL;
    gint32 maxnames;
    guint32 flags;

    if (!remoteArgOptString(call, &cap, error) ||
        !remoteArgI32(call, &maxnames, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !remoteCheckMaxNames(maxnames, error))
        return FALSE;
    vsNetXdrWriteU32(call->ret, 0);
    return TRUE;
}


/* Creating a network or a storage pool (virt-manager offers to make the
 * "default" pool when it finds none): there is no driver to do it. */
static gboolean
remoteObjectCreateUnsupported(remoteCall *call,
                              GError **error)
{
    g_set_error(error, VS_ERROR_RPC, VS_ERR_NO_SUPPORT,
                _("virtsaved manages no networks or storage pools: define them with the libvirt drivers that do"));
    return FALSE;
}


/* Looking one up by name: there is none of that name. */
static gboolean
remoteObjectLookupByName(remoteCall *call,
                         GError **error)
{
    g_autofree char *name = NULL;

    if (!(name = remoteArgString(call, error)) || !remoteArgEnd(call, error))
        return FALSE;
    g_set_error(error, VS_ERROR_RPC, VS_ERR_NO_SUPPORT,
                _("no network or storage pool named '%s': virtsaved manages none"),
                name);
    return FALSE;
}


static gboolean
remoteDomainListAllSnapshots(remoteCall *call,
                             GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    gint32 needResults;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgI32(call, &needResults, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    /* snapshots are not supported, so there are none */
    vsNetXdrWriteU32(call->ret, 0);
    vsNetXdrWriteI32(call->ret, 0);
    return TRUE;
}


/* ---- domain statistics --------------------------------------------- */

static gboolean
remoteDomainGetMaxMemory(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    unsigned long long kib;

    if (!remoteArgsDomain(call, uuid, error) ||
        !qemuDriverGetMaxMemory(call->driver, uuid, &kib, error))
        return FALSE;
    vsNetXdrWriteU64(call->ret, kib);
    return TRUE;
}


static gboolean
remoteDomainGetMaxVcpus(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    int n;

    if (!remoteArgsDomain(call, uuid, error) ||
        (n = qemuDriverGetMaxVcpus(call->driver, uuid, error)) < 0)
        return FALSE;
    vsNetXdrWriteI32(call->ret, n);
    return TRUE;
}


static gboolean
remoteDomainGetVcpusFlags(remoteCall *call,
                          GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    guint32 flags;
    int n;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        (n = qemuDriverGetVcpusFlags(call->driver, uuid, flags, error)) < 0)
        return FALSE;
    vsNetXdrWriteI32(call->ret, n);
    return TRUE;
}


/* The affinity of thread @tid as a libvirt cpumap of @maplen bytes. */
static void
remoteFillCpumap(pid_t tid,
                 unsigned int hostCPUs,
                 guint8 *map,
                 gint32 maplen)
{
    cpu_set_t set;
    unsigned int cpu;

    CPU_ZERO(&set);
    if (sched_getaffinity(tid, sizeof(set), &set) < 0) {
        for (cpu = 0; cpu < hostCPUs; cpu++)
            CPU_SET(cpu, &set);
    }
    for (cpu = 0; cpu < hostCPUs && cpu / 8 < (unsigned int) maplen; cpu++) {
        if (CPU_ISSET(cpu, &set))
            map[cpu / 8] |= 1 << (cpu % 8);
    }
}


static gboolean
remoteDomainGetVcpus(remoteCall *call,
                     GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(GArray) vcpus = NULL;
    g_autofree guint8 *maps = NULL;
    unsigned int hostCPUs = 0;
    gint32 maxinfo;
    gint32 maplen;
    guint32 n;
    guint32 i;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgI32(call, &maxinfo, error) ||
        !remoteArgI32(call, &maplen, error) || !remoteArgEnd(call, error) ||
        !remoteCheckCount(maxinfo, REMOTE_VCPUINFO_MAX, error) ||
        !remoteCheckCount(maplen, REMOTE_CPUMAPS_MAX, error))
        return FALSE;
    if ((gint64) maxinfo * maplen > REMOTE_CPUMAPS_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("vCPU maps of %d x %d bytes exceed the limit of %d"),
                    maxinfo, maplen, REMOTE_CPUMAPS_MAX);
        return FALSE;
    }
    if (!(vcpus = qemuDriverGetVcpus(call->driver, uuid, &hostCPUs, error)))
        return FALSE;

    n = MIN(vcpus->len, (guint32) maxinfo);
    maps = g_new0(guint8, (gsize) n * maplen + 1);
    vsNetXdrWriteU32(call->ret, n);
    for (i = 0; i < n; i++) {
        const qemuStatsVcpu *v = &g_array_index(vcpus, qemuStatsVcpu, i);

        vsNetXdrWriteU32(call->ret, v->number);
        vsNetXdrWriteI32(call->ret, v->state);
        vsNetXdrWriteU64(call->ret, v->cpuTime);
        vsNetXdrWriteI32(call->ret, v->cpu);
        remoteFillCpumap(v->tid, hostCPUs, maps + (gsize) i * maplen, maplen);
    }
    vsNetXdrWriteU32(call->ret, n * maplen);
    vsNetXdrWriteOpaqueFixed(call->ret, maps, (gsize) n * maplen);
    return TRUE;
}


/* QEMU's threads run under the host's default policy: virtsave puts
 * them in no cgroup, so there is no scheduler to tune, and like libvirt
 * on a host without the cgroup CPU controller the calls fail. */
static gboolean
remoteSchedulerUnsupported(remoteCall *call,
                           const unsigned char *uuid,
                           GError **error)
{
    if (!remoteDomainCheckExists(call, uuid, error))
        return FALSE;
    g_set_error(error, VS_ERROR_QEMU, VS_ERR_OPERATION_INVALID,
                _("scheduler parameters need the cgroup CPU controller, which virtsave does not use"));
    return FALSE;
}


static gboolean
remoteDomainGetSchedulerType(remoteCall *call,
                             GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];

    return remoteArgsDomain(call, uuid, error) &&
           remoteSchedulerUnsupported(call, uuid, error);
}


static gboolean
remoteDomainGetSchedulerParameters(remoteCall *call,
                                   GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    gint32 nparams;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgI32(call, &nparams, error) && remoteArgEnd(call, error) &&
           remoteSchedulerUnsupported(call, uuid, error);
}


static gboolean
remoteDomainGetSchedulerParametersFlags(remoteCall *call,
                                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    gint32 nparams;
    guint32 flags;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgI32(call, &nparams, error) &&
           remoteArgU32(call, &flags, error) && remoteArgEnd(call, error) &&
           remoteSchedulerUnsupported(call, uuid, error);
}


static gboolean
remoteDomainGetControlInfo(remoteCall *call,
                           GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    unsigned long long stateTime;
    unsigned int details;
    unsigned int state;
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !qemuDriverGetControlInfo(call->driver, uuid, &state, &details,
                                  &stateTime, error))
        return FALSE;
    vsNetXdrWriteU32(call->ret, state);
    vsNetXdrWriteU32(call->ret, details);
    vsNetXdrWriteU64(call->ret, stateTime);
    return TRUE;
}


static gboolean
remoteDomainGetMetadata(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *uri = NULL;
    g_autofree char *value = NULL;
    gint32 type;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgI32(call, &type, error) ||
        !remoteArgOptString(call, &uri, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(value = qemuDriverGetMetadata(call->driver, uuid, type, uri, flags,
                                        error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, value);
    return TRUE;
}


static gboolean
remoteDomainUpdateDeviceFlags(remoteCall *call,
                              GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *xml = NULL;
    guint32 flags;

    return remoteArgDomain(call, uuid, error) &&
           (xml = remoteArgString(call, error)) &&
           remoteArgU32(call, &flags, error) && remoteArgEnd(call, error) &&
           qemuDriverUpdateDevice(call->driver, uuid, xml, flags, error);
}


static gboolean
remoteDomainSetMetadata(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *metadata = NULL;
    g_autofree char *key = NULL;
    g_autofree char *uri = NULL;
    gint32 type;
    guint32 flags;

    return remoteArgDomain(call, uuid, error) &&
           remoteArgI32(call, &type, error) &&
           remoteArgOptString(call, &metadata, error) &&
           remoteArgOptString(call, &key, error) &&
           remoteArgOptString(call, &uri, error) &&
           remoteArgU32(call, &flags, error) && remoteArgEnd(call, error) &&
           qemuDriverSetMetadata(call->driver, uuid, type, metadata, key, uri,
                                 flags, error);
}


static gboolean
remoteDomainGetCPUStats(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(vsTypedParamList) params = NULL;
    unsigned int hostCPUs = 0;
    guint32 nparams;
    gint32 startCPU;
    guint32 ncpus;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgU32(call, &nparams, error) ||
        !remoteArgI32(call, &startCPU, error) ||
        !remoteArgU32(call, &ncpus, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    if (nparams > REMOTE_NODE_CPU_STATS_MAX ||
        ncpus > REMOTE_DOMAIN_GET_CPU_STATS_NCPUS_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("too many CPU statistics asked for"));
        return FALSE;
    }
    if (!(params = qemuDriverGetCPUStats(call->driver, uuid, startCPU, ncpus,
                                         &hostCPUs, error)))
        return FALSE;
    if (startCPU >= 0 && ncpus == 0) {
        /* how many host CPUs there are */
        vsNetXdrWriteTypedParams(call->ret, NULL);
        vsNetXdrWriteI32(call->ret, hostCPUs);
    } else if (nparams == 0) {
        /* how many statistics there are */
        vsNetXdrWriteTypedParams(call->ret, NULL);
        vsNetXdrWriteI32(call->ret, params->nparams);
    } else {
        vsNetXdrWriteTypedParams(call->ret, params);
        vsNetXdrWriteI32(call->ret, params->nparams);
    }
    return TRUE;
}


static gboolean
remoteDomainMemoryStats(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(GArray) stats = NULL;
    guint32 maxStats;
    guint32 flags;
    guint32 n;
    guint32 i;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgU32(call, &maxStats, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error))
        return FALSE;
    if (maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX"));
        return FALSE;
    }
    if (!(stats = qemuDriverMemoryStats(call->driver, uuid, error)))
        return FALSE;
    n = MIN(stats->len / 2, maxStats);
    vsNetXdrWriteU32(call->ret, n);
    for (i = 0; i < n; i++) {
        vsNetXdrWriteI32(call->ret, g_array_index(stats, guint64, 2 * i));
        vsNetXdrWriteU64(call->ret, g_array_index(stats, guint64, 2 * i + 1));
    }
    return TRUE;
}


static gboolean
remoteDomainGetBlockInfo(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *path = NULL;
    unsigned long long capacity;
    unsigned long long allocation;
    unsigned long long physical;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !(path = remoteArgString(call, error)) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !qemuDriverGetBlockInfo(call->driver, uuid, path, &capacity,
                                &allocation, &physical, error))
        return FALSE;
    vsNetXdrWriteU64(call->ret, allocation);
    vsNetXdrWriteU64(call->ret, capacity);
    vsNetXdrWriteU64(call->ret, physical);
    return TRUE;
}


static gboolean
remoteDomainBlockStats(remoteCall *call,
                       GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *path = NULL;
    qemuStatsBlock stats;

    if (!remoteArgDomain(call, uuid, error) ||
        !(path = remoteArgString(call, error)) || !remoteArgEnd(call, error) ||
        !qemuDriverBlockStats(call->driver, uuid, path, &stats, error))
        return FALSE;
    vsNetXdrWriteI64(call->ret, stats.rdReq);
    vsNetXdrWriteI64(call->ret, stats.rdBytes);
    vsNetXdrWriteI64(call->ret, stats.wrReq);
    vsNetXdrWriteI64(call->ret, stats.wrBytes);
    /* QEMU counts no errors per disk: -1 is libvirt's "unknown" */
    vsNetXdrWriteI64(call->ret, -1);
    return TRUE;
}


static gboolean
remoteDomainBlockStatsFlags(remoteCall *call,
                            GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(vsTypedParamList) params = vsTypedParamListNew();
    g_autofree char *path = NULL;
    qemuStatsBlock s;
    gint32 nparams;
    guint32 flags;
    size_t i;

    if (!remoteArgDomain(call, uuid, error) ||
        !(path = remoteArgString(call, error)) ||
        !remoteArgI32(call, &nparams, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !remoteCheckCount(nparams, REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX,
                          error) ||
        !qemuDriverBlockStats(call->driver, uuid, path, &s, error))
        return FALSE;

    {
        const struct { const char *field; long long value; } fields[] = {
            { "rd_operations", s.rdReq }, { "rd_bytes", s.rdBytes },
            { "rd_total_times", s.rdTimes }, { "wr_operations", s.wrReq },
            { "wr_bytes", s.wrBytes }, { "wr_total_times", s.wrTimes },
            { "flush_operations", s.flReq },
            { "flush_total_times", s.flTimes },
        };

        /* with nparams 0 the client asks how many there are */
        for (i = 0; nparams > 0 && i < G_N_ELEMENTS(fields) &&
                    i < (size_t) nparams; i++)
            vsTypedParamListAddLLong(params, fields[i].field, fields[i].value);
        vsNetXdrWriteTypedParams(call->ret, params);
        vsNetXdrWriteI32(call->ret, nparams == 0 ? (gint32) G_N_ELEMENTS(fields)
                                                 : (gint32) params->nparams);
    }
    return TRUE;
}


static gboolean
remoteDomainInterfaceStats(remoteCall *call,
                           GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *path = NULL;
    vsNetDevStats stats = { 0 };

    if (!remoteArgDomain(call, uuid, error) ||
        !(path = remoteArgString(call, error)) ||
        !remoteArgEnd(call, error) ||
        !qemuDriverInterfaceStats(call->driver, uuid, path, &stats, error))
        return FALSE;
    vsNetXdrWriteI64(call->ret, stats.rxBytes);
    vsNetXdrWriteI64(call->ret, stats.rxPackets);
    vsNetXdrWriteI64(call->ret, stats.rxErrors);
    vsNetXdrWriteI64(call->ret, stats.rxDropped);
    vsNetXdrWriteI64(call->ret, stats.txBytes);
    vsNetXdrWriteI64(call->ret, stats.txPackets);
    vsNetXdrWriteI64(call->ret, stats.txErrors);
    vsNetXdrWriteI64(call->ret, stats.txDropped);
    return TRUE;
}


static gboolean
remoteDomainInterfaceAddresses(remoteCall *call,
                               GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(GPtrArray) ifaces = NULL;
    guint32 source;
    guint32 flags;
    guint32 i;
    guint32 j;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgU32(call, &source, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(ifaces = qemuDriverInterfaceAddresses(call->driver, uuid, source,
                                                error)))
        return FALSE;
    vsNetXdrWriteU32(call->ret, MIN(ifaces->len, REMOTE_DOMAIN_INTERFACE_MAX));
    for (i = 0; i < ifaces->len && i < REMOTE_DOMAIN_INTERFACE_MAX; i++) {
        const qemuStatsInterface *iface = g_ptr_array_index(ifaces, i);

        vsNetXdrWriteString(call->ret, iface->name);
        vsNetXdrWriteOptString(call->ret, iface->hwaddr);
        vsNetXdrWriteU32(call->ret, MIN(iface->addrs->len,
                                        REMOTE_DOMAIN_IP_ADDR_MAX));
        for (j = 0; j < iface->addrs->len && j < REMOTE_DOMAIN_IP_ADDR_MAX; j++) {
            const qemuStatsIPAddress *addr = g_ptr_array_index(iface->addrs, j);

            vsNetXdrWriteI32(call->ret, addr->type);
            vsNetXdrWriteString(call->ret, addr->addr);
            vsNetXdrWriteU32(call->ret, addr->prefix);
        }
    }
    return TRUE;
}


static gboolean
remoteDomainGetTime(remoteCall *call,
                    GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    long long seconds;
    unsigned int nseconds;
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !qemuDriverGetTime(call->driver, uuid, flags, &seconds, &nseconds,
                           error))
        return FALSE;
    vsNetXdrWriteI64(call->ret, seconds);
    vsNetXdrWriteU32(call->ret, nseconds);
    return TRUE;
}


static gboolean
remoteDomainSetTime(remoteCall *call,
                    GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    GError *detail = NULL;
    gint64 seconds;
    guint32 nseconds;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error))
        return FALSE;
    if (!vsNetXdrReadI64(&call->args, &seconds, &detail))
        return remoteDecodeFailed(error, detail);
    return remoteArgU32(call, &nseconds, error) &&
           remoteArgU32(call, &flags, error) &&
           remoteArgEnd(call, error) &&
           qemuDriverSetTime(call->driver, uuid, seconds, nseconds, flags,
                             error);
}


static gboolean
remoteDomainGetHostname(remoteCall *call,
                        GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autofree char *hostname = NULL;
    guint32 flags;

    if (!remoteArgsDomainFlags(call, uuid, &flags, error) ||
        !(hostname = qemuDriverGetHostname(call->driver, uuid, flags, error)))
        return FALSE;
    vsNetXdrWriteString(call->ret, hostname);
    return TRUE;
}


static gboolean
remoteConnectGetCPUModelNames(remoteCall *call,
                              GError **error)
{
    g_autofree char *arch = NULL;
    g_autoptr(GPtrArray) names = NULL;
    gint32 needResults;
    guint32 flags;
    guint32 i;

    if (!(arch = remoteArgString(call, error)) ||
        !remoteArgI32(call, &needResults, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(names = qemuDriverGetCPUModelNames(call->driver, arch, error)))
        return FALSE;
    if (names->len > REMOTE_CONNECT_CPU_MODELS_MAX)
        g_ptr_array_set_size(names, REMOTE_CONNECT_CPU_MODELS_MAX);
    vsNetXdrWriteU32(call->ret, needResults ? names->len : 0);
    for (i = 0; needResults && i < names->len; i++)
        vsNetXdrWriteString(call->ret, g_ptr_array_index(names, i));
    vsNetXdrWriteI32(call->ret, names->len);
    return TRUE;
}


/* Every CPU comparison and baseline procedure: refused as a whole. */
static gboolean
remoteConnectCompareCPU(remoteCall *call,
                        GError **error)
{
    return qemuDriverCompareCPU(call->driver, error);
}


static gboolean
remoteDomainGetGuestInfo(remoteCall *call,
                         GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_autoptr(vsTypedParamList) params = NULL;
    guint32 types;
    guint32 flags;

    if (!remoteArgDomain(call, uuid, error) ||
        !remoteArgU32(call, &types, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(params = qemuDriverGetGuestInfo(call->driver, uuid, types, flags,
                                          error)))
        return FALSE;
    if (params->nparams > REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("too many guest information parameters: %zu"),
                    params->nparams);
        return FALSE;
    }
    vsNetXdrWriteTypedParams(call->ret, params);
    return TRUE;
}


/* (dom, mountpoints<>, flags) of DOMAIN_FSFREEZE and DOMAIN_FSTHAW. */
static GStrv
remoteArgsFSFreeze(remoteCall *call,
                   unsigned char *uuid,
                   guint32 *flags,
                   GError **error)
{
    g_autoptr(GPtrArray) mounts = g_ptr_array_new_with_free_func(g_free);
    GError *detail = NULL;
    guint32 n;
    guint32 i;

    if (!remoteArgDomain(call, uuid, error))
        return NULL;
    if (!vsNetXdrReadArrayCount(&call->args,
                                REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX, 4, &n,
                                &detail)) {
        remoteDecodeFailed(error, detail);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        char *mount = remoteArgString(call, error);

        if (!mount)
            return NULL;
        g_ptr_array_add(mounts, mount);
    }
    if (!remoteArgU32(call, flags, error) || !remoteArgEnd(call, error))
        return NULL;
    g_ptr_array_add(mounts, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&mounts), FALSE);
}


typedef int (*remoteFSFunc)(qemuDriver *driver,
                            const unsigned char *uuid,
                            const char *const *mountpoints,
                            unsigned int flags,
                            GError **error);


/* FSFREEZE and FSTHAW share their arguments and their answer, the
 * number of file systems the agent froze or thawed. */
static gboolean
remoteDomainFSCall(remoteCall *call,
                   remoteFSFunc func,
                   GError **error)
{
    unsigned char uuid[VS_UUID_BUFLEN];
    g_auto(GStrv) mounts = NULL;
    guint32 flags;
    int n;

    if (!(mounts = remoteArgsFSFreeze(call, uuid, &flags, error)) ||
        (n = func(call->driver, uuid, (const char *const *) mounts, flags,
                  error)) < 0)
        return FALSE;
    vsNetXdrWriteI32(call->ret, n);
    return TRUE;
}


static gboolean
remoteDomainFSFreeze(remoteCall *call,
                     GError **error)
{
    return remoteDomainFSCall(call, qemuDriverFSFreeze, error);
}


static gboolean
remoteDomainFSThaw(remoteCall *call,
                   GError **error)
{
    return remoteDomainFSCall(call, qemuDriverFSThaw, error);
}


static gboolean
remoteConnectGetAllDomainStats(remoteCall *call,
                               GError **error)
{
    g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuDomainRefFree);
    g_autoptr(GPtrArray) records = NULL;
    GError *detail = NULL;
    guint32 ndoms;
    guint32 stats;
    guint32 flags;
    guint32 i;

    if (!vsNetXdrReadArrayCount(&call->args, REMOTE_DOMAIN_LIST_MAX,
                                4 + VS_UUID_BUFLEN + 4, &ndoms, &detail))
        return remoteDecodeFailed(error, detail);
    for (i = 0; i < ndoms; i++) {
        qemuDomainRef *ref = g_new0(qemuDomainRef, 1);

        g_ptr_array_add(refs, ref);
        if (!remoteArgDomain(call, ref->uuid, error))
            return FALSE;
    }
    if (!remoteArgU32(call, &stats, error) ||
        !remoteArgU32(call, &flags, error) || !remoteArgEnd(call, error) ||
        !(records = qemuDriverGetAllDomainStats(call->driver,
                                                ndoms ? refs : NULL, stats,
                                                flags, error)))
        return FALSE;

    vsNetXdrWriteU32(call->ret, records->len);
    for (i = 0; i < records->len; i++) {
        const qemuStatsRecord *record = g_ptr_array_index(records, i);

        remoteRetDomain(call->ret, record->dom);
        vsNetXdrWriteTypedParams(call->ret, record->params);
    }
    return TRUE;
}


/* ---- the table ----------------------------------------------------- */

#define PRE REMOTE_PROC_PRE_OPEN
#define PRIO REMOTE_PROC_PRIORITY
#define WR REMOTE_PROC_WRITE

/* Sorted by procedure number. */
static const remoteProcEntry remoteProcs[] = {
    { REMOTE_PROC_CONNECT_OPEN, remoteConnectOpen, PRE | PRIO, NULL },
    { REMOTE_PROC_CONNECT_CLOSE, remoteConnectClose, PRE | PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_TYPE, remoteConnectGetType, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_VERSION, remoteConnectGetVersion, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_MAX_VCPUS, remoteConnectGetMaxVcpus, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_INFO, remoteNodeGetInfo, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_CAPABILITIES, remoteConnectGetCapabilities, 0, NULL },
    { REMOTE_PROC_DOMAIN_CREATE, remoteDomainCreate, WR, "virDomainCreate" },
    { REMOTE_PROC_DOMAIN_CREATE_XML, remoteDomainCreateXML, WR, "virDomainCreateXML" },
    { REMOTE_PROC_DOMAIN_DEFINE_XML, remoteDomainDefineXML, WR, "virDomainDefineXML" },
    { REMOTE_PROC_DOMAIN_DESTROY, remoteDomainDestroy, WR, "virDomainDestroy" },
    { REMOTE_PROC_DOMAIN_GET_XML_DESC, remoteDomainGetXMLDesc, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_AUTOSTART, remoteDomainGetAutostart, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_INFO, remoteDomainGetInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, remoteDomainGetMaxMemory, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, remoteDomainGetMaxVcpus, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_OS_TYPE, remoteDomainGetOSType, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_VCPUS, remoteDomainGetVcpus, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, remoteConnectListDefinedDomains, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, remoteDomainLookupByID, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, remoteDomainLookupByName, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, remoteDomainLookupByUUID, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, remoteConnectNumOfDefinedDomains, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_REBOOT, remoteDomainReboot, WR, "virDomainReboot" },
    { REMOTE_PROC_DOMAIN_RESUME, remoteDomainResume, WR, "virDomainResume" },
    { REMOTE_PROC_DOMAIN_SET_AUTOSTART, remoteDomainSetAutostart, WR, "virDomainSetAutostart" },
    { REMOTE_PROC_DOMAIN_SHUTDOWN, remoteDomainShutdown, WR, "virDomainShutdown" },
    { REMOTE_PROC_DOMAIN_SUSPEND, remoteDomainSuspend, WR, "virDomainSuspend" },
    { REMOTE_PROC_DOMAIN_UNDEFINE, remoteDomainUndefine, WR, "virDomainUndefine" },
    { REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS, remoteConnectListNoNames, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_DOMAINS, remoteConnectListDomains, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_NETWORKS, remoteConnectListNoNames, PRIO, NULL },
    { REMOTE_PROC_NETWORK_CREATE_XML, remoteObjectCreateUnsupported, PRIO | WR, "virNetworkCreateXML" },
    { REMOTE_PROC_NETWORK_DEFINE_XML, remoteObjectCreateUnsupported, PRIO | WR, "virNetworkDefineXML" },
    { REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, remoteObjectLookupByName, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS, remoteConnectNumOfNone, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, remoteConnectNumOfDomains, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, remoteConnectNumOfNone, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_RESTORE, remoteDomainRestore, WR, "virDomainRestore" },
    { REMOTE_PROC_DOMAIN_SAVE, remoteDomainSave, WR, "virDomainSave" },
    { REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE, remoteDomainGetSchedulerType, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS, remoteDomainGetSchedulerParameters, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_HOSTNAME, remoteConnectGetHostname, PRIO, NULL },
    { REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, remoteConnectSupportsFeature, PRE | PRIO, NULL },
    { REMOTE_PROC_DOMAIN_BLOCK_STATS, remoteDomainBlockStats, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_INTERFACE_STATS, remoteDomainInterfaceStats, PRIO, NULL },
    { REMOTE_PROC_AUTH_LIST, remoteAuthList, PRE | PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS, remoteConnectNumOfNone, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS, remoteConnectListNoNames, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, remoteConnectNumOfNone, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS, remoteConnectListNoNames, PRIO, NULL },
    { REMOTE_PROC_STORAGE_POOL_CREATE_XML, remoteObjectCreateUnsupported, PRIO | WR, "virStoragePoolCreateXML" },
    { REMOTE_PROC_STORAGE_POOL_DEFINE_XML, remoteObjectCreateUnsupported, PRIO | WR, "virStoragePoolDefineXML" },
    { REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, remoteObjectLookupByName, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_FREE_MEMORY, remoteNodeGetFreeMemory, PRIO, NULL },
    { REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER, remoteConnectDomainEventRegister, PRIO, NULL },
    { REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER, remoteConnectDomainEventDeregister, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_URI, remoteConnectGetURI, PRIO, NULL },
    { REMOTE_PROC_NODE_NUM_OF_DEVICES, remoteNodeNumOfDevices, PRIO, NULL },
    { REMOTE_PROC_NODE_LIST_DEVICES, remoteNodeListDevices, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, remoteDomainGetSecurityLabel, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_SECURITY_MODEL, remoteNodeGetSecurityModel, PRIO, NULL },
    { REMOTE_PROC_CONNECT_IS_ENCRYPTED, remoteConnectIsEncrypted, PRIO, NULL },
    { REMOTE_PROC_CONNECT_IS_SECURE, remoteConnectIsSecure, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_IS_ACTIVE, remoteDomainIsActive, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_IS_PERSISTENT, remoteDomainIsPersistent, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_LIB_VERSION, remoteConnectGetLibVersion, PRIO, NULL },
    { REMOTE_PROC_CONNECT_COMPARE_CPU, remoteConnectCompareCPU, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_MEMORY_STATS, remoteDomainMemoryStats, PRIO, NULL },
    { REMOTE_PROC_CONNECT_BASELINE_CPU, remoteConnectCompareCPU, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_JOB_INFO, remoteDomainGetJobInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_ABORT_JOB, remoteDomainAbortJob, PRIO | WR, "virDomainAbortJob" },
    { REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS, remoteDomainUpdateDeviceFlags, WR, "virDomainUpdateDeviceFlags" },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE, remoteDomainManagedSave, WR, "virDomainManagedSave" },
    { REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, remoteDomainHasManagedSaveImage, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, remoteDomainManagedSaveRemove, WR, "virDomainManagedSaveRemove" },
    { REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, remoteDomainSnapshotNum, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, remoteDomainSnapshotNum, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_BLOCK_INFO, remoteDomainGetBlockInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, remoteDomainCreateWithFlags, WR, "virDomainCreateWithFlags" },
    { REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, remoteDomainGetVcpusFlags, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_OPEN_CONSOLE, remoteDomainOpenConsole, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_SYSINFO, remoteConnectGetSysinfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_STATE, remoteDomainGetState, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS, remoteDomainGetSchedulerParametersFlags, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_CPU_STATS, remoteNodeGetCPUStats, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_MEMORY_STATS, remoteNodeGetMemoryStats, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_CONTROL_INFO, remoteDomainGetControlInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, remoteDomainUndefineFlags, WR, "virDomainUndefineFlags" },
    { REMOTE_PROC_DOMAIN_SAVE_FLAGS, remoteDomainSaveFlags, WR, "virDomainSaveFlags" },
    { REMOTE_PROC_DOMAIN_RESTORE_FLAGS, remoteDomainRestoreFlags, WR, "virDomainRestoreFlags" },
    { REMOTE_PROC_DOMAIN_DESTROY_FLAGS, remoteDomainDestroyFlags, WR, "virDomainDestroyFlags" },
    { REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, remoteDomainSaveImageGetXMLDesc, 0, NULL },
    { REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, remoteDomainSaveImageDefineXML, WR, "virDomainSaveImageDefineXML" },
    { REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS, remoteDomainBlockStatsFlags, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, remoteDomainShutdownFlags, WR, "virDomainShutdownFlags" },
    { REMOTE_PROC_DOMAIN_GET_CPU_STATS, remoteDomainGetCPUStats, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_SET_METADATA, remoteDomainSetMetadata, WR, "virDomainSetMetadata" },
    { REMOTE_PROC_DOMAIN_GET_METADATA, remoteDomainGetMetadata, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, remoteConnectListAllDomains, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, remoteDomainListAllSnapshots, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_HOSTNAME, remoteDomainGetHostname, 0, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_CONNECT_LIST_ALL_SECRETS, remoteConnectListAllEmpty, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_CPU_MAP, remoteNodeGetCPUMap, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_JOB_STATS, remoteDomainGetJobStats, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES, remoteConnectGetCPUModelNames, 0, NULL },
    { REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY, remoteConnectNetworkEventRegisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY, remoteConnectDomainEventCallbackDeregisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, remoteConnectDomainEventCallbackRegisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, remoteConnectDomainEventCallbackDeregisterAny, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_FSFREEZE, remoteDomainFSFreeze, WR, "virDomainFSFreeze" },
    { REMOTE_PROC_DOMAIN_FSTHAW, remoteDomainFSThaw, WR, "virDomainFSThaw" },
    { REMOTE_PROC_DOMAIN_GET_TIME, remoteDomainGetTime, WR, "virDomainGetTime" },
    { REMOTE_PROC_DOMAIN_SET_TIME, remoteDomainSetTime, WR, "virDomainSetTime" },
    { REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES, remoteConnectGetDomainCapabilities, 0, NULL },
    { REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, remoteConnectGetAllDomainStats, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, remoteDomainDefineXMLFlags, WR, "virDomainDefineXMLFlags" },
    { REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, remoteDomainInterfaceAddresses, 0, NULL },
    { REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, remoteConnectCloseCallback, PRIO, NULL },
    { REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, remoteConnectCloseCallback, PRIO, NULL },
    { REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, remoteConnectStoragePoolEventRegisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, remoteConnectDomainEventCallbackDeregisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY, remoteConnectNodeDeviceEventRegisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY, remoteConnectDomainEventCallbackDeregisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY, remoteConnectSecretEventRegisterAny, PRIO, NULL },
    { REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY, remoteConnectDomainEventCallbackDeregisterAny, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC, remoteDomainManagedSaveGetXMLDesc, 0, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML, remoteDomainManagedSaveDefineXML, WR, "virDomainManagedSaveDefineXML" },
    { REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU, remoteConnectCompareCPU, PRIO, NULL },
    { REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU, remoteConnectCompareCPU, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_GUEST_INFO, remoteDomainGetGuestInfo, WR, "virDomainGetGuestInfo" },
    { REMOTE_PROC_DOMAIN_GET_MESSAGES, remoteDomainGetMessages, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_SAVE_PARAMS, remoteDomainSaveParams, WR, "virDomainSaveParams" },
    { REMOTE_PROC_DOMAIN_RESTORE_PARAMS, remoteDomainRestoreParams, WR, "virDomainRestoreParams" },
    { REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS, remoteDomainAbortJobFlags, PRIO | WR, "virDomainAbortJobFlags" },
    { REMOTE_PROC_DOMAIN_GET_AUTOSTART_ONCE, remoteDomainGetAutostartOnce, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_SET_AUTOSTART_ONCE, remoteDomainSetAutostartOnce, WR, "virDomainSetAutostartOnce" },
};

#undef PRE
#undef PRIO
#undef WR


static int
remoteProcCompare(const void *key,
                  const void *elem)
{
    gint32 proc = *(const gint32 *)key;
    const remoteProcEntry *entry = elem;

    return (proc > entry->proc) - (proc < entry->proc);
}


static const remoteProcEntry *
remoteProcFind(gint32 proc)
{
    return bsearch(&proc, remoteProcs, G_N_ELEMENTS(remoteProcs),
                   sizeof(remoteProcs[0]), remoteProcCompare);
}


/**
 * remoteProcIsPriority:
 * @proc: a REMOTE procedure number
 * @opaque: unused
 *
 * Returns: TRUE for procedures that never wait for a domain job (state
 * and progress queries, lookups, aborts): they run in the priority pool
 * so that a save in progress cannot delay them.
 */
gboolean
remoteProcIsPriority(gint32 proc,
                     gpointer opaque)
{
    const remoteProcEntry *entry = remoteProcFind(proc);

    /* unknown procedures are answered at once, without a driver call */
    return !entry || (entry->flags & REMOTE_PROC_PRIORITY);
}


static gboolean
remoteErrorDomainIsOurs(GQuark domain)
{
    return domain == VS_ERROR_NONE || domain == VS_ERROR_RPC ||
           domain == VS_ERROR_CONF || domain == VS_ERROR_QEMU ||
           domain == VS_ERROR_REMOTE || domain == VS_ERROR_DOMAIN ||
           domain == VS_ERROR_SYSTEM;
}


/**
 * remoteErrorToWire:
 * @error: the failure to report
 * @code: (out) libvirt error number
 * @domain: (out) libvirt error domain number
 * @message: (out) (transfer full) the text clients show
 *
 * The one place where a GError becomes a libvirt error. An error from a
 * foreign domain (GLib's, say) carries no libvirt number and is reported
 * as an internal error with its message kept.
 */
void
remoteErrorToWire(const GError *error,
                  int *code,
                  int *domain,
                  char **message)
{
    if (error->domain == REMOTE_DECODE_ERROR) {
        *code = VS_ERR_RPC;
        *domain = vsErrorDomainToNumber(VS_ERROR_RPC);
        *message = g_strdup(_("Unable to decode message payload"));
        return;
    }

    if (!remoteErrorDomainIsOurs(error->domain) || error->code <= VS_ERR_OK) {
        g_autoptr(GError) internal = g_error_new_literal(VS_ERROR_NONE,
                                                         VS_ERR_INTERNAL_ERROR,
                                                         error->message);

        *code = VS_ERR_INTERNAL_ERROR;
        *domain = vsErrorDomainToNumber(VS_ERROR_NONE);
        *message = vsErrorFormatMessage(internal);
        return;
    }

    *code = error->code;
    *domain = vsErrorDomainToNumber(error->domain);
    *message = vsErrorFormatMessage(error);
}


static gboolean
remoteCheckAccess(remoteCall *call,
                  const remoteProcEntry *entry,
                  GError **error)
{
    gboolean open;
    gboolean readonly;

    g_mutex_lock(&call->priv->lock);
    open = call->priv->open;
    readonly = call->priv->readonly;
    g_mutex_unlock(&call->priv->lock);

    if (!open && !(entry->flags & REMOTE_PROC_PRE_OPEN)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_INTERNAL_ERROR,
                    _("hypervisor connection not open"));
        return FALSE;
    }
    if (readonly && (entry->flags & REMOTE_PROC_WRITE)) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_OPERATION_DENIED,
                    _("read only access prevents %s"), entry->api);
        return FALSE;
    }
    return TRUE;
}


/**
 * remoteDispatch:
 * @srv: the server
 * @client: the calling connection
 * @call: the call
 * @opaque: the #remoteProgram
 *
 * Runs in a worker thread.
 *
 * Returns: (transfer full) the reply: the return structure, or an error.
 */
vsNetMessage *
remoteDispatch(vsNetServer *srv,
               vsNetClient *client,
               const vsNetMessage *call,
               gpointer opaque)
{
    g_autoptr(vsNetMessage) reply = vsNetMessageNewReply(&call->header);
    g_autoptr(GError) err = NULL;
    const remoteProcEntry *entry;
    remoteCall rc = {
        .prog = opaque,
        .driver = ((remoteProgram *)opaque)->driver,
        .client = client,
        .priv = vsNetClientGetPrivateData(client),
        .serial = call->header.serial,
        .ret = reply->payload,
    };
    g_autofree char *message = NULL;
    int code;
    int domain;

    vsNetXdrReaderInit(&rc.args, call->payload->data, call->payload->len);

    if (!(entry = remoteProcFind(call->header.proc))) {
        message = g_strdup_printf(_("unknown procedure: %d"),
                                  call->header.proc);
        vsNetMessageSetError(reply, VS_ERR_RPC,
                             vsErrorDomainToNumber(VS_ERROR_RPC), message);
        return g_steal_pointer(&reply);
    }

    VS_DEBUG("client %" G_GUINT64_FORMAT ": proc %d serial %u",
             vsNetClientGetID(client), call->header.proc, call->header.serial);

    if (remoteCheckAccess(&rc, entry, &err) && entry->handler(&rc, &err))
        return g_steal_pointer(&reply);

    if (!err) {
        g_set_error(&err, VS_ERROR_NONE, VS_ERR_INTERNAL_ERROR,
                    _("procedure %d failed without saying why"),
                    call->header.proc);
    }
    if (err->domain == REMOTE_DECODE_ERROR)
        VS_WARN("client %" G_GUINT64_FORMAT ": bad arguments to proc %d: %s",
                vsNetClientGetID(client), call->header.proc, err->message);
    else
        VS_DEBUG("proc %d failed: %s", call->header.proc, err->message);

    remoteErrorToWire(err, &code, &domain, &message);
    vsNetMessageSetError(reply, code, domain, message);
    return g_steal_pointer(&reply);
}


static void
remoteClientFree(remoteClient *priv)
{
    if (!priv)
        return;
    g_mutex_clear(&priv->lock);
    g_free(priv->uri);
    g_free(priv);
}


static void
remoteClientInit(vsNetClient *client,
                 gpointer opaque)
{
    remoteClient *priv = g_new0(remoteClient, 1);

    g_mutex_init(&priv->lock);
    priv->uri = g_strdup("qemu:///system");
    vsNetClientSetPrivateData(client, priv, (GDestroyNotify) remoteClientFree);
}


/**
 * remoteProgramNew:
 * @driver: (transfer none) the driver calls go to; must outlive the
 *   program
 * @keepalive: whether to offer keepalive (feature 10) to clients
 *
 * Returns: (transfer full) the REMOTE program.
 */
remoteProgram *
remoteProgramNew(qemuDriver *driver,
                 gboolean keepalive)
{
    remoteProgram *prog = g_new0(remoteProgram, 1);

    prog->driver = driver;
    prog->keepalive = keepalive;
    g_mutex_init(&prog->eventLock);
    prog->eventRegs = g_ptr_array_new_with_free_func(
        (GDestroyNotify) remoteEventRegFree);
    prog->nextCallbackID = 1;
    qemuDriverSetEventCallback(driver, remoteEventEmit, prog);
    g_mutex_init(&prog->consoleLock);
    prog->consoles = g_ptr_array_new();
    return prog;
}


/**
 * remoteProgramFree:
 * @prog: a program, or NULL
 */
void
remoteProgramFree(remoteProgram *prog)
{
    if (!prog)
        return;
    qemuDriverSetEventCallback(prog->driver, NULL, NULL);
    g_clear_pointer(&prog->eventRegs, g_ptr_array_unref);
    g_mutex_clear(&prog->eventLock);
    g_mutex_lock(&prog->consoleLock);
    while (prog->consoles->len)
        remoteConsoleCloseLocked(g_ptr_array_index(prog->consoles, 0), NULL);
    g_mutex_unlock(&prog->consoleLock);
    g_ptr_array_unref(prog->consoles);
    g_mutex_clear(&prog->consoleLock);
    g_free(prog);
}


/**
 * remoteProgramRegister:
 * @prog: the program; must outlive @srv's workers
 * @srv: the server that will serve it
 */
void
remoteProgramRegister(remoteProgram *prog,
                      vsNetServer *srv)
{
    vsNetServerAddProgram(srv, VS_NET_PROGRAM_REMOTE, VS_NET_PROGRAM_VERSION,
                          remoteDispatch, remoteProcIsPriority, prog);
    vsNetServerSetProgramStreams(srv, VS_NET_PROGRAM_REMOTE,
                                 VS_NET_PROGRAM_VERSION, remoteConsoleStream,
                                 remoteConsoleReplied);
    vsNetServerSetClientInit(srv, remoteClientInit, NULL);
}
