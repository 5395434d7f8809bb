/*
 * qemu_agent.h: client of the QEMU guest agent (qemu-ga)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One qemuAgent is one conversation with the agent inside a guest,
 * through the UNIX socket of the domain's org.qemu.guest_agent.0
 * channel (QEMU listens on it). qemuAgentOpen() connects and
 * resynchronises the stream (guest-sync-delimited), so replies left over
 * from an earlier conversation are skipped; then commands run one at a
 * time, each bounded by a timeout. Nothing here locks: the caller keeps
 * two conversations with one guest from overlapping, and never holds a
 * domain lock while one runs.
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

/* How long the agent has to answer the resynchronisation. */
#define QEMU_AGENT_SYNC_TIMEOUT_MS 5000
/* How long a command waits for its reply. */
#define QEMU_AGENT_COMMAND_TIMEOUT_MS 60000

/* The channel name the agent listens on inside the guest. */
#define QEMU_AGENT_CHANNEL_NAME "org.qemu.guest_agent.0"

typedef struct _qemuAgent qemuAgent;

/* Connect to @path and resynchronise within @syncTimeoutMs. Fails with
 * VS_ERR_AGENT_UNRESPONSIVE when nobody answers. */
qemuAgent *qemuAgentOpen(const char *path,
                         int syncTimeoutMs,
                         GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
void qemuAgentClose(qemuAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuAgent, qemuAgentClose);

/* Timeout of each later command; <= 0 selects the default. */
void qemuAgentSetTimeout(qemuAgent *agent, int timeoutMs);

/* Run @execute with @args (transfer full, may be NULL); @reply (transfer
 * full): the "return" member. */
gboolean qemuAgentCommand(qemuAgent *agent,
                          const char *execute,
                          json_object *args,
                          json_object **reply,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* guest-get-time: the guest's clock. */
gboolean qemuAgentGetTime(qemuAgent *agent,
                          long long *seconds,
                          unsigned int *nseconds,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-set-time: to the given time, or (@fromRTC) from the guest's
 * hardware clock. */
gboolean qemuAgentSetTime(qemuAgent *agent,
                          gboolean fromRTC,
                          long long seconds,
                          unsigned int nseconds,
                          GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-network-get-interfaces: (transfer full) qemuStatsInterface. */
GPtrArray *qemuAgentGetInterfaces(qemuAgent *agent,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-shutdown with @mode "powerdown", "reboot" or "halt". The agent
 * does not reply: success means the guest's side took the request. */
gboolean qemuAgentShutdown(qemuAgent *agent,
                           const char *mode,
                           GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-fsfreeze-freeze(-list): the number of file systems frozen. */
int qemuAgentFSFreeze(qemuAgent *agent,
                      const char *const *mountpoints,
                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* guest-fsfreeze-thaw: the number of file systems thawed. */
int qemuAgentFSThaw(qemuAgent *agent,
                    GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
