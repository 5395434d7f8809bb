/*
 * daemon_config.h: virtsaved.conf
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The file holds "key = value" lines; values are integers or double-quoted
 * strings; '#' starts a comment. src/daemon/virtsaved.conf documents each
 * key.
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct _daemonConfig daemonConfig;
struct _daemonConfig {
    char *logLevel;             /* NULL: default */
    char *logFilters;
    char *logFile;              /* NULL: the root's log file */
    char *unixSockGroup;        /* NULL: the daemon's own group */
    mode_t unixSockRwPerms;
    guint maxClients;
    guint maxWorkers;
    guint prioWorkers;
    guint maxClientRequests;
    int keepaliveInterval;      /* seconds; -1 turns keepalive off */
    guint keepaliveCount;
    gboolean listenSystemSocket;
    guint shutdownTimeout;      /* seconds; 0 waits for ever */
    guint maxAnonymousClients;  /* connections not past CONNECT_OPEN */
    guint anonymousClientTimeout; /* seconds; 0: no limit */
    guint maxClientsPerUid;     /* 0: no limit */
    guint messageTimeout;       /* seconds; 0: no limit */
    guint maxIncompleteMiB;     /* MiB of incomplete messages, all clients */
};

daemonConfig *daemonConfigNew(void);
void daemonConfigFree(daemonConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(daemonConfig, daemonConfigFree);

gboolean daemonConfigParse(daemonConfig *cfg, const char *text,
                           const char *origin, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean daemonConfigLoad(daemonConfig *cfg, const char *path,
                          gboolean mustExist, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
