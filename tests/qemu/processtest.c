/*
 * processtest.c: starting, watching, reattaching and stopping real QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every test boots the test guest in a fresh root (see
 * testdriverutils.h); VS_TEST_ACCEL=tcg forces TCG.
 */

#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_process.h"
#include "testdriverutils.h"
#include "vsfile.h"

#define UUID1 "c7a5fdbd-cdaf-9455-926a-d65c16db1801"
#define UUID2 "c7a5fdbd-cdaf-9455-926a-d65c16db1802"


static char *
testStatusPath(const testRoot *tr,
               const char *name)
{
    g_autofree char *file = g_strdup_printf("%s.xml", name);

    return g_build_filename(tr->root, "run", "qemu", file, NULL);
}


/* Start the domain with @opts inside a job, as the driver does. */
static gboolean
testStart(qemuDriver *driver,
          const unsigned char *uuid,
          const qemuProcessStartOpts *opts,
          GError **error)
{
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(driver->domains, uuid);
    gboolean ok;

    g_assert_nonnull(vm);
    g_assert_true(qemuDomainJobBegin(vm, QEMU_JOB_ASYNC,
                                     VS_DOMAIN_JOB_OPERATION_START, NULL));
    ok = qemuProcessStart(driver, vm, opts, error);
    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);
    return ok;
}


/* Run query-status through the domain's monitor. */
static void
testQueryStatus(qemuDriver *driver,
                const unsigned char *uuid,
                qemuMonitorStatus *status)
{
    qemuDomainObj *vm = qemuDomainObjListFindByUUID(driver->domains, uuid);
    g_autoptr(GError) err = NULL;
    qemuMonitor *mon;
    gboolean ok;

    g_assert_nonnull(vm);
    g_assert_true(qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                                     VS_DOMAIN_JOB_OPERATION_UNKNOWN, NULL));
    mon = qemuDomainObjEnterMonitor(vm, &err);
    g_assert_no_error(err);
    ok = qemuMonitorQueryStatus(mon, status, &err);
    qemuDomainObjExitMonitor(vm, mon);
    g_assert_no_error(err);
    g_assert_true(ok);
    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);
}


static void
testBootSuspendResume(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *status = NULL;
    qemuDomainInfo info = { 0 };
    gint64 t0;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "boot", UUID1);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_UNKNOWN);

    t0 = g_get_monotonic_time();
    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_no_error(err);
    g_test_message("start took %lld ms",
                   (long long) (g_get_monotonic_time() - t0) / 1000);
    g_assert_cmpint(started->id, ==, 1);
    testAssertState(driver, ref->uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_BOOTED);
    status = testStatusPath(&tr, "boot");
    g_assert_true(g_file_test(status, G_FILE_TEST_EXISTS));

    g_assert_true(testWaitSerial(&tr, "boot", "VSGUEST FILLED",
                                 TEST_GUEST_TIMEOUT_MS));
    g_assert_true(qemuDriverGetInfo(driver, ref->uuid, &info, &err));
    g_assert_cmpint(info.state, ==, VS_DOMAIN_RUNNING);
    g_assert_cmpuint(info.maxMem, ==, 128 * 1024);
    g_assert_cmpuint(info.nrVirtCpu, ==, 1);
    g_assert_cmpuint(info.cpuTime, >, 0);

    g_assert_true(qemuDriverSuspend(driver, ref->uuid, &err));
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_PAUSED,
                    VS_DOMAIN_PAUSED_USER);
    /* Again: nothing to do, no error. */
    g_assert_true(qemuDriverSuspend(driver, ref->uuid, &err));
    g_assert_true(qemuDriverResume(driver, ref->uuid, &err));
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_UNPAUSED);

    t0 = g_get_monotonic_time();
    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));
    g_assert_no_error(err);
    g_test_message("destroy took %lld ms",
                   (long long) (g_get_monotonic_time() - t0) / 1000);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_DESTROYED);
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


static void
testStartPausedIncoming(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(GError) err = NULL;
    qemuProcessStartOpts opts = { 0 };
    qemuMonitorStatus status = { 0 };

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "incoming", UUID1);

    opts.incomingDefer = TRUE;
    opts.pausedReason = VS_DOMAIN_PAUSED_MIGRATION;
    g_assert_true(testStart(driver, ref->uuid, &opts, &err));
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_PAUSED,
                    VS_DOMAIN_PAUSED_MIGRATION);
    testQueryStatus(driver, ref->uuid, &status);
    g_assert_false(status.running);
    g_assert_cmpint(status.status, ==, QEMU_MONITOR_VM_STATUS_INMIGRATE);
    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));
    g_assert_no_error(err);

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* Descriptors given at exec land in the fdsets asked for, and more can
 * be added through the monitor. */
static void
testAddFd(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) sets = NULL;
    qemuProcessFd fds[2];
    qemuProcessStartOpts opts = { 0 };
    qemuMonitorAddFdInfo info = { 0 };
    qemuDomainObj *vm;
    qemuMonitor *mon;
    int pipefd[2];
    int extra[2];
    gboolean seen[3] = { FALSE, FALSE, FALSE };
    size_t i;
    size_t j;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "fds", UUID1);

    g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(extra, O_CLOEXEC), ==, 0);
    fds[0] = (qemuProcessFd) { .fd = pipefd[0], .fdset = 0,
                               .opaque = "test-read-end" };
    fds[1] = (qemuProcessFd) { .fd = pipefd[1], .fdset = 0,
                               .opaque = "test-write-end" };
    opts.fds = fds;
    opts.nfds = G_N_ELEMENTS(fds);
    opts.paused = TRUE;
    g_assert_true(testStart(driver, ref->uuid, &opts, &err));
    g_assert_no_error(err);
    close(pipefd[0]);
    close(pipefd[1]);
    testAssertState(driver, ref->uuid, VS_DOMAIN_PAUSED,
                    VS_DOMAIN_PAUSED_USER);

    vm = qemuDomainObjListFindByUUID(driver->domains, ref->uuid);
    g_assert_true(qemuDomainJobBegin(vm, QEMU_JOB_MODIFY,
                                     VS_DOMAIN_JOB_OPERATION_UNKNOWN, NULL));
    mon = qemuDomainObjEnterMonitor(vm, &err);
    g_assert_nonnull(mon);
    g_assert_true(qemuMonitorAddFd(mon, 5, "test-added", extra[0], &info,
                                   &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.fdsetId, ==, 5);
    sets = qemuMonitorQueryFdsets(mon, &err);
    qemuDomainObjExitMonitor(vm, mon);
    qemuDomainJobEnd(vm);
    qemuDomainObjEndAPI(&vm);
    g_assert_no_error(err);
    close(extra[0]);
    close(extra[1]);

    for (i = 0; i < sets->len; i++) {
        qemuMonitorFdset *set = g_ptr_array_index(sets, i);

        for (j = 0; j < set->nfds; j++) {
            const char *opaque = set->fds[j].opaque;

            if (set->id == 0 && g_strcmp0(opaque, "test-read-end") == 0)
                seen[0] = TRUE;
            if (set->id == 0 && g_strcmp0(opaque, "test-write-end") == 0)
                seen[1] = TRUE;
            if (set->id == 5 && g_strcmp0(opaque, "test-added") == 0)
                seen[2] = TRUE;
        }
    }
    g_assert_true(seen[0] && seen[1] && seen[2]);

    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));
    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* A new driver on the same root finds the running QEMU again. */
static void
testReattach(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(qemuDomainRef) byid = NULL;
    g_autoptr(GError) err = NULL;
    qemuMonitorStatus status = { 0 };
    pid_t pid;
    gint64 t0;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "reattach", UUID1);
    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_no_error(err);
    g_assert_true(testWaitSerial(&tr, "reattach", "VSGUEST BOOT",
                                 TEST_GUEST_TIMEOUT_MS));
    g_assert_true(qemuDriverSuspend(driver, ref->uuid, &err));
    pid = testDomainPid(driver, ref->uuid);

    /* The daemon goes away; QEMU stays. */
    g_clear_pointer(&driver, qemuDriverFree);
    g_assert_cmpint(kill(pid, 0), ==, 0);

    t0 = g_get_monotonic_time();
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    g_test_message("reattach took %lld ms",
                   (long long) (g_get_monotonic_time() - t0) / 1000);
    g_assert_cmpint(testDomainPid(driver, ref->uuid), ==, pid);
    testAssertState(driver, ref->uuid, VS_DOMAIN_PAUSED,
                    VS_DOMAIN_PAUSED_USER);
    byid = qemuDriverLookupByID(driver, started->id, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(byid->name, ==, "reattach");
    testQueryStatus(driver, ref->uuid, &status);
    g_assert_false(status.running);

    /* Events still arrive, and it still works. */
    g_assert_true(qemuDriverResume(driver, ref->uuid, &err));
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_RUNNING,
                    VS_DOMAIN_RUNNING_UNPAUSED);

    /* Not our child any more: the exit is seen through the pidfd. */
    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_DESTROYED);
    /* A restarted daemon's QEMU belongs to init; here it is still this
     * test's child, a zombie to reap now that it is gone. */
    g_assert_cmpint(waitpid(pid, NULL, WNOHANG), ==, pid);

    /* New ids continue after the reattached one. */
    g_clear_pointer(&started, qemuDomainRefFree);
    started = qemuDriverStart(driver, ref->uuid, VS_DOMAIN_START_PAUSED, &err);
    g_assert_no_error(err);
    g_assert_cmpint(started->id, >, byid->id);
    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* A status file whose QEMU died while no daemon ran is discarded. */
static void
testReattachDead(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *status = NULL;
    pid_t pid;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "dead", UUID1);
    started = qemuDriverStart(driver, ref->uuid, VS_DOMAIN_START_PAUSED, &err);
    g_assert_no_error(err);
    pid = testDomainPid(driver, ref->uuid);
    g_clear_pointer(&driver, qemuDriverFree);

    /* Still our child: reap it so that the pid is really gone. */
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    g_assert_cmpint(waitpid(pid, NULL, 0), ==, pid);

    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_UNKNOWN);
    g_assert_cmpint(qemuDriverIsActive(driver, ref->uuid, &err), ==, 0);
    status = testStatusPath(&tr, "dead");
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* kill -9: the monitor's end of file tells the driver at once. */
static void
testCrash(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *log = NULL;
    g_autofree char *logtext = NULL;
    gint64 ms;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "crash", UUID1);
    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_no_error(err);

    g_assert_cmpint(kill(testDomainPid(driver, ref->uuid), SIGKILL), ==, 0);
    ms = testWaitState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                       TEST_EVENT_TIMEOUT_MS);
    g_assert_cmpint(ms, >=, 0);
    g_test_message("crash noticed after %lld ms", (long long) ms);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_CRASHED);
    g_assert_cmpint(qemuDriverIsActive(driver, ref->uuid, &err), ==, 0);

    log = g_build_filename(tr.root, "log", "qemu", "crash.log", NULL);
    g_assert_true(g_file_get_contents(log, &logtext, NULL, NULL));
    g_assert_nonnull(strstr(logtext, "reason=crashed"));
    g_assert_nonnull(strstr(logtext, "signal 9"));

    /* It starts again. */
    g_clear_pointer(&started, qemuDomainRefFree);
    started = qemuDriverStart(driver, ref->uuid, VS_DOMAIN_START_PAUSED, &err);
    g_assert_no_error(err);
    g_assert_true(qemuDriverDestroy(driver, ref->uuid, 0, &err));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* SIGTERM from elsewhere: QEMU reports a shutdown, then exits. */
static void
testHostSignal(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "sigterm", UUID1);
    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_no_error(err);

    g_assert_cmpint(kill(testDomainPid(driver, ref->uuid), SIGTERM), ==, 0);
    g_assert_cmpint(testWaitState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                                  TEST_EVENT_TIMEOUT_MS), >=, 0);
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_SHUTDOWN);

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


static void
testBadEmulator(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *status = NULL;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    xml = testDomainXML(&tr, "bademu", UUID2, "/nonexistent/qemu-system");
    ref = qemuDriverDefineXML(driver, xml, 0, &err);
    g_assert_no_error(err);

    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_null(started);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "cannot find QEMU binary '/nonexistent/qemu-system': "
                    "No such file or directory");
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_UNKNOWN);
    status = testStatusPath(&tr, "bademu");
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


/* QEMU that exits during start-up: its own words reach the caller. */
static void
testEarlyExit(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(qemuDomainRef) started = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *status = NULL;
    g_autofree char *monitor = NULL;
    char *kernel;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    xml = testDomainXML(&tr, "early", UUID2, NULL);
    /* QEMU refuses a kernel that does not exist, after it started. */
    kernel = strstr(xml, tr.guest);
    g_assert_nonnull(kernel);
    memcpy(kernel, "/", 1);
    memset(kernel + 1, 'x', strlen(tr.guest) - 1);
    ref = qemuDriverDefineXML(driver, xml, 0, &err);
    g_assert_no_error(err);

    started = qemuDriverStart(driver, ref->uuid, 0, &err);
    g_assert_null(started);
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_test_message("error: %s", err->message);
    g_assert_true(g_str_has_prefix(err->message,
                                   "QEMU unexpectedly closed the monitor: "));
    g_assert_nonnull(strstr(err->message, "xxxx"));
    testAssertState(driver, ref->uuid, VS_DOMAIN_SHUTOFF,
                    VS_DOMAIN_SHUTOFF_FAILED);
    status = testStatusPath(&tr, "early");
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));
    monitor = g_build_filename(tr.root, "run", "qemu", "early.monitor", NULL);
    g_assert_false(g_file_test(monitor, G_FILE_TEST_EXISTS));

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


static void
testStatusRoundTrip(void)
{
    testRoot tr = { 0 };
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainRef) ref = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *again = NULL;
    qemuDomainStatus status = { 0 };
    qemuDomainObj *vm;

    if (!testRootInit(&tr))
        return;
    driver = qemuDriverNew(tr.root, &err);
    g_assert_no_error(err);
    ref = testDefine(driver, &tr, "status", UUID1);

    vm = qemuDomainObjListFindByUUID(driver->domains, ref->uuid);
    vm->id = 42;
    vm->def->id = 42;
    vm->pid = 4242;
    vm->startTime = 123456;
    vm->monitorPath = g_strdup("/run/a b/<m>.monitor");
    vm->state = VS_DOMAIN_PAUSED;
    vm->reason = VS_DOMAIN_PAUSED_SAVE;
    xml = qemuDomainStatusFormat(vm, &err);
    g_assert_no_error(err);
    g_assert_true(qemuDomainStatusParse(xml, &status, &err));
    g_assert_no_error(err);
    g_assert_cmpint(status.state, ==, VS_DOMAIN_PAUSED);
    g_assert_cmpint(status.reason, ==, VS_DOMAIN_PAUSED_SAVE);
    g_assert_cmpint(status.pid, ==, 4242);
    g_assert_cmpuint(status.startTime, ==, 123456);
    g_assert_cmpstr(status.monitorPath, ==, "/run/a b/<m>.monitor");
    g_assert_cmpint(status.def->id, ==, 42);
    g_assert_cmpstr(status.def->name, ==, "status");

    /* Formatting what was parsed gives the same document. */
    vsDomainDefFree(vm->def);
    vm->def = g_steal_pointer(&status.def);
    again = qemuDomainStatusFormat(vm, &err);
    g_assert_cmpstr(again, ==, xml);

    vm->id = -1;
    vm->def->id = -1;
    vm->pid = 0;
    qemuDomainObjEndAPI(&vm);
    qemuDomainStatusClear(&status);

    g_assert_false(qemuDomainStatusParse("<domstatus state='running'/>",
                                         &status, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);
    g_clear_error(&err);
    g_assert_false(qemuDomainStatusParse("garbage", &status, &err));
    g_assert_error(err, VS_ERROR_QEMU, VS_ERR_INTERNAL_ERROR);

    g_clear_pointer(&driver, qemuDriverFree);
    testRootClear(&tr);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qemu/process/status-round-trip", testStatusRoundTrip);
    g_test_add_func("/qemu/process/boot-suspend-resume",
                    testBootSuspendResume);
    g_test_add_func("/qemu/process/start-incoming", testStartPausedIncoming);
    g_test_add_func("/qemu/process/add-fd", testAddFd);
    g_test_add_func("/qemu/process/reattach", testReattach);
    g_test_add_func("/qemu/process/reattach-dead", testReattachDead);
    g_test_add_func("/qemu/process/crash", testCrash);
    g_test_add_func("/qemu/process/host-signal", testHostSignal);
    g_test_add_func("/qemu/process/bad-emulator", testBadEmulator);
    g_test_add_func("/qemu/process/early-exit", testEarlyExit);

    return g_test_run();
}
