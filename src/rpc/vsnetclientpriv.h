/*
 * vsnetclientpriv.h: the client internals the server drives
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vsnetclient.h"

/* Called in the I/O thread for every complete, well-framed message;
 * takes ownership of @msg. */
typedef void (*vsNetClientMessageFunc)(vsNetClient *client,
                                       vsNetMessage *msg,
                                       gpointer opaque);
/* Called in the I/O thread once, when the connection is closed. */
typedef void (*vsNetClientCloseFunc)(vsNetClient *client, gpointer opaque);

typedef struct _vsNetClientCallbacks vsNetClientCallbacks;
struct _vsNetClientCallbacks {
    vsNetClientMessageFunc message;
    vsNetClientCloseFunc close;
    gpointer opaque;
};

vsNetClient *vsNetClientNew(int fd, guint64 id, pid_t pid, uid_t uid,
                            gid_t gid, gboolean privileged,
                            guint maxRequests, GMainContext *ctx,
                            const vsNetClientCallbacks *cb);
void vsNetClientClose(vsNetClient *client);
void vsNetClientBeginCall(vsNetClient *client);
void vsNetClientQueueReply(vsNetClient *client, vsNetMessage *reply);
gboolean vsNetClientKeepAliveCheck(vsNetClient *client, gint64 now,
                                   guint interval, guint count);
void vsNetClientFlush(vsNetClient *client, gint64 deadline);
void vsNetClientSetRxBudget(vsNetClient *client, gsize *used, gsize max);
gboolean vsNetClientTimeoutCheck(vsNetClient *client, gint64 now,
                                 guint anonTimeout, guint messageTimeout);
guint vsNetClientGetInflight(vsNetClient *client);
