/*
 * qemu_agentpriv.h: guest agent internals exported for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qemu_agent.h"

/* Upper bound for one reply line of the agent. */
#define QEMU_AGENT_MAX_MESSAGE (16 * 1024 * 1024)

/* The line sent for one command, "\n" included. @args: (transfer none),
 * may be NULL. */
char *qemuAgentFormatCommand(const char *execute,
                             json_object *args);

/* The "return" member of @msg (transfer full; an empty object when the
 * reply has none), or NULL with the agent's error for @execute. */
json_object *qemuAgentParseReply(json_object *msg,
                                 const char *execute,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The reply of guest-get-time (nanoseconds since the epoch). */
gboolean qemuAgentParseTime(json_object *ret,
                            long long *seconds,
                            unsigned int *nseconds,
                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The reply of guest-network-get-interfaces: (transfer full)
 * qemuStatsInterface entries. */
GPtrArray *qemuAgentParseInterfaces(json_object *ret,
                                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Take over @fd, a connected stream socket to the agent's channel
 * (closed on failure too), and resynchronise. */
qemuAgent *qemuAgentOpenFd(int fd,
                           int syncTimeoutMs,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
