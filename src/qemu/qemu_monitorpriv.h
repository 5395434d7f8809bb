/*
 * qemu_monitorpriv.h: monitor internals exported for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "qemu_monitor.h"

/* Upper bound for one QMP message; the biggest real one,
 * query-qmp-schema, is well under 1 MiB. */
#define QEMU_MONITOR_MAX_MESSAGE (64 * 1024 * 1024)

/*
 * The incremental splitter that turns the bytes QEMU writes (messages
 * separated by CR LF, cut anywhere by the socket) into JSON objects.
 */
typedef struct _qemuMonitorParser qemuMonitorParser;

qemuMonitorParser *qemuMonitorParserNew(void);
void qemuMonitorParserFree(qemuMonitorParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitorParser, qemuMonitorParserFree);

/* Feed @len bytes; each message completed by them is appended to @msgs
 * (a GPtrArray that owns json_object references). Fails on invalid JSON,
 * a value that is not an object, or a message over the size limit; the
 * parser is unusable afterwards. */
gboolean qemuMonitorParserFeed(qemuMonitorParser *parser,
                               const char *buf,
                               size_t len,
                               GPtrArray *msgs,
                               GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The line sent for one command, CR LF included. @args: (transfer none),
 * may be NULL. */
char *qemuMonitorFormatCommand(const char *execute,
                               json_object *args,
                               const char *id);
