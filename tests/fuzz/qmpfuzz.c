/*
 * qmpfuzz.c: fuzz the QMP byte stream parser and the reply parsers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is what QEMU could write on its monitor socket. It is fed to
 * the stream parser in pieces (the first byte picks where the cuts go,
 * as reads of any size would), and every message that comes out is given
 * to each reply and event parser the driver uses: QEMU is a process the
 * guest may control, so none of them may trust a member's presence or
 * type.
 */

#include <config.h>

#include <string.h>

#include "fuzz.h"
#include "qemu_monitor.h"
#include "qemu_monitorpriv.h"
#include "qemu_monitor_json.h"


static void
fuzzJSONFree(gpointer obj)
{
    json_object_put(obj);
}


static void
fuzzReply(json_object *ret)
{
    qemuMonitorVersion version = { 0 };
    qemuMonitorStatus status;
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitorMigrationParams params;
    qemuMonitorAddFdInfo addfd;
    g_autoptr(GArray) caps = NULL;
    g_autoptr(GPtrArray) fdsets = NULL;

    if (qemuMonitorParseVersion(ret, &version, NULL))
        qemuMonitorVersionClear(&version);
    (void) !qemuMonitorParseStatus(ret, &status, NULL);
    if (qemuMonitorParseMigrateStats(ret, &stats, NULL))
        qemuMonitorMigrationStatsClear(&stats);
    (void) !qemuMonitorParseMigrationParams(ret, &params, NULL);
    (void) !qemuMonitorParseAddFd(ret, &addfd, NULL);
    if ((caps = qemuMonitorParseMigrationCaps(ret, NULL))) {
        (void) qemuMonitorMigrationCapsSet(caps, "mapped-ram", TRUE);
        (void) qemuMonitorMigrationCapsGet(caps, "multifd");
    }
    fdsets = qemuMonitorParseFdsets(ret, NULL);
}


static void
fuzzEvent(json_object *data)
{
    qemuMonitorMigrationStatus mstatus;
    g_autofree char *reason = NULL;
    gboolean guest;
    long long pass;

    (void) !qemuMonitorParseMigrationEvent(data, &mstatus, NULL);
    (void) !qemuMonitorParseMigrationPassEvent(data, &pass, NULL);
    (void) !qemuMonitorParseShutdownEvent(data, &guest, &reason, NULL);
}


static void
fuzzMessage(json_object *msg)
{
    qemuMonitorVersion version = { 0 };
    json_object *member = NULL;

    if (qemuMonitorParseGreeting(msg, &version, NULL))
        qemuMonitorVersionClear(&version);
    if (json_object_object_get_ex(msg, "return", &member))
        fuzzReply(member);
    if (json_object_object_get_ex(msg, "data", &member))
        fuzzEvent(member);
    /* A reply whose members are where a caller did not expect them. */
    fuzzReply(msg);
    fuzzEvent(msg);
}


/**
 * LLVMFuzzerTestOneInput:
 * @data: one input: a cut selector byte, then the monitor byte stream
 * @size: its length
 *
 * Returns: 0 always; a bug shows as a crash or a sanitizer report.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    qemuMonitorParser *parser = NULL;
    g_autoptr(GPtrArray) msgs = NULL;
    const char *stream;
    size_t len;
    size_t step;
    size_t off = 0;
    size_t i;

    if (size < 1)
        return 0;
    step = data[0] ? data[0] : size;
    stream = (const char *) data + 1;
    len = size - 1;

    parser = qemuMonitorParserNew();
    msgs = g_ptr_array_new_with_free_func(fuzzJSONFree);
    while (off < len) {
        size_t n = MIN(step, len - off);

        if (!qemuMonitorParserFeed(parser, stream + off, n, msgs, NULL))
            break;
        off += n;
    }
    qemuMonitorParserFree(parser);

    for (i = 0; i < msgs->len; i++) {
        g_assert_true(json_object_is_type(msgs->pdata[i], json_type_object));
        fuzzMessage(msgs->pdata[i]);
    }
    return 0;
}
