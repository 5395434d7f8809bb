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

#include <string.h>

#include "remote_dispatch.h"
#include "remote_protocol.h"
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
};

typedef struct _remoteCall remoteCall;
struct _remoteCall {
    remoteProgram *prog;
    qemuDriver *driver;
    vsNetClient *client;
    remoteClient *priv;
    vsNetXdrReader args;
    GByteArray *ret;
};

typedef gboolean (*remoteHandler)(remoteCall *call, GError **error);

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

static gboolean
remoteConnectOpen(remoteCall *call,
                  GError **error)
{
    g_autofree char *name = NULL;
    guint32 flags;
    gboolean readonly;

    if (!remoteArgOptString(call, &name, error) ||
        !remoteArgU32(call, &flags, error) ||
        !remoteArgEnd(call, error))
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
    if (name) {
        g_free(call->priv->uri);
        call->priv->uri = g_steal_pointer(&name);
    }
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
    case REMOTE_FEATURE_NETWORK_UPDATE_HAS_CORRECT_ORDER:
        return 1;
    case REMOTE_FEATURE_PROGRAM_KEEPALIVE:
        return call->prog->keepalive ? 1 : 0;
    default:
        /* no migration, fd passing or event callbacks */
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

static const vsTypedParamSpec remoteSaveParamSpec[] = {
    { VS_DOMAIN_SAVE_PARAM_FILE, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_DXML, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_IMAGE_FORMAT, VS_TYPED_PARAM_STRING },
    { VS_DOMAIN_SAVE_PARAM_PARALLEL_CHANNELS, VS_TYPED_PARAM_INT },
    { NULL, 0 },
};


/*
 * Names and types are checked here, once, for every save and restore
 * variant; integers of any width are accepted for parallel.channels
 * because python3-libvirt 9.0 sends Python ints as ULLONG.
 */
static gboolean
remoteCheckSaveParams(const vsTypedParamList *params,
                      GError **error)
{
    const char *str;
    int channels;
    size_t i;

    if (!vsTypedParamListValidate(params, remoteSaveParamSpec, error))
        return FALSE;
    for (i = 0; remoteSaveParamSpec[i].field; i++) {
        const char *field = remoteSaveParamSpec[i].field;

        if (remoteSaveParamSpec[i].type == VS_TYPED_PARAM_STRING) {
            if (vsTypedParamListGetString(params, field, &str, error) < 0)
                return FALSE;
        } else if (vsTypedParamListGetInt(params, field, &channels, error) < 0) {
            return FALSE;
        }
    }
    return TRUE;
}


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
        !remoteArgEnd(call, error) ||
        !remoteCheckSaveParams(params, error))
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
        !remoteArgEnd(call, error) ||
        !remoteCheckSaveParams(params, error))
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
    { REMOTE_PROC_CONNECT_GET_CAPABILITIES, remoteConnectGetCapabilities, 0, NULL },
    { REMOTE_PROC_DOMAIN_CREATE, remoteDomainCreate, WR, "virDomainCreate" },
    { REMOTE_PROC_DOMAIN_CREATE_XML, remoteDomainCreateXML, WR, "virDomainCreateXML" },
    { REMOTE_PROC_DOMAIN_DEFINE_XML, remoteDomainDefineXML, WR, "virDomainDefineXML" },
    { REMOTE_PROC_DOMAIN_DESTROY, remoteDomainDestroy, WR, "virDomainDestroy" },
    { REMOTE_PROC_DOMAIN_GET_XML_DESC, remoteDomainGetXMLDesc, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_AUTOSTART, remoteDomainGetAutostart, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_INFO, remoteDomainGetInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_OS_TYPE, remoteDomainGetOSType, PRIO, NULL },
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
    { REMOTE_PROC_CONNECT_LIST_DOMAINS, remoteConnectListDomains, PRIO, NULL },
    { REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, remoteConnectNumOfDomains, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_RESTORE, remoteDomainRestore, WR, "virDomainRestore" },
    { REMOTE_PROC_DOMAIN_SAVE, remoteDomainSave, WR, "virDomainSave" },
    { REMOTE_PROC_CONNECT_GET_HOSTNAME, remoteConnectGetHostname, PRIO, NULL },
    { REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, remoteConnectSupportsFeature, PRE | PRIO, NULL },
    { REMOTE_PROC_AUTH_LIST, remoteAuthList, PRE | PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_URI, remoteConnectGetURI, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, remoteDomainGetSecurityLabel, PRIO, NULL },
    { REMOTE_PROC_NODE_GET_SECURITY_MODEL, remoteNodeGetSecurityModel, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_IS_ACTIVE, remoteDomainIsActive, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_IS_PERSISTENT, remoteDomainIsPersistent, PRIO, NULL },
    { REMOTE_PROC_CONNECT_GET_LIB_VERSION, remoteConnectGetLibVersion, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_JOB_INFO, remoteDomainGetJobInfo, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_ABORT_JOB, remoteDomainAbortJob, PRIO | WR, "virDomainAbortJob" },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE, remoteDomainManagedSave, WR, "virDomainManagedSave" },
    { REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, remoteDomainHasManagedSaveImage, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, remoteDomainManagedSaveRemove, WR, "virDomainManagedSaveRemove" },
    { REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, remoteDomainSnapshotNum, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, remoteDomainCreateWithFlags, WR, "virDomainCreateWithFlags" },
    { REMOTE_PROC_DOMAIN_GET_STATE, remoteDomainGetState, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, remoteDomainUndefineFlags, WR, "virDomainUndefineFlags" },
    { REMOTE_PROC_DOMAIN_SAVE_FLAGS, remoteDomainSaveFlags, WR, "virDomainSaveFlags" },
    { REMOTE_PROC_DOMAIN_RESTORE_FLAGS, remoteDomainRestoreFlags, WR, "virDomainRestoreFlags" },
    { REMOTE_PROC_DOMAIN_DESTROY_FLAGS, remoteDomainDestroyFlags, WR, "virDomainDestroyFlags" },
    { REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, remoteDomainSaveImageGetXMLDesc, 0, NULL },
    { REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML, remoteDomainSaveImageDefineXML, WR, "virDomainSaveImageDefineXML" },
    { REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, remoteDomainShutdownFlags, WR, "virDomainShutdownFlags" },
    { REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, remoteConnectListAllDomains, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_GET_JOB_STATS, remoteDomainGetJobStats, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, remoteDomainDefineXMLFlags, WR, "virDomainDefineXMLFlags" },
    { REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, remoteConnectCloseCallback, PRIO, NULL },
    { REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, remoteConnectCloseCallback, PRIO, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC, remoteDomainManagedSaveGetXMLDesc, 0, NULL },
    { REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML, remoteDomainManagedSaveDefineXML, WR, "virDomainManagedSaveDefineXML" },
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
    return prog;
}


/**
 * remoteProgramFree:
 * @prog: a program, or NULL
 */
void
remoteProgramFree(remoteProgram *prog)
{
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
    vsNetServerSetClientInit(srv, remoteClientInit, NULL);
}
