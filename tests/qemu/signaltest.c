/*
 * signaltest.c: QEMU is signalled through its pidfd, not its pid
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qemu_process.h"

static pid_t
spawnSleeper(void)
{
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    return pid;
}


/* A status file's pid may name another process by the time an adopted
 * QEMU is stopped: the pidfd taken when it was adopted decides. Here the
 * pid names process B while the pidfd holds process A, as after a pid
 * reuse: A gets the signal, B lives on. */
static void
testPidfdWins(void)
{
    pid_t a = spawnSleeper();
    pid_t b = spawnSleeper();
    int pidfd = syscall(SYS_pidfd_open, a, 0);
    int status = 0;

    if (pidfd < 0) {
        kill(a, SIGKILL);
        kill(b, SIGKILL);
        waitpid(a, NULL, 0);
        waitpid(b, NULL, 0);
        g_test_skip("no pidfd_open on this kernel");
        return;
    }
    g_assert_true(qemuProcessSignal(b, pidfd, SIGTERM));
    g_assert_cmpint(waitpid(a, &status, 0), ==, a);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    g_assert_cmpint(waitpid(b, &status, WNOHANG), ==, 0);

    /* Without a pidfd the pid is all there is. */
    g_assert_true(qemuProcessSignal(b, -1, SIGTERM));
    g_assert_cmpint(waitpid(b, &status, 0), ==, b);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    close(pidfd);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/process/signal-pidfd", testPidfdWins);
    return g_test_run();
}
