/*
 * vsnetserver.h: the RPC server: listeners, clients, workers, keepalive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One I/O thread (the caller of vsNetServerRun()) accepts connections,
 * reads and writes every socket and answers keepalive PINGs. Complete
 * calls go to one of two worker pools: quick "priority" procedures (job
 * progress, state queries, abort) have their own pool, so they are never
 * queued behind long saves and restores.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

#include "vsnetclient.h"
#include "vsnetmessage.h"

typedef struct _vsNetServer vsNetServer;

typedef struct _vsNetServerConfig vsNetServerConfig;
struct _vsNetServerConfig {
    guint maxClients;
    guint maxWorkers;
    guint prioWorkers;
    guint maxClientRequests;
    guint keepaliveInterval;    /* seconds; 0 disables server PINGs */
    guint keepaliveCount;
    gid_t rwGroup;              /* (gid_t)-1: none */
    guint shutdownTimeout;      /* seconds to wait for running calls; 0: no limit */
    guint maxAnonymousClients;  /* connections not past CONNECT_OPEN */
    guint anonymousTimeout;     /* seconds they may stay; 0: no limit */
    guint maxClientsPerUid;     /* for peers other than root and us; 0: none */
    guint messageTimeout;       /* seconds a started message may stall */
    gsize maxIncompleteBytes;   /* buffered for incomplete messages, all clients */
};

void vsNetServerConfigInit(vsNetServerConfig *cfg);

/* Called in a worker thread; returns (transfer full) the reply, made
 * with vsNetMessageNewReply(@call). */
typedef vsNetMessage *(*vsNetProgramDispatchFunc)(vsNetServer *srv,
                                                  vsNetClient *client,
                                                  const vsNetMessage *call,
                                                  gpointer opaque);
/* Called in the I/O thread: TRUE for procedures that must not wait
 * behind long-running calls. */
typedef gboolean (*vsNetProgramPriorityFunc)(gint32 proc, gpointer opaque);
/* Called in the I/O thread for each new connection, before its first
 * call: set up per-connection state with vsNetClientSetPrivateData(). */
typedef void (*vsNetServerClientInitFunc)(vsNetClient *client,
                                          gpointer opaque);

vsNetServer *vsNetServerNew(const vsNetServerConfig *cfg, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void vsNetServerFree(vsNetServer *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsNetServer, vsNetServerFree);

void vsNetServerAddProgram(vsNetServer *srv, guint32 prog, guint32 vers,
                           vsNetProgramDispatchFunc dispatch,
                           vsNetProgramPriorityFunc priority,
                           gpointer opaque);
/* Streams (libvirt's STREAM messages, e.g. a console): @stream gets each
 * STREAM message a client sends for the program, in the I/O thread, and
 * must not block; @replied runs in the worker after a successful reply
 * was queued, so that a stream the call opened starts after its reply. */
typedef void (*vsNetProgramStreamFunc)(vsNetClient *client,
                                       const vsNetMessage *msg,
                                       gpointer opaque);
typedef void (*vsNetProgramRepliedFunc)(vsNetClient *client,
                                        const vsNetMessageHeader *call,
                                        gpointer opaque);
void vsNetServerSetProgramStreams(vsNetServer *srv, guint32 prog,
                                  guint32 vers,
                                  vsNetProgramStreamFunc stream,
                                  vsNetProgramRepliedFunc replied);
void vsNetServerSetClientInit(vsNetServer *srv,
                              vsNetServerClientInitFunc func,
                              gpointer opaque);

gboolean vsNetServerAddListener(vsNetServer *srv, const char *path,
                                mode_t mode, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean vsNetServerAddListenerFd(vsNetServer *srv, int fd,
                                  const char *path, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

GMainContext *vsNetServerGetContext(vsNetServer *srv);
gboolean vsNetServerRun(vsNetServer *srv);
void vsNetServerQuit(vsNetServer *srv);
