/*
 * monitortest.c: QMP client against a scripted QMP server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The replies in data/monitor/ were recorded from QEMU 10.0.2: a paused
 * 512 MiB guest saved with mapped-ram, multifd (2 channels) and direct-io
 * into an fdset holding a buffered and an O_DIRECT descriptor.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_monitor.h"
#include "qemu_monitor_json.h"
#include "qemu_monitorpriv.h"
#include "vserror.h"
#include "vsfile.h"
#include "vssocket.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(json_object, json_object_put);

#define TEST_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Generous bound for things that happen at once; only hit on failure. */
#define TEST_WAIT_MS 10000


/* ---- recorded data ------------------------------------------------ */

static char *
testDataPath(const char *name)
{
    const char *srcdir = g_getenv("VS_TEST_SRCDIR");

    g_assert_nonnull(srcdir);
    return g_build_filename(srcdir, "qemu", "data", "monitor", name, NULL);
}


static char *
testLoadText(const char *name)
{
    g_autofree char *path = testDataPath(name);
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &err);
    g_assert_no_error(err);
    return text;
}


/* The whole recorded message <name>.json (transfer full). */
static json_object *
testLoadMessage(const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.json", name);
    g_autofree char *text = testLoadText(file);
    json_object *obj = json_tokener_parse(text);

    g_assert_nonnull(obj);
    return obj;
}


/* The "return" member of a recorded reply (transfer full). */
static json_object *
testLoadReturn(const char *name)
{
    g_autoptr(json_object) msg = testLoadMessage(name);
    json_object *ret = NULL;

    g_assert_true(json_object_object_get_ex(msg, "return", &ret));
    return json_object_get(ret);
}


/* ---- the scripted server ------------------------------------------ */

typedef struct _testServer testServer;
typedef void (*testServerFunc)(testServer *srv);

struct _testServer {
    int fd;
    GString *in;
    GArray *fds;                /* descriptors received, in order */
    testServerFunc func;
    gpointer data;
    gboolean skipHandshake;
    GThread *thread;
};


static void
testServerWrite(testServer *srv,
                const char *text)
{
    g_autoptr(GError) err = NULL;

    if (!vsSocketSendWithFds(srv->fd, text, strlen(text), NULL, 0, &err))
        g_test_message("server write: %s", err->message);
}


static void
testServerWriteObj(testServer *srv,
                   json_object *obj)
{
    g_autofree char *line = g_strdup_printf("%s\r\n",
        json_object_to_json_string_ext(obj, TEST_JSON_FLAGS));

    testServerWrite(srv, line);
}


/* Next command line from the client (transfer full); NULL at EOF. */
static json_object *
testServerRead(testServer *srv)
{
    char buf[4096];

    while (!strchr(srv->in->str, '\n')) {
        g_autoptr(GError) err = NULL;
        gssize n = vsSocketRecvWithFds(srv->fd, buf, sizeof(buf), srv->fds, &err);

        if (n <= 0)
            return NULL;
        g_string_append_len(srv->in, buf, n);
    }

    {
        char *nl = strchr(srv->in->str, '\n');
        g_autofree char *line = g_strndup(srv->in->str, nl - srv->in->str);
        json_object *obj = NULL;

        g_string_erase(srv->in, 0, nl - srv->in->str + 1);
        g_assert_true(g_str_has_suffix(line, "\r"));
        obj = json_tokener_parse(line);
        g_assert_nonnull(obj);
        return obj;
    }
}


static const char *
testCmdName(json_object *cmd)
{
    json_object *val = NULL;

    g_assert_true(json_object_object_get_ex(cmd, "execute", &val));
    return json_object_get_string(val);
}


static json_object *
testCmdArgs(json_object *cmd)
{
    json_object *val = NULL;

    json_object_object_get_ex(cmd, "arguments", &val);
    return val;
}


/* Read one command and check its name. */
static json_object *
testServerExpect(testServer *srv,
                 const char *name)
{
    json_object *cmd = testServerRead(srv);

    g_assert_nonnull(cmd);
    g_assert_cmpstr(testCmdName(cmd), ==, name);
    return cmd;
}


/* Answer @cmd with @msg (transfer full), a reply lacking its id. */
static void
testServerReplyMsg(testServer *srv,
                   json_object *cmd,
                   json_object *msg)
{
    json_object *id = NULL;

    g_assert_true(json_object_object_get_ex(cmd, "id", &id));
    json_object_object_add(msg, "id", json_object_get(id));
    testServerWriteObj(srv, msg);
    json_object_put(msg);
}


static void
testServerReplyEmpty(testServer *srv,
                     json_object *cmd)
{
    json_object *msg = json_object_new_object();

    json_object_object_add(msg, "return", json_object_new_object());
    testServerReplyMsg(srv, cmd, msg);
}


static void
testServerReplyFile(testServer *srv,
                    json_object *cmd,
                    const char *name)
{
    testServerReplyMsg(srv, cmd, testLoadMessage(name));
}


static void
testServerEvent(testServer *srv,
                const char *name,
                const char *data)
{
    g_autofree char *line = NULL;

    line = g_strdup_printf("{\"timestamp\": {\"seconds\": 1795440888, "
                           "\"microseconds\": 762509}, \"event\": \"%s\"%s%s}\r\n",
                           name, data ? ", \"data\": " : "", data ? data : "");
    testServerWrite(srv, line);
}


static void
testServerHandshake(testServer *srv)
{
    g_autofree char *greeting = testLoadText("greeting.json");
    g_autoptr(json_object) cmd = NULL;

    testServerWrite(srv, greeting);
    cmd = testServerExpect(srv, "qmp_capabilities");
    g_assert_null(testCmdArgs(cmd));
    testServerReplyEmpty(srv, cmd);
}


static gpointer
testServerThread(gpointer data)
{
    testServer *srv = data;

    if (!srv->skipHandshake)
        testServerHandshake(srv);
    if (srv->func)
        srv->func(srv);
    return NULL;
}


/* Start a server running @func; returns the client's end. */
static int
testServerStart(testServer *srv,
                testServerFunc func,
                gpointer data)
{
    int sv[2];

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    srv->fd = sv[0];
    srv->in = g_string_new(NULL);
    srv->fds = g_array_new(FALSE, FALSE, sizeof(int));
    srv->func = func;
    srv->data = data;
    srv->thread = g_thread_new("fake-qemu", testServerThread, srv);
    return sv[1];
}


static void
testServerFinish(testServer *srv)
{
    size_t i;

    g_thread_join(srv->thread);
    vsFdClose(&srv->fd);
    for (i = 0; i < srv->fds->len; i++)
        close(g_array_index(srv->fds, int, i));
    g_array_unref(srv->fds);
    g_string_free(srv->in, TRUE);
}


/* ---- the client side's callbacks ---------------------------------- */

typedef struct _testState testState;
struct _testState {
    GMutex lock;
    GCond cond;
    GPtrArray *events;          /* "NAME" or "NAME:data" */
    int eofCount;
    char *eofReason;
    int disposeCount;
    GError *callbackError;      /* from a command sent inside a callback */
    gboolean cmdInCallback;
    gboolean closeInCallback;
    GMutex *domainLock;         /* taken by the eof callback when set */
    gboolean inEof;
};


static void
testStateInit(testState *st)
{
    memset(st, 0, sizeof(*st));
    g_mutex_init(&st->lock);
    g_cond_init(&st->cond);
    st->events = g_ptr_array_new_with_free_func(g_free);
}


static void
testStateClear(testState *st)
{
    g_ptr_array_unref(st->events);
    g_free(st->eofReason);
    g_clear_error(&st->callbackError);
    g_mutex_clear(&st->lock);
    g_cond_clear(&st->cond);
}


static void
testEventCb(qemuMonitor *mon,
            const char *name,
            json_object *data,
            long long seconds,
            unsigned int micros,
            gpointer opaque)
{
    testState *st = opaque;
    char *text = NULL;

    g_assert_cmpint(seconds, ==, 1795440888);
    g_assert_cmpuint(micros, ==, 762509);

    if (data)
        text = g_strdup_printf("%s:%s", name,
                               json_object_to_json_string_ext(data, TEST_JSON_FLAGS));
    else
        text = g_strdup(name);

    if (st->cmdInCallback) {
        GError *err = NULL;

        g_assert_false(qemuMonitorStop(mon, &err));
        g_mutex_lock(&st->lock);
        st->callbackError = err;
        g_mutex_unlock(&st->lock);
    }
    if (st->closeInCallback)
        qemuMonitorClose(mon);

    g_mutex_lock(&st->lock);
    g_ptr_array_add(st->events, text);
    g_cond_broadcast(&st->cond);
    g_mutex_unlock(&st->lock);
}


static void
testEofCb(qemuMonitor *mon,
          const char *reason,
          gpointer opaque)
{
    testState *st = opaque;

    g_mutex_lock(&st->lock);
    st->inEof = TRUE;
    g_cond_broadcast(&st->cond);
    g_mutex_unlock(&st->lock);

    if (st->domainLock) {
        g_mutex_lock(st->domainLock);
        g_mutex_unlock(st->domainLock);
    }

    g_mutex_lock(&st->lock);
    st->eofCount++;
    g_free(st->eofReason);
    st->eofReason = g_strdup(reason);
    g_cond_broadcast(&st->cond);
    g_mutex_unlock(&st->lock);
}


static void
testDisposeCb(gpointer opaque)
{
    testState *st = opaque;

    g_mutex_lock(&st->lock);
    st->disposeCount++;
    g_cond_broadcast(&st->cond);
    g_mutex_unlock(&st->lock);
}


static const qemuMonitorCallbacks testCallbacks = {
    .event = testEventCb,
    .eof = testEofCb,
    .dispose = testDisposeCb,
};


/* Wait until *@counter reaches @value; FALSE on timeout. */
static gboolean
testStateWait(testState *st,
              int *counter,
              int value)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&st->lock);
    while (ok && *counter < value)
        ok = g_cond_wait_until(&st->cond, &st->lock, deadline);
    ok = *counter >= value;
    g_mutex_unlock(&st->lock);
    return ok;
}


static gboolean
testStateWaitEvents(testState *st,
                    guint n)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&st->lock);
    while (ok && st->events->len < n)
        ok = g_cond_wait_until(&st->cond, &st->lock, deadline);
    ok = st->events->len >= n;
    g_mutex_unlock(&st->lock);
    return ok;
}


static qemuMonitor *
testOpen(int fd,
         testState *st)
{
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = qemuMonitorOpen(fd, &testCallbacks, st, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(mon);
    return mon;
}


/* Close @mon and check that it went away completely. */
static void
testClose(qemuMonitor *mon,
          testState *st)
{
    qemuMonitorClose(mon);
    g_assert_true(testStateWait(st, &st->disposeCount, 1));
    g_assert_cmpint(st->disposeCount, ==, 1);
}


/* ---- pure parts: the stream splitter ------------------------------ */

static const char testStream[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, "
    "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n"
    "{\"return\": {}, \"id\": \"vs-1\"}\r\n"
    "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}\r\n"
    "{\"return\": {\"text\": \"a}b\\\"{\\u00e9\"}, \"id\": \"vs-2\"}\r\n";


static void
testParserFeedAll(qemuMonitorParser *parser,
                  const char *buf,
                  size_t len,
                  GPtrArray *msgs)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(qemuMonitorParserFeed(parser, buf, len, msgs, &err));
    g_assert_no_error(err);
}


static void
testParserSplits(void)
{
    size_t len = strlen(testStream);
    size_t cut;

    /* Every single cut point, and every byte on its own. */
    for (cut = 0; cut <= len; cut++) {
        g_autoptr(qemuMonitorParser) parser = qemuMonitorParserNew();
        g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(
            (GDestroyNotify) (void (*)(void)) json_object_put);

        testParserFeedAll(parser, testStream, cut, msgs);
        testParserFeedAll(parser, testStream + cut, len - cut, msgs);
        g_assert_cmpuint(msgs->len, ==, 4);
        g_assert_true(json_object_object_get_ex(g_ptr_array_index(msgs, 2),
                                                "event", NULL));
    }

    {
        g_autoptr(qemuMonitorParser) parser = qemuMonitorParserNew();
        g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(
            (GDestroyNotify) (void (*)(void)) json_object_put);
        json_object *val = NULL;
        json_object *ret = NULL;

        for (cut = 0; cut < len; cut++)
            testParserFeedAll(parser, testStream + cut, 1, msgs);
        g_assert_cmpuint(msgs->len, ==, 4);
        g_assert_true(json_object_object_get_ex(g_ptr_array_index(msgs, 3),
                                                "return", &ret));
        g_assert_true(json_object_object_get_ex(ret, "text", &val));
        g_assert_cmpstr(json_object_get_string(val), ==, "a}b\"{\xc3\xa9");
    }
}


typedef struct {
    const char *input;
    const char *message;        /* part of the error */
} testParserBadCase;

static const testParserBadCase testParserBadCases[] = {
    { "}{garbage\r\n", "invalid JSON" },
    { "{\"return\": {}}\r\nxyz\r\n", "invalid JSON" },
    { "[1, 2]\r\n", "not an object" },
    { "\"text\"\r\n", "not an object" },
    { "null\r\n", "not an object" },
    { "{\"a\": \"\xff\xfe\"}\r\n", "invalid JSON" },
    { "{\"a\": 'x'}\r\n", "invalid JSON" },
};


static void
testParserBad(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(testParserBadCases); i++) {
        const testParserBadCase *tc = &testParserBadCases[i];
        g_autoptr(qemuMonitorParser) parser = qemuMonitorParserNew();
        g_autoptr(GPtrArray) msgs = g_ptr_array_new_with_free_func(
            (GDestroyNotify) (void (*)(void)) json_object_put);
        g_autoptr(GError) err = NULL;

        g_test_message("case %zu", i);
        g_assert_false(qemuMonitorParserFeed(parser, tc->input,
                                             strlen(tc->input), msgs, &err));
        g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
        g_assert_nonnull(strstr(err->message, tc->message));
    }
}


static void
testFormatCommand(void)
{
    g_autoptr(json_object) args = qemuMonitorBuildAddFd(3, "x");
    g_autofree char *a = qemuMonitorFormatCommand("stop", NULL, "vs-1");
    g_autofree char *b = qemuMonitorFormatCommand("add-fd", args, "vs-22");

    g_assert_cmpstr(a, ==, "{\"execute\":\"stop\",\"id\":\"vs-1\"}\r\n");
    g_assert_cmpstr(b, ==, "{\"execute\":\"add-fd\",\"arguments\":"
                    "{\"fdset-id\":3,\"opaque\":\"x\"},\"id\":\"vs-22\"}\r\n");
}


/* ---- pure parts: builders ----------------------------------------- */

static void
testBuilders(void)
{
    qemuMonitorMigrationCap caps[] = {
        { (char *) "xbzrle", FALSE },
        { (char *) "multifd", TRUE },
        { (char *) "mapped-ram", TRUE },
    };
    qemuMonitorMigrationParams all = {
        .hasMultifdChannels = TRUE, .multifdChannels = 4,
        .hasDirectIO = TRUE, .directIO = FALSE,
        .hasMaxBandwidth = TRUE,
        .maxBandwidth = QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED,
        .hasDowntimeLimit = TRUE, .downtimeLimit = 300,
    };
    qemuMonitorMigrationParams some = {
        .hasDirectIO = TRUE, .directIO = TRUE,
        .multifdChannels = 9,   /* not sent: has flag off */
    };
    struct {
        json_object *obj;
        const char *expected;
    } cases[] = {
        { qemuMonitorBuildMigrationCaps(caps, G_N_ELEMENTS(caps)),
          "{\"capabilities\":[{\"capability\":\"xbzrle\",\"state\":false},"
          "{\"capability\":\"multifd\",\"state\":true},"
          "{\"capability\":\"mapped-ram\",\"state\":true}]}" },
        { qemuMonitorBuildMigrationCaps(NULL, 0), "{\"capabilities\":[]}" },
        { qemuMonitorBuildMigrationParams(&all),
          "{\"multifd-channels\":4,\"direct-io\":false,"
          "\"max-bandwidth\":9223372036853727232,\"downtime-limit\":300}" },
        { qemuMonitorBuildMigrationParams(&some), "{\"direct-io\":true}" },
        { qemuMonitorBuildMigrate("file:/dev/fdset/0,offset=0x10961"),
          "{\"uri\":\"file:/dev/fdset/0,offset=0x10961\"}" },
        { qemuMonitorBuildMigrateIncoming("file:/dev/fdset/1,offset=4096"),
          "{\"uri\":\"file:/dev/fdset/1,offset=4096\",\"exit-on-error\":false}" },
        { qemuMonitorBuildAddFd(-1, NULL), "{}" },
        { qemuMonitorBuildAddFd(0, "virtsave-save-buffered"),
          "{\"fdset-id\":0,\"opaque\":\"virtsave-save-buffered\"}" },
        { qemuMonitorBuildRemoveFd(2, -1), "{\"fdset-id\":2}" },
        { qemuMonitorBuildRemoveFd(2, 11), "{\"fdset-id\":2,\"fd\":11}" },
        { qemuMonitorBuildFdname("migrate"), "{\"fdname\":\"migrate\"}" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpstr(json_object_to_json_string_ext(cases[i].obj,
                                                       TEST_JSON_FLAGS),
                        ==, cases[i].expected);
        json_object_put(cases[i].obj);
    }
}


/* ---- pure parts: recorded replies --------------------------------- */

static void
testParseVersion(void)
{
    g_autoptr(json_object) greeting = testLoadMessage("greeting");
    g_autoptr(json_object) reply = testLoadReturn("query-version");
    g_autoptr(json_object) bad = json_tokener_parse("{\"return\": {}}");
    g_autoptr(GError) err = NULL;
    qemuMonitorVersion ver = { 0 };

    g_assert_true(qemuMonitorParseGreeting(greeting, &ver, &err));
    g_assert_cmpuint(ver.major, ==, 10);
    g_assert_cmpuint(ver.minor, ==, 0);
    g_assert_cmpuint(ver.micro, ==, 2);
    g_assert_cmpstr(ver.package, ==, "Debian 1:10.0.2+ds-2+deb13u1~bpo12+1");
    qemuMonitorVersionClear(&ver);

    g_assert_true(qemuMonitorParseVersion(reply, &ver, &err));
    g_assert_cmpuint(ver.major, ==, 10);
    g_assert_cmpuint(ver.micro, ==, 2);
    qemuMonitorVersionClear(&ver);

    g_assert_false(qemuMonitorParseGreeting(bad, &ver, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_null(ver.package);
}


static void
testParseStatus(void)
{
    static const struct {
        const char *file;
        gboolean running;
        qemuMonitorVMStatus status;
    } cases[] = {
        { "query-status-prelaunch", FALSE, QEMU_MONITOR_VM_STATUS_PRELAUNCH },
        { "query-status-running", TRUE, QEMU_MONITOR_VM_STATUS_RUNNING },
        { "query-status-paused", FALSE, QEMU_MONITOR_VM_STATUS_PAUSED },
        { "query-status-postmigrate", FALSE, QEMU_MONITOR_VM_STATUS_POSTMIGRATE },
    };
    g_autoptr(json_object) future = json_tokener_parse(
        "{\"running\": false, \"status\": \"hibernating\"}");
    g_autoptr(json_object) bad = json_tokener_parse("{\"running\": 1, \"status\": \"x\"}");
    g_autoptr(GError) err = NULL;
    qemuMonitorStatus st;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(json_object) reply = testLoadReturn(cases[i].file);

        g_assert_true(qemuMonitorParseStatus(reply, &st, &err));
        g_assert_cmpint(st.running, ==, cases[i].running);
        g_assert_cmpint(st.status, ==, cases[i].status);
    }

    g_assert_true(qemuMonitorParseStatus(future, &st, &err));
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_VM_STATUS_UNKNOWN);

    g_assert_false(qemuMonitorParseStatus(bad, &st, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "'running'"));
}


static void
testParseMigrate(void)
{
    static const struct {
        const char *file;
        qemuMonitorMigrationStatus status;
        gboolean hasRam;
        unsigned long long total;
        unsigned long long remaining;
        unsigned long long transferred;
        unsigned long long normal;
        unsigned long long duplicate;
        unsigned long long totalTime;
        const char *errorDesc;
    } cases[] = {
        { "query-migrate-none", QEMU_MONITOR_MIGRATION_STATUS_NONE,
          FALSE, 0, 0, 0, 0, 0, 0, NULL },
        { "query-migrate-active", QEMU_MONITOR_MIGRATION_STATUS_ACTIVE,
          TRUE, 537403392, 512757760, 7864817, 1920, 4096, 501, NULL },
        { "query-migrate-completed", QEMU_MONITOR_MIGRATION_STATUS_COMPLETED,
          TRUE, 537403392, 0, 67446745, 16435, 114767, 691, NULL },
        { "query-migrate-failed", QEMU_MONITOR_MIGRATION_STATUS_FAILED,
          FALSE, 0, 0, 0, 0, 0, 0,
          "Failed to find file descriptor with matching flags=0x41" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(json_object) reply = testLoadReturn(cases[i].file);
        g_autoptr(GError) err = NULL;
        qemuMonitorMigrationStats st;

        g_test_message("%s", cases[i].file);
        g_assert_true(qemuMonitorParseMigrateStats(reply, &st, &err));
        g_assert_cmpint(st.status, ==, cases[i].status);
        g_assert_cmpint(st.hasRam, ==, cases[i].hasRam);
        g_assert_cmpuint(st.ramTotal, ==, cases[i].total);
        g_assert_cmpuint(st.ramRemaining, ==, cases[i].remaining);
        g_assert_cmpuint(st.ramTransferred, ==, cases[i].transferred);
        g_assert_cmpuint(st.ramNormal, ==, cases[i].normal);
        g_assert_cmpuint(st.ramDuplicate, ==, cases[i].duplicate);
        g_assert_cmpuint(st.totalTime, ==, cases[i].totalTime);
        g_assert_cmpstr(st.errorDesc, ==, cases[i].errorDesc);
        if (cases[i].hasRam) {
            g_assert_cmpuint(st.ramPageSize, ==, 4096);
            g_assert_cmpuint(st.ramNormalBytes, ==, st.ramNormal * 4096);
            g_assert_cmpfloat(st.ramMbps, >, 0);
            g_assert_true(st.hasSetupTime);
        }
        qemuMonitorMigrationStatsClear(&st);
    }
}


static void
testParseMigrateOdd(void)
{
    g_autoptr(json_object) blocked = json_tokener_parse(
        "{\"status\": \"wait-unplug\", \"blocked-reasons\": [\"a\", \"b\"],"
        " \"downtime\": 12, \"expected-downtime\": 300}");
    g_autoptr(json_object) future = json_tokener_parse("{\"status\": \"teleporting\"}");
    g_autoptr(json_object) negative = json_tokener_parse(
        "{\"status\": \"active\", \"ram\": {\"total\": -1}}");
    g_autoptr(json_object) badType = json_tokener_parse(
        "{\"status\": \"active\", \"blocked-reasons\": [1]}");
    g_autoptr(GError) err = NULL;
    qemuMonitorMigrationStats st;

    g_assert_true(qemuMonitorParseMigrateStats(blocked, &st, &err));
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_MIGRATION_STATUS_WAIT_UNPLUG);
    g_assert_cmpuint(g_strv_length(st.blockedReasons), ==, 2);
    g_assert_cmpstr(st.blockedReasons[1], ==, "b");
    g_assert_true(st.hasDowntime && st.downtime == 12);
    g_assert_true(st.hasExpectedDowntime && st.expectedDowntime == 300);
    g_assert_false(st.hasTotalTime);
    qemuMonitorMigrationStatsClear(&st);

    g_assert_true(qemuMonitorParseMigrateStats(future, &st, &err));
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_MIGRATION_STATUS_UNKNOWN);
    g_assert_cmpstr(st.statusStr, ==, "teleporting");
    qemuMonitorMigrationStatsClear(&st);

    g_assert_false(qemuMonitorParseMigrateStats(negative, &st, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_null(st.statusStr);
    g_clear_error(&err);

    g_assert_false(qemuMonitorParseMigrateStats(badType, &st, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_null(st.blockedReasons);
}


static void
testParseCaps(void)
{
    g_autoptr(json_object) reply = testLoadReturn("query-migrate-capabilities");
    g_autoptr(json_object) bad = json_tokener_parse("[{\"capability\": \"x\"}]");
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) caps = NULL;
    g_autoptr(json_object) args = NULL;
    json_object *list = NULL;

    caps = qemuMonitorParseMigrationCaps(reply, &err);
    g_assert_no_error(err);
    /* QEMU 10.0.2 knows 22 capabilities; mapped-ram is the last. */
    g_assert_cmpuint(caps->len, ==, 22);
    g_assert_cmpstr(g_array_index(caps, qemuMonitorMigrationCap, 21).name,
                    ==, "mapped-ram");
    g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, "mapped-ram"), ==, 0);
    g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, "events"), ==, 0);
    g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, "compress"), ==, -1);

    g_assert_true(qemuMonitorMigrationCapsSet(caps, "mapped-ram", TRUE));
    g_assert_true(qemuMonitorMigrationCapsSet(caps, "multifd", TRUE));
    g_assert_false(qemuMonitorMigrationCapsSet(caps, "compress", TRUE));
    g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, "mapped-ram"), ==, 1);

    /* The full list goes back, in the same order, with explicit states. */
    args = qemuMonitorBuildMigrationCaps((qemuMonitorMigrationCap *) caps->data,
                                         caps->len);
    g_assert_true(json_object_object_get_ex(args, "capabilities", &list));
    g_assert_cmpuint(json_object_array_length(list), ==, 22);

    g_assert_null(qemuMonitorParseMigrationCaps(bad, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
}


static void
testParseParams(void)
{
    g_autoptr(json_object) reply = testLoadReturn("query-migrate-parameters");
    g_autoptr(json_object) old = json_tokener_parse(
        "{\"multifd-channels\": 2, \"max-bandwidth\": 134217728}");
    g_autoptr(json_object) bad = json_tokener_parse("{\"multifd-channels\": 256}");
    g_autoptr(GError) err = NULL;
    qemuMonitorMigrationParams p;

    g_assert_true(qemuMonitorParseMigrationParams(reply, &p, &err));
    g_assert_true(p.hasDirectIO);
    g_assert_false(p.directIO);
    g_assert_true(p.hasMultifdChannels);
    g_assert_cmpuint(p.multifdChannels, ==, 2);
    g_assert_true(p.hasMaxBandwidth);
    g_assert_cmpuint(p.maxBandwidth, ==, 134217728);
    g_assert_true(p.hasDowntimeLimit);
    g_assert_cmpuint(p.downtimeLimit, ==, 300);

    /* A QEMU before 9.1 lacks direct-io. */
    g_assert_true(qemuMonitorParseMigrationParams(old, &p, &err));
    g_assert_false(p.hasDirectIO);
    g_assert_false(p.hasDowntimeLimit);

    g_assert_false(qemuMonitorParseMigrationParams(bad, &p, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_assert_false(p.hasMultifdChannels);
}


static void
testParseFds(void)
{
    g_autoptr(json_object) two = testLoadReturn("query-fdsets-two");
    g_autoptr(json_object) empty = testLoadReturn("query-fdsets-empty");
    g_autoptr(json_object) added = testLoadReturn("add-fd");
    g_autoptr(json_object) noOpaque = json_tokener_parse(
        "[{\"fdset-id\": 4, \"fds\": [{\"fd\": 30}]}]");
    g_autoptr(json_object) bad = json_tokener_parse("[{\"fdset-id\": 4}]");
    g_autoptr(GPtrArray) sets = NULL;
    g_autoptr(GError) err = NULL;
    qemuMonitorAddFdInfo info;
    qemuMonitorFdset *set = NULL;

    sets = qemuMonitorParseFdsets(two, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(sets->len, ==, 1);
    set = g_ptr_array_index(sets, 0);
    g_assert_cmpint(set->id, ==, 0);
    g_assert_cmpuint(set->nfds, ==, 2);
    g_assert_cmpint(set->fds[0].fd, ==, 11);
    g_assert_cmpstr(set->fds[0].opaque, ==, "virtsave-save-buffered");
    g_assert_cmpint(set->fds[1].fd, ==, 12);
    g_assert_cmpstr(set->fds[1].opaque, ==, "virtsave-save-direct");
    g_clear_pointer(&sets, g_ptr_array_unref);

    sets = qemuMonitorParseFdsets(empty, &err);
    g_assert_cmpuint(sets->len, ==, 0);
    g_clear_pointer(&sets, g_ptr_array_unref);

    sets = qemuMonitorParseFdsets(noOpaque, &err);
    set = g_ptr_array_index(sets, 0);
    g_assert_null(set->fds[0].opaque);
    g_clear_pointer(&sets, g_ptr_array_unref);

    g_assert_null(qemuMonitorParseFdsets(bad, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_clear_error(&err);

    g_assert_true(qemuMonitorParseAddFd(added, &info, &err));
    g_assert_cmpint(info.fdsetId, ==, 0);
    g_assert_cmpint(info.fd, ==, 11);
}


/* The recorded event stream of a mapped-ram save, through the parsers. */
static void
testParseEvents(void)
{
    static const qemuMonitorMigrationStatus expected[] = {
        QEMU_MONITOR_MIGRATION_STATUS_SETUP,
        QEMU_MONITOR_MIGRATION_STATUS_ACTIVE,
        QEMU_MONITOR_MIGRATION_STATUS_DEVICE,
        QEMU_MONITOR_MIGRATION_STATUS_COMPLETED,
    };
    g_autofree char *text = testLoadText("events-mapped-ram-save.log");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GError) err = NULL;
    size_t nstatus = 0;
    long long lastPass = 0;
    gboolean sawShutdown = FALSE;
    size_t i;

    for (i = 0; lines[i] && *lines[i]; i++) {
        g_autoptr(json_object) msg = json_tokener_parse(lines[i]);
        json_object *name = NULL;
        json_object *data = NULL;
        int ev;

        g_assert_true(json_object_object_get_ex(msg, "event", &name));
        json_object_object_get_ex(msg, "data", &data);
        ev = qemuMonitorEventTypeFromString(json_object_get_string(name));
        g_assert_cmpint(ev, >=, 0);

        if (ev == QEMU_MONITOR_EVENT_MIGRATION) {
            qemuMonitorMigrationStatus status;

            g_assert_true(qemuMonitorParseMigrationEvent(data, &status, &err));
            g_assert_cmpuint(nstatus, <, G_N_ELEMENTS(expected));
            g_assert_cmpint(status, ==, expected[nstatus++]);
        } else if (ev == QEMU_MONITOR_EVENT_MIGRATION_PASS) {
            long long pass;

            g_assert_true(qemuMonitorParseMigrationPassEvent(data, &pass, &err));
            g_assert_cmpint(pass, ==, lastPass + 1);
            lastPass = pass;
        } else if (ev == QEMU_MONITOR_EVENT_SHUTDOWN) {
            gboolean guest = TRUE;
            g_autofree char *reason = NULL;

            g_assert_true(qemuMonitorParseShutdownEvent(data, &guest, &reason, &err));
            g_assert_false(guest);
            g_assert_cmpstr(reason, ==, "host-qmp-quit");
            sawShutdown = TRUE;
        }
    }
    g_assert_cmpuint(nstatus, ==, G_N_ELEMENTS(expected));
    g_assert_true(qemuMonitorMigrationStatusIsFinal(expected[nstatus - 1]));
    g_assert_false(qemuMonitorMigrationStatusIsFinal(expected[0]));
    g_assert_cmpint(lastPass, ==, 3);
    g_assert_true(sawShutdown);

    {
        g_autoptr(json_object) bad = json_tokener_parse("{\"pass\": \"x\"}");
        qemuMonitorMigrationStatus status;
        long long pass;

        g_assert_false(qemuMonitorParseMigrationEvent(NULL, &status, &err));
        g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
        g_clear_error(&err);
        g_assert_false(qemuMonitorParseMigrationPassEvent(bad, &pass, &err));
        g_assert_nonnull(strstr(err->message, "MIGRATION_PASS"));
    }
}


/* ---- the monitor against the scripted server ---------------------- */

static void
srvBasic(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "query-status");
    g_autoptr(json_object) b = NULL;
    g_autoptr(json_object) c = NULL;

    testServerReplyFile(srv, a, "query-status-running");
    b = testServerExpect(srv, "query-migrate");
    testServerReplyFile(srv, b, "query-migrate-active");
    c = testServerExpect(srv, "stop");
    testServerReplyEmpty(srv, c);
    g_assert_null(testServerRead(srv));
}


static void
testBasic(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    qemuMonitorStatus status;
    qemuMonitorMigrationStats stats;
    unsigned int major, minor, micro;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvBasic, NULL), &st);

    qemuMonitorGetVersion(mon, &major, &minor, &micro);
    g_assert_cmpuint(major, ==, 10);
    g_assert_cmpuint(minor, ==, 0);
    g_assert_cmpuint(micro, ==, 2);
    g_assert_true(qemuMonitorIsAlive(mon));

    g_assert_true(qemuMonitorQueryStatus(mon, &status, &err));
    g_assert_no_error(err);
    g_assert_true(status.running);
    g_assert_cmpint(status.status, ==, QEMU_MONITOR_VM_STATUS_RUNNING);

    g_assert_true(qemuMonitorQueryMigrate(mon, &stats, &err));
    g_assert_cmpint(stats.status, ==, QEMU_MONITOR_MIGRATION_STATUS_ACTIVE);
    qemuMonitorMigrationStatsClear(&stats);

    g_assert_true(qemuMonitorStop(mon, &err));

    testClose(mon, &st);
    testServerFinish(&srv);
    g_assert_cmpint(st.eofCount, ==, 0);
    testStateClear(&st);
}


/* Each caller sends "echo" with {"n": N}; the server collects a batch
 * and answers it in reverse order with events in between. */
#define TEST_THREADS 4
#define TEST_PER_THREAD 50

static gboolean
testServerReadable(testServer *srv)
{
    struct pollfd pfd = { .fd = srv->fd, .events = POLLIN };

    return strchr(srv->in->str, '\n') || poll(&pfd, 1, 1) > 0;
}


static void
srvConcurrent(testServer *srv)
{
    int total = TEST_THREADS * TEST_PER_THREAD;
    int done = 0;

    while (done < total) {
        json_object *batch[TEST_THREADS] = { 0 };
        int n = 0;
        int i;

        /* Take what is there (at least one), answer it backwards. */
        do {
            batch[n] = testServerRead(srv);
            g_assert_nonnull(batch[n]);
            n++;
        } while (n < TEST_THREADS && testServerReadable(srv));

        for (i = n - 1; i >= 0; i--) {
            json_object *msg = json_object_new_object();

            json_object_object_add(msg, "return",
                                   json_object_get(testCmdArgs(batch[i])));
            if (i % 2 == 0)
                testServerEvent(srv, "RESUME", NULL);
            testServerReplyMsg(srv, batch[i], msg);
            json_object_put(batch[i]);
        }
        done += n;
    }
    g_assert_null(testServerRead(srv));
}


typedef struct {
    qemuMonitor *mon;
    int base;
} testWorker;


static gpointer
testWorkerThread(gpointer data)
{
    testWorker *w = data;
    int i;

    for (i = 0; i < TEST_PER_THREAD; i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(json_object) reply = NULL;
        json_object *args = json_object_new_object();
        json_object *n = NULL;

        json_object_object_add(args, "n", json_object_new_int(w->base + i));
        g_assert_true(qemuMonitorCommand(w->mon, "echo", args, NULL, 0,
                                         &reply, &err));
        g_assert_no_error(err);
        g_assert_true(json_object_object_get_ex(reply, "n", &n));
        g_assert_cmpint(json_object_get_int(n), ==, w->base + i);
    }
    return NULL;
}


static void
testConcurrent(void)
{
    testServer srv = { 0 };
    testState st;
    testWorker workers[TEST_THREADS];
    GThread *threads[TEST_THREADS];
    qemuMonitor *mon = NULL;
    size_t i;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvConcurrent, NULL), &st);

    for (i = 0; i < TEST_THREADS; i++) {
        workers[i].mon = mon;
        workers[i].base = i * 1000;
        threads[i] = g_thread_new("caller", testWorkerThread, &workers[i]);
    }
    for (i = 0; i < TEST_THREADS; i++)
        g_thread_join(threads[i]);

    /* Events went out as the server wrote them; all were delivered. */
    g_assert_true(testStateWaitEvents(&st, 1));
    testClose(mon, &st);
    testServerFinish(&srv);
    for (i = 0; i < st.events->len; i++)
        g_assert_cmpstr(g_ptr_array_index(st.events, i), ==, "RESUME");
    testStateClear(&st);
}


static void
srvEvents(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "stop");

    testServerEvent(srv, "MIGRATION", "{\"status\": \"setup\"}");
    /* Reply split across writes, with an event glued to its tail. */
    testServerWrite(srv, "{\"retu");
    g_usleep(2000);
    testServerWrite(srv, "rn\": {}, \"id\"");
    g_usleep(2000);
    testServerWrite(srv, ": \"");
    testServerWrite(srv, json_object_get_string(json_object_object_get(a, "id")));
    testServerWrite(srv, "\"}\r\n{\"timestamp\": {\"seconds\": 1795440888, "
                    "\"microseconds\": 762509}, \"event\": \"STOP\"}\r\n"
                    "{\"timestamp\": {\"seconds\": 1795440888, "
                    "\"microseconds\": 762509}, \"ev");
    g_usleep(2000);
    testServerWrite(srv, "ent\": \"SHUTDOWN\", \"data\": {\"guest\": false, "
                    "\"reason\": \"host-signal\"}}\r\n");
    g_assert_null(testServerRead(srv));
}


static void
testEvents(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvEvents, NULL), &st);

    g_assert_true(qemuMonitorStop(mon, &err));
    g_assert_true(testStateWaitEvents(&st, 3));
    g_assert_cmpstr(g_ptr_array_index(st.events, 0), ==,
                    "MIGRATION:{\"status\":\"setup\"}");
    g_assert_cmpstr(g_ptr_array_index(st.events, 1), ==, "STOP");
    g_assert_cmpstr(g_ptr_array_index(st.events, 2), ==,
                    "SHUTDOWN:{\"guest\":false,\"reason\":\"host-signal\"}");

    testClose(mon, &st);
    testServerFinish(&srv);
    testStateClear(&st);
}


static void
srvFds(testServer *srv)
{
    const char *path = srv->data;
    g_autoptr(json_object) a = testServerExpect(srv, "add-fd");
    g_autoptr(json_object) b = NULL;
    g_autoptr(json_object) c = NULL;
    struct stat want;
    struct stat got;
    int fd;

    /* Exactly one descriptor came, with the add-fd line, to our file. */
    g_assert_cmpuint(srv->fds->len, ==, 1);
    fd = g_array_index(srv->fds, int, 0);
    g_assert_cmpint(stat(path, &want), ==, 0);
    g_assert_cmpint(fstat(fd, &got), ==, 0);
    g_assert_cmpuint(want.st_dev, ==, got.st_dev);
    g_assert_cmpuint(want.st_ino, ==, got.st_ino);
    g_assert_cmpint(fcntl(fd, F_GETFL) & O_ACCMODE, ==, O_WRONLY);
    g_assert_cmpstr(json_object_to_json_string_ext(testCmdArgs(a), TEST_JSON_FLAGS),
                    ==, "{\"fdset-id\":0,\"opaque\":\"virtsave-save-buffered\"}");
    testServerReplyFile(srv, a, "add-fd");

    b = testServerExpect(srv, "query-fdsets");
    testServerReplyFile(srv, b, "query-fdsets-two");

    c = testServerExpect(srv, "remove-fd");
    g_assert_cmpstr(json_object_to_json_string_ext(testCmdArgs(c), TEST_JSON_FLAGS),
                    ==, "{\"fdset-id\":0}");
    g_assert_cmpuint(srv->fds->len, ==, 1);
    testServerReplyFile(srv, c, "error-remove-fd");
    g_assert_null(testServerRead(srv));
}


static void
testFds(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vsmontest-XXXXXX", &err);
    g_autofree char *path = g_build_filename(dir, "img", NULL);
    g_autoptr(GPtrArray) sets = NULL;
    testServer srv = { 0 };
    testState st;
    qemuMonitor *mon = NULL;
    qemuMonitorAddFdInfo info = { -1, -1 };
    VS_AUTOCLOSE int fd = -1;

    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvFds, path), &st);

    g_assert_true(qemuMonitorAddFd(mon, 0, "virtsave-save-buffered", fd, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.fdsetId, ==, 0);
    g_assert_cmpint(info.fd, ==, 11);

    sets = qemuMonitorQueryFdsets(mon, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(sets->len, ==, 1);

    /* QEMU's error text arrives unchanged. */
    g_assert_false(qemuMonitorRemoveFd(mon, 0, -1, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "File descriptor named 'fdset-id:0' not found");
    g_assert_true(qemuMonitorIsAlive(mon));

    testClose(mon, &st);
    testServerFinish(&srv);
    testStateClear(&st);
    unlink(path);
    rmdir(dir);
}


static void
srvErrorReply(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "migrate-set-parameters");
    g_autoptr(json_object) b = NULL;

    g_assert_cmpstr(json_object_to_json_string_ext(testCmdArgs(a), TEST_JSON_FLAGS),
                    ==, "{\"multifd-channels\":255}");
    testServerReplyFile(srv, a, "error-multifd-channels");
    b = testServerExpect(srv, "query-status");
    testServerReplyFile(srv, b, "query-status-paused");
    g_assert_null(testServerRead(srv));
}


static void
testErrorReply(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    qemuMonitorMigrationParams params = {
        .hasMultifdChannels = TRUE, .multifdChannels = 255,
    };
    qemuMonitorStatus status;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvErrorReply, NULL), &st);

    g_assert_false(qemuMonitorSetMigrationParams(mon, &params, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "Parameter 'multifd-channels' expects uint8_t");
    g_clear_error(&err);

    /* The monitor carries on. */
    g_assert_true(qemuMonitorQueryStatus(mon, &status, &err));
    g_assert_cmpint(status.status, ==, QEMU_MONITOR_VM_STATUS_PAUSED);

    testClose(mon, &st);
    testServerFinish(&srv);
    testStateClear(&st);
}


static void
srvTimeout(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "query-status");
    g_autoptr(json_object) b = testServerExpect(srv, "stop");

    /* @b was sent after @a timed out: answer @a late, then @b. */
    testServerReplyFile(srv, a, "query-status-running");
    testServerReplyEmpty(srv, b);
    g_assert_null(testServerRead(srv));
}


static void
testTimeout(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    qemuMonitorStatus status;
    gint64 start;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvTimeout, NULL), &st);
    qemuMonitorSetTimeout(mon, 100);

    start = g_get_monotonic_time();
    g_assert_false(qemuMonitorQueryStatus(mon, &status, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_TIMEOUT);
    g_assert_nonnull(strstr(err->message, "'query-status'"));
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 100 * G_TIME_SPAN_MILLISECOND);
    g_clear_error(&err);

    /* The late reply to query-status must not be taken for this one. */
    qemuMonitorSetTimeout(mon, 0);
    g_assert_true(qemuMonitorStop(mon, &err));
    g_assert_no_error(err);
    g_assert_true(qemuMonitorIsAlive(mon));

    testClose(mon, &st);
    testServerFinish(&srv);
    testStateClear(&st);
}


static void
srvEofWhileWaiting(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "migrate");

    shutdown(srv->fd, SHUT_RDWR);
}


static void
testEofWhileWaiting(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    gint64 start;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvEofWhileWaiting, NULL), &st);

    /* The default 30 s timeout would make a slow failure obvious. */
    start = g_get_monotonic_time();
    g_assert_false(qemuMonitorMigrate(mon, "file:/dev/fdset/0,offset=4096", &err));
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_true(g_str_has_prefix(err->message, "QEMU monitor closed: "));
    g_clear_error(&err);

    g_assert_true(testStateWait(&st, &st.eofCount, 1));
    g_assert_false(qemuMonitorIsAlive(mon));

    /* Later commands fail at once, with the same kind of error. */
    g_assert_false(qemuMonitorCont(mon, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_true(g_str_has_prefix(err->message, "QEMU monitor closed: "));

    testClose(mon, &st);
    testServerFinish(&srv);
    g_assert_cmpint(st.eofCount, ==, 1);
    g_assert_cmpstr(st.eofReason, ==, "end of file");
    testStateClear(&st);
}


typedef struct {
    GMutex lock;
    GCond cond;
    int read;
} testGate;


static void
srvHold(testServer *srv)
{
    testGate *gate = srv->data;
    int i;

    for (i = 0; i < 3; i++) {
        json_object *cmd = testServerRead(srv);

        g_assert_nonnull(cmd);
        json_object_put(cmd);
        g_mutex_lock(&gate->lock);
        gate->read++;
        g_cond_broadcast(&gate->cond);
        g_mutex_unlock(&gate->lock);
    }
    g_assert_null(testServerRead(srv));
}


static gpointer
testPendingThread(gpointer data)
{
    qemuMonitor *mon = data;
    GError *err = NULL;

    g_assert_false(qemuMonitorCont(mon, &err));
    qemuMonitorUnref(mon);
    return err;
}


static void
testCloseWhilePending(void)
{
    testServer srv = { 0 };
    testState st;
    testGate gate = { 0 };
    GThread *threads[3];
    qemuMonitor *mon = NULL;
    size_t i;

    testStateInit(&st);
    g_mutex_init(&gate.lock);
    g_cond_init(&gate.cond);
    mon = testOpen(testServerStart(&srv, srvHold, &gate), &st);

    for (i = 0; i < G_N_ELEMENTS(threads); i++)
        threads[i] = g_thread_new("pending", testPendingThread, qemuMonitorRef(mon));

    g_mutex_lock(&gate.lock);
    while (gate.read < 3)
        g_cond_wait(&gate.cond, &gate.lock);
    g_mutex_unlock(&gate.lock);

    qemuMonitorClose(mon);

    for (i = 0; i < G_N_ELEMENTS(threads); i++) {
        g_autoptr(GError) err = g_thread_join(threads[i]);

        g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
        g_assert_true(g_str_has_prefix(err->message, "QEMU monitor closed: "));
    }

    g_assert_true(testStateWait(&st, &st.disposeCount, 1));
    testServerFinish(&srv);
    /* Closing is not an end of file to report. */
    g_assert_cmpint(st.eofCount, ==, 0);
    g_mutex_clear(&gate.lock);
    g_cond_clear(&gate.cond);
    testStateClear(&st);
}


static void
srvGarbage(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "query-status");

    testServerWrite(srv, "{\"return\": {}, \"id\": \"nobody\"}\r\n}{garbage\r\n");
    g_assert_null(testServerRead(srv));
}


static void
testGarbage(void)
{
    testServer srv = { 0 };
    testState st;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    qemuMonitorStatus status;

    testStateInit(&st);
    mon = testOpen(testServerStart(&srv, srvGarbage, NULL), &st);

    g_assert_false(qemuMonitorQueryStatus(mon, &status, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "invalid JSON"));

    g_assert_true(testStateWait(&st, &st.eofCount, 1));
    testClose(mon, &st);
    testServerFinish(&srv);
    g_assert_cmpint(st.eofCount, ==, 1);
    g_assert_nonnull(strstr(st.eofReason, "invalid JSON"));
    testStateClear(&st);
}


static void
srvNoGreeting(testServer *srv)
{
    const char *what = srv->data;

    if (what)
        testServerWrite(srv, what);
    g_assert_null(testServerRead(srv));
}


static void
testOpenFailures(void)
{
    static const struct {
        const char *send;
        int code;
        const char *message;
    } cases[] = {
        { NULL, VS_ERR_OPERATION_TIMEOUT, "greeting" },
        { "{\"return\": {}}\r\n", VS_ERR_OPERATION_FAILED, "not a QMP greeting" },
        { "{\"QMP\": {\"version\": {}}}\r\n", VS_ERR_OPERATION_FAILED, "'qemu'" },
        { "garbage\r\n", VS_ERR_OPERATION_FAILED, "invalid JSON" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        testServer srv = { .skipHandshake = TRUE };
        testState st;
        g_autoptr(GError) err = NULL;
        qemuMonitor *mon = NULL;
        int fd;

        testStateInit(&st);
        fd = testServerStart(&srv, srvNoGreeting, (gpointer) cases[i].send);
        mon = qemuMonitorOpen(fd, &testCallbacks, &st, 100, &err);
        g_assert_null(mon);
        g_test_message("%s", err->message);
        g_assert_error(err, VS_ERROR_QEMU, cases[i].code);
        g_assert_true(g_str_has_prefix(err->message, "cannot start talking to QEMU: "));
        g_assert_nonnull(strstr(err->message, cases[i].message));

        /* The opaque is released, the descriptor closed, no eof. */
        g_assert_true(testStateWait(&st, &st.disposeCount, 1));
        testServerFinish(&srv);
        g_assert_cmpint(st.eofCount, ==, 0);
        testStateClear(&st);
    }
}


static void
srvEventThenEof(testServer *srv)
{
    testServerEvent(srv, "STOP", NULL);
    testServerEvent(srv, "RESUME", NULL);
    shutdown(srv->fd, SHUT_RDWR);
}


/* Commands from a callback fail instead of hanging; Close works there. */
static void
testCallbackRules(void)
{
    testServer srv = { 0 };
    testState st;

    testStateInit(&st);
    st.cmdInCallback = TRUE;
    st.closeInCallback = TRUE;
    (void) testOpen(testServerStart(&srv, srvEventThenEof, NULL), &st);

    g_assert_true(testStateWaitEvents(&st, 1));
    g_assert_true(testStateWait(&st, &st.disposeCount, 1));
    testServerFinish(&srv);

    g_assert_error(st.callbackError, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    /* Closed inside the first callback: nothing was delivered after. */
    g_assert_cmpuint(st.events->len, ==, 1);
    g_assert_cmpint(st.eofCount, ==, 0);
    testStateClear(&st);
}


static void
srvEofAfterCommand(testServer *srv)
{
    g_autoptr(json_object) a = testServerExpect(srv, "query-status");

    shutdown(srv->fd, SHUT_RDWR);
}


/* The driver closes the monitor while holding the lock the eof callback
 * is waiting for: Close must return without waiting for the callback. */
static void
testCloseDuringEof(void)
{
    testServer srv = { 0 };
    testState st;
    GMutex domainLock;
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon = NULL;
    qemuMonitorStatus status;

    testStateInit(&st);
    g_mutex_init(&domainLock);
    st.domainLock = &domainLock;

    g_mutex_lock(&domainLock);
    mon = testOpen(testServerStart(&srv, srvEofAfterCommand, NULL), &st);

    /* Waiting commands fail before the eof callback runs. */
    g_assert_false(qemuMonitorQueryStatus(mon, &status, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);

    g_mutex_lock(&st.lock);
    while (!st.inEof)
        g_cond_wait(&st.cond, &st.lock);
    g_mutex_unlock(&st.lock);

    qemuMonitorClose(mon);
    g_assert_cmpint(st.disposeCount, ==, 0);
    g_mutex_unlock(&domainLock);

    g_assert_true(testStateWait(&st, &st.disposeCount, 1));
    g_assert_cmpint(st.eofCount, ==, 1);
    testServerFinish(&srv);
    g_mutex_clear(&domainLock);
    testStateClear(&st);
}


typedef struct {
    char *path;
    GMutex lock;
    GCond cond;
    gboolean tried;
} testLateListener;


static gpointer
testLateListenerThread(gpointer data)
{
    testLateListener *ll = data;
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int lfd = -1;
    VS_AUTOCLOSE int cfd = -1;
    testServer srv = { 0 };

    /* Create the socket only once the client has failed to connect. */
    g_mutex_lock(&ll->lock);
    while (!ll->tried)
        g_cond_wait(&ll->cond, &ll->lock);
    g_mutex_unlock(&ll->lock);
    g_usleep(20000);

    lfd = vsSocketListenUnix(ll->path, 0600, &err);
    g_assert_no_error(err);
    cfd = vsSocketAccept(lfd, &err);
    g_assert_no_error(err);

    srv.fd = cfd;
    srv.in = g_string_new(NULL);
    srv.fds = g_array_new(FALSE, FALSE, sizeof(int));
    testServerHandshake(&srv);
    g_assert_null(testServerRead(&srv));
    g_array_unref(srv.fds);
    g_string_free(srv.in, TRUE);
    return NULL;
}


static void
testOpenPath(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vsmontest-XXXXXX", &err);
    testLateListener ll = { 0 };
    GThread *thread = NULL;
    testState st;
    qemuMonitor *mon = NULL;
    unsigned int major = 0;

    ll.path = g_build_filename(dir, "qmp.sock", NULL);
    g_mutex_init(&ll.lock);
    g_cond_init(&ll.cond);
    thread = g_thread_new("listener", testLateListenerThread, &ll);

    /* Nothing there yet: a short deadline expires. */
    testStateInit(&st);
    mon = qemuMonitorOpenPath(ll.path, -1, 50, &testCallbacks, &st, 0, &err);
    g_assert_null(mon);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "within 50 ms"));
    g_assert_cmpint(st.disposeCount, ==, 1);
    g_clear_error(&err);

    g_mutex_lock(&ll.lock);
    ll.tried = TRUE;
    g_cond_broadcast(&ll.cond);
    g_mutex_unlock(&ll.lock);

    st.disposeCount = 0;
    mon = qemuMonitorOpenPath(ll.path, -1, TEST_WAIT_MS, &testCallbacks, &st, 0, &err);
    g_assert_no_error(err);
    qemuMonitorGetVersion(mon, &major, NULL, NULL);
    g_assert_cmpuint(major, ==, 10);
    testClose(mon, &st);
    g_thread_join(thread);

    unlink(ll.path);
    rmdir(dir);
    g_free(ll.path);
    g_mutex_clear(&ll.lock);
    g_cond_clear(&ll.cond);
    testStateClear(&st);
}


static void
testOpenPathDead(void)
{
    g_autoptr(GError) err = NULL;
    testState st;
    VS_AUTOCLOSE int pidfd = -1;
    gint64 start;
    pid_t pid;
    int status;

    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0)
        _exit(0);

    pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        waitpid(pid, &status, 0);
        g_test_skip("no pidfd_open");
        return;
    }

    testStateInit(&st);
    start = g_get_monotonic_time();
    g_assert_null(qemuMonitorOpenPath("/nonexistent/qmp.sock", pidfd, TEST_WAIT_MS,
                                      &testCallbacks, &st, 0, &err));
    g_assert_cmpint(g_get_monotonic_time() - start, <, TEST_WAIT_MS / 2 * G_TIME_SPAN_MILLISECOND);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "exited"));
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    testStateClear(&st);
}


int
main(int argc,
     char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/monitor/parser/splits", testParserSplits);
    g_test_add_func("/monitor/parser/bad", testParserBad);
    g_test_add_func("/monitor/format-command", testFormatCommand);
    g_test_add_func("/monitor/build", testBuilders);
    g_test_add_func("/monitor/parse/version", testParseVersion);
    g_test_add_func("/monitor/parse/status", testParseStatus);
    g_test_add_func("/monitor/parse/migrate", testParseMigrate);
    g_test_add_func("/monitor/parse/migrate-odd", testParseMigrateOdd);
    g_test_add_func("/monitor/parse/capabilities", testParseCaps);
    g_test_add_func("/monitor/parse/parameters", testParseParams);
    g_test_add_func("/monitor/parse/fds", testParseFds);
    g_test_add_func("/monitor/parse/events", testParseEvents);
    g_test_add_func("/monitor/qmp/basic", testBasic);
    g_test_add_func("/monitor/qmp/concurrent", testConcurrent);
    g_test_add_func("/monitor/qmp/events", testEvents);
    g_test_add_func("/monitor/qmp/fds", testFds);
    g_test_add_func("/monitor/qmp/error-reply", testErrorReply);
    g_test_add_func("/monitor/qmp/timeout", testTimeout);
    g_test_add_func("/monitor/qmp/eof-while-waiting", testEofWhileWaiting);
    g_test_add_func("/monitor/qmp/close-while-pending", testCloseWhilePending);
    g_test_add_func("/monitor/qmp/garbage", testGarbage);
    g_test_add_func("/monitor/qmp/open-failures", testOpenFailures);
    g_test_add_func("/monitor/qmp/callback-rules", testCallbackRules);
    g_test_add_func("/monitor/qmp/close-during-eof", testCloseDuringEof);
    g_test_add_func("/monitor/qmp/open-path", testOpenPath);
    g_test_add_func("/monitor/qmp/open-path-dead", testOpenPathDead);

    return g_test_run();
}
