/*
 * qemu_monitor_json.h: build QMP arguments and read QMP replies
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions, no I/O: qemuMonitorBuild*() return the "arguments"
 * object of one command (transfer full; NULL when the command takes
 * none), qemuMonitorParse*() read the "return" member of its reply
 * (transfer none) or an event's "data" member. A parse function fails
 * with VS_ERROR_QEMU / VS_ERR_INTERNAL_ERROR when a member QEMU always
 * sends is missing or has the wrong type; members QEMU may leave out are
 * optional here too. The output of a failed parse is left cleared.
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qemu_monitor.h"

/* QEMU's greeting or query-version: {"qemu":{major,minor,micro},
 * "package":...}. */
gboolean qemuMonitorParseVersion(json_object *value,
                                 qemuMonitorVersion *version,
                                 GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* The whole greeting message {"QMP":{"version":...,"capabilities":[]}}. */
gboolean qemuMonitorParseGreeting(json_object *msg,
                                  qemuMonitorVersion *version,
                                  GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

gboolean qemuMonitorParseStatus(json_object *reply,
                                qemuMonitorStatus *status,
                                GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Statuses outside qemuMonitorMigrationStatus map to UNKNOWN. */
qemuMonitorMigrationStatus qemuMonitorParseMigrationStatus(const char *str);

gboolean qemuMonitorParseMigrateStats(json_object *reply,
                                      qemuMonitorMigrationStats *stats,
                                      GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

json_object *qemuMonitorBuildMigrationCaps(const qemuMonitorMigrationCap *caps,
                                           size_t ncaps);
GArray *qemuMonitorParseMigrationCaps(json_object *reply, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Set @name in @caps (from qemuMonitorParseMigrationCaps()) to @state;
 * FALSE when this QEMU does not know @name. */
gboolean qemuMonitorMigrationCapsSet(GArray *caps,
                                     const char *name,
                                     gboolean state);
/* The state of @name, or -1 when this QEMU does not know it. */
int qemuMonitorMigrationCapsGet(const GArray *caps, const char *name);

json_object *qemuMonitorBuildMigrationParams(const qemuMonitorMigrationParams *params);
gboolean qemuMonitorParseMigrationParams(json_object *reply,
                                         qemuMonitorMigrationParams *params,
                                         GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

json_object *qemuMonitorBuildMigrate(const char *uri);
json_object *qemuMonitorBuildMigrateIncoming(const char *uri);

json_object *qemuMonitorBuildAddFd(int fdsetId, const char *opaque);
gboolean qemuMonitorParseAddFd(json_object *reply,
                               qemuMonitorAddFdInfo *info,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
json_object *qemuMonitorBuildRemoveFd(int fdsetId, int fd);
GPtrArray *qemuMonitorParseFdsets(json_object *reply, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
json_object *qemuMonitorBuildFdname(const char *fdname);

/* Event data. */
gboolean qemuMonitorParseMigrationEvent(json_object *data,
                                        qemuMonitorMigrationStatus *status,
                                        GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
gboolean qemuMonitorParseMigrationPassEvent(json_object *data,
                                            long long *pass,
                                            GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* SHUTDOWN and RESET: @guest TRUE when the guest asked for it; @reason
 * (transfer full) QEMU's ShutdownCause, e.g. "host-signal". */
gboolean qemuMonitorParseShutdownEvent(json_object *data,
                                       gboolean *guest,
                                       char **reason,
                                       GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
