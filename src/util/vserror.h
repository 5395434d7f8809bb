/*
 * vserror.h: errors that carry libvirt's error numbers and domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/*
 * Each GError domain stands for one libvirt error domain (virErrorDomain),
 * and each code is a libvirt error number (virErrorNumber): both travel
 * unchanged to clients over the remote protocol.
 */
#define VS_ERROR_NONE (vsErrorNoneQuark())      /* VIR_FROM_NONE, 0 */
#define VS_ERROR_RPC (vsErrorRpcQuark())        /* VIR_FROM_RPC, 7 */
#define VS_ERROR_CONF (vsErrorConfQuark())      /* VIR_FROM_CONF, 9 */
#define VS_ERROR_QEMU (vsErrorQemuQuark())      /* VIR_FROM_QEMU, 10 */
#define VS_ERROR_REMOTE (vsErrorRemoteQuark())  /* VIR_FROM_REMOTE, 13 */
#define VS_ERROR_DOMAIN (vsErrorDomainQuark())  /* VIR_FROM_DOMAIN, 20 */
/* Failures of the operating system seen by the util layer. */
#define VS_ERROR_SYSTEM (vsErrorSystemQuark())  /* VIR_FROM_NONE, 0 */

GQuark vsErrorNoneQuark(void);
GQuark vsErrorRpcQuark(void);
GQuark vsErrorConfQuark(void);
GQuark vsErrorQemuQuark(void);
GQuark vsErrorRemoteQuark(void);
GQuark vsErrorDomainQuark(void);
GQuark vsErrorSystemQuark(void);

/* libvirt's public error numbers (virErrorNumber) that virtsave uses. */
typedef enum {
    VS_ERR_OK = 0,
    VS_ERR_INTERNAL_ERROR = 1,
    VS_ERR_NO_MEMORY = 2,
    VS_ERR_NO_SUPPORT = 3,
    VS_ERR_NO_CONNECT = 5,
    VS_ERR_INVALID_ARG = 8,
    VS_ERR_OPERATION_FAILED = 9,
    VS_ERR_XML_ERROR = 27,
    VS_ERR_OPERATION_DENIED = 29,
    VS_ERR_OPEN_FAILED = 30,
    VS_ERR_READ_FAILED = 31,
    VS_ERR_PARSE_FAILED = 32,
    VS_ERR_CONF_SYNTAX = 33,
    VS_ERR_WRITE_FAILED = 34,
    VS_ERR_SYSTEM_ERROR = 38,
    VS_ERR_RPC = 39,
    VS_ERR_NO_DOMAIN = 42,
    VS_ERR_NO_NETWORK = 43,
    VS_ERR_AUTH_FAILED = 45,
    VS_ERR_OPERATION_INVALID = 55,
    VS_ERR_CONFIG_UNSUPPORTED = 67,
    VS_ERR_OPERATION_TIMEOUT = 68,
    VS_ERR_ARGUMENT_UNSUPPORTED = 74,
    VS_ERR_OPERATION_ABORTED = 78,
    VS_ERR_NO_DOMAIN_METADATA = 80,
    VS_ERR_OPERATION_UNSUPPORTED = 84,
    VS_ERR_AGENT_UNRESPONSIVE = 86,
    VS_ERR_RESOURCE_BUSY = 87,
    VS_ERR_ACCESS_DENIED = 88,
} vsErrorCode;

int vsErrorDomainToNumber(GQuark domain);

const char *vsErrorCodePrefix(int code);

char *vsErrorFormatMessage(const GError *error);

void vsSetErrorErrno(GError **error,
                     GQuark domain,
                     int code,
                     int errnum,
                     const char *fmt,
                     ...) G_GNUC_PRINTF(5, 6);

void vsSetErrorSystem(GError **error,
                      int errnum,
                      const char *fmt,
                      ...) G_GNUC_PRINTF(3, 4);

/*
 * VS_RETURN_VAL_IF_FAIL:
 * @expr: what the caller promised
 * @val: what to return when it did not
 * @error: the function's GError location
 *
 * The check of a function's contract for functions that report through
 * GError. g_return_val_if_fail() would return failure without setting
 * @error, and a client would then read that the call failed without a
 * reason; this sets VS_ERR_INTERNAL_ERROR naming the function and the
 * broken condition.
 */
#define VS_RETURN_VAL_IF_FAIL(expr, val, error) \
    G_STMT_START { \
        if (G_UNLIKELY(!(expr))) { \
            g_set_error((error), VS_ERROR_NONE, VS_ERR_INTERNAL_ERROR, \
                        "%s: assertion '%s' failed", G_STRFUNC, #expr); \
            return (val); \
        } \
    } G_STMT_END

gboolean vsCheckFlags(GQuark domain,
                      unsigned int flags,
                      unsigned int supported,
                      const char *func,
                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
