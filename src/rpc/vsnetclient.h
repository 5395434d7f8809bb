/*
 * vsnetclient.h: one connected RPC client
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A client is owned by the server's I/O thread, which alone reads and
 * writes its socket. Worker threads hold references while they answer a
 * call and hand replies back with vsNetClientQueueMessage(); the I/O
 * thread writes them out in the order queued.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "vsnetmessage.h"

typedef struct _vsNetClient vsNetClient;

vsNetClient *vsNetClientRef(vsNetClient *client);
void vsNetClientUnref(vsNetClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsNetClient, vsNetClientUnref);

guint64 vsNetClientGetID(const vsNetClient *client);
void vsNetClientGetIdentity(const vsNetClient *client, pid_t *pid,
                            uid_t *uid, gid_t *gid);
gboolean vsNetClientIsPrivileged(const vsNetClient *client);

void vsNetClientSetPrivateData(vsNetClient *client, gpointer data,
                               GDestroyNotify freeFunc);
gpointer vsNetClientGetPrivateData(vsNetClient *client);

void vsNetClientQueueMessage(vsNetClient *client, vsNetMessage *msg);
void vsNetClientEnableKeepAlive(vsNetClient *client);
void vsNetClientCloseAfterReplies(vsNetClient *client);
gboolean vsNetClientIsClosed(vsNetClient *client);
GMainContext *vsNetClientGetContext(vsNetClient *client);
void vsNetClientSetAuthenticated(vsNetClient *client);
gboolean vsNetClientIsAuthenticated(vsNetClient *client);
