/*
 * vsspawn.h: start child processes with chosen inherited descriptors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct _vsSpawn vsSpawn;

/* Build a command: argv[0] is looked up in PATH unless it has a '/'. */
vsSpawn *vsSpawnNew(const char * const *argv);
void vsSpawnFree(vsSpawn *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vsSpawn, vsSpawnFree);

void vsSpawnAddArg(vsSpawn *cmd, const char *arg);
void vsSpawnAddArgFormat(vsSpawn *cmd, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
/* Set (or with NULL @value, remove) one environment variable; the child
 * otherwise inherits the daemon's environment. */
void vsSpawnSetEnv(vsSpawn *cmd, const char *name, const char *value);
void vsSpawnClearEnv(vsSpawn *cmd);

/* @parentfd stays open in the child as descriptor @childfd (-1: same
 * number). The caller keeps its own @parentfd. Every other descriptor of
 * the parent except 0-2 is closed in the child. */
void vsSpawnPassFd(vsSpawn *cmd, int parentfd, int childfd);
/* Standard streams of the child: a descriptor of the parent (kept by the
 * caller), or -1 for /dev/null. Default: /dev/null for stdin, the
 * parent's stdout/stderr. */
void vsSpawnSetStdin(vsSpawn *cmd, int fd);
void vsSpawnSetStdout(vsSpawn *cmd, int fd);
void vsSpawnSetStderr(vsSpawn *cmd, int fd);
/* Start the child in a new session (setsid), e.g. so that a terminal's
 * Ctrl-C does not reach it. */
void vsSpawnSetNewSession(vsSpawn *cmd, gboolean newSession);

/* Human-readable command line for logs. */
char *vsSpawnToString(const vsSpawn *cmd);

/* Start the child. Returns its pid, and a pidfd (O_CLOEXEC; -1 when the
 * kernel lacks pidfd_open) in *@pidfd if not NULL. exec failures in the
 * child are reported here as an error, not as a child that exits 127. */
pid_t vsSpawnRun(vsSpawn *cmd, int *pidfd, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* Wait for a child of ours; *@status gets the waitpid status.
 * @timeoutMs < 0 waits forever. Returns FALSE with @error set
 * (VS_ERR_OPERATION_TIMEOUT) on timeout; the child then still runs and
 * still needs reaping. */
gboolean vsSpawnWait(pid_t pid, int pidfd, int timeoutMs, int *status,
                     GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* "exited with status 3" / "killed by signal 9 (Killed)" */
char *vsSpawnDescribeStatus(int status);

/* Run a command to completion, capturing stdout and stderr (each up to
 * 1 MiB; the rest is read and dropped) in place of @cmd's own stdout and
 * stderr settings; returns FALSE with @error naming the program and
 * quoting its stderr if it fails to start or exits non-zero (*@out and
 * *@err are then NULL). */
gboolean vsSpawnRunSync(vsSpawn *cmd, char **out, char **err,
                        GError **error) G_GNUC_WARN_UNUSED_RESULT;
