/*
 * monitorqemutest.c: the QMP client against a real QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each case starts its own stopped TCG guest with no devices. Skipped
 * when the QEMU binary cannot be found.
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_monitor.h"
#include "qemu_monitor_json.h"
#include "vserror.h"
#include "vsfile.h"
#include "vsspawn.h"

#define TEST_WAIT_MS 60000
#define TEST_GUEST_DATA (8 * 1024 * 1024)
#define TEST_STREAM_OFFSET 4096


/* ---- events seen by the monitor ----------------------------------- */

typedef struct _testEvents testEvents;
struct _testEvents {
    GMutex lock;
    GCond cond;
    GPtrArray *names;
    GArray *migration;          /* qemuMonitorMigrationStatus, in order */
    int passes;
    int eofCount;
    gint64 eofTime;
};


static void
testEventsInit(testEvents *ev)
{
    memset(ev, 0, sizeof(*ev));
    g_mutex_init(&ev->lock);
    g_cond_init(&ev->cond);
    ev->names = g_ptr_array_new_with_free_func(g_free);
    ev->migration = g_array_new(FALSE, FALSE, sizeof(int));
}


static void
testEventsClear(testEvents *ev)
{
    g_ptr_array_unref(ev->names);
    g_array_unref(ev->migration);
    g_mutex_clear(&ev->lock);
    g_cond_clear(&ev->cond);
}


static void
testEventCb(qemuMonitor *mon,
            const char *name,
            json_object *data,
            long long seconds,
            unsigned int micros,
            gpointer opaque)
{
    testEvents *ev = opaque;
    g_autoptr(GError) err = NULL;
    qemuMonitorMigrationStatus status;
    long long pass;

    g_mutex_lock(&ev->lock);
    g_ptr_array_add(ev->names, g_strdup(name));
    switch (qemuMonitorEventTypeFromString(name)) {
    case QEMU_MONITOR_EVENT_MIGRATION:
        g_assert_true(qemuMonitorParseMigrationEvent(data, &status, &err));
        g_array_append_val(ev->migration, status);
        break;
    case QEMU_MONITOR_EVENT_MIGRATION_PASS:
        g_assert_true(qemuMonitorParseMigrationPassEvent(data, &pass, &err));
        ev->passes++;
        break;
    default:
        break;
    }
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
}


static void
testEofCb(qemuMonitor *mon,
          const char *reason,
          gpointer opaque)
{
    testEvents *ev = opaque;

    g_test_message("eof: %s", reason);
    g_mutex_lock(&ev->lock);
    ev->eofCount++;
    ev->eofTime = g_get_monotonic_time();
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
}


static const qemuMonitorCallbacks testCallbacks = {
    .event = testEventCb,
    .eof = testEofCb,
};


static gboolean
testHasEvent(testEvents *ev,
             const char *name)
{
    size_t i;

    for (i = 0; i < ev->names->len; i++) {
        if (g_str_equal(g_ptr_array_index(ev->names, i), name))
            return TRUE;
    }
    return FALSE;
}


/* Wait for event @name, or with @name NULL for the eof callback. */
static gboolean
testWaitFor(testEvents *ev,
            const char *name)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&ev->lock);
    while (ok && !(name ? testHasEvent(ev, name) : ev->eofCount > 0))
        ok = g_cond_wait_until(&ev->cond, &ev->lock, deadline);
    ok = name ? testHasEvent(ev, name) : ev->eofCount > 0;
    g_mutex_unlock(&ev->lock);
    return ok;
}


static gboolean
testWaitMigrationFinal(testEvents *ev,
                       qemuMonitorMigrationStatus *last)
{
    gint64 deadline = g_get_monotonic_time() + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean ok = TRUE;

    g_mutex_lock(&ev->lock);
    while (ok) {
        if (ev->migration->len > 0) {
            *last = g_array_index(ev->migration, int, ev->migration->len - 1);
            if (qemuMonitorMigrationStatusIsFinal(*last))
                break;
        }
        ok = g_cond_wait_until(&ev->cond, &ev->lock, deadline);
    }
    g_mutex_unlock(&ev->lock);
    return ok;
}


/* ---- one QEMU process --------------------------------------------- */

typedef struct _testQemu testQemu;
struct _testQemu {
    char *dir;
    char *sock;
    pid_t pid;
    int pidfd;
    qemuMonitor *mon;
    testEvents ev;
};


static char *
testMakeDir(void)
{
    g_autoptr(GError) err = NULL;
    char *dir = g_dir_make_tmp("vsmonqemu-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}


/* Guest RAM gets @blob (if not NULL) so that a migration carries data. */
static gboolean
testQemuStart(testQemu *q,
              const char *dir,
              const char *name,
              const char *blob,
              gboolean incoming)
{
    const char *argv[] = { VS_QEMU_BINARY, NULL };
    g_autoptr(vsSpawn) cmd = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *qemu = g_find_program_in_path(VS_QEMU_BINARY);

    if (!qemu) {
        g_test_skip("QEMU binary not found");
        return FALSE;
    }

    memset(q, 0, sizeof(*q));
    q->pidfd = -1;
    q->dir = g_strdup(dir);
    q->sock = g_strdup_printf("%s/%s.qmp", dir, name);
    testEventsInit(&q->ev);

    cmd = vsSpawnNew(argv);
    vsSpawnAddArg(cmd, "-S");
    vsSpawnAddArg(cmd, "-nodefaults");
    vsSpawnAddArg(cmd, "-display");
    vsSpawnAddArg(cmd, "none");
    vsSpawnAddArg(cmd, "-machine");
    vsSpawnAddArg(cmd, "pc,accel=tcg");
    vsSpawnAddArg(cmd, "-m");
    vsSpawnAddArg(cmd, "64");
    vsSpawnAddArg(cmd, "-qmp");
    vsSpawnAddArgFormat(cmd, "unix:%s,server=on,wait=off", q->sock);
    if (blob) {
        vsSpawnAddArg(cmd, "-device");
        vsSpawnAddArgFormat(cmd, "loader,file=%s,addr=0x1000000,force-raw=on", blob);
    }
    if (incoming) {
        vsSpawnAddArg(cmd, "-incoming");
        vsSpawnAddArg(cmd, "defer");
    }

    q->pid = vsSpawnRun(cmd, &q->pidfd, &err);
    g_assert_no_error(err);

    q->mon = qemuMonitorOpenPath(q->sock, q->pidfd, TEST_WAIT_MS, &testCallbacks,
                                 &q->ev, 0, &err);
    g_assert_no_error(err);
    return TRUE;
}


static void
testQemuStop(testQemu *q)
{
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (q->pid > 0 && !vsSpawnWait(q->pid, q->pidfd, 0, &status, NULL)) {
        kill(q->pid, SIGKILL);
        g_assert_true(vsSpawnWait(q->pid, q->pidfd, TEST_WAIT_MS, &status, &err));
    }
    qemuMonitorClose(q->mon);
    vsFdClose(&q->pidfd);
    unlink(q->sock);
    g_free(q->sock);
    g_free(q->dir);
    testEventsClear(&q->ev);
}


/* quit: the reply comes, then SHUTDOWN, then end of file, promptly. */
static void
testQemuQuit(testQemu *q)
{
    g_autoptr(GError) err = NULL;
    int status = 0;

    g_assert_true(qemuMonitorQuit(q->mon, &err));
    g_assert_no_error(err);
    g_assert_true(testWaitFor(&q->ev, NULL));
    g_assert_cmpint(q->ev.eofCount, ==, 1);
    g_assert_true(testHasEvent(&q->ev, "SHUTDOWN"));
    g_assert_false(qemuMonitorIsAlive(q->mon));
    g_assert_true(vsSpawnWait(q->pid, q->pidfd, TEST_WAIT_MS, &status, &err));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    q->pid = 0;
}


/* ---- cases -------------------------------------------------------- */

static void
testStatus(void)
{
    g_autofree char *dir = testMakeDir();
    g_autoptr(GError) err = NULL;
    qemuMonitorVersion ver = { 0 };
    qemuMonitorStatus st;
    unsigned int major = 0;
    unsigned int minor = 0;
    testQemu q;

    if (!testQemuStart(&q, dir, "status", NULL, FALSE))
        return;

    qemuMonitorGetVersion(q.mon, &major, &minor, NULL);
    g_test_message("QEMU %u.%u", major, minor);
    g_assert_true(qemuMonitorQueryVersion(q.mon, &ver, &err));
    g_assert_cmpuint(ver.major, ==, major);
    g_assert_cmpuint(ver.minor, ==, minor);
    qemuMonitorVersionClear(&ver);

    g_assert_true(qemuMonitorQueryStatus(q.mon, &st, &err));
    g_assert_false(st.running);
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_VM_STATUS_PRELAUNCH);

    g_assert_true(qemuMonitorCont(q.mon, &err));
    g_assert_true(testWaitFor(&q.ev, "RESUME"));
    g_assert_true(qemuMonitorQueryStatus(q.mon, &st, &err));
    g_assert_true(st.running);
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_VM_STATUS_RUNNING);

    g_assert_true(qemuMonitorStop(q.mon, &err));
    g_assert_true(testWaitFor(&q.ev, "STOP"));
    g_assert_true(qemuMonitorQueryStatus(q.mon, &st, &err));
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_VM_STATUS_PAUSED);

    /* An unknown command is QEMU's error, not the monitor's end. */
    g_assert_false(qemuMonitorCommand(q.mon, "no-such-command", NULL, NULL, 0,
                                      NULL, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, "no-such-command"));
    g_clear_error(&err);

    testQemuQuit(&q);
    testQemuStop(&q);
    rmdir(dir);
}


static void
testFdsets(void)
{
    g_autofree char *dir = testMakeDir();
    g_autofree char *path = g_build_filename(dir, "f", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) sets = NULL;
    qemuMonitorAddFdInfo a = { 0 };
    qemuMonitorAddFdInfo b = { 0 };
    qemuMonitorFdset *set = NULL;
    VS_AUTOCLOSE int fd = -1;
    testQemu q;

    if (!testQemuStart(&q, dir, "fdsets", NULL, FALSE))
        return;

    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);

    g_assert_true(qemuMonitorAddFd(q.mon, -1, "first", fd, &a, &err));
    g_assert_no_error(err);
    g_assert_true(qemuMonitorAddFd(q.mon, a.fdsetId, NULL, fd, &b, &err));
    g_assert_cmpint(b.fdsetId, ==, a.fdsetId);
    g_assert_cmpint(b.fd, !=, a.fd);

    sets = qemuMonitorQueryFdsets(q.mon, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(sets->len, ==, 1);
    set = g_ptr_array_index(sets, 0);
    g_assert_cmpint(set->id, ==, a.fdsetId);
    g_assert_cmpuint(set->nfds, ==, 2);
    g_assert_cmpint(set->fds[0].fd, ==, a.fd);
    g_assert_cmpstr(set->fds[0].opaque, ==, "first");
    g_assert_null(set->fds[1].opaque);
    g_clear_pointer(&sets, g_ptr_array_unref);

    g_assert_true(qemuMonitorRemoveFd(q.mon, a.fdsetId, a.fd, &err));
    sets = qemuMonitorQueryFdsets(q.mon, &err);
    g_assert_cmpuint(((qemuMonitorFdset *) g_ptr_array_index(sets, 0))->nfds, ==, 1);
    g_clear_pointer(&sets, g_ptr_array_unref);

    g_assert_true(qemuMonitorRemoveFd(q.mon, a.fdsetId, -1, &err));
    sets = qemuMonitorQueryFdsets(q.mon, &err);
    g_assert_cmpuint(sets->len, ==, 0);

    g_assert_false(qemuMonitorRemoveFd(q.mon, a.fdsetId, -1, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_clear_error(&err);

    g_assert_true(qemuMonitorGetFd(q.mon, "migrate", fd, &err));
    g_assert_true(qemuMonitorCloseFd(q.mon, "migrate", &err));
    g_assert_no_error(err);

    testQemuQuit(&q);
    testQemuStop(&q);
    unlink(path);
    rmdir(dir);
}


/* Every capability this QEMU knows, on only for @on (NULL-terminated). */
static void
testSetCaps(qemuMonitor *mon,
            const char * const *on)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) caps = qemuMonitorQueryMigrationCapabilities(mon, &err);
    size_t i;

    g_assert_no_error(err);
    for (i = 0; i < caps->len; i++)
        g_array_index(caps, qemuMonitorMigrationCap, i).state = FALSE;
    for (i = 0; on[i]; i++)
        g_assert_true(qemuMonitorMigrationCapsSet(caps, on[i], TRUE));

    g_assert_true(qemuMonitorSetMigrationCapabilities(
        mon, (qemuMonitorMigrationCap *) caps->data, caps->len, &err));
    g_assert_no_error(err);
    g_clear_pointer(&caps, g_array_unref);

    caps = qemuMonitorQueryMigrationCapabilities(mon, &err);
    for (i = 0; on[i]; i++)
        g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, on[i]), ==, 1);
    g_assert_cmpint(qemuMonitorMigrationCapsGet(caps, "xbzrle"), ==, 0);
}


static void
testSetParams(qemuMonitor *mon,
              gboolean unlimited)
{
    g_autoptr(GError) err = NULL;
    qemuMonitorMigrationParams p = { 0 };
    qemuMonitorMigrationParams set = {
        .hasMultifdChannels = TRUE, .multifdChannels = 2,
        .hasDirectIO = TRUE, .directIO = FALSE,
        .hasMaxBandwidth = unlimited,
        .maxBandwidth = QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED,
    };

    g_assert_true(qemuMonitorQueryMigrationParams(mon, &p, &err));
    g_assert_true(p.hasDirectIO);
    g_assert_true(p.hasMaxBandwidth);

    g_assert_true(qemuMonitorSetMigrationParams(mon, &set, &err));
    g_assert_no_error(err);
    g_assert_true(qemuMonitorQueryMigrationParams(mon, &p, &err));
    g_assert_cmpuint(p.multifdChannels, ==, 2);
    g_assert_false(p.directIO);
    if (unlimited)
        g_assert_cmpuint(p.maxBandwidth, ==, QEMU_MONITOR_MIGRATE_BANDWIDTH_UNLIMITED);
}


static char *
testMakeBlob(const char *dir)
{
    g_autofree char *data = g_malloc(TEST_GUEST_DATA);
    g_autoptr(GError) err = NULL;
    char *path = g_build_filename(dir, "blob", NULL);
    size_t i;

    /* Not zero, not all alike: pages QEMU must really write. */
    for (i = 0; i < TEST_GUEST_DATA; i++)
        data[i] = (char) ((i * 2654435761u) >> 13);
    g_assert_true(g_file_set_contents(path, data, TEST_GUEST_DATA, &err));
    return path;
}


static void
testCheckMigration(testEvents *ev)
{
    qemuMonitorMigrationStatus last = QEMU_MONITOR_MIGRATION_STATUS_NONE;
    size_t i;

    g_assert_true(testWaitMigrationFinal(ev, &last));
    g_mutex_lock(&ev->lock);
    for (i = 0; i < ev->migration->len; i++) {
        g_test_message("MIGRATION %s", qemuMonitorMigrationStatusTypeToString(
            g_array_index(ev->migration, int, i)));
    }
    g_assert_cmpint(last, ==, QEMU_MONITOR_MIGRATION_STATUS_COMPLETED);
    g_assert_cmpint(g_array_index(ev->migration, int, 0), ==,
                    QEMU_MONITOR_MIGRATION_STATUS_SETUP);
    g_mutex_unlock(&ev->lock);
}


/* Save with mapped-ram into an fdset, then load it into a second QEMU. */
static void
testMappedRam(void)
{
    static const char * const on[] = { "events", "multifd", "mapped-ram", NULL };
    g_autofree char *dir = testMakeDir();
    g_autofree char *blob = testMakeBlob(dir);
    g_autofree char *img = g_build_filename(dir, "img", NULL);
    g_autofree char *uri = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) sets = NULL;
    qemuMonitorMigrationStats stats = { 0 };
    qemuMonitorAddFdInfo info = { 0 };
    qemuMonitorStatus st;
    VS_AUTOCLOSE int wfd = -1;
    VS_AUTOCLOSE int rfd = -1;
    char header[TEST_STREAM_OFFSET];
    struct stat sb;
    testQemu src;
    testQemu dst;

    if (!testQemuStart(&src, dir, "src", blob, FALSE))
        return;

    testSetCaps(src.mon, on);
    testSetParams(src.mon, TRUE);

    wfd = open(img, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(wfd, >=, 0);
    memset(header, 'H', sizeof(header));
    g_assert_true(vsFileWriteFull(wfd, header, sizeof(header), &err));

    g_assert_true(qemuMonitorAddFd(src.mon, -1, "save-buffered", wfd, &info, &err));
    g_assert_no_error(err);
    sets = qemuMonitorQueryFdsets(src.mon, &err);
    g_assert_cmpuint(sets->len, ==, 1);

    uri = g_strdup_printf("file:/dev/fdset/%d,offset=%d", info.fdsetId,
                          TEST_STREAM_OFFSET);
    g_assert_true(qemuMonitorMigrate(src.mon, uri, &err));
    g_assert_no_error(err);
    testCheckMigration(&src.ev);
    g_assert_cmpint(src.ev.passes, >=, 1);

    g_assert_true(qemuMonitorQueryMigrate(src.mon, &stats, &err));
    g_assert_cmpint(stats.status, ==, QEMU_MONITOR_MIGRATION_STATUS_COMPLETED);
    g_assert_true(stats.hasRam);
    g_assert_cmpuint(stats.ramNormalBytes, >=, TEST_GUEST_DATA);
    g_assert_true(stats.hasTotalTime);
    qemuMonitorMigrationStatsClear(&stats);

    g_assert_true(qemuMonitorQueryStatus(src.mon, &st, &err));
    g_assert_cmpint(st.status, ==, QEMU_MONITOR_VM_STATUS_POSTMIGRATE);
    g_assert_true(qemuMonitorRemoveFd(src.mon, info.fdsetId, -1, &err));
    testQemuQuit(&src);
    testQemuStop(&src);

    /* QEMU kept the header and wrote after it. */
    g_assert_cmpint(stat(img, &sb), ==, 0);
    g_assert_cmpint(sb.st_size, >, TEST_STREAM_OFFSET + TEST_GUEST_DATA);
    rfd = open(img, O_RDONLY | O_CLOEXEC);
    g_assert_true(vsFilePreadFull(rfd, header, sizeof(header), 0, &err));
    g_assert_cmpint(header[0], ==, 'H');
    g_assert_cmpint(header[TEST_STREAM_OFFSET - 1], ==, 'H');

    if (!testQemuStart(&dst, dir, "dst", blob, TRUE))
        return;
    testSetCaps(dst.mon, on);
    testSetParams(dst.mon, FALSE);
    g_assert_true(qemuMonitorAddFd(dst.mon, -1, "restore-buffered", rfd, &info, &err));
    g_free(uri);
    uri = g_strdup_printf("file:/dev/fdset/%d,offset=%d", info.fdsetId,
                          TEST_STREAM_OFFSET);
    g_assert_true(qemuMonitorMigrateIncoming(dst.mon, uri, &err));
    g_assert_no_error(err);
    testCheckMigration(&dst.ev);

    g_assert_true(qemuMonitorQueryStatus(dst.mon, &st, &err));
    g_test_message("after load: %s", qemuMonitorVMStatusTypeToString(st.status));
    g_assert_false(st.running);
    g_assert_true(qemuMonitorCont(dst.mon, &err));
    g_assert_true(testWaitFor(&dst.ev, "RESUME"));

    testQemuQuit(&dst);
    testQemuStop(&dst);
    unlink(img);
    unlink(blob);
    rmdir(dir);
}


typedef struct {
    qemuMonitor *mon;
    gint64 failTime;
    GError *err;
} testBlocked;


static gpointer
testBlockedThread(gpointer data)
{
    testBlocked *b = data;
    qemuMonitorStatus st;

    g_assert_false(qemuMonitorQueryStatus(b->mon, &st, &b->err));
    b->failTime = g_get_monotonic_time();
    return NULL;
}


/* QEMU killed while a command waits: the command fails at once. */
static void
testKilled(void)
{
    g_autofree char *dir = testMakeDir();
    g_autoptr(GError) err = NULL;
    testBlocked b = { 0 };
    GThread *thread = NULL;
    gint64 killTime;
    testQemu q;

    if (!testQemuStart(&q, dir, "killed", NULL, FALSE))
        return;

    /* A stopped process cannot answer: the command is surely waiting
     * when the kill comes (or, at worst, not sent yet and fails then). */
    g_assert_cmpint(kill(q.pid, SIGSTOP), ==, 0);
    b.mon = q.mon;
    thread = g_thread_new("blocked", testBlockedThread, &b);
    g_usleep(200 * 1000);

    killTime = g_get_monotonic_time();
    g_assert_cmpint(kill(q.pid, SIGKILL), ==, 0);
    g_thread_join(thread);

    g_assert_error(b.err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);
    g_assert_true(g_str_has_prefix(b.err->message, "QEMU monitor closed: "));
    g_test_message("%s after %" G_GINT64_FORMAT " us", b.err->message,
                   b.failTime - killTime);
    g_assert_cmpint(b.failTime - killTime, <, 2 * G_TIME_SPAN_SECOND);
    g_clear_error(&b.err);

    g_assert_true(testWaitFor(&q.ev, NULL));
    g_assert_cmpint(q.ev.eofCount, ==, 1);
    g_assert_false(qemuMonitorStop(q.mon, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_OPERATION_FAILED);

    testQemuStop(&q);
    rmdir(dir);
}


int
main(int argc,
     char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/monitor-qemu/status", testStatus);
    g_test_add_func("/monitor-qemu/fdsets", testFdsets);
    g_test_add_func("/monitor-qemu/mapped-ram", testMappedRam);
    g_test_add_func("/monitor-qemu/killed", testKilled);

    return g_test_run();
}
