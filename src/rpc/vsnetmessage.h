/*
 * vsnetmessage.h: libvirt RPC message framing and headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A message on the stream is a 4-byte length (counting itself), a
 * 24-byte header and an XDR payload. docs/protocol.md has the layout.
 */

#pragma once

#include <glib.h>
#include <stdint.h>

#define VS_NET_MESSAGE_LEN_SIZE 4
#define VS_NET_MESSAGE_HEADER_SIZE 24
/* length word + header: the smallest valid message */
#define VS_NET_MESSAGE_MIN (VS_NET_MESSAGE_LEN_SIZE + VS_NET_MESSAGE_HEADER_SIZE)
/* header + payload may not exceed 32 MiB */
#define VS_NET_MESSAGE_MAX (VS_NET_MESSAGE_LEN_SIZE + 33554432)
#define VS_NET_MESSAGE_PAYLOAD_MAX (VS_NET_MESSAGE_MAX - VS_NET_MESSAGE_MIN)

#define VS_NET_PROGRAM_REMOTE 0x20008086
#define VS_NET_PROGRAM_KEEPALIVE 0x6b656570
#define VS_NET_PROGRAM_VERSION 1

#define VS_NET_KEEPALIVE_PROC_PING 1
#define VS_NET_KEEPALIVE_PROC_PONG 2

typedef enum {
    VS_NET_MESSAGE_CALL = 0,
    VS_NET_MESSAGE_REPLY = 1,
    VS_NET_MESSAGE_MESSAGE = 2,
    VS_NET_MESSAGE_STREAM = 3,
    VS_NET_MESSAGE_CALL_WITH_FDS = 4,
    VS_NET_MESSAGE_REPLY_WITH_FDS = 5,
    VS_NET_MESSAGE_STREAM_HOLE = 6,
} vsNetMessageType;

typedef enum {
    VS_NET_MESSAGE_STATUS_OK = 0,
    VS_NET_MESSAGE_STATUS_ERROR = 1,
    VS_NET_MESSAGE_STATUS_CONTINUE = 2,
} vsNetMessageStatus;

typedef struct _vsNetMessageHeader vsNetMessageHeader;
struct _vsNetMessageHeader {
    guint32 prog;
    guint32 vers;
    gint32 proc;
    guint32 type;       /* vsNetMessageType */
    guint32 serial;
    guint32 status;     /* vsNetMessageStatus */
};

/* One received or outgoing message: header plus payload bytes. */
typedef struct _vsNetMessage vsNetMessage;
struct _vsNetMessage {
    vsNetMessageHeader header;
    GByteArray *payload;
};

vsNetMessage *vsNetMessageNew(void);
void vsNetMessageFree(vsNetMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsNetMessage, vsNetMessageFree);

gboolean vsNetMessageDecodeLength(const guint8 *buf, guint32 *len,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;
vsNetMessage *vsNetMessageDecode(const guint8 *buf, size_t len,
                                 GError **error) G_GNUC_WARN_UNUSED_RESULT;
GByteArray *vsNetMessageEncode(const vsNetMessage *msg, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

vsNetMessage *vsNetMessageNewReply(const vsNetMessageHeader *call);
vsNetMessage *vsNetMessageNewKeepAlive(gint32 proc);
void vsNetMessageSetError(vsNetMessage *reply, int code, int domain,
                          const char *message);
