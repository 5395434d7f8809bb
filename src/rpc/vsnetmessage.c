/*
 * vsnetmessage.c: libvirt RPC message framing and headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "vsnetmessage.h"
#include "vsnetxdr.h"
#include "vserror.h"
#include "vsinternal.h"

/* virErrorLevel: every error we report is an ERROR (2). */
#define VS_NET_ERROR_LEVEL 2


/**
 * vsNetMessageNew:
 *
 * Returns: (transfer full) an empty message with a zeroed header.
 */
vsNetMessage *
vsNetMessageNew(void)
{
    vsNetMessage *msg = g_new0(vsNetMessage, 1);

    msg->payload = g_byte_array_new();
    return msg;
}


/**
 * vsNetMessageFree:
 * @msg: a message, or NULL
 */
void
vsNetMessageFree(vsNetMessage *msg)
{
    if (!msg)
        return;
    g_byte_array_unref(msg->payload);
    g_free(msg);
}


/**
 * vsNetMessageDecodeLength:
 * @buf: the first 4 bytes of a message
 * @len: where to store the total length (length word included)
 * @error: return location for a #GError
 *
 * A length outside [28, 32 MiB + 4] cannot be resynchronised: the caller
 * must drop the connection.
 *
 * Returns: FALSE with @error set if the length is out of range.
 */
gboolean
vsNetMessageDecodeLength(const guint8 *buf,
                         guint32 *len,
                         GError **error)
{
    vsNetXdrReader rd;
    guint32 n;

    vsNetXdrReaderInit(&rd, buf, VS_NET_MESSAGE_LEN_SIZE);
    if (!vsNetXdrReadU32(&rd, &n, error))
        return FALSE;

    if (n < VS_NET_MESSAGE_MIN) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("message length %u is below the minimum of %d"),
                    n, VS_NET_MESSAGE_MIN);
        return FALSE;
    }
    if (n > VS_NET_MESSAGE_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("message length %u exceeds the maximum of %d"),
                    n, VS_NET_MESSAGE_MAX);
        return FALSE;
    }
    *len = n;
    return TRUE;
}


/**
 * vsNetMessageDecode:
 * @buf: a whole message, length word included
 * @len: its size in bytes
 * @error: return location for a #GError
 *
 * Splits a framed message into header and payload. The header fields are
 * not interpreted here: an unknown program or type is the dispatcher's
 * business, since it must still be answered.
 *
 * Returns: (transfer full) the message, or NULL with @error set if @buf
 * is not a well-formed frame.
 */
vsNetMessage *
vsNetMessageDecode(const guint8 *buf,
                   size_t len,
                   GError **error)
{
    g_autoptr(vsNetMessage) msg = NULL;
    vsNetXdrReader rd;
    vsNetMessageHeader *hdr;
    guint32 framelen;

    if (len < VS_NET_MESSAGE_MIN) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("message of %zu bytes is shorter than a header"), len);
        return NULL;
    }
    if (!vsNetMessageDecodeLength(buf, &framelen, error))
        return NULL;
    if (framelen != len) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("message length %u does not match the %zu bytes received"),
                    framelen, len);
        return NULL;
    }

    msg = vsNetMessageNew();
    hdr = &msg->header;
    vsNetXdrReaderInit(&rd, buf + VS_NET_MESSAGE_LEN_SIZE,
                       VS_NET_MESSAGE_HEADER_SIZE);
    if (!vsNetXdrReadU32(&rd, &hdr->prog, error) ||
        !vsNetXdrReadU32(&rd, &hdr->vers, error) ||
        !vsNetXdrReadI32(&rd, &hdr->proc, error) ||
        !vsNetXdrReadU32(&rd, &hdr->type, error) ||
        !vsNetXdrReadU32(&rd, &hdr->serial, error) ||
        !vsNetXdrReadU32(&rd, &hdr->status, error))
        return NULL;

    g_byte_array_append(msg->payload, buf + VS_NET_MESSAGE_MIN,
                        len - VS_NET_MESSAGE_MIN);
    return g_steal_pointer(&msg);
}


/**
 * vsNetMessageEncode:
 * @msg: a message
 * @error: return location for a #GError
 *
 * Returns: (transfer full) the framed bytes, or NULL with @error set if
 * the payload is too large for one message.
 */
GByteArray *
vsNetMessageEncode(const vsNetMessage *msg,
                   GError **error)
{
    const vsNetMessageHeader *hdr = &msg->header;
    GByteArray *buf;

    if (msg->payload->len > VS_NET_MESSAGE_PAYLOAD_MAX) {
        g_set_error(error, VS_ERROR_RPC, VS_ERR_RPC,
                    _("reply payload of %u bytes exceeds the message limit"),
                    msg->payload->len);
        return NULL;
    }

    buf = g_byte_array_sized_new(VS_NET_MESSAGE_MIN + msg->payload->len);
    vsNetXdrWriteU32(buf, VS_NET_MESSAGE_MIN + msg->payload->len);
    vsNetXdrWriteU32(buf, hdr->prog);
    vsNetXdrWriteU32(buf, hdr->vers);
    vsNetXdrWriteI32(buf, hdr->proc);
    vsNetXdrWriteU32(buf, hdr->type);
    vsNetXdrWriteU32(buf, hdr->serial);
    vsNetXdrWriteU32(buf, hdr->status);
    g_byte_array_append(buf, msg->payload->data, msg->payload->len);
    return buf;
}


/**
 * vsNetMessageNewReply:
 * @call: the header of the call being answered
 *
 * A reply echoes program, version, procedure and serial of its call:
 * clients match replies to calls by serial and reject a changed proc.
 *
 * Returns: (transfer full) a successful, empty reply.
 */
vsNetMessage *
vsNetMessageNewReply(const vsNetMessageHeader *call)
{
    vsNetMessage *reply = vsNetMessageNew();

    reply->header = *call;
    reply->header.type = VS_NET_MESSAGE_REPLY;
    reply->header.status = VS_NET_MESSAGE_STATUS_OK;
    return reply;
}


/**
 * vsNetMessageNewKeepAlive:
 * @proc: VS_NET_KEEPALIVE_PROC_PING or VS_NET_KEEPALIVE_PROC_PONG
 *
 * Returns: (transfer full) a keepalive message (type MESSAGE, serial 0,
 * no payload).
 */
vsNetMessage *
vsNetMessageNewKeepAlive(gint32 proc)
{
    vsNetMessage *msg = vsNetMessageNew();

    msg->header.prog = VS_NET_PROGRAM_KEEPALIVE;
    msg->header.vers = VS_NET_PROGRAM_VERSION;
    msg->header.proc = proc;
    msg->header.type = VS_NET_MESSAGE_MESSAGE;
    msg->header.serial = 0;
    msg->header.status = VS_NET_MESSAGE_STATUS_OK;
    return msg;
}


/**
 * vsNetMessageSetError:
 * @reply: a reply; its payload is replaced
 * @code: libvirt error number
 * @domain: libvirt error domain number
 * @message: the complete text the client shows
 *
 * Turns @reply into an error reply. The body carries the message both as
 * the message proper and as the detail of a "%s" format, the way libvirt
 * clients expect to find it; the object fields stay empty.
 */
void
vsNetMessageSetError(vsNetMessage *reply,
                     int code,
                     int domain,
                     const char *message)
{
    GByteArray *buf = reply->payload;

    reply->header.status = VS_NET_MESSAGE_STATUS_ERROR;
    g_byte_array_set_size(buf, 0);

    vsNetXdrWriteI32(buf, code);
    vsNetXdrWriteI32(buf, domain);
    vsNetXdrWriteOptString(buf, message);
    vsNetXdrWriteI32(buf, VS_NET_ERROR_LEVEL);
    vsNetXdrWriteU32(buf, 0);               /* dom */
    vsNetXdrWriteOptString(buf, "%s");      /* str1 */
    vsNetXdrWriteOptString(buf, message);   /* str2 */
    vsNetXdrWriteOptString(buf, NULL);      /* str3 */
    vsNetXdrWriteI32(buf, -1);              /* int1 */
    vsNetXdrWriteI32(buf, -1);              /* int2 */
    vsNetXdrWriteU32(buf, 0);               /* net */
}
