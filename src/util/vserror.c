/*
 * vserror.c: errors that carry libvirt's error numbers and domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <string.h>

#include "vserror.h"
#include "vsinternal.h"

GQuark
vsErrorNoneQuark(void)
{
    return g_quark_from_static_string("vs-error-none-quark");
}


GQuark
vsErrorRpcQuark(void)
{
    return g_quark_from_static_string("vs-error-rpc-quark");
}


GQuark
vsErrorConfQuark(void)
{
    return g_quark_from_static_string("vs-error-conf-quark");
}


GQuark
vsErrorQemuQuark(void)
{
    return g_quark_from_static_string("vs-error-qemu-quark");
}


GQuark
vsErrorRemoteQuark(void)
{
    return g_quark_from_static_string("vs-error-remote-quark");
}


GQuark
vsErrorDomainQuark(void)
{
    return g_quark_from_static_string("vs-error-domain-quark");
}


GQuark
vsErrorSystemQuark(void)
{
    return g_quark_from_static_string("vs-error-system-quark");
}



/**
 * vsErrorDomainToNumber:
 * @domain: a GError domain
 *
 * Returns: the libvirt error domain number (virErrorDomain) for @domain;
 * 0 (VIR_FROM_NONE) for domains that are not virtsave's.
 */
int
vsErrorDomainToNumber(GQuark domain)
{
    if (domain == VS_ERROR_RPC)
        return 7;
    if (domain == VS_ERROR_CONF)
        return 9;
    if (domain == VS_ERROR_QEMU)
        return 10;
    if (domain == VS_ERROR_REMOTE)
        return 13;
    if (domain == VS_ERROR_DOMAIN)
        return 20;
    return 0;
}


/**
 * vsErrorCodePrefix:
 * @code: a libvirt error number
 *
 * libvirt clients show an error as a short description of its code, a
 * colon and the detail ("operation failed: image magic is incorrect").
 * System errors and a few others carry no description.
 *
 * Returns: (transfer none) the translated description, or NULL.
 */
const char *
vsErrorCodePrefix(int code)
{
    switch ((vsErrorCode) code) {
    case VS_ERR_INTERNAL_ERROR:
        return _("internal error");
    case VS_ERR_NO_MEMORY:
        return _("out of memory");
    case VS_ERR_NO_SUPPORT:
        return _("this function is not supported by the connection driver");
    case VS_ERR_NO_CONNECT:
        return _("no connection driver available for");
    case VS_ERR_INVALID_ARG:
        return _("invalid argument");
    case VS_ERR_OPERATION_FAILED:
        return _("operation failed");
    case VS_ERR_XML_ERROR:
        return _("XML error");
    case VS_ERR_OPERATION_DENIED:
        return _("operation forbidden");
    case VS_ERR_OPEN_FAILED:
        return _("cannot open");
    case VS_ERR_READ_FAILED:
        return _("cannot read");
    case VS_ERR_PARSE_FAILED:
        return _("cannot parse");
    case VS_ERR_CONF_SYNTAX:
        return _("configuration file syntax error");
    case VS_ERR_WRITE_FAILED:
        return _("cannot write");
    case VS_ERR_NO_DOMAIN:
        return _("Domain not found");
    case VS_ERR_NO_NETWORK:
        return _("Network not found");
    case VS_ERR_AUTH_FAILED:
        return _("authentication failed");
    case VS_ERR_OPERATION_INVALID:
        return _("Requested operation is not valid");
    case VS_ERR_CONFIG_UNSUPPORTED:
        return _("unsupported configuration");
    case VS_ERR_OPERATION_TIMEOUT:
        return _("Timed out during operation");
    case VS_ERR_ARGUMENT_UNSUPPORTED:
        return _("argument unsupported");
    case VS_ERR_OPERATION_ABORTED:
        return _("operation aborted");
    case VS_ERR_NO_DOMAIN_METADATA:
        return _("metadata not found");
    case VS_ERR_AGENT_UNRESPONSIVE:
        return _("Guest agent is not responding");
    case VS_ERR_OPERATION_UNSUPPORTED:
        return _("Operation not supported");
    case VS_ERR_RESOURCE_BUSY:
        return _("resource busy");
    case VS_ERR_ACCESS_DENIED:
        return _("access denied");
    case VS_ERR_OK:
    case VS_ERR_SYSTEM_ERROR:
    case VS_ERR_RPC:
        break;
    }
    return NULL;
}


/**
 * vsErrorFormatMessage:
 * @error: an error of any domain
 *
 * Returns: (transfer full) the message as a libvirt client shows it: the
 * code's description (if it has one) followed by the detail.
 */
char *
vsErrorFormatMessage(const GError *error)
{
    const char *prefix = NULL;

    if (error->domain != VS_ERROR_SYSTEM)
        prefix = vsErrorCodePrefix(error->code);

    if (!prefix)
        return g_strdup(error->message);
    /* libvirt's one description that reads on into its detail (the URI) */
    if (error->code == VS_ERR_NO_CONNECT)
        return g_strdup_printf("%s %s", prefix, error->message);

    return g_strdup_printf("%s: %s", prefix, error->message);
}


/* The body of vsSetErrorErrno() and vsSetErrorSystem(). */
static void G_GNUC_PRINTF(5, 0)
vsSetErrorErrnoV(GError **error,
                 GQuark domain,
                 int code,
                 int errnum,
                 const char *fmt,
                 va_list args)
{
    g_autofree char *msg = NULL;

    if (!error)
        return;

    msg = g_strdup_vprintf(fmt, args);
    g_set_error(error, domain, code, "%s: %s", msg, g_strerror(errnum));
}


/**
 * vsSetErrorErrno:
 * @error: return location for a #GError, may be NULL
 * @domain: error domain
 * @code: libvirt error number
 * @errnum: an errno value, appended as its description
 * @fmt: printf format of the message
 *
 * Sets @error to "<message>: <strerror(errnum)>".
 */
void
vsSetErrorErrno(GError **error,
                GQuark domain,
                int code,
                int errnum,
                const char *fmt,
                ...)
{
    va_list args;

    va_start(args, fmt);
    vsSetErrorErrnoV(error, domain, code, errnum, fmt, args);
    va_end(args);
}


/**
 * vsSetErrorSystem:
 * @error: return location for a #GError, may be NULL
 * @errnum: an errno value
 * @fmt: printf format of the message
 *
 * Sets a system error (VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR) whose message
 * ends with the description of @errnum.
 */
void
vsSetErrorSystem(GError **error,
                 int errnum,
                 const char *fmt,
                 ...)
{
    va_list args;

    va_start(args, fmt);
    vsSetErrorErrnoV(error, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR, errnum,
                     fmt, args);
    va_end(args);
}


/**
 * vsCheckFlags:
 * @domain: the error domain of the caller's layer
 * @flags: the flags of a call
 * @supported: the flags @func knows
 * @func: the entry point, named in the message
 * @error: return location for a #GError
 *
 * The one check of unknown flags, with libvirt's message.
 *
 * Returns: TRUE if @flags holds only @supported bits, else FALSE with
 * @error set (VS_ERR_INVALID_ARG).
 */
gboolean
vsCheckFlags(GQuark domain,
             unsigned int flags,
             unsigned int supported,
             const char *func,
             GError **error)
{
    if (flags & ~supported) {
        g_set_error(error, domain, VS_ERR_INVALID_ARG,
                    _("unsupported flags (0x%x) in function %s"),
                    flags & ~supported, func);
        return FALSE;
    }
    return TRUE;
}
