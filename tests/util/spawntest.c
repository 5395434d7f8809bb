/*
 * spawntest.c: child processes, descriptors, environment, waiting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vsspawn.h"
#include "vserror.h"
#include "vsfile.h"
#include "vslog.h"

/* Run "sh -c SCRIPT" to completion and return its stdout. */
static char *
testShell(const char *script,
          vsSpawn *cmd)
{
    g_autoptr(GError) err = NULL;
    char *out = NULL;

    vsSpawnAddArg(cmd, "-c");
    vsSpawnAddArg(cmd, script);
    g_assert_true(vsSpawnRunSync(cmd, &out, NULL, &err));
    g_assert_no_error(err);
    return out;
}


static vsSpawn *
testNewShell(void)
{
    const char *argv[] = { "sh", NULL };

    return vsSpawnNew(argv);
}


static char *
testReadAll(int fd)
{
    GString *buf = g_string_new(NULL);
    char chunk[256];
    ssize_t n;

    while ((n = read(fd, chunk, sizeof(chunk))) > 0)
        g_string_append_len(buf, chunk, n);
    g_assert_cmpint(n, ==, 0);
    return g_string_free(buf, FALSE);
}


static gint
testCompareInt(gconstpointer a,
               gconstpointer b)
{
    return *(const int *) a - *(const int *) b;
}


static void
testExitCodes(void)
{
    static const struct {
        const char *script;
        int code;
        const char *desc;
    } cases[] = {
        { "exit 0", 0, "exited with status 0" },
        { "exit 3", 3, "exited with status 3" },
        { "exit 255", 255, "exited with status 255" },
        { "kill -9 $$", -9, "killed by signal 9 (Killed)" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *argv[] = { "sh", "-c", cases[i].script, NULL };
        g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
        g_autoptr(GError) err = NULL;
        g_autofree char *desc = NULL;
        VS_AUTOCLOSE int pidfd = -1;
        int status = -1;
        pid_t pid;

        pid = vsSpawnRun(cmd, &pidfd, &err);
        g_assert_no_error(err);
        g_assert_cmpint(pid, >, 0);
        g_assert_cmpint(pidfd, >=, 0);
        g_assert_cmpint(fcntl(pidfd, F_GETFD) & FD_CLOEXEC, !=, 0);

        g_assert_true(vsSpawnWait(pid, pidfd, -1, &status, &err));
        if (cases[i].code >= 0) {
            g_assert_true(WIFEXITED(status));
            g_assert_cmpint(WEXITSTATUS(status), ==, cases[i].code);
        } else {
            g_assert_true(WIFSIGNALED(status));
            g_assert_cmpint(WTERMSIG(status), ==, -cases[i].code);
        }
        desc = vsSpawnDescribeStatus(status);
        g_assert_cmpstr(desc, ==, cases[i].desc);
    }
}


static void
testEnv(void)
{
    g_autoptr(vsSpawn) cmd = testNewShell();
    g_autoptr(vsSpawn) clean = NULL;
    g_autofree char *out = NULL;
    g_autofree char *cleanOut = NULL;
    const char *envArgv[] = { "env", NULL };

    g_setenv("VS_SPAWNTEST_PARENT", "inherited", TRUE);
    g_setenv("VS_SPAWNTEST_GONE", "present", TRUE);
    vsSpawnSetEnv(cmd, "VS_SPAWNTEST_NEW", "a b");
    vsSpawnSetEnv(cmd, "VS_SPAWNTEST_GONE", NULL);
    vsSpawnSetEnv(cmd, "VS_SPAWNTEST_TWICE", "first");
    vsSpawnSetEnv(cmd, "VS_SPAWNTEST_TWICE", "second");
    out = testShell("echo \"$VS_SPAWNTEST_PARENT|$VS_SPAWNTEST_NEW|"
                    "${VS_SPAWNTEST_GONE-unset}|$VS_SPAWNTEST_TWICE\"", cmd);
    g_assert_cmpstr(out, ==, "inherited|a b|unset|second\n");

    /* An empty environment, but for what is set after clearing; "env" is
     * found in the system's default PATH. */
    clean = vsSpawnNew(envArgv);
    vsSpawnSetEnv(clean, "DROPPED", "1");
    vsSpawnClearEnv(clean);
    vsSpawnSetEnv(clean, "ONLY", "this");
    g_assert_true(vsSpawnRunSync(clean, &cleanOut, NULL, NULL));
    g_assert_cmpstr(cleanOut, ==, "ONLY=this\n");

    g_unsetenv("VS_SPAWNTEST_PARENT");
    g_unsetenv("VS_SPAWNTEST_GONE");
}


/* The descriptor numbers open in process @pid, sorted, space-separated. */
static char *
testListFds(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/fd", (long long) pid);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    g_autoptr(GArray) nums = g_array_new(FALSE, FALSE, sizeof(int));
    GString *buf = g_string_new(NULL);
    const char *name;
    guint i;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir))) {
        guint64 n = 0;

        g_assert_true(g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT, &n,
                                                 NULL));
        g_array_append_vals(nums, &(int){ n }, 1);
    }
    g_array_sort(nums, (GCompareFunc) testCompareInt);
    for (i = 0; i < nums->len; i++)
        g_string_append_printf(buf, "%s%d", i ? " " : "",
                               g_array_index(nums, int, i));
    return g_string_free(buf, FALSE);
}


static void
testPassFd(void)
{
    const char *argv[] = {
        "sh", "-c", "echo through-five >&5; exec cat", NULL,
    };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *fds = NULL;
    g_autofree char *got = NULL;
    VS_AUTOCLOSE int pidfd = -1;
    int pfd[2];
    int in[2];
    int out[2];
    int stray;
    int status = -1;
    char line[64] = { 0 };
    pid_t pid;

    g_assert_cmpint(pipe2(pfd, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
    /* A descriptor the parent forgot to mark close-on-exec must not leak
     * into the child either. */
    stray = open("/dev/null", O_RDONLY);
    g_assert_cmpint(stray, >=, 0);

    vsSpawnPassFd(cmd, pfd[1], 5);
    vsSpawnSetStdin(cmd, in[0]);
    vsSpawnSetStdout(cmd, out[1]);
    vsSpawnSetStderr(cmd, -1);
    pid = vsSpawnRun(cmd, &pidfd, &err);
    g_assert_no_error(err);
    close(pfd[1]);
    close(in[0]);
    close(out[1]);

    g_assert_cmpint(read(pfd[0], line, sizeof(line) - 1), ==, 13);
    g_assert_cmpstr(line, ==, "through-five\n");

    /* Once cat echoes a line the shell has become cat, which opens no
     * descriptors of its own: look at what it holds. */
    g_assert_cmpint(write(in[1], "ping\n", 5), ==, 5);
    g_assert_cmpint(read(out[0], line, sizeof(line) - 1), ==, 5);
    fds = testListFds(pid);
    g_assert_cmpstr(fds, ==, "0 1 2 5");

    close(in[1]);
    close(out[0]);
    g_assert_true(vsSpawnWait(pid, pidfd, 5000, &status, &err));
    g_assert_cmpint(status, ==, 0);
    got = testReadAll(pfd[0]);
    g_assert_cmpstr(got, ==, "");
    close(pfd[0]);
    close(stray);
}


/* Two parent descriptors whose numbers are each other's targets: a naive
 * dup2() sequence would send both streams into one pipe. */
static void
testPassFdSwap(void)
{
    g_autoptr(vsSpawn) cmd = testNewShell();
    g_autofree char *out = NULL;
    g_autofree char *gotA = NULL;
    g_autofree char *gotB = NULL;
    int a[2];
    int b[2];

    g_assert_cmpint(pipe2(a, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(b, O_CLOEXEC), ==, 0);
    g_assert_cmpint(dup3(a[1], 7, O_CLOEXEC), ==, 7);
    g_assert_cmpint(dup3(b[1], 8, O_CLOEXEC), ==, 8);
    close(a[1]);
    close(b[1]);

    /* Pipe a at 7 becomes 8 in the child, pipe b at 8 becomes 7; pipe a
     * also appears at its own number 6 (-1: same number) via a third
     * descriptor. */
    g_assert_cmpint(dup3(7, 6, O_CLOEXEC), ==, 6);
    vsSpawnPassFd(cmd, 7, 8);
    vsSpawnPassFd(cmd, 8, 7);
    vsSpawnPassFd(cmd, 6, -1);
    out = testShell("printf A >&8; printf B >&7; printf a >&6", cmd);
    close(6);
    close(7);
    close(8);

    gotA = testReadAll(a[0]);
    gotB = testReadAll(b[0]);
    g_assert_cmpstr(gotA, ==, "Aa");
    g_assert_cmpstr(gotB, ==, "B");
    close(a[0]);
    close(b[0]);
}


static void
testStdio(void)
{
    const char *catArgv[] = { "cat", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(catArgv);
    g_autoptr(vsSpawn) nullIn = vsSpawnNew(catArgv);
    g_autoptr(GError) err = NULL;
    g_autofree char *got = NULL;
    g_autofree char *empty = NULL;
    VS_AUTOCLOSE int pidfd = -1;
    int in[2];
    int out[2];
    int status = -1;
    pid_t pid;

    g_assert_cmpint(pipe2(in, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(out, O_CLOEXEC), ==, 0);
    vsSpawnSetStdin(cmd, in[0]);
    vsSpawnSetStdout(cmd, out[1]);
    vsSpawnSetStderr(cmd, -1);
    pid = vsSpawnRun(cmd, &pidfd, &err);
    g_assert_no_error(err);
    close(in[0]);
    close(out[1]);

    g_assert_cmpint(write(in[1], "line one\nline two\n", 18), ==, 18);
    close(in[1]);
    got = testReadAll(out[0]);
    close(out[0]);
    g_assert_cmpstr(got, ==, "line one\nline two\n");
    g_assert_true(vsSpawnWait(pid, pidfd, 5000, &status, &err));
    g_assert_cmpint(status, ==, 0);

    /* Default stdin is /dev/null: cat ends at once. */
    g_assert_true(vsSpawnRunSync(nullIn, &empty, NULL, &err));
    g_assert_cmpstr(empty, ==, "");
}


static void
testExecFailure(void)
{
    g_autofree char *dir = g_dir_make_tmp("vsspawntest-XXXXXX", NULL);
    g_autofree char *plain = g_build_filename(dir, "not-executable", NULL);
    const char *missing[] = { "/nonexistent/prog", NULL };
    const char *unknown[] = { "vs-no-such-program-anywhere", "x", NULL };
    const char *noexec[] = { plain, NULL };
    const char *sh[] = { "sh", "-c", "exit 0", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(missing);
    g_autoptr(vsSpawn) cmd2 = vsSpawnNew(unknown);
    g_autoptr(vsSpawn) cmd3 = NULL;
    g_autoptr(vsSpawn) cmd4 = vsSpawnNew(sh);
    g_autoptr(GError) err = NULL;
    g_autofree char *expect = NULL;
    int pidfd = 12345;

    g_assert_cmpint(vsSpawnRun(cmd, &pidfd, &err), ==, -1);
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "cannot execute '/nonexistent/prog': No such file or directory");
    g_assert_cmpint(pidfd, ==, -1);
    g_clear_error(&err);

    g_assert_false(vsSpawnRunSync(cmd2, NULL, NULL, &err));
    g_assert_cmpstr(err->message, ==,
                    "cannot execute 'vs-no-such-program-anywhere': No such file or directory");
    g_clear_error(&err);

    /* The exec itself fails in the child and is reported through the
     * pipe: a file without execute permission (root ignores the mode
     * bits, but exec still requires one x bit). */
    g_assert_true(g_file_set_contents(plain, "#!/bin/sh\n", -1, NULL));
    g_assert_cmpint(chmod(plain, 0644), ==, 0);
    cmd3 = vsSpawnNew(noexec);
    g_assert_cmpint(vsSpawnRun(cmd3, NULL, &err), ==, -1);
    expect = g_strdup_printf("cannot execute '%s': Permission denied", plain);
    g_assert_cmpstr(err->message, ==, expect);
    g_clear_error(&err);

    /* A descriptor that is not open cannot be passed. */
    vsSpawnPassFd(cmd4, 987, 4);
    g_assert_cmpint(vsSpawnRun(cmd4, NULL, &err), ==, -1);
    g_assert_cmpstr(err->message, ==,
                    "cannot set up descriptors for 'sh': Bad file descriptor");

    /* Failed children were reaped already. */
    g_assert_cmpint(waitpid(-1, NULL, WNOHANG), ==, -1);
    g_assert_cmpint(errno, ==, ECHILD);

    unlink(plain);
    rmdir(dir);
}


static void
testTimeout(gconstpointer opaque)
{
    gboolean usePidfd = GPOINTER_TO_INT(opaque);
    const char *argv[] = { "sleep", "5", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *desc = NULL;
    VS_AUTOCLOSE int pidfd = -1;
    int status = 0;
    gint64 start;
    gint64 elapsed;
    pid_t pid;

    pid = vsSpawnRun(cmd, usePidfd ? &pidfd : NULL, &err);
    g_assert_no_error(err);

    start = g_get_monotonic_time();
    g_assert_false(vsSpawnWait(pid, pidfd, 200, &status, &err));
    elapsed = g_get_monotonic_time() - start;
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_OPERATION_TIMEOUT);
    g_assert_cmpint(elapsed, >=, 200 * 1000);
    g_assert_cmpint(elapsed, <, 2 * G_USEC_PER_SEC);
    g_clear_error(&err);

    /* Still our child, still running: kill it and reap it. */
    g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
    start = g_get_monotonic_time();
    g_assert_true(vsSpawnWait(pid, pidfd, 5000, &status, &err));
    g_assert_no_error(err);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC);
    g_assert_true(WIFSIGNALED(status));
    desc = vsSpawnDescribeStatus(status);
    g_assert_cmpstr(desc, ==, "killed by signal 9 (Killed)");

    /* Waiting again for a reaped child fails. */
    g_assert_false(vsSpawnWait(pid, -1, -1, &status, &err));
    g_assert_error(err, VS_ERROR_SYSTEM, VS_ERR_SYSTEM_ERROR);
}


static void
testRunSyncFailure(void)
{
    const char *argv[] = {
        "sh", "-c", "echo some output; echo 'disk on fire' >&2; exit 2", NULL,
    };
    const char *quiet[] = { "sh", "-c", "exit 1", NULL };
    const char *killed[] = { "sh", "-c", "echo bye >&2; kill -15 $$", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(vsSpawn) cmd2 = vsSpawnNew(quiet);
    g_autoptr(vsSpawn) cmd3 = vsSpawnNew(killed);
    g_autoptr(GError) err = NULL;
    char *out = (char *) "unset";
    char *errText = (char *) "unset";

    g_assert_false(vsSpawnRunSync(cmd, &out, &errText, &err));
    g_assert_error(err, VS_ERROR_NONE, VS_ERR_OPERATION_FAILED);
    g_assert_cmpstr(err->message, ==, "'sh' exited with status 2: disk on fire");
    g_assert_null(out);
    g_assert_null(errText);
    g_clear_error(&err);

    g_assert_false(vsSpawnRunSync(cmd2, NULL, NULL, &err));
    g_assert_cmpstr(err->message, ==, "'sh' exited with status 1");
    g_clear_error(&err);

    g_assert_false(vsSpawnRunSync(cmd3, NULL, NULL, &err));
    g_assert_cmpstr(err->message, ==,
                    "'sh' was killed by signal 15 (Terminated): bye");
}


static void
testRunSyncLarge(void)
{
    /* 3 MB on each stream: a reader of one pipe at a time would
     * deadlock; more than 1 MiB is dropped. */
    const char *argv[] = {
        "sh", "-c",
        "head -c 3000000 /dev/zero | tr '\\0' e >&2; "
        "head -c 3000000 /dev/zero | tr '\\0' o; echo x >&2",
        NULL,
    };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errText = NULL;

    g_assert_true(vsSpawnRunSync(cmd, &out, &errText, &err));
    g_assert_no_error(err);
    g_assert_nonnull(out);
    g_assert_nonnull(errText);
    g_assert_cmpuint(strlen(out), ==, 1024 * 1024);
    g_assert_cmpuint(strlen(errText), ==, 1024 * 1024);
    g_assert_cmpint(out[0], ==, 'o');
    g_assert_cmpint(errText[1024 * 1024 - 1], ==, 'e');
}


static void
testRunSyncCapture(void)
{
    const char *argv[] = {
        "sh", "-c", "echo to-out; echo to-err >&2", NULL,
    };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errText = NULL;

    g_assert_true(vsSpawnRunSync(cmd, &out, &errText, &err));
    g_assert_cmpstr(out, ==, "to-out\n");
    g_assert_cmpstr(errText, ==, "to-err\n");
}


static void
testNewSession(void)
{
    g_autoptr(vsSpawn) cmd = testNewShell();
    g_autoptr(vsSpawn) same = testNewShell();
    g_autofree char *out = NULL;
    g_autofree char *sameOut = NULL;
    g_auto(GStrv) fields = NULL;
    g_autofree char *mySid = g_strdup_printf("%lld", (long long) getsid(0));

    /* /proc/PID/stat: pid (comm) state ppid pgrp session ... */
    vsSpawnSetNewSession(cmd, TRUE);
    out = testShell("read pid comm state ppid pgrp sid rest < /proc/$$/stat; "
                    "echo \"$pid $sid\"", cmd);
    g_strstrip(out);
    fields = g_strsplit(out, " ", 2);
    g_assert_cmpstr(fields[0], ==, fields[1]);

    sameOut = testShell("read pid comm state ppid pgrp sid rest < "
                        "/proc/$$/stat; echo \"$sid\"", same);
    g_strstrip(sameOut);
    g_assert_cmpstr(sameOut, ==, mySid);
}


/* The daemon may ignore or block signals; the child starts clean. */
static void
testSignalsReset(void)
{
    const char *argv[] = { "sleep", "5", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    VS_AUTOCLOSE int pidfd = -1;
    struct sigaction ign;
    struct sigaction oldTerm;
    sigset_t block;
    sigset_t oldMask;
    int status = 0;
    pid_t pid;

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    g_assert_cmpint(sigaction(SIGTERM, &ign, &oldTerm), ==, 0);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    g_assert_cmpint(pthread_sigmask(SIG_BLOCK, &block, &oldMask), ==, 0);

    pid = vsSpawnRun(cmd, &pidfd, &err);

    pthread_sigmask(SIG_SETMASK, &oldMask, NULL);
    sigaction(SIGTERM, &oldTerm, NULL);
    g_assert_no_error(err);

    g_assert_cmpint(kill(pid, SIGTERM), ==, 0);
    g_assert_true(vsSpawnWait(pid, pidfd, 5000, &status, &err));
    g_assert_no_error(err);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGTERM);
}


static void
testToString(void)
{
    const char *argv[] = { "qemu-system-x86_64", "-name", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autofree char *str = NULL;

    vsSpawnAddArg(cmd, "guest one");
    vsSpawnAddArgFormat(cmd, "fd=%d,size=%s", 3, "1G");
    vsSpawnAddArg(cmd, "");
    vsSpawnSetEnv(cmd, "LC_ALL", "C");
    vsSpawnSetEnv(cmd, "HOME", NULL);
    str = vsSpawnToString(cmd);
    g_assert_cmpstr(str, ==,
                    "LC_ALL=C qemu-system-x86_64 -name 'guest one' "
                    "fd=3,size=1G ''");
}


/* A debug log tells what ran, with which descriptors, and its pid. */
static void
testDebugLog(void)
{
    g_autofree char *dir = g_dir_make_tmp("vsspawntest-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    g_autofree char *text = NULL;
    g_autofree char *expectPid = NULL;
    const char *argv[] = { "sh", "-c", "exit 0", NULL };
    g_autoptr(vsSpawn) cmd = vsSpawnNew(argv);
    g_autoptr(GError) err = NULL;
    int status = -1;
    pid_t pid;

    g_assert_true(vsLogSetDefaultPriority("debug", &err));
    g_assert_true(vsLogSetOutputFile(path, &err));
    vsSpawnPassFd(cmd, 2, 9);
    pid = vsSpawnRun(cmd, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(vsSpawnWait(pid, -1, -1, &status, &err));
    vsLogReset();

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    expectPid = g_strdup_printf("started pid %lld for sh", (long long) pid);
    g_assert_nonnull(strstr(text, "running sh -c 'exit 0'"));
    g_assert_nonnull(strstr(text, "child fd 9 from parent fd 2"));
    g_assert_nonnull(strstr(text, expectPid));

    unlink(path);
    rmdir(dir);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/spawn/exit-codes", testExitCodes);
    g_test_add_func("/spawn/env", testEnv);
    g_test_add_func("/spawn/pass-fd", testPassFd);
    g_test_add_func("/spawn/pass-fd-swap", testPassFdSwap);
    g_test_add_func("/spawn/stdio", testStdio);
    g_test_add_func("/spawn/exec-failure", testExecFailure);
    g_test_add_data_func("/spawn/timeout/pidfd", GINT_TO_POINTER(TRUE),
                         testTimeout);
    g_test_add_data_func("/spawn/timeout/no-pidfd", GINT_TO_POINTER(FALSE),
                         testTimeout);
    g_test_add_func("/spawn/run-sync-failure", testRunSyncFailure);
    g_test_add_func("/spawn/run-sync-large", testRunSyncLarge);
    g_test_add_func("/spawn/run-sync-capture", testRunSyncCapture);
    g_test_add_func("/spawn/new-session", testNewSession);
    g_test_add_func("/spawn/signals-reset", testSignalsReset);
    g_test_add_func("/spawn/to-string", testToString);
    g_test_add_func("/spawn/debug-log", testDebugLog);
    return g_test_run();
}
